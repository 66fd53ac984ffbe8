"""The customer's history: what it lists, its text for the e-mail, and the record of each
delivery (the 5-day deadline of art. 12 §2 runs from the request)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from isocrm.loaders import named_user
from isocrm.mail.service import message_by_key, new_message_id
from isocrm.models import (
    Company,
    DetailInfo,
    Entity,
    HistoryDelivery,
    OutboxMessage,
    ProductInfo,
    Ticket,
    TicketDetail,
    User,
)
from isocrm.models.base import utcnow
from isocrm.models.history_delivery import METHOD_EMAIL, METHOD_PRINT
from isocrm.models.ticket import STAGE_CONFIRMED
from isocrm.ticket_reads import for_customer

DEADLINE_DAYS = 5  # Decreto 11.034/2022, art. 12 §2: calendar days from the request
DELIVERIES_SHOWN = 50


def customer_tickets(session: Session, company_id: int, entity_id: int) -> list[Ticket]:
    """Every confirmed demand of the customer in the Empresa, oldest first, with its
    details and their lines: four queries whatever their number. The details marked
    Interno are loaded too: whatever shows them to the customer skips them (for_customer)."""
    return list(
        session.scalars(
            sa.select(Ticket)
            .where(
                Ticket.company_id == company_id,
                Ticket.entity_id == entity_id,
                Ticket.stage == STAGE_CONFIRMED,
            )
            .options(
                joinedload(Ticket.status),
                joinedload(Ticket.reason),
                joinedload(Ticket.occurrence),
                selectinload(Ticket.details).options(
                    joinedload(TicketDetail.channel),
                    selectinload(TicketDetail.informations)
                    .joinedload(DetailInfo.product_info)
                    .joinedload(ProductInfo.product),
                ),
            )
            .order_by(Ticket.opened_at, Ticket.id)
        )
    )


def deliveries(session: Session, company_id: int, entity_id: int) -> list[HistoryDelivery]:
    return list(
        session.scalars(
            sa.select(HistoryDelivery)
            .where(HistoryDelivery.company_id == company_id, HistoryDelivery.entity_id == entity_id)
            .options(named_user(HistoryDelivery.user), joinedload(HistoryDelivery.outbox_message))
            .order_by(HistoryDelivery.at.desc(), HistoryDelivery.id.desc())
            .limit(DELIVERIES_SHOWN)
        )
    )


@dataclass
class Deadline:
    requested_on: date
    due_on: date
    delivered_on: date

    @property
    def late_days(self) -> int:
        return (self.delivered_on - self.due_on).days

    @property
    def in_time(self) -> bool:
        return self.late_days <= 0


def deadline(delivery: HistoryDelivery, zone: ZoneInfo) -> Deadline | None:
    if delivery.requested_on is None:
        return None
    return Deadline(
        requested_on=delivery.requested_on,
        due_on=delivery.requested_on + timedelta(days=DEADLINE_DAYS),
        delivered_on=delivery.at.astimezone(zone).date(),
    )


def _local(value: datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%d/%m/%Y %H:%M") if value else "—"


def subject(company: Company) -> str:
    return f"Histórico dos seus atendimentos - {company.name}"


def email_body(company: Company, entity: Entity, tickets: list[Ticket], zone: ZoneInfo) -> str:
    """The history as plain text (the Caixa de saída sends text): every demand with each
    detail's date, canal, descrição and resposta, oldest first."""
    lines = [
        f"Olá, {entity.name}.",
        "",
        f"Conforme solicitado, segue o histórico dos seus atendimentos com {company.name} "
        f"({len(tickets)} atendimento(s)).",
        "",
    ]
    for ticket in tickets:
        lines.append("=" * 60)
        title = f"Atendimento {ticket.code_display} - aberto em {_local(ticket.opened_at, zone)}"
        lines.append(title)
        facts = [f"Situação: {ticket.status.name}"]
        if ticket.reason:
            facts.append(f"Motivo: {ticket.reason.name}")
        if ticket.occurrence:
            facts.append(f"Ocorrência: {ticket.occurrence.name}")
        if ticket.closed_at:
            facts.append(f"Encerrado em {_local(ticket.closed_at, zone)}")
        lines.append(" · ".join(facts))
        for number, detail in enumerate(for_customer(ticket.details), start=1):
            when = _local(detail.received_at or detail.opened_at, zone)
            lines += [
                "",
                f"  {number}. {when} · {detail.channel.name} · {detail.direction_label}",
                "  Descrição: " + _indent(detail.description),
                "  Resposta: " + _indent(detail.answer or "(sem resposta registrada)"),
            ]
            for info in detail.informations:
                if info.product_info:
                    lot = f" · lote {info.lot_number}" if info.lot_number else ""
                    lines.append(f"  Produto: {info.product_info.product.name}{lot}")
        lines.append("")
    if not tickets:
        lines.append("Não há atendimentos registrados.")
    lines += ["", "Atenciosamente,", company.name]
    return "\n".join(lines)


def _indent(text: str) -> str:
    return text.strip().replace("\n", "\n    ")


def record(
    session: Session,
    *,
    company: Company,
    entity: Entity,
    user: User,
    method: str,
    ticket_count: int,
    requested_on: date | None,
    recipient: str | None = None,
    outbox: OutboxMessage | None = None,
) -> HistoryDelivery:
    delivery = HistoryDelivery(
        company_id=company.id,
        entity_id=entity.id,
        user_id=user.id,
        at=utcnow(),
        method=method,
        recipient=recipient,
        outbox_message=outbox,
        ticket_count=ticket_count,
        requested_on=requested_on,
    )
    session.add(delivery)
    return delivery


def queue_email(
    session: Session,
    *,
    company: Company,
    entity: Entity,
    user: User,
    address: str,
    body: str,
    send_key: str,
    ticket_count: int,
    requested_on: date | None,
) -> tuple[OutboxMessage, bool]:
    """The history in the Caixa de saída and its delivery recorded, in one transaction,
    before any SMTP server is talked to. (message, False): this form was already sent."""
    existing = message_by_key(company, send_key)
    if existing is not None:
        return existing, False
    outbox = OutboxMessage(
        company_id=company.id,
        entity_id=entity.id,
        to_address=address,
        subject=subject(company),
        body=body,
        created_by_id=user.id,
        created_at=utcnow(),
        send_key=send_key,
        message_id=new_message_id(),  # a reply to it is then known as one (In-Reply-To)
    )
    record(
        session,
        company=company,
        entity=entity,
        user=user,
        method=METHOD_EMAIL,
        ticket_count=ticket_count,
        requested_on=requested_on,
        recipient=address,
        outbox=outbox,
    )
    try:
        session.flush()
        session.commit()
    except sa.exc.IntegrityError:
        session.rollback()  # the same form submitted twice at once: the other one saved it
        existing = message_by_key(company, send_key)
        if existing is None:
            raise
        return existing, False
    return outbox, True


__all__ = ["METHOD_EMAIL", "METHOD_PRINT"]
