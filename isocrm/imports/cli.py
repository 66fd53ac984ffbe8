"""flask --app isocrm import KIND FILE --company ID [--dry-run]"""

import sys
import time
from pathlib import Path

import click

from isocrm import logs
from isocrm.extensions import db
from isocrm.imports.kinds import KINDS, import_file
from isocrm.models import Company


@click.command("import")
@click.argument("kind", type=click.Choice(sorted(KINDS)))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--company", "company_id", type=int, required=True, help="Id of the Empresa.")
@click.option("--dry-run", is_flag=True, help="Check every row and write nothing.")
def import_command(kind, path, company_id, dry_run):
    """Import a CSV file of KIND (entidades…) into the Empresa: all rows or none."""
    company = db.session.get(Company, company_id)
    if company is None:
        raise click.ClickException(f"Empresa {company_id} não encontrada.")
    started = time.monotonic()
    bars: dict[str, click.progressbar] = {}

    def progress(what: str, done: int, total: int) -> None:
        if not total:  # a step without a count
            click.echo(f"{what}…", err=True)
            return
        bar = bars.get(what)
        if bar is None:
            # On standard error, so the summary on standard output can be piped alone.
            bar = bars[what] = click.progressbar(length=total, label=what, file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)
        if done >= total:
            bar.__exit__(None, None, None)

    report = import_file(kind, db.session, company.id, path.read_bytes(), dry_run, progress)
    for bar in bars.values():
        if not bar.finished:
            bar.__exit__(None, None, None)
    click.echo(f'Arquivo: {report.encoding}, separador "{report.delimiter}".')
    for warning in report.warnings:
        click.echo(f"Aviso: {warning}", err=True)
    if report.errors:
        for error in report.errors:
            click.echo(f"Erro: {error}", err=True)
        raise click.ClickException(
            f"{len(report.errors)} erro(s): nada foi importado."
            " Corrija as linhas e importe de novo."
        )
    elapsed = time.monotonic() - started
    prefix = "Simulação (--dry-run), nada gravado: " if dry_run else ""
    click.echo(f"{prefix}{report.summary()} Tempo: {elapsed:.1f} s.")
    if not dry_run:
        logs.cli_event("import", kind=kind, company_id=company.id, rows=report.rows)
