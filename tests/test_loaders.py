"""isocrm.loaders: a record of another Empresa, or of another entity or ticket than the one
the URL names, is a 404, as a page and as an htmx request alike."""

import pytest
import sqlalchemy as sa

from isocrm.models import (
    Appointment,
    DetailInfo,
    Invoice,
    Order,
    OutboxMessage,
    SurveyResponse,
    Ticket,
    TicketDetail,
)
from tests.conftest import csrf_token_from
from tests.factories import create_ticket, fresh, screen_form, ticket_by_code

HTMX = {"HX-Request": "true"}


def _status_codes(client, method: str, url: str, **kwargs) -> tuple[int, int]:
    """The status of the request as a page and as an htmx request."""
    send = getattr(client, method)
    return send(url, **kwargs).status_code, send(url, headers=HTMX, **kwargs).status_code


def _token(client, demo) -> str:
    return csrf_token_from(
        client.get(f"/entidades/{demo['maria'].id}/agenda").get_data(as_text=True)
    )


def _move_to_the_other_empresa(db, demo, record) -> None:
    """The record becomes Luiza's, in the Filial Sul: its id stays, its Empresa changes."""
    record.entity_id = demo["luiza"].id
    if hasattr(record, "company_id"):
        record.company_id = demo["company_south"].id
    db.session.commit()


def _first(db, model, entity):
    return db.session.scalar(
        sa.select(model).where(model.entity_id == entity.id).order_by(model.id).limit(1)
    )


@pytest.mark.parametrize(
    "model, path",
    [(Order, "vendas"), (Invoice, "notas"), (SurveyResponse, "pesquisas")],
)
def test_a_workspace_record_of_another_entity_or_empresa_is_missing(
    logged_in, demo, db, model, path
):
    maria, jose = demo["maria"], demo["jose"]
    record = _first(db, model, maria)
    url = f"/entidades/{maria.id}/{path}/{record.id}"
    assert _status_codes(logged_in, "get", url) == (200, 200)
    # The same record through another entity of the same Empresa.
    assert _status_codes(logged_in, "get", f"/entidades/{jose.id}/{path}/{record.id}") == (
        404,
        404,
    )
    _move_to_the_other_empresa(db, demo, record)
    if model is SurveyResponse:
        record.survey.company_id = demo["company_south"].id
        db.session.commit()
    assert _status_codes(logged_in, "get", url) == (404, 404)


def test_an_appointment_of_another_entity_or_empresa_is_missing(logged_in, demo, db):
    maria, jose = demo["maria"], demo["jose"]
    appointment = _first(db, Appointment, maria)
    data = {"csrf_token": _token(logged_in, demo), "done": "1"}
    other_entity = f"/entidades/{jose.id}/agenda/{appointment.id}/realizado"
    assert _status_codes(logged_in, "post", other_entity, data=data) == (404, 404)
    url = f"/entidades/{maria.id}/agenda/{appointment.id}/realizado"
    _move_to_the_other_empresa(db, demo, appointment)
    assert _status_codes(logged_in, "post", url, data=data) == (404, 404)
    fresh(db)
    assert db.session.get(Appointment, appointment.id).done is False


def test_a_ticket_of_another_entity_is_missing_on_the_agenda(logged_in, demo, db):
    code = demo["ticket_1"].code
    assert demo["ticket_1"].entity_id == demo["maria"].id
    assert logged_in.get(f"/entidades/{demo['maria'].id}/agenda?ticket={code}").status_code == 200
    url = f"/entidades/{demo['jose'].id}/agenda?ticket={code}"
    assert _status_codes(logged_in, "get", url) == (404, 404)


def _ticket_with_info(logged_in, demo, db):
    """A new confirmed ticket of Maria's with one detail and one Informação line."""
    assert create_ticket(logged_in, demo).status_code == 303
    fresh(db)
    code = db.session.scalar(sa.select(sa.func.max(Ticket.code)))
    ticket = ticket_by_code(db, code)
    [detail] = ticket.details
    [info] = detail.informations
    return code, detail, info


def test_a_detail_or_information_line_of_another_ticket_is_missing(logged_in, demo, db):
    first_code, first_detail, first_info = _ticket_with_info(logged_in, demo, db)
    code, detail, info = _ticket_with_info(logged_in, demo, db)
    assert first_code != code
    page = screen_form(logged_in.get(f"/atendimentos/{code}").get_data(as_text=True))
    data = {"csrf_token": page["csrf_token"], "ticket_id": page["ticket_id"]}

    # Salvar detalhe naming the first ticket's detail, in the URL or in the form.
    assert _status_codes(
        logged_in, "post", f"/atendimentos/{code}/detalhes/{first_detail.id}", data=data
    ) == (404, 404)
    assert _status_codes(
        logged_in,
        "post",
        f"/atendimentos/{code}/detalhes",
        data={**data, "detail_id": first_detail.id},
    ) == (404, 404)
    # Excluir naming the first ticket's line, under this ticket's detail or the other one.
    for detail_id in (detail.id, first_detail.id):
        url = f"/atendimentos/{code}/detalhes/{detail_id}/informacoes/{first_info.id}/excluir"
        assert _status_codes(logged_in, "post", url, data=data) == (404, 404)
    fresh(db)
    assert db.session.get(DetailInfo, first_info.id) is not None
    assert db.session.get(TicketDetail, first_detail.id) is not None


def test_an_outbox_message_of_another_empresa_is_missing(logged_in, demo, db):
    message = OutboxMessage(
        company_id=demo["company_south"].id,
        entity_id=demo["luiza"].id,
        to_address="luiza.fernandes@example.com.br",
        subject="Assunto da Filial Sul",
        body="Texto",
        created_by_id=demo["supervisor"].id,
    )
    db.session.add(message)
    db.session.commit()
    data = {"csrf_token": _token(logged_in, demo)}
    url = f"/caixa-de-saida/{message.id}/reenviar"
    assert _status_codes(logged_in, "post", url, data=data) == (404, 404)
    fresh(db)
    assert db.session.get(OutboxMessage, message.id).attempts == 0
