"""Entidade: a person (CPF) or company (CNPJ) in the registry, with everything hung on it."""

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from isocrm import brdocs, phones, text
from isocrm.models.base import Base, UTCDateTime, binary_text, lower_binary, utcnow
from isocrm.models.catalog import ROLE_CODE_PARTNER, RelationType, Role
from isocrm.models.company import Unit

KIND_PERSON = "PF"
KIND_COMPANY = "PJ"
# Stored kind: its label on screens, in the user's language.
ECONTACT_KINDS = {
    "email": _l("E-mail"),
    "site": _l("Site"),
    "whatsapp": "WhatsApp",
    "telegram": "Telegram",
    "instagram": "Instagram",
    "outro": _l("Outro"),
}
PHONE_KINDS = {
    "celular": _l("Celular"),
    "residencial": _l("Residencial"),
    "comercial": _l("Comercial"),
}

entity_roles = sa.Table(
    "entity_roles",
    Base.metadata,
    sa.Column("entity_id", sa.ForeignKey("entities.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "role_id", sa.ForeignKey("roles.id", ondelete="RESTRICT"), primary_key=True, index=True
    ),
)

entity_units = sa.Table(
    "entity_units",
    Base.metadata,
    sa.Column("entity_id", sa.ForeignKey("entities.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "unit_id", sa.ForeignKey("units.id", ondelete="RESTRICT"), primary_key=True, index=True
    ),
)


def _one_principal_index(table: str) -> sa.Index:
    """At most one Principal row per entity; the forms make it exactly one when any exist."""
    return sa.Index(
        f"uq_{table}_one_principal",
        "entity_id",
        unique=True,
        sqlite_where=sa.text("is_principal"),
        postgresql_where=sa.text("is_principal"),
    )


class Entity(Base):
    __tablename__ = "entities"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(2), default=KIND_PERSON)
    # CPF (11 digits) or CNPJ (14 characters, alphanumeric since July 2026), normalised.
    document: Mapped[str | None] = mapped_column(binary_text(14))
    name: Mapped[str] = mapped_column(sa.String(150))
    trade_name: Mapped[str | None] = mapped_column(sa.String(150))
    # Lower-case, accent-free name kept in step with `name` (see isocrm.entity_search).
    search_name: Mapped[str] = mapped_column(binary_text(150))
    birth_date: Mapped[date | None]
    notes: Mapped[str | None] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Optimistic locking: the version the attendant saw travels with the form (see
    # isocrm.registry.service: a stale save is merged or refused, never silently applied).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    roles: Mapped[list[Role]] = relationship(secondary=entity_roles, order_by=Role.name)
    units: Mapped[list[Unit]] = relationship(secondary=entity_units, order_by=Unit.name)
    addresses: Mapped[list["Address"]] = relationship(
        back_populates="entity", cascade="all, delete-orphan", order_by="Address.id"
    )
    phones: Mapped[list["Phone"]] = relationship(
        back_populates="entity", cascade="all, delete-orphan", order_by="Phone.id"
    )
    econtacts: Mapped[list["EContact"]] = relationship(
        back_populates="entity", cascade="all, delete-orphan", order_by="EContact.id"
    )
    relations: Mapped[list["Relation"]] = relationship(
        back_populates="entity",
        cascade="all, delete-orphan",
        foreign_keys="Relation.entity_id",
        order_by="Relation.id",
    )
    search_words: Mapped[list["EntitySearchWord"]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    # The Principal rows alone (at most one each, see _one_principal_index), so a screen that
    # shows only them joins them into the query it already makes instead of reading every row.
    main_address: Mapped["Address | None"] = relationship(
        primaryjoin="and_(Address.entity_id == Entity.id, Address.is_principal)",
        viewonly=True,
        uselist=False,
    )
    main_phone: Mapped["Phone | None"] = relationship(
        primaryjoin="and_(Phone.entity_id == Entity.id, Phone.is_principal)",
        viewonly=True,
        uselist=False,
    )
    main_econtact: Mapped["EContact | None"] = relationship(
        primaryjoin="and_(EContact.entity_id == Entity.id, EContact.is_principal)",
        viewonly=True,
        uselist=False,
    )

    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (
        sa.CheckConstraint("kind IN ('PF', 'PJ')", name="kind_known"),
        sa.CheckConstraint(
            "document IS NULL OR (kind = 'PF' AND length(document) = 11)"
            " OR (kind = 'PJ' AND length(document) = 14)",
            name="document_fits_kind",
        ),
        sa.UniqueConstraint("company_id", "document"),
        # Serves the leading-prefix search in name order without a sort.
        sa.Index("ix_entities_company_search_name", "company_id", "search_name", "id"),
    )

    @property
    def document_display(self) -> str:
        return brdocs.format_document(self.document) if self.document else ""

    @property
    def can_open_ticket(self) -> bool:
        """A ticket needs a papel (seed §1: Cliente, Parceiro…)."""
        return bool(self.roles)

    @property
    def is_partner(self) -> bool:
        return any(role.code == ROLE_CODE_PARTNER for role in self.roles)

    def _principal(self, rows: str, main: str):
        """The Principal row: from every row when they are loaded (they hold this session's
        own changes), else from the main_* relationship when a query joined it."""
        unloaded = sa.inspect(self).unloaded
        if rows in unloaded and main not in unloaded:
            return getattr(self, main)
        return next((row for row in getattr(self, rows) if row.is_principal), None)

    @property
    def principal_address(self) -> "Address | None":
        return self._principal("addresses", "main_address")

    @property
    def principal_phone(self) -> "Phone | None":
        return self._principal("phones", "main_phone")

    @property
    def principal_econtact(self) -> "EContact | None":
        return self._principal("econtacts", "main_econtact")

    def link_ids(self, name: str) -> set[int] | None:
        """role_ids / unit_ids as a set, or None when the query did not undefer them."""
        if name in sa.inspect(self).unloaded:
            return None
        value = getattr(self, name)
        return {int(part) for part in value.split(",")} if value else set()

    def __repr__(self) -> str:
        return f"<Entity {self.id} {self.name!r}>"


def _linked_ids(table: sa.Table, column: str):
    """The ids an entity links to in `table`, comma-separated (in no particular order)."""
    return sa.orm.column_property(
        sa.select(sa.func.aggregate_strings(sa.cast(table.c[column], sa.String), ","))
        .where(table.c.entity_id == Entity.id)
        .scalar_subquery(),
        deferred=True,
    )


# Read with the entity in one query where a screen needs only the ids (the names are in the
# cached catalogue, isocrm.catalogs): no query of their own for the papéis and unidades.
Entity.role_ids = _linked_ids(entity_roles, "role_id")
Entity.unit_ids = _linked_ids(entity_units, "unit_id")


class EntitySearchWord(Base):
    """One word of an entity's normalised name: an inverted index that answers a word-prefix
    search with a B-tree range on SQLite and PostgreSQL alike."""

    __tablename__ = "entity_search_words"

    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True
    )
    word: Mapped[str] = mapped_column(binary_text(60), primary_key=True)
    entity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("entities.id", ondelete="CASCADE"), primary_key=True
    )

    # The words of one entity, for checking the other words of a multi-word query.
    __table_args__ = (sa.Index("ix_entity_search_words_entity_word", "entity_id", "word"),)


class EntityRevision(Base):
    """What Cadastro completo showed at one version of an entity, kept when that version is
    replaced: a stale save compares against it (read from the database, never from the form)
    to tell the fields the other tab changed from the ones this tab changed."""

    __tablename__ = "entity_revisions"

    entity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("entities.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    values: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Address(Base):
    __tablename__ = "addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("entities.id", ondelete="CASCADE"), index=True
    )
    is_principal: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    zip_code: Mapped[str | None] = mapped_column(sa.String(8))
    street: Mapped[str] = mapped_column(sa.String(150))
    number: Mapped[str | None] = mapped_column(sa.String(20))
    complement: Mapped[str | None] = mapped_column(sa.String(80))
    district: Mapped[str | None] = mapped_column(sa.String(80))
    city: Mapped[str] = mapped_column(sa.String(80))
    state: Mapped[str] = mapped_column(sa.String(2))
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    entity: Mapped[Entity] = relationship(back_populates="addresses")

    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (
        _one_principal_index("addresses"),
        sa.CheckConstraint("length(state) = 2", name="state_is_uf"),
        sa.CheckConstraint("zip_code IS NULL OR length(zip_code) = 8", name="zip_code_digits"),
    )

    @property
    def one_line(self) -> str:
        street = ", ".join(p for p in (self.street, self.number, self.complement) if p)
        place = " - ".join(p for p in (self.district, f"{self.city}/{self.state}") if p)
        cep = f"CEP {self.zip_code[:5]}-{self.zip_code[5:]}" if self.zip_code else ""
        return " · ".join(p for p in (street, place, cep) if p)


class Phone(Base):
    __tablename__ = "phones"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("entities.id", ondelete="CASCADE"), index=True
    )
    is_principal: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    kind: Mapped[str] = mapped_column(sa.String(12), default="celular")
    number: Mapped[str] = mapped_column(sa.String(20))
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    entity: Mapped[Entity] = relationship(back_populates="phones")

    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (
        _one_principal_index("phones"),
        sa.CheckConstraint("kind IN ('celular', 'residencial', 'comercial')", name="kind_known"),
        sa.Index("ix_phones_number", "number"),
    )

    @property
    def display(self) -> str:
        return phones.display(self.number)

    @property
    def kind_label(self) -> str:
        return str(PHONE_KINDS[self.kind])


class EContact(Base):
    """E-contact: e-mail, site, WhatsApp…; the Principal one receives the ticket e-mails."""

    __tablename__ = "econtacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("entities.id", ondelete="CASCADE"), index=True
    )
    is_principal: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    kind: Mapped[str] = mapped_column(sa.String(12), default="email")
    value: Mapped[str] = mapped_column(sa.String(200))
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    entity: Mapped[Entity] = relationship(back_populates="econtacts")

    __mapper_args__ = {"version_id_col": version}

    __table_args__ = (
        _one_principal_index("econtacts"),
        sa.CheckConstraint(
            "kind IN ('email', 'site', 'whatsapp', 'telegram', 'instagram', 'outro')",
            name="kind_known",
        ),
        sa.Index("ix_econtacts_value", "value"),
        # The global search's e-mail lookup in any case: addresses keep the case they were
        # typed with before the @ (only ASCII there, which lower() folds on both databases).
        sa.Index("ix_econtacts_lower_value", lower_binary(sa.text("value"))),
    )

    @property
    def kind_label(self) -> str:
        return str(ECONTACT_KINDS[self.kind])

    @property
    def display(self) -> str:
        """WhatsApp numbers are stored as digits and shown as phones."""
        return phones.display(self.value) if self.kind == "whatsapp" else self.value


class Relation(Base):
    """ "Relacionado com": another entity linked to this one; the ticket's Contato picker lists
    them."""

    __tablename__ = "relations"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(sa.ForeignKey("entities.id", ondelete="CASCADE"))
    related_entity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("entities.id", ondelete="CASCADE"), index=True
    )
    relation_type_id: Mapped[int] = mapped_column(
        sa.ForeignKey("relation_types.id", ondelete="RESTRICT"), index=True
    )

    entity: Mapped[Entity] = relationship(back_populates="relations", foreign_keys=[entity_id])
    related_entity: Mapped[Entity] = relationship(foreign_keys=[related_entity_id])
    relation_type: Mapped[RelationType] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("entity_id", "related_entity_id"),
        sa.CheckConstraint("entity_id <> related_entity_id", name="not_self"),
    )


def index_entity_name(entity: Entity) -> None:
    """Keep search_name and the word index in step with the name and the nome fantasia."""
    entity.search_name = text.fold(entity.name)[:150]
    wanted = text.index_keys(entity.name, entity.trade_name)
    current = {w.word: w for w in entity.search_words}
    for word in current.keys() - wanted:
        entity.search_words.remove(current[word])
    for word in sorted(wanted - current.keys()):
        entity.search_words.append(EntitySearchWord(company_id=entity.company_id, word=word))


@event.listens_for(Session, "before_flush")
def _index_changed_names(session: Session, _context, _instances) -> None:
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, Entity):
            continue
        state = sa.inspect(obj)
        if (
            state.pending
            or state.attrs.name.history.has_changes()
            or (state.attrs.trade_name.history.has_changes())
        ):
            index_entity_name(obj)
