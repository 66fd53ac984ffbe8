"""Histórico enviado ao cliente (Decreto 11.034/2022, art. 12 §2): each send or print."""

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from isocrm.models.base import Base, UTCDateTime, utcnow
from isocrm.models.entity import Entity
from isocrm.models.outbox import OutboxMessage
from isocrm.models.user import User

METHOD_EMAIL = "email"
METHOD_PRINT = "impressao"
METHODS = {METHOD_EMAIL: _l("E-mail"), METHOD_PRINT: _l("Impressão")}


class HistoryDelivery(Base):
    """The customer's history handed over once: by e-mail (through the Caixa de saída) or
    printed; kept so the desk can show the request was answered, and when."""

    __tablename__ = "history_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id", ondelete="CASCADE"))
    entity_id: Mapped[int] = mapped_column(sa.ForeignKey("entities.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    method: Mapped[str] = mapped_column(sa.String(10))
    recipient: Mapped[str | None] = mapped_column(sa.String(254))
    outbox_message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("outbox_messages.id", ondelete="SET NULL"), index=True
    )
    ticket_count: Mapped[int] = mapped_column()
    # When the customer asked for it: the 5-day deadline runs from here.
    requested_on: Mapped[date | None]

    entity: Mapped[Entity] = relationship()
    user: Mapped[User] = relationship()
    outbox_message: Mapped[OutboxMessage | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("method IN ('email', 'impressao')", name="method_known"),
        sa.CheckConstraint("ticket_count >= 0", name="ticket_count_not_negative"),
        sa.CheckConstraint(
            "method <> 'email' OR recipient IS NOT NULL", name="email_has_recipient"
        ),
        # The entity's deliveries, newest first.
        sa.Index("ix_history_deliveries_company_entity_at", "company_id", "entity_id", "at"),
    )

    @property
    def method_label(self) -> str:
        return str(METHODS[self.method])
