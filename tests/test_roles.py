"""Roles beyond the route: rules that depend on the record (another attendant's draft or
e-mail), what each role is shown, and the Administração forms. The route × role matrix is
tests/test_permissions.py."""

from werkzeug.security import generate_password_hash

from isocrm.models import OutboxMessage, Ticket, User
from isocrm.tickets import service as ticket_service
from tests.conftest import AuthActions


def _login(app, username, password):
    client = app.test_client()
    assert AuthActions(client).login(username, password).status_code == 302
    return client, AuthActions(client).csrf_token()


def _add_user(db, demo, username, role, companies):
    user = User(username=username, name=f"Usuário {username}", role=role, companies=companies)
    user.password_hash = generate_password_hash("senha-123", method="pbkdf2:sha256:1000")
    db.session.add(user)
    db.session.commit()
    return user


def test_an_attendant_discards_their_own_draft_not_anothers(app, demo, db):
    maria = demo["maria"]
    theirs = ticket_service.open_draft(db.session, demo["company"].id, maria, demo["supervisor"].id)
    mine = ticket_service.open_draft(db.session, demo["company"].id, maria, demo["atendente"].id)
    db.session.commit()
    theirs_code, mine_code, theirs_id = theirs.code, mine.code, theirs.id
    client, token = _login(app, "atendente", "atendente123")

    listing = client.get(f"/entidades/{maria.id}/atendimentos").get_data(as_text=True)
    assert f"Descartar rascunho {mine.code_display}" in listing
    assert f"Descartar rascunho {theirs.code_display}" not in listing  # hidden, not just refused
    screen = client.get(f"/atendimentos/{theirs_code}").get_data(as_text=True)
    assert "discard-draft-form" not in screen

    response = client.post(
        f"/atendimentos/{theirs_code}/descartar",
        data={"csrf_token": token, "ticket_id": theirs_id},
    )
    assert response.status_code == 403
    assert "só um supervisor pode descartá-lo" in response.get_data(as_text=True)
    db.session.rollback()  # a new transaction: what the requests committed
    assert db.session.get(Ticket, theirs_id).stage == "rascunho"
    response = client.post(
        f"/atendimentos/{mine_code}/descartar", data={"csrf_token": token, "ticket_id": mine.id}
    )
    assert response.status_code == 303

    supervisor, token = _login(app, "supervisor", "supervisor123")
    supervisor.post("/empresa", data={"company_id": demo["company"].id, "csrf_token": token})
    listing = supervisor.get(f"/entidades/{maria.id}/atendimentos").get_data(as_text=True)
    assert f"Descartar rascunho {theirs.code_display}" in listing


def test_the_outbox_offers_an_attendant_only_their_own_emails_again(app, demo, db):
    app.config["SMTP_HOST"] = "127.0.0.1"  # "Tentar de novo" is offered only with a server
    ids = {}
    for who in ("atendente", "supervisor"):
        message = OutboxMessage(
            company_id=demo["company"].id,
            ticket_id=demo["ticket_1"].id,
            entity_id=demo["maria"].id,
            to_address="maria.aparecida@example.com.br",
            subject=f"Escrito por {who}",
            body="Texto",
            status="falhou",
            created_by_id=demo[who].id,
        )
        db.session.add(message)
        db.session.commit()
        ids[who] = message.id
    client, token = _login(app, "atendente", "atendente123")
    outbox = client.get("/caixa-de-saida").get_data(as_text=True)
    assert "Escrito por supervisor" in outbox  # the desk's e-mails are seen by all
    assert f"/caixa-de-saida/{ids['atendente']}/reenviar" in outbox
    assert f"/caixa-de-saida/{ids['supervisor']}/reenviar" not in outbox
    response = client.post(
        f"/caixa-de-saida/{ids['supervisor']}/reenviar", data={"csrf_token": token}
    )
    assert response.status_code == 403
    db.session.rollback()  # a new transaction: what the requests committed
    assert db.session.get(OutboxMessage, ids["supervisor"]).attempts == 0  # nothing tried

    supervisor, token = _login(app, "supervisor", "supervisor123")
    supervisor.post("/empresa", data={"company_id": demo["company"].id, "csrf_token": token})
    assert f"/caixa-de-saida/{ids['atendente']}/reenviar" in supervisor.get(
        "/caixa-de-saida"
    ).get_data(as_text=True)


def test_the_menu_shows_each_role_what_it_may_use(app, demo, db):
    _add_user(db, demo, "admin.menu", "admin", [demo["company"]])
    menus = {}
    for username, password in (
        ("atendente", "atendente123"),
        ("supervisor", "supervisor123"),
        ("admin.menu", "senha-123"),
    ):
        client, _ = _login(app, username, password)
        menus[username] = client.get("/atendimentos/").get_data(as_text=True)
    assert "Administração" not in menus["atendente"]
    # Supervisors manage the atendentes (Usuários); giving perfis stays the admins'.
    assert "/configuracoes/email" in menus["supervisor"] and "/usuarios" in menus["supervisor"]
    assert "/configuracoes/email" in menus["admin.menu"] and "/usuarios" in menus["admin.menu"]


def test_the_supervisor_sets_the_reply_to_of_the_empresa(app, demo, db):
    client, token = _login(app, "supervisor", "supervisor123")
    client.post("/empresa", data={"company_id": demo["company"].id, "csrf_token": token})
    response = client.post(
        "/configuracoes/email", data={"csrf_token": token, "reply_to": "sac em filial"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Endereço de e-mail inválido" in html and 'value="sac em filial"' in html
    db.session.rollback()  # a new transaction: what the requests committed
    assert db.session.get(type(demo["company"]), demo["company"].id).mail_reply_to is None

    data = {"csrf_token": token, "reply_to": " sac@filial.example.com.br "}
    assert client.post("/configuracoes/email", data=data).status_code == 303
    db.session.rollback()  # a new transaction: what the requests committed
    company = db.session.get(type(demo["company"]), demo["company"].id)
    assert company.mail_reply_to == "sac@filial.example.com.br"
    assert demo["company_south"].mail_reply_to is None  # only the Empresa chosen now
    assert 'value="sac@filial.example.com.br"' in client.get("/configuracoes/email").get_data(
        as_text=True
    )
    assert (
        client.post("/configuracoes/email", data={"csrf_token": token, "reply_to": ""}).status_code
        == 303
    )
    db.session.rollback()  # a new transaction: what the requests committed
    assert db.session.get(type(demo["company"]), demo["company"].id).mail_reply_to is None


def test_the_admin_changes_the_role_of_a_user_of_the_empresa(app, demo, db):
    admin = _add_user(db, demo, "admin.perfis", "admin", [demo["company"]])
    outsider = _add_user(db, demo, "so.sul", "atendente", [demo["company_south"]])
    attendant_id, admin_id, outsider_id = demo["atendente"].id, admin.id, outsider.id
    client, token = _login(app, "admin.perfis", "senha-123")
    page = client.get("/usuarios").get_data(as_text=True)
    assert demo["atendente"].name in page and "so.sul" not in page  # users of this Empresa

    url = f"/usuarios/{attendant_id}/perfil"
    response = client.post(url, data={"csrf_token": token, f"u{attendant_id}-role": "chefe"})
    assert response.status_code == 422
    assert "Escolha um dos perfis da lista." in response.get_data(as_text=True)
    response = client.post(url, data={"csrf_token": token, f"u{attendant_id}-role": "supervisor"})
    assert response.status_code == 303
    db.session.rollback()  # a new transaction: what the requests committed
    assert db.session.get(User, attendant_id).role == "supervisor"

    own = client.post(
        f"/usuarios/{admin_id}/perfil", data={"csrf_token": token, f"u{admin_id}-role": "atendente"}
    )
    assert own.status_code == 422 and "próprio perfil" in own.get_data(as_text=True)
    other = client.post(
        f"/usuarios/{outsider_id}/perfil",
        data={"csrf_token": token, f"u{outsider_id}-role": "admin"},
    )
    assert other.status_code == 404
    db.session.rollback()  # a new transaction: what the requests committed
    assert db.session.get(User, admin_id).role == "admin"
    assert db.session.get(User, outsider_id).role == "atendente"


def test_a_route_without_a_declaration_is_told_apart(app):
    """What test_every_route_declares_its_role relies on: a view with no @allow has no
    declared role (and is, at run time, for any logged-in user)."""
    from isocrm.permissions import ROLE_SUPERVISOR, allow, declared_role, minimum_role

    app.add_url_rule("/sem-perfil", "sem_perfil", lambda: "ok")
    app.add_url_rule("/com-perfil", "com_perfil", allow(ROLE_SUPERVISOR)(lambda: "ok"))
    with app.test_request_context():
        assert declared_role("sem_perfil") is None and minimum_role("sem_perfil") == "atendente"
        assert declared_role("com_perfil") == "supervisor"


def test_an_attendant_discards_a_draft_the_mailbox_opened(app, demo, db):
    """A draft `fetch-mail` opened is nobody's call going on: any attendant of the Empresa
    may give it up (kept as Cancelado), as with their own."""
    from isocrm.inbound.service import mailbox_user

    maria = demo["maria"]
    mailbox = mailbox_user(db.session, demo["company"].id)
    db.session.flush()
    draft = ticket_service.open_draft(db.session, demo["company"].id, maria, mailbox.id)
    db.session.commit()
    code, draft_id = draft.code, draft.id
    client, token = _login(app, "atendente", "atendente123")

    listing = client.get(f"/entidades/{maria.id}/atendimentos").get_data(as_text=True)
    assert f"Descartar rascunho {draft.code_display}" in listing
    assert "discard-draft-form" in client.get(f"/atendimentos/{code}").get_data(as_text=True)
    response = client.post(
        f"/atendimentos/{code}/descartar", data={"csrf_token": token, "ticket_id": draft_id}
    )
    assert response.status_code == 303
    db.session.rollback()
    assert db.session.get(Ticket, draft_id).stage == "descartado"
