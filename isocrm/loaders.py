"""Load a record of the current Empresa or stop with 404: views call these, never templates."""

import sqlalchemy as sa
from flask import abort, has_request_context, request
from sqlalchemy.orm import joinedload

from isocrm.extensions import db
from isocrm.models import (
    Alert,
    Appointment,
    Attachment,
    Cause,
    DetailInfo,
    Entity,
    Invoice,
    Occurrence,
    Order,
    OutboxMessage,
    Reason,
    Survey,
    SurveyResponse,
    Ticket,
    TicketDetail,
    User,
)
from isocrm.security import current_company


def named_user(relationship):
    """Joined load of a user a page only names (who opened, who answered): without the
    user's Empresas, which are read once per request with the session check instead."""
    return joinedload(relationship).lazyload(User.companies)


def get_entity(entity_id: int, *options) -> Entity:
    """The entity, if it belongs to the current Empresa; another Empresa's is as missing."""
    entity = db.session.scalar(
        sa.select(Entity)
        .where(Entity.id == entity_id, Entity.company_id == current_company().id)
        .options(*options)
    )
    if entity is None:
        abort(404)
    return entity


def get_ticket(code: int, *options) -> Ticket:
    """The ticket with this code in the current Empresa; another Empresa's is as missing.

    A request that changes data locks the ticket's row until it commits (PostgreSQL; SQLite
    already holds its write lock, see database.py): two saves on one ticket queue up, and
    the second one reads the first one's version instead of failing on a stale UPDATE.
    """
    query = (
        sa.select(Ticket)
        .where(Ticket.code == code, Ticket.company_id == current_company().id)
        .options(*options)
    )
    if has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS"):
        query = query.with_for_update(of=Ticket)
    ticket = db.session.scalar(query)
    if ticket is None:
        abort(404)
    return ticket


def catalog_entries(model, company_id: int):
    """SELECT of the Empresa's Motivos, Ocorrências or Causas (model: Reason, Occurrence,
    Cause); the lower levels reach the Empresa through their Motivo."""
    query = sa.select(model)
    if model is Cause:
        query = query.join(Occurrence).join(Reason)
    elif model is Occurrence:
        query = query.join(Reason)
    return query.where(Reason.company_id == company_id)


def get_catalog_entry(model, entry_id: int):
    """The Motivo, Ocorrência or Causa of the current Empresa; another Empresa's is as missing."""
    entry = db.session.scalar(
        catalog_entries(model, current_company().id).where(model.id == entry_id)
    )
    if entry is None:
        abort(404)
    return entry


# --- What is reached through an entity, a ticket or the Empresa: orders, invoices, surveys,
# appointments, alerts, details, information lines, outbox messages. A record of another
# Empresa, or of another entity or ticket than the one the URL names, is as missing.


def _one_or_404(query):
    record = db.session.scalar(query)
    if record is None:
        abort(404)
    return record


def _of_entity(model, entity: Entity, record_id: int, options):
    """The `model` row (it has entity_id and company_id) of this entity, which the caller
    loaded with get_entity: both columns are checked, so an id typed into the URL of
    another entity of the Empresa, or of another Empresa, is as missing."""
    return _one_or_404(
        sa.select(model)
        .where(
            model.id == record_id,
            model.entity_id == entity.id,
            model.company_id == entity.company_id,
        )
        .options(*options)
    )


def get_order(entity: Entity, order_id: int, *options) -> Order:
    """The entity's order."""
    return _of_entity(Order, entity, order_id, options)


def get_invoice(entity: Entity, invoice_id: int, *options) -> Invoice:
    """The entity's NF-e."""
    return _of_entity(Invoice, entity, invoice_id, options)


def survey_responses_of(entity: Entity):
    """SELECT of the entity's answered surveys; a survey reaches its Empresa itself."""
    return (
        sa.select(SurveyResponse)
        .join(Survey, Survey.id == SurveyResponse.survey_id)
        .where(SurveyResponse.entity_id == entity.id, Survey.company_id == entity.company_id)
    )


def get_survey_response(entity: Entity, response_id: int, *options) -> SurveyResponse:
    """The entity's answers to one survey."""
    return _one_or_404(
        survey_responses_of(entity).where(SurveyResponse.id == response_id).options(*options)
    )


def get_appointment(entity: Entity, appointment_id: int, *options) -> Appointment:
    """The entity's appointment."""
    return _of_entity(Appointment, entity, appointment_id, options)


def get_alert(entity: Entity, alert_id: int, *options) -> Alert:
    """The entity's alert."""
    return _of_entity(Alert, entity, alert_id, options)


def get_entity_ticket(entity: Entity, code: int, *options) -> Ticket:
    """The entity's ticket with this code (a link from the entity's screens to a ticket)."""
    return _one_or_404(
        sa.select(Ticket)
        .where(
            Ticket.code == code,
            Ticket.company_id == entity.company_id,
            Ticket.entity_id == entity.id,
        )
        .options(*options)
    )


def get_ticket_detail(ticket: Ticket, detail_id: int, *options) -> TicketDetail:
    """One detail of the ticket (the ticket already loaded with get_ticket, so scoped)."""
    return _one_or_404(
        sa.select(TicketDetail)
        .where(TicketDetail.id == detail_id, TicketDetail.ticket_id == ticket.id)
        .options(*options)
    )


def get_detail_info(ticket: Ticket, detail_id: int, info_id: int, *options) -> DetailInfo:
    """One Informação do detalhe line of this detail of the ticket."""
    return _one_or_404(
        sa.select(DetailInfo)
        .join(TicketDetail)
        .where(
            DetailInfo.id == info_id,
            DetailInfo.detail_id == detail_id,
            TicketDetail.ticket_id == ticket.id,
        )
        .options(*options)
    )


def get_outbox_message(message_id: int, *options) -> OutboxMessage:
    """A message of the current Empresa's Caixa de saída."""
    return _one_or_404(
        sa.select(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.company_id == current_company().id,
        )
        .options(*options)
    )


def get_attachment(attachment_id: int, *options) -> Attachment:
    """An attachment on a ticket of the current Empresa; another Empresa's is as missing."""
    return _one_or_404(
        sa.select(Attachment)
        .where(
            Attachment.id == attachment_id,
            Attachment.company_id == current_company().id,
        )
        .options(*options)
    )
