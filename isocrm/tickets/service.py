"""Rules of a ticket that deserve a name: its code, drafts, the merge of concurrent edits,
the detail rules and what an attendant typed but has not confirmed yet.

Views parse the request, call these and render; nothing here reads the request."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from isocrm.fields import bounded_int, strip_control_characters
from isocrm.models import Company, DetailInfo, Status, Ticket, TicketDetail, UnsavedEdit
from isocrm.models.base import utcnow
from isocrm.models.catalog import STATUS_CANCELLED
from isocrm.models.ticket import STAGE_CONFIRMED, STAGE_DISCARDED, STAGE_DRAFT

# Editable ticket fields, in screen order: what a conflict compares and the audit shows.
TICKET_FIELDS = (
    "role_id",
    "complementary_data",
    "related_ticket_id",
    "reason_id",
    "occurrence_id",
    "cause_id",
    "unit_id",
    "location_entity_id",
    "location_note",
    "status_id",
)
DETAIL_FIELDS = (
    "channel_id",
    "direction",
    "received_at",
    "description",
    "answer",
    "internal",
    "internal_note",
)
DETAIL_OPTIONAL_FIELDS = ("contact_entity_id",)

# What the autosave keeps: the screen's own fields, bounded, never anything else.
UNSAVED_MAX_BYTES = 200_000
UNSAVED_MAX_VALUE = 10_000


class DraftError(Exception):
    """A rule refused the change; the message is for the attendant."""


# --- codes and drafts ---------------------------------------------------------------------


def take_next_code(session: Session, company_id: int) -> int:
    """The Empresa's next ticket code, inside the caller's transaction.

    The counter row is bumped with one UPDATE … RETURNING: PostgreSQL locks that row until
    the transaction ends and SQLite holds its write lock, so concurrent saves queue up and
    get consecutive codes; a save that rolls back gives its code back, so there are no gaps.
    """
    return session.execute(
        sa.update(Company)
        .where(Company.id == company_id)
        .values(last_ticket_code=Company.last_ticket_code + 1)
        .returning(Company.last_ticket_code)
        .execution_options(synchronize_session=False)
    ).scalar_one()


def default_status(session: Session, company_id: int) -> Status | None:
    """The situação a new ticket starts in: the one marked default, else the first open one."""
    return session.scalar(
        sa.select(Status)
        .where(Status.company_id == company_id, Status.active)
        .order_by(Status.is_default.desc(), Status.position, Status.id)
        .limit(1)
    )


def open_draft(session: Session, company_id: int, entity, user_id: int) -> Ticket:
    """Incluir: the ticket exists at once, with its code (the protocolo to tell the caller).

    The Papel is filled only when the entity has exactly one; otherwise the attendant picks
    it before Confirmar. Nothing else is chosen for them."""
    status = default_status(session, company_id)
    if status is None:
        raise DraftError(
            _("Nenhuma situação ativa cadastrada: peça a um supervisor para criar uma.")
        )
    now = utcnow()
    ticket = Ticket(
        company_id=company_id,
        code=take_next_code(session, company_id),
        entity_id=entity.id,
        role_id=entity.roles[0].id if len(entity.roles) == 1 else None,
        status_id=status.id,
        stage=STAGE_DRAFT,
        opened_by_id=user_id,
        updated_by_id=user_id,
        owner_id=user_id,
        opened_at=now,
    )
    session.add(ticket)
    return ticket


def discard_draft(session: Session, ticket: Ticket, user_id: int) -> None:
    """A draft given up is kept as Cancelado (desistência): its code stays accounted for."""
    if not ticket.is_draft:
        raise DraftError(
            _("Só um rascunho pode ser descartado; este atendimento já foi confirmado.")
        )
    cancelled = session.scalar(
        sa.select(Status)
        .where(Status.company_id == ticket.company_id, Status.category == STATUS_CANCELLED)
        .order_by(Status.active.desc(), Status.position, Status.id)
        .limit(1)
    )
    ticket.stage = STAGE_DISCARDED
    if cancelled is not None:
        apply_status(ticket, cancelled)
    else:
        ticket.closed_at = max(utcnow(), ticket.opened_at)
    ticket.updated_by_id = user_id
    session.execute(sa.delete(UnsavedEdit).where(UnsavedEdit.ticket_id == ticket.id))


def drafts_of(session: Session, company_id: int, *, entity_id=None, user_id=None, limit=50):
    """Drafts nobody confirmed yet, newest first: of an entity, or opened by a user."""
    stmt = sa.select(Ticket).where(Ticket.company_id == company_id, Ticket.stage == STAGE_DRAFT)
    if entity_id is not None:
        stmt = stmt.where(Ticket.entity_id == entity_id)
    if user_id is not None:
        stmt = stmt.where(Ticket.opened_by_id == user_id)
    return stmt.order_by(Ticket.opened_at.desc(), Ticket.id.desc()).limit(limit)


# --- the ticket's own fields --------------------------------------------------------------


def apply_status(ticket: Ticket, status: Status) -> None:
    """Data fechamento follows the situação: set on closing, cleared on reopening."""
    if ticket.status_id != status.id:
        ticket.status = status
        ticket.status_id = status.id
    if status.is_closed and ticket.closed_at is None:
        ticket.closed_at = max(utcnow(), ticket.opened_at) if ticket.opened_at else utcnow()
    elif not status.is_closed and ticket.closed_at is not None:
        ticket.closed_at = None


def ticket_values(ticket: Ticket) -> dict[str, Any]:
    return {name: getattr(ticket, name) for name in TICKET_FIELDS}


def parse_base(text: str | None) -> dict[str, Any] | None:
    """The values the attendant's screen was built from, as sent back by the browser.

    Only used to tell who changed what; a value saved never comes from here. Anything
    malformed counts as unknown (None), which makes every difference a question."""
    try:
        data = json.loads(text or "")
    except (ValueError, RecursionError):  # "[[[[…" thousands deep overflows the parser
        return None
    if not isinstance(data, dict):
        return None
    return {
        name: data.get(name)
        for name in TICKET_FIELDS
        if data.get(name) is None or isinstance(data.get(name), int | str)
    }


@dataclass
class Merge:
    values: dict[str, Any]
    kept_theirs: list[str] = field(default_factory=list)  # only the other side changed
    conflicts: list[str] = field(default_factory=list)  # both changed, differently


def merge_ticket_fields(
    mine: dict[str, Any],
    base: dict[str, Any] | None,
    theirs: dict[str, Any],
    *,
    same_version: bool,
    resolutions: dict[str, str],
) -> Merge:
    """Three-way merge of the ticket's fields.

    `mine` passed the form's validation, `theirs` was just read from the database; `base`
    (what this attendant saw) only decides who changed a field. "Ficar com o do outro"
    takes the value from the database, never from the browser."""
    values = dict(mine)
    for name in TICKET_FIELDS:
        if resolutions.get(name) == "theirs":
            values[name] = theirs[name]
    if same_version:
        return Merge(values)
    merge = Merge(values)
    for name in TICKET_FIELDS:
        seen = base.get(name, _UNKNOWN) if base is not None else _UNKNOWN
        if seen is not _UNKNOWN and _same(theirs[name], seen):
            continue  # nobody else touched it
        if _same(values[name], theirs[name]):
            continue
        if seen is not _UNKNOWN and _same(mine[name], seen):
            values[name] = theirs[name]
            merge.kept_theirs.append(name)
        elif resolutions.get(name) != "mine":
            merge.conflicts.append(name)
    return merge


_UNKNOWN = object()


def _same(a: Any, b: Any) -> bool:
    return _norm(a) == _norm(b)


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        number = bounded_int(value) if value.isdecimal() else None
        if number is not None:
            return number
    return None if value in ("", None) else value


def apply_ticket_values(ticket: Ticket, values: dict[str, Any], status: Status) -> bool:
    """Write the merged values; True when something really changed (nothing is touched
    otherwise, so an unchanged Confirmar writes no row and no audit entry)."""
    changed = False
    for name, value in values.items():
        if name == "status_id":
            continue
        value = _blank_to_none(value)
        if getattr(ticket, name) != value:
            setattr(ticket, name, value)
            changed = True
    before = (ticket.status_id, ticket.closed_at)
    apply_status(ticket, status)
    return changed or before != (ticket.status_id, ticket.closed_at)


def _blank_to_none(value):
    if isinstance(value, str):
        value = value.strip()
    return value if value not in ("", None) else None


# --- details ------------------------------------------------------------------------------


@dataclass
class DetailInput:
    """A detail as the form validated it (dates already in UTC)."""

    channel_id: int | None
    direction: str
    received_at: datetime | None
    description: str
    answer: str | None
    contact_entity_id: int | None
    info_lines: list[dict[str, Any]]
    internal: bool = False
    internal_note: str | None = None


def apply_detail(detail: TicketDetail, data: DetailInput, now: datetime) -> bool:
    """Copy a detail's fields; True when something changed. Data da resposta is set when
    an answer is first saved and cleared when the answer is removed."""
    answer = (data.answer or "").strip() or None
    new_values = {
        "channel_id": data.channel_id,
        "direction": data.direction,
        "received_at": data.received_at,
        "description": data.description.strip(),
        "answer": answer,
        "contact_entity_id": data.contact_entity_id,
        "internal": bool(data.internal),
        "internal_note": (data.internal_note or "").strip() or None,
    }
    changed = False
    for name, value in new_values.items():
        if getattr(detail, name) != value:
            setattr(detail, name, value)
            changed = True
    if answer and detail.answered_at is None:
        detail.answered_at = now
    elif not answer and detail.answered_at is not None:
        detail.answered_at = None
    for line in data.info_lines:
        detail.informations.append(DetailInfo(**line))
        changed = True
    return changed


def detail_differs(detail: TicketDetail, data: DetailInput) -> bool:
    """Whether a form's values are other than the saved detail's, information lines
    included (compared as sets of their fields)."""
    answer = (data.answer or "").strip() or None
    saved = (
        detail.channel_id,
        detail.direction,
        detail.received_at,
        detail.description,
        detail.answer,
        detail.contact_entity_id,
        detail.internal,
        detail.internal_note,
    )
    typed = (
        data.channel_id,
        data.direction,
        data.received_at,
        data.description.strip(),
        answer,
        data.contact_entity_id,
        bool(data.internal),
        (data.internal_note or "").strip() or None,
    )

    def lines(rows) -> list:
        return sorted(repr(sorted(row.items())) for row in rows)

    # A form without lines adds none: nothing of it would be lost.
    fields = data.info_lines[0].keys() if data.info_lines else ()
    saved_lines = [{name: getattr(info, name) for name in fields} for info in detail.informations]
    return saved != typed or bool(fields) and lines(saved_lines) != lines(data.info_lines)


def find_entry(session: Session, ticket: Ticket, entry_key: str | None) -> TicketDetail | None:
    """The detail an earlier submit of the same new-detail form already created."""
    if not entry_key:
        return None
    return session.scalar(
        sa.select(TicketDetail).where(
            TicketDetail.ticket_id == ticket.id, TicketDetail.entry_key == entry_key
        )
    )


def detail_count(session: Session, ticket: Ticket) -> int:
    return session.scalar(
        sa.select(sa.func.count())
        .select_from(TicketDetail)
        .where(TicketDetail.ticket_id == ticket.id)
    )


def position_of(session: Session, ticket: Ticket, detail: TicketDetail) -> int:
    """1-based page of a detail, in the order the pager shows them."""
    return session.scalar(
        sa.select(sa.func.count())
        .select_from(TicketDetail)
        .where(
            TicketDetail.ticket_id == ticket.id,
            sa.or_(
                TicketDetail.opened_at < detail.opened_at,
                sa.and_(TicketDetail.opened_at == detail.opened_at, TicketDetail.id <= detail.id),
            ),
        )
    )


def confirm(ticket: Ticket, user_id: int) -> None:
    """A draft becomes a ticket (its code and Data abertura are the ones it got at Incluir)."""
    ticket.stage = STAGE_CONFIRMED
    ticket.updated_by_id = user_id


# --- what was typed and not confirmed -----------------------------------------------------


def clean_screen_fields(pairs, allowed) -> list[list[str]]:
    """The posted pairs the screen may keep: known names only, control characters out,
    each value bounded; the whole must stay under UNSAVED_MAX_BYTES."""
    kept = []
    size = 0
    for name, value in pairs:
        if not allowed(name):
            continue
        value = strip_control_characters(str(value))[:UNSAVED_MAX_VALUE]
        size += len(name) + len(value.encode())
        if size > UNSAVED_MAX_BYTES:
            raise DraftError(_("Texto grande demais para guardar como rascunho."))
        kept.append([name, value])
    return kept


def unsaved_edit(session: Session, ticket: Ticket, user_id: int) -> UnsavedEdit | None:
    """This attendant's unconfirmed edit of the ticket; on a draft, anyone's latest."""
    mine = session.scalar(
        sa.select(UnsavedEdit).where(
            UnsavedEdit.ticket_id == ticket.id, UnsavedEdit.user_id == user_id
        )
    )
    if mine is not None or not ticket.is_draft:
        return mine
    return session.scalar(
        sa.select(UnsavedEdit)
        .where(UnsavedEdit.ticket_id == ticket.id, UnsavedEdit.user_id.is_not(None))
        .order_by(UnsavedEdit.saved_at.desc())
        .limit(1)
    )


def keep_unsaved(session: Session, ticket: Ticket, user_id: int, pairs) -> UnsavedEdit:
    edit = session.scalar(
        sa.select(UnsavedEdit).where(
            UnsavedEdit.ticket_id == ticket.id, UnsavedEdit.user_id == user_id
        )
    )
    if edit is None:
        edit = UnsavedEdit(ticket_id=ticket.id, user_id=user_id, fields="[]")
        session.add(edit)
    edit.fields = json.dumps(pairs, ensure_ascii=False)
    edit.saved_at = utcnow()
    return edit


def forget_unsaved(session: Session, ticket: Ticket, user_id: int, only=None) -> None:
    """Drop the attendant's unconfirmed edit, or just the fields `only` accepts."""
    edit = session.scalar(
        sa.select(UnsavedEdit).where(
            UnsavedEdit.ticket_id == ticket.id, UnsavedEdit.user_id == user_id
        )
    )
    if edit is None:
        return
    if only is None:
        session.delete(edit)
        return
    edit.fields = json.dumps(
        [pair for pair in json.loads(edit.fields) if not only(pair[0])], ensure_ascii=False
    )


def claim_hash(token: str, user_id: int | None) -> str:
    """Only this browser (the token) and only the attendant the screen was shown to."""
    return hashlib.sha256(f"{token}:{user_id}".encode()).hexdigest()


def stash_for_claim(session: Session, ticket_id: int, token: str, user_id, pairs) -> None:
    """Keep a submit that arrived after the session ended, for whoever logs in again from
    the same browser (the token lives only in that browser's new session)."""
    key = claim_hash(token, user_id)
    stashed = session.scalar(sa.select(UnsavedEdit).where(UnsavedEdit.claim_hash == key))
    if stashed is None:
        stashed = UnsavedEdit(user_id=None, claim_hash=key, fields="[]")
        session.add(stashed)
    stashed.ticket_id = ticket_id
    stashed.fields = json.dumps(pairs, ensure_ascii=False)
    stashed.saved_at = utcnow()


def claim_stashed(session: Session, token: str, user, company_ids: set[int]) -> Ticket | None:
    """After logging in again: the stashed submit becomes this user's unsaved edit, if the
    ticket is of one of their Empresas. Returns that ticket."""
    stashed = session.scalar(
        sa.select(UnsavedEdit).where(
            UnsavedEdit.claim_hash == claim_hash(token, user.id), UnsavedEdit.user_id.is_(None)
        )
    )
    if stashed is None:
        return None
    ticket = stashed.ticket
    pairs = json.loads(stashed.fields)
    session.delete(stashed)
    session.flush()
    if ticket.company_id not in company_ids or ticket.is_discarded:
        return None
    keep_unsaved(session, ticket, user.id, pairs)
    return ticket
