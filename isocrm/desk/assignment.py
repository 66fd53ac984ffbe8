"""Responsável and equipe of a ticket: passing it on, with a note kept in its history.

Every path that changes who holds a ticket (the ticket screen, the painel's bulk action)
goes through `assign`, which checks the new holder against the ticket's Empresa: an id typed
into a hidden field never hands a ticket to someone outside it."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from isocrm.models import Team, Ticket, TicketEvent, User
from isocrm.models.ticket import EVENT_ASSIGNED
from isocrm.models.user import user_companies

NOTE_MAX_LENGTH = 2000


class AssignmentError(ValueError):
    """The chosen holder cannot take the ticket; the message is for the attendant."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Holder:
    owner: User | None
    team: Team | None


def company_user(session: Session, company_id: int, user_id: int | None) -> User | None:
    """An active user of the Empresa, or None for "nobody"; AssignmentError otherwise."""
    if user_id is None:
        return None
    user = session.scalar(
        sa.select(User)
        .join(user_companies, user_companies.c.user_id == User.id)
        .where(User.id == user_id, User.active, user_companies.c.company_id == company_id)
    )
    if user is None:
        raise AssignmentError(_("Escolha um atendente ativo desta empresa."), "owner")
    return user


def company_team(session: Session, company_id: int, team_id: int | None) -> Team | None:
    """An active equipe of the Empresa, or None; AssignmentError otherwise."""
    if team_id is None:
        return None
    team = session.scalar(
        sa.select(Team).where(Team.id == team_id, Team.company_id == company_id, Team.active)
    )
    if team is None:
        raise AssignmentError(_("Escolha uma equipe ativa desta empresa."), "team")
    return team


def resolve_holder(
    session: Session, company_id: int, owner_id: int | None, team_id: int | None
) -> Holder:
    return Holder(
        company_user(session, company_id, owner_id), company_team(session, company_id, team_id)
    )


def assign(
    session: Session, ticket: Ticket, holder: Holder, *, by_user_id: int, note: str | None
) -> TicketEvent | None:
    """Pass the ticket to `holder` (a person, a team, both, or nobody) and record it with the
    note. Nothing happens, and None is returned, when the holder is the one it already has."""
    note = (note or "").strip() or None
    if note is not None and len(note) > NOTE_MAX_LENGTH:
        raise AssignmentError(
            _("A observação pode ter no máximo %(max)s caracteres.", max=NOTE_MAX_LENGTH), "note"
        )
    new_owner_id = holder.owner.id if holder.owner else None
    new_team_id = holder.team.id if holder.team else None
    if (ticket.owner_id, ticket.team_id) == (new_owner_id, new_team_id):
        return None
    event = TicketEvent(
        ticket_id=ticket.id,
        user_id=by_user_id,
        kind=EVENT_ASSIGNED,
        from_owner_id=ticket.owner_id,
        to_owner_id=new_owner_id,
        from_team_id=ticket.team_id,
        to_team_id=new_team_id,
        note=note,
    )
    ticket.owner_id = new_owner_id
    ticket.team_id = new_team_id
    ticket.updated_by_id = by_user_id
    session.add(event)
    return event
