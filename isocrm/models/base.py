"""Declarative base, naming convention and the column types every model shares."""

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.functions import GenericFunction

# Stable constraint names, so migrations can drop and alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(sa.types.TypeDecorator):
    """An aware UTC datetime on every database (SQLite keeps no zone, so we store UTC there)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def binary_text(length: int) -> sa.types.TypeEngine:
    """Text compared byte by byte, so a B-tree range serves a prefix search on PostgreSQL too."""
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


class lower_binary(GenericFunction):  # noqa: N801 (an SQL function's name)
    """lower(text) compared byte by byte (COLLATE "C" on PostgreSQL, SQLite's default), so
    a B-tree range on it serves a prefix search whatever the database's locale."""

    type = sa.String()
    inherit_cache = True


@compiles(lower_binary)
def _lower_binary(element, compiler, **kw):
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(lower_binary, "postgresql")
def _lower_binary_postgresql(element, compiler, **kw):
    return f'(lower({compiler.process(element.clauses, **kw)}) COLLATE "C")'
