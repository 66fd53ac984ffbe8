"""Rules of a ticket that deserve a name: its code, its closing date and concurrent edits."""

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from isocrm.models import Company, Status, Ticket
from isocrm.models.base import utcnow


def take_next_code(session: Session, company_id: int) -> int:
    """The Empresa's next ticket code, inside the caller's transaction.

    The counter row is bumped with one UPDATE … RETURNING: PostgreSQL locks that row until
    the transaction ends and SQLite holds its write lock, so concurrent saves queue up and
    get consecutive codes; a save that rolls back gives its code back, so there are no gaps.
    """
    return session.execute(
        sa.update(Company)
        .where(Company.id == company_id)
        .values(last_ticket_code=Company.last_ticket_code + 1)
        .returning(Company.last_ticket_code)
        .execution_options(synchronize_session=False)
    ).scalar_one()


def apply_status(ticket: Ticket, status: Status) -> None:
    """Data fechamento follows the situação: set on closing, cleared on reopening."""
    ticket.status = status
    ticket.status_id = status.id
    if status.is_closed and ticket.closed_at is None:
        ticket.closed_at = max(utcnow(), ticket.opened_at) if ticket.opened_at else utcnow()
    elif not status.is_closed:
        ticket.closed_at = None


def ticket_values(ticket: Ticket, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(ticket, name) for name in fields}


@dataclass
class FieldConflict:
    """A field the other attendant changed since this one loaded the ticket."""

    name: str
    label: str
    theirs: Any
    mine: Any
    theirs_display: str
    mine_display: str
    both_changed: bool


def changed_by_others(
    base: dict[str, Any], mine: dict[str, Any], theirs: dict[str, Any]
) -> list[str]:
    """Fields whose stored value moved away from what this attendant saw."""
    return [name for name in mine if _norm(theirs.get(name)) != _norm(base.get(name))]


def _norm(value: Any) -> Any:
    return None if value in ("", None) else value
