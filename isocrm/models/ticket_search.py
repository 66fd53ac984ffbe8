"""The words of a ticket's details (descriptions and answers), for the global search.

One row per distinct folded word of every detail of a ticket: an inverted index that
answers "embalagem viol" with B-tree ranges on SQLite and PostgreSQL alike. Kept in step by
an after_flush hook whenever a detail is added, its text changed or it is removed; the
migration and the bulk generator fill it for rows written without the ORM."""

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column, object_session

from isocrm import text
from isocrm.models.base import Base, binary_text
from isocrm.models.ticket import Ticket, TicketDetail

MIN_WORD = 2  # one letter or digit finds everything: not indexed
MAX_WORD = 40  # longer words are cut (a typed word is cut the same way)


class TicketSearchWord(Base):
    __tablename__ = "ticket_search_words"

    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    word: Mapped[str] = mapped_column(binary_text(MAX_WORD), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )

    # The words of one ticket, for checking the other words of a multi-word query.
    __table_args__ = (sa.Index("ix_ticket_search_words_ticket_word", "ticket_id", "word"),)


def ticket_words(texts: Iterable[str | None]) -> set[str]:
    """The index words of these texts: folded, at least MIN_WORD long, cut at MAX_WORD."""
    found: set[str] = set()
    for value in texts:
        found.update(w[:MAX_WORD] for w in text.words(value) if len(w) >= MIN_WORD)
    return found


def query_word(word: str) -> str:
    return word[:MAX_WORD]


def reindex_tickets(connection, ticket_ids: Iterable[int]) -> None:
    """Make the index rows of these tickets match their details as stored now."""
    ids = sorted(set(ticket_ids))
    details = TicketDetail.__table__
    tickets = Ticket.__table__
    words = TicketSearchWord.__table__
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        wanted: dict[int, set[str]] = {i: set() for i in chunk}
        companies = dict(
            connection.execute(
                sa.select(tickets.c.id, tickets.c.company_id).where(tickets.c.id.in_(chunk))
            ).all()
        )
        rows = connection.execute(
            sa.select(details.c.ticket_id, details.c.description, details.c.answer).where(
                details.c.ticket_id.in_(chunk)
            )
        )
        for ticket_id, description, answer in rows:
            wanted[ticket_id] |= ticket_words((description, answer))
        current: dict[int, set[str]] = {i: set() for i in chunk}
        for ticket_id, word in connection.execute(
            sa.select(words.c.ticket_id, words.c.word).where(words.c.ticket_id.in_(chunk))
        ):
            current[ticket_id].add(word)
        gone = [(i, w) for i in chunk for w in current[i] - wanted[i]]
        new = [
            {"company_id": companies[i], "word": w, "ticket_id": i}
            for i in chunk
            if i in companies
            for w in sorted(wanted[i] - current[i])
        ]
        for ticket_id in {i for i, _ in gone}:
            stale = [w for i, w in gone if i == ticket_id]
            connection.execute(
                words.delete().where(words.c.ticket_id == ticket_id, words.c.word.in_(stale))
            )
        if new:
            connection.execute(words.insert(), new)


def _note(detail: TicketDetail, *ticket_ids) -> None:
    session = object_session(detail)
    if session is not None:
        session.info.setdefault(_PENDING, set()).update(i for i in ticket_ids if i)


_PENDING = "ticket_words_to_rebuild"


@event.listens_for(TicketDetail, "after_insert")
def _detail_added(_mapper, _connection, detail: TicketDetail) -> None:
    _note(detail, detail.ticket_id)


@event.listens_for(TicketDetail, "after_update")
def _detail_changed(_mapper, _connection, detail: TicketDetail) -> None:
    state = sa.inspect(detail)
    moved = state.attrs.ticket_id.history
    if (
        state.attrs.description.history.has_changes()
        or state.attrs.answer.history.has_changes()
        or moved.has_changes()
    ):
        _note(detail, detail.ticket_id, *(moved.deleted or ()))


@event.listens_for(TicketDetail, "after_delete")
def _detail_removed(_mapper, _connection, detail: TicketDetail) -> None:
    committed = sa.inspect(detail).committed_state.get("ticket_id")
    _note(detail, detail.ticket_id, committed)


@event.listens_for(Session, "after_flush")
def _rebuild_noted_tickets(session: Session, _context) -> None:
    """The words of every ticket whose details this flush added, changed or removed, read
    back from the stored rows (a ticket's words are those of all its details)."""
    tickets = session.info.pop(_PENDING, set())
    if tickets:
        reindex_tickets(session.connection(), tickets)
