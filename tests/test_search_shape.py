"""Entity search reads a bounded number of rows whatever is typed: the shape that keeps it
fast at a million entities, checked without a clock on a registry big enough for a bad
plan (a scan of the name index or an intersection of two common words) to show.

The registry is scaled down with the candidate limit: CANDIDATE_LIMIT 5,000 of 1,000,000
entities becomes LIMIT of ENTITIES here, so the same plans are chosen as at full size.
Work is counted by the database itself: SQLite's virtual-machine steps (progress handler),
PostgreSQL's rows through every plan node (EXPLAIN ANALYZE).
"""

import pytest
import sqlalchemy as sa

from isocrm import entity_search as search_module
from isocrm.demo import generate_bulk_entities
from isocrm.entity_search import MAX_UNCOUNTED_PAGE, search_entities
from isocrm.models import Entity, Relation, RelationType
from isocrm.tickets.queries import contact_choices, partner_ids
from tests.query_work import measure_work

ENTITIES = 10_000
LIMIT = 50

# The queries that collapsed or grew with the registry, and their kin.
WORST = [
    ("maria aparecida", 1),  # two common words, rare together: was a walk of every name
    ("maria aparecida da silva", 1),
    ("jose silv", 1),
    ("maria silva", 1),
    ("da silva", 1),
    ("maria da", 1),
    # Particles: very frequent words, and frequent together with a surname.
    ("da", 1),
    ("das neves", 1),
    ("dos santos", 1),
    ("maria de", 1),
    ("da costa", 1),
    ("silva", 1),
    ("silva", MAX_UNCOUNTED_PAGE),  # the deepest page still served
    ("silva", MAX_UNCOUNTED_PAGE + 1),  # refused: refine the search
    ("m", 1),
    ("ma", 1),
    ("mar", 1),
    ("zzzq", 1),
    ("maria zzzq", 1),
    ("6", 1),
    ("712.", 1),
]


@pytest.fixture
def registry(db, demo, monkeypatch):
    monkeypatch.setattr(search_module, "CANDIDATE_LIMIT", LIMIT)
    company_id = demo["company"].id
    generate_bulk_entities(db.session, company_id, ENTITIES, echo=lambda _line: None)
    return company_id


def test_worst_queries_read_a_bounded_number_of_rows(db, registry):
    company_id = registry
    # The yardstick: what the bad plan did for "maria aparecida": walk every name and look
    # each one's words up. A bounded search must stay far below it.
    scan, _ = measure_work(
        db,
        lambda: db.session.scalar(
            sa.text(
                "SELECT count(*) FROM entities e WHERE e.company_id = :c AND EXISTS ("
                "SELECT 1 FROM entity_search_words w WHERE w.entity_id = e.id"
                " AND w.word >= 'zzzq' AND w.word < 'zzzr')"
            ).bindparams(c=company_id)
        ),
    )
    budget = scan // 4
    costs = {}
    for query, page in WORST:
        costs[(query, page)], found = measure_work(
            db, lambda q=query, p=page: search_entities(db.session, company_id, q, page=p)
        )
        if page > MAX_UNCOUNTED_PAGE:
            assert found.too_deep and not found.items
    for query in ("maria", "maria aparecida", "ma", "zzzq"):
        costs[("Local: " + query, 1)], _ = measure_work(
            db,
            lambda q=query: search_entities(
                db.session, company_id, q, per_page=15, within=partner_ids(company_id)
            ),
        )
    too_costly = {key: cost for key, cost in costs.items() if cost > budget}
    assert not too_costly, (scan, budget, costs)


def test_contact_picker_reads_only_the_entitys_relations(db, demo, registry):
    """The ticket screen's contact picker filters the entity's own relations by the typed
    words: it must start from them, never walk the Empresa's names in order."""
    company_id = registry
    maria = demo["maria"]
    kind = db.session.scalar(sa.select(RelationType).where(RelationType.company_id == company_id))
    people = db.session.scalars(
        sa.select(Entity.id)
        .where(Entity.company_id == company_id, Entity.id != maria.id)
        .order_by(Entity.id.desc())
        .limit(40)
    ).all()
    have = set(
        db.session.scalars(
            sa.select(Relation.related_entity_id).where(Relation.entity_id == maria.id)
        )
    )
    db.session.add_all(
        Relation(entity_id=maria.id, related_entity_id=p, relation_type_id=kind.id)
        for p in people
        if p not in have
    )
    db.session.commit()
    scan, _ = measure_work(
        db,
        lambda: db.session.scalar(
            sa.select(sa.func.count()).select_from(Entity).where(Entity.company_id == company_id)
        ),
    )
    for query in ("", "m", "maria", "da silva", "zzzq"):
        cost, choices = measure_work(db, lambda q=query: contact_choices(db.session, maria.id, q))
        assert cost < scan // 4, (query, cost, scan)
        if query == "":
            assert len(choices) >= 41  # the blank choice and every relation


def test_the_pair_plan_finds_what_the_words_find(db, registry):
    """The same entities through pair keys as through the words one by one."""
    company_id = registry
    for query in ("maria aparecida", "maria silva", "jose silv", "da silva"):
        page = search_entities(db.session, company_id, query, per_page=10_000)
        folded = query.split()
        expected = db.session.scalars(
            sa.select(search_module.Entity.id).where(
                search_module.Entity.company_id == company_id,
                *[search_module._has_word_starting(w) for w in folded],
            )
        ).all()
        if page.total is not None:
            assert sorted(e.id for e in page.items) == sorted(expected)
        else:
            assert len(expected) > LIMIT
