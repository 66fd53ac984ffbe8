"""Administração › Usuários: create, edit, deactivate/reactivate, temporary passwords, and
the guards (yourself, the last admin, supervisors and atendentes, other Empresas)."""

import re
import threading

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from isocrm.admin import users as service
from isocrm.models import AuditLog, Ticket, User, UserSession
from tests.conftest import AuthActions, csrf_token_from

PASSWORD = "senha-123"


def _login(app, username, password=PASSWORD):
    client = app.test_client()
    response = AuthActions(client).login(username, password)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client, AuthActions(client).csrf_token()


def _add_user(db, demo, username, role, companies=None, name=None):
    user = User(
        username=username,
        name=name or f"Usuário {username}",
        role=role,
        companies=companies if companies is not None else [demo["company"]],
    )
    user.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    db.session.add(user)
    db.session.commit()
    return user


def _fresh(db, user_id) -> User:
    db.session.rollback()  # a new transaction: what the requests committed
    return db.session.get(User, user_id)


def _post_user(client, token, url, companies, name="Ana", role="atendente", **fields):
    """The new/edit user form as the browser posts it (Empresas: the checked boxes)."""
    data = {"csrf_token": token, "name": name, "role": role, **fields}
    data["companies"] = [str(company.id) for company in companies]
    return client.post(url, data=data)


def _temporary_password(html: str) -> str:
    match = re.search(r'<code id="temporary-password">([^<]+)</code>', html)
    assert match, html[:2000]
    return match.group(1)


@pytest.fixture
def admin(app, demo, db):
    user = _add_user(db, demo, "admin.teste", "admin", name="Alice Administradora")
    client, token = _login(app, "admin.teste")
    return user.id, client, token


def test_the_admin_creates_a_user_who_must_change_the_temporary_password(app, demo, db, admin):
    admin_id, client, token = admin
    company, south = demo["company"], demo["company_south"]
    form = client.get("/usuarios/novo").get_data(as_text=True)
    assert "Novo usuário" in form and south.name not in form  # only the admin's Empresas

    data = {
        "csrf_token": token,
        "username": "Joana.Lima",
        "name": "Joana Lima",
        "email": "joana@example.com.br",
        "role": "atendente",
        "companies": [str(company.id)],
    }
    response = client.post("/usuarios/novo", data=data)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    temporary = _temporary_password(response.get_data(as_text=True))
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", temporary)

    db.session.rollback()
    joana = db.session.scalar(sa.select(User).where(User.username == "joana.lima"))
    assert joana.name == "Joana Lima" and joana.role == "atendente"
    assert [c.id for c in joana.companies] == [company.id]
    assert joana.must_change_password and joana.active
    assert temporary not in joana.password_hash
    audited = db.session.scalars(
        sa.select(AuditLog.table_name).where(AuditLog.user_id == admin_id)
    ).all()
    assert "users" in audited and "user_companies" in audited

    # The same username in another case is taken; what was typed is kept.
    data["username"] = "JOANA.LIMA"
    data["name"] = "Outra Joana"
    again = client.post("/usuarios/novo", data=data)
    page = again.get_data(as_text=True)
    assert again.status_code == 422 and str(service.USERNAME_TAKEN) in page
    assert 'value="Outra Joana"' in page and 'value="JOANA.LIMA"' in page

    # Joana logs in with the temporary password: every screen leads to Alterar senha.
    joana_client = app.test_client()
    assert AuthActions(joana_client).login("joana.lima", temporary).status_code == 302
    for url in ("/", "/atendimentos/", f"/entidades/{demo['maria'].id}/atendimentos"):
        response = joana_client.get(url)
        assert response.status_code == 302 and response.headers["Location"] == "/conta/senha"
    htmx = joana_client.get("/painel/contagens", headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"] == "/conta/senha"
    page = joana_client.get("/conta/senha", follow_redirects=True).get_data(as_text=True)
    assert "Sua senha é temporária" in page
    token = csrf_token_from(page)
    changed = joana_client.post(
        "/conta/senha",
        data={
            "csrf_token": token,
            "current_password": temporary,
            "new_password": "cafe-com-pao-de-queijo",
            "confirm_password": "cafe-com-pao-de-queijo",
        },
    )
    assert changed.status_code == 303
    assert joana_client.get("/atendimentos/").status_code == 200
    assert not _fresh(db, joana.id).must_change_password


def test_new_user_refusals_are_next_to_the_fields(app, demo, db, admin):
    _, client, token = admin
    response = client.post(
        "/usuarios/novo",
        data={
            "csrf_token": token,
            "username": "ana maria",
            "name": "",
            "email": "não-é-email",
            "role": "chefe",
            "companies": [],
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Informe o nome." in page
    assert "E-mail inválido" in page
    assert "Escolha um dos perfis da lista." in page
    assert 'value="ana maria"' in page
    # An Empresa the admin is not in, a username with a space: refused, nothing saved.
    for companies, username, message in (
        ([demo["company_south"]], "ana.maria", "Escolha apenas opções da lista."),
        ([demo["company"]], "ana maria", str(service.USERNAME_INVALID)),
    ):
        response = _post_user(client, token, "/usuarios/novo", companies, username=username)
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    response = client.post(
        "/usuarios/novo",
        data={"csrf_token": token, "username": "ana.maria", "name": "Ana", "role": "atendente"},
    )
    assert str(service.COMPANIES_REQUIRED) in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(sa.select(User).where(User.username == "ana.maria")) is None


def test_the_admin_edits_name_email_role_and_empresas(app, demo, db, admin):
    _, client, token = admin
    company, south = demo["company"], demo["company_south"]
    # Bruno is in both Empresas; the admin only in A: B stays whatever the admin sends.
    bruno = _add_user(db, demo, "bruno", "atendente", [company, south])
    page = client.get(f"/usuarios/{bruno.id}").get_data(as_text=True)
    assert 'value="Usuário bruno"' in page
    response = _post_user(
        client,
        token,
        f"/usuarios/{bruno.id}",
        [company],
        name="Bruno Souza",
        email="bruno@example.com.br",
        role="supervisor",
    )
    assert response.status_code == 303
    bruno = _fresh(db, bruno.id)
    assert (bruno.name, bruno.email, bruno.role) == (
        "Bruno Souza",
        "bruno@example.com.br",
        "supervisor",
    )
    assert {c.id for c in bruno.companies} == {company.id, south.id}
    audit = db.session.scalars(
        sa.select(AuditLog).where(
            AuditLog.table_name == "users",
            AuditLog.row_id == str(bruno.id),
            AuditLog.action == "update",
        )
    ).all()
    assert any(row.after.get("role") == "supervisor" for row in audit)

    # Bad input: the message next to the field, what was typed kept, nothing saved.
    response = client.post(
        f"/usuarios/{bruno.id}",
        data={"csrf_token": token, "name": "Bruno Novo", "role": "atendente", "companies": []},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and str(service.COMPANIES_REQUIRED) in page
    assert 'value="Bruno Novo"' in page
    assert _fresh(db, bruno.id).name == "Bruno Souza"


def test_deactivated_user_cannot_log_in_their_sessions_end_tickets_keep_them(app, demo, db, admin):
    _, client, token = admin
    attendant = demo["atendente"]
    ticket = db.session.get(Ticket, demo["ticket_1"].id)
    ticket.owner_id = attendant.id
    db.session.commit()
    ticket_id, attendant_id, opener_id = ticket.id, attendant.id, ticket.opened_by_id
    their_client, _ = _login(app, "atendente", "atendente123")

    response = client.post(f"/usuarios/{attendant_id}/desativar", data={"csrf_token": token})
    assert response.status_code == 303
    assert not _fresh(db, attendant_id).active
    assert their_client.get("/atendimentos/").status_code == 302  # the open session ended
    refused = AuthActions(app.test_client()).login("atendente", "atendente123")
    assert refused.status_code == 422
    assert "Usuário ou senha incorretos." in refused.get_data(as_text=True)
    ticket = db.session.get(Ticket, ticket_id)
    assert ticket.owner_id == attendant_id and ticket.opened_by_id == opener_id
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                UserSession.user_id == attendant_id, UserSession.ended_at.is_(None)
            )
        )
        == 0
    )

    response = client.post(f"/usuarios/{attendant_id}/reativar", data={"csrf_token": token})
    assert response.status_code == 303 and _fresh(db, attendant_id).active
    _login(app, "atendente", "atendente123")


def test_reset_password_ends_sessions_and_forces_a_change(app, demo, db, admin):
    _, client, token = admin
    attendant_id = demo["atendente"].id
    their_client, _ = _login(app, "atendente", "atendente123")
    response = client.post(f"/usuarios/{attendant_id}/senha", data={"csrf_token": token})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    temporary = _temporary_password(response.get_data(as_text=True))
    # Shown once: the user's page never shows it again.
    assert temporary not in client.get(f"/usuarios/{attendant_id}").get_data(as_text=True)

    after = their_client.get("/atendimentos/")
    assert after.status_code == 302 and after.headers["Location"].startswith("/entrar")
    assert AuthActions(app.test_client()).login("atendente", "atendente123").status_code == 422
    fresh = app.test_client()
    assert AuthActions(fresh).login("atendente", temporary).status_code == 302
    assert fresh.get("/").headers["Location"] == "/conta/senha"
    assert _fresh(db, attendant_id).must_change_password


def test_an_admin_cannot_deactivate_demote_or_reset_themselves(app, demo, db, admin):
    admin_id, client, token = admin
    _add_user(db, demo, "outro.admin", "admin")  # not the last admin: the self rules alone
    response = client.post(f"/usuarios/{admin_id}/desativar", data={"csrf_token": token})
    assert response.status_code == 422
    assert str(service.OWN_DEACTIVATION) in response.get_data(as_text=True)
    response = _post_user(
        client, token, f"/usuarios/{admin_id}", [demo["company"]], name="Alice", role="supervisor"
    )
    assert response.status_code == 422
    assert str(service.OWN_ROLE_LOWERED) in response.get_data(as_text=True)
    response = client.post(f"/usuarios/{admin_id}/senha", data={"csrf_token": token})
    assert response.status_code == 422 and str(service.OWN_RESET) in response.get_data(as_text=True)
    admin = _fresh(db, admin_id)
    assert admin.active and admin.role == "admin" and admin.name == "Alice Administradora"
    assert not admin.must_change_password


def test_the_last_active_admin_of_an_empresa_stays(app, demo, db, admin):
    admin_id, client, token = admin
    company, south = demo["company"], demo["company_south"]
    other_id = _add_user(db, demo, "outro.admin", "admin", name="Otávio Admin").id
    # Two admins of A: one may demote the other.
    response = client.post(
        f"/usuarios/{other_id}/perfil",
        data={"csrf_token": token, f"u{other_id}-role": "supervisor"},
    )
    assert response.status_code == 303 and _fresh(db, other_id).role == "supervisor"

    # Alice, now A's only admin, is also the only admin of Sul: she cannot leave Sul (the
    # screen path to the rule), and nobody can demote or deactivate her (the service).
    alice = db.session.get(User, admin_id)
    alice.companies = [company, south]
    db.session.commit()
    response = _post_user(
        client, token, f"/usuarios/{admin_id}", [company], name="Alice", role="admin"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "último administrador ativo de Filial Sul" in page or "último administrador" in page
    assert {c.id for c in _fresh(db, admin_id).companies} == {company.id, south.id}

    # An inactive admin does not count.
    otavio = db.session.get(User, other_id)
    otavio.role, otavio.active = "admin", False
    db.session.commit()
    for change in (
        lambda actor, sole: service.change_role(actor, sole, "supervisor"),
        lambda actor, sole: service.set_active(actor, sole, False),
        lambda actor, sole: service.update_user(
            actor, sole, name=sole.name, email=None, role="atendente", company_ids=[company.id]
        ),
    ):
        actor, sole = db.session.get(User, other_id), db.session.get(User, admin_id)
        with pytest.raises(service.RuleBroken, match="último administrador ativo"):
            change(actor, sole)
        db.session.rollback()

    # Otávio active again: now Alice may be deactivated, and then Otávio is the last one.
    otavio = db.session.get(User, other_id)
    otavio.active = True
    otavio.companies = [company, south]
    db.session.commit()
    other_client, other_token = _login(app, "outro.admin")
    other_client.post("/empresa", data={"company_id": company.id, "csrf_token": other_token})
    response = other_client.post(
        f"/usuarios/{admin_id}/desativar", data={"csrf_token": other_token}
    )
    assert response.status_code == 303 and not _fresh(db, admin_id).active
    with pytest.raises(service.RuleBroken, match="último administrador ativo"):
        service.set_active(db.session.get(User, admin_id), db.session.get(User, other_id), False)
    db.session.rollback()
    assert _fresh(db, other_id).active


def test_users_of_another_empresa_are_404(app, demo, db, admin):
    _, client, token = admin
    south_only = _add_user(db, demo, "so.sul", "atendente", [demo["company_south"]])
    assert "so.sul" not in client.get("/usuarios").get_data(as_text=True)
    assert client.get(f"/usuarios/{south_only.id}").status_code == 404
    for action in ("desativar", "reativar", "senha"):
        response = client.post(f"/usuarios/{south_only.id}/{action}", data={"csrf_token": token})
        assert response.status_code == 404
    response = _post_user(
        client, token, f"/usuarios/{south_only.id}", [demo["company"]], name="X", role="admin"
    )
    assert response.status_code == 404
    south_only = _fresh(db, south_only.id)
    assert south_only.active and south_only.role == "atendente" and south_only.name != "X"


def test_a_supervisor_manages_atendentes_only(app, demo, db):
    admin = _add_user(db, demo, "admin.teste", "admin")
    client, token = _login(app, "supervisor", "supervisor123")
    client.post("/empresa", data={"company_id": demo["company"].id, "csrf_token": token})
    page = client.get("/usuarios").get_data(as_text=True)
    assert f'href="/usuarios/{demo["atendente"].id}"' in page
    assert f'href="/usuarios/{admin.id}"' not in page
    for url in (f"/usuarios/{admin.id}", f"/usuarios/{demo['supervisor'].id}"):
        assert client.get(url).status_code == 403
    for action in ("desativar", "senha"):
        response = client.post(f"/usuarios/{admin.id}/{action}", data={"csrf_token": token})
        assert response.status_code == 403
    # Only atendentes are made, in the supervisor's Empresas (both, here).
    form = client.get("/usuarios/novo").get_data(as_text=True)
    assert demo["company_south"].name in form and 'value="admin"' not in form
    data = {
        "csrf_token": token,
        "username": "novo.sup",
        "name": "Novo",
        "role": "admin",
        "companies": [str(demo["company"].id)],
    }
    response = client.post("/usuarios/novo", data=data)
    assert response.status_code == 422
    assert str(service.ROLE_ONLY_ADMIN) in response.get_data(as_text=True)
    data["role"] = "atendente"
    assert client.post("/usuarios/novo", data=data).status_code == 200
    attendant_id = demo["atendente"].id
    response = _post_user(
        client, token, f"/usuarios/{attendant_id}", [demo["company"]], name="Ana", role="supervisor"
    )
    assert response.status_code == 422
    assert _fresh(db, attendant_id).role == "atendente"
    # The role list's quick change stays the administrators'.
    response = client.post(
        f"/usuarios/{attendant_id}/perfil",
        data={"csrf_token": token, f"u{attendant_id}-role": "atendente"},
    )
    assert response.status_code == 403


def test_an_attendant_is_refused_every_users_route(app, demo, db, logged_in, auth):
    token = auth.csrf_token()
    user_id = demo["supervisor"].id
    for method, url in (
        ("GET", "/usuarios"),
        ("GET", "/usuarios/novo"),
        ("POST", "/usuarios/novo"),
        ("GET", f"/usuarios/{user_id}"),
        ("POST", f"/usuarios/{user_id}"),
        ("POST", f"/usuarios/{user_id}/desativar"),
        ("POST", f"/usuarios/{user_id}/reativar"),
        ("POST", f"/usuarios/{user_id}/senha"),
        ("POST", f"/usuarios/{user_id}/perfil"),
    ):
        response = logged_in.open(url, method=method, data={"csrf_token": token})
        assert response.status_code == 403, url
        assert "Acesso negado" in response.get_data(as_text=True)
    assert _fresh(db, user_id).active


def test_two_admins_demoting_each_other_at_once_leave_one_admin(app, demo, db, admin):
    """The check and the change in one transaction with the admins' rows locked: while one
    demotion is not yet committed, the other waits for it, then sees it and is refused."""
    alice_id, _, _ = admin
    otavio_id = _add_user(db, demo, "outro.admin", "admin", name="Otávio Admin").id
    otavio_client, otavio_token = _login(app, "outro.admin")
    db.session.rollback()  # SQLite: a read begun before the login's writes cannot write
    service.change_role(
        db.session.get(User, alice_id), db.session.get(User, otavio_id), "supervisor"
    )  # flushed: Alice's demotion of Otávio, not committed
    answers = []

    def otavio_demotes_alice():
        response = _post_user(
            otavio_client,
            otavio_token,
            f"/usuarios/{alice_id}",
            [demo["company"]],
            name="Alice Administradora",
            role="atendente",
        )
        answers.append(response.status_code)

    thread = threading.Thread(target=otavio_demotes_alice)
    thread.start()
    thread.join(1.0)
    assert thread.is_alive(), answers  # waits for the first transaction
    db.session.commit()
    thread.join(15)
    assert answers and answers[0] in (403, 422)
    db.session.rollback()
    roles = {u.id: u.role for u in db.session.scalars(sa.select(User))}
    assert roles[alice_id] == "admin" and roles[otavio_id] == "supervisor"
