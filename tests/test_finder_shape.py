"""The global search reads a bounded number of rows whatever is typed, checked without a
clock on generated data big enough for a bad plan (a scan of the details' text, a walk of
a common word's tickets) to show, as tests/test_search_shape.py does for the entity search.

The candidate limit is scaled down with the data (2,000 of 3M tickets becomes LIMIT here),
so the same plans are chosen as at full size."""

import pytest
import sqlalchemy as sa

from isocrm import entity_search
from isocrm.demo import generate_bulk_entities, generate_bulk_tickets
from isocrm.finder import search as finder
from isocrm.models import EContact, Entity, Phone
from tests.query_work import measure_work

ENTITIES = 3_000
TICKETS = 3_000
DETAILS = 10_000
LIMIT = 20


@pytest.fixture
def desk(db, demo, monkeypatch):
    monkeypatch.setattr(finder, "CANDIDATE_LIMIT", LIMIT)
    monkeypatch.setattr(finder, "OWNER_LIMIT", 5)  # 50 of a million entities, scaled down
    monkeypatch.setattr(finder, "PREFIX_READ", 100)
    monkeypatch.setattr(entity_search, "CANDIDATE_LIMIT", LIMIT)
    company_id = demo["company"].id
    generate_bulk_entities(db.session, company_id, ENTITIES, echo=lambda _line: None)
    generate_bulk_tickets(db.session, company_id, TICKETS, DETAILS, echo=lambda _line: None)
    return company_id


def _typed(db, company_id):
    phone = db.session.scalar(
        sa.select(Phone.number)
        .join(Entity, Entity.id == Phone.entity_id)
        .where(Entity.company_id == company_id, sa.func.length(Phone.number) == 11)
        .order_by(Phone.id.desc())
        .limit(1)
    )
    email = db.session.scalar(
        sa.select(EContact.value)
        .join(Entity, Entity.id == EContact.entity_id)
        .where(Entity.company_id == company_id, EContact.kind == "email")
        .order_by(EContact.id.desc())
        .limit(1)
    )
    return [
        ("000003", 1),
        ("#2500", 1),
        (f"{phone[2:7]}-{phone[7:]}", 1),  # without DDD: one seek per DDD
        (f"({phone[:2]}) {phone[2:7]}-{phone[7:]}", 1),
        (email.upper(), 1),
        (email.split("@")[0] + "@", 1),
        ("produto", 1),
        ("cliente", 1),
        ("cliente", 5),
        ("de", 1),
        ("em", 1),
        ("embalagem violada", 1),
        ("embalagem vio", 1),
        ("cliente pede retorno por whatsapp", 1),
        ("produto xyzzy", 1),
        ("xyzzy", 1),
        ("maria aparecida", 1),
    ]


def test_every_kind_reads_a_bounded_number_of_rows(db, desk):
    company_id = desk
    # The yardstick: the plan without the word index, a scan of the details' text.
    scan, _ = measure_work(
        db,
        lambda: db.session.scalar(
            sa.text(
                "SELECT count(DISTINCT d.ticket_id) FROM ticket_details d"
                " WHERE lower(d.description) LIKE '%embalagem violada%'"
            )
        ),
    )
    budget = scan // 4
    costs = {}
    for query, page in _typed(db, company_id):
        costs[(query, page)], found = measure_work(
            db, lambda q=query, p=page: finder.find(db.session, company_id, q, page=p)
        )
        if page == 1 and query in ("cliente", "produto", "embalagem violada"):
            assert found.tickets and found.ticket_total is None, query  # many: walked
        if page > 1:
            assert found.too_deep  # past the walked window: "refine the search"
    too_costly = {key: cost for key, cost in costs.items() if cost > budget}
    assert not too_costly, (scan, budget, costs)


def test_the_walk_finds_what_the_words_find(db, desk):
    """Over the limit or not, the tickets found have every word; under it, all of them."""
    company_id = desk
    for typed in ("embalagem violada", "lote registrado", "reembolso vale"):
        found = finder.find(db.session, company_id, typed, per_page=10_000)
        words = typed.split()
        for hit in found.tickets:
            texts = " ".join(
                f"{d.description} {d.answer or ''}".lower() for d in hit.ticket.details
            )
            assert all(w in texts for w in words), (typed, hit.ticket.code)
