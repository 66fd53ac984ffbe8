"""Millions of atendimentos, detalhes and informações over five years, in minutes.

Rows are built as plain tuples and written the fastest way each database takes them:
PostgreSQL through COPY, SQLite through executemany in large transactions. Indexes and
constraints stay in place, so every row is checked as the app's own would be.

What an app-made ticket has, these have too: a gap-free code taken from the Empresa's
counter the way the app takes it (UPDATE ... last_ticket_code + n, in the batch's own
transaction, so a crash mid-load never leaves codes the counter does not know), a situação
of the Empresa with the data de fechamento set when it closes the ticket, a motivo →
ocorrência → causa chain of the Empresa's tree, the entity's papel Cliente, a unidade linked
to the entity, real users, dates in office hours over the five years before REFERENCE_NOW,
and informações whose product information matches the ticket's motivo and ocorrência.
Tickets, details and informações feed no derived table but the ticket word index, whose
rows isocrm.finder.bulk makes alongside the details, and bulk rows get no audit rows.

`--details N` counts details and information lines together: a quarter are information
lines (on tickets whose ocorrência has product informations), the rest details, at least
one per ticket; a few "long story" tickets get many details, as a real desk has.

Measured (2026-11-29, 2-core machine shared with other loads, load average 7–10, the
PostgreSQL and SQLite runs overlapping for 13 minutes), `demo-data --entities 1000000
--tickets 3000000 --details 10000000` on empty databases, wall time including the demo:
- PostgreSQL: 18 min 30 s; entities 10.1 M rows at 54k rows/s + 76 s recreating keys,
  tickets 13 M rows at 22k rows/s + 188 s recreating keys; database 4.6 GB.
- SQLite: 27 min 36 s; entities at 23k rows/s, tickets at 11k rows/s; file 4.3 GB.
Both give the same rows (same ids, codes, busiest entity with 96 tickets).
"""

import random
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from isocrm.demo.fake import COMPLEMENTARY, FOLLOW_UPS, TEXTS
from isocrm.demo.fixed import BRT, REFERENCE_NOW
from isocrm.demo.loader import BulkWriter, moment_text, rate
from isocrm.finder.bulk import WORD_COLUMNS, WORDS_TABLE
from isocrm.finder.bulk import ticket_word_rows as word_rows
from isocrm.models import (
    Cause,
    Channel,
    Entity,
    Occurrence,
    Product,
    ProductInfo,
    Reason,
    Role,
    Status,
    Team,
)
from isocrm.models.catalog import ROLE_CODE_CUSTOMER
from isocrm.models.entity import entity_roles, entity_units
from isocrm.models.ticket import STAGE_CONFIRMED
from isocrm.models.user import user_companies

TICKET_SEED = 3_000_017
YEARS = 5
BATCH_TICKETS = 20_000  # one transaction: ~80k rows, a few seconds
LINE_SHARE = 4  # one row in four of --details is an information line
LONG_STORY_EVERY = 997  # every 997th ticket is a long story...
LONG_STORY_SHARE = 0.03  # ...and takes 3% of the extra details
OFFICE_SECONDS = 10 * 3600  # 08:00–18:00 Brasília
END_MARGIN = timedelta(minutes=5)

# Short pt_BR sentences for the follow-up details, a few with words a full-text search of
# the future should find ("embalagem violada", "lote", "vale-troca").
BULK_FOLLOW_UPS: list[tuple[str, str]] = [
    *FOLLOW_UPS,
    ("Cliente reforça que a embalagem violada foi notada na compra.", "Registrado no caso."),
    ("Cliente enviou fotos da embalagem violada.", "Fotos anexadas para a qualidade."),
    ("Cliente informou o número do lote impresso na embalagem.", "Lote registrado."),
    ("Cliente pede o reembolso em vez do vale-troca.", "Encaminhado ao financeiro."),
    ("Ligação caiu durante o atendimento.", "Retornamos a ligação em seguida."),
    ("Cliente pede retorno por WhatsApp.", "Combinado o retorno por WhatsApp."),
]
CHANNEL_WEIGHTS = {"Telefone": 40, "WhatsApp": 25, "E-mail": 20, "Chat": 10, "Presencial": 5}
REASON_WEIGHTS = {"Reclamação": 5, "Dúvida": 3}
INFO_NOTES = [None, None, "Cliente guardou a embalagem.", "Foto recebida por e-mail."]

TICKET_COLUMNS = [
    "id",
    "company_id",
    "code",
    "entity_id",
    "role_id",
    "complementary_data",
    "reason_id",
    "occurrence_id",
    "cause_id",
    "unit_id",
    "status_id",
    "opened_by_id",
    "updated_by_id",
    "opened_at",
    "closed_at",
    "updated_at",
    "version",
    "stage",
    "owner_id",
    "team_id",
    "resolution_due_at",
    "first_answered_at",
]
DETAIL_COLUMNS = [
    "id",
    "ticket_id",
    "channel_id",
    "direction",
    "received_at",
    "opened_at",
    "answered_at",
    "description",
    "answer",
    "attendant_id",
    "version",
]
INFO_COLUMNS = [
    "id",
    "detail_id",
    "product_info_id",
    "note",
    "lot_number",
    "manufactured_on",
    "expires_on",
]


@dataclass(frozen=True)
class _Chain:
    reason_id: int
    occurrence_id: int
    cause_id: int | None
    weight: int
    # (first description, first answer) per product the ticket may be about
    stories: list[tuple[str, str]]
    infos: list[int]  # product_infos ids of this motivo/ocorrência, same order as stories


@dataclass(frozen=True)
class _Desk:
    company_id: int
    role_id: int
    chains: list[_Chain]
    statuses: dict[str, int]  # category -> the first situação of that category
    channels: list[int]
    channel_weights: list[int]
    attendants: list[int]
    entities: array  # ids of the entities with papel Cliente
    units: array  # the entity's first linked unidade, 0 for none
    teams: list[int] = ()  # the Empresa's active equipes


def _load_desk(session: Session, company_id: int) -> _Desk:
    role_id = session.scalar(
        sa.select(Role.id).where(Role.company_id == company_id, Role.code == ROLE_CODE_CUSTOMER)
    )
    if role_id is None:
        raise ValueError("A Empresa não tem o papel Cliente.")
    products = {p.id: p.name for p in session.scalars(sa.select(Product))}
    chains = []
    reasons = session.execute(
        sa.select(Reason.id, Reason.name)
        .where(Reason.company_id == company_id, Reason.active)
        .order_by(Reason.id)
    ).all()
    all_products = [
        name
        for (name,) in session.execute(
            sa.select(Product.name)
            .where(Product.company_id == company_id, Product.active)
            .order_by(Product.id)
        )
    ] or ["produto"]
    for reason_id, reason_name in reasons:
        occurrences = session.execute(
            sa.select(Occurrence.id, Occurrence.name)
            .where(Occurrence.reason_id == reason_id, Occurrence.active)
            .order_by(Occurrence.id)
        ).all()
        for occurrence_id, occurrence_name in occurrences:
            infos = session.execute(
                sa.select(ProductInfo.id, ProductInfo.product_id)
                .where(ProductInfo.occurrence_id == occurrence_id, ProductInfo.active)
                .order_by(ProductInfo.id)
            ).all()
            causes = session.execute(
                sa.select(Cause.id, Cause.name)
                .where(Cause.occurrence_id == occurrence_id, Cause.active)
                .order_by(Cause.id)
            ).all() or [(None, None)]
            names = [products[p] for _, p in infos] or all_products
            for cause_id, cause_name in causes:
                first, answer = TEXTS.get(
                    cause_name or occurrence_name,
                    (
                        "Cliente entrou em contato sobre o {produto}.",
                        "Registrado e encaminhado à área responsável.",
                    ),
                )
                chains.append(
                    _Chain(
                        reason_id,
                        occurrence_id,
                        cause_id,
                        REASON_WEIGHTS.get(reason_name, 1),
                        [(first.format(produto=n), answer.format(produto=n)) for n in names],
                        [i for i, _ in infos],
                    )
                )
    if not chains:
        raise ValueError("A Empresa não tem motivos e ocorrências cadastrados.")
    statuses: dict[str, int] = {}
    for status_id, category in session.execute(
        sa.select(Status.id, Status.category)
        .where(Status.company_id == company_id, Status.active)
        .order_by(Status.position, Status.id)
    ):
        statuses.setdefault(category, status_id)
    channels = session.execute(
        sa.select(Channel.id, Channel.name)
        .where(Channel.company_id == company_id, Channel.active)
        .order_by(Channel.id)
    ).all()
    attendants = list(
        session.scalars(
            sa.select(user_companies.c.user_id)
            .where(user_companies.c.company_id == company_id)
            .order_by(user_companies.c.user_id)
        )
    )
    if not channels or not attendants or not statuses:
        raise ValueError("A Empresa precisa de canais, situações e usuários.")
    first_unit = (
        sa.select(sa.func.min(entity_units.c.unit_id))
        .where(entity_units.c.entity_id == entity_roles.c.entity_id)
        .scalar_subquery()
    )
    entities, units = array("q"), array("q")
    for entity_id, unit_id in session.execute(
        sa.select(entity_roles.c.entity_id, first_unit)
        .join(Entity, Entity.id == entity_roles.c.entity_id)
        .where(Entity.company_id == company_id, Entity.active, entity_roles.c.role_id == role_id)
        .order_by(entity_roles.c.entity_id)
    ):
        entities.append(entity_id)
        units.append(unit_id or 0)
    if not entities:
        raise ValueError("A Empresa não tem entidades com o papel Cliente.")
    teams = list(
        session.scalars(
            sa.select(Team.id).where(Team.company_id == company_id, Team.active).order_by(Team.id)
        )
    )
    return _Desk(
        company_id=company_id,
        role_id=role_id,
        chains=chains,
        statuses=statuses,
        channels=[c for c, _ in channels],
        channel_weights=[CHANNEL_WEIGHTS.get(n, 5) for _, n in channels],
        attendants=attendants,
        entities=entities,
        units=units,
        teams=teams,
    )


@dataclass
class _Plan:
    """Per ticket, drawn before any row is written so the totals come out exact."""

    chain: array
    details: array
    lines: array


def _plan(rng: random.Random, desk: _Desk, tickets: int, details: int, lines: int) -> _Plan:
    chain = array(
        "H", rng.choices(range(len(desk.chains)), [c.weight for c in desk.chains], k=tickets)
    )
    per_ticket = array("H", [1]) * tickets
    long_stories = range(0, tickets, LONG_STORY_EVERY)
    draw = rng.random
    for _ in range(details - tickets):
        if draw() < LONG_STORY_SHARE:
            t = long_stories[int(draw() * len(long_stories))]
        else:
            t = int(draw() * tickets)
        if per_ticket[t] == 60_000:  # long enough; the detail goes to the next ticket
            t = (t + 1) % tickets
        per_ticket[t] += 1
    has_infos = [bool(c.infos) for c in desk.chains]
    eligible = [t for t in range(tickets) if has_infos[chain[t]]]
    per_lines = array("H", [0]) * tickets
    if eligible and lines:
        if lines <= len(eligible):
            for t in rng.sample(eligible, lines):
                per_lines[t] = 1
        else:
            for t in eligible:
                per_lines[t] = 1
            for _ in range(lines - len(eligible)):
                per_lines[eligible[int(draw() * len(eligible))]] += 1
    return _Plan(chain, per_ticket, per_lines)


def _office_days(first: date, last: date) -> list[datetime]:
    """08:00 Brasília of every day from Monday to Saturday between first and last, as a
    naive UTC datetime: rows are written as UTC text, and naive arithmetic is the cheap kind."""
    days = []
    day = first
    while day <= last:
        if day.weekday() != 6:
            opening = datetime(day.year, day.month, day.day, 8, tzinfo=BRT)
            days.append(opening.astimezone(UTC).replace(tzinfo=None))
        day += timedelta(days=1)
    return days


_DAYS = _office_days(
    (REFERENCE_NOW - timedelta(days=365 * YEARS)).date(),
    (REFERENCE_NOW - timedelta(days=1)).date(),
)
_NOW = REFERENCE_NOW.astimezone(UTC).replace(tzinfo=None)
# Situação by the ticket's age, as in the fake data: recent ones are still open.
_STATUS_WEIGHTS = (
    (timedelta(days=3), {"aberto": 35, "em_andamento": 30, "aguardando": 15, "concluido": 20}),
    (timedelta(days=15), {"em_andamento": 20, "aguardando": 20, "concluido": 55, "cancelado": 5}),
    (timedelta.max, {"concluido": 88, "cancelado": 7, "aguardando": 5}),
)


def _pool(items: list, weights: list[int]) -> list:
    """A list drawn from by index: one uniform draw instead of random.choices' bisect."""
    return [item for item, weight in zip(items, weights, strict=True) for _ in range(weight)]


def _status_pools(desk: _Desk) -> list[tuple[timedelta, list[int]]]:
    pools = []
    for age, weights in _STATUS_WEIGHTS:
        categories = [c for c in weights if c in desk.statuses] or list(desk.statuses)
        pools.append(
            (
                age,
                _pool(
                    [desk.statuses[c] for c in categories], [weights.get(c, 1) for c in categories]
                ),
            )
        )
    return pools


@dataclass
class _Batch:
    tickets: list[tuple]
    details: list[tuple]
    lines: list[tuple]


@dataclass
class _Ids:
    ticket: int
    detail: int
    line: int


def _rows(
    rng: random.Random, desk: _Desk, plan: _Plan, ids: _Ids, first: int, codes: range, sqlite: bool
) -> _Batch:
    """The rows of tickets first..first+len(codes)-1 of the plan.

    Draws are int(random() * n) rather than randrange/choices, several times cheaper: the
    row building, not the database, is what bounds the rate."""
    draw = rng.random
    moment = moment_text(sqlite)

    tickets = len(plan.chain)
    days = _DAYS
    span = len(days) * OFFICE_SECONDS
    end = _NOW - END_MARGIN
    closed_ids = {desk.statuses.get("concluido"), desk.statuses.get("cancelado")}
    status_pools = _status_pools(desk)
    channels = _pool(desk.channels, desk.channel_weights)
    attendants = desk.attendants
    entities = desk.entities
    follow_ups = BULK_FOLLOW_UPS
    batch = _Batch([], [], [])
    for position, code in enumerate(codes, start=first):
        # Stratified over the office hours: opening order is code order, as at the desk.
        offset = int((position + draw()) * span / tickets)
        opened_at = days[offset // OFFICE_SECONDS] + timedelta(seconds=offset % OFFICE_SECONDS)
        chain = desk.chains[plan.chain[position]]
        age = _NOW - opened_at
        pool = next(p for limit, p in status_pools if age < limit)
        status_id = pool[int(draw() * len(pool))]
        closed_at = None
        if status_id in closed_ids:
            closed_at = min(opened_at + timedelta(minutes=10 + int(draw() * 14_390)), end)
        last = closed_at or end
        story = int(draw() * len(chain.stories))
        entity_index = int(draw() * len(entities))
        if draw() < 0.02:  # a few customers call all the time
            entity_index -= entity_index % 1000
        ticket_id = ids.ticket
        ids.ticket += 1

        count = plan.details[position]
        window = max((last - opened_at).total_seconds(), 1.0)
        moments = [opened_at]
        if count > 1:
            moments += sorted(
                opened_at + timedelta(seconds=int(draw() * window)) for _ in range(count - 1)
            )
        first_detail = ids.detail
        ids.detail += count
        updated_at = opened_at
        attendant = attendants[0]
        first_answered_at = None
        for index, at in enumerate(moments):
            if index == 0:
                description, answer = chain.stories[story]
                direction = "receptivo" if draw() < 0.9 else "ativo"
                received_at = (
                    moment(at - timedelta(minutes=10 + int(draw() * 590)))
                    if draw() < 0.15
                    else None
                )
            else:
                description, answer = follow_ups[int(draw() * len(follow_ups))]
                direction = "ativo" if draw() < 0.5 else "receptivo"
                received_at = None
            answered_at = None
            if closed_at is not None or index < count - 1 or draw() < 0.5:
                answered_at = min(at + timedelta(minutes=2 + int(draw() * 44)), last)
                updated_at = max(updated_at, answered_at)
            else:
                answer = None
                updated_at = max(updated_at, at)
            if index == 0:
                first_answered_at = answered_at
            attendant = attendants[int(draw() * len(attendants))]
            batch.details.append(
                (
                    first_detail + index,
                    ticket_id,
                    channels[int(draw() * len(channels))],
                    direction,
                    received_at,
                    moment(at),
                    moment(answered_at) if answered_at else None,
                    description,
                    answer,
                    attendant,
                    1,
                )
            )
        for line in range(plan.lines[position]):
            # The first line on the first detail (the complaint), more on any detail.
            detail_id = first_detail if line == 0 else first_detail + int(draw() * count)
            made = opened_at.date() - timedelta(days=7 + int(draw() * 164))
            info = chain.infos[story] if line == 0 else chain.infos[int(draw() * len(chain.infos))]
            batch.lines.append(
                (
                    ids.line,
                    detail_id,
                    info,
                    INFO_NOTES[int(draw() * len(INFO_NOTES))],
                    f"L{made:%y%m}{'ABCD'[int(draw() * 4)]}{made:%d}",
                    made.isoformat(),
                    (made + timedelta(days=180)).isoformat(),
                )
            )
            ids.line += 1
        if closed_at is not None:
            updated_at = max(updated_at, closed_at)
        # Drawn in the same order as before the responsável existed: the rows stay the same.
        complementary = COMPLEMENTARY[int(draw() * len(COMPLEMENTARY))] if draw() < 0.15 else None
        opened_by = attendants[int(draw() * len(attendants))]
        owner, team = _holder(position, opened_by, desk.teams)
        batch.tickets.append(
            (
                ticket_id,
                desk.company_id,
                code,
                entities[entity_index],
                desk.role_id,
                complementary,
                chain.reason_id,
                chain.occurrence_id,
                chain.cause_id,
                desk.units[entity_index] or None,
                status_id,
                opened_by,
                attendant,  # the last detail's attendant last touched the ticket
                moment(opened_at),
                moment(closed_at) if closed_at else None,
                moment(updated_at),
                1,
                STAGE_CONFIRMED,
                owner,
                team,
                moment(opened_at + RESOLUTION_TIME),
                moment(first_answered_at) if first_answered_at else None,
            )
        )
    return batch


# Decreto 11.034/2022's default: a demand is answered within 7 calendar days. The SLA
# computation (isocrm/sla/) may take over at merge.
RESOLUTION_TIME = timedelta(days=7)
TEAM_SHARE, NOBODY_SHARE = 10, 5  # per cent of the tickets held by an equipe, by nobody


def _holder(position: int, opened_by: int, teams: list[int]) -> tuple[int | None, int | None]:
    """(owner, team) of ticket `position`: who opened it, or an equipe, or nobody. Taken
    from the position, not from the random stream, so every other column stays as it was."""
    share = position * 37 % 100
    if share < TEAM_SHARE and teams:
        return None, teams[position % len(teams)]
    if share < TEAM_SHARE + NOBODY_SHARE:
        return None, None
    return opened_by, None


LOADED_TABLES = ("tickets", "ticket_details", "detail_infos")


def _next_id(writer: BulkWriter, table: str) -> int:
    return (writer.execute(f"SELECT max(id) FROM {table}")[0][0] or 0) + 1  # nosec B608


def _take_codes(writer: BulkWriter, company_id: int, count: int) -> range:
    """Reserve `count` codes as the app does, in the batch's transaction."""
    (last,) = writer.execute(
        "UPDATE companies SET last_ticket_code = last_ticket_code + %s WHERE id = %s "
        "RETURNING last_ticket_code",
        count,
        company_id,
    )[0]
    return range(last - count + 1, last + 1)


def split_details(total: int) -> tuple[int, int]:
    """--details N: (details, information lines)."""
    lines = total // LINE_SHARE
    return total - lines, lines


def generate_bulk_tickets(
    session: Session,
    company_id: int,
    tickets: int,
    details: int,
    echo: Callable[[str], object] = print,
    seed: int = TICKET_SEED,
) -> tuple[int, int, int]:
    """Insert `tickets` tickets and `details` details + information lines for the Empresa's
    customers; return (tickets, details, lines). Commits per batch."""
    if tickets <= 0:
        return 0, 0, 0
    detail_count, line_count = split_details(details)
    if detail_count < tickets:
        raise ValueError("Cada atendimento precisa de ao menos um detalhe: aumente --details.")
    desk = _load_desk(session, company_id)
    rng = random.Random(seed)
    plan = _plan(rng, desk, tickets, detail_count, line_count)
    writer = BulkWriter(session, (*LOADED_TABLES, WORDS_TABLE))
    started = time.monotonic()
    written = 0
    try:
        ids = _Ids(
            _next_id(writer, "tickets"),
            _next_id(writer, "ticket_details"),
            _next_id(writer, "detail_infos"),
        )
        for first in range(0, tickets, BATCH_TICKETS):
            size = min(BATCH_TICKETS, tickets - first)
            codes = _take_codes(writer, company_id, size)
            batch = _rows(rng, desk, plan, ids, first, codes, writer.dialect == "sqlite")
            writer.insert("tickets", TICKET_COLUMNS, batch.tickets)
            writer.insert("ticket_details", DETAIL_COLUMNS, batch.details)
            writer.insert(
                WORDS_TABLE, WORD_COLUMNS, word_rows(company_id, DETAIL_COLUMNS, batch.details)
            )
            writer.insert("detail_infos", INFO_COLUMNS, batch.lines)
            writer.follow_sequences(LOADED_TABLES)
            writer.checkpoint()
            written += len(batch.tickets) + len(batch.details) + len(batch.lines)
            echo(
                f"{first + size}/{tickets} atendimentos, {written} linhas, {rate(written, started)}"
            )
        writer.finish(echo)
    finally:
        writer.close()
    _analyze(session)
    return tickets, detail_count, line_count


def _analyze(session: Session) -> None:
    tables = ["tickets", "ticket_details", "detail_infos", WORDS_TABLE]
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        # VACUUM also sets the visibility map, so counts of an entity's tickets can be
        # answered from the index alone.
        with bind.connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.exec_driver_sql(f"VACUUM ANALYZE {', '.join(tables)}")
    else:
        session.execute(sa.text("PRAGMA analysis_limit = 2000"))
        for table in tables:
            session.execute(sa.text(f"ANALYZE {table}"))
        session.execute(sa.text("PRAGMA analysis_limit = 0"))
        session.commit()
