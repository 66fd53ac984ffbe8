"""Login hardening: brute-force limits, the same work for unknown users, the password policy,
Alterar senha and the optional TOTP second factor."""

import json
import os
import re
import socket
import statistics
import time
import uuid

import pyotp
import pytest
import sqlalchemy as sa

from isocrm import config as settings
from isocrm import create_app
from isocrm.auth import passwords
from isocrm.auth.signals import password_changed
from isocrm.extensions import db as _db
from isocrm.models import User
from tests.conftest import IsolatedClient, csrf_token_from

REFUSED = re.compile(r"Muitas tentativas\. Tente de novo em (\d+) minutos?\.")


def login(client, username, password, **kwargs):
    page = client.get("/entrar", **kwargs)
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post(
        "/entrar",
        data={"username": username, "password": password, "csrf_token": token},
        **kwargs,
    )


def logout(client):
    token = csrf_token_from(client.get("/atendimentos/").get_data(as_text=True))
    assert client.post("/sair", data={"csrf_token": token}).status_code == 302


def send_code(client, code):
    page = client.get("/entrar/codigo")
    assert page.status_code == 200, page.headers.get("Location")
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post("/entrar/codigo", data={"code": code, "csrf_token": token})


def send_code_without_page(client, code):
    token = csrf_token_from(client.get("/entrar").get_data(as_text=True))
    return client.post("/entrar/codigo", data={"code": code, "csrf_token": token})


def with_totp(db, user) -> pyotp.TOTP:
    secret = pyotp.random_base32()
    user.totp_secret = secret
    db.session.commit()
    return pyotp.TOTP(secret)


def wrong_code(totp: pyotp.TOTP) -> str:
    """A well-formed code that none of the windows accepted now can match."""
    valid = {totp.at(time.time() + offset) for offset in (-60, -30, 0, 30, 60)}
    return next(f"{n:06d}" for n in range(1000000) if f"{n:06d}" not in valid)


def next_code(totp: pyotp.TOTP) -> str:
    """The code of the next 30 s window: accepted now (clock drift) and never used yet."""
    return totp.at(time.time() + 30)


@pytest.fixture
def server(database_url):
    """Build another app server on the same database; its connections close after the test
    (an unclosed PostgreSQL connection would warn, and so fail, in a later test)."""
    built = []

    def build(**config):
        other = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test-secret",
                "SQLALCHEMY_DATABASE_URI": database_url,
                **config,
            }
        )
        other.test_client_class = IsolatedClient
        built.append(other)
        return other

    yield build
    for other in built:
        with other.app_context():
            _db.session.remove()
            _db.engine.dispose()


# --- Brute-force limits -------------------------------------------------------------------


def test_five_failures_lock_the_username_not_a_colleagues(client, demo):
    for typed in ("atendente", " ATENDENTE ", "Atendente", "atendente", "atendente"):
        assert login(client, typed, "chute-errado").status_code == 422
    response = login(client, "Atendente", "atendente123")
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    match = REFUSED.search(html)
    assert match and match.group(1) == "15"  # the window of the username limit
    assert 'value="Atendente"' in html  # the typed username is kept
    assert "atendente123" not in html  # the password never is
    assert 'id="login-refusal"' in html and "<form" in html  # next to the login form
    assert client.get("/atendimentos/").status_code == 302  # not logged in
    # Same browser, same address: a colleague's own account is not over any limit.
    assert login(client, "supervisor", "supervisor123").status_code == 302


def test_successful_logins_do_not_count_and_clear_the_usernames_failures(app, client, demo):
    app.config["LOGIN_FAILURES_PER_USERNAME"] = "3 per 15 minutes"
    for _ in range(4):
        assert login(client, "supervisor", "supervisor123").status_code == 302
        logout(client)
    for _ in range(2):
        assert login(client, "supervisor", "errada-demais").status_code == 422
    assert login(client, "supervisor", "supervisor123").status_code == 302
    logout(client)
    # The two failures before the login were forgotten: two more still leave one to go.
    for _ in range(2):
        assert login(client, "supervisor", "errada-demais").status_code == 422
    assert login(client, "supervisor", "supervisor123").status_code == 302


def test_the_address_limit_counts_failures_on_every_username(app, client, demo):
    app.config["LOGIN_FAILURES_PER_IP"] = "3 per 15 minutes"
    for name in ("joao", "maria", "atendente"):
        assert login(client, name, "chute-errado").status_code == 422
    assert login(client, "supervisor", "supervisor123").status_code == 429
    other = {"environ_base": {"REMOTE_ADDR": "10.0.0.7"}}
    assert login(app.test_client(), "supervisor", "supervisor123", **other).status_code == 302


def test_the_limit_ends_with_its_window(app, client, demo):
    app.config["LOGIN_FAILURES_PER_USERNAME"] = "1 per 1 second"
    assert login(client, "atendente", "chute-errado").status_code == 422
    response = login(client, "atendente", "atendente123")
    assert response.status_code == 429
    assert "Tente de novo em 1 minuto." in response.get_data(as_text=True)
    time.sleep(1.1)
    assert login(client, "atendente", "atendente123").status_code == 302


def test_an_unreachable_redis_falls_back_to_counting_in_memory(server, demo):
    app = server(
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:1",  # nothing listens on port 1
        LOGIN_FAILURES_PER_USERNAME="1 per 15 minutes",
    )
    client = app.test_client()
    assert login(client, "atendente", "chute-errado").status_code == 422
    assert login(client, "atendente", "atendente123").status_code == 429
    assert login(client, "supervisor", "supervisor123").status_code == 302


def test_limits_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ISOCRM_LOGIN_FAILURES_PER_USERNAME", "7 per 10 minutes")
    monkeypatch.setenv("ISOCRM_LOGIN_FAILURES_PER_IP", "50 per hour")
    monkeypatch.setenv("ISOCRM_RATELIMIT_STORAGE", "redis://127.0.0.1:6379")
    config = settings.from_environment(str(tmp_path))
    assert config["LOGIN_FAILURES_PER_USERNAME"] == "7 per 10 minutes"
    assert config["LOGIN_FAILURES_PER_IP"] == "50 per hour"
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379"
    monkeypatch.delenv("ISOCRM_RATELIMIT_STORAGE")
    assert settings.from_environment(str(tmp_path))["RATELIMIT_STORAGE_URI"] == "memory://"


def test_the_in_memory_counts_start_afresh_with_each_app(app, client, demo, server):
    """Each test builds its own app: failures of one test never refuse a login in the next."""
    app.config["LOGIN_FAILURES_PER_USERNAME"] = "1 per 15 minutes"
    assert login(client, "atendente", "chute-errado").status_code == 422
    assert login(client, "atendente", "atendente123").status_code == 429
    assert login(server().test_client(), "atendente", "atendente123").status_code == 302


def _redis_reachable(host="127.0.0.1", port=6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def test_limits_shared_through_redis_survive_a_new_app(server, demo):
    if not _redis_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is not reachable at 127.0.0.1:6379 (CI machines have one)")
        pytest.skip("no Redis at 127.0.0.1:6379")
    import redis

    prefix = f"isocrm-test-{uuid.uuid4().hex}"

    def redis_server():
        # Another app server (or this one restarted) pointed at the same Redis.
        return server(
            RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379",
            RATELIMIT_STORAGE_OPTIONS={"key_prefix": prefix},
            LOGIN_FAILURES_PER_USERNAME="2 per 15 minutes",
        )

    store = redis.Redis.from_url("redis://127.0.0.1:6379")
    try:
        first = redis_server()
        for _ in range(2):
            assert login(first.test_client(), "atendente", "chute-errado").status_code == 422
        assert store.keys(f"{prefix}*"), "the failures were not counted in Redis"
        response = login(redis_server().test_client(), "atendente", "atendente123")
        assert response.status_code == 429
        assert REFUSED.search(response.get_data(as_text=True))
        assert login(redis_server().test_client(), "supervisor", "supervisor123").status_code == 302
    finally:
        keys = store.keys(f"{prefix}*")
        if keys:
            store.delete(*keys)
        store.close()


# --- The same work for unknown, inactive and wrong ----------------------------------------


@pytest.fixture
def hash_checks(monkeypatch):
    """Every password hash verified at login, by its method and cost ("scrypt:32768:8:1")."""
    seen = []
    real = passwords.check_password_hash

    def recording(password_hash, password):
        seen.append(password_hash.split("$", 1)[0])
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "check_password_hash", recording)
    return seen


def test_unknown_inactive_and_wrong_password_cost_one_hash_of_the_same_kind(
    app, client, demo, db, hash_checks
):
    inactive = User(username="inativo", name="Inês Inativa", role="atendente", active=False)
    inactive.set_password("senha-da-ines-2026")
    inactive.companies = list(demo["atendente"].companies)
    db.session.add(inactive)
    db.session.commit()
    real_kind = demo["atendente"].password_hash.split("$", 1)[0]
    # The suite's cheap method (tests/conftest.py); test_password_hash.py checks scrypt's case.
    assert real_kind == app.config["PASSWORD_HASH_METHOD"] == "pbkdf2:sha256:1000"

    messages = []
    for username, password in [
        ("ninguem-com-este-nome", "qualquer-coisa"),
        ("atendente", "senha-errada"),
        ("inativo", "senha-da-ines-2026"),  # the right password of an inactive account
    ]:
        hash_checks.clear()
        response = login(client, username, password)
        assert response.status_code == 422
        assert hash_checks == [real_kind], username
        html = response.get_data(as_text=True)
        messages.append(re.findall(r'<ul class="field-errors"[^>]*>(.*?)</ul>', html, re.S))
    # The same words whichever part was wrong: nothing tells a username exists.
    assert messages[0] == messages[1] == messages[2] != []
    assert "Usuário ou senha incorretos." in messages[0][0]

    hash_checks.clear()
    assert login(client, "atendente", "atendente123").status_code == 302
    assert hash_checks == [real_kind]


def test_an_unknown_user_answers_about_as_slowly_as_a_known_one(app, client, db, demo):
    """A coarse check on the clock too (before: ~6 ms against ~117 ms, a ratio of 0.05); the
    margin is wide so a busy machine cannot make it fail, the hash count above is exact."""
    # Production's scrypt, not the suite's cheap hash: only a costly hash shows on the clock.
    app.config["PASSWORD_HASH_METHOD"] = "scrypt"
    demo["supervisor"].set_password("supervisor123")
    db.session.commit()

    def median_seconds(username):
        durations = []
        for _ in range(3):
            token = csrf_token_from(client.get("/entrar").get_data(as_text=True))
            start = time.perf_counter()
            response = client.post(
                "/entrar",
                data={"username": username, "password": "errada-123", "csrf_token": token},
            )
            durations.append(time.perf_counter() - start)
            assert response.status_code == 422
        return statistics.median(durations)

    unknown = median_seconds("nao-existe")
    known = median_seconds("supervisor")
    assert 0.4 < unknown / known < 2.5, (unknown, known)


# --- Password policy ----------------------------------------------------------------------


def test_password_policy():
    assert passwords.password_problems("curta-9ch", "joana") == [passwords.TOO_SHORT]
    assert passwords.password_problems("senha123456", "joana") == [passwords.TOO_COMMON]
    assert passwords.password_problems("SENHA123456", "joana") == [passwords.TOO_COMMON]
    assert passwords.password_problems("Flamengo123456", "joana") == [passwords.TOO_COMMON]
    assert passwords.password_problems("minha-Joana-2026", "joana") == [passwords.HAS_USERNAME]
    assert passwords.password_problems("x" * 129, "joana") == [passwords.TOO_LONG]
    assert passwords.password_problems("cavalo-correto-bateria", "joana") == []
    assert "senha123456" in passwords.common_passwords()
    assert len(passwords.common_passwords()) >= 300


def test_create_user_applies_the_policy(app, db, demo):
    runner = app.test_cli_runner()
    for password, message in [
        ("curta", "10 caracteres"),
        ("senha123456", "comum demais"),
        ("joana-lima-2026", "nome de usuário"),
    ]:
        result = runner.invoke(
            args=["create-user", "joana", "--name", "Joana Lima"],
            input=f"{password}\n{password}\n",
        )
        assert result.exit_code != 0 and message in result.output, result.output
    assert db.session.scalar(sa.select(User).where(User.username == "joana")) is None
    result = runner.invoke(
        args=["create-user", "joana", "--name", "Joana Lima"],
        input="cavalo-correto-bateria\ncavalo-correto-bateria\n",
    )
    assert result.exit_code == 0, result.output


def test_demo_passwords_shorter_than_the_policy_still_log_in(app, demo):
    assert login(app.test_client(), "atendente", "atendente123").status_code == 302
    assert login(app.test_client(), "supervisor", "supervisor123").status_code == 302


def _change(client, current, new, confirm=None):
    page = client.get("/conta/senha")
    assert page.status_code == 200
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post(
        "/conta/senha",
        data={
            "current_password": current,
            "new_password": new,
            "confirm_password": new if confirm is None else confirm,
            "csrf_token": token,
        },
    )


def _field_errors(html, field_id):
    match = re.search(rf'<ul class="field-errors" id="{field_id}-errors">(.*?)</ul>', html, re.S)
    return match.group(1) if match else ""


def test_change_password_refuses_bad_input_next_to_each_field(logged_in, demo, db):
    html = logged_in.get("/atendimentos/").get_data(as_text=True)
    assert 'href="/conta/senha"' in html  # in the header's user menu
    before = demo["atendente"].password_hash

    response = _change(logged_in, "nao-e-esta", "cavalo-correto-bateria")
    assert response.status_code == 422
    assert "Senha atual incorreta." in _field_errors(
        response.get_data(as_text=True), "current_password"
    )

    response = _change(logged_in, "atendente123", "senha123456")
    assert response.status_code == 422
    assert "comum demais" in _field_errors(response.get_data(as_text=True), "new_password")

    response = _change(logged_in, "atendente123", "curta")
    assert "10 caracteres" in _field_errors(response.get_data(as_text=True), "new_password")

    response = _change(logged_in, "atendente123", "atendente-2026-x")
    assert "nome de usuário" in _field_errors(response.get_data(as_text=True), "new_password")

    response = _change(logged_in, "atendente123", "cavalo-correto-bateria", "outra-coisa-aqui")
    assert response.status_code == 422
    assert "não são iguais" in _field_errors(response.get_data(as_text=True), "confirm_password")

    db.session.rollback()  # a new transaction: see what the requests committed
    assert db.session.get(User, demo["atendente"].id).password_hash == before  # nothing saved


def test_change_password_saves_and_tells_the_other_sessions(app, logged_in, demo, db):
    received = []
    elsewhere = app.test_client()  # the same attendant, logged in on another machine
    assert login(elsewhere, "atendente", "atendente123").status_code == 302

    def listener(sender, user):
        # Sent after the commit: the user it carries already has the new password.
        received.append((user.username, user.check_password("cavalo-correto-bateria")))

    with password_changed.connected_to(listener):
        response = _change(logged_in, "atendente123", "cavalo-correto-bateria")
    assert response.status_code == 303
    assert received == [("atendente", True)]
    assert "Senha alterada." in logged_in.get(response.headers["Location"]).get_data(as_text=True)
    # This browser goes on; the session opened elsewhere with the old password has ended.
    assert logged_in.get("/atendimentos/").status_code == 200
    assert elsewhere.get("/atendimentos/").headers["Location"].startswith("/entrar")
    assert login(app.test_client(), "atendente", "atendente123").status_code == 422
    assert login(app.test_client(), "atendente", "cavalo-correto-bateria").status_code == 302


def test_the_new_password_must_differ_from_the_current_one(logged_in, demo, db):
    assert _change(logged_in, "atendente123", "cavalo-correto-bateria").status_code == 303
    db.session.rollback()
    before = db.session.get(User, demo["atendente"].id).password_hash
    response = _change(logged_in, "cavalo-correto-bateria", "cavalo-correto-bateria")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "A nova senha deve ser diferente da atual." in _field_errors(html, "new_password")
    db.session.rollback()
    assert db.session.get(User, demo["atendente"].id).password_hash == before


def test_guessing_the_current_password_counts_toward_the_limit(app, logged_in, demo, capsys):
    app.config["LOGIN_FAILURES_PER_USERNAME"] = "2 per 15 minutes"
    for _ in range(2):
        assert _change(logged_in, "chute", "cavalo-correto-bateria").status_code == 422
    response = _change(logged_in, "atendente123", "cavalo-correto-bateria")
    assert response.status_code == 429
    minutes = int(REFUSED.search(response.get_data(as_text=True)).group(1))
    assert response.headers["Retry-After"] == str(minutes * 60)
    refusals = [
        json.loads(line)
        for line in capsys.readouterr().err.splitlines()
        if '"event": "rate_limited"' in line
    ]
    assert [(e["user"], e["path"], e["status"]) for e in refusals] == [
        ("atendente", "/conta/senha", 429)
    ]


# --- TOTP second factor -------------------------------------------------------------------


def test_enrollment_shows_the_secret_and_turns_on_with_a_right_code(app, logged_in, demo, db):
    elsewhere = app.test_client()  # a session opened before the second factor existed
    assert login(elsewhere, "atendente", "atendente123").status_code == 302
    assert 'href="/conta/2fa"' in logged_in.get("/atendimentos/").get_data(as_text=True)
    html = logged_in.get("/conta/2fa").get_data(as_text=True)
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', html).group(1)
    uri = re.search(r'<code id="totp-uri"[^>]*>([^<]+)</code>', html).group(1)
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    # A reload shows the same secret: a phone that scanned it stays valid.
    assert f">{secret}<" in logged_in.get("/conta/2fa").get_data(as_text=True)

    token = csrf_token_from(html)
    totp = pyotp.TOTP(secret)

    def enroll(password, code):
        data = {"current_password": password, "code": code, "csrf_token": token}
        return logged_in.post("/conta/2fa", data=data)

    response = enroll("atendente123", wrong_code(totp))
    assert response.status_code == 422
    assert "Código inválido" in _field_errors(response.get_data(as_text=True), "code")
    # Someone at an unlocked screen cannot tie the account to their own phone.
    response = enroll("nao-sei-a-senha", totp.now())
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Senha atual incorreta." in _field_errors(html, "current_password")
    db.session.rollback()  # a new transaction: see what the requests committed
    assert db.session.get(User, demo["atendente"].id).totp_secret is None

    response = enroll("atendente123", totp.now())
    assert response.status_code == 303
    db.session.rollback()  # a new transaction: see what the requests committed
    assert db.session.get(User, demo["atendente"].id).totp_secret == secret
    assert "está ativada" in logged_in.get("/conta/2fa").get_data(as_text=True)
    # That session never passed the code: it has ended; this browser goes on.
    assert elsewhere.get("/atendimentos/").headers["Location"].startswith("/entrar")


def test_login_asks_for_the_code_and_refuses_a_replay(app, client, demo, db):
    totp = with_totp(db, demo["atendente"])
    token = csrf_token_from(client.get("/entrar?next=/conta/senha").get_data(as_text=True))
    data = {"username": "atendente", "password": "atendente123", "next": "/conta/senha"}
    response = client.post("/entrar", data={**data, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/entrar/codigo"
    assert "Código de verificação" in client.get("/entrar/codigo").get_data(as_text=True)
    assert client.get("/atendimentos/").status_code == 302  # not logged in yet

    response = send_code(client, wrong_code(totp))
    assert response.status_code == 422
    assert "Código inválido" in response.get_data(as_text=True)

    code = totp.now()
    response = send_code(client, code)
    # Where the user was going before the login is kept across the code step.
    assert response.status_code == 302 and response.headers["Location"] == "/conta/senha"
    assert client.get("/atendimentos/").status_code == 200
    logout(client)

    # Someone who saw the code over the shoulder tries it within its window: refused.
    intruder = app.test_client()
    assert login(intruder, "atendente", "atendente123").status_code == 302
    response = send_code(intruder, code)
    assert response.status_code == 422
    assert "já foi usado" in response.get_data(as_text=True)
    assert send_code(intruder, next_code(totp)).status_code == 302


def test_the_code_step_counts_toward_the_same_limit(client, demo, db):
    totp = with_totp(db, demo["atendente"])
    for _ in range(3):
        assert login(client, "atendente", "chute-errado").status_code == 422
    assert login(client, "atendente", "atendente123").status_code == 302
    wrong = wrong_code(totp)
    for _ in range(2):
        assert send_code(client, wrong).status_code == 422
    response = send_code(client, next_code(totp))
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert REFUSED.search(html) and "Código de verificação" in html


def test_the_code_step_needs_a_recent_password_step(app, client, demo, db):
    assert client.get("/entrar/codigo").headers["Location"].startswith("/entrar")
    totp = with_totp(db, demo["atendente"])
    app.config["TOTP_PENDING_SECONDS"] = -1  # the password step is already too old
    assert login(client, "atendente", "atendente123").status_code == 302
    page = client.get("/entrar/codigo")
    assert page.status_code == 302 and page.headers["Location"] == "/entrar"
    assert send_code_without_page(client, totp.now()).headers["Location"] == "/entrar"


def test_required_second_factor_sends_to_enrollment_and_allows_nothing_else(app, client, db, demo):
    result = app.test_cli_runner().invoke(args=["require-totp", "--role", "supervisor"])
    assert result.exit_code == 0, result.output
    db.session.rollback()  # a new transaction: see what the requests committed
    assert db.session.get(User, demo["supervisor"].id).totp_required is True
    assert db.session.get(User, demo["atendente"].id).totp_required is False

    response = login(client, "supervisor", "supervisor123")
    assert response.headers["Location"] == "/conta/2fa"
    assert client.get("/atendimentos/").headers["Location"] == "/conta/2fa"
    htmx = client.get("/atendimentos/", headers={"HX-Request": "true"})
    assert htmx.status_code == 403 and htmx.headers["HX-Redirect"] == "/conta/2fa"
    html = client.get("/conta/2fa").get_data(as_text=True)
    assert "precisa da verificação em duas etapas" in html
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', html).group(1)
    token = csrf_token_from(html)
    code = pyotp.TOTP(secret).now()
    data = {"current_password": "supervisor123", "code": code, "csrf_token": token}
    assert client.post("/conta/2fa", data=data).status_code == 303
    assert client.get("/atendimentos/").status_code == 200

    # The next login asks for a code (a new one: the confirming code is spent).
    logout(client)
    assert login(client, "supervisor", "supervisor123").headers["Location"] == "/entrar/codigo"
    assert send_code(client, code).status_code == 422
    assert send_code(client, next_code(pyotp.TOTP(secret))).status_code == 302


def test_require_totp_refuses_an_unknown_user(app, demo):
    result = app.test_cli_runner().invoke(args=["require-totp", "--user", "fantasma"])
    assert result.exit_code != 0 and "fantasma" in result.output


def test_reset_totp_forgets_a_lost_authenticator(app, client, db, demo):
    with_totp(db, demo["atendente"])
    result = app.test_cli_runner().invoke(args=["reset-totp", "Atendente"])
    assert result.exit_code == 0, result.output
    db.session.rollback()  # a new transaction: see what the command committed
    assert db.session.get(User, demo["atendente"].id).totp_secret is None
    response = login(client, "atendente", "atendente123")
    assert response.headers["Location"] == "/"  # no code asked any more
