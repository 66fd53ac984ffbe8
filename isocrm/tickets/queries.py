"""What the ticket screen reads: a fixed number of queries whatever the ticket's size."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from isocrm import text
from isocrm.entities.search import search_entities
from isocrm.fields import row_id
from isocrm.models import (
    Alert,
    Cause,
    Channel,
    DetailInfo,
    Entity,
    Occurrence,
    Product,
    ProductInfo,
    Reason,
    Relation,
    Role,
    Status,
    Ticket,
    TicketDetail,
)
from isocrm.models.catalog import ROLE_CODE_PARTNER
from isocrm.models.entity import entity_roles
from isocrm.models.ticket import STAGE_CONFIRMED

BLANK = (None, "—")


def ticket_screen_options():
    """Eager loads for everything the ticket header and category show."""
    return (
        joinedload(Ticket.entity).selectinload(Entity.roles),
        joinedload(Ticket.entity).selectinload(Entity.units),
        joinedload(Ticket.entity).selectinload(Entity.addresses),
        joinedload(Ticket.entity).selectinload(Entity.phones),
        joinedload(Ticket.entity).selectinload(Entity.econtacts),
        joinedload(Ticket.role),
        joinedload(Ticket.status),
        joinedload(Ticket.reason),
        joinedload(Ticket.occurrence),
        joinedload(Ticket.cause),
        joinedload(Ticket.unit),
        joinedload(Ticket.location),
        joinedload(Ticket.opened_by),
        joinedload(Ticket.updated_by),
        joinedload(Ticket.related_ticket).joinedload(Ticket.entity),
    )


def entity_screen_options():
    return (
        selectinload(Entity.roles),
        selectinload(Entity.units),
        selectinload(Entity.addresses),
        selectinload(Entity.phones),
        selectinload(Entity.econtacts),
    )


@dataclass
class DetailPage:
    detail: TicketDetail | None  # None: a new detail being written
    number: int  # 1-based page shown
    total: int  # saved details

    @property
    def is_new(self) -> bool:
        return self.detail is None


def detail_page(session: Session, ticket: Ticket, number: int | None) -> DetailPage:
    """Detail `number` of the ticket (the last one when None; total + 1 means a new one)."""
    total = session.scalar(
        sa.select(sa.func.count())
        .select_from(TicketDetail)
        .where(TicketDetail.ticket_id == ticket.id)
    )
    if number is None:
        number = max(total, 1)
    if number > total or total == 0:
        return DetailPage(None, total + 1, total)
    number = max(number, 1)
    detail = session.scalar(
        sa.select(TicketDetail)
        .where(TicketDetail.ticket_id == ticket.id)
        .order_by(TicketDetail.opened_at, TicketDetail.id)
        .offset(number - 1)
        .limit(1)
        .options(*detail_options())
    )
    return DetailPage(detail, number, total)


def detail_options():
    """Eager loads for what the detail panel shows."""
    return (
        joinedload(TicketDetail.channel),
        joinedload(TicketDetail.attendant),
        joinedload(TicketDetail.contact),
        selectinload(TicketDetail.informations)
        .joinedload(DetailInfo.product_info)
        .joinedload(ProductInfo.product),
    )


def role_choices(entity: Entity):
    return [BLANK] + [(role.id, role.name) for role in entity.roles]


def status_choices(session: Session, company_id: int):
    statuses = session.scalars(
        sa.select(Status)
        .where(Status.company_id == company_id, Status.active)
        .order_by(Status.position, Status.name)
    )
    return [(s.id, s.name) for s in statuses]


def channel_choices(session: Session, company_id: int):
    channels = session.scalars(
        sa.select(Channel)
        .where(Channel.company_id == company_id, Channel.active)
        .order_by(Channel.id)
    )
    return [BLANK] + [(c.id, c.name) for c in channels]


def reason_choices(session: Session, company_id: int):
    reasons = session.scalars(
        sa.select(Reason)
        .where(Reason.company_id == company_id, Reason.active)
        .order_by(Reason.name)
    )
    return [BLANK] + [(r.id, r.name) for r in reasons]


def occurrence_choices(session: Session, company_id: int, reason_id: int | None):
    if not reason_id:
        return [BLANK]
    occurrences = session.scalars(
        sa.select(Occurrence)
        .join(Reason)
        .where(
            Occurrence.reason_id == reason_id, Reason.company_id == company_id, Occurrence.active
        )
        .order_by(Occurrence.name)
    )
    return [BLANK] + [(o.id, o.name) for o in occurrences]


def cause_choices(session: Session, company_id: int, occurrence_id: int | None):
    if not occurrence_id:
        return [BLANK]
    causes = session.scalars(
        sa.select(Cause)
        .join(Occurrence)
        .join(Reason)
        .where(Cause.occurrence_id == occurrence_id, Reason.company_id == company_id, Cause.active)
        .order_by(Cause.name)
    )
    return [BLANK] + [(c.id, c.name) for c in causes]


def product_info_choices(
    session: Session, company_id: int, reason_id: int | None, occurrence_id: int | None
):
    """Informações of products linked to the chosen Motivo and Ocorrência (seed §6)."""
    if not reason_id or not occurrence_id:
        return [(None, "— escolha Motivo e Ocorrência —")]
    infos = session.execute(
        sa.select(ProductInfo.id, Product.name, ProductInfo.description)
        .join(Product)
        .where(
            Product.company_id == company_id,
            ProductInfo.reason_id == reason_id,
            ProductInfo.occurrence_id == occurrence_id,
            ProductInfo.active,
            Product.active,
        )
        .order_by(Product.name, ProductInfo.description)
    )
    choices = [(info_id, f"{product} — {description}") for info_id, product, description in infos]
    if not choices:
        return [(None, "— nenhuma informação de produto para este Motivo e Ocorrência —")]
    return [BLANK, *choices]


def unit_choices(entity: Entity):
    return [BLANK] + [(unit.id, unit.name) for unit in entity.units]


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
    relations = session.scalars(stmt).all()
    choices = [
        (r.related_entity_id, f"{r.related_entity.name} ({r.relation_type.name})")
        for r in relations
    ]
    if current and current not in {value for value, _ in choices}:
        person = session.get(Entity, current)
        if person is not None:
            related = is_contact_of(session, entity_id, current)
            choices.insert(
                0, (person.id, person.name if related else f"{person.name} (não relacionado)")
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


def partner_filter(company_id: int):
    return sa.exists(
        sa.select(entity_roles.c.entity_id)
        .join(Role, Role.id == entity_roles.c.role_id)
        .where(
            entity_roles.c.entity_id == Entity.id,
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


def highest_alert_priority(session: Session, entity_id: int, today: date) -> int | None:
    """The priority that colours the Alertas icon: the highest among active alerts."""
    return session.scalar(
        sa.select(sa.func.max(Alert.priority)).where(
            Alert.entity_id == entity_id,
            Alert.resolved_at.is_(None),
            sa.or_(Alert.active_until.is_(None), Alert.active_until >= today),
        )
    )
