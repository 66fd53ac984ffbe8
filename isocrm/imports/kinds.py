"""What can be imported (the KIND of `flask --app isocrm import KIND FILE` and of the
screen), and the one way every kind is run: check every row, then, with no error, apply the
rows in one transaction that is committed whole or rolled back whole."""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from isocrm.imports import commerce, entities, products
from isocrm.imports.entities import Progress, Report, _nothing


@dataclass(frozen=True)
class Kind:
    label: str  # on the screen
    check: Callable  # (session, company_id, data, progress) -> (report, rows); writes nothing
    apply: Callable  # (session, company_id, rows, report, dry_run, progress) -> None


# Example files of each kind: docs/importacao/<kind>.csv
KINDS = {
    "entidades": Kind("Entidades (clientes, parceiros…)", entities.check_file, entities.apply),
    "produtos": Kind("Produtos e suas informações", products.check_file, products.apply),
    "pedidos": Kind("Pedidos e seus itens", commerce.check_orders, commerce.apply_orders),
    "notas": Kind("Notas fiscais", commerce.check_invoices, commerce.apply_invoices),
}


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
    try:
        spec.apply(session, company_id, rows, report, dry_run, progress)
        if dry_run:
            session.rollback()
            return report
        session.commit()
        report.written = True
    except BaseException:
        session.rollback()
        raise
    return report
