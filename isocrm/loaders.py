"""Load a record of the current Empresa or stop with 404: views call these, never templates."""

import sqlalchemy as sa
from flask import abort, has_request_context, request
from sqlalchemy.orm import joinedload

from isocrm.extensions import db
from isocrm.models import Alert, Cause, Entity, Occurrence, Reason, Ticket, User
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


# --- registry: Alertas ------------------------------------------------------------------------


def get_alert(entity: Entity, alert_id: int) -> Alert:
    """An alert of `entity` in the current Empresa; another entity's or Empresa's is as missing."""
    alert = db.session.scalar(
        sa.select(Alert).where(
            Alert.id == alert_id,
            Alert.entity_id == entity.id,
            Alert.company_id == current_company().id,
        )
    )
    if alert is None:
        abort(404)
    return alert
