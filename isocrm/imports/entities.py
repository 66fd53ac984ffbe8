"""Importing entities: each row checked by the registration's own rules, then the whole
file written in one transaction (all rows or none), matched by CPF/CNPJ within the Empresa
so that importing the same file again changes nothing.

What a row sets: the entity's own fields (a column present and empty clears it), its papéis
(added, never removed), and its Principal address, phone and e-mail (added, or the Principal
one updated; other rows are left alone). Rows go through Core in batches, so the ORM hook
that keeps the word index is replaced by the same keys written here (isocrm.text), as the
bulk generator does (isocrm.demo.bulk)."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter

import sqlalchemy as sa
from sqlalchemy.orm import Session
from wtforms.validators import ValidationError

from isocrm import brdocs, phones, text
from isocrm.fields import (
    UFS,
    email_address,
    phone_number,
    validate_document,
    zip_code,
)
from isocrm.imports.reader import (
    N_,
    TOO_LONG,
    CellError,
    ImportFileError,
    Table,
    date_value,
    fill,
    read_table,
    split_list,
)
from isocrm.localtime import local_today
from isocrm.models import Entity, Role
from isocrm.models.base import utcnow
from isocrm.models.entity import (
    KIND_COMPANY,
    KIND_PERSON,
    PHONE_KINDS,
    Address,
    EContact,
    EntitySearchWord,
    Phone,
    entity_roles,
)

Progress = Callable[[str, int, int], object]  # (what, done, total)

# Header (folded, words joined by "_") -> column key. The first name of each is the one
# documented (README, docs/importacao/entidades.csv).
COLUMNS = {
    "cpf_cnpj": "documento",
    "documento": "documento",
    "cpf": "documento",
    "cnpj": "documento",
    "tipo": "tipo",
    "nome": "nome",
    "nome_razao_social": "nome",
    "razao_social": "nome",
    "nome_fantasia": "nome_fantasia",
    "data_de_nascimento": "nascimento",
    "data_nascimento": "nascimento",
    "nascimento": "nascimento",
    "papeis": "papeis",
    "papel": "papeis",
    "cep": "cep",
    "logradouro": "logradouro",
    "endereco": "logradouro",
    "numero": "numero",
    "complemento": "complemento",
    "bairro": "bairro",
    "cidade": "cidade",
    "municipio": "cidade",
    "uf": "uf",
    "estado": "uf",
    "telefone": "telefone",
    "tipo_de_telefone": "tipo_telefone",
    "tipo_telefone": "tipo_telefone",
    "e_mail": "email",
    "email": "email",
    "observacoes": "observacoes",
}
# Each column key with its documented header: an error names the column so when the file
# has no such column (a row with a CEP and no Cidade column says "Cidade").
HEADERS = {
    "documento": "CPF/CNPJ",
    "tipo": "Tipo",
    "nome": "Nome",
    "nome_fantasia": "Nome fantasia",
    "nascimento": "Data de nascimento",
    "papeis": "Papéis",
    "cep": "CEP",
    "logradouro": "Logradouro",
    "numero": "Número",
    "complemento": "Complemento",
    "bairro": "Bairro",
    "cidade": "Cidade",
    "uf": "UF",
    "telefone": "Telefone",
    "tipo_telefone": "Tipo de telefone",
    "email": "E-mail",
    "observacoes": "Observações",
}
REQUIRED = {key: HEADERS[key] for key in ("documento", "nome")}
ADDRESS_KEYS = ("cep", "logradouro", "numero", "complemento", "bairro", "cidade", "uf")
LIMITS = {
    "nome": 150,
    "nome_fantasia": 150,
    "logradouro": 150,
    "numero": 20,
    "complemento": 80,
    "bairro": 80,
    "cidade": 80,
    "observacoes": 5000,
}
KINDS = {
    "pf": KIND_PERSON,
    "f": KIND_PERSON,
    "fisica": KIND_PERSON,
    "pessoa fisica": KIND_PERSON,
    "pj": KIND_COMPANY,
    "j": KIND_COMPANY,
    "juridica": KIND_COMPANY,
    "pessoa juridica": KIND_COMPANY,
}
BATCH = 2_000
MAX_ERRORS = 100_000  # a file of garbage stops being checked here


@dataclass(frozen=True)
class RowError:
    """A bad row (or, with no column, a file that cannot be read). `message` is the
    Portuguese text (the command line's, and all a report of an older version has);
    `template` % `values` is the same text as its msgid, which the screen translates for
    whoever looks at the report (isocrm.imports.views.import_error). A message of the
    shared validators (isocrm.fields) is its own template, with no values."""

    line: int
    column: str
    message: str
    template: str = field(default="", compare=False)
    values: dict = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, line: int, column: str, template: str, values: dict | None = None) -> "RowError":
        return cls(line, column, fill(template, values), template, dict(values or {}))

    def __str__(self) -> str:
        where = f"linha {self.line}" + (f", coluna {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class EntityRow:
    line: int
    kind: str
    document: str
    name: str
    fields: dict  # entity columns the file has: trade_name, birth_date, notes
    role_ids: frozenset[int]
    address: dict | None
    phone: tuple[str, str] | None  # (kind, digits)
    email: str | None


@dataclass
class Report:
    kind: str = "entidades"
    encoding: str = ""
    delimiter: str = ";"
    header: list[str] = field(default_factory=list)
    preview: list[tuple[int, list[str]]] = field(default_factory=list)  # (line, cells)
    rows: int = 0
    warnings: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    # What the counts count, agreeing in gender: ("entidades", "novas", "atualizadas").
    nouns: tuple[str, str, str] = ("entidades", "novas", "atualizadas")

    def summary(self) -> str:
        noun, new, updated = self.nouns
        verb = "gravado" if self.written else "a gravar"
        if not (self.created or self.updated):
            verb = "nada a gravar" if not self.written else verb
        return (
            f"{_count(self.rows, 'linhas')}: {_count(self.created, noun, new)},"
            f" {_count(self.updated, updated)}, {_count(self.unchanged)} sem alteração ({verb})."
        )


def _count(number: int, *plurals: str) -> str:
    """12345, "linhas" -> "12.345 linhas"; 1 -> "1 linha" (our nouns take an s)."""
    words = plurals if number != 1 else [word.removesuffix("s") for word in plurals]
    return " ".join([f"{number:,}".replace(",", "."), *words])


def _nothing(_what: str, _done: int, _total: int) -> None:
    return None


def read_into(
    report: Report, data: bytes, columns: dict[str, str], required: dict[str, str]
) -> Table | None:
    """Read the file into the report (encoding, warnings, the first rows); None, with the
    error in the report, when it cannot be read or has no rows."""
    try:
        table = read_table(data, columns, required)
    except ImportFileError as error:
        report.errors.append(RowError.of(error.line, "", error.template, error.values))
        return None
    report.encoding, report.delimiter = table.encoding, table.delimiter
    report.warnings.extend(table.warnings)
    report.header = list(table.columns.values())
    keys = list(table.columns)
    report.preview = [(line, [cells[k] for k in keys]) for line, cells in table.rows[:10]]
    report.rows = len(table.rows)
    if not table.rows:
        report.errors.append(
            RowError.of(2, "", N_("O arquivo não tem nenhuma linha depois do cabeçalho."))
        )
        return None
    return table


# --- checking the rows ------------------------------------------------------------------------


class _RowChecker:
    def __init__(self, session: Session, company_id: int, table: Table) -> None:
        self.table = table
        self.today = local_today()
        self.roles: dict[str, int] = {}
        role_names = []
        for role in session.scalars(sa.select(Role).where(Role.company_id == company_id)):
            self.roles[text.fold(role.name)] = role.id
            self.roles[text.fold(role.code)] = role.id
            role_names.append(role.name)
        self.role_names = ", ".join(sorted(role_names))
        self.seen: dict[str, int] = {}

    def column(self, key: str) -> str:
        return self.table.columns.get(key) or HEADERS.get(key, key)

    def check(self, line: int, cells: dict[str, str], errors: list[RowError]) -> EntityRow | None:
        problems: list[RowError] = []

        def fail(key: str, template: str, **values) -> None:
            problems.append(RowError.of(line, self.column(key), template, values))

        for key, size in LIMITS.items():
            if len(cells.get(key, "")) > size:
                fail(key, TOO_LONG, max=size)
        name = cells.get("nome", "")
        if not name:
            fail("nome", N_("Informe o nome ou a razão social."))

        kind = None
        raw_kind = cells.get("tipo", "")
        if raw_kind:
            kind = KINDS.get(text.fold(raw_kind))
            if kind is None:
                fail("tipo", N_("Tipo inválido: use PF (pessoa física) ou PJ (pessoa jurídica)."))
        raw_document = cells.get("documento", "")
        document = brdocs.normalize(raw_document)
        if not raw_document:
            fail(
                "documento",
                N_("Informe o CPF/CNPJ: é por ele que uma nova importação reconhece a entidade."),
            )
        elif kind is not None or raw_kind == "":
            kind = kind or brdocs.kind_of(document) or KIND_PERSON
            message = validate_document(kind, document)
            if message:
                fail("documento", message)
            elif document in self.seen:
                fail(
                    "documento",
                    N_("CPF/CNPJ repetido: já está na linha %(line)s."),
                    line=self.seen[document],
                )
            else:
                self.seen[document] = line

        fields: dict = {}
        if "nome_fantasia" in cells:
            fields["trade_name"] = cells["nome_fantasia"] or None
        if "observacoes" in cells:
            fields["notes"] = cells["observacoes"] or None
        if "nascimento" in cells:
            fields["birth_date"] = self._birth_date(cells["nascimento"], kind, fail)

        role_ids = set()
        for role in split_list(cells.get("papeis", "")):
            role_id = self.roles.get(text.fold(role))
            if role_id is None and self.role_names:
                fail(
                    "papeis",
                    N_('Papel desconhecido: "%(role)s" (papéis da Empresa: %(roles)s).'),
                    role=role,
                    roles=self.role_names,
                )
            elif role_id is None:
                fail(
                    "papeis",
                    N_('Papel desconhecido: "%(role)s" (papéis da Empresa: nenhum).'),
                    role=role,
                )
            else:
                role_ids.add(role_id)

        address = self._address(cells, fail)
        phone = self._phone(cells, kind, fail)
        email = None
        if cells.get("email"):
            try:
                email = email_address(cells["email"])
            except ValidationError as error:
                fail("email", str(error))

        if problems:
            errors.extend(problems)
            return None
        return EntityRow(
            line, kind, document, name, fields, frozenset(role_ids), address, phone, email
        )

    def _birth_date(self, cell: str, kind: str | None, fail) -> date | None:
        if not cell:
            return None
        try:
            value = date_value(cell)
        except CellError as error:
            fail("nascimento", str(error))
            return None
        if kind == KIND_COMPANY:
            fail("nascimento", N_("Pessoa jurídica não tem data de nascimento."))
        elif value > self.today:
            fail("nascimento", N_("A data de nascimento não pode estar no futuro."))
        return value

    def _address(self, cells: dict[str, str], fail) -> dict | None:
        if not any(cells.get(key) for key in ADDRESS_KEYS):
            return None
        address = {
            "zip_code": None,
            "street": cells.get("logradouro", ""),
            "number": cells.get("numero") or None,
            "complement": cells.get("complemento") or None,
            "district": cells.get("bairro") or None,
            "city": cells.get("cidade", ""),
            "state": cells.get("uf", "").upper(),
        }
        try:
            address["zip_code"] = zip_code(cells.get("cep"))
        except ValidationError as error:
            fail("cep", str(error))
        if not address["street"]:
            fail("logradouro", N_("Informe o logradouro."))
        if not address["city"]:
            fail("cidade", N_("Informe a cidade."))
        if address["state"] not in UFS:
            fail("uf", N_("UF inválida: use a sigla do estado, como SP."))
        return address

    def _phone(self, cells: dict[str, str], kind: str | None, fail) -> tuple[str, str] | None:
        if not cells.get("telefone"):
            if cells.get("tipo_telefone"):
                fail(
                    "telefone",
                    N_("Informe o telefone com DDD (o tipo de telefone está preenchido)."),
                )
            return None
        try:
            digits = phone_number(cells["telefone"])
        except ValidationError as error:
            fail("telefone", str(error))
            return None
        raw_kind = text.fold(cells.get("tipo_telefone", ""))
        if raw_kind:
            if raw_kind not in PHONE_KINDS:
                fail(
                    "tipo_telefone",
                    N_("Tipo de telefone inválido: use Celular, Residencial ou Comercial."),
                )
                return None
            return raw_kind, digits
        if phones.is_mobile(digits):
            return "celular", digits
        return ("comercial" if kind == KIND_COMPANY else "residencial"), digits


def check_file(
    session: Session, company_id: int, data: bytes, progress: Progress = _nothing
) -> tuple[Report, list[EntityRow]]:
    """Read and check every row; nothing is written."""
    report = Report()
    table = read_into(report, data, COLUMNS, REQUIRED)
    if table is None:
        return report, []
    checker = _RowChecker(session, company_id, table)
    valid = []
    for done, (line, cells) in enumerate(table.rows, 1):
        row = checker.check(line, cells, report.errors)
        if row is not None:
            valid.append(row)
        if done % BATCH == 0 or done == report.rows:
            progress("Conferindo", done, report.rows)
        if len(report.errors) >= MAX_ERRORS:
            report.warnings.append(
                f"Conferência interrompida na linha {line}: erros demais ({MAX_ERRORS})."
            )
            break
    return report, valid


# --- writing -----------------------------------------------------------------------------------

E, R = Entity.__table__, entity_roles
A, P, C, W = Address.__table__, Phone.__table__, EContact.__table__, EntitySearchWord.__table__
ADDRESS_FIELDS = ("zip_code", "street", "number", "complement", "district", "city", "state")


def _chunks(items: list, size: int = 900) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class _Existing:
    id: int
    kind: str
    name: str
    values: dict
    role_ids: set = field(default_factory=set)
    address: dict | None = None  # the Principal, with its id
    phones: list = field(default_factory=list)  # (id, kind, number, is_principal)
    econtacts: list = field(default_factory=list)  # (id, kind, value, is_principal)


def _existing(session: Session, company_id: int, documents: list[str]) -> dict[str, _Existing]:
    found: dict[str, _Existing] = {}
    for chunk in _chunks(documents):
        for row in session.execute(
            sa.select(
                E.c.id, E.c.document, E.c.kind, E.c.name, E.c.trade_name, E.c.birth_date, E.c.notes
            ).where(E.c.company_id == company_id, E.c.document.in_(chunk))
        ):
            found[row.document] = _Existing(
                row.id,
                row.kind,
                row.name,
                {"trade_name": row.trade_name, "birth_date": row.birth_date, "notes": row.notes},
            )
    by_id = {e.id: e for e in found.values()}
    ids = list(by_id)
    for chunk in _chunks(ids):
        for entity_id, role_id in session.execute(
            sa.select(R.c.entity_id, R.c.role_id).where(R.c.entity_id.in_(chunk))
        ):
            by_id[entity_id].role_ids.add(role_id)
        for row in session.execute(
            sa.select(A.c.id, A.c.entity_id, *[A.c[f] for f in ADDRESS_FIELDS]).where(
                A.c.entity_id.in_(chunk), A.c.is_principal
            )
        ):
            by_id[row.entity_id].address = {"id": row.id} | {
                f: row[i + 2] for i, f in enumerate(ADDRESS_FIELDS)
            }
        for row in session.execute(
            sa.select(P.c.id, P.c.entity_id, P.c.kind, P.c.number, P.c.is_principal).where(
                P.c.entity_id.in_(chunk)
            )
        ):
            by_id[row.entity_id].phones.append((row.id, row.kind, row.number, row.is_principal))
        for row in session.execute(
            sa.select(C.c.id, C.c.entity_id, C.c.kind, C.c.value, C.c.is_principal).where(
                C.c.entity_id.in_(chunk)
            )
        ):
            by_id[row.entity_id].econtacts.append((row.id, row.kind, row.value, row.is_principal))
    return found


@dataclass
class _Plan:
    new: list[EntityRow] = field(default_factory=list)
    entity_updates: list[dict] = field(default_factory=list)
    reindex: dict[int, tuple[str, str | None]] = field(default_factory=dict)
    roles: list[dict] = field(default_factory=list)
    addresses: list[dict] = field(default_factory=list)
    address_updates: list[dict] = field(default_factory=list)
    phones: list[dict] = field(default_factory=list)
    phone_updates: list[dict] = field(default_factory=list)
    econtacts: list[dict] = field(default_factory=list)
    econtact_updates: list[dict] = field(default_factory=list)
    updated_ids: set[int] = field(default_factory=set)
    unchanged: int = 0


def _plan(rows: list[EntityRow], existing: dict[str, _Existing]) -> _Plan:
    plan = _Plan()
    for row in rows:
        old = existing.get(row.document)
        if old is None:
            plan.new.append(row)
            continue
        changed = False
        values = {"kind": row.kind, "name": row.name} | row.fields
        current = {"kind": old.kind, "name": old.name} | {k: old.values[k] for k in row.fields}
        if values != current:
            changed = True
            plan.entity_updates.append(
                {
                    "b_id": old.id,
                    "kind": row.kind,
                    "name": row.name,
                    "search_name": text.fold(row.name)[:150],
                }
                | {k: values.get(k, old.values[k]) for k in ("trade_name", "birth_date", "notes")}
            )
            trade = values.get("trade_name", old.values["trade_name"])
            if row.name != old.name or trade != old.values["trade_name"]:
                plan.reindex[old.id] = (row.name, trade)
        for role_id in sorted(row.role_ids - old.role_ids):
            changed = True
            plan.roles.append({"entity_id": old.id, "role_id": role_id})
        changed |= _plan_details(plan, old.id, row, old)
        if changed:
            plan.updated_ids.add(old.id)
        else:
            plan.unchanged += 1
    return plan


def _plan_details(plan: _Plan, entity_id: int, row: EntityRow, old: _Existing | None) -> bool:
    """The Principal address, phone and e-mail of one row; True when anything changes."""
    changed = False
    if row.address is not None:
        if old is None or old.address is None:
            plan.addresses.append({"entity_id": entity_id, "is_principal": True} | row.address)
            changed = True
        elif any(old.address[f] != row.address[f] for f in ADDRESS_FIELDS):
            plan.address_updates.append({"b_id": old.address["id"]} | row.address)
            changed = True
    if row.phone is not None:
        kind, number = row.phone
        rows = old.phones if old else []
        if not any(n == number for _i, _k, n, _p in rows):
            principal = next((r for r in rows if r[3]), None)
            if principal is not None:
                plan.phone_updates.append({"b_id": principal[0], "kind": kind, "number": number})
            else:
                plan.phones.append(
                    {"entity_id": entity_id, "is_principal": True, "kind": kind, "number": number}
                )
            changed = True
    if row.email is not None:
        rows = old.econtacts if old else []
        if not any(k == "email" and v.lower() == row.email.lower() for _i, k, v, _p in rows):
            principal = next((r for r in rows if r[3]), None)
            if principal is not None and principal[1] == "email":
                plan.econtact_updates.append({"b_id": principal[0], "value": row.email})
            else:
                plan.econtacts.append(
                    {
                        "entity_id": entity_id,
                        "is_principal": principal is None,
                        "kind": "email",
                        "value": row.email,
                    }
                )
            changed = True
    return changed


def _write(session: Session, company_id: int, plan: _Plan, progress: Progress) -> None:
    now = utcnow()
    total = len(plan.new) + len(plan.entity_updates)
    done = 0
    for chunk in _chunks(plan.new, BATCH):
        ids = (
            session.execute(
                sa.insert(E).returning(E.c.id, sort_by_parameter_order=True),
                [
                    {
                        "company_id": company_id,
                        "kind": row.kind,
                        "document": row.document,
                        "name": row.name,
                        "search_name": text.fold(row.name)[:150],
                        "trade_name": row.fields.get("trade_name"),
                        "birth_date": row.fields.get("birth_date"),
                        "notes": row.fields.get("notes"),
                        "created_at": now,
                        "updated_at": now,
                    }
                    for row in chunk
                ],
            )
            .scalars()
            .all()
        )
        words = []
        for entity_id, row in zip(ids, chunk, strict=True):
            words.extend(
                {"company_id": company_id, "word": word, "entity_id": entity_id}
                for word in sorted(text.index_keys(row.name, row.fields.get("trade_name")))
            )
            plan.roles.extend({"entity_id": entity_id, "role_id": r} for r in sorted(row.role_ids))
            _plan_details(plan, entity_id, row, None)
        _execute(session, W, words)
        done += len(chunk)
        progress("Gravando", done, total)
    update = (
        sa.update(E)
        .where(E.c.id == sa.bindparam("b_id"))
        .values(
            kind=sa.bindparam("kind"),
            name=sa.bindparam("name"),
            search_name=sa.bindparam("search_name"),
            trade_name=sa.bindparam("trade_name"),
            birth_date=sa.bindparam("birth_date"),
            notes=sa.bindparam("notes"),
            updated_at=now,
            version=E.c.version + 1,
        )
    )
    for chunk in _chunks(plan.entity_updates, BATCH):
        session.execute(update, chunk)
        done += len(chunk)
        progress("Gravando", done, total)
    touched = plan.updated_ids - {u["b_id"] for u in plan.entity_updates}
    # A change of papel or Principal row alone is a change of the entity too (its version
    # tells an open Cadastro page that it is stale, as registry.service.start_change does).
    for chunk in _chunks(sorted(touched), BATCH):
        session.execute(
            sa.update(E).where(E.c.id.in_(chunk)).values(updated_at=now, version=E.c.version + 1)
        )
    reindex = sorted(plan.reindex.items())
    for chunk in _chunks(reindex, BATCH):
        session.execute(sa.delete(W).where(W.c.entity_id.in_([i for i, _ in chunk])))
        _execute(
            session,
            W,
            [
                {"company_id": company_id, "word": word, "entity_id": entity_id}
                for entity_id, (name, trade) in chunk
                for word in sorted(text.index_keys(name, trade))
            ],
        )
    _execute(session, R, plan.roles)
    _execute(session, A, plan.addresses)
    _execute(session, P, plan.phones)
    _execute(session, C, plan.econtacts)
    for table, values, updates in (
        (A, {f: sa.bindparam(f) for f in ADDRESS_FIELDS}, plan.address_updates),
        (P, {"kind": sa.bindparam("kind"), "number": sa.bindparam("number")}, plan.phone_updates),
        (C, {"value": sa.bindparam("value")}, plan.econtact_updates),
    ):
        statement = (
            sa.update(table)
            .where(table.c.id == sa.bindparam("b_id"))
            .values(**values, version=table.c.version + 1)
        )
        for chunk in _chunks(updates, BATCH):
            session.execute(statement, chunk)


def _execute(session: Session, table: sa.Table, rows: list[dict]) -> None:
    """Insert many rows of the same columns, straight to the driver: COPY on PostgreSQL,
    executemany on SQLite (through SQLAlchemy each of the ~10 rows per entity — words,
    papéis, address… — had its parameters built one by one, 40% of the time SQLite's write
    lock was held). The columns not given take the database's defaults (version = 1)."""
    if not rows:
        return
    keys = list(rows[0])
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _copy(connection, table, keys, rows)
        return
    bare = sa.table(table.name, *(sa.column(key) for key in keys))  # no Python defaults
    compiled = sa.insert(bare).compile(dialect=connection.dialect, column_keys=keys)
    if compiled.positional:
        values = itemgetter(*compiled.positiontup)  # every table here has 2 columns or more
        params = [values(row) for row in rows]
    else:
        params = rows
    for chunk in _chunks(params, BATCH * 5):
        connection.exec_driver_sql(compiled.string, chunk)


def _copy(connection, table: sa.Table, keys: list[str], rows: list[dict]) -> None:
    """PostgreSQL: COPY, one stream in the import's transaction. psycopg's executemany sends
    an INSERT per row: 100,000 entities took 36 s to write."""
    values = itemgetter(*keys)
    cursor = connection.connection.driver_connection.cursor()
    # Our own table and column names, never the file's.
    with cursor.copy(f"COPY {table.name} ({', '.join(keys)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(values(row))


def apply(
    session: Session,
    company_id: int,
    rows: list[EntityRow],
    report: Report,
    dry_run: bool,
    progress: Progress,
) -> None:
    """Count what the valid rows change and, unless it is a dry run, write it in the
    session's transaction (isocrm.imports.kinds.import_file commits or rolls back)."""
    existing = _existing(session, company_id, [row.document for row in rows])
    plan = _plan(rows, existing)
    report.created = len(plan.new)
    report.unchanged = plan.unchanged
    report.updated = len(rows) - report.created - report.unchanged
    if not dry_run:
        _write(session, company_id, plan, progress)
