"""Tickets made as an attendant makes them (Incluir, the screen, Confirmar), and reading
back what the requests committed: the helpers every ticket-related test module uses."""

from datetime import timedelta

import sqlalchemy as sa

from isocrm.models import CatalogVersion, DetailInfo, Status, Ticket, TicketDetail
from isocrm.models.base import utcnow
from isocrm.models.catalog_version import CATALOG_VERSION_ROW
from tests.conftest import csrf_token_from
from tests.forms import form_values

HX = {"HX-Request": "true"}  # the header htmx sends: the server answers with a fragment


def token_of(client, url="/atendimentos/"):
    """The CSRF token of the page at `url`."""
    return csrf_token_from(client.get(url).get_data(as_text=True))


def new_ticket_data(demo, **overrides):
    """What an attendant fills on Maria's new ticket."""
    data = {
        "role_id": demo["roles"]["cliente"].id,
        "complementary_data": "Cliente ligou do celular.",
        "reason_id": demo["reasons"]["Reclamação"].id,
        "occurrence_id": demo["occurrences"]["Reclamação/Produto com defeito"].id,
        "cause_id": demo["causes"]["Reclamação/Produto com defeito/Embalagem violada"].id,
        "unit_id": demo["unit_sp"].id,
        "location_entity_id": demo["mercado"].id,
        "location_note": "Gôndola de biscoitos",
        "status_id": demo["statuses"]["aberto"].id,
        "channel_id": demo["channels"]["Telefone"].id,
        "direction": "receptivo",
        "description": "Biscoito chegou com a embalagem aberta.",
        "answer": "",
        "contact_entity_id": demo["jose"].id,
        "infos-0-product_info_id": demo["product_info"].id,
        "infos-0-note": "Foto enviada",
        "infos-0-lot_number": "L2611A",
        "infos-0-serial_number": "",
        "infos-0-manufactured_on": "2026-10-01",
        "infos-0-expires_on": "2027-04-01",
    }
    data.update(overrides)
    return {k: ("" if v is None else v) for k, v in data.items()}


def include(client, entity_id) -> int:
    """Incluir: the draft ticket is created at once; returns its code."""
    token = token_of(client, f"/entidades/{entity_id}/atendimentos")
    response = client.post(f"/entidades/{entity_id}/atendimentos", data={"csrf_token": token})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def create_ticket(client, demo, **overrides):
    """Incluir, then fill the screen and Confirmar."""
    code = include(client, demo["maria"].id)
    data = screen_form(client.get(f"/atendimentos/{code}").get_data(as_text=True))
    data.update(new_ticket_data(demo, **overrides))
    return client.post(f"/atendimentos/{code}", data=data)


def fresh(db):
    """End the test's own transaction so it sees what the requests committed."""
    db.session.commit()
    db.session.expire_all()


def ticket_by_code(db, code):
    fresh(db)
    return db.session.scalar(sa.select(Ticket).where(Ticket.code == code))


def screen_form(html):
    """The ticket form's current values, as the browser would send them back."""
    return form_values(html, "ticket-form")


def detail_post(client, demo, code, url_suffix="", **fields):
    data = {
        "channel_id": demo["channels"]["WhatsApp"].id,
        "direction": "ativo",
        "description": "Retorno ao cliente",
        "answer": "",
        "contact_entity_id": "",
        "reason_id": demo["reasons"]["Reclamação"].id,
        "occurrence_id": demo["occurrences"]["Reclamação/Produto com defeito"].id,
    }
    data.update(fields)
    page = screen_form(client.get(f"/atendimentos/{code}").get_data(as_text=True))
    data["csrf_token"] = page["csrf_token"]
    data["ticket_id"] = page["ticket_id"]
    return client.post(
        f"/atendimentos/{code}/detalhes{url_suffix}", data=data, headers={"HX-Request": "true"}
    )


def default_status_id(db, company_id):
    """The id of the situação an Empresa's new tickets start in."""
    return db.session.scalar(
        sa.select(Status.id).where(Status.company_id == company_id, Status.is_default)
    )


def catalog_version(db) -> int:
    """The catalogue's version number as committed now (requests wrote meanwhile)."""
    db.session.commit()
    return db.session.get(CatalogVersion, CATALOG_VERSION_ROW).version


def add_details(db, demo, ticket: Ticket, count: int, lines: int = 3) -> None:
    """`count` more details on the ticket, each with `lines` information lines, committed."""
    now = utcnow()
    for i in range(count):
        detail = TicketDetail(
            ticket_id=ticket.id,
            channel_id=demo["channels"]["E-mail"].id,
            direction="ativo",
            description=f"Detalhe extra {i}",
            attendant_id=demo["supervisor"].id,
            contact_entity_id=demo["jose"].id,
            opened_at=now + timedelta(seconds=i + 1),
        )
        detail.informations = [
            DetailInfo(product_info_id=demo["product_info"].id, lot_number=f"L{i}-{j}")
            for j in range(lines)
        ]
        db.session.add(detail)
    db.session.commit()


def south_ticket(db, demo, code):
    """A ticket of the other Empresa (Filial Sul, Luiza's), made through the ORM, committed."""
    south = demo["company_south"]
    ticket = Ticket(
        company_id=south.id,
        code=code,
        entity_id=demo["luiza"].id,
        role_id=demo["roles_south"]["cliente"].id,
        status_id=db.session.scalar(
            sa.select(Status.id).where(Status.company_id == south.id, Status.is_default)
        ),
        opened_by_id=demo["supervisor"].id,
        updated_by_id=demo["supervisor"].id,
    )
    db.session.add(ticket)
    db.session.commit()
    return ticket
