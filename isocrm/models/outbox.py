"""Caixa de saída: every e-mail written at the desk, sent or still waiting to be."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from isocrm.models.base import Base, UTCDateTime, utcnow
from isocrm.models.company import Company
from isocrm.models.entity import Entity
from isocrm.models.ticket import Ticket, TicketDetail
from isocrm.models.user import User

OUTBOX_PENDING = "pendente"  # not tried yet (no SMTP configured) or being sent
OUTBOX_SENT = "enviado"
OUTBOX_FAILED = "falhou"
# The values are what the screens show (in the user's language); the keys are what is stored.
OUTBOX_STATUSES = {
    OUTBOX_PENDING: _l("Pendente"),
    OUTBOX_SENT: _l("Enviado"),
    OUTBOX_FAILED: _l("Falhou"),
}


class OutboxMessage(Base):
    """One e-mail to a customer; kept whatever happened to it, so nothing written is lost."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id", ondelete="CASCADE"))
    ticket_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    entity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("entities.id", ondelete="CASCADE"), index=True
    )
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(
        sa.String(10), default=OUTBOX_PENDING, server_default=OUTBOX_PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    # Set while a request talks to the SMTP server: a second click on "Tentar de novo"
    # must not send the same message twice.
    sending_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    # Generated when the composer is rendered: a second submit of the same composer (double
    # click, Back + Enviar, two tabs) finds this row instead of sending the message again.
    send_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # The ticket detail that records this message; its first line follows the status.
    detail_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ticket_details.id", ondelete="SET NULL"), index=True
    )
    # The Message-ID the message goes out with (kept: a customer's reply names it in
    # In-Reply-To, and the Caixa de entrada finds the ticket by it).
    message_id: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    company: Mapped[Company] = relationship()
    ticket: Mapped[Ticket | None] = relationship()
    entity: Mapped[Entity] = relationship()
    created_by: Mapped[User] = relationship()
    detail: Mapped[TicketDetail | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("status IN ('pendente', 'enviado', 'falhou')", name="status_known"),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        sa.CheckConstraint(
            "(status = 'enviado') = (sent_at IS NOT NULL)", name="sent_when_sent_at"
        ),
        # The Caixa de saída: the Empresa's messages newest first, all or of one situação.
        sa.Index("ix_outbox_messages_company_created", "company_id", "created_at", "id"),
        sa.Index("ix_outbox_messages_company_message_id", "company_id", "message_id"),
        sa.Index(
            "ix_outbox_messages_company_status_created",
            "company_id",
            "status",
            "created_at",
            "id",
        ),
    )

    @property
    def status_label(self) -> str:
        return str(OUTBOX_STATUSES[self.status])

    @property
    def can_retry(self) -> bool:
        return self.status != OUTBOX_SENT

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.status} to {self.to_address!r}>"
