"""Fixtures: a real database built by the migrations, the app, a client and a logged-in user.

Set ISOCRM_DATABASE_URL to run the suite on PostgreSQL; without it each test gets its own
SQLite file, copied from one migrated template.
"""

import os
import re
import shutil

import pytest
import sqlalchemy as sa
from flask.ctx import _cv_app
from flask.testing import FlaskClient

from isocrm import create_app
from isocrm.extensions import db as _db
from isocrm.models import Base

DATABASE_URL = os.environ.get("ISOCRM_DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith("postgresql")


def _migrate(url: str) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        _db.engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """Run the migrations once per session: a schema they miss is a failing test."""
    if ON_POSTGRES:
        engine = sa.create_engine(DATABASE_URL)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()
        _migrate(DATABASE_URL)
        return DATABASE_URL
    template = tmp_path_factory.mktemp("db") / "template.sqlite3"
    _migrate(f"sqlite:///{template}")
    return template


@pytest.fixture
def database_url(database_template, tmp_path):
    if ON_POSTGRES:
        yield DATABASE_URL
        engine = sa.create_engine(DATABASE_URL)
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        engine.dispose()
    else:
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(database_template, path)
        yield f"sqlite:///{path}"


class IsolatedClient(FlaskClient):
    """Each request gets its own app context (and so its own `g` and db session), as in
    production, even while the test holds one open to use the database."""

    def open(self, *args, **kwargs):
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
        }
    )
    app.instance_path = str(tmp_path / "instance")
    app.test_client_class = IsolatedClient
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    with app.app_context():
        yield _db
        _db.session.rollback()


@pytest.fixture
def demo(app, db):
    """The fixed demo records (users, Maria, Joaquim, the catalogue) every test may rely on."""
    from isocrm.demo.fixed import load_fixed

    records = load_fixed(db.session)
    db.session.commit()
    return records


@pytest.fixture
def client(app):
    return app.test_client()


_CSRF_INPUT = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


def csrf_token_from(html: str) -> str:
    match = _CSRF_INPUT.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, username="atendente", password="atendente123"):
        page = self._client.get("/entrar")
        token = csrf_token_from(page.get_data(as_text=True))
        return self._client.post(
            "/entrar",
            data={"username": username, "password": password, "csrf_token": token},
        )

    def csrf_token(self) -> str:
        page = self._client.get("/atendimentos/")
        return csrf_token_from(page.get_data(as_text=True))


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def logged_in(client, auth, demo):
    response = auth.login()
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "PRAGMA")):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """with count_queries() as counter: ... -> counter.count statements sent to the database."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        counter = QueryCounter()
        with app.app_context():
            engine = _db.engine
        sa.event.listen(engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            sa.event.remove(engine, "before_cursor_execute", counter)

    return counting
