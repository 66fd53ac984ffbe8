"""What every screen that shows a ticket reads (the ticket screen, the printed report, the
e-mail composer): the eager-load option sets and the detail page, in queries whose number
does not grow with the ticket."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from isocrm.loaders import named_user
from isocrm.models import DetailInfo, Entity, ProductInfo, Ticket, TicketDetail


def ticket_screen_options():
    """Eager loads for everything the ticket header, category and entity card show, in the
    ticket's own query: many-to-ones and the entity's Principal rows are joined, and the
    entity's papéis and unidades come as ids whose names the cached catalogue holds."""
    entity = joinedload(Ticket.entity)
    return (
        entity.undefer(Entity.role_ids),
        entity.undefer(Entity.unit_ids),
        entity.joinedload(Entity.main_address),
        entity.joinedload(Entity.main_phone),
        entity.joinedload(Entity.main_econtact),
        joinedload(Ticket.role),
        joinedload(Ticket.status),
        joinedload(Ticket.reason),
        joinedload(Ticket.occurrence),
        joinedload(Ticket.cause),
        joinedload(Ticket.unit),
        joinedload(Ticket.location),
        named_user(Ticket.opened_by),
        named_user(Ticket.updated_by),
        joinedload(Ticket.related_ticket).joinedload(Ticket.entity),
        named_user(Ticket.owner),
        joinedload(Ticket.team),
    )


def detail_options():
    """Eager loads for what the detail panel shows: one query, its lines joined (a detail
    has at most MAX_INFO_LINES of them)."""
    return (
        joinedload(TicketDetail.channel),
        named_user(TicketDetail.attendant),
        joinedload(TicketDetail.contact),
        joinedload(TicketDetail.informations)
        .joinedload(DetailInfo.product_info)
        .joinedload(ProductInfo.product),
        selectinload(TicketDetail.attachments),
    )


@dataclass
class DetailPage:
    detail: TicketDetail | None  # None: a new detail being written
    number: int  # 1-based page shown
    total: int  # saved details

    @property
    def is_new(self) -> bool:
        return self.detail is None


def detail_page(
    session: Session, ticket: Ticket, number: int | None, total: int | None = None
) -> DetailPage:
    """Detail `number` of the ticket (the last one when None; total + 1 means a new one).
    `total`, the ticket's saved details, when the caller already read it."""
    if total is None:
        total = session.scalar(
            sa.select(sa.func.count())
            .select_from(TicketDetail)
            .where(TicketDetail.ticket_id == ticket.id)
        )
    if number is None:
        number = max(total, 1)
    if number > total or total == 0:
        return DetailPage(None, total + 1, total)
    number = max(number, 1)
    detail = (
        session.scalars(
            sa.select(TicketDetail)
            .where(TicketDetail.ticket_id == ticket.id)
            .order_by(TicketDetail.opened_at, TicketDetail.id)
            .offset(number - 1)
            .limit(1)
            .options(*detail_options())
        )
        .unique()
        .first()
    )
    return DetailPage(detail, number, total)
