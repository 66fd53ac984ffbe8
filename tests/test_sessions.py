"""Sessions that really end (issue 9): server-side session state, timeouts that lose nothing,
no trust in client-set headers, security events logged one JSON line each, HSTS and no
server banner."""

import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from http.client import HTTPConnection
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import abort

from isocrm import config as settings
from isocrm import create_app
from isocrm.auth import signals
from isocrm.extensions import db as _db
from isocrm.logs import mask_documents
from isocrm.models import Alert, User, UserSession, utcnow
from tests.conftest import IsolatedClient, csrf_token_from
from tests.factories import fresh, include, new_ticket_data, screen_form, ticket_by_code, token_of

ROOT = Path(__file__).resolve().parents[1]
HX = {"HX-Request": "true"}


def _rows(db, username="atendente") -> list[UserSession]:
    fresh(db)
    return list(
        db.session.scalars(
            sa.select(UserSession)
            .join(User, User.id == UserSession.user_id)
            .where(User.username == username)
            .order_by(UserSession.id)
        )
    )


def _sid(client) -> str | None:
    with client.session_transaction() as session:
        return session.get("sid")


def _age_sessions(db, *, idle=None, age=None) -> None:
    """Move the sessions' clocks back, as if time had passed."""
    fresh(db)  # a write after this session's earlier reads could meet SQLite's lock
    values = {}
    if idle is not None:
        values["last_seen_at"] = utcnow() - idle
    if age is not None:
        values["created_at"] = utcnow() - age
    db.session.execute(sa.update(UserSession).values(**values))
    db.session.commit()


def _with_cookie(app, cookie: str) -> IsolatedClient:
    """A new browser holding a copied session cookie."""
    client = app.test_client()
    client.set_cookie("session", cookie)
    return client


def _login(app, username="atendente", password="atendente123", **kwargs) -> IsolatedClient:
    client = app.test_client()
    page = client.get("/entrar", **kwargs).get_data(as_text=True)
    response = client.post(
        "/entrar",
        data={"username": username, "password": password, "csrf_token": csrf_token_from(page)},
        **kwargs,
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def _logout(client):
    return client.post("/sair", data={"csrf_token": token_of(client, "/atendimentos/")})


def _events(capsys) -> list[dict]:
    """The security events written so far, as the operator's log reader gets them."""
    lines = capsys.readouterr().err.splitlines()
    return [json.loads(line) for line in lines if line.startswith('{"time"')]


def _sent_to_login(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/entrar")


# --- 1. server-side session state -----------------------------------------------------------


def test_login_starts_a_session_of_which_only_a_hash_is_stored(client, auth, demo, db):
    auth.login()
    token = _sid(client)
    [row] = _rows(db)
    assert token and len(token) >= 40
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {row.token_hash, row.user_agent, row.ip}
    assert row.ip == "127.0.0.1" and row.user_agent.startswith("Werkzeug/")
    assert row.ended_at is None and row.end_reason is None
    assert abs(row.created_at - utcnow()) < timedelta(minutes=1)
    assert row.last_seen_at == row.created_at


def test_login_rotates_the_session(client, auth, demo, db):
    """A token planted before login (session fixation) or left by an earlier login is never
    the one the new session uses, and nothing else of the old cookie session survives."""
    client.get("/entrar")
    with client.session_transaction() as session:
        session["sid"] = "plantado-por-um-atacante"
        session["planted"] = "x"
    auth.login()
    first = _sid(client)
    assert first != "plantado-por-um-atacante"
    with client.session_transaction() as session:
        assert "planted" not in session
    _logout(client)
    auth.login()
    second = _sid(client)
    assert second not in (None, first)
    rows = _rows(db)
    assert [r.end_reason for r in rows] == ["logout", None]


def test_a_copy_of_the_cookie_taken_before_logout_opens_nothing(app, client, auth, demo, db):
    """The tester's finding: a copy taken before POST /sair still opened tickets and created
    alerts. Now it gets the login page, htmx's 401, and its posts create nothing."""
    auth.login()
    maria = demo["maria"]
    alerts_page = client.get(f"/entidades/{maria.id}/alertas").get_data(as_text=True)
    alert_form = {
        "alerta-message": "Criado com um cookie copiado.",
        "alerta-priority": "4",
        "alerta-active_until": "",
        "csrf_token": csrf_token_from(alerts_page),
        "form_key": re.search(r'name="form_key" value="([^"]+)"', alerts_page).group(1),
    }
    copied = client.get_cookie("session").value
    assert _with_cookie(app, copied).get("/atendimentos/1").status_code == 200

    assert _logout(client).status_code == 302

    thief = _with_cookie(app, copied)
    response = thief.get("/atendimentos/1")
    assert _sent_to_login(response)
    assert "Entre com seu usuário" in thief.get(response.headers["Location"]).get_data(as_text=True)
    htmx = _with_cookie(app, copied).get("/atendimentos/?q=maria", headers=HX)
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"] == "/entrar"
    alerts_before = db.session.scalar(sa.select(sa.func.count()).select_from(Alert))
    posted = _with_cookie(app, copied).post(f"/entidades/{maria.id}/alertas", data=alert_form)
    assert posted.status_code == 400 and "Sua sessão terminou" in posted.get_data(as_text=True)
    fresh(db)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Alert)) == alerts_before
    [row] = _rows(db)
    assert row.end_reason == "logout" and row.ended_at is not None


def test_a_refused_cookie_is_emptied_like_a_logout(app, client, auth, demo, db):
    auth.login()
    copied = client.get_cookie("session").value
    _logout(client)
    browser = _with_cookie(app, copied)
    browser.get("/atendimentos/")
    with browser.session_transaction() as session:
        assert "sid" not in session and "_user_id" not in session and "csrf_token" not in session


@pytest.mark.parametrize("how", ["orm", "signal"])
def test_a_password_change_ends_every_session_of_that_user(app, demo, db, how):
    first, second = _login(app), _login(app)
    supervisor = _login(app, "supervisor", "supervisor123")
    atendente = db.session.get(User, demo["atendente"].id)
    if how == "orm":  # a screen, the CLI or a script changing the hash
        atendente.set_password("uma-senha-nova-123")
        db.session.commit()
    else:  # what a password-change screen sends once it has committed
        signals.password_changed.send(app, user=atendente)
    response = first.get("/atendimentos/")
    assert _sent_to_login(response)
    login_page = first.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sua senha foi alterada" in login_page
    assert _sent_to_login(second.get("/atendimentos/"))
    assert supervisor.get("/atendimentos/").status_code == 200  # another user's: untouched
    assert {r.end_reason for r in _rows(db)} == {"password"}


@pytest.mark.parametrize("how", ["orm", "signal"])
def test_a_deactivation_ends_every_session_of_that_user(app, demo, db, how):
    first, second = _login(app), _login(app)
    supervisor = _login(app, "supervisor", "supervisor123")
    atendente = db.session.get(User, demo["atendente"].id)
    if how == "orm":  # as `active = False` from the CLI, outside any request
        atendente.active = False
        db.session.commit()
    else:
        signals.user_deactivated.send(app, user=atendente)
    for browser in (first, second):
        assert _sent_to_login(browser.get("/atendimentos/"))
        htmx = browser.get("/atendimentos/?q=maria", headers=HX)
        assert htmx.status_code == 401
    assert supervisor.get("/atendimentos/").status_code == 200
    assert {r.end_reason for r in _rows(db)} == {"deactivated"}


def test_an_account_change_that_is_not_a_password_or_a_deactivation_ends_nothing(app, demo, db):
    browser = _login(app)
    atendente = db.session.get(User, demo["atendente"].id)
    atendente.name = "Atendente Renomeada"
    atendente.active = True
    db.session.commit()
    assert browser.get("/atendimentos/").status_code == 200


def test_idle_timeout_ends_the_session_and_says_why(client, auth, demo, db, capsys):
    auth.login()
    _age_sessions(db, idle=timedelta(minutes=29))
    assert client.get("/atendimentos/").status_code == 200  # 29 minutes idle: still on
    _age_sessions(db, idle=timedelta(minutes=31))
    response = client.get("/atendimentos/")
    assert _sent_to_login(response)
    login_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sua sessão expirou por inatividade" in login_page
    [row] = _rows(db)
    assert row.end_reason == "idle"
    ended = [e for e in _events(capsys) if e["event"] == "session_ended"]
    assert ended == [
        {
            "time": ended[0]["time"],
            "event": "session_ended",
            "user": "atendente",
            "ip": "127.0.0.1",
            "reason": "idle",
        }
    ]


def test_absolute_timeout_ends_even_a_busy_session(client, auth, demo, db):
    auth.login()
    _age_sessions(db, age=timedelta(hours=11, minutes=59), idle=timedelta(seconds=5))
    assert client.get("/atendimentos/").status_code == 200
    _age_sessions(db, age=timedelta(hours=12, minutes=1), idle=timedelta(seconds=5))
    response = client.get("/atendimentos/")
    assert _sent_to_login(response)
    login_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sua sessão chegou ao limite de 12 horas." in login_page
    assert _rows(db)[0].end_reason == "absolute"


def test_timeouts_come_from_the_environment(monkeypatch, tmp_path):
    defaults = settings.from_environment(str(tmp_path))
    assert (defaults["SESSION_IDLE_MINUTES"], defaults["SESSION_MAX_HOURS"]) == (30, 12)
    assert defaults["PROXY_COUNT"] == 0
    monkeypatch.setenv("ISOCRM_SESSION_IDLE_MINUTES", "5")
    monkeypatch.setenv("ISOCRM_SESSION_MAX_HOURS", "8")
    monkeypatch.setenv("ISOCRM_PROXY_COUNT", "1")
    configured = settings.from_environment(str(tmp_path))
    assert (configured["SESSION_IDLE_MINUTES"], configured["SESSION_MAX_HOURS"]) == (5, 8)
    assert configured["PROXY_COUNT"] == 1


def test_a_shorter_idle_timeout_is_obeyed(app, client, auth, demo, db):
    app.config["SESSION_IDLE_MINUTES"] = 5
    auth.login()
    _age_sessions(db, idle=timedelta(minutes=4))
    assert client.get("/atendimentos/").status_code == 200
    _age_sessions(db, idle=timedelta(minutes=6))
    assert _sent_to_login(client.get("/atendimentos/"))


def _session_writes(counter) -> list[str]:
    return [s for s in counter.statements if s.lstrip().upper().startswith("UPDATE USER_SESSIONS")]


def test_last_seen_is_written_at_most_about_once_a_minute(client, auth, demo, db, count_queries):
    auth.login()
    with count_queries() as counter:
        for _ in range(3):
            assert client.get("/atendimentos/").status_code == 200
    assert _session_writes(counter) == []
    seen = _rows(db)[0].last_seen_at

    _age_sessions(db, idle=timedelta(minutes=2))
    with count_queries() as counter:
        assert client.get("/atendimentos/").status_code == 200
        assert client.get("/atendimentos/").status_code == 200
    assert len(_session_writes(counter)) == 1
    assert _rows(db)[0].last_seen_at >= seen


def test_a_request_that_changes_data_also_keeps_the_session_alive(client, auth, demo, db):
    auth.login()
    token = token_of(client, f"/entidades/{demo['maria'].id}/atendimentos")
    _age_sessions(db, idle=timedelta(minutes=20))
    response = client.post(
        f"/entidades/{demo['maria'].id}/atendimentos", data={"csrf_token": token}
    )
    assert response.status_code == 303
    assert utcnow() - _rows(db)[0].last_seen_at < timedelta(minutes=1)


def test_the_session_check_is_one_query_that_also_loads_the_user(logged_in, count_queries):
    with count_queries() as counter:
        assert logged_in.get("/atendimentos/").status_code == 200
    mentions = [s for s in counter.statements if "user_sessions" in s]
    assert len(mentions) == 1 and re.search(r"\bFROM users\b", mentions[0])
    others_on_users = [
        s for s in counter.statements if re.search(r"\bFROM users\b", s) and s not in mentions
    ]
    assert others_on_users == []
    # The session, user, Empresas and catalogue version in one statement; then the page.
    assert "catalog_version" in mentions[0]
    assert counter.count == 2, counter.statements


# --- the ticket screen loses nothing when the session times out -----------------------------


def _log_in_again(client, login_url: str):
    """The login page the attendant was sent to, and their login from it (with its next)."""
    login_page = client.get(login_url).get_data(as_text=True)
    next_url = re.search(r'name="next"[^>]*value="([^"]*)"', login_page).group(1)
    back = client.post(
        "/entrar",
        data={
            "username": "atendente",
            "password": "atendente123",
            "csrf_token": csrf_token_from(login_page),
            "next": next_url,
        },
    )
    return login_page, back


def test_confirmar_after_an_idle_timeout_keeps_what_was_typed(client, auth, demo, db):
    auth.login()
    code = include(client, demo["maria"].id)
    form = screen_form(client.get(f"/atendimentos/{code}").get_data(as_text=True))
    form.update(new_ticket_data(demo, description="Digitado antes do intervalo do almoço"))
    _age_sessions(db, idle=timedelta(minutes=45))  # lunch

    response = client.post(f"/atendimentos/{code}", data=form)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/entrar")
    login_page, back = _log_in_again(client, response.headers["Location"])
    assert "o que você digitou foi guardado" in login_page
    assert back.headers["Location"] == f"/atendimentos/{code}"
    restored = screen_form(client.get(f"/atendimentos/{code}").get_data(as_text=True))
    assert restored["description"] == "Digitado antes do intervalo do almoço"
    assert ticket_by_code(db, code).stage == "rascunho"  # nothing confirmed behind their back
    assert client.post(f"/atendimentos/{code}", data=restored).status_code == 303
    assert (
        ticket_by_code(db, code).details[0].description == "Digitado antes do intervalo do almoço"
    )


def test_an_autosave_after_the_absolute_timeout_is_kept_too(client, auth, demo, db):
    auth.login()
    code = include(client, demo["maria"].id)
    form = screen_form(client.get(f"/atendimentos/{code}").get_data(as_text=True))
    form["description"] = "Guardado pelo rascunho automático"
    _age_sessions(db, age=timedelta(hours=13), idle=timedelta(seconds=10))
    response = client.post(
        f"/atendimentos/{code}/rascunho",
        data=form,
        headers={"X-CSRFToken": form["csrf_token"]},
    )
    assert response.status_code == 401
    _, back = _log_in_again(client, response.get_json()["login"])
    assert back.headers["Location"] == f"/atendimentos/{code}"
    restored = screen_form(client.get(f"/atendimentos/{code}").get_data(as_text=True))
    assert restored["description"] == "Guardado pelo rascunho automático"


# --- 2. client headers are not trusted -------------------------------------------------------


def test_a_client_set_x_forwarded_for_is_not_the_logged_ip(app, demo, db, capsys):
    spoofed = {"X-Forwarded-For": "203.0.113.7"}
    peer = {"REMOTE_ADDR": "198.51.100.20"}
    _login(app, headers=spoofed, environ_base=peer)
    [row] = _rows(db)
    assert row.ip == "198.51.100.20"
    [login] = [e for e in _events(capsys) if e["event"] == "login_succeeded"]
    assert login["ip"] == "198.51.100.20"


def test_behind_a_configured_proxy_its_forwarded_address_is_used(app, demo, db, capsys):
    proxied = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "PROXY_COUNT": 1,
        }
    )
    proxied.test_client_class = IsolatedClient
    # The client claims an address; the one proxy in front appends the peer it saw.
    forwarded = {"X-Forwarded-For": "203.0.113.7, 192.0.2.44"}
    _login(proxied, headers=forwarded, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    [row] = _rows(db)
    assert row.ip == "192.0.2.44"
    [login] = [e for e in _events(capsys) if e["event"] == "login_succeeded"]
    assert login["ip"] == "192.0.2.44"
    with proxied.app_context():
        _db.engine.dispose()


def test_the_session_is_not_bound_to_client_set_headers(app, demo):
    """Flask-Login's "strong" protection hashed X-Forwarded-For (the client's word) and the
    User-Agent: a forged header logged the user out, a copied one passed. The server-side
    session needs neither."""
    browser = _login(app)
    changed = {"X-Forwarded-For": "203.0.113.99", "User-Agent": "Outro navegador"}
    assert browser.get("/atendimentos/", headers=changed).status_code == 200


# --- 3. security events, one JSON line each ------------------------------------------------


def test_login_logout_and_failed_login_are_logged_without_secrets(app, client, auth, demo, capsys):
    auth.login(password="senha-errada-123")
    auth.login()
    token = _sid(client)
    cookie = client.get_cookie("session").value
    _logout(client)
    out = capsys.readouterr().err
    events = [json.loads(line) for line in out.splitlines() if line.startswith('{"time"')]
    assert [e["event"] for e in events] == ["login_failed", "login_succeeded", "logout"]
    for event in events:
        assert event["user"] == "atendente" and event["ip"] == "127.0.0.1"
        moment = datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
        assert abs(moment - utcnow()) < timedelta(minutes=1) and event["time"].endswith("Z")
    for secret in ("senha-errada-123", "atendente123", token, cookie):
        assert secret not in out
    assert hashlib.sha256(token.encode()).hexdigest() not in out


def test_a_typed_username_cannot_forge_a_log_line(client, auth, demo, capsys):
    forged = 'x\n{"event":"login_succeeded","user":"a"}'  # the form takes 40 characters
    auth.login(username=forged, password="qualquer")
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1
    event = json.loads(lines[0])
    assert event["event"] == "login_failed" and event["user"] == forged


def test_documents_are_masked_in_every_line(client, auth, demo, capsys):
    auth.login(username="529.982.247-25", password="x")
    auth.login(username="52998224725", password="x")
    out = capsys.readouterr().err
    assert "529.982.247-25" not in out and "52998224725" not in out
    users = [json.loads(line)["user"] for line in out.splitlines()]
    assert users == ["***.***.***-25", "*********25"]


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("CPF 529.982.247-25 no cadastro", "CPF ***.***.***-25 no cadastro"),
        ("cnpj 11.222.333/0001-81", "cnpj **.***.***/****-81"),
        ("11222333000181", "************81"),
        ("12.ABC.345/01DE-35", "**.***.***/****-35"),  # alphanumeric CNPJ (July 2026)
        ("12ABC34501DE35", "************35"),
        ("supervisor1234", "supervisor1234"),  # a username, not a document
        ("pedido 123456", "pedido 123456"),
        ("5299822472512", "5299822472512"),  # 13 digits: no document
    ],
)
def test_mask_documents(text, masked):
    assert mask_documents(text) == masked


def test_refusals_are_logged(app, client, auth, demo, capsys):
    @app.get("/teste/muitas-tentativas")
    def too_many():
        abort(429)

    auth.login()
    token = token_of(client, "/atendimentos/")
    not_hers = {"company_id": demo["company_south"].id, "csrf_token": token}
    assert client.post("/empresa", data=not_hers).status_code == 403
    assert client.get("/teste/muitas-tentativas").status_code == 429
    events = [e for e in _events(capsys) if e["event"] in ("access_denied", "rate_limited")]
    assert [(e["event"], e["status"], e["path"], e["user"]) for e in events] == [
        ("access_denied", 403, "/empresa", "atendente"),
        ("rate_limited", 429, "/teste/muitas-tentativas", "atendente"),
    ]
    assert all(e["ip"] == "127.0.0.1" for e in events)


def test_a_password_change_is_logged_as_a_revocation(app, demo, db, capsys):
    _login(app)
    _login(app)
    atendente = db.session.get(User, demo["atendente"].id)
    atendente.set_password("uma-senha-nova-123")
    db.session.commit()
    [revoked] = [e for e in _events(capsys) if e["event"] == "sessions_revoked"]
    assert revoked["reason"] == "password" and revoked["count"] == 2
    assert revoked["target"] == "atendente" and revoked["user"] is None  # no request: a script


def test_create_user_is_logged_as_an_admin_action(app, db, demo):
    result = app.test_cli_runner().invoke(
        args=["create-user", "joana", "--name", "Joana Lima", "--role", "supervisor"],
        input="segredo-forte\nsegredo-forte\n",
    )
    assert result.exit_code == 0, result.output
    out = result.stderr  # the command's own standard error, as the operator sees it
    [event] = [json.loads(line) for line in out.splitlines() if line.startswith('{"time"')]
    assert event["event"] == "user_created" and event["target"] == "joana"
    assert event["role"] == "supervisor" and event["user"].startswith("cli:")
    assert event["ip"] is None
    assert "segredo-forte" not in out


# --- 4. headers -------------------------------------------------------------------------------


def test_hsts_only_with_secure_cookies(app, client):
    assert "Strict-Transport-Security" not in client.get("/entrar").headers
    secure = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SESSION_COOKIE_SECURE": True,
        }
    )
    response = secure.test_client().get("/entrar", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def _server_environment(app, tmp_path) -> dict:
    env = dict(os.environ)
    env.update(
        ISOCRM_SECRET_KEY="test-secret",
        ISOCRM_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        ISOCRM_INSTANCE_PATH=str(tmp_path / "instance"),
        XDG_RUNTIME_DIR=str(tmp_path),  # gunicorn's control socket, away from $HOME
    )
    return env


def _headers_of(port: int, path="/entrar") -> dict:
    connection = HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return {"status": response.status, **{k.lower(): v for k, v in response.getheaders()}}
    finally:
        connection.close()


def _start(command, env, log_path: Path, port_from_log=False, port=None):
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if port_from_log:
            found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", log_path.read_text())
            port = int(found.group(1)) if found else None
        if port:
            try:
                return process, _headers_of(port)
            except OSError:
                pass
        time.sleep(0.2)
    process.kill()
    process.wait()
    pytest.fail(f"server did not answer: {log_path.read_text()[-2000:]}")


def _stop(process) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_gunicorn_sends_no_server_banner(app, tmp_path):
    command = [sys.executable, "-m", "gunicorn", "-w", "1", "-b", "127.0.0.1:0"]
    env = _server_environment(app, tmp_path)
    # Without the project's gunicorn.conf.py (as proof the test can fail): the banner is there.
    empty = tmp_path / "empty.conf.py"
    empty.write_text("")
    bare, headers = _start(
        [*command, "-c", str(empty), "isocrm:create_app()"], env, tmp_path / "bare.log", True
    )
    _stop(bare)
    assert headers["server"].startswith("gunicorn")

    served, headers = _start([*command, "isocrm:create_app()"], env, tmp_path / "g.log", True)
    _stop(served)
    assert headers["status"] == 200
    assert "server" not in headers
    assert "strict-transport-security" not in headers  # no secure cookies configured


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_demo_server_sends_no_werkzeug_banner(app, demo, tmp_path):
    port = _free_port()
    env = _server_environment(app, tmp_path)
    served, headers = _start(
        [sys.executable, "app.py", "--port", str(port)], env, tmp_path / "demo.log", port=port
    )
    _stop(served)
    assert headers["status"] == 200
    assert "server" not in headers, headers


def test_each_gunicorn_worker_freezes_what_the_loaded_app_holds():
    """A full garbage collection walking the loaded app landed on one search now and then
    (~100 ms at 1M entities); gunicorn.conf.py moves it out of the collector's reach."""
    import gc
    import runpy

    hooks = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    gc.unfreeze()
    try:
        hooks["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
