"""flask --app isocrm fetch-mail: one pass over every enabled mailbox (run it from cron or
a systemd timer; see README.md, Caixa de entrada)."""

import click
import sqlalchemy as sa

from isocrm.extensions import db
from isocrm.inbound.fetch import fetch_all
from isocrm.models import Company


@click.command("fetch-mail")
def fetch_mail():
    """Read the new messages of every enabled mailbox and import them: replies become
    details, known senders draft tickets, the others wait in Sem cadastro. Exits 1 when a
    mailbox could not be read (the others are read all the same)."""
    reports = fetch_all()
    names = dict(db.session.execute(sa.select(Company.id, Company.name)).all())
    if not reports:
        click.echo("Nenhuma caixa de entrada ativa.")
    for report in reports:
        name = names.get(report.company_id, report.company_id)
        codes = ", ".join(f"{code:06d}" for code in report.tickets)
        click.echo(
            f"{name}: {report.imported} importada(s)"
            + (f" (atendimentos {codes})" if codes else "")
            + f", {report.unmatched} sem cadastro, {report.failed} com falha,"
            f" {report.skipped} já importada(s)."
        )
        if report.error:
            click.echo(f"{name}: erro: {report.error}", err=True)
    if any(report.error for report in reports):
        raise SystemExit(1)
