"""flask --app isocrm prazos recompute: the prazos of tickets written before the SLA clock
existed (an upgraded database, a bulk import), or after a change made outside the app."""

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from isocrm.extensions import db
from isocrm.models import Company
from isocrm.sla.clock import recompute_all

prazos = AppGroup("prazos", help="Prazos (SLA) of the tickets.")


@prazos.command("recompute")
@click.option("--company", "company_id", type=int, help="Only this Empresa (id).")
@click.option("--closed", is_flag=True, help="Closed tickets too (by default only open ones).")
def recompute_command(company_id: int | None, closed: bool) -> None:
    """Recompute the prazos of every open ticket, Empresa by Empresa, one commit each."""
    statement = sa.select(Company).order_by(Company.id)
    if company_id is not None:
        statement = statement.where(Company.id == company_id)
    companies = db.session.scalars(statement).all()
    if not companies:
        raise click.ClickException(f"Empresa {company_id} não encontrada.")
    for company in companies:
        name = company.name
        count = recompute_all(db.session, company.id, closed=closed)
        db.session.commit()
        click.echo(f"{name}: {count} atendimentos recalculados.")
