"""The entity's workspace (Histórico, Agenda, Vendas, Notas, Pesquisa), Enviar histórico, the
printed ticket report and the Lotes screens in English for a user who chose it, and in
Portuguese, unchanged, for everyone else at the same time."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.conftest import choose_language, csrf_token_from, login_client, page_html
from tests.report_tickets import make_report_ticket, pdf_pages_text


def _english(app, username="atendente", password="atendente123"):
    client = login_client(app, username, password)
    assert choose_language(client, "en").status_code == 303
    return client


def _today() -> str:
    return datetime.now(ZoneInfo("America/Sao_Paulo")).strftime("%d/%m/%Y")


def _assert_english(html, english, portuguese):
    for text in english:
        assert text in html, text
    for text in portuguese:
        assert text not in html, text


def test_the_workspace_screens_in_english(app, db, demo):
    english = _english(app)
    maria = demo["maria"]
    base = f"/entidades/{maria.id}"

    history = page_html(english, f"{base}/historico")
    assert '<html lang="en">' in history
    _assert_english(
        history,
        ("Entity's history", "Entity screens", "Send history to the customer", "Sales"),
        ("Histórico da entidade", "Enviar histórico ao cliente", "Telas da entidade", ">Vendas<"),
    )
    assert "Ticket opened" in history and "Atendimento aberto" not in history

    orders = page_html(english, f"{base}/vendas")
    _assert_english(orders, ("Order", "Status", "Total (R$)"), (">Pedido<", ">Situação<"))
    order = page_html(english, f"{base}/vendas/{demo['maria_orders'][1].id}")
    _assert_english(
        order,
        ("Order data", "Items", "Unit price (R$)", "Invoices of the order"),
        ("Dados do pedido", "Itens", "Preço unitário", "Notas fiscais do pedido"),
    )

    invoices = page_html(english, f"{base}/notas")
    _assert_english(invoices, ("Access key", "Issued", "invoices."), ("Chave de acesso",))
    invoice = page_html(english, f"{base}/notas/{demo['maria_invoices'][1].id}")
    _assert_english(invoice, ("Invoice data", "Series"), ("Dados da nota", ">Série<"))

    surveys = page_html(english, f"{base}/pesquisas")
    _assert_english(surveys, ("Answered on",), ("Respondida em",))
    response = page_html(english, f"{base}/pesquisas/{demo['maria_survey_response'].id}")
    assert "Answers of " in response and "Respostas de" not in response

    agenda = page_html(english, f"{base}/agenda")
    _assert_english(
        agenda,
        ("New appointment", "Appointments", "Date/time", "Subject", "Schedule"),
        ("Novo compromisso", "Compromissos", "Data/hora", "Agendar<"),
    )


def test_agenda_validation_and_flash_in_english(app, db, demo):
    english = _english(app)
    url = f"/entidades/{demo['maria'].id}/agenda"
    html = page_html(english, url)
    key = html.split('name="form_key"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    data = {
        "csrf_token": csrf_token_from(html),
        "form_key": key,
        "company_id": demo["company"].id,
        "starts_on": "",
        "starts_time": "25:99",
        "subject": " ",
    }
    refused = english.post(url, data=data)
    assert refused.status_code == 422
    _assert_english(
        refused.get_data(as_text=True),
        ("Enter the date.", "Invalid time: use the hh:mm format.", "Enter the subject."),
        ("Informe a data.", "Hora inválida", "Informe o assunto."),
    )
    soon = (datetime.now(ZoneInfo("America/Sao_Paulo")) + timedelta(days=3)).strftime("%d/%m/%Y")
    data.update(starts_on=soon, starts_time="10:00", subject="Call back")
    saved = english.post(url, data=data)
    assert saved.status_code == 303
    after = page_html(english, saved.headers["Location"])
    assert "Appointment scheduled." in after and "Compromisso agendado." not in after
    assert "Mark as done" in after and "Pending" in after


def test_customer_history_page_in_english_and_its_sheet_in_portuguese(app, db, demo):
    english = _english(app)
    maria = demo["maria"]
    url = f"/entidades/{maria.id}/historico-cliente"
    html = page_html(english, url)
    _assert_english(
        html,
        ("Send history to the customer", "Send by e-mail", "Recorded deliveries", "Print"),
        ("Enviar histórico ao cliente", "Enviar por e-mail", "Envios registrados"),
    )
    assert "Customer's requests (" in html and "Demandas do cliente" not in html

    # A request date in the future: refused beside the field, in English.
    token = csrf_token_from(html)
    refused = english.post(
        f"{url}/imprimir", data={"csrf_token": token, "impressao-requested_on": "01/01/2100"}
    )
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "The request date cannot be in the future." in text
    assert "A data da solicitação não pode ser no futuro." not in text

    # The printed sheet is the customer's: Portuguese, whoever prints it.
    printed = english.post(
        f"{url}/imprimir", data={"csrf_token": token, "impressao-requested_on": _today()}
    )
    assert printed.status_code == 303
    sheet = page_html(english, printed.headers["Location"])
    assert "Histórico de atendimentos" in sheet and "Descrição" in sheet
    assert "Description" not in sheet
    assert "Download PDF" in sheet and "Baixar PDF" not in sheet  # its toolbar is the user's
    page = page_html(english, url)
    assert "Printed on " in page and "Impresso em" not in page


def test_the_printed_ticket_report_follows_the_users_language(app, db, demo, sup):
    make_report_ticket(db, demo, details=2, infos=1)
    english = _english(app)
    portuguese = sup[0]
    report = page_html(english, "/atendimentos/100/relatorio")
    assert '<html lang="en">' in report
    _assert_english(
        report,
        (
            "Ticket 000100",
            "Detail 2 of 2",
            "Lot no.",
            "Ticket data",
            "Ticket category",
            "Download PDF",
            "issued on",
        ),
        ("Dados do atendimento", "Categoria do atendimento", "Baixar PDF", "emitido em"),
    )
    other = page_html(portuguese, "/atendimentos/100/relatorio")
    assert '<html lang="pt-BR">' in other
    for text in (
        "Atendimento 000100",
        "Detalhe 2 de 2",
        "Dados do atendimento",
        "Baixar PDF",
        "emitido em",
    ):
        assert text in other, text
    assert "Ticket data" not in other


def test_the_report_pdfs_page_margins_follow_the_users_language(app, db, demo, sup, tmp_path):
    """The footer of every page (print.css's @page texts, which CSS cannot take from the
    catalogue) comes from print-en.css for an English user."""
    make_report_ticket(db, demo, details=2, infos=1)
    english = _english(app)
    report = page_html(english, "/atendimentos/100/relatorio")
    assert "css/print-en.css" in report
    assert "css/print-en.css" not in page_html(sup[0], "/atendimentos/100/relatorio")
    response = english.get("/atendimentos/100/relatorio.pdf")
    assert response.status_code == 200, response.status_code
    pages = pdf_pages_text(tmp_path, response.data)
    assert "isoCRM SAC · Ticket report" in pages[0] and "Page 1 of" in pages[0]
    assert "Relatório de atendimento" not in pages[0] and "Página 1" not in pages[0]
    response = sup[0].get("/atendimentos/100/relatorio.pdf")
    pages = pdf_pages_text(tmp_path, response.data)
    assert "isoCRM SAC · Relatório de atendimento" in pages[0] and "Página 1 de" in pages[0]


def test_the_lots_screens_in_english(app, db, demo):
    english = _english(app, "supervisor", "supervisor123")
    report = page_html(english, "/lotes")
    _assert_english(
        report,
        ("Complaints by lot", "Alert thresholds", "Product", "Complaints", "From"),
        ("Reclamações por lote", "Limites de alerta", ">Reclamações<"),
    )
    refused = page_html(english, "/lotes?de=10/01/2026&ate=01/01/2026", 422)
    assert "The end date is before the start date." in refused
    assert "Fix the filter above to see the report." in refused

    exported = english.get("/lotes.csv")
    assert exported.status_code == 200
    header = exported.get_data(as_text=True).splitlines()[0]
    assert "Product code;Product;Lot" in header

    html = page_html(english, "/lotes/limites")
    _assert_english(
        html, ("Lot alert thresholds", "Save thresholds"), ("Salvar limites", "Em quantos dias")
    )
    product_id = html.split('name="p', 1)[1].split("-count", 1)[0]
    bad = {
        "csrf_token": csrf_token_from(html),
        f"p{product_id}-count": "abc",
        f"p{product_id}-days": "30",
    }
    response = english.post("/lotes/limites", data=bad)
    assert response.status_code == 422
    _assert_english(
        response.get_data(as_text=True),
        ("Enter a whole number greater than zero.", "Nothing was saved: fix the marked fields."),
        ("Digite um número inteiro maior que zero.",),
    )


def test_portuguese_users_still_see_portuguese(app, db, demo):
    portuguese = login_client(app, "atendente", "atendente123")
    maria = demo["maria"]
    history = page_html(portuguese, f"/entidades/{maria.id}/historico")
    for text in ("Histórico da entidade", "Enviar histórico ao cliente", "Atendimento aberto"):
        assert text in history, text
    agenda = page_html(portuguese, f"/entidades/{maria.id}/agenda")
    assert "Novo compromisso" in agenda and "New appointment" not in agenda
    orders = page_html(portuguese, f"/entidades/{maria.id}/vendas")
    assert "pedidos." in orders or "pedido." in orders
    page = page_html(portuguese, f"/entidades/{maria.id}/historico-cliente")
    assert "Enviar por e-mail" in page and "Send by e-mail" not in page
    supervisor = login_client(app, "supervisor", "supervisor123")
    lots = page_html(supervisor, "/lotes")
    assert "Reclamações por lote" in lots and "Complaints by lot" not in lots
