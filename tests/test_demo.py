"""The demo dataset: the fixed records other tests and the README rely on, and its rules."""

import sqlalchemy as sa

from isocrm import brdocs
from isocrm.demo import load_demo
from isocrm.models import (
    Address,
    Alert,
    Company,
    EContact,
    Entity,
    Invoice,
    Order,
    Phone,
    Status,
    Ticket,
    User,
)


def _count(db, stmt):
    return db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))


def test_demo_has_the_fixed_records_and_keeps_the_rules(db):
    load_demo(db.session, people=40)
    session = db.session

    company = session.scalar(sa.select(Company).where(Company.name == "isoCRM Demonstração"))
    users = {u.username: u for u in session.scalars(sa.select(User))}
    assert users["atendente"].check_password("atendente123")
    assert users["atendente"].role == "atendente"
    assert users["supervisor"].check_password("supervisor123")
    assert users["supervisor"].is_supervisor
    assert company in users["atendente"].companies and company in users["supervisor"].companies

    maria = session.scalar(sa.select(Entity).where(Entity.document == "52998224725"))
    assert maria.name == "Maria Aparecida da Silva"
    assert [r.name for r in maria.roles] == ["Cliente"]
    assert len(maria.relations) >= 2
    high = [
        a
        for a in session.scalars(sa.select(Alert).where(Alert.entity_id == maria.id))
        if a.resolved_at is None and a.priority == 3
    ]
    assert high
    assert _count(db, sa.select(Order).where(Order.entity_id == maria.id)) >= 1
    assert _count(db, sa.select(Invoice).where(Invoice.entity_id == maria.id)) >= 1
    assert _count(db, sa.select(Ticket).where(Ticket.entity_id == maria.id)) == 3

    mercado = session.scalar(sa.select(Entity).where(Entity.document == "11222333000181"))
    assert mercado.name == "Mercado Bom Preço Ltda"
    assert {r.name for r in mercado.roles} == {"Cliente", "Parceiro"}
    joaquim = session.scalar(sa.select(Entity).where(Entity.document == "11144477735"))
    assert joaquim.name == "Joaquim Pereira" and joaquim.roles == []

    statuses = {
        s.name: s for s in session.scalars(sa.select(Status).where(Status.company_id == company.id))
    }
    assert {"Aberto", "Em andamento", "Aguardando cliente", "Concluído", "Cancelado"} <= set(
        statuses
    )
    assert statuses["Concluído"].is_closed and not statuses["Aguardando cliente"].is_closed

    # Every stored document is valid; every non-empty list has exactly one Principal.
    for entity in session.scalars(sa.select(Entity).where(Entity.document.is_not(None))):
        assert brdocs.is_valid(entity.document), entity.document
    for model in (Address, Phone, EContact):
        rows = session.execute(
            sa.select(
                model.entity_id, sa.func.sum(sa.case((model.is_principal, 1), else_=0))
            ).group_by(model.entity_id)
        ).all()
        assert rows and all(principals == 1 for _, principals in rows), model.__name__

    # Ticket codes run 1..N per Empresa with no gap, and the counter knows the last one.
    for each in session.scalars(sa.select(Company)):
        codes = sorted(session.scalars(sa.select(Ticket.code).where(Ticket.company_id == each.id)))
        assert codes == list(range(1, len(codes) + 1))
        assert each.last_ticket_code == len(codes)
    for ticket in session.scalars(sa.select(Ticket)):
        assert (ticket.closed_at is not None) == ticket.status.is_closed


def test_demo_is_deterministic(app, db, tmp_path):
    """Two loads into empty databases give the same names and documents."""
    load_demo(db.session, people=25)
    first = db.session.execute(sa.select(Entity.name, Entity.document).order_by(Entity.id)).all()
    other_url = f"sqlite:///{tmp_path / 'second.sqlite3'}"
    from isocrm import create_app
    from isocrm.cli import migrate_database
    from isocrm.extensions import db as second_db

    second = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": other_url})
    with second.app_context():
        migrate_database()
        load_demo(second_db.session, people=25)
        again = second_db.session.execute(
            sa.select(Entity.name, Entity.document).order_by(Entity.id)
        ).all()
        second_db.session.remove()
        second_db.engine.dispose()
    assert first == again
