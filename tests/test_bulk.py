"""The bulk generator at a small size: its rows are ones the app could have made."""

import hashlib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from isocrm import text
from isocrm.demo import generate_bulk_entities, generate_bulk_tickets
from isocrm.demo.bulk_tickets import LOADED_TABLES, split_details
from isocrm.demo.fixed import REFERENCE_NOW
from isocrm.models import (
    Cause,
    Company,
    DetailInfo,
    Entity,
    EntitySearchWord,
    Occurrence,
    ProductInfo,
    Reason,
    Status,
    Team,
    Ticket,
    TicketDetail,
)
from isocrm.models.base import Base
from isocrm.models.catalog import CLOSED_CATEGORIES
from isocrm.models.entity import entity_roles
from isocrm.models.user import user_companies
from isocrm.tickets.views import ENTITY_TICKETS_PAGE_SIZE
from tests.factories import include

ENTITIES, TICKETS, DETAILS = 2_000, 6_000, 20_000


def _count(db, query) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))


def _digest(db, first_id: int) -> str:
    """Every generated ticket, detail and line, ids included, as one hash."""
    digest = hashlib.sha256()
    for model in (Ticket, TicketDetail, DetailInfo):
        table = model.__table__
        start = first_id if model is Ticket else 0
        rows = db.session.execute(
            sa.select(table).where(table.c.id >= start).order_by(table.c.id)
        ).all()
        digest.update(repr(rows).encode())
    return digest.hexdigest()


@pytest.fixture
def generated(db, demo):
    company = demo["company"]
    first_ticket = (db.session.scalar(sa.select(sa.func.max(Ticket.id))) or 0) + 1
    codes_before = company.last_ticket_code
    db.session.add(Team(company_id=company.id, name="Qualidade", members=[demo["atendente"]]))
    db.session.commit()
    assert generate_bulk_entities(db.session, company.id, ENTITIES, echo=lambda _: None)
    made = generate_bulk_tickets(db.session, company.id, TICKETS, DETAILS, echo=lambda _: None)
    db.session.expire_all()
    return {
        "company": company,
        "first_ticket": first_ticket,
        "codes_before": codes_before,
        "made": made,
    }


def test_the_rows_are_valid_as_the_app_makes_them(db, generated):
    company, first = generated["company"], generated["first_ticket"]
    details, lines = split_details(DETAILS)
    assert generated["made"] == (TICKETS, details, lines)
    new = sa.select(Ticket).where(Ticket.id >= first)
    assert _count(db, new) == TICKETS
    assert _count(db, sa.select(TicketDetail).join(Ticket).where(Ticket.id >= first)) == details
    in_new = sa.select(DetailInfo).join(TicketDetail).join(Ticket).where(Ticket.id >= first)
    assert _count(db, in_new) == lines

    # Codes run 1..N per Empresa with no gap, and the counter knows the last one.
    for each in db.session.scalars(sa.select(Company)):
        codes = sorted(
            db.session.scalars(sa.select(Ticket.code).where(Ticket.company_id == each.id))
        )
        assert codes == list(range(1, len(codes) + 1))
        assert each.last_ticket_code == len(codes)
    assert company.last_ticket_code == generated["codes_before"] + TICKETS

    # Every foreign key of the loaded tables points at a row (also on PostgreSQL, where
    # the load set the keys aside and recreated them).
    for name in LOADED_TABLES:
        table = Base.metadata.tables[name]
        for key in table.foreign_key_constraints:
            parent = key.referred_table
            pairs = [(e.parent, e.column) for e in key.elements]
            orphans = (
                sa.select(table.c.id)
                .where(*[child.is_not(None) for child, _ in pairs])
                .where(~sa.exists().where(*[p == c for c, p in pairs]).select_from(parent))
            )
            assert _count(db, orphans) == 0, key.name

    # The classification is a chain of the Empresa's own tree; the papel is the entity's.
    def broken(*where):
        return _count(db, new.where(*where))

    assert broken(Ticket.reason_id.is_(None) | Ticket.occurrence_id.is_(None)) == 0
    chain = (
        new.join(Reason, Reason.id == Ticket.reason_id)
        .join(Occurrence, Occurrence.id == Ticket.occurrence_id)
        .outerjoin(Cause, Cause.id == Ticket.cause_id)
    )
    assert _count(db, chain.where(Reason.company_id != Ticket.company_id)) == 0
    assert _count(db, chain.where(Occurrence.reason_id != Ticket.reason_id)) == 0
    assert _count(db, chain.where(Cause.occurrence_id != Ticket.occurrence_id)) == 0
    without_role = new.where(
        ~sa.exists().where(
            entity_roles.c.entity_id == Ticket.entity_id, entity_roles.c.role_id == Ticket.role_id
        )
    )
    assert _count(db, without_role) == 0
    other_company = new.join(Entity, Entity.id == Ticket.entity_id).where(
        Entity.company_id != Ticket.company_id
    )
    assert _count(db, other_company) == 0
    mismatched_line = (
        in_new.join(ProductInfo, ProductInfo.id == DetailInfo.product_info_id)
        .where(Ticket.id >= first)
        .where(
            (ProductInfo.reason_id != Ticket.reason_id)
            | (ProductInfo.occurrence_id != Ticket.occurrence_id)
        )
    )
    assert _count(db, mismatched_line) == 0

    # Dates: five years before REFERENCE_NOW; closed exactly when the situação closes.
    first_day = REFERENCE_NOW - timedelta(days=5 * 365 + 1)
    span = db.session.execute(
        sa.select(sa.func.min(Ticket.opened_at), sa.func.max(Ticket.opened_at)).where(
            Ticket.id >= first
        )
    ).one()
    assert first_day <= span[0] and span[1] <= REFERENCE_NOW
    assert span[1] - span[0] > timedelta(days=4 * 365)
    with_status = new.join(Status, Status.id == Ticket.status_id)
    closed = Status.category.in_(CLOSED_CATEGORIES)
    assert _count(db, with_status.where(closed, Ticket.closed_at.is_(None))) == 0
    assert _count(db, with_status.where(~closed, Ticket.closed_at.is_not(None))) == 0
    assert _count(db, with_status.where(Status.company_id != Ticket.company_id)) == 0
    early = (
        sa.select(TicketDetail)
        .join(Ticket)
        .where(Ticket.id >= first)
        .where(
            (TicketDetail.opened_at < Ticket.opened_at)
            | (TicketDetail.opened_at > REFERENCE_NOW)
            | (TicketDetail.answered_at < TicketDetail.opened_at)
        )
    )
    assert _count(db, early) == 0

    # Responsável: who opened it, an equipe of the Empresa, or nobody; prazo in 7 days.
    outsider = new.where(
        Ticket.owner_id.is_not(None),
        ~sa.exists().where(
            user_companies.c.user_id == Ticket.owner_id,
            user_companies.c.company_id == Ticket.company_id,
        ),
    )
    assert _count(db, outsider) == 0
    owned = _count(db, new.where(Ticket.owner_id == Ticket.opened_by_id))
    teamed = _count(
        db,
        new.join(Team, Team.id == Ticket.team_id).where(
            Team.company_id == Ticket.company_id, Ticket.owner_id.is_(None)
        ),
    )
    nobody = _count(db, new.where(Ticket.owner_id.is_(None), Ticket.team_id.is_(None)))
    assert owned + teamed + nobody == TICKETS
    assert 0.8 * TICKETS < owned < 0.9 * TICKETS and teamed > 0.05 * TICKETS and nobody > 0
    sample = db.session.scalars(new.order_by(Ticket.id).limit(300)).all()
    for ticket in sample:
        assert ticket.resolution_due_at == ticket.opened_at + timedelta(days=7)
        first_detail = min(ticket.details, key=lambda d: (d.opened_at, d.id))
        assert ticket.first_answered_at == first_detail.answered_at
    assert any(t.first_answered_at for t in sample) and any(not t.first_answered_at for t in sample)

    # The word index of every bulk entity holds what the ORM hook would have put there.
    sample = db.session.scalars(
        sa.select(Entity).where(Entity.document >= "6").order_by(Entity.id).limit(50)
    ).all()
    assert len(sample) == 50
    for entity in sample:
        words = set(
            db.session.scalars(
                sa.select(EntitySearchWord.word).where(EntitySearchWord.entity_id == entity.id)
            )
        )
        assert words == set(text.index_keys(entity.search_name))


def test_the_same_seed_gives_the_same_rows(db, demo):
    company = demo["company"]
    first = (db.session.scalar(sa.select(sa.func.max(Ticket.id))) or 0) + 1
    codes_before = company.last_ticket_code
    generate_bulk_entities(db.session, company.id, 200, echo=lambda _: None)
    generate_bulk_tickets(db.session, company.id, 600, 2_000, echo=lambda _: None)
    before = _digest(db, first)
    # Take the generated tickets away (codes and counter back) and generate them again.
    for model in (DetailInfo, TicketDetail):
        db.session.execute(sa.delete(model).where(model.id >= _first_child(db, model, first)))
    db.session.execute(sa.delete(Ticket).where(Ticket.id >= first))
    db.session.execute(
        sa.update(Company).where(Company.id == company.id).values(last_ticket_code=codes_before)
    )
    db.session.commit()
    generate_bulk_tickets(db.session, company.id, 600, 2_000, echo=lambda _: None)
    assert _digest(db, first) == before
    generate_bulk_tickets(db.session, company.id, 600, 2_000, echo=lambda _: None, seed=7)
    assert _digest(db, first) != before  # the seed, not the clock, decides


def _first_child(db, model, first_ticket: int) -> int:
    detail = db.session.scalar(
        sa.select(sa.func.min(TicketDetail.id)).where(TicketDetail.ticket_id >= first_ticket)
    )
    if model is TicketDetail:
        return detail
    return db.session.scalar(
        sa.select(sa.func.min(DetailInfo.id)).where(DetailInfo.detail_id >= detail)
    )


def test_attendants_open_generated_tickets_and_the_next_code_follows(db, generated, logged_in):
    first = generated["first_ticket"]
    busiest = db.session.execute(
        sa.select(Ticket.entity_id, sa.func.count())
        .where(Ticket.id >= first)
        .group_by(Ticket.entity_id)
        .order_by(sa.func.count().desc(), Ticket.entity_id)
        .limit(1)
    ).one()
    assert busiest[1] >= 5  # a few customers call all the time
    longest = db.session.scalar(
        sa.select(TicketDetail.ticket_id)
        .group_by(TicketDetail.ticket_id)
        .order_by(sa.func.count().desc(), TicketDetail.ticket_id)
        .limit(1)
    )
    tickets = db.session.scalars(
        sa.select(Ticket).where(
            Ticket.id.in_([first, first + TICKETS // 2, first + TICKETS - 1, longest])
        )
    ).all()
    for ticket in tickets:
        for url in (
            f"/atendimentos/{ticket.code}",
            f"/atendimentos/{ticket.code}/relatorio",
            f"/entidades/{ticket.entity_id}/atendimentos",
            f"/entidades/{ticket.entity_id}/historico",
        ):
            response = logged_in.get(url)
            assert response.status_code == 200, url
        page = logged_in.get(f"/atendimentos/{ticket.code}").get_data(as_text=True)
        assert ticket.code_display in page
    # The busiest customer's list comes a page at a time; every ticket is on one of them.
    listed = set()
    for number in range(1, busiest[1] // ENTITY_TICKETS_PAGE_SIZE + 2):
        listing = logged_in.get(f"/entidades/{busiest[0]}/atendimentos?page={number}")
        section = listing.get_data(as_text=True).split('id="entity-tickets"', 1)[1]
        listed.update(re.findall(r'href="/atendimentos/(\d+)"', section))
    assert len(listed) >= busiest[1]

    code = include(logged_in, busiest[0])
    assert code == generated["codes_before"] + TICKETS + 1


def test_the_ticket_word_index_matches_the_details(db, generated):
    """The bulk rows of ticket_search_words are what the ORM hook would write, and the
    global search finds the generated tickets by a phrase of their details."""
    from isocrm.finder.search import find
    from isocrm.models import TicketSearchWord
    from isocrm.models.ticket_search import ticket_words

    company, first = generated["company"], generated["first_ticket"]
    sample = db.session.scalars(
        sa.select(Ticket.id).where(Ticket.id >= first).order_by(Ticket.id).limit(200)
    ).all()
    texts = db.session.execute(
        sa.select(TicketDetail.ticket_id, TicketDetail.description, TicketDetail.answer).where(
            TicketDetail.ticket_id.in_(sample)
        )
    ).all()
    indexed = db.session.execute(
        sa.select(
            TicketSearchWord.ticket_id, TicketSearchWord.word, TicketSearchWord.company_id
        ).where(TicketSearchWord.ticket_id.in_(sample))
    ).all()
    expected = {
        (ticket_id, word)
        for ticket_id, description, answer in texts
        for word in ticket_words((description, answer))
    }
    assert {(t, w) for t, w, _ in indexed} == expected
    assert {c for _, _, c in indexed} == {company.id}
    violada = db.session.scalars(
        sa.select(TicketDetail.ticket_id)
        .where(
            TicketDetail.ticket_id >= first, TicketDetail.description.contains("embalagem violada")
        )
        .distinct()
    ).all()
    found = find(db.session, company.id, "Embalagem VIOLADA", per_page=10_000)
    assert violada and set(violada) <= {hit.ticket.id for hit in found.tickets}
