"""Atendimento (ticket), its Detalhes and their Informações."""

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import pgettext
from flask_babel.speaklater import LazyString
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from isocrm.models.base import Base, UTCDateTime, binary_text, utcnow
from isocrm.models.catalog import (
    Cause,
    Channel,
    Occurrence,
    ProductInfo,
    Reason,
    Role,
    Status,
)
from isocrm.models.company import Company, Unit
from isocrm.models.entity import Entity
from isocrm.models.team import Team
from isocrm.models.user import User

DIRECTION_ACTIVE = "ativo"  # contact started by the Empresa
DIRECTION_RECEPTIVE = "receptivo"  # contact started by the customer
# Said on screens in the user's language. "Ativo" has a context: elsewhere it is "active"
# (a record in use), here the contact started by the Empresa (outbound).
DIRECTIONS = {
    DIRECTION_ACTIVE: LazyString(lambda: pgettext("sentido do contato", "Ativo")),
    DIRECTION_RECEPTIVE: LazyString(lambda: pgettext("sentido do contato", "Receptivo")),
}

# A ticket exists from Incluir on, so its code (the protocolo) can be told at once; until
# Confirmar it is a draft, and a draft given up is kept as discarded, never deleted, so
# codes stay gap-free and auditable.
STAGE_DRAFT = "rascunho"
STAGE_CONFIRMED = "confirmado"
STAGE_DISCARDED = "descartado"
STAGES = (STAGE_DRAFT, STAGE_CONFIRMED, STAGE_DISCARDED)


# The columns of ix_tickets_open_desk, the partial index of the open tickets.
OPEN_DESK_COLUMNS = (
    "company_id",
    "status_id",  # second: the counts by situação read it in GROUP BY order
    "owner_id",
    "stage",
    "team_id",
    "resolution_due_at",
    "sla_paused_at",
    "first_answered_at",
    "first_answer_due_at",
    "closed_at",
)


def _open_index(name: str, *columns: str) -> sa.Index:
    """An index of the open tickets only (closed_at IS NULL), on both databases."""
    only_open = sa.text("closed_at IS NULL")
    return sa.Index(name, *columns, sqlite_where=only_open, postgresql_where=only_open)


def code_display(code: int) -> str:
    """A ticket's code as people read and say it (the protocolo): six digits, 000042."""
    return f"{code:06d}"


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id", ondelete="RESTRICT"))
    code: Mapped[int] = mapped_column()
    entity_id: Mapped[int] = mapped_column(sa.ForeignKey("entities.id", ondelete="RESTRICT"))
    # Empty only on a draft of an entity with several papéis, until the attendant picks one.
    role_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("roles.id", ondelete="RESTRICT"), index=True
    )
    complementary_data: Mapped[str | None] = mapped_column(sa.Text)
    related_ticket_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    reason_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("reasons.id", ondelete="RESTRICT"), index=True
    )
    occurrence_id: Mapped[int | None] = mapped_column()
    cause_id: Mapped[int | None] = mapped_column()
    unit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("units.id", ondelete="RESTRICT"), index=True
    )
    location_entity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("entities.id", ondelete="RESTRICT"), index=True
    )
    location_note: Mapped[str | None] = mapped_column(sa.Text)
    status_id: Mapped[int] = mapped_column(sa.ForeignKey("statuses.id", ondelete="RESTRICT"))
    opened_by_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    updated_by_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Optimistic locking: the version the attendant saw travels with the form.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    stage: Mapped[str] = mapped_column(
        sa.String(12), default=STAGE_CONFIRMED, server_default=STAGE_CONFIRMED
    )
    # Responsável: whose work the ticket is (who opened it, until it is passed on); empty
    # means "Sem responsável". A team may hold it too, with or without a person.
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id", ondelete="RESTRICT"))
    # Prazos (SLA), kept on the row so the painel can filter and sort on them with an index.
    # They are recomputed whenever the situação, the motivo or the first answer changes;
    # while the situação waits on the customer the clock is paused (sla_paused_at is set).
    first_answer_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sla_paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    company: Mapped[Company] = relationship()
    entity: Mapped[Entity] = relationship(foreign_keys=[entity_id])
    role: Mapped[Role | None] = relationship()
    related_ticket: Mapped["Ticket | None"] = relationship(remote_side=[id])
    reason: Mapped[Reason | None] = relationship()
    occurrence: Mapped[Occurrence | None] = relationship(
        foreign_keys=[occurrence_id], primaryjoin="Ticket.occurrence_id == Occurrence.id"
    )
    cause: Mapped[Cause | None] = relationship(
        foreign_keys=[cause_id], primaryjoin="Ticket.cause_id == Cause.id"
    )
    unit: Mapped[Unit | None] = relationship()
    location: Mapped[Entity | None] = relationship(foreign_keys=[location_entity_id])
    status: Mapped[Status] = relationship()
    opened_by: Mapped[User] = relationship(foreign_keys=[opened_by_id])
    updated_by: Mapped[User] = relationship(foreign_keys=[updated_by_id])
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    team: Mapped[Team | None] = relationship()
    details: Mapped[list["TicketDetail"]] = relationship(
        back_populates="ticket",
        cascade="all, delete-orphan",
        order_by="(TicketDetail.opened_at, TicketDetail.id)",
    )

    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (
        sa.UniqueConstraint("company_id", "code"),
        sa.CheckConstraint("code > 0", name="code_positive"),
        sa.CheckConstraint("stage IN ('rascunho', 'confirmado', 'descartado')", name="stage_known"),
        sa.CheckConstraint(
            "role_id IS NOT NULL OR stage <> 'confirmado'", name="confirmed_has_role"
        ),
        sa.CheckConstraint("related_ticket_id IS NULL OR related_ticket_id <> id", name="not_self"),
        sa.CheckConstraint("closed_at IS NULL OR closed_at >= opened_at", name="closes_after_open"),
        # The classification chain: an ocorrência of that motivo, a causa of that ocorrência.
        sa.ForeignKeyConstraint(
            ["occurrence_id", "reason_id"], ["occurrences.id", "occurrences.reason_id"]
        ),
        sa.ForeignKeyConstraint(
            ["cause_id", "occurrence_id"], ["causes.id", "causes.occurrence_id"]
        ),
        sa.CheckConstraint(
            "occurrence_id IS NULL OR reason_id IS NOT NULL", name="occurrence_needs_reason"
        ),
        sa.CheckConstraint(
            "cause_id IS NULL OR occurrence_id IS NOT NULL", name="cause_needs_occurrence"
        ),
        sa.Index("ix_tickets_entity_opened", "entity_id", "opened_at"),
        sa.Index("ix_tickets_company_status_opened", "company_id", "status_id", "opened_at"),
        sa.Index("ix_tickets_occurrence_id", "occurrence_id"),
        sa.Index("ix_tickets_cause_id", "cause_id"),
        sa.Index("ix_tickets_company_stage_opened_by", "company_id", "stage", "opened_by_id"),
        # The painel: open tickets (closed_at IS NULL) of a person, of a team, by due time.
        sa.Index("ix_tickets_company_owner_closed", "company_id", "owner_id", "closed_at"),
        sa.Index("ix_tickets_company_team_closed", "company_id", "team_id", "closed_at"),
        sa.Index("ix_tickets_company_closed_due", "company_id", "closed_at", "resolution_due_at"),
        # The Prazos report: the Empresa's confirmed tickets opened in a period.
        sa.Index("ix_tickets_company_stage_opened", "company_id", "stage", "opened_at"),
        # The painel's counts and totals: every column they test, for the open tickets only,
        # so both databases count from the index alone (an Empresa with 160k open tickets
        # was counted from the table: 0.4 s per count).
        _open_index("ix_tickets_open_desk", *OPEN_DESK_COLUMNS),
        # The painel's list in its default order (prazo, then id), all open tickets and one
        # person's: read in index order up to a page instead of sorting every open ticket.
        _open_index("ix_tickets_open_due", "company_id", "resolution_due_at", "id"),
        _open_index(
            "ix_tickets_open_owner_due", "company_id", "owner_id", "resolution_due_at", "id"
        ),
    )

    @property
    def code_display(self) -> str:
        return code_display(self.code)

    @property
    def is_draft(self) -> bool:
        return self.stage == STAGE_DRAFT

    @property
    def is_discarded(self) -> bool:
        return self.stage == STAGE_DISCARDED

    def draft_discardable_by(self, user_id: int) -> bool:
        """Whether an attendant (not a supervisor) may give this draft up: their own, or one
        the Empresa's mailbox opened (`fetch-mail`), which is nobody's call still going on."""
        return self.opened_by_id == user_id or self.opened_by.is_system

    def __repr__(self) -> str:
        return f"<Ticket {self.company_id}/{self.code}>"


class TicketDetail(Base):
    """Detalhe do atendimento: one interaction, shown one per page."""

    __tablename__ = "ticket_details"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"))
    channel_id: Mapped[int] = mapped_column(
        sa.ForeignKey("channels.id", ondelete="RESTRICT"), index=True
    )
    direction: Mapped[str] = mapped_column(sa.String(10), default=DIRECTION_RECEPTIVE)
    # Filled only when the customer's message arrived earlier than the detail was opened.
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    description: Mapped[str] = mapped_column(sa.Text)
    answer: Mapped[str | None] = mapped_column(sa.Text)
    attendant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    contact_entity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("entities.id", ondelete="SET NULL"), index=True
    )
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    # A key given to the new-detail form when it is shown: the same form submitted twice
    # (a double click, Back and Confirmar again) finds its detail instead of adding another.
    entry_key: Mapped[str | None] = mapped_column(sa.String(36))
    # Interno: the whole detail is the team's own (a call to the factory, a note between
    # attendants); Nota interna: the part of any detail the team keeps to itself. Neither
    # ever reaches the customer: not the e-mail, the histórico nor the customer's report.
    internal: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    internal_note: Mapped[str | None] = mapped_column(sa.Text)

    ticket: Mapped[Ticket] = relationship(back_populates="details")
    channel: Mapped[Channel] = relationship()
    attendant: Mapped[User] = relationship()
    contact: Mapped[Entity | None] = relationship()
    informations: Mapped[list["DetailInfo"]] = relationship(
        back_populates="detail", cascade="all, delete-orphan", order_by="DetailInfo.id"
    )

    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (
        sa.CheckConstraint("direction IN ('ativo', 'receptivo')", name="direction_known"),
        sa.CheckConstraint(
            "answered_at IS NULL OR answer IS NOT NULL", name="answered_needs_answer"
        ),
        sa.Index("ix_ticket_details_ticket_opened", "ticket_id", "opened_at", "id"),
        sa.Index("ux_ticket_details_entry_key", "ticket_id", "entry_key", unique=True),
    )

    @property
    def direction_label(self) -> str:
        return str(DIRECTIONS[self.direction])


class DetailInfo(Base):
    """Informação do detalhe: a product line with lot, serial and dates."""

    __tablename__ = "detail_infos"

    id: Mapped[int] = mapped_column(primary_key=True)
    detail_id: Mapped[int] = mapped_column(
        sa.ForeignKey("ticket_details.id", ondelete="CASCADE"), index=True
    )
    product_info_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("product_infos.id", ondelete="RESTRICT"), index=True
    )
    note: Mapped[str | None] = mapped_column(sa.Text)
    lot_number: Mapped[str | None] = mapped_column(binary_text(40))
    serial_number: Mapped[str | None] = mapped_column(binary_text(60))
    manufactured_on: Mapped[date | None]
    expires_on: Mapped[date | None]

    detail: Mapped[TicketDetail] = relationship(back_populates="informations")
    product_info: Mapped[ProductInfo | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(
            "expires_on IS NULL OR manufactured_on IS NULL OR expires_on >= manufactured_on",
            name="expires_after_manufacture",
        ),
        sa.Index("ix_detail_infos_lot_number", "lot_number"),
        # Lot watch: a product's lines grouped by lot (isocrm/lots/queries.py).
        sa.Index("ix_detail_infos_product_info_lot", "product_info_id", "lot_number", "detail_id"),
        sa.Index("ix_detail_infos_serial_number", "serial_number"),
    )


EVENT_ASSIGNED = "responsavel"  # passed to another attendant and/or team
EVENT_STATUS = "situacao"  # the situação changed (the SLA clock reads its pauses from these)
EVENT_KINDS = (EVENT_ASSIGNED, EVENT_STATUS)


class TicketEvent(Base):
    """Something that happened to a ticket outside its details: a change of responsável or
    equipe (with the note the attendant wrote) or of situação. Shown in the ticket's history."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(12))
    from_owner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    to_owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    from_team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id", ondelete="RESTRICT"))
    to_team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id", ondelete="RESTRICT"))
    from_status_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("statuses.id", ondelete="RESTRICT")
    )
    to_status_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("statuses.id", ondelete="RESTRICT")
    )
    note: Mapped[str | None] = mapped_column(sa.Text)

    ticket: Mapped[Ticket] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    from_owner: Mapped[User | None] = relationship(foreign_keys=[from_owner_id])
    to_owner: Mapped[User | None] = relationship(foreign_keys=[to_owner_id])
    from_team: Mapped[Team | None] = relationship(foreign_keys=[from_team_id])
    to_team: Mapped[Team | None] = relationship(foreign_keys=[to_team_id])
    from_status: Mapped[Status | None] = relationship(foreign_keys=[from_status_id])
    to_status: Mapped[Status | None] = relationship(foreign_keys=[to_status_id])

    __table_args__ = (
        sa.CheckConstraint("kind IN ('responsavel', 'situacao')", name="kind_known"),
        sa.Index("ix_ticket_events_ticket_at", "ticket_id", "at", "id"),
    )


@event.listens_for(Session, "before_flush")
def _record_status_changes(session: Session, _context, _instances) -> None:
    """Every change of a confirmed ticket's situação, whatever path made it (Confirmar, a
    bulk action, a script), is kept as an event: the history shows it and the prazo clock
    reads its pauses from it. This is the only writer of 'situacao' events."""
    for obj in list(session.dirty):
        if not isinstance(obj, Ticket) or obj.stage != STAGE_CONFIRMED:
            continue
        history = sa.inspect(obj).attrs.status_id.history
        if not history.has_changes() or not history.deleted or not history.added:
            continue
        before, after = history.deleted[0], history.added[0]
        if before == after:
            continue
        session.add(
            TicketEvent(
                ticket_id=obj.id,
                user_id=obj.updated_by_id,
                kind=EVENT_STATUS,
                from_status_id=before,
                to_status_id=after,
            )
        )


class UnsavedEdit(Base):
    """What an attendant typed on a ticket screen and has not confirmed yet, saved as they
    type so that a closed tab, a crash or an ended session loses nothing.

    It is a copy of the screen's form fields (as typed, bounded in size), not ticket data:
    it only reaches the ticket through Confirmar, which validates it like any input. While
    the session has ended, `user_id` is empty and `claim_hash` names the browser session
    that may take it back after logging in again.
    """

    __tablename__ = "unsaved_edits"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    claim_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    fields: Mapped[str] = mapped_column(sa.Text)  # JSON list of [name, value] pairs
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship()

    __table_args__ = (
        sa.Index("ux_unsaved_edits_ticket_user", "ticket_id", "user_id", unique=True),
        sa.CheckConstraint(
            "user_id IS NOT NULL OR claim_hash IS NOT NULL", name="owned_or_claimable"
        ),
    )
