"""A million extra entities for speed tests, in minutes.

The ORM would spend most of its time on bookkeeping, so rows go straight through Core
executemany in batches, with explicit ids: the word index (entity_search_words) refers to
them, and the ORM's before_flush hook that normally fills it does not run for Core inserts.
Names are drawn with a seeded RNG from the pt_BR pools Faker itself uses, folded once per
pool entry instead of once per row.
"""

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from faker import Faker
from faker.providers.person.pt_BR import Provider as PersonProvider
from sqlalchemy.orm import Session

from isocrm import brdocs, text
from isocrm.demo.fake import CITIES, RESERVED_NAMES
from isocrm.demo.fixed import REFERENCE_NOW
from isocrm.demo.loader import BulkWriter, moment_text, rate
from isocrm.models import Entity, Role, Unit
from isocrm.models.catalog import ROLE_CODE_CUSTOMER
from isocrm.models.entity import KIND_PERSON

BATCH_SIZE = 20_000
BULK_SEED = 1_000_003
# CPF bodies of bulk entities live in [600_000_000, 1_000_000_000); the fake and fixed people
# stay below, so the ranges never meet. id -> body is a bijection on that span because the
# step 3**18 is coprime with 400_000_000 = 2**10 * 5**8: distinct ids, distinct CPFs.
BODY_BASE = 600_000_000
BODY_SPAN = 400_000_000
BODY_STEP = 387_420_489
BODY_SHIFT = 123_456_789
ROLE_SHARE = 0.95  # like the fake data: a few entities have no papel and cannot get a ticket
UNITLESS_EVERY = 8  # every 8th entity deals with no unidade; the others with one, by id


def bulk_cpf(entity_id: int) -> str | None:
    """The CPF of the bulk entity with this id, or None for a body of repeated digits."""
    body = str(BODY_BASE + (entity_id * BODY_STEP + BODY_SHIFT) % BODY_SPAN)
    if body == body[0] * 9:
        return None
    return body + brdocs.cpf_check_digits(body)


_RESERVED_WORDS = sorted({word for pair in RESERVED_NAMES for word in pair})


@dataclass(frozen=True)
class _NamePart:
    """A pool entry with its folded form, its words and the reserved words it matches,
    computed once."""

    text: str
    folded: str
    words: tuple[str, ...]
    reserved: frozenset[str]


def _parts(names: tuple[str, ...] | list[str]) -> list[_NamePart]:
    parts = []
    for name in names:
        folded = text.fold(name)
        if folded:  # joining folded parts equals folding the joined name only when none is empty
            words = tuple(text.words(name))
            reserved = frozenset(r for r in _RESERVED_WORDS if any(w.startswith(r) for w in words))
            parts.append(_NamePart(name, folded, words, reserved))
    return parts


def _is_reserved(parts: list[_NamePart]) -> bool:
    """Would a search for a fixed person ("maria aparecida") also find this name?"""
    hits = frozenset().union(*(p.reserved for p in parts))
    return bool(hits) and any(hits.issuperset(pair) for pair in RESERVED_NAMES)


@dataclass(frozen=True)
class _Pools:
    female: list[_NamePart]
    male: list[_NamePart]
    surnames: list[_NamePart]
    streets: list[str]
    districts: list[str]


def _pools(seed: int) -> _Pools:
    # Faker only once, for street and district names; per row it would take an hour.
    fake = Faker("pt_BR")
    fake.seed_instance(seed)
    return _Pools(
        female=_parts(sorted(set(PersonProvider.first_names_female))),
        male=_parts(sorted(set(PersonProvider.first_names_male))),
        surnames=_parts(sorted(set(PersonProvider.last_names))),
        streets=[fake.street_name()[:150] for _ in range(400)],
        districts=[fake.neighborhood()[:80] for _ in range(200)],
    )


def _random_name(rng: random.Random, pools: _Pools) -> list[_NamePart]:
    while True:
        parts = [rng.choice(pools.female if rng.random() < 0.5 else pools.male)]
        last = rng.choice(pools.surnames)
        if rng.random() < 0.6:
            middle = rng.choice(pools.surnames)
            if middle is not last:
                parts.append(middle)
        parts.append(last)
        if not _is_reserved(parts):
            return parts


def _taken_documents(writer: BulkWriter, company_id: int) -> set[str]:
    """The Empresa's CPFs in the bulk range (typed in by hand, or an earlier run's), read
    once: a query per batch would need the unique index PostgreSQL's load sets aside."""
    return {
        document
        for (document,) in writer.execute(
            "SELECT document FROM entities WHERE company_id = %s AND kind = %s AND document >= %s",
            company_id,
            KIND_PERSON,
            str(BODY_BASE),
        )
    }


ENTITY_COLUMNS = [
    "id",
    "company_id",
    "kind",
    "document",
    "name",
    "search_name",
    "birth_date",
    "active",
    "created_at",
    "updated_at",
]
ADDRESS_COLUMNS = [
    "entity_id",
    "is_principal",
    "zip_code",
    "street",
    "number",
    "district",
    "city",
    "state",
]
LOADED_TABLES = ("entities", "entity_search_words", "entity_roles", "entity_units", "addresses")


def generate_bulk_entities(
    session: Session, company_id: int, count: int, echo: Callable[[str], object] = print
) -> int:
    """Insert `count` PF entities (valid unique CPFs, realistic names, word index, a
    principal address, papel Cliente for most) and return how many were created."""
    if count <= 0:
        return 0
    customer_role_id = session.scalar(
        sa.select(Role.id).where(Role.company_id == company_id, Role.code == ROLE_CODE_CUSTOMER)
    )
    units = list(
        session.scalars(sa.select(Unit.id).where(Unit.company_id == company_id).order_by(Unit.id))
    )
    next_id = (session.scalar(sa.select(sa.func.max(Entity.id))) or 0) + 1
    # Seeded by the first id, so the same database state always yields the same rows.
    rng = random.Random(BULK_SEED + next_id)
    pools = _pools(BULK_SEED)
    earliest = REFERENCE_NOW - timedelta(days=3 * 365)
    created_span = int((REFERENCE_NOW - earliest).total_seconds())
    birth_first = date(1940, 1, 1).toordinal()
    birth_span = date(2007, 12, 31).toordinal() - birth_first

    city_pool = [city for city in CITIES for _ in range(city[5])]  # weighted, drawn by choice()
    writer = BulkWriter(session, LOADED_TABLES)
    moment = moment_text(writer.sqlite)
    started = time.monotonic()
    written = created = 0
    try:
        taken = _taken_documents(writer, company_id)
        while created < count:
            size = min(BATCH_SIZE, count - created)
            entity_rows: list[tuple] = []
            word_rows: list[tuple] = []
            role_rows: list[tuple] = []
            address_rows: list[tuple] = []
            unit_rows: list[tuple] = []
            while len(entity_rows) < size:
                entity_id = next_id
                next_id += 1
                document = bulk_cpf(entity_id)
                if document is None or document in taken:
                    continue  # the id is simply skipped; ids need not be contiguous
                parts = _random_name(rng, pools)
                created_at = moment(earliest + timedelta(seconds=rng.randrange(created_span)))
                folded = " ".join(p.folded for p in parts)
                entity_rows.append(
                    (
                        entity_id,
                        company_id,
                        KIND_PERSON,
                        document,
                        " ".join(p.text for p in parts),
                        folded[:150],
                        date.fromordinal(birth_first + rng.randrange(birth_span)).isoformat(),
                        True,
                        created_at,
                        created_at,
                    )
                )
                # The same keys as the ORM hook: words and ordered word pairs (isocrm.text).
                for word in text.index_keys(folded):
                    word_rows.append((company_id, word, entity_id))
                if customer_role_id is not None and rng.random() < ROLE_SHARE:
                    role_rows.append((entity_id, customer_role_id))
                # Drawn from the id, not the RNG, so the names and CPFs stay what they were.
                if units and entity_id % UNITLESS_EVERY:
                    unit_rows.append((entity_id, units[entity_id % len(units)]))
                city, state, zip_low, zip_high, _ddd, _weight = rng.choice(city_pool)
                address_rows.append(
                    (
                        entity_id,
                        True,
                        f"{rng.randint(zip_low, zip_high):05d}{rng.randrange(1000):03d}",
                        rng.choice(pools.streets),
                        str(rng.randint(1, 3999)),
                        rng.choice(pools.districts),
                        city,
                        state,
                    )
                )
            writer.insert("entities", ENTITY_COLUMNS, entity_rows)
            writer.insert("entity_search_words", ["company_id", "word", "entity_id"], word_rows)
            writer.insert("entity_roles", ["entity_id", "role_id"], role_rows)
            writer.insert("entity_units", ["entity_id", "unit_id"], unit_rows)
            writer.insert("addresses", ADDRESS_COLUMNS, address_rows)
            writer.follow_sequences(["entities"])
            writer.checkpoint()
            created += len(entity_rows)
            written += sum(map(len, (entity_rows, word_rows, role_rows, unit_rows, address_rows)))
            echo(f"{created}/{count} entidades geradas, {written} linhas, {rate(written, started)}")
        writer.finish(echo)
    finally:
        writer.close()
    _analyze(session)
    return created


def _analyze(session: Session) -> None:
    """Fresh planner statistics after a million new rows. Without them SQLite checks a
    word of the search with the (company_id, word) range instead of the (entity_id, word)
    index and a common first name takes a minute instead of milliseconds."""
    tables = ["entities", "entity_search_words", "entity_roles", "entity_units", "addresses"]
    if session.get_bind().dialect.name == "postgresql":
        # VACUUM also sets the visibility map, without which PostgreSQL cannot answer the
        # word-range counts from the index alone and reads every heap page instead.
        session.commit()
        with session.get_bind().connect() as connection:
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.exec_driver_sql(f"VACUUM ANALYZE {', '.join(tables)}")
    elif session.get_bind().dialect.name == "sqlite":
        # A sample is enough for the planner and keeps ANALYZE to seconds on millions of rows.
        session.execute(sa.text("PRAGMA analysis_limit = 2000"))
        for table in tables:
            session.execute(sa.text(f"ANALYZE {table}"))
        session.execute(sa.text("PRAGMA analysis_limit = 0"))
        session.commit()  # the statistics live in sqlite_stat1, written in this transaction
    session.commit()
