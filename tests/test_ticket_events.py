"""A confirmed ticket's situação change is recorded once, whatever path made it."""

import sqlalchemy as sa

from isocrm.models import Status, Ticket, TicketEvent
from isocrm.models.catalog import STATUS_WAITING
from isocrm.models.ticket import EVENT_STATUS, STAGE_CONFIRMED


def test_status_change_of_a_confirmed_ticket_is_an_event(app, db, demo):
    with app.app_context():
        session = db.session
        ticket = session.scalars(
            sa.select(Ticket).where(Ticket.stage == STAGE_CONFIRMED, Ticket.closed_at.is_(None))
        ).first()
        waiting = session.scalars(
            sa.select(Status).where(
                Status.company_id == ticket.company_id, Status.category == STATUS_WAITING
            )
        ).first()
        before = ticket.status_id
        assert waiting is not None and waiting.id != before
        ticket.status_id = waiting.id
        session.commit()
        ticket.complementary_data = (ticket.complementary_data or "") + " x"
        session.commit()  # a change that is not the situação adds no event
        events = session.scalars(
            sa.select(TicketEvent).where(
                TicketEvent.ticket_id == ticket.id, TicketEvent.kind == EVENT_STATUS
            )
        ).all()
        assert [(e.from_status_id, e.to_status_id, e.user_id) for e in events] == [
            (before, waiting.id, ticket.updated_by_id)
        ]
