"""Cadastro (completo, simplificado, nova entidade, Alertas), LGPD and Importar CSV in English
for a user who chose it, in Portuguese for everyone else; the shared validators' messages
(isocrm/fields.py) follow the user's language on the screen and stay Portuguese elsewhere."""

import io

from isocrm.fields import DATE_MESSAGE, PHONE_MESSAGE, max_length, validate_document
from isocrm.imports.sample import entity_file
from tests.conftest import AuthActions, choose_language, csrf_token_from, page_html


def _login(app, username, password, company=None):
    client = app.test_client()
    auth = AuthActions(client)
    assert auth.login(username, password).status_code == 302
    if company is not None:
        switch = {"company_id": company.id, "next": "/", "csrf_token": auth.csrf_token()}
        assert client.post("/empresa", data=switch).status_code == 303
    return client


def _has(html, *texts):
    html = html.replace("&#39;", "'")  # an apostrophe, escaped or not
    for text in texts:
        assert text in html, text


def _lacks(html, *texts):
    html = html.replace("&#39;", "'")
    for text in texts:
        assert text not in html, text


def test_the_registration_screens_in_english_and_in_portuguese(app, db, demo):
    english = _login(app, "supervisor", "supervisor123", demo["company"])
    assert choose_language(english, "en").status_code == 303
    portuguese = _login(app, "atendente", "atendente123")
    maria = demo["maria"]

    # Cadastro completo: headings, lists, buttons, and the nouns of each list.
    full = page_html(english, f"/entidades/{maria.id}/cadastro")
    _has(
        full,
        f"Full record · {maria.name}",
        'aria-label="Other screens of the entity"',
        ">Quick record<",
        ">Alerts<",
        "Name/Company name",
        "Date of birth",
        ">Addresses<",
        ">Phones<",
        ">Add address<",
        ">Add phone<",
        ">Add e-contact<",
        "Choose the main one and click <strong>Save record</strong>.",
        "Related to",
        "Add related",
        'placeholder="Name or CPF/CNPJ…"',
        "Data, roles, units and the choice of the main ones are saved together.",
        ">Save record<",
        'placeholder="dd/mm/yyyy"',
    )
    _lacks(
        full,
        "Cadastro completo ·",
        ">Endereços<",
        "Adicionar endereço",
        "Salvar cadastro",
        "Relacionado com",
        "Nome/Razão social",
    )

    # A row open for editing names its noun in English.
    address = maria.addresses[0]
    editing = page_html(english, f"/entidades/{maria.id}/cadastro?editar=enderecos-{address.id}")
    _has(editing, 'aria-label="Edit address: ', ">Save address<", ">Cancel<")
    _lacks(editing, "Salvar endereço", 'aria-label="Editar endereço')

    # Adicionar endereço with a bad CEP: the shared validators' messages, in English.
    token = csrf_token_from(full)
    added = english.post(
        f"/entidades/{maria.id}/cadastro/enderecos",
        data={"csrf_token": token, "novo-endereco-zip_code": "123"},
        headers={"HX-Request": "true"},
    )
    assert added.status_code == 422
    html = added.get_data(as_text=True)
    _has(html, "Invalid ZIP (CEP): use 8 digits, like 01310-100.", "Enter the street.")
    _lacks(html, "CEP inválido", "Informe o logradouro.")

    # Cadastro simplificado: a field too long, in English (WTForms fills the number in).
    quick = page_html(english, f"/entidades/{maria.id}/cadastro-simplificado")
    _has(quick, f"Quick record · {maria.name}", "Main address", "Main phone", ">Save<")
    _lacks(quick, "Endereço principal", "Telefone principal")
    response = english.post(
        f"/entidades/{maria.id}/cadastro-simplificado",
        data={
            "cadastro-csrf_token": csrf_token_from(quick),
            "cadastro-name": "x" * 151,
            "cadastro-phone_number": "12",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    _has(
        html,
        "Check the marked fields: nothing was saved.",
        "Text too long (at most 150 characters).",
        "Invalid phone: enter the area code (DDD) and number",
    )
    _lacks(html, "Texto longo demais", "Telefone inválido")

    # Alertas: the panel and a refused alert.
    alerts = page_html(english, f"/entidades/{maria.id}/alertas")
    _has(alerts, f"Alerts of {maria.name}", ">Active<", ">New alert<", ">Create alert<")
    _lacks(alerts, "Alertas de", "Novo alerta", "Criar alerta")
    response = english.post(
        f"/entidades/{maria.id}/alertas",
        data={"csrf_token": csrf_token_from(alerts), "message": "", "form_key": "k"},
    )
    assert response.status_code == 422
    _has(response.get_data(as_text=True), "Write the alert's message.")

    # Cadastrar nova entidade: the page, a refused CPF and date, then the flash once saved.
    new = page_html(english, "/entidades/nova")
    _has(new, "Register a new entity", "Individual (CPF)", "Company (CNPJ)", ">Register<")
    _lacks(new, "Cadastrar nova entidade", "Pessoa física")
    token = csrf_token_from(new)
    form_key = new.split('name="form_key" value="', 1)[1].split('"', 1)[0]
    data = {"csrf_token": token, "form_key": form_key, "kind": "PF", "name": "Fulano de Tal"}
    refused = english.post(
        "/entidades/nova", data=data | {"document": "123", "birth_date": "31/02"}
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    _has(
        html,
        "Invalid CPF: check the 11 digits.",
        "Invalid date: use the format dd/mm/yyyy (year between 1900 and 2100).",
    )
    _lacks(html, "CPF inválido", "Data inválida")
    saved = english.post("/entidades/nova", data=data, follow_redirects=True)
    assert saved.status_code == 200
    _has(
        saved.get_data(as_text=True),
        "Entity registered. Complete its addresses, phones and contacts.",
        "Without a role, this entity cannot have tickets",
    )

    # The Portuguese user, at the same time, sees exactly the Portuguese texts.
    other = page_html(portuguese, f"/entidades/{maria.id}/cadastro")
    _has(
        other,
        f"Cadastro completo · {maria.name}",
        ">Endereços<",
        ">Adicionar endereço<",
        "Escolha o Principal e clique em <strong>Salvar cadastro</strong>.",
        "Relacionado com",
        'placeholder="dd/mm/aaaa"',
    )
    _lacks(other, "Full record", "Add address", "Save record")
    response = portuguese.post(
        f"/entidades/{maria.id}/cadastro/enderecos",
        data={"csrf_token": csrf_token_from(other), "novo-endereco-zip_code": "123"},
        headers={"HX-Request": "true"},
    )
    _has(response.get_data(as_text=True), "CEP inválido: use 8 dígitos, como 01310-100.")
    quick = page_html(portuguese, f"/entidades/{maria.id}/cadastro-simplificado")
    _has(quick, "Cadastro simplificado ·", "Endereço principal", ">Salvar<")
    _has(page_html(portuguese, f"/entidades/{maria.id}/alertas"), "Alertas de", "Novo alerta")


def test_lgpd_in_english_and_in_portuguese(app, db, demo):
    client = _login(app, "supervisor", "supervisor123", demo["company"])
    assert choose_language(client, "en").status_code == 303
    maria = demo["maria"]

    index = page_html(client, "/privacidade/")
    _has(index, "LGPD: data subject's data", "Data subject's CPF/CNPJ", ">Search<")
    _lacks(index, "dados do titular", "Buscar")
    _has(
        page_html(client, "/privacidade/?documento=123", 422), "Invalid CPF/CNPJ: check the digits."
    )

    page = page_html(client, f"/privacidade/entidades/{maria.id}")
    _has(
        page,
        "Download the data subject's data",
        "Anonymize the data subject",
        "<strong>This cannot be undone.</strong>",
        "What is removed",
        "What stays",
        f"Name (becomes “Titular anonimizado #{maria.id}”)",
        "Anonymize permanently",
    )
    _lacks(page, "Baixar os dados", "O que é removido", "Anonimizar definitivamente")
    response = client.post(
        f"/privacidade/entidades/{maria.id}/anonimizar",
        data={"csrf_token": csrf_token_from(page), "confirmacao": "outra pessoa"},
    )
    assert response.status_code == 422
    _has(response.get_data(as_text=True), "nothing was changed.")

    # Back to Portuguese: the same screens as before.
    assert choose_language(client, "pt_BR").status_code == 303
    page = page_html(client, f"/privacidade/entidades/{maria.id}")
    _has(page, "Baixar os dados do titular", "O que é removido", "Anonimizar definitivamente")
    _lacks(page, "Anonymize", "What stays")


def test_import_csv_in_english_and_in_portuguese(app, db, demo, client, auth, follow_import):
    assert auth.login("supervisor", "supervisor123").status_code == 302
    switch = {"company_id": demo["company"].id, "next": "/", "csrf_token": auth.csrf_token()}
    assert client.post("/empresa", data=switch).status_code == 303
    assert choose_language(client, "en").status_code == 303

    upload = page_html(client, "/importacao")
    _has(
        upload,
        "<h1>Import CSV</h1>",
        "What the file contains",
        "Entities (customers, partners…)",
        "Invoices",
        ">Check file<",
    )
    _lacks(upload, "Importar CSV", "Conferir arquivo", "O que o arquivo traz")
    refused = client.post(
        "/importacao", data={"csrf_token": auth.csrf_token()}, content_type="multipart/form-data"
    )
    assert refused.status_code == 422
    _has(
        refused.get_data(as_text=True),
        "Nothing was imported: fix the marked field.",
        "Choose the CSV file to import.",
    )

    data = {
        "csrf_token": auth.csrf_token(),
        "kind": "entidades",
        "file": (io.BytesIO(entity_file(3).encode()), "entidades.csv"),
    }
    sent = client.post("/importacao", data=data, content_type="multipart/form-data")
    assert sent.status_code == 303
    preview = follow_import(sent.headers["Location"]).get_data(as_text=True)
    _has(
        preview,
        "Preview: entidades.csv",
        "No errors: 3 rows: 3 new entities, 0 updated, 0 unchanged (to be written).",
        ">Confirm import<",
    )
    _lacks(preview, "Prévia:", "Confirmar importação", "Descartar arquivo")

    assert choose_language(client, "pt_BR").status_code == 303
    preview = page_html(client, sent.headers["Location"])
    _has(
        preview,
        "Prévia: entidades.csv",
        "Nenhum erro: 3 linhas: 3 entidades novas, 0 atualizadas, 0 sem alteração (a gravar).",
        "Confirmar importação",
    )
    _has(page_html(client, "/importacao"), "<h1>Importar CSV</h1>", "Conferir arquivo")


def test_the_shared_messages_stay_portuguese_outside_a_users_request(app):
    """What is compared or kept (the CSV import's report, written by its own process, and
    any text built without a user) is the Portuguese text, as before."""
    with app.app_context():
        assert validate_document("PF", "123") == "CPF inválido: confira os 11 dígitos."
        assert str(DATE_MESSAGE).startswith("Data inválida: use o formato dd/mm/aaaa")
        assert str(PHONE_MESSAGE).startswith("Telefone inválido")
        assert (
            max_length(10).message % {"max": 10} == "Texto longo demais (máximo de 10 caracteres)."
        )
    with app.test_request_context():
        assert validate_document("PJ", "123") == (
            "CNPJ inválido: confira os 14 caracteres (letras e números) e os dígitos."
        )


def test_an_import_report_and_a_failed_job_in_the_users_language(app):
    """The screen says in English what the job's file keeps in Portuguese; in Portuguese it
    says exactly what Report.summary() (the command line's) says."""
    from flask_babel import force_locale

    from isocrm.imports import jobs
    from isocrm.imports.entities import Report
    from isocrm.imports.reader import LATIN1_WARNING
    from isocrm.imports.views import (
        import_job_message,
        import_phase,
        import_summary,
        import_warning,
    )

    PRODUCTS = ("produtos", "novos", "atualizados")  # as products.py says them
    reports = [
        Report(rows=1, created=1),
        Report("produtos", rows=12345, updated=1, unchanged=12344, nouns=PRODUCTS),
        Report("notas", rows=2, created=2, written=True, nouns=("notas", "novas", "atualizadas")),
        Report("pedidos", rows=3, unchanged=3, nouns=("pedidos", "novos", "atualizados")),
    ]
    failed = "Erro inesperado: nada foi importado. O administrador encontra o detalhe no"
    failed += " registro do servidor (importação abcd1234)."
    with app.test_request_context():
        for report in reports:
            assert import_summary(report) == report.summary()
        assert import_job_message(failed) == failed
        assert import_phase("Gravando") == "Gravando"
        assert import_warning(LATIN1_WARNING) == LATIN1_WARNING
        unknown = 'Colunas desconhecidas, ignoradas: "Apelido".'
        assert import_warning(unknown) == unknown
        with force_locale("en"):
            assert import_summary(reports[0]) == "1 row: 1 new entity, 0 updated, 0 unchanged" + (
                " (to be written)."
            )
            assert import_summary(reports[1]) == (
                "12.345 rows: 0 new products, 1 updated, 12.344 unchanged (to be written)."
            )
            assert import_phase("Gravando") == "Writing"
            assert import_warning(LATIN1_WARNING).startswith("The file is not in UTF-8")
            assert import_warning(unknown) == 'Unknown columns, ignored: "Apelido".'
            assert import_job_message(failed) == (
                "Unexpected error: nothing was imported. The administrator finds the details in"
                " the server's log (import abcd1234)."
            )
            locked = jobs._conflict_message(
                __import__("sqlalchemy").exc.OperationalError(
                    "x", {}, Exception("database is locked")
                )
            )
            assert import_job_message(locked).startswith("The database was busy for too long")
