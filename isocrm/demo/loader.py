"""Writing millions of generated rows the fastest way each database takes them.

SQLite: executemany on one connection of its own, a commit per batch with indexes and
foreign keys in place (a crash keeps what was committed), `synchronous = OFF` on that
connection only while loading (the WAL stays on, so a crash loses the last batches, never
the file).

PostgreSQL: COPY. Checking a foreign key per row (a trigger each) and updating a dozen
indexes per row made COPY crawl at 9,000 rows/s, so the whole load is one transaction that
first sets aside the loaded tables' foreign keys, secondary indexes and the primary and
unique keys no foreign key depends on, copies, then recreates them all from their own
stored definitions, every key validated again over the new rows. PostgreSQL's DDL is
transactional: a failure anywhere rolls all of it back, constraints included. The price:
the loaded tables are locked for the app during the load.
"""

import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from sqlalchemy.orm import Session

Echo = Callable[[str], object]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class BulkWriter:
    def __init__(self, session: Session, tables: Iterable[str]) -> None:
        session.commit()  # this connection must not wait on the session's lock
        self.connection = session.get_bind().connect()
        self.raw = self.connection.connection.driver_connection
        self.dialect = self.connection.dialect.name
        self.sqlite = self.dialect == "sqlite"
        self.tables = list(tables)
        self.restore: list[tuple[str, str]] = []  # (statement to run at the end, what it is)
        if self.sqlite:
            self.raw.execute("PRAGMA synchronous = OFF")
            self.raw.execute("PRAGMA cache_size = -262144")  # 256 MB for the index pages
            self.raw.execute("BEGIN")
        else:
            self._set_aside()

    def _set_aside(self) -> None:
        self.execute("SET LOCAL maintenance_work_mem = '512MB'")
        keys = self.execute(
            "SELECT k.conrelid::regclass::text, k.conname, pg_get_constraintdef(k.oid) "
            "FROM pg_constraint k WHERE k.conrelid = ANY(%s::regclass[]) AND k.contype IN "
            "('p', 'u') AND NOT EXISTS (SELECT 1 FROM pg_constraint f "
            "  WHERE f.contype = 'f' AND f.conindid = k.conindid) ORDER BY k.conname",
            self.tables,
        )
        indexes = self.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT EXISTS ("
            "  SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid"
            "  AND k.conrelid = i.indrelid) ORDER BY c.relname",
            self.tables,
        )
        foreign = self.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) "
            "ORDER BY conname",
            self.tables,
        )
        for table, name, _definition in foreign:
            self.execute(f"ALTER TABLE {table} DROP CONSTRAINT {_quoted(name)}")
        for table, name, _definition in keys:
            self.execute(f"ALTER TABLE {table} DROP CONSTRAINT {_quoted(name)}")
        for name, _definition in indexes:
            self.execute(f"DROP INDEX {_quoted(name)}")
        # Keys first (an index build sorts once), foreign keys last (they need the keys).
        for table, name, definition in keys + foreign:
            self.restore.append(
                (f"ALTER TABLE {table} ADD CONSTRAINT {_quoted(name)} {definition}", name)
            )
        self.restore[len(keys) : len(keys)] = [(d, name) for name, d in indexes]

    def execute(self, sql: str, *params) -> list[tuple]:
        if self.sqlite:
            sql = sql.replace("%s", "?")
        cursor = self.raw.execute(sql, params)
        return list(cursor.fetchall()) if cursor.description else []

    def insert(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        names = ", ".join(columns)
        if self.sqlite:
            marks = ", ".join("?" * len(columns))
            self.raw.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})",  # nosec B608: names are ours
                rows,
            )
            return
        with (
            self.raw.cursor() as cursor,
            cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,  # nosec B608: ours
        ):
            for row in rows:
                copy.write_row(row)

    def checkpoint(self) -> None:
        """End of a batch: SQLite commits it; PostgreSQL carries on in its one transaction."""
        if self.sqlite:
            self.raw.execute("COMMIT")
            self.raw.execute("BEGIN")

    def follow_sequences(self, tables: Iterable[str]) -> None:
        """PostgreSQL's serials do not see explicit ids: without setval the next row the app
        adds would collide with a generated one (SQLite's rowid follows max(id) by itself)."""
        if not self.sqlite:
            for table in tables:
                self.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                    f"(SELECT max(id) FROM {table}))",  # nosec B608: names are ours
                    table,
                )

    def finish(self, echo: Echo) -> None:
        for statement, what in self.restore:
            started = time.monotonic()
            self.execute(statement)
            echo(f"{what} recriado em {time.monotonic() - started:.1f} s")
        self.restore = []
        if self.sqlite:
            self.raw.execute("COMMIT")
            self.raw.execute("BEGIN")
        else:
            self.raw.commit()

    def close(self) -> None:
        """Roll back what finish() did not commit, and give the connection back as found."""
        if self.sqlite:
            self.raw.execute("ROLLBACK")
            self.raw.execute("PRAGMA synchronous = NORMAL")
            self.raw.execute("PRAGMA cache_size = -2000")
        else:
            self.raw.rollback()
        self.connection.close()


def moment_text(sqlite: bool) -> Callable[[datetime], str]:
    """A datetime as the text the database stores: UTC, and on SQLite SQLAlchemy's own
    format, microseconds included (text is compared as text there)."""
    suffix = ".000000" if sqlite else "+00"

    def moment(value: datetime) -> str:
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(" ", "seconds") + suffix

    return moment


def rate(rows: int, started: float) -> str:
    return f"{rows / max(time.monotonic() - started, 1e-6):,.0f}".replace(",", ".") + " linhas/s"
