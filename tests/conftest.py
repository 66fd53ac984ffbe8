"""Fixtures: a real database built by the migrations, the app, a client and a logged-in user.

Set ISOCRM_DATABASE_URL to run the suite on PostgreSQL; without it each test gets its own
SQLite file, copied from one migrated template.

Speed: the migrations and the fixed demo records are made once per session, not per test.
On SQLite there are two templates, an empty one and one with the demo records, and a test
that asks for `demo` gets a copy of the second; on PostgreSQL the demo rows are kept in a
`demo_snapshot` schema and copied back (INSERT ... SELECT, then the sequences) before such a
test, and every table is emptied after each test as before. Passwords are hashed with a
cheap method (PASSWORD_HASH_METHOD) in tests only: scrypt's cost was half the suite's time.
"""

import contextvars
import copy
import os
import re
import shutil
import time

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from isocrm import create_app
from isocrm.extensions import db as _db
from isocrm.imports.jobs import wait_all
from isocrm.models import Base
from tests.forms import form_values
from tests.smtp import SMTPServer

DATABASE_URL = os.environ.get("ISOCRM_DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith("postgresql")


# Cheap on purpose: scrypt (production) costs ~0.1 s per hash and per login check.
# tests/test_password_hash.py shows production still hashes with scrypt.
TEST_HASH_METHOD = "pbkdf2:sha256:1000"
DEMO_SNAPSHOT_SCHEMA = "demo_snapshot"


def _test_app(url: str):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": url,
            "PASSWORD_HASH_METHOD": TEST_HASH_METHOD,
            # Never a real provider from the suite, whatever the environment says; the lookup
            # tests point these at a server of their own.
            "CEP_LOOKUP_URL": "",
            "CNPJ_LOOKUP_URL": "",
        }
    )


def _migrate(url: str) -> None:
    app = _test_app(url)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        _db.engine.dispose()


def _record_keys(value):
    """The demo's records dict with each model object replaced by (class, primary key)."""
    if isinstance(value, Base):
        return _ObjectKey((type(value), sa.inspect(value).identity))
    if isinstance(value, dict):
        return {key: _record_keys(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_record_keys(item) for item in value)
    return value


class _ObjectKey(tuple):
    pass


def _object_keys(keys, found: dict) -> dict:
    """Every _ObjectKey in keys, by class: {cls: {identity, ...}}."""
    if isinstance(keys, _ObjectKey):
        found.setdefault(keys[0], set()).add(keys[1])
    elif isinstance(keys, dict):
        for item in keys.values():
            _object_keys(item, found)
    elif isinstance(keys, list | tuple):
        for item in keys:
            _object_keys(item, found)
    return found


def _preload(keys, session) -> None:
    """One SELECT per class instead of one per object: session.get then finds them loaded."""
    for cls, identities in _object_keys(keys, {}).items():
        (pk,) = sa.inspect(cls).primary_key  # every demo model has a one-column key
        session.scalars(sa.select(cls).where(pk.in_([i[0] for i in identities]))).all()


def _records_from_keys(keys, session):
    """The same dict with the objects read again, by id, in this test's session."""
    if isinstance(keys, _ObjectKey):
        cls, identity = keys
        obj = session.get(cls, identity)
        assert obj is not None, f"demo record {cls.__name__} {identity} is missing"
        return obj
    if isinstance(keys, dict):
        return {key: _records_from_keys(item, session) for key, item in keys.items()}
    if isinstance(keys, list | tuple):
        return type(keys)(_records_from_keys(item, session) for item in keys)
    return copy.deepcopy(keys)


def _load_demo(url: str):
    """load_fixed into the database at url, committed; the record keys for the demo fixture."""
    from isocrm.demo.fixed import load_fixed

    app = _test_app(url)
    with app.app_context():
        records = load_fixed(_db.session)
        _db.session.commit()
        keys = _record_keys(records)
        _db.session.remove()
        _db.engine.dispose()
    return keys


def _table_names() -> list[str]:
    return [t.name for t in Base.metadata.sorted_tables]


def _truncate_all(conn) -> None:
    conn.exec_driver_sql(f"TRUNCATE {', '.join(_table_names())} RESTART IDENTITY CASCADE")


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """Run the migrations once per session: a schema they miss is a failing test."""
    if ON_POSTGRES:
        engine = sa.create_engine(DATABASE_URL)
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {DEMO_SNAPSHOT_SCHEMA} CASCADE")
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()
        _migrate(DATABASE_URL)
        return DATABASE_URL
    template = tmp_path_factory.mktemp("db") / "template.sqlite3"
    _migrate(f"sqlite:///{template}")
    return template


@pytest.fixture(scope="session")
def demo_template(database_template, tmp_path_factory):
    """The fixed demo records, loaded once: (where they are kept, their keys).

    SQLite: a copy of the empty template with them. PostgreSQL: a copy of every table's rows
    in the demo_snapshot schema plus each sequence's position, after which public is emptied.
    """
    if not ON_POSTGRES:
        path = tmp_path_factory.mktemp("db") / "demo-template.sqlite3"
        shutil.copyfile(database_template, path)
        return path, _load_demo(f"sqlite:///{path}")
    keys = _load_demo(DATABASE_URL)
    engine = sa.create_engine(DATABASE_URL)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {DEMO_SNAPSHOT_SCHEMA}")
        for name in _table_names():
            conn.exec_driver_sql(
                f"CREATE TABLE {DEMO_SNAPSHOT_SCHEMA}.{name} AS SELECT * FROM public.{name}"
            )
        sequences = conn.exec_driver_sql(
            "SELECT sequence_name FROM information_schema.sequences"
            " WHERE sequence_schema = 'public' ORDER BY sequence_name"
        ).scalars()
        positions = [
            (name, *conn.exec_driver_sql(f"SELECT last_value, is_called FROM public.{name}").one())
            for name in list(sequences)
        ]
        _truncate_all(conn)
    engine.dispose()
    return positions, keys


def _restore_demo_snapshot(positions) -> None:
    """Put the demo rows back as load_fixed left them, sequences included."""
    engine = sa.create_engine(DATABASE_URL)
    with engine.begin() as conn:
        for name in _table_names():  # parents before children
            conn.exec_driver_sql(
                f"INSERT INTO public.{name} SELECT * FROM {DEMO_SNAPSHOT_SCHEMA}.{name}"
            )
        for name, last_value, is_called in positions:
            conn.execute(
                sa.text("SELECT setval(CAST(:name AS regclass), :value, :called)"),
                {"name": f"public.{name}", "value": last_value, "called": is_called},
            )
    engine.dispose()


@pytest.fixture
def database_url(request, database_template, tmp_path):
    # Tests that ask for `demo` (directly or through logged_in) start with its records.
    wants_demo = "demo" in request.fixturenames
    if ON_POSTGRES:
        if wants_demo:
            positions, _ = request.getfixturevalue("demo_template")
            _restore_demo_snapshot(positions)
        yield DATABASE_URL
        engine = sa.create_engine(DATABASE_URL)
        with engine.begin() as conn:
            _truncate_all(conn)
        engine.dispose()
    else:
        template = request.getfixturevalue("demo_template")[0] if wants_demo else database_template
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"


class IsolatedClient(FlaskClient):
    """Each request gets its own app context (and so its own `g` and db session), as in
    production, even while the test holds one open to use the database."""

    def open(self, *args, **kwargs):
        # An empty context has no app context in it, so Flask pushes a new one for the
        # request, whatever the test itself holds open.
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(database_url, tmp_path):
    app = _test_app(database_url)
    app.instance_path = str(tmp_path / "instance")
    app.test_client_class = IsolatedClient
    yield app
    # An import started in a process of its own (Importar CSV) ends before the database is
    # emptied for the next test, or it would write into that test's data.
    imports = tmp_path / "instance" / "imports"
    if imports.exists():
        assert wait_all(imports, 120), "an import job still runs"
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    with app.app_context():
        yield _db
        _db.session.rollback()


@pytest.fixture
def demo(app, db, demo_template):
    """The fixed demo records (users, Maria, Joaquim, the catalogue) every test may rely on.

    They are already in the database (see database_url); this reads them by id into the
    test's session, and commits so they are expired as after load_fixed's own commit."""
    _preload(demo_template[1], db.session)
    records = _records_from_keys(demo_template[1], db.session)
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


def hidden_value(html: str, name: str) -> str | None:
    """The value of the hidden input `name` a page carries (Empresa, ticket, send key)."""
    return form_values(html).get(name)


def login_client(app, username, password):
    """A new test client of `app`, logged in as `username`."""
    client = app.test_client()
    assert AuthActions(client).login(username, password).status_code == 302
    return client


def choose_language(client, language: str):
    """Preferências: the logged-in user chooses the interface's language; the response."""
    token = csrf_token_from(client.get("/preferencias").get_data(as_text=True))
    return client.post("/preferencias", data={"language": language, "csrf_token": token})


def page_html(client, url: str, status: int = 200) -> str:
    """The page at `url`, which must answer `status`."""
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


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
def follow_import(client):
    """follow_import(url): poll an upload's page (Importar CSV) as its progress bar does,
    until its job ended; returns the page then."""

    def follow(url: str, timeout: float = 120):
        deadline = time.monotonic() + timeout
        while True:
            polled = client.get(url, headers={"HX-Request": "true"})
            if polled.headers.get("HX-Refresh") == "true" or polled.status_code != 200:
                return client.get(url)
            assert time.monotonic() < deadline, "the import job did not end"
            time.sleep(0.1)

    return follow


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


@pytest.fixture
def sup(app, demo):
    """The supervisor's client (in both Empresas, looking at the demo's main one) and token."""
    client = app.test_client()
    auth = AuthActions(client)
    assert auth.login("supervisor", "supervisor123").status_code == 302
    token = auth.csrf_token()
    switch = {"company_id": demo["company"].id, "next": "/", "csrf_token": token}
    assert client.post("/empresa", data=switch).status_code == 303
    return client, token


@pytest.fixture
def smtp_server(app):
    """A real SMTP server (aiosmtpd) the app is configured to use, not started yet."""
    server = SMTPServer()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_TIMEOUT=5)
    app.config.update(SMTP_USERNAME=None, SMTP_STARTTLS=False, SMTP_SSL=False)
    app.config["MAIL_FROM"] = "SAC isoCRM <sac@isocrm.example.com.br>"
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server):
    """The server, started by the test itself (the failure tests start it late); the browser
    tests' own `smtp` is already listening."""
    return smtp_server


@pytest.fixture
def no_smtp(app):
    app.config["SMTP_HOST"] = None
