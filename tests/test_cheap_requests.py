"""Cheap requests: the ticket screen and its partials read a small, fixed number of
statements, and the catalogues are cached per process without ever going stale."""

from dataclasses import FrozenInstanceError

import pytest
import sqlalchemy as sa
from flask import g
from sqlalchemy.orm import Session

from isocrm.catalogs import catalog
from isocrm.models import (
    CatalogVersion,
    Entity,
    Occurrence,
    Relation,
    Unit,
)
from tests.factories import HX, add_details, create_ticket, ticket_by_code

MAX_SCREEN_QUERIES = 8


def _count(client, count_queries, url, headers=None):
    client.get(url, headers=headers)  # the catalogue is cached from here on, as in production
    with count_queries() as counter:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    return counter


def test_ticket_screen_reads_at_most_8_statements_whatever_its_details(
    logged_in, demo, db, count_queries
):
    create_ticket(logged_in, demo)
    ticket = ticket_by_code(db, 4)
    one = _count(logged_in, count_queries, "/atendimentos/4")
    panel_one = _count(logged_in, count_queries, "/atendimentos/4/detalhes?detalhe=1", HX)
    add_details(db, demo, ticket, 49, lines=5)
    fifty = _count(logged_in, count_queries, "/atendimentos/4")
    html = logged_in.get("/atendimentos/4").get_data(as_text=True)
    assert "Detalhe 50 de 50" in html and "L48-4" in html
    middle = _count(logged_in, count_queries, "/atendimentos/4?detalhe=25")
    panel = _count(logged_in, count_queries, "/atendimentos/4/detalhes?detalhe=25", HX)
    # The login/session check is counted too.
    assert fifty.count <= MAX_SCREEN_QUERIES, fifty.statements
    assert one.count == fifty.count == middle.count, (one.statements, fifty.statements)
    assert panel_one.count == panel.count <= MAX_SCREEN_QUERIES, panel.statements
    # Neither the catalogues nor the entity's rows are read one by one.
    for table in ("statuses", "channels", "reasons", "occurrences", "causes", "phones"):
        assert not [s for s in fifty.statements if f"FROM {table} " in s], table


def test_new_detail_and_draft_screens_are_as_cheap(logged_in, demo, db, count_queries):
    create_ticket(logged_in, demo)
    add_details(db, demo, ticket_by_code(db, 4), 10)
    new_detail = _count(logged_in, count_queries, "/atendimentos/4?detalhe=novo")
    assert new_detail.count <= MAX_SCREEN_QUERIES, new_detail.statements


def test_partials_read_a_constant_number_of_statements(logged_in, demo, db, count_queries):
    reason = demo["reasons"]["Reclamação"].id
    occurrence = demo["occurrences"]["Reclamação/Produto com defeito"].id
    maria = demo["maria"]
    lines = "".join(f"&infos-{i}-product_info_id={demo['product_info'].id}" for i in range(10))
    cases = {
        "ocorrências": (
            f"/atendimentos/opcoes/ocorrencias?reason_id={reason}",
            f"/atendimentos/opcoes/ocorrencias?reason_id={reason}{lines}",
            1,
        ),
        "causas": (
            f"/atendimentos/opcoes/causas?reason_id={reason}&occurrence_id={occurrence}",
            f"/atendimentos/opcoes/causas?reason_id={reason}&occurrence_id={occurrence}{lines}",
            1,
        ),
        "informação": (
            f"/atendimentos/opcoes/informacao?reason_id={reason}&occurrence_id={occurrence}",
            f"/atendimentos/opcoes/informacao?reason_id={reason}&occurrence_id={occurrence}"
            "&index=9",
            1,
        ),
        "contatos": (
            f"/entidades/{maria.id}/contatos?q=",
            f"/entidades/{maria.id}/contatos?q=j",
            3,
        ),
    }
    small = {
        name: _count(logged_in, count_queries, a, HX).count for name, (a, _, _) in cases.items()
    }
    # More of everything the answers list: the counts stay.
    for n in range(20):
        person = Entity(company_id=demo["company"].id, name=f"Joana Contato {n}", kind="PF")
        db.session.add(person)
        db.session.flush()
        db.session.add(
            Relation(
                entity_id=maria.id,
                related_entity_id=person.id,
                relation_type_id=demo["relation_types"]["Cônjuge"].id,
            )
        )
    db.session.commit()
    for name, (_, b, bound) in cases.items():
        counter = _count(logged_in, count_queries, b, HX)
        assert counter.count == small[name] <= bound, (name, counter.statements)


# --- the catalogue cache --------------------------------------------------------------------


def _occurrence_options(client, demo) -> str:
    reason = demo["reasons"]["Reclamação"].id
    return client.get(f"/atendimentos/opcoes/ocorrencias?reason_id={reason}", headers=HX).get_data(
        as_text=True
    )


def test_a_change_made_by_another_app_process_is_seen_by_the_next_request(
    logged_in, demo, database_url, count_queries
):
    assert "Produto com defeito" in _occurrence_options(logged_in, demo)
    with count_queries() as cached:
        _occurrence_options(logged_in, demo)
    assert [s for s in cached.statements if "occurrences" in s] == []  # served from the copy

    # Another worker or machine: its own engine and ORM session on the same database.
    other = sa.create_engine(database_url)
    try:
        with Session(other) as session:
            occurrence_id = demo["occurrences"]["Reclamação/Produto com defeito"].id
            session.get(Occurrence, occurrence_id).name = "Produto danificado"
            session.commit()
    finally:
        other.dispose()
    html = _occurrence_options(logged_in, demo)
    assert "Produto danificado" in html and "Produto com defeito" not in html


def test_a_raw_sql_change_is_seen_once_the_version_is_bumped(logged_in, demo, db):
    """Only the version says a copy is stale: a write that bypasses the ORM must bump it."""
    occurrence_id = demo["occurrences"]["Reclamação/Produto com defeito"].id
    assert "Produto com defeito" in _occurrence_options(logged_in, demo)
    db.session.execute(
        sa.text("UPDATE occurrences SET name = 'Produto trincado' WHERE id = :id"),
        {"id": occurrence_id},
    )
    db.session.commit()
    assert "Produto com defeito" in _occurrence_options(logged_in, demo)  # the cached copy
    db.session.execute(sa.text("UPDATE catalog_version SET version = version + 1"))
    db.session.commit()
    assert "Produto trincado" in _occurrence_options(logged_in, demo)


def _version(db) -> int:
    db.session.commit()
    return db.session.scalar(sa.select(CatalogVersion.version))


def test_every_orm_change_to_a_catalogue_bumps_the_version_and_others_do_not(demo, db):
    seen = [_version(db)]

    def bumped() -> bool:
        seen.append(_version(db))
        return seen[-1] not in seen[:-1]

    unit = Unit(company_id=demo["company"].id, name="Filial Santos")
    db.session.add(unit)
    assert bumped()
    unit.city = "Santos"
    assert bumped()
    db.session.delete(unit)
    assert bumped()
    demo["channels"]["E-mail"].active = False
    assert bumped()
    demo["maria"].notes = "Prefere contato por e-mail."  # not a catalogue
    assert not bumped()
    demo["channels"]["E-mail"].active = True
    db.session.flush()
    db.session.rollback()  # a change rolled back leaves the version as it was
    assert not bumped()


def test_a_cached_catalogue_never_leaks_another_empresas_rows(app, demo, db):
    company, south = demo["company"], demo["company_south"]
    with app.test_request_context():
        g.catalog_version = _version(db)
        mine, theirs = catalog(db.session, company.id), catalog(db.session, south.id)
        again = catalog(db.session, company.id)
    assert again is mine  # the same copy while the version holds
    assert set(mine.units.values()) == {"Matriz São Paulo", "Filial Campinas"}
    assert set(theirs.units.values()) == {"Matriz Porto Alegre"}
    assert not set(mine.roles) & set(theirs.roles)
    assert not set(mine.reasons) & set(theirs.reasons)
    # Plain frozen values shared by every thread, never ORM objects.
    with pytest.raises(FrozenInstanceError):
        mine.units = {}
    with pytest.raises(TypeError):
        mine.units[0] = "x"
    assert all(type(pair) is tuple for pair in mine.channels)


def test_another_empresas_reason_offers_no_occurrence(logged_in, demo, db):
    south_reason = db.session.scalar(
        sa.text("SELECT id FROM reasons WHERE company_id = :c LIMIT 1"),
        {"c": demo["company_south"].id},
    )
    html = logged_in.get(
        f"/atendimentos/opcoes/ocorrencias?reason_id={south_reason}", headers=HX
    ).get_data(as_text=True)
    assert html.count("<option") == html.count('<option value="">') > 0  # blank ones only


def test_historico_reads_a_bounded_number_of_statements(logged_in, demo, db, count_queries):
    """One per source of the timeline (10), three to name the rows and two to name the
    relations a page shows, the entity and the session check: never one per event."""
    url = f"/entidades/{demo['maria'].id}/historico"
    before = _count(logged_in, count_queries, url)
    create_ticket(logged_in, demo)
    add_details(db, demo, ticket_by_code(db, 4), 49)
    after = _count(logged_in, count_queries, url)
    assert "Detalhe extra 48" in logged_in.get(url).get_data(as_text=True)
    assert before.count == after.count <= 17, after.statements
    # Users named on the page come without their Empresas (only the session's user has them).
    assert not [s for s in after.statements if "user_companies" in s and "user_sessions" not in s]
