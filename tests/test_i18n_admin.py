"""Administração in English for a user who chose it (Usuários, E-mail da Empresa,
Configurações and its catalogues, Empresas, Prazos) and in Portuguese for everyone else, at
the same time: headings, buttons, messages beside the fields and the messages after a change."""

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from isocrm.models import Product, Ticket, User
from tests.conftest import AuthActions, choose_language, csrf_token_from, page_html

PASSWORD = "senha-123"


def _client(app, username, password):
    client = app.test_client()
    assert AuthActions(client).login(username, password).status_code == 302
    return client


def _post(client, url, data, status=None, follow=False):
    token = csrf_token_from(page_html(client, "/"))
    response = client.post(url, data={"csrf_token": token, **data}, follow_redirects=follow)
    if status is not None:
        assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def _absent(page, *texts):
    for text in texts:
        assert text not in page, text


def _present(page, *texts):
    for text in texts:
        assert text in page, text


def _english_supervisor(app, demo):
    client = _client(app, "supervisor", "supervisor123")
    assert choose_language(client, "en").status_code == 303
    token = csrf_token_from(page_html(client, "/"))
    switch = {"company_id": demo["company"].id, "next": "/", "csrf_token": token}
    assert client.post("/empresa", data=switch).status_code == 303
    return client


def _admin(app, db, demo, username="admin.i18n"):
    user = User(
        username=username, name="Alice Administradora", role="admin", companies=[demo["company"]]
    )
    user.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    db.session.add(user)
    db.session.commit()
    return _client(app, username, PASSWORD)


def test_usuarios_in_english(app, db, demo):
    client = _english_supervisor(app, demo)

    users = page_html(client, "/usuarios")
    _present(users, "Administration ›", "<h1>Users</h1>", "New user", '<th scope="col">Role</th>')
    _present(users, "Who works at ", "Active")
    _absent(users, "<h1>Usuários</h1>", "Novo usuário", "Quem trabalha em", ">Perfil<")

    new = page_html(client, "/usuarios/novo")
    _present(new, "<h1>New user</h1>", "Full name", "Create user", "Cancel")
    _present(new, "Supervisors can only add attendants.")
    _absent(new, "Cadastrar usuário", "Nome completo", "Supervisores cadastram")
    refused = _post(client, "/usuarios/novo", {"role": "atendente"}, status=422)
    _present(refused, "Enter the name.", "Enter the username.")
    _absent(refused, "Informe o nome.", "Informe o nome de usuário.")
    refused = _post(
        client, "/usuarios/novo", {"role": "atendente", "name": "Ana", "username": "ana"}, 422
    )
    _present(refused, "Choose at least one company.")
    _absent(refused, "Escolha ao menos uma Empresa.")

    attendant = demo["atendente"]
    edit = page_html(client, f"/usuarios/{attendant.id}")
    _present(edit, "Access", "Reset password", "Deactivate", "Back")
    _absent(edit, "Redefinir senha", ">Desativar<", ">Acesso<")
    done = _post(client, f"/usuarios/{attendant.id}/desativar", {}, follow=True)
    _present(done, "was deactivated: they can no longer log in", "Reactivate")

    # A refusal (403): supervisors manage only the atendentes.
    db.session.rollback()
    supervisor = db.session.scalar(sa.select(User).where(User.username == "supervisor"))
    other = User(username="sup.i18n", name="Outro", role="supervisor", companies=[demo["company"]])
    other.password_hash = supervisor.password_hash
    db.session.add(other)
    db.session.commit()
    refused = page_html(client, f"/usuarios/{other.id}", 403)
    _present(refused, "Supervisors only manage attendants: ask an administrator.")

    mail = page_html(client, "/configuracoes/email")
    _present(mail, "<h1>Company's e-mail</h1>", "Reply to (Reply-To)", "Save")
    _absent(mail, "E-mail da Empresa", "Responder para")
    saved = _post(client, "/configuracoes/email", {"reply_to": "sac@example.com"}, follow=True)
    _present(saved, "will go to sac@example.com.")


def test_configuracoes_in_english(app, db, demo):
    client = _english_supervisor(app, demo)

    index = page_html(client, "/configuracoes")
    _present(index, "<h1>Settings</h1>", "Reasons, occurrences and causes", "Channels")
    _present(index, "Deadlines (SLA)", "Statuses")
    _absent(index, "Motivos, ocorrências e causas", "Canais", "Situações")

    tree = page_html(client, "/configuracoes/motivos")
    _present(tree, "New reason", "New occurrence", "Rename", "Move up", "Move down")
    _absent(tree, "Novo motivo", "Renomear", ">Subir<")
    refused = _post(client, "/configuracoes/motivos", {"name": ""}, status=422)
    _present(refused, "Enter the name.", "Nothing was saved: fix the marked field.")
    _absent(refused, "Digite o nome.", "Nada foi salvo")
    added = _post(client, "/configuracoes/motivos", {"name": "Elogio i18n"}, follow=True)
    _present(added, "Reason “Elogio i18n” added.")
    taken = _post(client, "/configuracoes/motivos", {"name": "elogio I18N"}, status=422)
    _present(taken, "There is already a reason “elogio I18N”.")

    statuses = page_html(client, "/configuracoes/situacoes")
    _present(statuses, "<h1>Statuses</h1>", "New status", "Category: </span>Open<", "Edit")
    _present(statuses, '<option value="aberto">Open</option>')
    _absent(statuses, "Nova situação", "Tornar padrão", "Categoria", "</span>Aberto<")
    added = _post(
        client,
        "/configuracoes/situacoes",
        {"name": "Em análise", "category": "aberto"},
        follow=True,
    )
    _present(added, "Status “Em análise” added.", "Make default")

    channels = page_html(client, "/configuracoes/canais")
    _present(channels, "<h1>Channels</h1>", "New channel", "Deactivate")

    db.session.rollback()
    product = db.session.scalar(
        sa.select(Product).where(Product.company_id == demo["company"].id).limit(1)
    )
    infos = page_html(client, f"/configuracoes/produtos/{product.id}/informacoes")
    _present(infos, f"Information for {product.name}", "Reason", "Occurrence", "Add")
    _absent(infos, "Informações de ", "Adicionar")
    refused = _post(client, f"/configuracoes/produtos/{product.id}/informacoes", {}, status=422)
    _present(refused, "Choose the reason.", "Enter the information.")


def test_prazos_in_english(app, db, demo):
    client = _english_supervisor(app, demo)

    config = page_html(client, "/prazos/configuracao")
    _present(config, "<h1>Deadlines (SLA)</h1>", "Business hours", "Monday", "Sunday")
    _present(config, "Company holidays", "Add holiday", "Deadlines by reason", "Save deadlines")
    _absent(config, "Horário de atendimento", "Segunda", "Feriados da Empresa", "Incluir feriado")
    refused = _post(client, "/prazos/configuracao/feriados", {}, status=422)
    _present(refused, "Enter the holiday's date.", "Enter the holiday's name.")
    _absent(refused, "Informe a data do feriado.")
    hours = _post(client, "/prazos/configuracao/horario", {"day0": "9-18"}, status=422)
    _present(hours, "Use the format 08:00-12:00")
    saved = _post(client, "/prazos/configuracao/horario", {"day0": "08:00-18:00"}, follow=True)
    _present(saved, "Business hours saved. Deadlines recalculated on ")

    report = page_html(client, "/prazos?de=01/01/2026")
    _present(report, "<h1>Deadlines met</h1>", "By reason", "By owner", "Resolved on time")
    _present(report, "% resolution", '<abbr title="First response">1st resp.</abbr> on time')
    _present(report, "Percentage on time by reason", "Total")
    _absent(report, "Prazos cumpridos", "Por motivo", "Resolvidos no prazo", "% resolução")
    # The due times on the ticket screen.
    db.session.rollback()
    ticket = db.session.scalar(
        sa.select(Ticket)
        .where(Ticket.company_id == demo["company"].id, Ticket.resolution_due_at.is_not(None))
        .limit(1)
    )
    screen = page_html(client, f"/atendimentos/{ticket.code}")
    _present(screen, "First response due", "Resolution due")
    _absent(screen, "Prazo 1ª resposta", "Prazo de resolução")

    refused = page_html(client, "/prazos?de=10/05/2026&ate=01/05/2026", 422)
    _present(refused, "The end date must be the same as or later than the start date.")


def test_empresas_in_english_and_the_others_in_portuguese(app, db, demo):
    english = _admin(app, db, demo)
    assert choose_language(english, "en").status_code == 303
    portuguese = _admin(app, db, demo, "admin.pt")

    companies = page_html(english, "/configuracoes/empresas")
    _present(companies, "<h1>Companies</h1>", "Company's e-mail", "Edit", "current")
    _absent(companies, "<h1>Empresas</h1>", "Alterar", ">atual<")
    users = page_html(english, "/usuarios")
    _present(users, "Save", "Role of ")

    # The same screens, at the same time, in Portuguese for the other administrator.
    for url, texts in (
        ("/configuracoes/empresas", ("<h1>Empresas</h1>", ">Alterar<", ">atual<")),
        ("/usuarios", ("<h1>Usuários</h1>", "Novo usuário", "Perfil de ", ">Salvar<")),
        ("/configuracoes", ("Motivos, ocorrências e causas", "Canais", "Situações")),
        ("/configuracoes/motivos", ("Novo motivo", "Renomear", ">Subir<")),
        ("/configuracoes/situacoes", ("Nova situação", "Categoria: </span>Aberto<")),
        ("/prazos/configuracao", ("Horário de atendimento", "Segunda", "Incluir feriado")),
        ("/prazos?de=01/01/2026", ("Prazos cumpridos", "Por motivo", "Resolvidos no prazo")),
    ):
        page = page_html(portuguese, url)
        _present(page, *texts)
        _absent(page, "Settings", "Save", "Companies", "Business hours", "By reason")
    refused = _post(portuguese, "/prazos/configuracao/feriados", {}, status=422)
    _present(refused, "Informe a data do feriado.")
    added = _post(portuguese, "/configuracoes/motivos", {"name": "Elogio pt"}, follow=True)
    _present(added, "Motivo “Elogio pt” incluído.")
