"""Respostas prontas: texts a supervisor keeps for the attendants to insert into a detail's
Resposta, per Motivo (and Ocorrência) or general, with placeholders filled on insertion."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from isocrm.models.base import Base, UTCDateTime, utcnow
from isocrm.models.catalog import Occurrence, Reason

TITLE_MAX = 80
BODY_MAX = 5000


class ReadyAnswer(Base):
    """A Resposta pronta: general (no Motivo), of a Motivo, or of an Ocorrência of it.

    The body is stored as typed; its {{ placeholders }} are replaced by plain text
    substitution when inserted (isocrm.ready_answers), never rendered as a template."""

    __tablename__ = "ready_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id", ondelete="CASCADE"))
    reason_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reasons.id", ondelete="RESTRICT"))
    occurrence_id: Mapped[int | None] = mapped_column()
    title: Mapped[str] = mapped_column(sa.String(TITLE_MAX))
    body: Mapped[str] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    reason: Mapped[Reason | None] = relationship()
    occurrence: Mapped[Occurrence | None] = relationship(
        foreign_keys=[occurrence_id], primaryjoin="ReadyAnswer.occurrence_id == Occurrence.id"
    )

    __table_args__ = (
        # An Ocorrência of that Motivo, as on a ticket.
        sa.ForeignKeyConstraint(
            ["occurrence_id", "reason_id"],
            ["occurrences.id", "occurrences.reason_id"],
            ondelete="RESTRICT",
        ),
        sa.CheckConstraint(
            "occurrence_id IS NULL OR reason_id IS NOT NULL", name="occurrence_needs_reason"
        ),
        sa.CheckConstraint("length(title) > 0", name="title_not_empty"),
        # The picker and the settings list: an Empresa's answers by Motivo.
        sa.Index("ix_ready_answers_company_reason", "company_id", "reason_id", "occurrence_id"),
        sa.Index("ix_ready_answers_reason_id", "reason_id"),
        sa.Index("ix_ready_answers_occurrence_id", "occurrence_id"),
    )

    def __repr__(self) -> str:
        return f"<ReadyAnswer {self.company_id}/{self.title!r}>"
