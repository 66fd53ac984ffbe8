"""The "Prazos" report: of the tickets opened in a period, the share answered and resolved
within their targets, per Responsável and per Motivo. Two GROUP BY statements, whatever
the number of tickets or groups.

Definitions (per due time; a ticket without a first-answer target counts only for the
resolution):
- within target ("no prazo"): answered / concluded (situação of category Concluído) at or
  before the due time;
- late ("fora do prazo"): answered / closed after the due time, or still not answered /
  open with the due time past, unless paused since before its due time (then the clock
  has not reached it yet);
- pending: neither yet; not in the percentage. % = within / (within + late).
- Cancelled tickets do not count for the resolution (nothing was resolved, nor failed).
- Per attendant means per Responsável (owner_id): whose work the ticket is now, who answers
  for its prazo; tickets without one are "Sem responsável".
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from isocrm.models import Reason, Status, Ticket, User
from isocrm.models.base import UTCDateTime
from isocrm.models.catalog import STATUS_CANCELLED, STATUS_DONE
from isocrm.models.ticket import STAGE_CONFIRMED
from isocrm.sla.clock import zone


@dataclass
class Row:
    label: str
    total: int
    answer_met: int
    answer_late: int
    resolution_met: int
    resolution_late: int

    @staticmethod
    def _pct(met: int, late: int) -> float | None:
        return 100.0 * met / (met + late) if met + late else None

    @property
    def answer_pct(self) -> float | None:
        return self._pct(self.answer_met, self.answer_late)

    @property
    def resolution_pct(self) -> float | None:
        return self._pct(self.resolution_met, self.resolution_late)


def _measures(now: datetime):
    now_param = sa.bindparam("now", now, type_=UTCDateTime())
    t = Ticket
    paused_before = sa.and_(
        t.closed_at.is_(None), t.sla_paused_at.is_not(None), t.sla_paused_at < t.resolution_due_at
    )
    paused_before_answer = sa.and_(
        t.closed_at.is_(None), t.sla_paused_at.is_not(None), t.sla_paused_at < t.first_answer_due_at
    )
    answer_met = sa.and_(
        t.first_answer_due_at.is_not(None),
        t.first_answered_at.is_not(None),
        t.first_answered_at <= t.first_answer_due_at,
    )
    answer_late = sa.and_(
        t.first_answer_due_at.is_not(None),
        sa.or_(
            t.first_answered_at > t.first_answer_due_at,
            sa.and_(
                t.first_answered_at.is_(None),
                t.first_answer_due_at < now_param,
                sa.not_(paused_before_answer),
            ),
        ),
    )
    counted = Status.category != STATUS_CANCELLED
    resolution_met = sa.and_(
        Status.category == STATUS_DONE,
        t.closed_at.is_not(None),
        t.closed_at <= t.resolution_due_at,
    )
    resolution_late = sa.and_(
        counted,
        t.resolution_due_at.is_not(None),
        sa.or_(
            t.closed_at > t.resolution_due_at,
            sa.and_(
                t.closed_at.is_(None),
                t.resolution_due_at < now_param,
                sa.not_(paused_before),
            ),
        ),
    )

    def count_if(condition):
        return sa.func.sum(sa.case((condition, 1), else_=0))

    return (
        sa.func.count(t.id),
        count_if(answer_met),
        count_if(answer_late),
        count_if(resolution_met),
        count_if(resolution_late),
    )


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) at the desk's time zone."""
    tz = zone()
    return (
        datetime.combine(start, time(0), tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time(0), tzinfo=tz),
    )


def _base(company_id: int, start: datetime, end: datetime, now: datetime, *group):
    return (
        sa.select(*group, *_measures(now))
        .select_from(Ticket)
        .join(Status, Status.id == Ticket.status_id)
        .where(
            Ticket.company_id == company_id,
            Ticket.stage == STAGE_CONFIRMED,
            Ticket.opened_at >= sa.bindparam("start", start, type_=UTCDateTime()),
            Ticket.opened_at < sa.bindparam("end", end, type_=UTCDateTime()),
        )
    )


def _rows(result, fallback: str) -> list[Row]:
    rows = [
        Row(label or fallback, int(total), *(int(v or 0) for v in values))
        for label, total, *values in result
    ]
    return sorted(rows, key=lambda r: (r.label == fallback, r.label.casefold()))


def by_owner(session: Session, company_id: int, start, end, now) -> list[Row]:
    statement = (
        _base(company_id, start, end, now, Ticket.owner_id, User.name)
        .outerjoin(User, User.id == Ticket.owner_id)
        .group_by(Ticket.owner_id, User.name)
    )
    return _rows(
        ((name, *rest) for _id, name, *rest in session.execute(statement)), _("Sem responsável")
    )


def by_reason(session: Session, company_id: int, start, end, now) -> list[Row]:
    statement = (
        _base(company_id, start, end, now, Ticket.reason_id, Reason.name)
        .outerjoin(Reason, Reason.id == Ticket.reason_id)
        .group_by(Ticket.reason_id, Reason.name)
    )
    return _rows(
        ((name, *rest) for _id, name, *rest in session.execute(statement)), _("Sem motivo")
    )


def totals(rows: list[Row]) -> Row:
    return Row(
        _("Total"),
        sum(r.total for r in rows),
        sum(r.answer_met for r in rows),
        sum(r.answer_late for r in rows),
        sum(r.resolution_met for r in rows),
        sum(r.resolution_late for r in rows),
    )
