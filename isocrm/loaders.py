"""Load a record of the current Empresa or stop with 404: views call these, never templates."""

import sqlalchemy as sa
from flask import abort

from isocrm.extensions import db
from isocrm.models import Entity, Ticket
from isocrm.security import current_company


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
    """The ticket with this code in the current Empresa; another Empresa's is as missing."""
    ticket = db.session.scalar(
        sa.select(Ticket)
        .where(Ticket.code == code, Ticket.company_id == current_company().id)
        .options(*options)
    )
    if ticket is None:
        abort(404)
    return ticket
