"""Anexos: files kept on a ticket's detail (a photo of the packaging, an invoice), uploaded
at the desk or arrived with an e-mail, and the ones an outgoing e-mail carries.

The bytes live outside the database (isocrm/attachment_store.py: the instance folder or an
S3-compatible store), content-addressed per Empresa: `storage_key` names them there."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from isocrm.models.base import Base, UTCDateTime, utcnow
from isocrm.models.outbox import OutboxMessage
from isocrm.models.ticket import Ticket, TicketDetail
from isocrm.models.user import User

# The attachments an outgoing e-mail carries, chosen in the composer; a retry ("Tentar de
# novo") sends the same ones again.
outbox_attachments = sa.Table(
    "outbox_attachments",
    Base.metadata,
    sa.Column(
        "outbox_message_id",
        sa.ForeignKey("outbox_messages.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "attachment_id",
        sa.ForeignKey("attachments.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Attachment(Base):
    """One file on a detail. `content_type` is what the bytes are (sniffed), never what the
    browser or the file name said."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id", ondelete="CASCADE"))
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"))
    detail_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket_details.id", ondelete="CASCADE"))
    # The original name, cleaned (no folders, no control characters), for the list and the
    # download; its extension matches content_type.
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(200))
    # NULL: it came with an inbound e-mail, nobody at the desk uploaded it.
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship()
    detail: Mapped[TicketDetail] = relationship(
        backref=backref("attachments", order_by="Attachment.id", passive_deletes=True)
    )
    uploaded_by: Mapped[User | None] = relationship()
    outbox_messages: Mapped[list[OutboxMessage]] = relationship(
        secondary=outbox_attachments,
        backref=backref("attachments", order_by="Attachment.id"),
    )

    __table_args__ = (
        sa.CheckConstraint("size > 0", name="size_positive"),
        # A detail's files in the order they came; a ticket's files (composer, report).
        sa.Index("ix_attachments_detail_id", "detail_id", "id"),
        sa.Index("ix_attachments_company_ticket", "company_id", "ticket_id", "id"),
    )

    @property
    def is_image(self) -> bool:
        return self.content_type in INLINE_IMAGE_TYPES

    def __repr__(self) -> str:
        return f"<Attachment {self.id} {self.filename!r} {self.content_type}>"


# Raster images a browser shows safely inline (the thumbnails); never SVG.
INLINE_IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
