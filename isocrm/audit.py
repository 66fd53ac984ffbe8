"""Audit trail: every ORM insert, update and delete of a business record is written to
`audit_log` (who, when, before/after) in the same transaction as the change itself.

Core statements (the demo's bulk generator, migrations) bypass the ORM and are not audited.
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from flask import Flask, g, has_app_context, has_request_context
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Mapper, RelationshipDirection, Session, UOWTransaction
from sqlalchemy.orm.state import InstanceState

from isocrm.models import (
    Address,
    Alert,
    Appointment,
    Attachment,
    AuditLog,
    Cause,
    Channel,
    Company,
    DetailInfo,
    EContact,
    Entity,
    Occurrence,
    Phone,
    Product,
    ProductInfo,
    Reason,
    Relation,
    RelationType,
    Role,
    Status,
    Ticket,
    TicketDetail,
    Unit,
    User,
    utcnow,
)

AUDITED_MODELS = (
    Ticket,
    TicketDetail,
    DetailInfo,
    Attachment,
    Entity,
    Address,
    Phone,
    EContact,
    Relation,
    Alert,
    Appointment,
    Channel,
    Status,
    Reason,
    Occurrence,
    Cause,
    Product,
    ProductInfo,
    Role,
    RelationType,
    Unit,
    User,
)

MASK = "***"
# Never leaves the users table, not even hashed: the log is read by more people than the table.
SECRET_COLUMNS = {User: frozenset({"password_hash"})}
# Bookkeeping the ORM or a hook keeps in step with real changes: alone it is not a change
# worth a row, and next to a real change it only repeats what `at` already says.
NOISE_COLUMNS = frozenset({"version", "updated_at"})
DERIVED_COLUMNS = {
    Entity: frozenset({"search_name"}),
    # The prazo clock (isocrm.sla.clock) recomputes these from the ticket's own changes.
    Ticket: frozenset(
        {"first_answer_due_at", "first_answered_at", "resolution_due_at", "sla_paused_at"}
    ),
}

MANYTOONE = RelationshipDirection.MANYTOONE
_BEFORE_KEY = ("isocrm.audit", "before")  # where before_flush leaves values for after_flush
_UNKNOWN = object()

# bindparams typed none_as_null: a plain JSON column would store None as the JSON text 'null',
# so "no before" would not be SQL NULL.
_INSERT = sa.insert(AuditLog.__table__).values(
    before=sa.bindparam("before", type_=sa.JSON(none_as_null=True)),
    after=sa.bindparam("after", type_=sa.JSON(none_as_null=True)),
)


@dataclass(frozen=True)
class _Plan:
    """What to record for one mapped class, worked out once."""

    table_name: str
    columns: tuple[str, ...]
    pk: tuple[str, ...]
    secret: frozenset[str]
    skip_on_update: frozenset[str]
    server_filled: frozenset[str]  # the database may fill these on insert
    # Columns, and the relationships whose change the flush turns into a column change.
    watched: frozenset[str]


_plans: dict[type, _Plan | None] = {}


def _plan_for(cls: type) -> _Plan | None:
    try:
        return _plans[cls]
    except KeyError:
        pass
    plan = None
    model = next((m for m in AUDITED_MODELS if issubclass(cls, m)), None)
    if model is not None:
        mapper: Mapper = sa.inspect(cls)
        columns = tuple(prop.key for prop in mapper.column_attrs)
        pk = tuple(mapper.get_property_by_column(col).key for col in mapper.primary_key)
        noise = set(NOISE_COLUMNS)
        if mapper.version_id_col is not None:
            noise.add(mapper.get_property_by_column(mapper.version_id_col).key)
        skip_on_update = frozenset(noise | DERIVED_COLUMNS.get(model, frozenset()))
        plan = _Plan(
            table_name=mapper.local_table.name,
            columns=columns,
            pk=pk,
            secret=SECRET_COLUMNS.get(model, frozenset()),
            skip_on_update=skip_on_update,
            server_filled=frozenset(
                prop.key
                for prop in mapper.column_attrs
                if any(
                    col.server_default is not None or col.identity is not None
                    for col in prop.columns
                    if isinstance(col, sa.Column)
                )
            ),
            watched=frozenset(
                [*columns, *(r.key for r in mapper.relationships if r.direction is MANYTOONE)]
            )
            - skip_on_update,
        )
    _plans[cls] = plan
    return plan


def json_safe(value: Any) -> Any:
    """A column value as JSON can hold it."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    return value


def _shown(plan: _Plan, key: str, value: Any) -> Any:
    return MASK if key in plan.secret else json_safe(value)


def _committed(state: InstanceState, key: str) -> Any:
    """The value the database holds now (before this flush), or _UNKNOWN if not loaded."""
    history = state.attrs[key].history
    if history.deleted:
        return history.deleted[0]
    if history.unchanged:
        return history.unchanged[0]
    return _UNKNOWN


def _really_modified(plan: _Plan, state: InstanceState) -> bool:
    return len(state.unmodified_intersection(plan.watched)) < len(plan.watched)


def _before_flush(session: Session, flush_context: UOWTransaction, _instances) -> None:
    """Read the old values the ORM does not hold: an attribute set after a commit expired it
    is changed without loading, and after the flush its old value is gone for good."""
    missing: dict[InstanceState, list[str]] = {}
    deleted = session.deleted
    for obj in (*session.dirty, *deleted):
        plan = _plan_for(type(obj))
        if plan is None:
            continue
        state = sa.inspect(obj)
        if state.key is None:
            continue
        # Only bookkeeping or a collection changed (the demo back-dates updated_at, adds
        # relations): this row gets no audit entry, so there is nothing to read back.
        if obj not in deleted and not _really_modified(plan, state):
            continue
        keys = [k for k in plan.columns if _committed(state, k) is _UNKNOWN]
        if keys:
            missing[state] = keys
    if not missing:
        return
    fetched: dict[InstanceState, dict[str, Any]] = {}
    connection = session.connection(bind_arguments={"mapper": AuditLog.__mapper__})
    for state, keys in missing.items():
        mapper = state.mapper
        columns = [mapper.get_property(k).columns[0] for k in keys]
        where = [col == value for col, value in zip(mapper.primary_key, state.key[1], strict=True)]
        row = connection.execute(sa.select(*columns).where(*where)).first()
        if row is not None:
            fetched[state] = dict(zip(keys, row, strict=True))
    flush_context.attributes[_BEFORE_KEY] = fetched


def _after_flush(session: Session, flush_context: UOWTransaction) -> None:
    """Write one audit row per audited object this flush inserted, changed or deleted."""
    fetched = flush_context.attributes.get(_BEFORE_KEY, {})
    entries: list[tuple[_Plan, InstanceState, str, dict | None, dict | None]] = []

    for obj in session.new:
        plan = _plan_for(type(obj))
        if plan is not None:
            state = sa.inspect(obj)
            values = state.dict
            # A column never set went in as NULL; a server default not fetched back is unknown
            # here, so it is left out rather than guessed.
            after = {
                k: _shown(plan, k, values.get(k))
                for k in plan.columns
                if k in values or k not in plan.server_filled
            }
            entries.append((plan, state, "insert", None, after))

    for obj in session.dirty:
        plan = _plan_for(type(obj))
        if plan is None:
            continue
        state = sa.inspect(obj)
        if not state.modified:
            continue
        old_values = fetched.get(state, {})
        before, after = {}, {}
        for key in plan.columns:
            if key in plan.skip_on_update:
                continue
            history = state.attrs[key].history
            if not history.added:
                continue
            new = history.added[0]
            old = history.deleted[0] if history.deleted else old_values.get(key, _UNKNOWN)
            if old is _UNKNOWN:
                # Neither loaded nor read back: a foreign key the flush itself moved on an
                # object that was expired and untouched before. Better a gap than no row.
                old = None
            elif old == new:
                continue
            before[key] = _shown(plan, key, old)
            after[key] = _shown(plan, key, new)
        if after:
            entries.append((plan, state, "update", before, after))

    gone_companies: set[int] = set()
    gone_users: set[int] = set()
    for obj in session.deleted:
        if isinstance(obj, Company):
            gone_companies.add(_identity(obj))
        plan = _plan_for(type(obj))
        if plan is None:
            continue
        state = sa.inspect(obj)
        if isinstance(obj, User):
            gone_users.add(state.key[1][0])
        old_values = fetched.get(state, {})
        before = {}
        for key in plan.columns:
            value = _committed(state, key)
            if value is _UNKNOWN:
                value = old_values.get(key)
            before[key] = _shown(plan, key, value)
        entries.append((plan, state, "delete", before, None))

    links = _collection_changes(session)
    if not entries and not links:
        return

    at = utcnow()
    user_id = _current_user_id()
    request_company_id = _request_company_id()
    # An audit row may not point at a user or Empresa this very flush deleted (foreign keys).
    if user_id in gone_users:
        user_id = None
    rows = []
    for plan, state, action, before, after in entries:
        company_id = request_company_id
        if company_id is None and "company_id" in plan.columns:
            company_id = state.dict.get("company_id", _UNKNOWN)
            if company_id is _UNKNOWN:
                company_id = fetched.get(state, {}).get("company_id")
        if company_id in gone_companies:
            company_id = None
        rows.append(
            {
                "at": at,
                "user_id": user_id,
                "company_id": company_id,
                "table_name": plan.table_name,
                "row_id": _row_id(plan, state),
                "action": action,
                "before": before,
                "after": after,
            }
        )
    for table_name, row_id, action, before, after, link_company_id in links:
        company_id = request_company_id if request_company_id is not None else link_company_id
        rows.append(
            {
                "at": at,
                "user_id": user_id,
                "company_id": None if company_id in gone_companies else company_id,
                "table_name": table_name,
                "row_id": row_id,
                "action": action,
                "before": before,
                "after": after,
            }
        )
    # Core, not session.add: the ORM does not take new objects while it is flushing.
    session.connection(bind_arguments={"mapper": AuditLog.__mapper__}).execute(_INSERT, rows)


# Association rows with no mapped class of their own: Entity.roles and Entity.units, and a
# user's Empresas (User.companies). Their changes are read from the collection's history in
# the same flush; each added or removed link is one audit row (insert/delete) named
# "<owner id>,<linked id>", with the name the Papel, Unidade or Empresa had then, so the
# Histórico shows it without another query.
AUDITED_COLLECTIONS = {
    Entity: (
        "entity_id",
        (("roles", "entity_roles", "role_id"), ("units", "entity_units", "unit_id")),
    ),
    User: ("user_id", (("companies", "user_companies", "company_id"),)),
}


def _collection_changes(session: Session) -> list[tuple]:
    """(table, row id, action, before, after, Empresa) of each audited link changed."""
    changes = []
    for obj in (*session.new, *session.dirty):
        audited = next((v for cls, v in AUDITED_COLLECTIONS.items() if isinstance(obj, cls)), None)
        if audited is None:
            continue
        owner_column, collections = audited
        state = sa.inspect(obj)
        owner_id = _identity(obj)
        for attr, table_name, column in collections:
            if attr not in state.dict and not state.attrs[attr].history.has_changes():
                continue
            history = state.attrs[attr].history
            for action, items in (("insert", history.added), ("delete", history.deleted)):
                for item in items or ():
                    item_id = _identity(item)
                    item_state = sa.inspect(item)
                    row = {
                        owner_column: owner_id,
                        column: item_id,
                        "name": item_state.dict.get("name"),
                    }
                    changes.append(
                        (
                            table_name,
                            f"{owner_id},{item_id}",
                            action,
                            row if action == "delete" else None,
                            row if action == "insert" else None,
                            state.dict.get("company_id"),
                        )
                    )
    return changes


def _row_id(plan: _Plan, state: InstanceState) -> str:
    # A new object gets its identity key only after after_flush; its dict already has the id.
    values = state.key[1] if state.key is not None else [state.dict.get(k) for k in plan.pk]
    return ",".join(str(v) for v in values)


def _identity(obj: Any) -> Any:
    """The primary key without touching attributes: an expired object would reload itself
    with a query in the middle of the flush."""
    state = sa.inspect(obj, raiseerr=False)
    if state is not None and state.key is not None:
        return state.key[1][0]
    return getattr(obj, "id", None)


def _current_user_id() -> int | None:
    if not has_request_context():
        return None  # CLI, demo loader, tests outside a request
    user = current_user._get_current_object()
    if user is None or user.is_anonymous:
        return None
    return _identity(user)


def _request_company_id() -> int | None:
    if not has_app_context():
        return None
    company = g.get("company")
    return _identity(company) if company is not None else None


def history_for(session: Session, table_name: str, row_id: Any) -> list[AuditLog]:
    """The audit rows of one record, newest first."""
    stmt = (
        sa.select(AuditLog)
        .where(AuditLog.table_name == table_name, AuditLog.row_id == str(row_id))
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
    )
    return list(session.scalars(stmt))


def init_app(app: Flask) -> None:
    """Listen on every Session: Flask-SQLAlchemy's scoped sessions are subclasses of it."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
