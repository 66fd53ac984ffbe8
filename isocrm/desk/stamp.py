"""The painel's "tickets changed" stamp, one per Empresa.

The counts of the painel are polled every half minute by every open painel; answering them
must cost next to nothing while nothing changed. Every committed change to a ticket or an
equipe of an Empresa replaces its stamp by a random number, and the counts' ETag is built
from it: one primary-key read decides between 304 and computing the counts again.

The stamp is written AFTER the change commits, in its own short transaction, never inside
the change's: a row every ticket save of the Empresa would lock until its commit would
serialize them (and could deadlock with the row locks they take in another order). Reading
the stamp before the counts keeps this right: a change committed after the read bumps the
stamp after it, so the next poll sees a new stamp and computes the counts again. A stamp
lost (the process dies between the commit and the bump) is made good by the next change, and
by the time slice the ETag also carries (which brings in tickets that became late).

Writes outside the ORM (the bulk generator, a psql session) do not bump it; they are not
done while attendants work.
"""

import logging
import secrets

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from isocrm.models import DeskStamp, Team, Ticket

log = logging.getLogger(__name__)

_CHANGED = "desk_changed_companies"
_ENGINE = "desk_changed_engine"


def read(session: Session, company_id: int) -> int:
    """The Empresa's stamp (0 before its first change)."""
    return session.scalar(sa.select(DeskStamp.stamp).where(DeskStamp.company_id == company_id)) or 0


@sa.event.listens_for(Session, "before_flush")
def _note_changes(session: Session, _flush_context, _instances) -> None:
    changed = {
        obj.company_id
        for obj in (*session.new, *session.dirty, *session.deleted)
        if isinstance(obj, Ticket | Team) and obj.company_id is not None
    }
    if changed:
        session.info.setdefault(_CHANGED, set()).update(changed)
        session.info[_ENGINE] = session.connection().engine


@sa.event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_CHANGED, None)
    session.info.pop(_ENGINE, None)


@sa.event.listens_for(Session, "after_commit")
def _bump(session: Session) -> None:
    companies = session.info.pop(_CHANGED, None)
    engine = session.info.pop(_ENGINE, None)
    if not companies or engine is None:
        return
    try:
        with engine.begin() as connection:
            for company_id in sorted(companies):
                connection.execute(_upsert(engine.dialect.name, company_id))
    except SQLAlchemyError:
        # The change itself is committed; only the painels' refresh waits for the next one.
        log.warning("could not bump the painel stamp of %s", sorted(companies), exc_info=True)


def _upsert(dialect: str, company_id: int):
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(DeskStamp).values(company_id=company_id, stamp=secrets.randbits(62))
    return statement.on_conflict_do_update(
        index_elements=[DeskStamp.company_id], set_={"stamp": statement.excluded.stamp}
    )
