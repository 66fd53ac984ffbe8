"""Prazos (SLA): the Empresa's business hours and its own holidays, and the flush hook that
keeps every ticket's prazo columns right whatever path changed the ticket."""

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from isocrm.models.base import Base

# Imported first so its before_flush listener (the single writer of 'situacao' events) is
# registered, and so runs, before ours: the events it adds are pending when we read them.
from isocrm.models.ticket import Ticket  # noqa: F401

WEEKDAYS = (  # labels on screens, in the user's language (the day is stored as 0-6)
    _l("Segunda"),
    _l("Terça"),
    _l("Quarta"),
    _l("Quinta"),
    _l("Sexta"),
    _l("Sábado"),
    _l("Domingo"),
)


class BusinessHours(Base):
    """One interval of a weekday (0 = Monday) when the desk works, in minutes after local
    midnight; a day may have several (08:00–12:00 and 13:00–18:00). An Empresa without any
    row works Monday to Friday, 08:00–18:00."""

    __tablename__ = "business_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int] = mapped_column()
    opens: Mapped[int] = mapped_column()
    closes: Mapped[int] = mapped_column()

    __table_args__ = (
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_known"),
        sa.CheckConstraint("opens >= 0 AND closes <= 1440", name="within_day"),
        sa.CheckConstraint("closes > opens", name="closes_after_opens"),
        sa.UniqueConstraint("company_id", "weekday", "opens"),
    )


class Holiday(Base):
    """A day the Empresa does not work besides the national holidays (a city's anniversary,
    a state holiday, a collective break)."""

    __tablename__ = "holidays"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column()
    name: Mapped[str] = mapped_column(sa.String(80))

    __table_args__ = (sa.UniqueConstraint("company_id", "day"),)


@event.listens_for(Session, "before_flush")
def _recompute_prazos(session: Session, _context, _instances) -> None:
    """Tickets whose situação, motivo, stage or details' answers change get their prazo
    columns recomputed in the same flush (isocrm.sla.clock.recompute)."""
    from isocrm.sla.clock import recompute_flushed

    recompute_flushed(session)
