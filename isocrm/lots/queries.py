"""The lot report and the lot warnings, each a bounded number of grouped SQL queries.

What counts: an Informação line (detail_infos) that names a product (through its
product_info) on a confirmed ticket of the Empresa. Drafts and discarded tickets are left
out: nothing was confirmed in them. A line's date is when the customer told us: the
detail's received_at when it was filled (a message that arrived before the detail was
opened), else its opened_at. Lines without a lot are grouped under "(sem lote)".

What is a complaint: a ticket whose Motivo is marked Reclamação (reasons.is_complaint). The
report shows every line, and counts the complaint tickets beside the total; the warnings
count only complaint tickets (a Dúvida about a lot is no sign of a bad batch).
"""

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from isocrm.models import DetailInfo, Product, ProductInfo, Reason, Ticket, TicketDetail
from isocrm.models.ticket import STAGE_CONFIRMED

NO_LOT = "(sem lote)"
REPORT_MAX_GROUPS = 200  # the report's rows; a longer tail is said, not shown
CODES_PER_GROUP = 20  # ticket links per row, the latest first


@dataclass
class LotGroup:
    product_id: int
    product_code: str
    product_name: str
    lot: str | None  # None: lines without a lot number
    lines: int
    tickets: int
    complaints: int  # distinct tickets whose Motivo is a complaint
    first_at: datetime
    last_at: datetime
    codes: list[int] = field(default_factory=list)

    @property
    def lot_label(self) -> str:
        return self.lot or NO_LOT

    @property
    def more_codes(self) -> int:
        return self.tickets - len(self.codes)


@dataclass
class LotReport:
    groups: list[LotGroup]
    total_groups: int


def line_date():
    return sa.func.coalesce(TicketDetail.received_at, TicketDetail.opened_at)


def _lot_key():
    # An empty or blank lot is no lot: group it with the NULLs.
    return sa.func.nullif(sa.func.trim(DetailInfo.lot_number), "")


def _lines(
    company_id: int,
    start: datetime | None,
    end: datetime | None,
    product_id=None,
    complaints_only=False,
):
    """FROM/WHERE of the Empresa's counted lines, in the period [start, end); with
    complaints_only, only the lines of tickets whose Motivo is a complaint."""
    when = line_date()
    stmt = (
        sa.select()
        .select_from(DetailInfo)
        .join(ProductInfo, ProductInfo.id == DetailInfo.product_info_id)
        .join(Product, Product.id == ProductInfo.product_id)
        .join(TicketDetail, TicketDetail.id == DetailInfo.detail_id)
        .join(Ticket, Ticket.id == TicketDetail.ticket_id)
        .outerjoin(Reason, Reason.id == Ticket.reason_id)
        .where(
            Product.company_id == company_id,
            Ticket.company_id == company_id,
            Ticket.stage == STAGE_CONFIRMED,
        )
    )
    if start is not None:
        stmt = stmt.where(when >= start)
    if end is not None:
        stmt = stmt.where(when < end)
    if product_id is not None:
        stmt = stmt.where(Product.id == product_id)
    if complaints_only:
        stmt = stmt.where(Reason.is_complaint)
    return stmt


def lot_report(
    session: Session,
    company_id: int,
    start: datetime | None,
    end: datetime | None,
    product_id: int | None = None,
) -> LotReport:
    """Lines grouped by product and lot, most lines first: two queries whatever the size."""
    when, lot = line_date(), _lot_key()
    base = _lines(company_id, start, end, product_id)
    grouped = base.add_columns(
        sa.func.count().over().label("total_groups"),  # counted in the same pass
        Product.id,
        Product.code,
        Product.name,
        lot.label("lot"),
        sa.func.count(DetailInfo.id).label("lines"),
        sa.func.count(sa.distinct(Ticket.id)).label("tickets"),
        sa.func.count(sa.distinct(sa.case((Reason.is_complaint, Ticket.id)))).label("complaints"),
        sa.func.min(when).label("first_at"),
        sa.func.max(when).label("last_at"),
    ).group_by(Product.id, Product.code, Product.name, lot)
    rows = session.execute(
        grouped.order_by(
            sa.desc("lines"), sa.desc("tickets"), Product.name, sa.nulls_last(sa.asc("lot"))
        ).limit(REPORT_MAX_GROUPS)
    ).all()
    groups = [
        LotGroup(
            product_id=r[1],
            product_code=r[2],
            product_name=r[3],
            lot=r.lot,
            lines=r.lines,
            tickets=r.tickets,
            complaints=r.complaints,
            first_at=_aware(r.first_at),
            last_at=_aware(r.last_at),
        )
        for r in rows
    ]
    if groups:
        _fill_codes(session, base, groups)
    return LotReport(groups=groups, total_groups=rows[0].total_groups if rows else 0)


def _fill_codes(session: Session, base, groups: list[LotGroup]) -> None:
    """The latest CODES_PER_GROUP ticket codes of each group shown, in one query."""
    lot = _lot_key()
    per_ticket = (
        base.add_columns(
            Product.id.label("product_id"),
            lot.label("lot"),
            Ticket.code.label("code"),
            sa.func.max(line_date()).label("at"),
        )
        .where(Product.id.in_({g.product_id for g in groups}), _shown_lots(groups))
        .group_by(Product.id, lot, Ticket.code)
        .subquery()
    )
    ranked = sa.select(
        per_ticket.c.product_id,
        per_ticket.c.lot,
        per_ticket.c.code,
        sa.func.row_number()
        .over(
            partition_by=(per_ticket.c.product_id, per_ticket.c.lot),
            order_by=(per_ticket.c.at.desc(), per_ticket.c.code.desc()),
        )
        .label("position"),
    ).subquery()
    rows = session.execute(
        sa.select(ranked.c.product_id, ranked.c.lot, ranked.c.code)
        .where(ranked.c.position <= CODES_PER_GROUP)
        .order_by(ranked.c.product_id, ranked.c.lot, ranked.c.position)
    ).all()
    by_key = {(g.product_id, g.lot): g for g in groups}
    for product_id, lot_value, code in rows:
        group = by_key.get((product_id, lot_value))
        if group is not None:
            group.codes.append(code)


def lot_export(
    session: Session | Connection,
    company_id: int,
    start: datetime | None,
    end: datetime | None,
    product_id: int | None = None,
    chunk: int = 1000,
) -> Iterator[LotGroup]:
    """Every group of the report (no REPORT_MAX_GROUPS), in its order, each with all its
    ticket codes, the latest first: one query, read `chunk` rows at a time.

    A row per (product, lot, ticket), the group's totals beside it as window aggregates:
    sorted by them first and by product and lot next, a group's rows come together, and
    are folded into one LotGroup as they arrive (only one group's codes are held). The
    query runs here; the groups are made as the caller reads them."""
    when, lot = line_date(), _lot_key()
    per_ticket = (
        _lines(company_id, start, end, product_id)
        .add_columns(
            Product.id.label("product_id"),
            Product.code.label("product_code"),
            Product.name.label("product_name"),
            lot.label("lot"),
            Ticket.code.label("code"),
            sa.func.count(DetailInfo.id).label("lines"),
            sa.func.max(sa.case((Reason.is_complaint, 1), else_=0)).label("complaint"),
            sa.func.min(when).label("first_at"),
            sa.func.max(when).label("last_at"),
        )
        .group_by(Product.id, Product.code, Product.name, lot, Ticket.id, Ticket.code)
        .subquery()
    )
    t = per_ticket.c
    group = (t.product_id, t.lot)
    rows = session.execute(
        sa.select(
            t.product_id,
            t.product_code,
            t.product_name,
            t.lot,
            t.code,
            sa.func.sum(t.lines).over(partition_by=group).label("group_lines"),
            sa.func.count().over(partition_by=group).label("group_tickets"),
            sa.func.sum(t.complaint).over(partition_by=group).label("group_complaints"),
            sa.func.min(t.first_at).over(partition_by=group).label("group_first"),
            sa.func.max(t.last_at).over(partition_by=group).label("group_last"),
        )
        .order_by(
            sa.desc("group_lines"),
            sa.desc("group_tickets"),
            t.product_name,
            sa.nulls_last(t.lot.asc()),
            t.product_id,
            t.last_at.desc(),
            t.code.desc(),
        )
        .execution_options(yield_per=chunk)
    )
    return _folded(rows)


def _folded(rows) -> Iterator[LotGroup]:
    for _, members in itertools.groupby(rows, key=lambda row: (row.product_id, row.lot)):
        group = list(members)  # one group's rows: a few ints each
        first = group[0]
        yield LotGroup(
            product_id=first.product_id,
            product_code=first.product_code,
            product_name=first.product_name,
            lot=first.lot,
            lines=int(first.group_lines),  # sum() is a numeric on PostgreSQL
            tickets=first.group_tickets,
            complaints=int(first.group_complaints),
            first_at=_aware(first.group_first),
            last_at=_aware(first.group_last),
            codes=[row.code for row in group],
        )


def _shown_lots(groups: list[LotGroup]):
    """Only the lines of the lots shown (by the raw column, so its index serves): the links
    of a page of 200 groups must not rank every ticket of a long period."""
    lots = {g.lot for g in groups if g.lot is not None}
    # A stored lot may carry spaces around it: match the trimmed value the groups show.
    matches = [sa.func.trim(DetailInfo.lot_number).in_(lots)] if lots else []
    if any(g.lot is None for g in groups):
        matches.append(_lot_key().is_(None))
    return sa.or_(*matches)


def _aware(value):
    """min()/max() of a UTCDateTime come back raw on SQLite (naive UTC, even as text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# --- warnings ---------------------------------------------------------------------------


@dataclass
class LotWarning:
    product_id: int
    product_code: str
    product_name: str
    lot: str
    days: int
    threshold: int
    codes: list[int]  # the complaint tickets in the window, latest first

    @property
    def complaints(self) -> int:
        return len(self.codes)


def lot_warnings(session: Session, company_id: int, now: datetime) -> list[LotWarning]:
    """Lots of the products with a threshold whose complaints (distinct tickets whose
    Motivo is a complaint) in the product's last N days reach its count; most complaints
    first. Lines without a lot do not warn: there is no batch to pull. Two queries whatever
    the data."""
    watched = session.execute(
        sa.select(Product.id, Product.lot_alert_count, Product.lot_alert_days).where(
            Product.company_id == company_id, Product.lot_alert_count.is_not(None)
        )
    ).all()
    if not watched:
        return []
    rules = {pid: (count, days) for pid, count, days in watched}
    widest = now - timedelta(days=max(days for _, days in rules.values()))
    lot = _lot_key()
    rows = session.execute(
        _lines(company_id, widest, None, complaints_only=True)
        .add_columns(
            Product.id,
            Product.code,
            Product.name,
            lot.label("lot"),
            Ticket.code,
            sa.func.max(line_date()).label("at"),
        )
        .where(Product.id.in_(rules), lot.is_not(None), line_date() <= now)
        .group_by(Product.id, Product.code, Product.name, lot, Ticket.code)
        .order_by(Product.id, lot, sa.desc("at"), Ticket.code.desc())
    ).all()
    found: dict[tuple[int, str], LotWarning] = {}
    for product_id, product_code, product_name, lot_value, code, at in rows:
        count, days = rules[product_id]
        if _aware(at) < now - timedelta(days=days):
            continue
        key = (product_id, lot_value)
        if key not in found:
            found[key] = LotWarning(
                product_id, product_code, product_name, lot_value, days, count, []
            )
        found[key].codes.append(code)
    warnings = [w for w in found.values() if w.complaints >= w.threshold]
    return sorted(warnings, key=lambda w: (-w.complaints, w.product_name, w.lot))
