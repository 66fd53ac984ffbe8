"""Reading a ticket's events (passes of responsável/equipe and situação changes) with the
names they show, for the ticket screen and the entity's Histórico."""

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from isocrm.loaders import named_user
from isocrm.models import TicketEvent


def event_options():
    """Eager loads for everything an event line names: one query for any number of events."""
    return (
        named_user(TicketEvent.user),
        named_user(TicketEvent.from_owner),
        named_user(TicketEvent.to_owner),
        joinedload(TicketEvent.from_team),
        joinedload(TicketEvent.to_team),
        joinedload(TicketEvent.from_status),
        joinedload(TicketEvent.to_status),
    )


EVENT_LABELS = {"responsavel": _l("Atendimento passado"), "situacao": _l("Situação alterada")}
