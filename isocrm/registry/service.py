"""Rules of the registration: one Principal per list, unique documents, search prefill."""

import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from isocrm import brdocs, text
from isocrm.models import Entity, EntityRevision, FormSubmission, Status, Ticket
from isocrm.models.base import utcnow
from isocrm.models.catalog import CLOSED_CATEGORIES
from isocrm.models.entity import KIND_COMPANY, KIND_PERSON

_DOCUMENT_LIKE = re.compile(r"^[\dA-Za-z.\-/\s]+$")


def add_row(session: Session, rows: list, row, principal: bool) -> None:
    """Append a row; the first one of a list, or one marked Principal, becomes the Principal."""
    rows.append(row)
    if principal or len(rows) == 1:
        mark_principal(session, rows, row)


def mark_principal(session: Session, rows: list, row) -> None:
    """Make `row` the only Principal of its list."""
    others = [r for r in rows if r is not row and r.is_principal]
    for other in others:
        other.is_principal = False
    if others:
        # The unique "one Principal" index is checked row by row: clear the old one first.
        session.flush()
    row.is_principal = True


def remove_row(session: Session, rows: list, row) -> None:
    """Remove a row; when it was the Principal, the oldest remaining one takes its place."""
    was_principal = row.is_principal
    rows.remove(row)
    session.delete(row)
    if was_principal and rows:
        session.flush()
        rows[0].is_principal = True


def find_duplicate(
    session: Session, company_id: int, document: str | None, exclude_id: int | None = None
) -> Entity | None:
    """Another entity of the Empresa with this CPF/CNPJ."""
    if not document:
        return None
    stmt = sa.select(Entity).where(
        Entity.company_id == company_id, Entity.document == brdocs.normalize(document)
    )
    if exclude_id is not None:
        stmt = stmt.where(Entity.id != exclude_id)
    return session.scalar(stmt)


def prefill_from_query(query: str) -> dict:
    """What the search typed becomes the new entity's document (when it looks like a CPF or
    CNPJ: digits, or a CPF/CNPJ-sized code with digits in it) or its name."""
    query = (query or "").strip()[:150]
    if not query:
        return {}
    normalized = brdocs.normalize(query)
    has_digit = any(c.isdigit() for c in normalized)
    if (
        has_digit
        and _DOCUMENT_LIKE.match(query)
        and (normalized.isdigit() or brdocs.kind_of(normalized))
    ):
        kind = KIND_COMPANY if brdocs.kind_of(normalized) == KIND_COMPANY else KIND_PERSON
        document = brdocs.format_document(normalized) if brdocs.kind_of(normalized) else query
        return {"document": document, "kind": kind}
    return {"name": query}


# --- optimistic locking: a stale save is merged or refused, never silently applied ----------

# Fields that must change together: a kind with the document and the birth date of that kind.
FIELD_GROUPS = (
    ("kind", "document", "birth_date"),
    ("name",),
    ("trade_name",),
    ("notes",),
    ("roles",),
    ("units",),
    ("principal_enderecos",),
    ("principal_telefones",),
    ("principal_econtacts",),
)
PRINCIPAL_ATTRS = {
    "principal_enderecos": "addresses",
    "principal_telefones": "phones",
    "principal_econtacts": "econtacts",
}
REVISIONS_KEPT = 30
# How the attendant reads each of entity_values' keys (a clash, a value kept from another save).
VALUE_LABELS = {
    "kind": _l("Tipo"),
    "document": "CPF/CNPJ",
    "birth_date": _l("Data de nascimento"),
    "name": _l("Nome/Razão social"),
    "trade_name": _l("Nome fantasia"),
    "notes": _l("Observações"),
    "roles": _l("Papéis"),
    "units": _l("Unidades"),
    "principal_enderecos": _l("Endereço principal"),
    "principal_telefones": _l("Telefone principal"),
    "principal_econtacts": _l("E-contact principal"),
}


def entity_values(entity: Entity) -> dict:
    """What Cadastro completo shows and saves, as plain JSON values."""
    values = {
        "kind": entity.kind,
        "document": entity.document,
        "birth_date": entity.birth_date.isoformat() if entity.birth_date else None,
        "name": entity.name,
        "trade_name": entity.trade_name,
        "notes": entity.notes,
        "roles": sorted(r.id for r in entity.roles),
        "units": sorted(u.id for u in entity.units),
    }
    for key, attr in PRINCIPAL_ATTRS.items():
        principal = next((r for r in getattr(entity, attr) if r.is_principal), None)
        values[key] = principal.id if principal is not None else None
    return values


def revision_values(session: Session, entity_id: int, version: int | None) -> dict | None:
    """The values the entity had at `version`, from the database (None when unknown)."""
    if version is None:
        return None
    revision = session.get(EntityRevision, (entity_id, version))
    return dict(revision.values) if revision is not None else None


def start_change(session: Session, entity: Entity) -> None:
    """Before changing an entity: keep its current values as the revision of its current
    version, and make sure the flush bumps the version (a change of papéis or of the
    Principal row alone does not touch the entity's own row)."""
    if session.get(EntityRevision, (entity.id, entity.version)) is None:
        session.add(
            EntityRevision(
                entity_id=entity.id, version=entity.version, values=entity_values(entity)
            )
        )
        session.execute(
            sa.delete(EntityRevision).where(
                EntityRevision.entity_id == entity.id,
                EntityRevision.version <= entity.version - REVISIONS_KEPT,
            )
        )
    entity.updated_at = utcnow()


@dataclass
class Merge:
    values: dict
    taken: list[str] = field(default_factory=list)  # kept as the other save left them
    clashes: list[str] = field(default_factory=list)  # both changed, differently


def merge(base: dict | None, mine: dict, theirs: dict) -> Merge:
    """Three-way merge of a stale save: fields only the other save changed keep its value;
    fields only this one changed take this one's; both changed differently is a clash. With
    no known base every difference is a clash."""
    result = Merge(values=dict(mine))
    for group in FIELD_GROUPS:
        group = [k for k in group if k in mine]
        if not group:
            continue
        differs = [k for k in group if mine[k] != theirs.get(k)]
        if not differs:
            continue
        if base is None:
            result.clashes.extend(differs)
            continue
        mine_changed = any(mine[k] != base.get(k) for k in group)
        theirs_changed = any(theirs.get(k) != base.get(k) for k in group)
        if theirs_changed and not mine_changed:
            for k in group:
                result.values[k] = theirs.get(k)
            result.taken.extend(k for k in group if theirs.get(k) != base.get(k))
        elif theirs_changed:
            result.clashes.extend(differs)
    return result


# --- one-time form keys: the same form submitted twice creates once ------------------------

FORM_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
FORM_KEYS_KEPT = timedelta(days=2)


def new_form_key() -> str:
    return secrets.token_urlsafe(24)


def already_submitted(session: Session, key: str | None) -> FormSubmission | None:
    """The earlier submit of this very form, if there was one."""
    if not key or not FORM_KEY.match(key):
        return None
    return session.get(FormSubmission, key)


def claim_form_key(session: Session, key: str | None, user_id: int) -> bool:
    """Record the form's key in the caller's transaction (so it is kept only if what the
    form created is kept). False when another submit of the same form got there first; the
    caller then rolls back and answers as the first submit did."""
    if not key or not FORM_KEY.match(key):
        return True  # a form without a key (an old page): the content checks still apply
    if session.get(FormSubmission, key) is not None:
        return False
    session.execute(
        sa.delete(FormSubmission).where(FormSubmission.created_at < utcnow() - FORM_KEYS_KEPT)
    )
    session.add(FormSubmission(key=key, user_id=user_id))
    try:
        session.flush()
    except IntegrityError:
        # The other submit committed while this one waited on the key's unique index.
        session.rollback()
        return False
    return True


def remember_result(session: Session, key: str | None, url: str) -> None:
    submission = already_submitted(session, key)
    if submission is not None:
        submission.result_url = url[:300]


def same_name_entity(session: Session, company_id: int, name: str) -> Entity | None:
    """An entity of the Empresa with this name (accents and case ignored)."""
    return session.scalar(
        sa.select(Entity)
        .where(Entity.company_id == company_id, Entity.search_name == text.fold(name)[:150])
        .order_by(Entity.id)
        .limit(1)
    )


# --- a papel or unidade removed from an entity: the open tickets that use it ----------------


def open_tickets_using(
    session: Session, entity: Entity, role_ids: set[int], unit_ids: set[int]
) -> list[Ticket]:
    """Open tickets of the entity whose Papel or Unidade is among those being removed."""
    if not role_ids and not unit_ids:
        return []
    return list(
        session.scalars(
            sa.select(Ticket)
            .join(Status, Ticket.status_id == Status.id)
            .where(
                Ticket.entity_id == entity.id,
                Ticket.company_id == entity.company_id,
                Status.category.not_in(CLOSED_CATEGORIES),
                sa.or_(Ticket.role_id.in_(role_ids), Ticket.unit_id.in_(unit_ids)),
            )
            .order_by(Ticket.code)
        )
    )
