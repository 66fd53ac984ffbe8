"""Login on every route, CSRF on every change, headers on every response."""

import re

import pytest

from tests.conftest import csrf_token_from

# The customer's satisfaction survey is public on purpose (tests/test_satisfaction.py).
PUBLIC = {"auth.login", "static", "satisfaction.answer"}


def _concrete_urls(app):
    """One URL per rule, with 1 for every integer argument."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        url = re.sub(r"<(?:int:)?[^>]+>", "1", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def test_every_route_but_login_and_static_needs_login(app, client, demo):
    urls = list(_concrete_urls(app))
    assert len(urls) >= 5
    for endpoint, method, url in urls:
        response = client.open(url, method=method)
        if method == "GET":
            assert response.status_code == 302, (endpoint, url)
            assert response.headers["Location"].startswith("/entrar"), (endpoint, url)
            login_page = client.get(response.headers["Location"])
            assert "Entrar" in login_page.get_data(as_text=True)
        else:
            # Without a session the CSRF check (or the login check) refuses it first.
            assert response.status_code in (302, 400), (endpoint, method, url)


def test_anonymous_htmx_request_is_sent_to_login_page(client, demo):
    response = client.get("/atendimentos/?q=maria", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/entrar"


def test_login_page_and_static_are_public(client):
    assert client.get("/entrar").status_code == 200
    with client.get("/static/js/htmx-4.0.1.min.js") as response:
        assert response.status_code == 200


def test_post_without_csrf_token_is_refused(logged_in):
    response = logged_in.post("/sair")
    assert response.status_code == 400
    # (It used to look for "CSRF", found only in the page's own token attribute.)
    assert "Formulário expirado" in response.get_data(as_text=True)
    # Still logged in: the forged logout did nothing.
    assert logged_in.get("/atendimentos/").status_code == 200


def test_htmx_post_with_csrf_header_is_accepted(logged_in, auth):
    token = auth.csrf_token()
    response = logged_in.post("/sair", headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 302
    assert logged_in.get("/atendimentos/").status_code == 302


def test_csrf_token_for_htmx_headers_is_in_a_meta_tag(logged_in, auth):
    """app.js copies it into X-CSRFToken on every htmx request (see the browser tests)."""
    html = logged_in.get("/atendimentos/").get_data(as_text=True)
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)">', html)
    assert meta
    response = logged_in.post("/sair", headers={"X-CSRFToken": meta[1], "HX-Request": "true"})
    assert response.status_code == 302


def test_wrong_password_is_refused_with_a_message(client, auth, demo):
    response = auth.login("atendente", "errada")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Usuário ou senha incorretos." in html
    assert 'value="atendente"' in html  # what was typed is kept
    assert client.get("/atendimentos/").status_code == 302


def test_inactive_user_cannot_log_in(client, auth, demo, db):
    demo["atendente"].active = False
    db.session.commit()
    assert auth.login().status_code == 422


def test_login_then_logout(client, auth, demo):
    response = auth.login()
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    token = auth.csrf_token()
    assert client.post("/sair", data={"csrf_token": token}).status_code == 302
    assert client.get("/atendimentos/").status_code == 302


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/entidades/1/atendimentos", "/entidades/1/atendimentos"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
    ],
)
def test_login_returns_only_to_a_local_page(client, demo, next_url, expected):
    page = client.get("/entrar", query_string={"next": next_url}).get_data(as_text=True)
    response = client.post(
        "/entrar",
        data={
            "username": "atendente",
            "password": "atendente123",
            "next": next_url,
            "csrf_token": csrf_token_from(page),
        },
    )
    assert response.headers["Location"] == expected


def test_security_headers_on_every_response(client, logged_in):
    for url in ("/entrar", "/atendimentos/", "/nao-existe", "/static/css/app.css"):
        with client.get(url) as response:
            csp = response.headers["Content-Security-Policy"]
            assert "script-src 'self'" in csp and "unsafe-inline" not in csp
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_carry_no_inline_script(logged_in):
    for url in ("/atendimentos/", "/atendimentos/?q=maria"):
        html = logged_in.get(url).get_data(as_text=True)
        for tag in re.findall(r"<script[^>]*>", html):
            assert "src=" in tag
        assert all(
            not body.strip() for body in re.findall(r"<script[^>]*>(.*?)</script>", html, re.S)
        )
        assert " style=" not in html and " on" + "click=" not in html


def test_session_cookie_is_httponly_and_lax(client, auth, demo):
    response = auth.login()
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_secure_cookie_when_configured(monkeypatch):
    from isocrm import create_app

    monkeypatch.setenv("ISOCRM_SECURE_COOKIES", "1")
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_production_refuses_to_start_without_secret_key(monkeypatch, tmp_path):
    from isocrm import MissingSecretKey, create_app

    monkeypatch.delenv("ISOCRM_SECRET_KEY", raising=False)
    monkeypatch.setenv("ISOCRM_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(MissingSecretKey):
        create_app()
    monkeypatch.setenv("ISOCRM_SECRET_KEY", "a-real-secret")
    assert create_app().config["SECRET_KEY"] == "a-real-secret"


def test_missing_page_is_a_404_page_not_a_500(logged_in):
    response = logged_in.get("/entidades/999999/atendimentos")
    assert response.status_code == 404
    assert "Página não encontrada" in response.get_data(as_text=True)


def test_user_sees_only_current_company_entities(client, auth, demo, db):
    """An entity of an Empresa the user is not in answers 404, like a missing one."""
    other = demo["luiza"]
    auth.login("atendente", "atendente123")
    assert client.get(f"/entidades/{other.id}/atendimentos").status_code == 404
    html = client.get("/atendimentos/", query_string={"q": other.name}).get_data(as_text=True)
    assert "Nenhuma entidade encontrada" in html


def test_user_switches_company_and_sees_its_data(client, auth, demo):
    other = demo["luiza"]
    auth.login("supervisor", "supervisor123")
    page = client.get("/atendimentos/").get_data(as_text=True)
    assert 'name="company_id"' in page
    response = client.post(
        "/empresa",
        data={"company_id": other.company_id, "csrf_token": csrf_token_from(page), "next": "/"},
    )
    assert response.status_code == 303
    assert client.get(f"/entidades/{other.id}/atendimentos").status_code == 200


def test_cannot_switch_to_a_company_one_is_not_in(client, auth, demo):
    auth.login("atendente", "atendente123")
    token = auth.csrf_token()
    other = demo["luiza"]
    response = client.post("/empresa", data={"company_id": other.company_id, "csrf_token": token})
    assert response.status_code == 403


def test_an_oversized_post_is_refused_in_portuguese(logged_in):
    response = logged_in.post("/atendimentos/1", data={"description": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Envio grande demais" in html and "Request Entity" not in html


def test_ids_beyond_64_bits_are_missing_not_a_500(logged_in):
    huge = "99999999999999999999"
    for path in (
        f"/entidades/{huge}/cadastro",
        f"/entidades/{huge}/atendimentos",
        f"/entidades/{huge}/historico",
        f"/atendimentos/{huge}",
        f"/atendimentos/{huge}/email",
        f"/atendimentos/{huge}/relatorio",
    ):
        assert logged_in.get(path).status_code == 404, path
    for path in (
        "/atendimentos/?q=a&page=",
        "/caixa-de-saida?page=",
        "/entidades/1/historico?page=",
    ):
        assert logged_in.get(path + huge).status_code in (200, 404), path


def test_nul_and_invisible_marks_never_reach_the_database(logged_in, demo, db):
    from isocrm.models import Alert

    token = logged_in.get("/entidades/1/alertas").get_data(as_text=True)
    from tests.conftest import csrf_token_from

    data = {
        "csrf_token": csrf_token_from(token),
        "alerta-message": "\u200b",
        "alerta-priority": "2",
    }
    before = db.session.query(Alert).count()
    response = logged_in.post("/entidades/1/alertas", data=data)
    assert response.status_code in (200, 422)
    db.session.commit()
    assert db.session.query(Alert).count() == before  # an invisible message is an empty one
