"""Connection settings that make SQLite a safe multi-user store."""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import urlsplit

from flask import Flask, current_app, g, has_app_context, has_request_context, request
from sqlalchemy import event
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

SQLITE_BUSY_TIMEOUT_MS = 10_000
_WRITING: ContextVar[bool] = ContextVar("sqlite_writing", default=False)


@contextmanager
def writing() -> Iterator[None]:
    """Transactions begun inside take SQLite's write lock up front (BEGIN IMMEDIATE), as a
    POST does: for work outside a request (an import job, a command) that reads, then
    writes what it read. Nothing changes on PostgreSQL."""
    token = _WRITING.set(True)
    try:
        yield
    finally:
        _WRITING.reset(token)


def _sqlite_from_hint(_compiler, _table, text: str) -> str:
    """`select(...).with_hint(Ticket, "INDEXED BY ix_…", "sqlite")` written after the table
    name, where SQLite reads it: SQLAlchemy's SQLite compiler drops table hints. Only
    statements that ask for a hint for the "sqlite" dialect get one."""
    return text


SQLiteCompiler.get_from_hint_text = _sqlite_from_hint


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, _record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # We issue BEGIN ourselves (below); pysqlite's own transaction guessing skips SAVEPOINTs.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    timeout = SQLITE_BUSY_TIMEOUT_MS
    if has_app_context():
        timeout = int(current_app.config.get("SQLITE_BUSY_TIMEOUT_MS", timeout))
    cursor.execute(f"PRAGMA busy_timeout = {timeout}")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin_sqlite(connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    # A request that changes data takes the write lock up front and waits its turn
    # (busy_timeout); a deferred transaction that reads first would instead fail with
    # "database is locked" when another writer commits between its read and its write.
    writing = _WRITING.get() or (
        has_request_context()
        and request.method not in ("GET", "HEAD", "OPTIONS")
        # Once refused for busy, the request only reads (to render its error page).
        and not g.get("sqlite_busy")
    )
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


BUSY_MESSAGE = (
    "O sistema está ocupado com muitos registros ao mesmo tempo. Nada foi salvo: "
    "tente de novo em instantes."
)


def init_app(app: Flask) -> None:
    @app.errorhandler(OperationalError)
    def database_busy(error: OperationalError):
        # SQLite waited busy_timeout for the write lock and gave up: the attendant gets a
        # clear 503 (nothing was saved, the transaction is rolled back), never a 500 or the
        # driver's "database is locked".
        from isocrm.errors import error_page  # the one error page (full or htmx fragment)
        from isocrm.extensions import db

        db.session.rollback()
        if "database is locked" not in str(error.orig):
            raise error
        g.sqlite_busy = True
        return error_page(503, "Sistema ocupado", BUSY_MESSAGE, back_url=_page_before())


def _page_before() -> str | None:
    """The page of ours the refused request came from (the ticket being saved: what was
    typed is in its draft), else None."""
    referrer = request.referrer
    if referrer and urlsplit(referrer).netloc == request.host:
        return referrer
    return None
