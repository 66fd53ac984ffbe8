"""The prazo clock of a ticket: its due times, its first answer and its pauses, kept on the
ticket row (first_answer_due_at, resolution_due_at, first_answered_at, sla_paused_at).

Decisions:
- The clock starts at the ticket's opened_at (Incluir, when the protocolo is given), not at
  Confirmar: the Decreto 11.034/2022 counts from the customer's demand, and a draft is
  that demand being written down. Drafts get their columns too; the painel lists only
  confirmed tickets.
- A Motivo's targets are business hours of the Empresa's calendar (its business hours,
  national holidays and its own holidays). Without a Motivo or without its resolution
  target, the resolution is due 7 calendar days later: opened_at + 7 × 24 h, plus the
  calendar time spent paused; without a first-answer target there is no first-answer due.
- Paused: while the situação's category is 'aguardando' (waiting on the customer). Pauses
  are read from the 'situacao' ticket events (written by isocrm.models.ticket's listener);
  a finished pause moves the due times by the business time (business-hour targets) or the
  calendar time (the default) it lasted, when it began before the due time. During a pause
  the due times stay where they were and sla_paused_at says since when it is paused; the
  painel does not count a paused ticket as late.
- First answer: the earliest answered_at of the ticket's details not marked Interno. An
  internal detail (a note to the team, a call to the factory) tells the customer nothing:
  counting its Resposta would stop the first-answer clock while the customer still waits,
  so it does not count; marking or unmarking a detail Interno recomputes the ticket.

`recompute` runs from a before_flush hook (isocrm.models.sla) for every ticket whose
situação, motivo, stage or details' answers change, whatever path made the change.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from isocrm.models import BusinessHours, Holiday, Reason, Status, Ticket, TicketDetail, TicketEvent
from isocrm.models.base import utcnow
from isocrm.models.catalog import STATUS_WAITING
from isocrm.models.ticket import EVENT_STATUS, STAGE_CONFIRMED
from isocrm.sla.worktime import (
    DEFAULT_ZONE,
    Calendar,
    Pause,
    business_due,
    business_time_between,
    calendar_due,
)

DEFAULT_RESOLUTION = timedelta(days=7)
# "Vence em breve": the due time is less than this away.
DUE_SOON = timedelta(hours=4)

STATE_ON_TIME = "No prazo"
STATE_SOON = "Vence em breve"
STATE_LATE = "Atrasado"
STATE_PAUSED = "Pausado (aguardando cliente)"
STATE_MET = "Cumprido"
STATE_MISSED = "Fora do prazo"


def zone() -> ZoneInfo:
    """The desk's time zone (the app's TIMEZONE setting, as the screens show dates)."""
    name = current_app.config.get("TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or DEFAULT_ZONE)


@dataclass
class Context:
    """What a pass over tickets reads once per Empresa: calendar and 'aguardando' ids."""

    session: Session
    calendars: dict[int, Calendar] = field(default_factory=dict)
    waiting: dict[int, frozenset[int]] = field(default_factory=dict)

    def calendar(self, company_id: int) -> Calendar:
        if company_id not in self.calendars:
            self.calendars[company_id] = company_calendar(self.session, company_id)
        return self.calendars[company_id]

    def waiting_ids(self, company_id: int) -> frozenset[int]:
        if company_id not in self.waiting:
            self.waiting[company_id] = frozenset(
                self.session.scalars(
                    sa.select(Status.id).where(
                        Status.company_id == company_id, Status.category == STATUS_WAITING
                    )
                )
            )
        return self.waiting[company_id]


def company_calendar(session: Session, company_id: int) -> Calendar:
    rows = session.execute(
        sa.select(BusinessHours.weekday, BusinessHours.opens, BusinessHours.closes)
        .where(BusinessHours.company_id == company_id)
        .order_by(BusinessHours.weekday, BusinessHours.opens)
    ).all()
    holidays = frozenset(
        session.scalars(sa.select(Holiday.day).where(Holiday.company_id == company_id))
    )
    if not rows:
        return Calendar(holidays=holidays, zone=zone())
    hours: dict[int, list[tuple[int, int]]] = {}
    for weekday, opens, closes in rows:
        hours.setdefault(weekday, []).append((opens, closes))
    return Calendar(
        hours={day: tuple(spans) for day, spans in hours.items()}, holidays=holidays, zone=zone()
    )


# --- pauses -------------------------------------------------------------------------------

Transition = tuple[datetime, int | None, int | None]  # at, from status, to status


def pauses_from(
    transitions: list[Transition],
    current_status_id: int | None,
    waiting: frozenset[int],
    opened_at: datetime,
    now: datetime,
) -> tuple[list[Pause], datetime | None]:
    """Finished pauses (sorted) and the start of the running one (None: not paused).

    The current situação has the last word: a change not yet recorded as an event (in the
    flush that makes it) starts or ends a pause at `now`."""
    paused = transitions[0][1] in waiting if transitions else current_status_id in waiting
    since = opened_at if paused else None
    pauses: list[Pause] = []
    for at, _before, after in transitions:
        now_waiting = after in waiting
        if now_waiting and not paused:
            since, paused = at, True
        elif paused and not now_waiting:
            pauses.append((since, at))
            since, paused = None, False
    if (current_status_id in waiting) != paused:
        if paused:
            pauses.append((since, now))
            since = None
        else:
            since = now
    return pauses, since


# --- recompute ----------------------------------------------------------------------------


def _value(obj, column: str, relation: str):
    """A foreign key, or the key of the object set on its relationship (before the flush
    copies it: Ticket(status=…) has no status_id yet)."""
    related = obj.__dict__.get(relation)
    value = getattr(obj, column)
    if related is not None and (value is None or sa.inspect(obj).attrs[relation].history.added):
        value = related.id
    return value


def _transitions(session: Session, ticket: Ticket, now: datetime) -> list[Transition]:
    found: list[tuple[datetime, int, Transition]] = []
    if ticket.id is not None:
        rows = session.execute(
            sa.select(
                TicketEvent.at, TicketEvent.id, TicketEvent.from_status_id, TicketEvent.to_status_id
            )
            .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == EVENT_STATUS)
            .order_by(TicketEvent.at, TicketEvent.id)
        ).all()
        found = [(at, row_id, (at, before, after)) for at, row_id, before, after in rows]
    pending = [
        obj
        for obj in session.new
        if isinstance(obj, TicketEvent)
        and obj.kind == EVENT_STATUS
        and (
            obj.ticket_id == ticket.id
            if ticket.id is not None
            else obj.__dict__.get("ticket") is ticket
        )
    ]
    for event in pending:
        if event.at is None:
            event.at = now  # the same instant the clock uses
        found.append((event.at, 2**62, (event.at, event.from_status_id, event.to_status_id)))
    history = sa.inspect(ticket).attrs.status_id.history
    if not pending and ticket.id is not None and history.deleted and history.added:
        # The change this flush makes, should its event not be pending yet.
        before, after = history.deleted[0], history.added[0]
        if before != after:
            found.append((now, 2**62, (now, before, after)))
    found.sort(key=lambda item: (item[0], item[1]))
    return [item[2] for item in found]


def _first_answer(session: Session, ticket: Ticket) -> datetime | None:
    if "details" in ticket.__dict__ or ticket.id is None:  # loaded (or all new): it is exact
        answers = [d.answered_at for d in ticket.__dict__.get("details", ()) if not d.internal]
    else:
        in_session = [
            obj
            for obj in (*session.new, *session.dirty)
            if isinstance(obj, TicketDetail)
            and (obj.ticket_id == ticket.id or obj.__dict__.get("ticket") is ticket)
        ]
        deleted = [
            obj.id
            for obj in session.deleted
            if isinstance(obj, TicketDetail) and obj.id is not None
        ]
        skip = [obj.id for obj in in_session if obj.id is not None] + deleted
        stored = session.scalar(
            sa.select(sa.func.min(TicketDetail.answered_at)).where(
                TicketDetail.ticket_id == ticket.id,
                TicketDetail.id.not_in(skip),
                TicketDetail.internal.is_(False),
            )
        )
        answers = [stored] + [
            obj.answered_at for obj in in_session if obj not in session.deleted and not obj.internal
        ]
    answers = [a for a in answers if a is not None]
    return min(answers) if answers else None


def due_times(
    opened_at: datetime,
    reason: Reason | None,
    pauses: list[Pause],
    calendar: Calendar,
) -> tuple[datetime | None, datetime]:
    """(first-answer due or None, resolution due) of a ticket."""
    first = None
    if reason is not None and reason.first_answer_hours:
        first = business_due(opened_at, reason.first_answer_hours, pauses, calendar)
    if reason is not None and reason.resolution_hours:
        resolution = business_due(opened_at, reason.resolution_hours, pauses, calendar)
    else:
        resolution = calendar_due(opened_at, DEFAULT_RESOLUTION, pauses)
    return first, resolution


def recompute(
    session: Session,
    ticket: Ticket,
    now: datetime | None = None,
    *,
    context: Context | None = None,
    transitions: list[Transition] | None = None,
    first_answered_at: datetime | None | bool = False,
) -> None:
    """Set the ticket's four prazo columns from its motivo, situação history, details and
    the Empresa's calendar. `transitions` and `first_answered_at` may be given by a caller
    that read them for many tickets at once (recompute_all)."""
    now = now or utcnow()
    context = context or Context(session)
    company_id = _value(ticket, "company_id", "company")
    reason_id = _value(ticket, "reason_id", "reason")
    status_id = _value(ticket, "status_id", "status")
    opened_at = ticket.opened_at or now
    if ticket.opened_at is None:
        ticket.opened_at = opened_at
    if transitions is None:
        transitions = _transitions(session, ticket, now)
    if first_answered_at is False:
        first_answered_at = _first_answer(session, ticket)
    reason = session.get(Reason, reason_id) if reason_id is not None else None
    pauses, paused_since = pauses_from(
        transitions, status_id, context.waiting_ids(company_id), opened_at, now
    )
    first, resolution = due_times(opened_at, reason, pauses, context.calendar(company_id))
    if ticket.closed_at is not None:
        paused_since = None
    for name, value in (
        ("first_answer_due_at", first),
        ("resolution_due_at", resolution),
        ("first_answered_at", first_answered_at),
        ("sla_paused_at", paused_since),
    ):
        if getattr(ticket, name) != value:
            setattr(ticket, name, value)


_TICKET_WATCHED = ("status_id", "reason_id", "stage", "opened_at", "status", "reason")


def recompute_flushed(session: Session) -> None:
    """The before_flush hook: recompute each ticket this flush changes in a way the clock
    reads. New tickets cost no query beyond the Empresa's calendar (once per flush)."""
    tickets: list[Ticket] = []

    def want(ticket):
        if ticket is not None and all(ticket is not t for t in tickets):
            tickets.append(ticket)

    for obj in session.new:
        if isinstance(obj, Ticket):
            want(obj)
    for obj in session.dirty:
        if isinstance(obj, Ticket):
            state = sa.inspect(obj)
            if any(state.attrs[name].history.has_changes() for name in _TICKET_WATCHED):
                want(obj)
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, TicketDetail):
            state = sa.inspect(obj)
            if obj in session.deleted or any(
                state.attrs[name].history.has_changes() for name in ("answered_at", "internal")
            ):
                ticket = obj.__dict__.get("ticket")
                if ticket is None and obj.ticket_id is not None:
                    ticket = session.get(Ticket, obj.ticket_id)
                want(ticket)
    if not tickets:
        return
    now = utcnow()
    context = Context(session)
    with session.no_autoflush:
        for ticket in tickets:
            if ticket in session.deleted:
                continue
            recompute(session, ticket, now, context=context)


PRAZO_COLUMNS = ("first_answer_due_at", "resolution_due_at", "first_answered_at", "sla_paused_at")


def recompute_all(
    session: Session, company_id: int, now: datetime | None = None, *, closed: bool = False
) -> int:
    """Recompute the Empresa's open tickets (after its calendar or a Motivo's targets
    changed; closed tickets keep the prazos they were judged by, unless `closed`: the demo
    loader, whose history is made up at once). A fixed number of queries per 5,000 tickets
    (tickets, their events, their first answers, the calendar) and one executemany UPDATE
    of the tickets whose columns changed. Returns how many tickets were looked at."""
    now = now or utcnow()
    statement = sa.select(Ticket).where(Ticket.company_id == company_id)
    if not closed:
        statement = statement.where(Ticket.closed_at.is_(None))
    tickets = session.scalars(statement.order_by(Ticket.id)).all()
    if not tickets:
        return 0
    ids = [t.id for t in tickets]
    transitions: dict[int, list[Transition]] = {}
    first: dict[int, datetime] = {}
    for chunk in _chunks(ids):
        for ticket_id, at, before, after in session.execute(
            sa.select(
                TicketEvent.ticket_id,
                TicketEvent.at,
                TicketEvent.from_status_id,
                TicketEvent.to_status_id,
            )
            .where(TicketEvent.ticket_id.in_(chunk), TicketEvent.kind == EVENT_STATUS)
            .order_by(TicketEvent.ticket_id, TicketEvent.at, TicketEvent.id)
        ):
            transitions.setdefault(ticket_id, []).append((at, before, after))
        first.update(
            (ticket_id, answered)
            for ticket_id, answered in session.execute(
                sa.select(TicketDetail.ticket_id, sa.func.min(TicketDetail.answered_at))
                .where(TicketDetail.ticket_id.in_(chunk), TicketDetail.internal.is_(False))
                .group_by(TicketDetail.ticket_id)
            )
        )
    # The Motivos of the Empresa in one query, so session.get finds them in the session.
    session.scalars(sa.select(Reason).where(Reason.company_id == company_id)).all()
    context = Context(session)
    changed = []
    for ticket in tickets:
        before = tuple(getattr(ticket, name) for name in PRAZO_COLUMNS)
        recompute(
            session,
            ticket,
            now,
            context=context,
            transitions=transitions.get(ticket.id, []),
            first_answered_at=first.get(ticket.id),
        )
        after = tuple(getattr(ticket, name) for name in PRAZO_COLUMNS)
        if after != before:
            changed.append(
                {
                    "b_id": ticket.id,
                    **{f"b_{n}": v for n, v in zip(PRAZO_COLUMNS, after, strict=True)},
                }
            )
            for name, value in zip(PRAZO_COLUMNS, after, strict=True):
                set_committed_value(ticket, name, value)
    if changed:
        # One executemany: derived columns only, so neither the ticket's version (an
        # attendant's open screen stays valid) nor its updated_at (nobody edited it) moves.
        table = Ticket.__table__
        session.execute(
            table.update()
            .where(table.c.id == sa.bindparam("b_id"))
            .values(
                {
                    **{name: sa.bindparam(f"b_{name}") for name in PRAZO_COLUMNS},
                    "updated_at": table.c.updated_at,
                }
            ),
            changed,
        )
    return len(tickets)


def _chunks(ids: list[int], size: int = 5000):
    for index in range(0, len(ids), size):
        yield ids[index : index + size]


# --- what the screens say -----------------------------------------------------------------


def due_state(
    due: datetime | None,
    done_at: datetime | None,
    *,
    paused: bool,
    now: datetime,
) -> str | None:
    """One of the STATE_ labels for a due time; None when there is no due time."""
    if due is None:
        return None
    if done_at is not None:
        return STATE_MET if done_at <= due else STATE_MISSED
    if paused:
        return STATE_PAUSED
    if due < now:
        return STATE_LATE
    if due - now <= DUE_SOON:
        return STATE_SOON
    return STATE_ON_TIME


def ticket_states(ticket: Ticket, now: datetime | None = None) -> dict[str, str | None]:
    """The states the ticket screen shows for its two due times."""
    now = now or utcnow()
    paused = ticket.sla_paused_at is not None and ticket.closed_at is None
    return {
        "first_answer": due_state(
            ticket.first_answer_due_at,
            ticket.first_answered_at,
            paused=paused,
            now=now,
        ),
        "resolution": due_state(
            ticket.resolution_due_at,
            ticket.closed_at if ticket.stage == STAGE_CONFIRMED else None,
            paused=paused,
            now=now,
        ),
    }


def paused_remaining(session: Session, ticket: Ticket) -> dict[str, str]:
    """While the clock is paused, what was left of each pending due time when the pause
    began ('restam 30 h úteis'): the frozen due date alone reads as a date long past."""
    if ticket.sla_paused_at is None or ticket.closed_at is not None:
        return {}
    since = ticket.sla_paused_at
    calendar = company_calendar(session, ticket.company_id)
    reason = ticket.reason
    left = {}
    if ticket.first_answer_due_at is not None and ticket.first_answered_at is None:
        left["first_answer"] = _left_text(
            business_time_between(since, ticket.first_answer_due_at, calendar), business=True
        )
    if ticket.resolution_due_at is not None:
        if reason is not None and reason.resolution_hours:
            span = business_time_between(since, ticket.resolution_due_at, calendar)
            left["resolution"] = _left_text(span, business=True)
        else:
            left["resolution"] = _left_text(ticket.resolution_due_at - since, business=False)
    return left


def _left_text(span: timedelta, *, business: bool) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes <= 0:
        return _("prazo já vencido")
    hours, minutes = divmod(minutes, 60)
    amount = " ".join(
        part
        for part in (f"{hours} h" if hours else "", f"{minutes} min" if minutes else "")
        if part
    )
    if business:
        return _("restam %(amount)s úteis", amount=amount)
    return _("restam %(amount)s", amount=amount)
