"""The catalogues that rarely change (canais, situações, motivos, ocorrências, causas,
informações de produto, unidades and papéis), read once per app process and Empresa.

Several processes (gunicorn workers, several machines on one database) each keep a copy, so
a copy must never outlive a change committed by another one. The `catalog_version` row is
bumped in the same transaction as any change to a catalogue (the flush hook below: the app
writes catalogues only through the ORM), and every request reads it for free with its
session check (isocrm.auth.sessions). A copy made under another stamp is read again.

What is cached is plain tuples in frozen dataclasses, never ORM objects: one copy is shared
by every thread and request of the process, and nothing in it can be lazy-loaded, expired
or changed. Reading a copy and replacing one are single dict operations, atomic under the
GIL; two threads that miss at once both read the database and one copy wins, both right.
"""

import secrets
from collections import defaultdict
from dataclasses import dataclass
from itertools import chain
from types import MappingProxyType

import sqlalchemy as sa
from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy.orm import Session

from isocrm.models import (
    CatalogVersion,
    Cause,
    Channel,
    Occurrence,
    Product,
    ProductInfo,
    Reason,
    Role,
    Status,
    Unit,
)
from isocrm.models.catalog_version import CATALOG_VERSION_ROW

# A change to any of these bumps the version.
CATALOG_MODELS = (Channel, Status, Reason, Occurrence, Cause, Product, ProductInfo, Unit, Role)
_EXTENSION_KEY = "isocrm_catalogs"
# session.info flag: this transaction changed a catalogue and has not ended yet.
_CHANGED = "catalog_changed"

Choices = tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class Catalog:
    """One Empresa's catalogues as (id, name) pairs, in the order the screens show them."""

    version: int | None
    statuses: Choices  # active ones, by position then name
    channels: Choices  # active ones, by id
    reasons: Choices  # active ones, by position then name
    occurrences: MappingProxyType  # reason id -> active occurrences, by position then name
    causes: MappingProxyType  # occurrence id -> active causes, by position then name
    product_infos: MappingProxyType  # (reason id, occurrence id) -> "product — info", active
    units: MappingProxyType  # id -> name, every unidade of the Empresa, by name
    roles: MappingProxyType  # id -> name, every papel of the Empresa, by name
    inactive_units: frozenset  # ids of the unidades no longer offered
    inactive_roles: frozenset  # ids of the papéis no longer offered


version_column = (
    sa.select(CatalogVersion.version)
    .where(CatalogVersion.id == CATALOG_VERSION_ROW)
    .scalar_subquery()
    .label("catalog_version")
)


def remember_version(version: int | None) -> None:
    """Called by the session check with the number it read alongside the user."""
    g.catalog_version = version


def catalog(session: Session, company_id: int) -> Catalog:
    """The Empresa's catalogues: this process's copy while the version still matches."""
    if session.info.get(_CHANGED) or not has_app_context():
        # This transaction changed a catalogue: what it reads may still be rolled back.
        return _load(session, company_id, None)
    if has_request_context() and "catalog_version" in g:
        version = g.catalog_version
    else:
        version = session.scalar(sa.select(version_column))
    if version is None:  # no version row (an emptied database): nothing can be trusted
        return _load(session, company_id, None)
    copies = current_app.extensions.setdefault(_EXTENSION_KEY, {})
    copy = copies.get(company_id)
    if copy is None or copy.version != version:
        copy = _load(session, company_id, version)
        copies[company_id] = copy
    return copy


def _pairs(rows) -> Choices:
    return tuple((row_id, name) for row_id, name in rows)


def _grouped(rows) -> MappingProxyType:
    groups: dict = defaultdict(list)
    for key, row_id, name in rows:
        groups[key].append((row_id, name))
    return MappingProxyType({key: tuple(pairs) for key, pairs in groups.items()})


def _load(session: Session, company_id: int, version: int | None) -> Catalog:
    """Read every catalogue of the Empresa (only on a miss: once per change and process)."""
    run = session.execute
    statuses = run(
        sa.select(Status.id, Status.name)
        .where(Status.company_id == company_id, Status.active)
        .order_by(Status.position, Status.name)
    )
    channels = run(
        sa.select(Channel.id, Channel.name)
        .where(Channel.company_id == company_id, Channel.active)
        .order_by(Channel.id)
    )
    reasons = run(
        sa.select(Reason.id, Reason.name)
        .where(Reason.company_id == company_id, Reason.active)
        .order_by(Reason.position, Reason.name)
    )
    occurrences = run(
        sa.select(Occurrence.reason_id, Occurrence.id, Occurrence.name)
        .join(Reason)
        .where(Reason.company_id == company_id, Occurrence.active)
        .order_by(Occurrence.position, Occurrence.name)
    )
    causes = run(
        sa.select(Cause.occurrence_id, Cause.id, Cause.name)
        .join(Occurrence)
        .join(Reason)
        .where(Reason.company_id == company_id, Cause.active)
        .order_by(Cause.position, Cause.name)
    )
    infos = run(
        sa.select(
            ProductInfo.reason_id,
            ProductInfo.occurrence_id,
            ProductInfo.id,
            Product.name,
            ProductInfo.description,
        )
        .join(Product)
        .where(Product.company_id == company_id, ProductInfo.active, Product.active)
        .order_by(Product.name, ProductInfo.description)
    )
    units = run(
        sa.select(Unit.id, Unit.name, Unit.active)
        .where(Unit.company_id == company_id)
        .order_by(Unit.name)
    ).all()
    roles = run(
        sa.select(Role.id, Role.name, Role.active)
        .where(Role.company_id == company_id)
        .order_by(Role.name)
    ).all()
    return Catalog(
        version=version,
        statuses=_pairs(statuses),
        channels=_pairs(channels),
        reasons=_pairs(reasons),
        occurrences=_grouped(occurrences),
        causes=_grouped(causes),
        product_infos=_grouped(
            ((reason_id, occurrence_id), info_id, f"{product} — {description}")
            for reason_id, occurrence_id, info_id, product, description in infos
        ),
        units=MappingProxyType({row_id: name for row_id, name, _ in units}),
        roles=MappingProxyType({row_id: name for row_id, name, _ in roles}),
        inactive_units=frozenset(row_id for row_id, _, active in units if not active),
        inactive_roles=frozenset(row_id for row_id, _, active in roles if not active),
    )


# --- every change bumps the version -------------------------------------------------------


@sa.event.listens_for(Session, "before_flush")
def _bump_on_catalog_change(session: Session, _flush_context, _instances) -> None:
    """Any insert, update or delete of a catalogue row bumps the version in the same
    transaction: it commits (and is seen by every process) exactly when the change does."""
    if session.info.get(_CHANGED):
        return  # bumped once already in this transaction
    touched = chain(session.new, session.dirty, session.deleted)
    if not any(isinstance(obj, CATALOG_MODELS) for obj in touched):
        return
    # A random stamp rather than a count: after a backup is restored, counting on from the
    # restored number could give a number some process cached for other contents; a random
    # one names one state of the catalogues, whichever history led there.
    session.connection().execute(
        sa.update(CatalogVersion.__table__)
        .where(CatalogVersion.__table__.c.id == CATALOG_VERSION_ROW)
        .values(version=secrets.randbits(62))
    )
    session.info[_CHANGED] = True


@sa.event.listens_for(Session, "after_commit")
@sa.event.listens_for(Session, "after_rollback")
def _transaction_over(session: Session) -> None:
    if session.info.pop(_CHANGED, None) and has_request_context():
        # This request changed a catalogue: the number it read with the session is old.
        g.pop("catalog_version", None)


# --- Choices for the selects that offer the catalogue -------------------------------------

BLANK = (None, "—")  # the empty first option of an optional select


def status_choices(session: Session, company_id: int):
    return list(catalog(session, company_id).statuses)


def channel_choices(session: Session, company_id: int):
    return [BLANK, *catalog(session, company_id).channels]


def reason_choices(session: Session, company_id: int):
    return [BLANK, *catalog(session, company_id).reasons]


def occurrence_choices(session: Session, company_id: int, reason_id: int | None):
    if not reason_id:
        return [BLANK]
    return [BLANK, *catalog(session, company_id).occurrences.get(reason_id, ())]


def cause_choices(session: Session, company_id: int, occurrence_id: int | None):
    if not occurrence_id:
        return [BLANK]
    return [BLANK, *catalog(session, company_id).causes.get(occurrence_id, ())]
