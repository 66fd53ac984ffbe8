"""A million extra entities for speed tests, in minutes.

The ORM would spend most of its time on bookkeeping, so rows go straight through Core
executemany in batches, with explicit ids: the word index (entity_search_words) refers to
them, and the ORM's before_flush hook that normally fills it does not run for Core inserts.
Names are drawn with a seeded RNG from the pt_BR pools Faker itself uses, folded once per
pool entry instead of once per row.
"""

import random
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
from isocrm.models import Address, Entity, EntitySearchWord, Role
from isocrm.models.catalog import ROLE_CODE_CUSTOMER
from isocrm.models.entity import KIND_PERSON, entity_roles

BATCH_SIZE = 20_000
BULK_SEED = 1_000_003
# CPF bodies of bulk entities live in [600_000_000, 1_000_000_000); the fake and fixed people
# stay below, so the ranges never meet. id -> body is a bijection on that span because the
# step 3**18 is coprime with 400_000_000 = 2**10 * 5**8: distinct ids, distinct CPFs.
BODY_BASE = 600_000_000
BODY_SPAN = 400_000_000
BODY_STEP = 387_420_489
BODY_SHIFT = 123_456_789
# SQLite accepts 32766 variables per statement; stay far below for the clash check.
IN_CHUNK = 1_000
ROLE_SHARE = 0.95  # like the fake data: a few entities have no papel and cannot get a ticket


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


def _existing_documents(session: Session, company_id: int, documents: list[str]) -> set[str]:
    """Which of these documents the Empresa already has (typed in by hand, say)."""
    found: set[str] = set()
    for start in range(0, len(documents), IN_CHUNK):
        found.update(
            session.scalars(
                sa.select(Entity.document).where(
                    Entity.company_id == company_id,
                    Entity.document.in_(documents[start : start + IN_CHUNK]),
                )
            )
        )
    return found


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
    next_id = (session.scalar(sa.select(sa.func.max(Entity.id))) or 0) + 1
    # Seeded by the first id, so the same database state always yields the same rows.
    rng = random.Random(BULK_SEED + next_id)
    pools = _pools(BULK_SEED)
    earliest = REFERENCE_NOW - timedelta(days=3 * 365)
    created_span = int((REFERENCE_NOW - earliest).total_seconds())
    birth_first = date(1940, 1, 1).toordinal()
    birth_span = date(2007, 12, 31).toordinal() - birth_first

    city_pool = [city for city in CITIES for _ in range(city[5])]  # weighted, drawn by choice()
    entities_table = Entity.__table__
    words_table = EntitySearchWord.__table__
    addresses_table = Address.__table__
    created = 0
    while created < count:
        size = min(BATCH_SIZE, count - created)
        candidates: list[tuple[int, str]] = []
        while len(candidates) < size:
            document = bulk_cpf(next_id)
            if document is not None:
                candidates.append((next_id, document))
            next_id += 1
        taken = _existing_documents(session, company_id, [d for _, d in candidates])

        entity_rows: list[dict] = []
        word_rows: list[dict] = []
        role_rows: list[dict] = []
        address_rows: list[dict] = []
        for entity_id, document in candidates:
            if document in taken:
                continue  # the id is simply skipped; ids need not be contiguous
            parts = _random_name(rng, pools)
            created_at = earliest + timedelta(seconds=rng.randrange(created_span))
            entity_rows.append(
                {
                    "id": entity_id,
                    "company_id": company_id,
                    "kind": KIND_PERSON,
                    "document": document,
                    "name": " ".join(p.text for p in parts),
                    "trade_name": None,
                    "search_name": " ".join(p.folded for p in parts)[:150],
                    "birth_date": date.fromordinal(birth_first + rng.randrange(birth_span)),
                    "notes": None,
                    "active": True,
                    "created_at": created_at,
                    "updated_at": created_at,
                }
            )
            # dict.fromkeys: distinct words in order ("Maria da Conceição da Silva" has one "da").
            # The same keys as the ORM hook: words and ordered word pairs (isocrm.text).
            for word in text.index_keys(" ".join(p.folded for p in parts)):
                word_rows.append({"company_id": company_id, "word": word, "entity_id": entity_id})
            if customer_role_id is not None and rng.random() < ROLE_SHARE:
                role_rows.append({"entity_id": entity_id, "role_id": customer_role_id})
            city, state, zip_low, zip_high, _ddd, _weight = rng.choice(city_pool)
            address_rows.append(
                {
                    "entity_id": entity_id,
                    "is_principal": True,
                    "zip_code": f"{rng.randint(zip_low, zip_high):05d}{rng.randrange(1000):03d}",
                    "street": rng.choice(pools.streets),
                    "number": str(rng.randint(1, 3999)),
                    "complement": None,
                    "district": rng.choice(pools.districts),
                    "city": city,
                    "state": state,
                }
            )
        if entity_rows:
            session.execute(sa.insert(entities_table), entity_rows)
            session.execute(sa.insert(words_table), word_rows)
            if role_rows:
                session.execute(sa.insert(entity_roles), role_rows)
            session.execute(sa.insert(addresses_table), address_rows)
            _after_batch(session)
            session.commit()
        created += len(entity_rows)
        echo(f"{created}/{count} entidades geradas…")
    _analyze(session)
    return created


def _after_batch(session: Session) -> None:
    """PostgreSQL only. Its serial does not see explicit ids: without setval the next ORM
    insert would collide (SQLite's rowid already follows max(id)). And the planner still
    believes `entities` holds a few hundred rows, so the clash check of the next batch would
    scan the table instead of the unique index, slower with every batch."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            sa.text(
                "SELECT setval(pg_get_serial_sequence('entities', 'id'), "
                "(SELECT max(id) FROM entities))"
            )
        )
        session.execute(sa.text("ANALYZE entities"))


def _analyze(session: Session) -> None:
    """Fresh planner statistics after a million new rows. Without them SQLite checks a
    word of the search with the (company_id, word) range instead of the (entity_id, word)
    index and a common first name takes a minute instead of milliseconds."""
    tables = ["entities", "entity_search_words", "entity_roles", "addresses"]
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
