"""Caixa de entrada: the Empresa's IMAP mailbox and every message read from it.

A message is imported once per Empresa, whatever happens: the pair (company_id, message_id)
is unique, so two `fetch-mail` runs at the same time cannot both record it (the second
one's INSERT fails and that message is skipped)."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from isocrm.models.base import Base, UTCDateTime, utcnow
from isocrm.models.company import Company
from isocrm.models.entity import Entity
from isocrm.models.ticket import Ticket, TicketDetail
from isocrm.models.user import User

IMAP_PORT = 993
MESSAGE_ID_MAX = 255  # longer Message-IDs are kept as a hash of themselves (see inbound)

INBOUND_IMPORTED = "importado"  # became a detail (a draft's first one or a reply)
INBOUND_UNMATCHED = "sem_cadastro"  # waits in Sem cadastro for an attendant
INBOUND_LINKED = "vinculado"  # an attendant linked it to an entity (a draft was opened)
INBOUND_DISCARDED = "descartado"  # an attendant discarded it from Sem cadastro
INBOUND_FAILED = "falhou"  # could not be read (malformed, too large): recorded, not retried
INBOUND_STATUSES = {
    INBOUND_IMPORTED: _l("Importado"),
    INBOUND_UNMATCHED: _l("Sem cadastro"),
    INBOUND_LINKED: _l("Vinculado"),
    INBOUND_DISCARDED: _l("Descartado"),
    INBOUND_FAILED: _l("Falhou"),
}


class Mailbox(Base):
    """The Empresa's mailbox (one per Empresa) and where its polling stands."""

    __tablename__ = "mailboxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), unique=True
    )
    host: Mapped[str] = mapped_column(sa.String(255))
    port: Mapped[int] = mapped_column(default=IMAP_PORT, server_default=str(IMAP_PORT))
    username: Mapped[str] = mapped_column(sa.String(255))
    # Needed in clear to log in to the IMAP server; never shown back on the screen.
    password: Mapped[str] = mapped_column(sa.String(255))
    folder: Mapped[str] = mapped_column(sa.String(255), default="INBOX", server_default="INBOX")
    enabled: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # The user who saved the settings: the drafts opened from e-mail are in their name.
    updated_by_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Polling state: UIDs are read from last_uid + 1 while the folder's UIDVALIDITY stays.
    uidvalidity: Mapped[int | None] = mapped_column(sa.BigInteger)
    last_uid: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)

    company: Mapped[Company] = relationship()
    updated_by: Mapped[User] = relationship()

    __table_args__ = (
        sa.CheckConstraint("port BETWEEN 1 AND 65535", name="port_valid"),
        sa.CheckConstraint("last_uid >= 0", name="last_uid_not_negative"),
    )


class InboundMessage(Base):
    """One message read from an Empresa's mailbox, and what became of it."""

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(sa.String(MESSAGE_ID_MAX))
    uid: Mapped[int | None] = mapped_column(sa.BigInteger)
    status: Mapped[str] = mapped_column(sa.String(12))
    from_address: Mapped[str | None] = mapped_column(sa.String(254))
    from_name: Mapped[str | None] = mapped_column(sa.String(200))
    subject: Mapped[str | None] = mapped_column(sa.String(300))
    # The Date header, else the server's arrival time, else when it was read (never empty:
    # the Caixa de entrada lists by it).
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    text: Mapped[str | None] = mapped_column(sa.Text)
    # The message as read, kept only while it waits in Sem cadastro (its attachments go on
    # the draft an attendant opens from it); emptied once it is linked or discarded.
    raw: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    error: Mapped[str | None] = mapped_column(sa.Text)
    # The ticket whose protocolo a message in Sem cadastro quotes although its sender is not
    # an e-mail of the customer: said on the message, for the attendant who decides.
    quoted_ticket_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    ticket_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="SET NULL"), index=True
    )
    detail_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ticket_details.id", ondelete="SET NULL"), index=True
    )
    entity_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("entities.id", ondelete="SET NULL"), index=True
    )
    handled_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket | None] = relationship(foreign_keys=[ticket_id])
    quoted_ticket: Mapped[Ticket | None] = relationship(foreign_keys=[quoted_ticket_id])
    detail: Mapped[TicketDetail | None] = relationship()
    entity: Mapped[Entity | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("company_id", "message_id"),
        sa.CheckConstraint(
            "status IN ('importado', 'sem_cadastro', 'vinculado', 'descartado', 'falhou')",
            name="status_known",
        ),
        # The screen: the Empresa's messages of a status, the last received first.
        sa.Index(
            "ix_inbound_messages_company_status_received",
            "company_id",
            "status",
            "received_at",
            "id",
        ),
    )

    @property
    def status_label(self) -> str:
        return str(INBOUND_STATUSES[self.status])
