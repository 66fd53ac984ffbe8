"""What the ticket screen reads: a fixed number of queries whatever the ticket's size."""

from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session, joinedload, selectinload

from isocrm import text
from isocrm.alerts import active_alert
from isocrm.catalogs import BLANK, catalog
from isocrm.entity_search import search_entities
from isocrm.fields import row_id
from isocrm.models import (
    Alert,
    Entity,
    Relation,
    Role,
    Ticket,
    TicketDetail,
    UnsavedEdit,
)
from isocrm.models.catalog import ROLE_CODE_PARTNER
from isocrm.models.entity import entity_roles
from isocrm.models.ticket import STAGE_CONFIRMED
from isocrm.ticket_reads import ticket_screen_options


@dataclass(frozen=True)
class ScreenFacts:
    """What the ticket screen reads besides the ticket, as columns of the ticket's query."""

    detail_total: int
    alert_priority: int | None
    location_is_partner: bool
    my_unsaved: UnsavedEdit | None


@cache
def screen_ticket_statement(locked: bool):
    """The ticket (by :code and :company_id) with everything its screen shows, and the
    ScreenFacts columns (for :user_id and :today), in one statement built once per process:
    building it took longer than running it. `locked`: FOR UPDATE OF the ticket, as
    isocrm.loaders.get_ticket does for a request that changes data."""
    total = (
        sa.select(sa.func.count())
        .select_from(TicketDetail)
        .where(TicketDetail.ticket_id == Ticket.id)
        .scalar_subquery()
    )
    priority = (
        sa.select(sa.func.max(Alert.priority))
        .where(Alert.entity_id == Ticket.entity_id, *active_alert(sa.bindparam("today")))
        .scalar_subquery()
    )
    partner = partner_filter(sa.bindparam("company_id"), Ticket.location_entity_id)
    unsaved = sa.orm.aliased(UnsavedEdit)
    statement = (
        sa.select(Ticket, total, priority, partner, unsaved)
        .outerjoin(
            unsaved,
            sa.and_(unsaved.ticket_id == Ticket.id, unsaved.user_id == sa.bindparam("user_id")),
        )
        .where(Ticket.code == sa.bindparam("code"), Ticket.company_id == sa.bindparam("company_id"))
        .options(*ticket_screen_options())
    )
    return statement.with_for_update(of=Ticket) if locked else statement


def entity_screen_options():
    return (
        selectinload(Entity.roles),
        selectinload(Entity.units),
        selectinload(Entity.addresses),
        selectinload(Entity.phones),
        selectinload(Entity.econtacts),
    )


def _linked_choices(entity: Entity, ids_name: str, relation: str, names, inactive) -> list:
    """The entity's active papéis or unidades, by name: from ids and the cached catalogue
    when the query read the ids, else from the loaded relationship."""
    ids = entity.link_ids(ids_name)
    if ids is None:
        return [BLANK] + [(row.id, row.name) for row in getattr(entity, relation) if row.active]
    return [BLANK] + [
        (row_id, name) for row_id, name in names.items() if row_id in ids and row_id not in inactive
    ]


def role_choices(session: Session, company_id: int, entity: Entity):
    found = catalog(session, company_id)
    return _linked_choices(entity, "role_ids", "roles", found.roles, found.inactive_roles)


def unit_choices(session: Session, company_id: int, entity: Entity):
    found = catalog(session, company_id)
    return _linked_choices(entity, "unit_ids", "units", found.units, found.inactive_units)


def product_info_choices(
    session: Session, company_id: int, reason_id: int | None, occurrence_id: int | None
):
    """Informações of products linked to the chosen Motivo and Ocorrência (seed §6)."""
    if not reason_id or not occurrence_id:
        return [(None, _("— escolha Motivo e Ocorrência —"))]
    choices = catalog(session, company_id).product_infos.get((reason_id, occurrence_id))
    if not choices:
        return [(None, _("— nenhuma informação de produto para este Motivo e Ocorrência —"))]
    return [BLANK, *choices]


def contact_choices(session: Session, entity_id: int, query: str = "", current: int | None = None):
    """The entity's "Relacionado com" people, optionally narrowed by a typed name."""
    stmt = (
        sa.select(Relation)
        .where(Relation.entity_id == entity_id)
        .join(Relation.related_entity)
        .options(joinedload(Relation.related_entity), joinedload(Relation.relation_type))
        .order_by(Entity.search_name)
    )
    words = text.words(query)
    for word in words:
        stmt = stmt.where(
            sa.or_(Entity.search_name.startswith(word), Entity.search_name.contains(" " + word))
        )
    # Typed text with nothing searchable in it ("%", an emoji) matches nobody, as in the
    # entity search, rather than listing every contact as an empty box does.
    relations = session.scalars(stmt).all() if words or not query.strip() else []
    choices = [
        (r.related_entity_id, f"{r.related_entity.name} ({r.relation_type.name})")
        for r in relations
    ]
    if current and current not in {value for value, _label in choices}:
        person = session.get(Entity, current)
        if person is not None:
            related = is_contact_of(session, entity_id, current)
            choices.insert(
                0,
                (
                    person.id,
                    person.name if related else _("%(name)s (não relacionado)", name=person.name),
                ),
            )
    return [BLANK] + choices


def is_contact_of(session: Session, entity_id: int, contact_id: int) -> bool:
    return (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(Relation)
            .where(Relation.entity_id == entity_id, Relation.related_entity_id == contact_id)
        )
        > 0
    )


def partner_filter(company_id: int, entity_id=Entity.id):
    """Whether the entity (by default the one the query reads) has the papel Parceiro."""
    return sa.exists(
        sa.select(entity_roles.c.entity_id)
        .join(Role, Role.id == entity_roles.c.role_id)
        .where(
            entity_roles.c.entity_id == entity_id,
            Role.company_id == company_id,
            Role.code == ROLE_CODE_PARTNER,
        )
    )


def partner_ids(company_id: int):
    """The ids of the Empresa's partners, from the role index: the Local picker's candidates."""
    return (
        sa.select(entity_roles.c.entity_id)
        .join(Role, Role.id == entity_roles.c.role_id)
        .where(Role.company_id == company_id, Role.code == ROLE_CODE_PARTNER)
    )


def partner_choices(session: Session, company_id: int, query: str, current: Entity | None):
    """Local: partners (papel Parceiro) matching the typed name or document."""
    choices = [BLANK]
    if current is not None:
        choices.append((current.id, f"{current.name} · {current.document_display}"))
    if query.strip():
        page = search_entities(
            session, company_id, query, per_page=15, within=partner_ids(company_id)
        )
        for entity in page.items:
            if current is None or entity.id != current.id:
                choices.append((entity.id, f"{entity.name} · {entity.document_display}"))
    return choices


def is_partner(session: Session, company_id: int, entity_id: int) -> bool:
    return (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(Entity)
            .where(
                Entity.id == entity_id, Entity.company_id == company_id, partner_filter(company_id)
            )
        )
        > 0
    )


def related_ticket_choices(
    session: Session,
    company_id: int,
    query: str,
    current: Ticket | None,
    exclude_id: int | None,
):
    """SAC Relacionado: tickets by code, or by the entity's name."""
    choices = [BLANK]
    if current is not None:
        choices.append((current.id, ticket_label(current)))
    query = query.strip()
    if query:
        stmt = (
            sa.select(Ticket)
            .where(Ticket.company_id == company_id, Ticket.stage == STAGE_CONFIRMED)
            .options(joinedload(Ticket.entity), joinedload(Ticket.reason))
        )
        code = row_id(query.lstrip("#"))
        if code is not None:
            stmt = stmt.where(Ticket.code == code)
        elif query.lstrip("0#").isdigit():
            return choices  # a number no ticket can have (beyond 64 bits)
        else:
            page = search_entities(session, company_id, query, per_page=10)
            stmt = stmt.where(Ticket.entity_id.in_([e.id for e in page.items]))
        if exclude_id:
            stmt = stmt.where(Ticket.id != exclude_id)
        for ticket in session.scalars(stmt.order_by(Ticket.code.desc()).limit(15)):
            if current is None or ticket.id != current.id:
                choices.append((ticket.id, ticket_label(ticket)))
    return choices


def ticket_label(ticket: Ticket) -> str:
    reason = f" · {ticket.reason.name}" if ticket.reason else ""
    return f"{ticket.code_display} · {ticket.entity.name}{reason}"
