"""The painel's queries: its tabs, their counts, the counts by situação and the list.

Every statement is scoped to one Empresa. The tabs are conditions on the ticket row alone,
so one aggregate counts all of them, read through the painel's indexes (company, owner or
team, closed_at). "Da minha equipe" is the open tickets held by one of my active equipes
(Ticket.team_id), whoever the person holding them is: a ticket passed to a colleague of my
equipe without naming the equipe is that colleague's, not the equipe's.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session, aliased, contains_eager, joinedload
from wtforms.validators import ValidationError

from isocrm.fields import BrDateField, ChoiceField, local_to_utc
from isocrm.models import (
    Entity,
    Reason,
    Status,
    SurveyInvitation,
    Team,
    Ticket,
    TicketDetail,
    User,
    team_members,
)
from isocrm.models.catalog import CLOSED_CATEGORIES, STATUS_CANCELLED
from isocrm.models.ticket import STAGE_CONFIRMED, STAGE_DRAFT
from isocrm.models.user import mailbox_username, user_companies
from isocrm.sla.clock import DUE_SOON, zone  # as the ticket screen

PAGE_SIZE = 25
# Closed situações are counted over this many days (open ones over every open ticket): a
# count of every ticket ever closed would read the whole history of the Empresa per poll.
CLOSED_COUNT_DAYS = 30

TAB_MINE = "meus"
TAB_TEAM = "equipe"
TAB_UNASSIGNED = "sem-responsavel"
TAB_LATE = "atrasados"
TAB_DRAFTS = "rascunhos"
TAB_ALL = "todos"
TABS = {
    TAB_MINE: _l("Meus"),
    TAB_TEAM: _l("Da minha equipe"),
    TAB_UNASSIGNED: _l("Sem responsável"),
    TAB_LATE: _l("Atrasados"),
    TAB_DRAFTS: _l("Rascunhos"),
    TAB_ALL: _l("Todos"),
}

# ?ordem= → the columns sorted on (a leading "-" reverses); nothing else reaches ORDER BY.
ORDERS = {
    "codigo": (Ticket.code,),
    "aberto": (Ticket.opened_at,),
    "prazo": (Ticket.resolution_due_at,),
    "situacao": (Status.position, Status.name),
    # The folded name (indexed): "Cícero" before "Confeitaria"; the name breaks ties.
    "entidade": (Entity.search_name, Entity.name),
    "motivo": (sa.select(Reason.name).where(Reason.id == Ticket.reason_id).scalar_subquery(),),
    "responsavel": (sa.select(User.name).where(User.id == Ticket.owner_id).scalar_subquery(),),
}
DEFAULT_ORDER = "prazo"


def is_open() -> sa.ColumnElement[bool]:
    return sa.and_(Ticket.stage == STAGE_CONFIRMED, Ticket.closed_at.is_(None))


def is_late(now: datetime) -> sa.ColumnElement[bool]:
    """Open, its clock running, past its resolution due time or its unanswered first one."""
    return sa.and_(
        is_open(),
        Ticket.sla_paused_at.is_(None),
        sa.or_(
            Ticket.resolution_due_at < now,
            sa.and_(Ticket.first_answered_at.is_(None), Ticket.first_answer_due_at < now),
        ),
    )


def my_team_ids(company_id: int, user_id: int):
    return (
        sa.select(team_members.c.team_id)
        .join(Team, Team.id == team_members.c.team_id)
        .where(team_members.c.user_id == user_id, Team.company_id == company_id, Team.active)
        .scalar_subquery()
    )


def tab_condition(tab: str, company_id: int, user_id: int, now: datetime):
    if tab == TAB_MINE:
        return sa.and_(is_open(), Ticket.owner_id == user_id)
    if tab == TAB_TEAM:
        return sa.and_(is_open(), Ticket.team_id.in_(my_team_ids(company_id, user_id)))
    if tab == TAB_UNASSIGNED:
        return sa.and_(is_open(), Ticket.owner_id.is_(None))
    if tab == TAB_LATE:
        return is_late(now)
    if tab == TAB_DRAFTS:
        return sa.and_(Ticket.stage == STAGE_DRAFT, drafts_shown(company_id, user_id))
    return is_open()  # Todos: every open ticket (a situação filter shows closed ones)


def drafts_shown(company_id: int, user_id: int):
    """Rascunhos: the user's own drafts and those the Empresa's Caixa de entrada opened
    (`fetch-mail`): those belong to nobody, so every attendant of the Empresa sees them."""
    mailbox = sa.select(User.id).where(User.username == mailbox_username(company_id))
    return Ticket.opened_by_id.in_(sa.select(sa.literal(user_id)).union_all(mailbox))


@dataclass(frozen=True)
class StatusCount:
    id: int
    name: str
    category: str
    closed: bool
    count: int


@dataclass
class Counts:
    tabs: dict[str, int]
    statuses: list[StatusCount] = field(default_factory=list)
    closed_since: date | None = None  # closed situações count tickets closed from that day


def closed_since(now: datetime) -> date:
    """The first day of the closed situações' count: today and the 29 days before it (local
    days, so the chip's link can ask the list for the same tickets with a date filter)."""
    return now.astimezone(zone()).date() - timedelta(days=CLOSED_COUNT_DAYS - 1)


# SQLite is told which index counts the open tickets: with the statistics of a sampled
# ANALYZE (analysis_limit, as PRAGMA optimize runs it) it took an index of the Empresa's
# every ticket and read 3 million rows for 160 thousand (2-3 s instead of 40 ms). An index
# that cannot serve the statement is an error there, so a condition that stops implying
# closed_at IS NULL fails the tests instead of slowing down.
OPEN_INDEX_HINT = "INDEXED BY ix_tickets_open_desk"


def counts(session: Session, company_id: int, user_id: int, now: datetime) -> Counts:
    """Each tab's count (one aggregate) and the counts by situação (another). Both read the
    open tickets through ix_tickets_open_desk alone: their conditions say closed_at IS NULL
    as the partial index does (the drafts and the recently closed are counted apart, by
    their own indexes)."""
    open_tabs = [tab for tab in TABS if tab != TAB_DRAFTS]
    drafts = (
        sa.select(sa.func.count())
        .where(
            Ticket.company_id == company_id,
            Ticket.stage == STAGE_DRAFT,
            drafts_shown(company_id, user_id),
        )
        .scalar_subquery()
    )
    row = session.execute(
        sa.select(
            *(
                sa.func.count().filter(tab_condition(tab, company_id, user_id, now)).label(tab)
                for tab in open_tabs
            ),
            drafts.label(TAB_DRAFTS),
        )
        .where(Ticket.company_id == company_id, Ticket.closed_at.is_(None))
        .with_hint(Ticket, OPEN_INDEX_HINT, "sqlite")
    ).one()
    first_day = closed_since(now)
    since = _local_midnight(first_day)
    confirmed = [Ticket.company_id == company_id, Ticket.stage == STAGE_CONFIRMED]
    by_status: dict[int, int] = {}
    for status_id, count in session.execute(
        sa.union_all(
            sa.select(Ticket.status_id, sa.func.count())
            .where(*confirmed, Ticket.closed_at.is_(None))
            .group_by(Ticket.status_id)
            .with_hint(Ticket, OPEN_INDEX_HINT, "sqlite"),
            sa.select(Ticket.status_id, sa.func.count())
            .where(*confirmed, Ticket.closed_at >= since)
            .group_by(Ticket.status_id)
            .with_hint(Ticket, "INDEXED BY ix_tickets_company_closed_due", "sqlite"),
        )
    ):
        by_status[status_id] = by_status.get(status_id, 0) + count
    statuses = session.execute(
        sa.select(Status.id, Status.name, Status.category)
        .where(Status.company_id == company_id, sa.or_(Status.active, Status.id.in_(by_status)))
        .order_by(Status.position, Status.name)
    ).all()
    items = [
        StatusCount(id_, name, category, category in CLOSED_CATEGORIES, by_status.get(id_, 0))
        for id_, name, category in statuses
    ]
    items.sort(key=lambda item: item.closed)  # open categories first, each in its order
    tabs = dict(zip([*open_tabs, TAB_DRAFTS], row, strict=True))
    return Counts(tabs={tab: tabs[tab] for tab in TABS}, statuses=items, closed_since=first_day)


# --- filters ---------------------------------------------------------------------------------


class PainelFilters(FlaskForm):
    """The painel's filters, read from the query string (GET: no CSRF, bookmarkable)."""

    class Meta:
        csrf = False

    responsavel = ChoiceField(
        _l("Responsável"), invalid_message=_l("Escolha um atendente da lista.")
    )
    motivo = ChoiceField(_l("Motivo"), invalid_message=_l("Escolha um motivo da lista."))
    canal = ChoiceField(_l("Canal"), invalid_message=_l("Escolha um canal da lista."))
    unidade = ChoiceField(_l("Unidade"), invalid_message=_l("Escolha uma unidade da lista."))
    situacao = ChoiceField(_l("Situação"), invalid_message=_l("Escolha uma situação da lista."))
    de = BrDateField(_l("Aberto de"))
    ate = BrDateField(_l("Aberto até"))
    encerrado_de = BrDateField(_l("Encerrado desde"))  # the closed situações' chips link with it

    def validate_ate(self, field):
        if field.data and self.de.data and field.data < self.de.data:
            raise ValidationError(_("A data final deve ser igual ou posterior à inicial."))


FILTER_NAMES = (
    "responsavel",
    "motivo",
    "canal",
    "unidade",
    "situacao",
    "de",
    "ate",
    "encerrado_de",
)


@dataclass
class Listing:
    tab: str
    order: str  # as in ?ordem= ("-aberto")
    owner_id: int | None = None
    reason_id: int | None = None
    channel_id: int | None = None
    unit_id: int | None = None
    status_id: int | None = None
    opened_from: date | None = None
    opened_to: date | None = None
    closed_from: date | None = None

    @property
    def unfiltered(self) -> bool:
        """Only a tab: the list holds what the tab's count counts."""
        filters = (self.owner_id, self.reason_id, self.channel_id, self.unit_id, self.status_id)
        dates = (self.opened_from, self.opened_to, self.closed_from)
        return all(value is None for value in (*filters, *dates))


def order_by(order: str) -> list:
    name = order.removeprefix("-")
    columns = ORDERS.get(name, ORDERS[DEFAULT_ORDER])
    descending = order.startswith("-")
    terms = [(column.desc() if descending else column.asc()).nulls_last() for column in columns]
    terms.append(Ticket.id.desc() if descending else Ticket.id.asc())
    return terms


def listing_statement(listing: Listing, company_id: int, user_id: int, now: datetime):
    """The list's tickets, with what each row shows loaded in the same query."""
    stmt = (
        sa.select(Ticket)
        .join(Ticket.status)
        .join(Ticket.entity)
        .options(
            contains_eager(Ticket.status),
            contains_eager(Ticket.entity),
            joinedload(Ticket.reason),
            joinedload(Ticket.owner),
            joinedload(Ticket.team),
        )
    )
    return _filtered(stmt, listing, company_id, user_id, now)


def export_statement(listing: Listing, company_id: int, user_id: int, now: datetime):
    """The same tickets in the same order, as plain rows of the columns the CSV writes (no
    ORM objects: an export of every ticket of the Empresa reads them in chunks). Reason,
    owner and team are aliases, so the subqueries that sort by their names stay correlated
    to the ticket only."""
    reason, owner, team = aliased(Reason), aliased(User), aliased(Team)
    stmt = (
        sa.select(
            Ticket.code,
            Ticket.stage,
            Entity.name.label("entity_name"),
            reason.name.label("reason_name"),
            Status.name.label("status_name"),
            Status.category.label("status_category"),
            owner.name.label("owner_name"),
            team.name.label("team_name"),
            Ticket.opened_at,
            Ticket.closed_at,
            Ticket.resolution_due_at,
            Ticket.first_answer_due_at,
            Ticket.first_answered_at,
            Ticket.sla_paused_at,
        )
        .select_from(Ticket)
        .join(Ticket.status)
        .join(Ticket.entity)
        .outerjoin(reason, reason.id == Ticket.reason_id)
        .outerjoin(owner, owner.id == Ticket.owner_id)
        .outerjoin(team, team.id == Ticket.team_id)
    )
    return _filtered(stmt, listing, company_id, user_id, now)


def count_statement(listing: Listing, company_id: int, user_id: int, now: datetime):
    """How many tickets the list has: the same conditions on the tickets alone (the list's
    joins add no row and no condition), counted from ix_tickets_open_desk for open ones."""
    stmt = sa.select(sa.func.count()).select_from(Ticket)
    return _filtered(stmt, listing, company_id, user_id, now).order_by(None)


def _filtered(stmt, listing: Listing, company_id: int, user_id: int, now: datetime):
    """The tab, the filters and the order of the painel, on a statement of the tickets
    (which may join the ticket's Status and Entity)."""
    condition = tab_condition(listing.tab, company_id, user_id, now)
    if listing.tab == TAB_ALL and (listing.status_id is not None or listing.closed_from):
        condition = Ticket.stage == STAGE_CONFIRMED  # a closed situação asked for by name
    stmt = stmt.where(Ticket.company_id == company_id, condition, *filter_conditions(listing))
    return stmt.order_by(*order_by(listing.order))


def filter_conditions(listing: Listing) -> list:
    """The painel's filters (not its tab) as conditions on the ticket row."""
    conditions = []
    if listing.owner_id is not None:
        conditions.append(Ticket.owner_id == listing.owner_id)
    if listing.reason_id is not None:
        conditions.append(Ticket.reason_id == listing.reason_id)
    if listing.unit_id is not None:
        conditions.append(Ticket.unit_id == listing.unit_id)
    if listing.status_id is not None:
        conditions.append(Ticket.status_id == listing.status_id)
    if listing.channel_id is not None:
        conditions.append(
            sa.exists().where(
                TicketDetail.ticket_id == Ticket.id, TicketDetail.channel_id == listing.channel_id
            )
        )
    if listing.opened_from is not None:
        conditions.append(Ticket.opened_at >= _local_midnight(listing.opened_from))
    if listing.opened_to is not None:
        end = _local_midnight(listing.opened_to + timedelta(days=1))
        conditions.append(Ticket.opened_at < end)
    if listing.closed_from is not None:
        conditions.append(Ticket.closed_at >= _local_midnight(listing.closed_from))
    return conditions


# --- satisfaction ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rating:
    name: str | None  # None: an attendant removed since, or tickets without a Motivo
    answers: int
    average: float


@dataclass
class SatisfactionFigures:
    by_attendant: list[Rating] = field(default_factory=list)
    by_reason: list[Rating] = field(default_factory=list)


BY_ATTENDANT, BY_REASON = "a", "m"


def satisfaction(session: Session, listing: Listing, company_id: int) -> SatisfactionFigures:
    """The satisfaction survey's answers of the Empresa's tickets the filters select (the
    tab is not applied: rated tickets are closed ones): how many and the average rating, per
    attendant (the Responsável when the ticket was concluded, SurveyInvitation.attendant_id)
    and per Motivo. One statement, two GROUP BYs joined by UNION ALL, read through
    ix_survey_invitations_company_answered."""
    answered = [
        SurveyInvitation.company_id == company_id,
        SurveyInvitation.answered_at.is_not(None),
        Ticket.company_id == company_id,
        *filter_conditions(listing),
    ]

    def grouped(kind: str, key, name):
        return (
            sa.select(
                sa.literal(kind).label("kind"),
                key.label("key"),
                name.label("name"),
                sa.func.count().label("answers"),
                sa.func.avg(SurveyInvitation.rating).label("average"),
            )
            .select_from(SurveyInvitation)
            .join(Ticket, Ticket.id == SurveyInvitation.ticket_id)
            .where(*answered)
            .group_by(key, name)
        )

    by_attendant = grouped(BY_ATTENDANT, SurveyInvitation.attendant_id, User.name).outerjoin(
        User, User.id == SurveyInvitation.attendant_id
    )
    by_reason = grouped(BY_REASON, Ticket.reason_id, Reason.name).outerjoin(
        Reason, Reason.id == Ticket.reason_id
    )
    figures = SatisfactionFigures()
    rows = session.execute(sa.union_all(by_attendant, by_reason)).all()
    for kind, _key, name, answers, average in sorted(
        rows, key=lambda r: (r.name is None, r.name or "")
    ):
        rating = Rating(name, answers, round(float(average), 1))
        (figures.by_attendant if kind == BY_ATTENDANT else figures.by_reason).append(rating)
    return figures


def _local_midnight(day: date) -> datetime:
    return local_to_utc(datetime.combine(day, time()))


def company_users(session: Session, company_id: int) -> list[tuple[int, str]]:
    return [
        tuple(row)
        for row in session.execute(
            sa.select(User.id, User.name)
            .join(user_companies, user_companies.c.user_id == User.id)
            .where(user_companies.c.company_id == company_id, User.active)
            .order_by(User.name)
        )
    ]


def company_teams(session: Session, company_id: int) -> list[tuple[int, str]]:
    return [
        tuple(row)
        for row in session.execute(
            sa.select(Team.id, Team.name)
            .where(Team.company_id == company_id, Team.active)
            .order_by(Team.name)
        )
    ]


# --- a row's prazo ---------------------------------------------------------------------------

DUE_LATE, DUE_SOON_LABEL, DUE_PAUSED = _l("Atrasado"), _l("Vence em breve"), _l("Pausado")
# A closed ticket's outcome: the texts of isocrm.sla.clock (STATE_MET, STATE_MISSED), said in
# the user's language.
DUE_MET, DUE_MISSED = _l("Cumprido"), _l("Fora do prazo")


def due_state(ticket: Ticket, now: datetime) -> tuple[str, str] | None:
    """(label, css class) of a row's prazo: paused, late, due within a day, or nothing; for a
    closed ticket, whether it was resolved within it (a cancelled one has no outcome).
    `ticket` may be a plain row of the export, which brings its status_category along. The
    labels are lazy (translated where they are shown)."""
    if ticket.stage != STAGE_CONFIRMED:
        return None
    if ticket.closed_at is not None:
        category = getattr(ticket, "status_category", None) or ticket.status.category
        if ticket.resolution_due_at is None or category == STATUS_CANCELLED:
            return None
        if ticket.closed_at <= ticket.resolution_due_at:
            return DUE_MET, "due-met"
        return DUE_MISSED, "due-missed"
    if ticket.sla_paused_at is not None:
        return DUE_PAUSED, "due-paused"
    due = ticket.resolution_due_at
    first_late = (
        ticket.first_answered_at is None
        and ticket.first_answer_due_at is not None
        and ticket.first_answer_due_at < now
    )
    if (due is not None and due < now) or first_late:
        return DUE_LATE, "due-late"
    if due is not None and due - now <= DUE_SOON:
        return DUE_SOON_LABEL, "due-soon"
    return None
