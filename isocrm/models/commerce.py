"""Vendas (orders) and Notas (NF-e invoices) of an entity, as they come from the ERP."""

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from isocrm.models.base import Base, UTCDateTime
from isocrm.models.catalog import Product
from isocrm.models.entity import Entity

MONEY = sa.Numeric(14, 2)
ORDER_STATUSES = {  # stored key: label on screens, in the user's language
    "aberto": _l("Aberto"),
    "faturado": _l("Faturado"),
    "entregue": _l("Entregue"),
    "cancelado": _l("Cancelado"),
}


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id", ondelete="CASCADE"))
    entity_id: Mapped[int] = mapped_column(sa.ForeignKey("entities.id", ondelete="RESTRICT"))
    number: Mapped[str] = mapped_column(sa.String(30))
    ordered_on: Mapped[date]
    status: Mapped[str] = mapped_column(sa.String(12), default="aberto")
    total: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0.00"))

    entity: Mapped[Entity] = relationship()
    items: Mapped[list["OrderItem"]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderItem.position"
    )

    __table_args__ = (
        sa.UniqueConstraint("company_id", "number"),
        sa.CheckConstraint(
            "status IN ('aberto', 'faturado', 'entregue', 'cancelado')", name="status_known"
        ),
        sa.CheckConstraint("total >= 0", name="total_not_negative"),
        sa.Index("ix_orders_entity_ordered", "entity_id", "ordered_on"),
    )

    @property
    def status_label(self) -> str:
        return str(ORDER_STATUSES[self.status])


class OrderItem(Base):
    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("orders.id", ondelete="CASCADE"))
    position: Mapped[int]
    product_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("products.id", ondelete="RESTRICT"), index=True
    )
    description: Mapped[str] = mapped_column(sa.String(200))
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(12, 3))
    unit_price: Mapped[Decimal] = mapped_column(MONEY)
    total: Mapped[Decimal] = mapped_column(MONEY)

    order: Mapped[Order] = relationship(back_populates="items")
    product: Mapped[Product | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("order_id", "position"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("unit_price >= 0", name="price_not_negative"),
    )


class Invoice(Base):
    """Nota fiscal eletrônica (NF-e) issued to the entity."""

    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id", ondelete="CASCADE"))
    entity_id: Mapped[int] = mapped_column(sa.ForeignKey("entities.id", ondelete="RESTRICT"))
    order_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("orders.id", ondelete="SET NULL"), index=True
    )
    number: Mapped[int]
    series: Mapped[int] = mapped_column(default=1)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    total: Mapped[Decimal] = mapped_column(MONEY)
    access_key: Mapped[str] = mapped_column(sa.String(44), unique=True)

    entity: Mapped[Entity] = relationship()
    order: Mapped[Order | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("company_id", "series", "number"),
        sa.CheckConstraint("length(access_key) = 44", name="access_key_44_digits"),
        sa.CheckConstraint("number > 0 AND series >= 0", name="number_series_valid"),
        sa.CheckConstraint("total >= 0", name="total_not_negative"),
        sa.Index("ix_invoices_entity_issued", "entity_id", "issued_at"),
    )

    @property
    def access_key_display(self) -> str:
        return " ".join(self.access_key[i : i + 4] for i in range(0, 44, 4))
