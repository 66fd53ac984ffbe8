"""What can be imported (the KIND of `flask --app isocrm import KIND FILE` and of the
screen), and the one way every kind is run: check every row, then, with no error, apply the
rows in one transaction that is committed whole or rolled back whole."""

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from isocrm.database import writing
from isocrm.imports import commerce, entities, products
from isocrm.imports.entities import Progress, Report, _nothing


@dataclass(frozen=True)
class Kind:
    label: str  # on the screen
    check: Callable  # (session, company_id, data, progress) -> (report, rows); writes nothing
    apply: Callable  # (session, company_id, rows, report, dry_run, progress) -> None
    tables: tuple[str, ...]  # what it writes: their statistics are renewed after a big import


# Example files of each kind: docs/importacao/<kind>.csv
KINDS = {
    "entidades": Kind(
        _l("Entidades (clientes, parceiros…)"),
        entities.check_file,
        entities.apply,
        ("entities", "entity_roles", "entity_search_words", "addresses", "phones", "econtacts"),
    ),
    "produtos": Kind(
        _l("Produtos e suas informações"),
        products.check_file,
        products.apply,
        ("products", "product_infos"),
    ),
    "pedidos": Kind(
        _l("Pedidos e seus itens"),
        commerce.check_orders,
        commerce.apply_orders,
        ("orders", "order_items"),
    ),
    "notas": Kind(
        _l("Notas fiscais"), commerce.check_invoices, commerce.apply_invoices, ("invoices",)
    ),
}
# PostgreSQL's planner learns a table's size from its statistics, renewed by autovacuum
# within a minute or so of a big change. Until then a table that just grew by 100,000 rows
# is still "small": a re-import right after looked up each chunk of documents with a full
# scan (measured: 280 s instead of 9 s for 100,000 entities). Above this many rows written,
# the import renews them itself.
ANALYZE_AFTER_ROWS = 1_000


def import_file(
    kind: str,
    session: Session,
    company_id: int,
    data: bytes,
    dry_run: bool = False,
    progress: Progress = _nothing,
) -> Report:
    """Check the file; when every row is valid and it is not a dry run, write it all and
    commit. A dry run, a bad row or any failure leaves the database as it was."""
    spec = KINDS[kind]
    report, rows = spec.check(session, company_id, data, progress)
    if report.errors:
        return report
    # The check only read. Its transaction ends here, so on SQLite the writes below begin
    # one of their own holding the write lock from the start: a read snapshot turned into a
    # writer fails at once when anybody saved meanwhile (SQLITE_BUSY_SNAPSHOT), and the
    # lock is held while writing only, not while every row was checked.
    session.rollback()
    progress("Comparando com o cadastro", 0, 0)
    try:
        if dry_run:
            spec.apply(session, company_id, rows, report, dry_run, progress)
            session.rollback()
            return report
        with writing():
            spec.apply(session, company_id, rows, report, dry_run, progress)
            progress("Concluindo", 0, 0)
            session.commit()
        report.written = True
        _renew_statistics(session, spec, report)
    except BaseException:
        session.rollback()
        raise
    return report


def _renew_statistics(session: Session, spec: Kind, report: Report) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite's planner picks the same indexes for these lookups at any size
    if report.created + report.updated < ANALYZE_AFTER_ROWS:
        return
    session.execute(sa.text("ANALYZE " + ", ".join(spec.tables)))
    session.commit()
