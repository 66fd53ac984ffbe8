"""The audit trail: every ORM change of a business record leaves who, when, before and after."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import g
from flask_login import login_user

from isocrm.audit import MASK, history_for, json_safe
from isocrm.models import AuditLog, Company, Entity, Unit, utcnow


def _count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog))


def _new_entity(demo, name="Fulano de Tal") -> Entity:
    return Entity(company_id=demo["company"].id, kind="PF", name=name, birth_date=date(1980, 5, 1))


def test_insert_update_and_delete_are_recorded_newest_first(db, demo):
    entity = _new_entity(demo)
    db.session.add(entity)
    db.session.flush()
    entity_id = entity.id
    db.session.commit()

    # Set right after the commit, without reading first: the old name is not in memory.
    assert "name" not in sa.inspect(entity).dict
    entity.name = "Fulano da Silva"
    db.session.commit()
    assert entity.notes is None  # loads the row: this old value is known to the ORM
    entity.notes = "Prefere contato por e-mail."
    db.session.commit()
    db.session.delete(entity)
    db.session.commit()

    deleted, noted, renamed, inserted = history_for(db.session, "entities", entity_id)
    assert [r.action for r in (inserted, renamed, noted, deleted)] == [
        "insert",
        "update",
        "update",
        "delete",
    ]

    assert inserted.before is None
    assert inserted.after["id"] == entity_id
    assert inserted.after["name"] == "Fulano de Tal"
    assert inserted.after["birth_date"] == "1980-05-01"
    assert inserted.after["notes"] is None and inserted.after["active"] is True  # never set
    assert datetime.fromisoformat(inserted.after["created_at"]).tzinfo is not None
    assert inserted.company_id == demo["company"].id
    assert inserted.user_id is None  # no request: the demo loader, the CLI
    assert inserted.at.tzinfo is not None

    # Only what changed: search_name and updated_at follow the name and are left out.
    assert renamed.before == {"name": "Fulano de Tal"}
    assert renamed.after == {"name": "Fulano da Silva"}
    assert renamed.company_id == demo["company"].id
    assert noted.before == {"notes": None}
    assert noted.after == {"notes": "Prefere contato por e-mail."}

    assert deleted.after is None
    assert deleted.before["name"] == "Fulano da Silva"
    assert deleted.before["notes"] == "Prefere contato por e-mail."
    assert deleted.company_id == demo["company"].id

    # "Nothing" is SQL NULL, not the JSON text 'null', so it can be queried.
    nulls = db.session.execute(
        sa.select(AuditLog.action).where(
            AuditLog.table_name == "entities",
            AuditLog.row_id == str(entity_id),
            sa.or_(AuditLog.before.is_(None), AuditLog.after.is_(None)),
        )
    ).scalars()
    assert sorted(nulls) == ["delete", "insert"]


def test_delete_of_an_expired_object_keeps_its_old_values(db, demo):
    entity = _new_entity(demo, "Beltrano Souza")
    db.session.add(entity)
    db.session.commit()
    entity_id = entity.id
    db.session.expire_all()
    db.session.delete(db.session.get(Entity, entity_id))
    db.session.commit()

    deleted = history_for(db.session, "entities", entity_id)[0]
    assert deleted.action == "delete"
    assert deleted.before["name"] == "Beltrano Souza"
    assert deleted.before["birth_date"] == "1980-05-01"


def test_a_foreign_key_moved_through_a_relationship_keeps_its_old_value(db, demo):
    relation = demo["maria"].relations[0]
    relation_id, old_type_id = relation.id, relation.relation_type_id
    db.session.expire(relation)
    # The flush, not this line, writes relation_type_id: the old value must be read first.
    relation.relation_type = demo["relation_types"]["Sócio(a)"]
    db.session.commit()

    row = history_for(db.session, "relations", relation_id)[0]
    assert row.action == "update"
    assert row.before == {"relation_type_id": old_type_id}
    assert row.after == {"relation_type_id": demo["relation_types"]["Sócio(a)"].id}


def test_passwords_are_never_recorded(db, demo):
    atendente = demo["atendente"]
    inserted = history_for(db.session, "users", atendente.id)[-1]
    assert inserted.action == "insert" and inserted.after["password_hash"] == MASK

    old_hash = atendente.password_hash
    atendente.set_password("outra-senha-123")
    db.session.commit()

    changed = history_for(db.session, "users", atendente.id)[0]
    assert changed.action == "update"
    assert changed.before == {"password_hash": MASK}
    assert changed.after == {"password_hash": MASK}
    logged = json.dumps([[r.before, r.after] for r in db.session.scalars(sa.select(AuditLog))])
    assert old_hash not in logged and atendente.password_hash not in logged


def test_a_flush_without_a_real_change_writes_nothing(db, demo):
    maria, ticket = demo["maria"], demo["ticket_3"]
    before = _count(db)

    maria.name = maria.name  # loaded: the ORM sees no change
    db.session.flush()
    db.session.expire(maria)
    maria.name = "Maria Aparecida da Silva"  # not loaded: the same value, read back to compare
    db.session.flush()
    # Only the version counter and updated_at move: bookkeeping, not a change.
    ticket.updated_at = utcnow()
    db.session.flush()
    assert ticket.version == 2
    db.session.commit()

    assert _count(db) == before


def test_versioned_ticket_update_records_only_the_real_change(db, demo):
    ticket = demo["ticket_3"]
    ticket.complementary_data = "Pedido PV-001002, entrega reagendada."
    db.session.commit()

    row = history_for(db.session, "tickets", ticket.id)[0]
    assert row.action == "update"
    assert row.before == {"complementary_data": "Pedido PV-001002."}
    assert row.after == {"complementary_data": "Pedido PV-001002, entrega reagendada."}


def test_a_rollback_takes_the_audit_rows_with_it(db, demo):
    before = _count(db)
    demo["maria"].notes = "Nunca gravado."
    db.session.add(_new_entity(demo, "Ciclano Rollback"))
    db.session.flush()
    assert _count(db) == before + 2  # written in the same transaction as the change
    db.session.rollback()
    assert _count(db) == before


def test_unaudited_tables_leave_no_rows(db, demo):
    company = demo["company"]
    company.last_ticket_code += 1  # bumped on every new ticket: not worth a row
    db.session.add(_new_entity(demo, "Palavras Indexadas"))
    db.session.commit()

    tables = set(db.session.scalars(sa.select(AuditLog.table_name).distinct()))
    assert {"tickets", "ticket_details", "entities", "users", "statuses"} <= tables
    assert not tables & {"companies", "entity_search_words", "audit_log", "orders", "invoices"}


def test_changes_in_a_request_record_the_user_and_the_company(app, db, demo):
    atendente, south = demo["atendente"], demo["company_south"]
    with app.test_request_context():
        login_user(atendente)
        # Without g.company (before_request has not run): the record's own Empresa.
        south_role = demo["roles_south"]["cliente"]
        south_role.name = "Cliente Sul"
        db.session.commit()
        row = history_for(db.session, "roles", south_role.id)[0]
        assert (row.user_id, row.company_id) == (atendente.id, south.id)

        # With g.company, as every logged-in request has: that Empresa, even for a user.
        g.company = demo["company"]
        demo["supervisor"].name = "Supervisora Renomeada"
        db.session.commit()
        row = history_for(db.session, "users", demo["supervisor"].id)[0]
        assert row.action == "update" and row.after == {"name": "Supervisora Renomeada"}
        assert (row.user_id, row.company_id) == (atendente.id, demo["company"].id)


def test_deleting_an_empresa_with_its_units_still_commits(db, demo):
    company = Company(name="Empresa Efêmera")
    company.units.append(Unit(name="Filial Única"))
    db.session.add(company)
    db.session.commit()
    unit_id = company.units[0].id

    db.session.delete(company)
    db.session.commit()

    deleted = history_for(db.session, "units", unit_id)[0]
    assert deleted.action == "delete" and deleted.before["name"] == "Filial Única"
    assert deleted.company_id is None  # the Empresa went in the same transaction


def test_json_safe_values():
    moment = datetime(2026, 6, 2, 13, 30, tzinfo=UTC)
    assert json_safe(moment) == "2026-06-02T13:30:00+00:00"
    assert json_safe(date(2026, 6, 2)) == "2026-06-02"
    assert json_safe(Decimal("12.50")) == "12.50"
    assert json_safe(None) is None and json_safe(3) == 3 and json_safe("x") == "x"


def test_papel_and_unidade_changes_are_recorded_with_their_names(app, db, demo):
    """Break-it: entity_roles / entity_units rows left no audit row, so the Histórico could
    not show them."""
    maria, atendente = demo["maria"], demo["atendente"]
    fornecedor = demo["roles"]["fornecedor"]
    cliente = demo["roles"]["cliente"]
    unit = maria.units[0]
    last = db.session.scalar(sa.select(sa.func.max(AuditLog.id))) or 0
    with app.test_request_context():
        login_user(atendente)
        g.company = demo["company"]
        maria.roles = [fornecedor]
        maria.units = []
        db.session.flush()
        rows = db.session.scalars(
            sa.select(AuditLog)
            .where(AuditLog.table_name.in_(["entity_roles", "entity_units"]), AuditLog.id > last)
            .order_by(AuditLog.id)
        ).all()
        got = {(r.table_name, r.row_id, r.action) for r in rows}
        assert got == {
            ("entity_roles", f"{maria.id},{fornecedor.id}", "insert"),
            ("entity_roles", f"{maria.id},{cliente.id}", "delete"),
            ("entity_units", f"{maria.id},{unit.id}", "delete"),
        }
        by_action = {(r.table_name, r.action): r for r in rows}
        assert by_action["entity_roles", "insert"].after == {
            "entity_id": maria.id,
            "role_id": fornecedor.id,
            "name": fornecedor.name,
        }
        assert by_action["entity_units", "delete"].before["name"] == unit.name
        assert {(r.user_id, r.company_id) for r in rows} == {(atendente.id, demo["company"].id)}
        db.session.rollback()  # same transaction as the change: gone with it
        assert not db.session.scalars(
            sa.select(AuditLog).where(AuditLog.table_name == "entity_roles", AuditLog.id > last)
        ).all()
