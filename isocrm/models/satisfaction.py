"""Pesquisa de satisfação: the invitation a concluded ticket sends its customer.

The link's token is never stored, only its SHA-256 (token_hash): a copy of the database
opens no survey. One invitation per ticket (ticket_id is unique): reopening and concluding
again sends nothing new. The rating is kept here too, beside the entity's SurveyResponse,
so the painel averages it per attendant and Motivo with one grouped query."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from isocrm.models.base import Base, UTCDateTime, utcnow
from isocrm.models.company import Company
from isocrm.models.entity import Entity
from isocrm.models.ticket import Ticket
from isocrm.models.user import User

RATING_MIN, RATING_MAX = 1, 5


class SurveyInvitation(Base):
    __tablename__ = "survey_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id", ondelete="CASCADE"))
    ticket_id: Mapped[int] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="CASCADE"), unique=True
    )
    entity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("entities.id", ondelete="CASCADE"), index=True
    )
    # Whom the rating is about: the ticket's Responsável when it was concluded (or, with
    # nobody responsible, whoever concluded it); a later pass does not move the rating.
    attendant_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rating: Mapped[int | None] = mapped_column(sa.SmallInteger)
    response_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("survey_responses.id", ondelete="SET NULL"), index=True
    )

    company: Mapped[Company] = relationship()
    ticket: Mapped[Ticket] = relationship()
    entity: Mapped[Entity] = relationship()
    attendant: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(
            f"rating IS NULL OR rating BETWEEN {RATING_MIN} AND {RATING_MAX}", name="rating_range"
        ),
        sa.CheckConstraint("(answered_at IS NULL) = (rating IS NULL)", name="rated_when_answered"),
        # The painel's figures: the Empresa's answered invitations.
        sa.Index("ix_survey_invitations_company_answered", "company_id", "answered_at"),
    )
