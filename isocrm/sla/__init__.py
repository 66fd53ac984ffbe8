"""Prazos (SLA): the clock of each ticket (clock.py, on business time from worktime.py), the
supervisor's configuration (business hours, holidays, Motivos' targets) and the report."""

from flask import Blueprint

bp = Blueprint("sla", __name__)


@bp.app_template_global()
def sla_states(ticket):
    """The states of a ticket's two due times, for the ticket screen's partial."""
    from isocrm.sla.clock import ticket_states

    return ticket_states(ticket)


@bp.app_template_global()
def sla_paused_left(ticket):
    """While paused: the time left of each pending due time, for the ticket screen."""
    from isocrm.extensions import db
    from isocrm.sla.clock import paused_remaining

    return paused_remaining(db.session, ticket)


from isocrm.sla import views  # noqa: E402,F401
