"""Enviar histórico (Decreto 11.034/2022, art. 12 §2): the customer's demands with their
answers, e-mailed through the Caixa de saída to a real SMTP server or printed, each
delivery recorded."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from isocrm.customer_history.forms import earliest_request
from isocrm.models import (
    EContact,
    HistoryDelivery,
    OutboxMessage,
    Ticket,
    TicketDetail,
)
from isocrm.models.base import utcnow
from isocrm.models.ticket import STAGE_DRAFT
from tests.conftest import csrf_token_from, hidden_value


def _today():
    """Today at the desk (São Paulo), the day the form's dates are judged by."""
    return datetime.now(ZoneInfo("America/Sao_Paulo")).date()


def _url(entity, tail=""):
    return f"/entidades/{entity.id}/historico-cliente{tail}"


def _form(client, entity):
    html = client.get(_url(entity)).get_data(as_text=True)
    return {"csrf_token": csrf_token_from(html), "send_key": hidden_value(html, "send_key")}


def _print(client, entity) -> str:
    """Imprimir (recorded today): the printable sheet's URL, with its ?entrega=ID."""
    token = _form(client, entity)["csrf_token"]
    today = _today().strftime("%d/%m/%Y")
    data = {"csrf_token": token, "impressao-requested_on": today}
    response = client.post(_url(entity, "/imprimir"), data=data)
    assert response.status_code == 303
    return response.headers["Location"]


def _deliveries(db):
    db.session.commit()
    return db.session.scalars(sa.select(HistoryDelivery).order_by(HistoryDelivery.id)).all()


def test_page_lists_every_demand_with_its_answers(logged_in, demo, db):
    maria = demo["maria"]
    # A draft of Maria's is not a demand: it is left out.
    draft = Ticket(
        company_id=maria.company_id,
        code=50,
        entity=maria,
        role=maria.roles[0],
        status=demo["ticket_1"].status,
        stage=STAGE_DRAFT,
        opened_by=demo["atendente"],
        updated_by=demo["atendente"],
    )
    db.session.add(draft)
    db.session.commit()
    html = logged_in.get(_url(maria)).get_data(as_text=True)
    assert "Demandas do cliente (3)" in html
    for ticket in (demo["ticket_1"], demo["ticket_2"], demo["ticket_3"]):
        assert f"Atendimento {ticket.code_display}" in html
        for detail in ticket.details:
            assert detail.description[:40] in html
            if detail.answer:
                assert detail.answer[:40] in html
    assert "Atendimento 000050" not in html
    # Oldest first.
    assert html.index("Atendimento 000001") < html.index("Atendimento 000003")
    assert "lote L2604B17" in html
    assert "maria.aparecida@example.com.br (Principal)" in html
    assert "5511987654321" not in html  # WhatsApp is not an e-mail


def test_email_is_queued_delivered_and_recorded(logged_in, demo, db, smtp, app):
    smtp.start()
    demo["company"].mail_reply_to = "sac@isocrm.example.com.br"
    db.session.commit()
    maria = demo["maria"]
    principal = next(e for e in maria.econtacts if e.is_principal)
    today = _today()
    data = {
        **_form(logged_in, maria),
        "recipient_id": principal.id,
        "requested_on": (today - timedelta(days=1)).strftime("%d/%m/%Y"),
    }
    response = logged_in.post(_url(maria, "/email"), data=data)
    assert response.status_code == 303
    (message,) = smtp.handler.messages
    assert message["To"] == "maria.aparecida@example.com.br"
    assert message["Reply-To"] == "sac@isocrm.example.com.br"
    assert "Histórico dos seus atendimentos" in message["Subject"]
    body = message.get_content()
    for ticket in (demo["ticket_1"], demo["ticket_2"], demo["ticket_3"]):
        assert f"Atendimento {ticket.code_display}" in body
        for detail in ticket.details:
            if detail.answer:
                assert detail.answer in body
    db.session.commit()  # a fresh snapshot
    (outbox,) = db.session.scalars(sa.select(OutboxMessage)).all()
    assert outbox.status == "enviado" and outbox.ticket_id is None
    assert outbox.entity_id == maria.id
    assert outbox.message_id and message["Message-ID"] == outbox.message_id  # kept, as sent
    (delivery,) = _deliveries(db)
    assert (delivery.method, delivery.recipient, delivery.ticket_count) == (
        "email",
        "maria.aparecida@example.com.br",
        3,
    )
    assert delivery.outbox_message_id == outbox.id
    assert delivery.user_id == demo["atendente"].id
    assert delivery.requested_on == today - timedelta(days=1)
    page = logged_in.get(_url(maria)).get_data(as_text=True)
    assert "Enviado por e-mail a maria.aparecida@example.com.br" in page
    assert "por Ana Atendente" in page and "dentro do prazo" in page
    # The same form submitted again sends nothing more.
    again = logged_in.post(_url(maria, "/email"), data=data)
    assert again.status_code == 303
    assert len(smtp.handler.messages) == 1 and len(_deliveries(db)) == 1


def test_email_to_an_address_not_of_the_entity_is_refused(logged_in, demo, db):
    maria, ana = demo["maria"], demo["ana"]
    other = next(e for e in ana.econtacts if e.kind == "email")
    whatsapp = next(e for e in maria.econtacts if e.kind == "whatsapp")
    for recipient in (other.id, whatsapp.id, "", "abc"):
        data = {**_form(logged_in, maria), "recipient_id": recipient, "requested_on": ""}
        response = logged_in.post(_url(maria, "/email"), data=data)
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert "Escolha um dos e-mails cadastrados da entidade." in html
        assert "Informe quando o cliente pediu o histórico." in html
    assert _deliveries(db) == []
    db.session.commit()
    assert db.session.scalars(sa.select(OutboxMessage)).all() == []


def test_request_date_is_validated(logged_in, demo, db):
    maria = demo["maria"]
    principal = next(e for e in maria.econtacts if e.is_principal)
    future = (_today() + timedelta(days=3)).strftime("%d/%m/%Y")
    earliest = earliest_request(_today())
    too_old = (earliest - timedelta(days=1)).strftime("%d/%m/%Y")
    old_message = f"A data da solicitação não pode ser anterior a {earliest:%d/%m/%Y}."
    for typed, message in (
        (future, "não pode ser no futuro"),
        ("01/01/1901", old_message),
        (too_old, old_message),
        ("31/02/2026", "Data inválida"),
        ("1/2/26", "Data inválida"),
    ):
        data = {**_form(logged_in, maria), "recipient_id": principal.id, "requested_on": typed}
        response = logged_in.post(_url(maria, "/email"), data=data)
        assert response.status_code == 422
        html = response.get_data(as_text=True)
        assert message in html and f'value="{typed}"' in html
        response = logged_in.post(
            _url(maria, "/imprimir"),
            data={"csrf_token": data["csrf_token"], "impressao-requested_on": typed},
        )
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert _deliveries(db) == []
    # The oldest day taken: a year ago.
    data = {
        **_form(logged_in, maria),
        "impressao-requested_on": earliest.strftime("%d/%m/%Y"),
    }
    assert logged_in.post(_url(maria, "/imprimir"), data=data).status_code == 303
    (delivery,) = _deliveries(db)
    assert delivery.requested_on == earliest


def test_late_delivery_says_so(logged_in, demo, db, no_smtp):
    maria = demo["maria"]
    principal = next(e for e in maria.econtacts if e.is_principal)
    requested = _today() - timedelta(days=8)
    data = {
        **_form(logged_in, maria),
        "recipient_id": principal.id,
        "requested_on": requested.strftime("%d/%m/%Y"),
    }
    assert logged_in.post(_url(maria, "/email"), data=data).status_code == 303
    db.session.commit()  # a fresh snapshot
    (outbox,) = db.session.scalars(sa.select(OutboxMessage)).all()
    assert outbox.status == "pendente"  # no SMTP: waits in the Caixa de saída
    page = logged_in.get(_url(maria)).get_data(as_text=True)
    assert "dia(s) após o prazo de 5 dias" in page


def test_print_is_recorded_and_the_sheet_lists_the_answers(logged_in, demo, db):
    maria = demo["maria"]
    token = _form(logged_in, maria)["csrf_token"]
    today = _today().strftime("%d/%m/%Y")
    response = logged_in.post(
        _url(maria, "/imprimir"), data={"csrf_token": token, "impressao-requested_on": today}
    )
    assert response.status_code == 303
    assert "/historico-cliente/impressao" in response.headers["Location"]
    sheet = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Histórico de atendimentos" in sheet
    assert demo["ticket_1"].details[0].answer in sheet
    (delivery,) = _deliveries(db)
    assert (delivery.method, delivery.recipient, delivery.ticket_count) == ("impressao", None, 3)
    assert delivery.outbox_message_id is None
    assert "Impresso em" in logged_in.get(_url(maria)).get_data(as_text=True)
    assert f"impressao.pdf?entrega={delivery.id}" in sheet


def test_the_sheet_needs_a_recorded_print(logged_in, demo, db):
    """No sheet without its record: a missing, malformed or foreign ?entrega= is a 404."""
    maria, joaquim = demo["maria"], demo["joaquim"]
    printed = _print(logged_in, maria)
    (delivery,) = _deliveries(db)
    email, of_joaquim = (
        HistoryDelivery(
            company_id=maria.company_id,
            entity_id=entity.id,
            user_id=demo["atendente"].id,
            method=method,
            recipient=recipient,
            ticket_count=0,
        )
        for entity, method, recipient in (
            (maria, "email", "maria@example.com.br"),
            (joaquim, "impressao", None),
        )
    )
    db.session.add_all([email, of_joaquim])
    db.session.commit()
    answer = demo["ticket_1"].details[0].answer
    for tail in (
        "",
        "?entrega=abc",
        "?entrega=",
        f"?entrega={delivery.id + 1000}",
        f"?entrega={email.id}",  # an e-mail delivery
        f"?entrega={of_joaquim.id}",  # another entity's print
    ):
        for sheet in ("/impressao", "/impressao.pdf"):
            response = logged_in.get(_url(maria, sheet + tail))
            assert response.status_code == 404, (sheet, tail)
            assert answer not in response.get_data(as_text=True)
    assert answer in logged_in.get(printed).get_data(as_text=True)
    assert len(_deliveries(db)) == 3  # nothing recorded by the refused requests


def test_entity_of_another_company_is_not_found(logged_in, demo, db):
    luiza = demo["luiza"]  # Empresa Sul: the atendente is not in it
    assert logged_in.get(_url(luiza)).status_code == 404
    assert logged_in.get(_url(luiza, "/impressao")).status_code == 404
    token = _form(logged_in, demo["maria"])["csrf_token"]
    data = {"csrf_token": token, "requested_on": "01/01/2026", "recipient_id": "1"}
    assert logged_in.post(_url(luiza, "/email"), data=data).status_code == 404
    assert logged_in.post(_url(luiza, "/imprimir"), data=data).status_code == 404
    assert _deliveries(db) == []


def test_query_count_is_constant(logged_in, demo, db, count_queries):
    maria = demo["maria"]
    sheet = _print(logged_in, maria)
    logged_in.get(_url(maria))
    with count_queries() as small:
        assert logged_in.get(_url(maria)).status_code == 200
    with count_queries() as small_sheet:
        assert logged_in.get(sheet).status_code == 200
    # 96 more demands, each with two details, one of them with a product line.
    db.session.commit()  # a fresh snapshot: the print was recorded meanwhile
    template = demo["ticket_1"]
    start = utcnow() - timedelta(days=200)
    channel = template.details[0].channel
    for n in range(96):
        opened = start + timedelta(days=n)
        db.session.add(
            Ticket(
                company_id=maria.company_id,
                code=100 + n,
                entity_id=maria.id,
                role_id=template.role_id,
                status_id=template.status_id,
                reason_id=template.reason_id,
                occurrence_id=template.occurrence_id,
                opened_by_id=demo["atendente"].id,
                updated_by_id=demo["atendente"].id,
                opened_at=opened,
                details=[
                    TicketDetail(
                        channel=channel,
                        opened_at=opened,
                        attendant_id=demo["atendente"].id,
                        description=f"Pedido número {n}",
                        answer=f"Resposta número {n}",
                        answered_at=opened,
                    ),
                    TicketDetail(
                        channel=channel,
                        opened_at=opened + timedelta(hours=1),
                        attendant_id=demo["atendente"].id,
                        description=f"Retorno {n}",
                    ),
                ],
            )
        )
    db.session.add(EContact(entity_id=maria.id, kind="email", value="outro@example.com.br"))
    db.session.commit()
    page = _url(maria)  # read before counting
    with count_queries() as big:
        html = logged_in.get(page).get_data(as_text=True)
    assert "Demandas do cliente (99)" in html and "Resposta número 95" in html
    assert big.count == small.count, big.statements
    with count_queries() as big_sheet:
        assert "Resposta número 95" in logged_in.get(sheet).get_data(as_text=True)
    assert big_sheet.count == small_sheet.count


def test_the_sheet_prints_as_a_pdf_with_the_answers(logged_in, demo, tmp_path):
    from tests.report_tickets import pdf_pages_text

    sheet = _print(logged_in, demo["maria"])
    response = logged_in.get(sheet.replace("/impressao?", "/impressao.pdf?"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    text = " ".join(pdf_pages_text(tmp_path, response.data))
    assert "Histórico de atendimentos" in text
    assert "Cliente confirmou o recebimento do vale-troca." in text
    assert logged_in.get(_url(demo["luiza"], "/impressao.pdf")).status_code == 404
