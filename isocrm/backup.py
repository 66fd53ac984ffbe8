"""Backup and restore of the whole database, while the app keeps serving.

- SQLite: the online backup API of sqlite3 copies the database in one step inside one read
  transaction, so the copy is the database at one moment even while gunicorn writes (a
  plain file copy of a WAL database is not). Restore copies a backup back into the live file
  the same way, under SQLite's write lock: the app's connections wait, then see the
  restored data.
- PostgreSQL: pg_dump (custom format) dumps in one snapshot; pg_restore --clean --if-exists
  --single-transaction replaces everything at once, or nothing if anything fails. The
  pg_dump/pg_restore of the server's major version is used (Debian installs them under
  /usr/lib/postgresql/<version>/bin).
"""

import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

SQLITE_BUSY_TIMEOUT_S = 60


class BackupError(Exception):
    """The operation was refused or failed; the message is for the operator."""


@dataclass
class Contents:
    """What a database holds, to tell the operator what a backup or a restore moved."""

    revision: str | None
    tickets: int
    entities: int

    def describe(self) -> str:
        return (
            f"{self.tickets} atendimentos, {self.entities} entidades, "
            f"migração {self.revision or '(nenhuma)'}"
        )


def contents_of(connection) -> Contents:
    """Counts through any DB-API or SQLAlchemy connection with a plain execute()."""

    def one(sql: str):
        result = connection.execute(sa.text(sql) if isinstance(connection, sa.Connection) else sql)
        row = result.fetchone()
        return row[0] if row else None

    return Contents(
        revision=one("SELECT version_num FROM alembic_version"),
        tickets=one("SELECT count(*) FROM tickets"),
        entities=one("SELECT count(*) FROM entities"),
    )


# --- SQLite -------------------------------------------------------------------------------


def sqlite_path(url: sa.URL) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupError("Só um banco SQLite em arquivo pode ser copiado.")
    return Path(url.database)


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_S)
    conn.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_S * 1000}")
    return conn


def _check_sqlite(conn: sqlite3.Connection, path: Path) -> Contents:
    try:
        verdict = conn.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} não é um banco SQLite legível ({error}).") from error
    if verdict != [("ok",)]:
        raise BackupError(f"{path} está corrompido (integrity_check: {verdict[:3]}).")
    try:
        return contents_of(conn)
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} não é uma cópia do isoCRM ({error}).") from error


def sqlite_backup(url: sa.URL, target: Path) -> Contents:
    source = sqlite_path(url)
    if not source.exists():
        raise BackupError(f"O banco {source} não existe.")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    src = _connect(source)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst)  # all pages in one step: one read transaction, one moment
        # A self-contained file: no -wal next to it to forget when copying it elsewhere.
        dst.execute("PRAGMA journal_mode = DELETE")
        contents = _check_sqlite(dst, partial)
    except BaseException:
        dst.close()
        partial.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    dst.close()
    _fsync(partial)
    os.replace(partial, target)  # never a half-written file under the final name
    return contents


def sqlite_restore(url: sa.URL, backup: Path) -> tuple[Contents | None, Contents]:
    """(before, after): the live database's contents before and after the restore."""
    live = sqlite_path(url)
    src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        restored = _check_sqlite(src, backup)
        dst = _connect(live)
        try:
            try:
                before = contents_of(dst)
            except sqlite3.DatabaseError:
                before = None  # a new server: no database yet, or one without the schema
            # Copied under the write lock; connections of the running app wait, then read
            # the restored pages. The live file stays in WAL mode.
            src.backup(dst)
            after = contents_of(dst)
        finally:
            dst.close()
    finally:
        src.close()
    if after != restored:
        raise BackupError(f"O banco restaurado não confere com {backup}: {after.describe()}.")
    return before, after


def sqlite_contents(url: sa.URL) -> Contents:
    conn = _connect(sqlite_path(url))
    try:
        return contents_of(conn)
    finally:
        conn.close()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- PostgreSQL ---------------------------------------------------------------------------


def _major(version_text: str) -> int:
    """15 from "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"."""
    match = re.search(r"\)\s*(\d+)", version_text)
    if not match:
        raise BackupError(f"Versão não reconhecida: {version_text!r}.")
    return int(match.group(1))


def pg_tool(name: str, server_major: int) -> str:
    """pg_dump/pg_restore of the server's major version (an older one refuses the dump)."""
    candidates = [f"/usr/lib/postgresql/{server_major}/bin/{name}", shutil.which(name)]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            output = subprocess.run(
                [candidate, "--version"], capture_output=True, text=True, check=False
            ).stdout
            if _major(output) >= server_major:
                return candidate
    raise BackupError(
        f"{name} {server_major} não encontrado: instale postgresql-client-{server_major} "
        "(a versão do servidor)."
    )


def _libpq(url: sa.URL) -> tuple[str, dict]:
    """A libpq URI for --dbname (without the password) and the environment with it."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise BackupError(
            f"{Path(command[0]).name} falhou ({result.returncode}):\n{result.stderr.strip()}"
        )


def pg_backup(url: sa.URL, target: Path, server_major: int) -> None:
    uri, env = _libpq(url)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        _run(
            [
                pg_tool("pg_dump", server_major),
                "--format=custom",
                f"--file={partial}",
                f"--dbname={uri}",
            ],
            env,
        )
        pg_check_dump(partial, server_major)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    _fsync(partial)
    os.replace(partial, target)


def pg_check_dump(path: Path, server_major: int) -> None:
    result = subprocess.run(
        [pg_tool("pg_restore", server_major), "--list", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"{path} não é uma cópia do pg_dump legível: {result.stderr.strip()}")
    if not re.search(r"TABLE DATA \S+ tickets ", result.stdout):
        raise BackupError(f"{path} não é uma cópia do isoCRM (sem a tabela tickets).")


def pg_restore(url: sa.URL, backup: Path, server_major: int) -> None:
    pg_check_dump(backup, server_major)
    uri, env = _libpq(url)
    _run(
        [
            pg_tool("pg_restore", server_major),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",  # everything or nothing
            "--exit-on-error",
            f"--dbname={uri}",
            str(backup),
        ],
        env,
    )
