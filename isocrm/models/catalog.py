"""Catalogues a supervisor maintains per Empresa: papéis, canais, situações, the
motivo → ocorrência → causa tree, produtos and their informações."""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from isocrm.models.base import Base

ROLE_CODE_CUSTOMER = "cliente"
ROLE_CODE_PARTNER = "parceiro"  # the Local picker lists entities with this role

STATUS_OPEN = "aberto"
STATUS_IN_PROGRESS = "em_andamento"
STATUS_WAITING = "aguardando"
STATUS_DONE = "concluido"
STATUS_CANCELLED = "cancelado"
# The keys are stored; the labels are said on screens, in the user's language.
STATUS_CATEGORIES = {
    STATUS_OPEN: _l("Aberto"),
    STATUS_IN_PROGRESS: _l("Em andamento"),
    STATUS_WAITING: _l("Aguardando"),
    STATUS_DONE: _l("Concluído"),
    STATUS_CANCELLED: _l("Cancelado"),
}
CLOSED_CATEGORIES = (STATUS_DONE, STATUS_CANCELLED)


def _company_fk():
    return mapped_column(sa.ForeignKey("companies.id", ondelete="CASCADE"), index=True)


class Role(Base):
    """Papel of an entity: Cliente, Parceiro, Fornecedor, Consumidor…"""

    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = _company_fk()
    code: Mapped[str] = mapped_column(sa.String(30))
    name: Mapped[str] = mapped_column(sa.String(60))
    # Inactive: no longer offered for entities; those that have it keep it.
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    __table_args__ = (
        sa.UniqueConstraint("company_id", "code"),
        sa.UniqueConstraint("company_id", "name"),
    )


class RelationType(Base):
    """How a related person is linked to the entity (Cônjuge, Funcionário, Sócio…)."""

    __tablename__ = "relation_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = _company_fk()
    name: Mapped[str] = mapped_column(sa.String(60))

    __table_args__ = (sa.UniqueConstraint("company_id", "name"),)


class Channel(Base):
    """Canal: telefone, e-mail, WhatsApp, chat, presencial…"""

    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = _company_fk()
    name: Mapped[str] = mapped_column(sa.String(60))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    __table_args__ = (sa.UniqueConstraint("company_id", "name"),)


class Status(Base):
    """Situação of a ticket; its category decides whether the ticket is open or closed."""

    __tablename__ = "statuses"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = _company_fk()
    name: Mapped[str] = mapped_column(sa.String(60))
    category: Mapped[str] = mapped_column(sa.String(16))
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    is_default: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    __table_args__ = (
        sa.UniqueConstraint("company_id", "name"),
        sa.CheckConstraint(
            "category IN ('aberto', 'em_andamento', 'aguardando', 'concluido', 'cancelado')",
            name="category_known",
        ),
        # One default situação per Empresa for new tickets.
        sa.Index(
            "uq_statuses_default_per_company",
            "company_id",
            unique=True,
            sqlite_where=sa.text("is_default"),
            postgresql_where=sa.text("is_default"),
        ),
    )

    @property
    def is_closed(self) -> bool:
        return self.category in CLOSED_CATEGORIES

    @property
    def category_label(self) -> str:
        return str(STATUS_CATEGORIES[self.category])


class Reason(Base):
    """Motivo: first level of the classification."""

    __tablename__ = "reasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = _company_fk()
    name: Mapped[str] = mapped_column(sa.String(80))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Order of the lists (Configurações › Motivos: subir/descer), then the name.
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    # Prazos (SLA) in business hours; none: no first-answer target, 7 calendar days to resolve.
    first_answer_hours: Mapped[int | None] = mapped_column()
    resolution_hours: Mapped[int | None] = mapped_column()
    # A complaint (Reclamação): its tickets count towards the lot warnings.
    is_complaint: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    occurrences: Mapped[list["Occurrence"]] = relationship(
        back_populates="reason",
        order_by="(Occurrence.position, Occurrence.name)",
        cascade="all, delete-orphan",
    )

    __table_args__ = (
        sa.UniqueConstraint("company_id", "name"),
        sa.CheckConstraint(
            "first_answer_hours IS NULL OR first_answer_hours > 0", name="first_answer_positive"
        ),
        sa.CheckConstraint(
            "resolution_hours IS NULL OR resolution_hours > 0", name="resolution_positive"
        ),
    )


class Occurrence(Base):
    """Ocorrência: second level, always under one Motivo."""

    __tablename__ = "occurrences"

    id: Mapped[int] = mapped_column(primary_key=True)
    reason_id: Mapped[int] = mapped_column(sa.ForeignKey("reasons.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(80))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    position: Mapped[int] = mapped_column(default=0, server_default="0")

    reason: Mapped[Reason] = relationship(back_populates="occurrences")
    causes: Mapped[list["Cause"]] = relationship(
        back_populates="occurrence",
        order_by="(Cause.position, Cause.name)",
        cascade="all, delete-orphan",
    )

    __table_args__ = (
        sa.UniqueConstraint("reason_id", "name"),
        # Target of composite foreign keys that keep a (motivo, ocorrência) pair consistent.
        sa.UniqueConstraint("id", "reason_id"),
    )


class Cause(Base):
    """Causa: third level, always under one Ocorrência."""

    __tablename__ = "causes"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(sa.ForeignKey("occurrences.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(80))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    position: Mapped[int] = mapped_column(default=0, server_default="0")

    occurrence: Mapped[Occurrence] = relationship(back_populates="causes")

    __table_args__ = (
        sa.UniqueConstraint("occurrence_id", "name"),
        sa.UniqueConstraint("id", "occurrence_id"),
    )


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = _company_fk()
    code: Mapped[str] = mapped_column(sa.String(30))
    name: Mapped[str] = mapped_column(sa.String(120))
    ean: Mapped[str | None] = mapped_column(sa.String(14))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Lot watch: this many complaints (distinct tickets) about one lot within this many
    # days raise a warning on the supervisors' painel. Both empty means no watch.
    lot_alert_count: Mapped[int | None] = mapped_column()
    lot_alert_days: Mapped[int | None] = mapped_column()

    informations: Mapped[list["ProductInfo"]] = relationship(
        back_populates="product", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.UniqueConstraint("company_id", "code"),
        sa.CheckConstraint(
            "(lot_alert_count IS NULL) = (lot_alert_days IS NULL)", name="lot_alert_both_or_none"
        ),
        sa.CheckConstraint(
            "lot_alert_count IS NULL OR (lot_alert_count > 0 AND lot_alert_days > 0)",
            name="lot_alert_positive",
        ),
    )


class ProductInfo(Base):
    """Informação of a product, offered on a ticket detail when its Motivo and Ocorrência match."""

    __tablename__ = "product_infos"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(sa.ForeignKey("products.id", ondelete="CASCADE"))
    reason_id: Mapped[int] = mapped_column(sa.ForeignKey("reasons.id", ondelete="CASCADE"))
    occurrence_id: Mapped[int] = mapped_column()
    description: Mapped[str] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    product: Mapped[Product] = relationship(back_populates="informations")
    reason: Mapped[Reason] = relationship()
    occurrence: Mapped[Occurrence] = relationship(
        foreign_keys=[occurrence_id], primaryjoin="ProductInfo.occurrence_id == Occurrence.id"
    )

    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["occurrence_id", "reason_id"],
            ["occurrences.id", "occurrences.reason_id"],
            ondelete="CASCADE",
        ),
        sa.Index("ix_product_infos_reason_occurrence", "reason_id", "occurrence_id"),
        sa.UniqueConstraint("product_id", "reason_id", "occurrence_id", "description"),
    )
