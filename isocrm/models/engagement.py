"""What else an entity has: Pesquisas (surveys), Agenda (appointments) and Alertas."""

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from isocrm.models.base import Base, UTCDateTime, utcnow
from isocrm.models.entity import Entity
from isocrm.models.ticket import Ticket
from isocrm.models.user import User

# Stored as a number so "the highest active priority" is a plain max().
ALERT_PRIORITIES = {1: _l("Baixa"), 2: _l("Média"), 3: _l("Alta"), 4: _l("Crítica")}
ALERT_PRIORITY_SLUGS = {1: "baixa", 2: "media", 3: "alta", 4: "critica"}


class Survey(Base):
    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(150))
    description: Mapped[str | None] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    questions: Mapped[list["SurveyQuestion"]] = relationship(
        back_populates="survey", cascade="all, delete-orphan", order_by="SurveyQuestion.position"
    )

    __table_args__ = (sa.UniqueConstraint("company_id", "title"),)


class SurveyQuestion(Base):
    __tablename__ = "survey_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id", ondelete="CASCADE"))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(sa.String(300))

    survey: Mapped[Survey] = relationship(back_populates="questions")

    __table_args__ = (sa.UniqueConstraint("survey_id", "position"),)


class SurveyResponse(Base):
    """One entity's participation in a survey."""

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(
        sa.ForeignKey("surveys.id", ondelete="CASCADE"), index=True
    )
    entity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("entities.id", ondelete="CASCADE"), index=True
    )
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The atendimento a satisfaction survey rated (empty for any other survey).
    ticket_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )

    survey: Mapped[Survey] = relationship()
    entity: Mapped[Entity] = relationship()
    ticket: Mapped[Ticket | None] = relationship()
    answers: Mapped[list["SurveyAnswer"]] = relationship(
        back_populates="response", cascade="all, delete-orphan", order_by="SurveyAnswer.id"
    )


class SurveyAnswer(Base):
    __tablename__ = "survey_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_responses.id", ondelete="CASCADE")
    )
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_questions.id", ondelete="CASCADE"), index=True
    )
    answer: Mapped[str] = mapped_column(sa.Text)

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")
    question: Mapped[SurveyQuestion] = relationship()

    __table_args__ = (sa.UniqueConstraint("response_id", "question_id"),)


class Appointment(Base):
    """Agenda: something to do with/for the entity, optionally born from a ticket."""

    __tablename__ = "appointments"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    entity_id: Mapped[int] = mapped_column(sa.ForeignKey("entities.id", ondelete="CASCADE"))
    ticket_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    subject: Mapped[str] = mapped_column(sa.String(200))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    attendant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    done: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Generated when the form is rendered: submitting the same form twice schedules once.
    form_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    entity: Mapped[Entity] = relationship()
    attendant: Mapped[User] = relationship()

    __table_args__ = (sa.Index("ix_appointments_entity_starts", "entity_id", "starts_at"),)


class Alert(Base):
    """Alerta on an entity; the ticket's Alertas icon takes the colour of the highest active one."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    entity_id: Mapped[int] = mapped_column(sa.ForeignKey("entities.id", ondelete="CASCADE"))
    message: Mapped[str] = mapped_column(sa.Text)
    priority: Mapped[int] = mapped_column(sa.SmallInteger, default=2)
    active_until: Mapped[date | None]
    created_by_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )

    entity: Mapped[Entity] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])

    __table_args__ = (
        sa.CheckConstraint("priority BETWEEN 1 AND 4", name="priority_known"),
        sa.Index("ix_alerts_entity_resolved", "entity_id", "resolved_at"),
    )

    @property
    def priority_label(self) -> str:
        return str(ALERT_PRIORITIES[self.priority])

    @property
    def priority_slug(self) -> str:
        return ALERT_PRIORITY_SLUGS[self.priority]

    def is_active_on(self, day: date) -> bool:
        return self.resolved_at is None and (self.active_until is None or self.active_until >= day)
