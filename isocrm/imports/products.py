"""Importing products with their informações: one line per informação (the product's own
columns repeated on each), or one line with the product alone. Matched by Código within the
Empresa; a re-import of the same file changes nothing. A catalogue is small, so rows go
through the ORM: audited, and the catalogue version bumped for every app process
(isocrm.catalogs), in one transaction with the whole file or nothing."""

import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from isocrm import text
from isocrm.imports.entities import Progress, Report, RowError, _nothing, read_into
from isocrm.imports.reader import N_, TOO_LONG
from isocrm.models import Product, ProductInfo, Reason

COLUMNS = {
    "codigo": "codigo",
    "codigo_do_produto": "codigo",
    "produto": "nome",
    "nome": "nome",
    "nome_do_produto": "nome",
    "ean": "ean",
    "gtin": "ean",
    "codigo_de_barras": "ean",
    "ativo": "ativo",
    "motivo": "motivo",
    "ocorrencia": "ocorrencia",
    "informacao": "informacao",
}
# Each column key with its documented header (docs/importacao/produtos.csv).
HEADERS = {
    "codigo": "Código",
    "nome": "Produto",
    "ean": "EAN",
    "ativo": "Ativo",
    "motivo": "Motivo",
    "ocorrencia": "Ocorrência",
    "informacao": "Informação",
}
REQUIRED = {key: HEADERS[key] for key in ("codigo", "nome")}
YES = {"sim", "s", "1", "ativo", "x", "true"}
NO = {"nao", "n", "0", "inativo", "false"}


def gtin_is_valid(digits: str) -> bool:
    """EAN-8, UPC-A (12), EAN-13 or GTIN-14: digits and the modulo-10 check digit."""
    if not re.fullmatch(r"\d{8}|\d{12,14}", digits):
        return False
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


@dataclass
class _ProductRow:
    line: int
    code: str
    name: str
    ean: str | None
    active: bool | None
    infos: list[tuple[int, int, str]] = field(default_factory=list)  # reason, occurrence, text


def _tree(session: Session, company_id: int) -> dict[str, tuple[int, dict[str, int]]]:
    """Motivo (folded) -> (id, {Ocorrência (folded) -> id})."""
    tree: dict[str, tuple[int, dict[str, int]]] = {}
    reasons = session.scalars(
        sa.select(Reason)
        .where(Reason.company_id == company_id)
        .options(selectinload(Reason.occurrences))
    )
    for reason in reasons:
        tree[text.fold(reason.name)] = (
            reason.id,
            {text.fold(o.name): o.id for o in reason.occurrences},
        )
    return tree


def check_file(
    session: Session, company_id: int, data: bytes, progress: Progress = _nothing
) -> tuple[Report, list[_ProductRow]]:
    report = Report(kind="produtos", nouns=("produtos", "novos", "atualizados"))
    table = read_into(report, data, COLUMNS, REQUIRED)
    if table is None:
        return report, []
    tree = _tree(session, company_id)
    products: dict[str, _ProductRow] = {}

    def column(key: str) -> str:
        return table.columns.get(key) or HEADERS.get(key, key)

    for done, (line, cells) in enumerate(table.rows, 1):
        problems: list[RowError] = []

        def fail(key: str, template: str, line=line, problems=problems, **values) -> None:
            problems.append(RowError.of(line, column(key), template, values))

        code, name = cells.get("codigo", ""), cells.get("nome", "")
        if not code:
            fail("codigo", N_("Informe o código do produto."))
        elif len(code) > 30:
            fail("codigo", TOO_LONG, max=30)
        if not name:
            fail("nome", N_("Informe o nome do produto."))
        elif len(name) > 120:
            fail("nome", TOO_LONG, max=120)
        ean = re.sub(r"[\s.-]", "", cells.get("ean", "")) or None
        if ean is not None and not gtin_is_valid(ean):
            fail(
                "ean",
                N_("EAN inválido: confira os 8, 12, 13 ou 14 dígitos e o dígito verificador."),
            )
        active = None
        if cells.get("ativo"):
            folded = text.fold(cells["ativo"])
            if folded in YES or folded in NO:
                active = folded in YES
            else:
                fail("ativo", N_("Use Sim ou Não."))
        info = None
        reason_name, occurrence_name = cells.get("motivo", ""), cells.get("ocorrencia", "")
        description = cells.get("informacao", "")
        if reason_name or occurrence_name or description:
            reason = tree.get(text.fold(reason_name))
            if not reason_name:
                fail("motivo", N_("Informe o motivo da informação."))
            elif reason is None:
                fail("motivo", N_('Motivo desconhecido: "%(reason)s".'), reason=reason_name)
            occurrence_id = reason[1].get(text.fold(occurrence_name)) if reason else None
            if not occurrence_name:
                fail("ocorrencia", N_("Informe a ocorrência da informação."))
            elif reason is not None and occurrence_id is None:
                fail(
                    "ocorrencia",
                    N_('Ocorrência "%(occurrence)s" não existe em %(reason)s.'),
                    occurrence=occurrence_name,
                    reason=reason_name,
                )
            if not description:
                fail("informacao", N_("Informe o texto da informação."))
            elif len(description) > 200:
                fail("informacao", TOO_LONG, max=200)
            if reason is not None and occurrence_id is not None:
                info = (reason[0], occurrence_id, description)
        product = products.get(code)
        if product is not None and not problems:
            if (product.name, product.ean, product.active) != (name, ean, active):
                fail(
                    "nome",
                    N_(
                        "O produto %(code)s está na linha %(first)s com outro nome, EAN ou"
                        " situação: repita os mesmos valores em todas as suas linhas."
                    ),
                    code=code,
                    first=product.line,
                )
            elif info is not None and info in product.infos:
                fail("informacao", N_("Informação repetida do produto %(code)s."), code=code)
        if problems:
            report.errors.extend(problems)
        else:
            if product is None:
                product = products[code] = _ProductRow(line, code, name, ean, active)
            if info is not None:
                product.infos.append(info)
        if done % 2000 == 0 or done == report.rows:
            progress("Conferindo", done, report.rows)
    return report, list(products.values())


def apply(
    session: Session,
    company_id: int,
    rows: list[_ProductRow],
    report: Report,
    dry_run: bool,
    _progress: Progress,
) -> None:
    existing = {
        p.code: p
        for p in session.scalars(
            sa.select(Product)
            .where(Product.company_id == company_id, Product.code.in_([r.code for r in rows]))
            .options(selectinload(Product.informations))
        )
    }
    for row in rows:
        product = existing.get(row.code)
        if product is None:
            report.created += 1
            product = Product(company_id=company_id, code=row.code, name=row.name, ean=row.ean)
            if row.active is not None:
                product.active = row.active
            if not dry_run:
                session.add(product)
            changed = True
        else:
            changed = product.name != row.name or product.ean != row.ean
            changed |= row.active is not None and product.active != row.active
            if changed and not dry_run:
                product.name, product.ean = row.name, row.ean
                if row.active is not None:
                    product.active = row.active
        have = {(i.reason_id, i.occurrence_id, i.description) for i in product.informations}
        for reason_id, occurrence_id, description in row.infos:
            if (reason_id, occurrence_id, description) in have:
                continue
            changed = True
            if not dry_run:
                product.informations.append(
                    ProductInfo(
                        reason_id=reason_id,
                        occurrence_id=occurrence_id,
                        description=description,
                    )
                )
        if product.code in existing:
            if changed:
                report.updated += 1
            else:
                report.unchanged += 1
