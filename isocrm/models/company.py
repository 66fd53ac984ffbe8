"""Empresa (the tenant that owns the data) and its Unidades (branches linked to entities)."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from isocrm.models.base import Base


class Company(Base):
    """Empresa detentora do sistema: every other record belongs to exactly one."""

    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    document: Mapped[str | None] = mapped_column(sa.String(14), unique=True)
    # Last ticket code handed out; bumped with UPDATE ... RETURNING in the ticket's own
    # transaction, so codes are gap-free and never repeat under concurrent saves.
    last_ticket_code: Mapped[int] = mapped_column(default=0, server_default="0")
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Where customers' replies to the desk's e-mails go (Reply-To); none: to the sender.
    mail_reply_to: Mapped[str | None] = mapped_column(sa.String(254))
    # A concluded ticket sends the customer the satisfaction survey (isocrm/satisfaction).
    satisfaction_survey: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    units: Mapped[list["Unit"]] = relationship(
        back_populates="company", order_by="Unit.name", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.CheckConstraint("last_ticket_code >= 0", name="ticket_code_positive"),)

    def __repr__(self) -> str:
        return f"<Company {self.id} {self.name!r}>"


class Unit(Base):
    """Unidade: a branch of the Empresa that an entity deals with."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(120))
    document: Mapped[str | None] = mapped_column(sa.String(14))
    city: Mapped[str | None] = mapped_column(sa.String(80))
    state: Mapped[str | None] = mapped_column(sa.String(2))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    company: Mapped[Company] = relationship(back_populates="units")

    __table_args__ = (sa.UniqueConstraint("company_id", "name"),)
