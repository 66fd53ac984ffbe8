"""Importing what the ERP sold: pedidos with their items (one line per item, the order's
columns repeated on each) and notas fiscais (one line each). Both name their entity by
CPF/CNPJ, which must already be registered in the Empresa (import the entities first), and
are matched by their number within the Empresa, so a re-import changes nothing. Moderate
volumes: written through the ORM (audited), one transaction per file, all rows or none."""

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from isocrm import brdocs
from isocrm.fields import local_to_utc
from isocrm.imports.entities import Progress, Report, RowError, read_into
from isocrm.imports.reader import N_, TOO_LONG, CellError, date_value, decimal_value
from isocrm.models import Entity, Invoice, Order, OrderItem, Product
from isocrm.models.commerce import ORDER_STATUSES

CENTS = Decimal("0.01")
MAX_MONEY = Decimal("999999999999.99")  # Numeric(14, 2)
MAX_QUANTITY = Decimal("999999999.999")  # Numeric(12, 3)


def _entities(session: Session, company_id: int, table) -> dict[str, int]:
    """CPF/CNPJ -> id of the Empresa's entities the file's rows name."""
    found = {}
    docs = sorted({brdocs.normalize(c.get("documento", "")) for _l, c in table.rows})
    for start in range(0, len(docs), 900):
        found.update(
            session.execute(
                sa.select(Entity.document, Entity.id).where(
                    Entity.company_id == company_id, Entity.document.in_(docs[start : start + 900])
                )
            ).all()
        )
    return found


class _Checker:
    """Cell readers that report into one row's problem list."""

    def __init__(self, table, headers: dict[str, str]) -> None:
        self.table, self.headers = table, headers
        self.problems: list[RowError] = []
        self.line = 0

    def start(self, line: int) -> None:
        self.line, self.problems = line, []

    def fail(self, key: str, template: str, **values) -> None:
        """`template`: a Portuguese msgid (N_), `values` what fills its %(name)s."""
        column = self.table.columns.get(key) or self.headers.get(key, key)
        self.problems.append(RowError.of(self.line, column, template, values))

    def text(self, cells, key: str, size: int, message: str | None = None) -> str:
        value = cells.get(key, "")
        if not value and message:
            self.fail(key, message)
        elif len(value) > size:
            self.fail(key, TOO_LONG, max=size)
        return value

    def money(self, cells, key: str, message: str, positive: bool = False) -> Decimal | None:
        if not cells.get(key):
            self.fail(key, message)
            return None
        try:
            value = decimal_value(cells[key])
        except CellError as error:
            self.fail(key, str(error))
            return None
        if value < 0 or (positive and value == 0):
            if positive:
                self.fail(key, N_("O valor deve ser maior que zero."))
            else:
                self.fail(key, N_("Valor negativo."))
            return None
        return value

    def document(self, cells, entities: dict[str, int]) -> int | None:
        raw = cells.get("documento", "")
        document = brdocs.normalize(raw)
        if not raw:
            self.fail("documento", N_("Informe o CPF/CNPJ do cliente."))
        elif not brdocs.is_valid(document):
            self.fail("documento", N_("CPF/CNPJ inválido: confira os dígitos."))
        elif document not in entities:
            self.fail(
                "documento",
                N_("Nenhuma entidade desta Empresa tem este CPF/CNPJ: importe as entidades antes."),
            )
        return entities.get(document)


# --- pedidos ----------------------------------------------------------------------------------

ORDER_COLUMNS = {
    "numero": "numero",
    "numero_do_pedido": "numero",
    "pedido": "numero",
    "cpf_cnpj": "documento",
    "documento": "documento",
    "data": "data",
    "data_do_pedido": "data",
    "situacao": "situacao",
    "item": "item",
    "codigo_do_produto": "produto",
    "produto": "produto",
    "descricao": "descricao",
    "quantidade": "quantidade",
    "preco_unitario": "preco",
    "valor_unitario": "preco",
}
# Each column key with its documented header (docs/importacao/pedidos.csv).
ORDER_HEADERS = {
    "numero": "Número",
    "documento": "CPF/CNPJ",
    "data": "Data",
    "situacao": "Situação",
    "item": "Item",
    "produto": "Código do produto",
    "descricao": "Descrição",
    "quantidade": "Quantidade",
    "preco": "Preço unitário",
}
ORDER_REQUIRED = {
    key: ORDER_HEADERS[key] for key in ("numero", "documento", "data", "quantidade", "preco")
}


@dataclass
class _OrderRow:
    line: int
    number: str
    entity_id: int
    ordered_on: object
    status: str
    items: list[tuple] = field(default_factory=list)  # position, product_id, text, qty, price


def check_orders(session: Session, company_id: int, data: bytes, progress: Progress):
    report = Report(kind="pedidos", nouns=("pedidos", "novos", "atualizados"))
    table = read_into(report, data, ORDER_COLUMNS, ORDER_REQUIRED)
    if table is None:
        return report, []
    entities = _entities(session, company_id, table)
    codes = {c.get("produto") for _l, c in table.rows if c.get("produto")}
    products = dict(
        session.execute(
            sa.select(Product.code, Product).where(
                Product.company_id == company_id, Product.code.in_(sorted(codes))
            )
        ).all()
    )
    check = _Checker(table, ORDER_HEADERS)
    orders: dict[str, _OrderRow] = {}
    for done, (line, cells) in enumerate(table.rows, 1):
        check.start(line)
        number = check.text(cells, "numero", 30, N_("Informe o número do pedido."))
        entity_id = check.document(cells, entities)
        ordered_on = None
        try:
            ordered_on = date_value(cells.get("data", ""))
        except CellError as error:
            check.fail("data", str(error))
        status = (cells.get("situacao") or "aberto").strip().lower()
        if status not in ORDER_STATUSES:
            check.fail(
                "situacao", N_("Situação inválida: use Aberto, Faturado, Entregue ou Cancelado.")
            )
        product = None
        if cells.get("produto"):
            product = products.get(cells["produto"])
            if product is None:
                check.fail(
                    "produto", N_('Produto desconhecido: "%(code)s".'), code=cells["produto"]
                )
        description = check.text(cells, "descricao", 200)
        if not description and product is not None:
            description = product.name
        elif not description and not cells.get("produto"):
            check.fail("descricao", N_("Informe a descrição do item ou o código do produto."))
        quantity = check.money(cells, "quantidade", N_("Informe a quantidade."), positive=True)
        if quantity is not None and (
            quantity > MAX_QUANTITY or quantity != quantity.quantize(Decimal("0.001"))
        ):
            check.fail("quantidade", N_("Quantidade inválida: até 3 casas decimais."))
        price = check.money(cells, "preco", N_("Informe o preço unitário."))
        if price is not None and (price > MAX_MONEY or price != price.quantize(CENTS)):
            check.fail("preco", N_("Preço inválido: até 2 casas decimais."))
        position = None
        if cells.get("item"):
            position = int(cells["item"]) if re.fullmatch(r"\d{1,6}", cells["item"]) else None
            if not position:
                check.fail("item", N_("Item inválido: use o número do item no pedido (1, 2, 3…)."))
        order = orders.get(number)
        if order is not None and not check.problems:
            if (order.entity_id, order.ordered_on, order.status) != (entity_id, ordered_on, status):
                check.fail(
                    "numero",
                    N_(
                        "O pedido %(number)s está na linha %(first)s com outro cliente, data ou"
                        " situação: repita os mesmos valores em todas as suas linhas."
                    ),
                    number=number,
                    first=order.line,
                )
            elif position is not None and any(i[0] == position for i in order.items):
                check.fail(
                    "item",
                    N_("Item %(item)s repetido no pedido %(number)s."),
                    item=position,
                    number=number,
                )
        if check.problems:
            report.errors.extend(check.problems)
        else:
            if order is None:
                order = orders[number] = _OrderRow(line, number, entity_id, ordered_on, status)
            position = position or len(order.items) + 1
            product_id = product.id if product is not None else None
            order.items.append((position, product_id, description, quantity, price))
        if done % 2000 == 0 or done == report.rows:
            progress("Conferindo", done, report.rows)
    return report, list(orders.values())


def _item_total(quantity: Decimal, price: Decimal) -> Decimal:
    return (quantity * price).quantize(CENTS, rounding=ROUND_HALF_UP)


def apply_orders(
    session: Session,
    company_id: int,
    rows: list[_OrderRow],
    report: Report,
    dry_run: bool,
    _progress: Progress,
) -> None:
    existing = {
        o.number: o
        for o in session.scalars(
            sa.select(Order)
            .where(Order.company_id == company_id, Order.number.in_([r.number for r in rows]))
            .options(selectinload(Order.items))
        )
    }
    for row in rows:
        items = sorted(row.items)
        wanted = [(p, pid, d, q, pr) for p, pid, d, q, pr in items]
        total = sum((_item_total(q, pr) for _p, _pid, _d, q, pr in items), Decimal("0.00"))
        order = existing.get(row.number)
        if order is None:
            report.created += 1
            order = Order(company_id=company_id, number=row.number)
            if not dry_run:
                session.add(order)
            have = None
        else:
            have = [
                (i.position, i.product_id, i.description, i.quantity, i.unit_price)
                for i in order.items
            ]
            same = (order.entity_id, order.ordered_on, order.status, order.total) == (
                row.entity_id,
                row.ordered_on,
                row.status,
                total,
            ) and have == wanted
            if same:
                report.unchanged += 1
                continue
            report.updated += 1
        if dry_run:
            continue
        order.entity_id, order.ordered_on = row.entity_id, row.ordered_on
        order.status, order.total = row.status, total
        if have != wanted:
            order.items.clear()
            session.flush()  # the old positions leave before the new ones come
            order.items.extend(
                OrderItem(
                    position=p,
                    product_id=pid,
                    description=d,
                    quantity=q,
                    unit_price=pr,
                    total=_item_total(q, pr),
                )
                for p, pid, d, q, pr in wanted
            )


# --- notas fiscais ----------------------------------------------------------------------------

INVOICE_COLUMNS = {
    "numero": "numero",
    "numero_da_nota": "numero",
    "nota": "numero",
    "serie": "serie",
    "cpf_cnpj": "documento",
    "documento": "documento",
    "emissao": "emissao",
    "data_de_emissao": "emissao",
    "valor_total": "total",
    "total": "total",
    "valor": "total",
    "chave_de_acesso": "chave",
    "chave": "chave",
    "pedido": "pedido",
    "numero_do_pedido": "pedido",
}
# Each column key with its documented header (docs/importacao/notas.csv).
INVOICE_HEADERS = {
    "numero": "Número",
    "serie": "Série",
    "documento": "CPF/CNPJ",
    "emissao": "Emissão",
    "total": "Valor total",
    "chave": "Chave de acesso",
    "pedido": "Pedido",
}
INVOICE_REQUIRED = {
    key: INVOICE_HEADERS[key] for key in ("numero", "documento", "emissao", "total", "chave")
}


def access_key_is_valid(key: str) -> bool:
    """An NF-e chave de acesso: 44 digits, the last a modulo-11 check digit (weights 2..9)."""
    if not re.fullmatch(r"\d{44}", key):
        return False
    total = sum(int(d) * (2 + i % 8) for i, d in enumerate(reversed(key[:43])))
    rest = total % 11
    return int(key[43]) == (0 if rest < 2 else 11 - rest)


def _issued_at(cell: str) -> datetime:
    for pattern, fmt in ((r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", "%d/%m/%Y %H:%M"),):
        if re.fullmatch(pattern, cell):
            try:
                return local_to_utc(datetime.strptime(cell, fmt))
            except ValueError:
                break
    day = date_value(cell)  # dd/mm/aaaa alone: midnight at the desk
    return local_to_utc(datetime(day.year, day.month, day.day))


def check_invoices(session: Session, company_id: int, data: bytes, progress: Progress):
    report = Report(kind="notas", nouns=("notas", "novas", "atualizadas"))
    table = read_into(report, data, INVOICE_COLUMNS, INVOICE_REQUIRED)
    if table is None:
        return report, []
    entities = _entities(session, company_id, table)
    numbers = sorted({c.get("pedido") for _l, c in table.rows if c.get("pedido")})
    orders = dict(
        session.execute(
            sa.select(Order.number, Order.id).where(
                Order.company_id == company_id, Order.number.in_(numbers)
            )
        ).all()
    )
    keys = [re.sub(r"\D", "", c.get("chave", "")) for _l, c in table.rows]
    taken = dict(
        session.execute(
            sa.select(Invoice.access_key, Invoice.company_id).where(Invoice.access_key.in_(keys))
        ).all()
    )
    check = _Checker(table, INVOICE_HEADERS)
    seen: dict[tuple, int] = {}
    seen_keys: dict[str, int] = {}
    rows = []
    for done, (line, cells) in enumerate(table.rows, 1):
        check.start(line)
        number = series = None
        raw = cells.get("numero", "")
        if re.fullmatch(r"\d{1,9}", raw) and int(raw) > 0:
            number = int(raw)
        else:
            check.fail("numero", N_("Número inválido: use o número da nota (até 9 dígitos)."))
        raw = cells.get("serie") or "1"
        if re.fullmatch(r"\d{1,3}", raw):
            series = int(raw)
        else:
            check.fail("serie", N_("Série inválida: use um número de até 3 dígitos."))
        entity_id = check.document(cells, entities)
        issued_at = None
        try:
            issued_at = _issued_at(cells.get("emissao", ""))
        except CellError as error:
            check.fail("emissao", str(error))
        total = check.money(cells, "total", N_("Informe o valor total."))
        if total is not None and (total > MAX_MONEY or total != total.quantize(CENTS)):
            check.fail("total", N_("Valor inválido: até 2 casas decimais."))
        key = re.sub(r"\D", "", cells.get("chave", ""))
        if not access_key_is_valid(key):
            check.fail("chave", N_("Chave de acesso inválida: confira os 44 dígitos da NF-e."))
        elif taken.get(key, company_id) != company_id:
            check.fail("chave", N_("Esta chave de acesso já é de uma nota de outra Empresa."))
        elif key in seen_keys:
            check.fail(
                "chave",
                N_("Chave de acesso repetida: já está na linha %(first)s."),
                first=seen_keys[key],
            )
        order_id = None
        if cells.get("pedido"):
            order_id = orders.get(cells["pedido"])
            if order_id is None:
                check.fail(
                    "pedido", N_('Pedido desconhecido: "%(number)s".'), number=cells["pedido"]
                )
        if (series, number) in seen and number is not None:
            check.fail(
                "numero",
                N_("Nota repetida: já está na linha %(first)s."),
                first=seen[(series, number)],
            )
        if check.problems:
            report.errors.extend(check.problems)
        else:
            seen[(series, number)] = line
            seen_keys[key] = line
            rows.append(
                {
                    "series": series,
                    "number": number,
                    "entity_id": entity_id,
                    "issued_at": issued_at,
                    "total": total,
                    "access_key": key,
                    "order_id": order_id,
                }
            )
        if done % 2000 == 0 or done == report.rows:
            progress("Conferindo", done, report.rows)
    return report, rows


def apply_invoices(
    session: Session,
    company_id: int,
    rows: list[dict],
    report: Report,
    dry_run: bool,
    _progress: Progress,
) -> None:
    existing = {
        (i.series, i.number): i
        for i in session.scalars(
            sa.select(Invoice).where(
                Invoice.company_id == company_id,
                Invoice.number.in_(sorted({r["number"] for r in rows})),
            )
        )
    }
    for row in rows:
        invoice = existing.get((row["series"], row["number"]))
        if invoice is None:
            report.created += 1
            if not dry_run:
                session.add(Invoice(company_id=company_id, **row))
            continue
        if all(getattr(invoice, k) == v for k, v in row.items()):
            report.unchanged += 1
            continue
        report.updated += 1
        if not dry_run:
            for name, value in row.items():
                setattr(invoice, name, value)
