"""Rules of the registration: one Principal per list, unique documents, search prefill."""

import re

import sqlalchemy as sa
from sqlalchemy.orm import Session

from isocrm import brdocs
from isocrm.models import Entity
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
