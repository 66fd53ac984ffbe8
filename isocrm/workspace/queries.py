"""Histórico da entidade: one timeline merged from every source that records the entity.

Each source is asked for just the newest rows the page can show (offset + page size + 1),
so a page costs the same fixed number of queries however long the entity's history is.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, joinedload

from isocrm import brdocs, phones
from isocrm.loaders import named_user
from isocrm.models import (
    Address,
    Alert,
    Appointment,
    AuditLog,
    EContact,
    Entity,
    Invoice,
    Order,
    Phone,
    Relation,
    RelationType,
    Ticket,
    TicketDetail,
    TicketEvent,
    User,
)
from isocrm.models.entity import ECONTACT_KINDS, KIND_COMPANY, KIND_PERSON, PHONE_KINDS
from isocrm.models.ticket import STAGE_CONFIRMED
from isocrm.ticket_events import EVENT_LABELS, event_options

# Registration tables whose audit rows belong in the entity's history.
REGISTRATION_TABLES = {
    "entities": "Cadastro",
    "addresses": "Endereço",
    "phones": "Telefone",
    "econtacts": "E-contact",
    "relations": "Relacionado com",
}
CHILD_MODELS = (Address, Phone, EContact, Relation)
# Papel and Unidade links (audit.AUDITED_COLLECTIONS): each row carries the name it had.
LINK_TABLES = {
    "entity_roles": ("Papel", {"insert": "incluído", "delete": "removido"}),
    "entity_units": ("Unidade", {"insert": "incluída", "delete": "removida"}),
}
AUDIT_ACTIONS = {"insert": "incluído", "update": "alterado", "delete": "excluído"}
# The title of each registration event, whole (the fallback above glues the parts).
REGISTRATION_TITLES = {
    ("entities", "insert"): _l("Cadastro incluído"),
    ("entities", "update"): _l("Cadastro alterado"),
    ("entities", "delete"): _l("Cadastro excluído"),
    ("addresses", "insert"): _l("Endereço incluído"),
    ("addresses", "update"): _l("Endereço alterado"),
    ("addresses", "delete"): _l("Endereço excluído"),
    ("phones", "insert"): _l("Telefone incluído"),
    ("phones", "update"): _l("Telefone alterado"),
    ("phones", "delete"): _l("Telefone excluído"),
    ("econtacts", "insert"): _l("E-contact incluído"),
    ("econtacts", "update"): _l("E-contact alterado"),
    ("econtacts", "delete"): _l("E-contact excluído"),
    ("relations", "insert"): _l("Relacionado com incluído"),
    ("relations", "update"): _l("Relacionado com alterado"),
    ("relations", "delete"): _l("Relacionado com excluído"),
}
LINK_TITLES = {
    ("entity_roles", "insert"): lambda name: _("Papel incluído: %(name)s", name=name),
    ("entity_roles", "delete"): lambda name: _("Papel removido: %(name)s", name=name),
    ("entity_units", "insert"): lambda name: _("Unidade incluída: %(name)s", name=name),
    ("entity_units", "delete"): lambda name: _("Unidade removida: %(name)s", name=name),
}
FIELD_LABELS = {
    "name": _l("Nome"),
    "trade_name": _l("Nome fantasia"),
    "document": _l("CPF/CNPJ"),
    "kind": _l("Tipo"),
    "birth_date": _l("Data de nascimento"),
    "notes": _l("Observações"),
    "active": _l("Ativo"),
    "is_principal": _l("Principal"),
    "zip_code": _l("CEP"),
    "street": _l("Logradouro"),
    "number": _l("Número"),
    "complement": _l("Complemento"),
    "district": _l("Bairro"),
    "city": _l("Cidade"),
    "state": _l("UF"),
    "value": _l("Valor"),
    "related_entity_id": _l("Entidade relacionada"),
    "relation_type_id": _l("Tipo de relação"),
    "role_ids": _l("Papéis"),
    "unit_ids": _l("Unidades"),
}
# Bookkeeping columns that say nothing to the attendant.
HIDDEN_FIELDS = frozenset(
    {"id", "entity_id", "company_id", "search_name", "created_at", "updated_at", "version"}
)
EXCERPT_LENGTH = 160
ENTITY_KINDS = {KIND_PERSON: _l("Pessoa física"), KIND_COMPANY: _l("Pessoa jurídica")}
# Child rows whose audit row names itself ("Telefone alterado · Celular (11) 98765-4321"), so a
# Principal change says which row became Principal.
NAMED_CHILDREN = {"phones": Phone, "econtacts": EContact, "addresses": Address}


@dataclass
class HistoryEvent:
    at: datetime
    kind: str  # template branch and CSS class
    label: str
    subject: Any = None
    extra: dict = field(default_factory=dict)
    date_only: bool = False


@dataclass
class HistoryPage:
    items: list[HistoryEvent]
    page: int
    per_page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def excerpt(text: str | None, size: int = EXCERPT_LENGTH) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


def entity_history(
    session: Session, entity: Entity, zone: ZoneInfo, page: int = 1, per_page: int = 30
) -> HistoryPage:
    """One page of the entity's timeline, newest first."""
    page = max(page, 1)
    offset = (page - 1) * per_page
    limit = offset + per_page + 1  # one more than the page shows tells whether there is a next
    events: list[HistoryEvent] = []
    for source in (
        _tickets_opened,
        _tickets_closed,
        _ticket_details,
        _ticket_events,
        _registration_changes,
        _orders,
        _invoices,
        _alerts_created,
        _alerts_resolved,
        _appointments,
    ):
        events.extend(source(session, entity, limit, zone))
    # Ties (a ticket and its first detail share a moment) keep a stable, readable order.
    events.sort(key=lambda e: (e.at, e.kind), reverse=True)
    window = events[offset : offset + per_page + 1]
    registration = [e for e in window[:per_page] if e.kind == "registration"]
    _name_relations(session, entity.company_id, registration)
    _name_rows(session, registration)
    return HistoryPage(
        items=window[:per_page], page=page, per_page=per_page, has_next=len(window) > per_page
    )


def _tickets_opened(session, entity, limit, zone):
    tickets = session.scalars(
        sa.select(Ticket)
        .where(
            Ticket.entity_id == entity.id,
            Ticket.company_id == entity.company_id,
            Ticket.stage == STAGE_CONFIRMED,  # drafts are not tickets yet
        )
        .options(joinedload(Ticket.status), joinedload(Ticket.reason), named_user(Ticket.opened_by))
        .order_by(Ticket.opened_at.desc(), Ticket.id.desc())
        .limit(limit)
    )
    return [HistoryEvent(t.opened_at, "ticket-opened", _("Atendimento aberto"), t) for t in tickets]


def _tickets_closed(session, entity, limit, zone):
    tickets = session.scalars(
        sa.select(Ticket)
        .where(
            Ticket.entity_id == entity.id,
            Ticket.company_id == entity.company_id,
            Ticket.stage == STAGE_CONFIRMED,
            Ticket.closed_at.is_not(None),
        )
        .options(
            joinedload(Ticket.status), joinedload(Ticket.reason), named_user(Ticket.updated_by)
        )
        .order_by(Ticket.closed_at.desc(), Ticket.id.desc())
        .limit(limit)
    )
    return [
        HistoryEvent(t.closed_at, "ticket-closed", _("Atendimento concluído"), t) for t in tickets
    ]


def _ticket_details(session, entity, limit, zone):
    details = session.scalars(
        sa.select(TicketDetail)
        .join(Ticket, Ticket.id == TicketDetail.ticket_id)
        .where(Ticket.entity_id == entity.id, Ticket.company_id == entity.company_id)
        .options(
            joinedload(TicketDetail.ticket),
            joinedload(TicketDetail.channel),
            named_user(TicketDetail.attendant),
        )
        .order_by(TicketDetail.opened_at.desc(), TicketDetail.id.desc())
        .limit(limit)
    )
    return [
        HistoryEvent(
            d.opened_at,
            "ticket-detail",
            _("Detalhe do atendimento"),
            d,
            {"excerpt": excerpt(d.description)},
        )
        for d in details
    ]


def _ticket_events(session, entity, limit, zone):
    """Passes of responsável/equipe (with their notes) and situação changes."""
    events = session.scalars(
        sa.select(TicketEvent)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(Ticket.entity_id == entity.id, Ticket.company_id == entity.company_id)
        .options(joinedload(TicketEvent.ticket), *event_options())
        .order_by(TicketEvent.at.desc(), TicketEvent.id.desc())
        .limit(limit)
    )
    return [HistoryEvent(e.at, f"ticket-{e.kind}", EVENT_LABELS[e.kind], e) for e in events]


def _registration_filter(entity: Entity):
    """Audit rows of the entity's own row and of its addresses, phones, e-contacts and
    relations. An update row carries only the changed columns, so children that still exist
    are matched by id; inserts and deletes carry the whole row, entity_id included, which
    also finds children deleted since."""
    conditions = [
        sa.and_(AuditLog.table_name == "entities", AuditLog.row_id == str(entity.id)),
        sa.and_(
            AuditLog.table_name.in_([m.__tablename__ for m in CHILD_MODELS] + list(LINK_TABLES)),
            sa.or_(
                AuditLog.after["entity_id"].as_integer() == entity.id,
                AuditLog.before["entity_id"].as_integer() == entity.id,
            ),
        ),
    ]
    for model in CHILD_MODELS:
        conditions.append(
            sa.and_(
                AuditLog.table_name == model.__tablename__,
                AuditLog.row_id.in_(
                    sa.select(sa.cast(model.id, sa.String)).where(model.entity_id == entity.id)
                ),
            )
        )
    return sa.or_(*conditions)


def _registration_changes(session, entity, limit, zone):
    rows = session.execute(
        sa.select(AuditLog, User.name)
        .outerjoin(User, User.id == AuditLog.user_id)
        .where(_registration_filter(entity))
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
        .limit(limit)
    ).all()
    events = []
    for log, user_name in rows:
        if log.table_name in LINK_TABLES:
            name = (log.after or log.before or {}).get("name") or "?"
            events.append(
                HistoryEvent(
                    log.at,
                    "registration",
                    _link_title(log.table_name, log.action, name),
                    log,
                    {"user_name": user_name, "changes": [], "row": ""},
                )
            )
            continue
        events.append(
            HistoryEvent(
                log.at,
                "registration",
                _registration_title(log.table_name, log.action),
                log,
                {"user_name": user_name, "changes": _changes(log)},
            )
        )
    return events


def _link_title(table: str, action: str, name: str) -> str:
    title = LINK_TITLES.get((table, action))
    if title is not None:
        return title(name)
    noun, actions = LINK_TABLES[table]
    return f"{noun} {actions.get(action, action)}: {name}"


def _registration_title(table: str, action: str) -> str:
    title = REGISTRATION_TITLES.get((table, action))
    if title is not None:
        return str(title)
    area = REGISTRATION_TABLES.get(table, table)
    return f"{area} {AUDIT_ACTIONS.get(action, action)}"


def _changes(log: AuditLog) -> list[tuple[str, str, str]]:
    """(field, before, after) for the columns an attendant cares about."""
    before, after = log.before or {}, log.after or {}
    keys = after.keys() if log.action != "delete" else before.keys()
    changes = []
    for key in keys:
        if key in HIDDEN_FIELDS:
            continue
        changes.append(
            (
                str(FIELD_LABELS.get(key, key)),
                _human(log.table_name, key, before.get(key), before or after),
                _human(log.table_name, key, after.get(key), after or before),
            )
        )
    return changes


def _human(table: str, key: str, value, row: dict) -> str:
    """A stored value as the attendant reads it on the Cadastro: CPF/CNPJ with punctuation,
    phone kinds by label, dates as dd/mm/aaaa."""
    if value is None or value == "":
        return _shown(value)
    if key == "document":
        return brdocs.format_document(str(value))
    if key == "birth_date" or isinstance(value, date):
        try:
            return (value if isinstance(value, date) else date.fromisoformat(str(value))).strftime(
                "%d/%m/%Y"
            )
        except ValueError:
            return str(value)
    if key == "zip_code" and len(str(value)) == 8:
        return f"{str(value)[:5]}-{str(value)[5:]}"
    if table == "entities" and key == "kind":
        return str(ENTITY_KINDS.get(value, value))
    if table == "phones" and key == "kind":
        return str(PHONE_KINDS.get(value, value))
    if table == "phones" and key == "number":
        return phones.display(str(value))
    if table == "econtacts" and key == "kind":
        return str(ECONTACT_KINDS.get(value, value))
    if table == "econtacts" and key == "value" and row.get("kind") == "whatsapp":
        return phones.display(str(value))
    return _shown(value)


def _row_name(table: str, row: dict) -> str:
    """How a phone, e-contact or address is named in its own audit row (insert, delete)."""
    if table == "phones" and row.get("number"):
        kind = PHONE_KINDS.get(row.get("kind"), row.get("kind") or "")
        return f"{kind} {phones.display(row['number'])}".strip()
    if table == "econtacts" and row.get("value"):
        kind = row.get("kind")
        value = phones.display(row["value"]) if kind == "whatsapp" else row["value"]
        return f"{ECONTACT_KINDS.get(kind, kind or '')} {value}".strip()
    if table == "addresses" and (row.get("street") or row.get("city")):
        street = " ".join(str(row[k]) for k in ("street", "number") if row.get(k))
        return ", ".join(p for p in (street, row.get("city") or "") if p)
    return ""


def _name_rows(session: Session, events: list[HistoryEvent]) -> None:
    """Name the phone, e-contact or address each change is about. An update row holds only
    the changed columns, so those rows are read as they are now: one query per table for the
    whole page, run even when empty so every page costs the same."""
    for event in events:
        log = event.subject
        whole_row = log.action != "update"  # an update row holds only what changed
        event.extra["row"] = (
            _row_name(log.table_name, log.before or log.after or {}) if whole_row else ""
        )
    for table, model in NAMED_CHILDREN.items():
        pending = [
            e
            for e in events
            if e.subject.table_name == table and not e.extra["row"] and e.subject.row_id.isdigit()
        ]
        current = {
            str(obj.id): obj
            for obj in session.scalars(
                sa.select(model).where(model.id.in_([int(e.subject.row_id) for e in pending]))
            )
        }
        for event in pending:
            obj = current.get(event.subject.row_id)
            if obj is None:  # deleted since: what the update row itself says
                log = event.subject
                event.extra["row"] = _row_name(table, {**(log.before or {}), **(log.after or {})})
                continue
            event.extra["row"] = _row_name(table, {c: getattr(obj, c, None) for c in _NAME_COLUMNS})
            if table == "econtacts" and obj.kind == "whatsapp":  # its number, as written
                event.extra["changes"] = [
                    (label, *(phones.display(v) if v.isdigit() else v for v in (old, new)))
                    for label, old, new in event.extra["changes"]
                ]


_NAME_COLUMNS = ("kind", "number", "value", "street", "city")


def _name_relations(session: Session, company_id: int, events: list[HistoryEvent]) -> None:
    """Show the names behind the ids a Relacionado com change records: two queries for the
    whole page, run even when empty so every page costs the same."""
    related_label = str(FIELD_LABELS["related_entity_id"])
    type_label = str(FIELD_LABELS["relation_type_id"])
    wanted = {related_label: set(), type_label: set()}
    for event in events:
        for label, before, after in event.extra["changes"]:
            if label in wanted:
                wanted[label].update(v for v in (before, after) if v.isdigit())
    names = {
        related_label: dict(
            session.execute(
                sa.select(sa.cast(Entity.id, sa.String), Entity.name).where(
                    Entity.id.in_([int(v) for v in wanted[related_label]]),
                    Entity.company_id == company_id,
                )
            ).all()
        ),
        type_label: dict(
            session.execute(
                sa.select(sa.cast(RelationType.id, sa.String), RelationType.name).where(
                    RelationType.id.in_([int(v) for v in wanted[type_label]]),
                    RelationType.company_id == company_id,
                )
            ).all()
        ),
    }
    for event in events:
        event.extra["changes"] = [
            (
                label,
                names.get(label, {}).get(before, before),
                names.get(label, {}).get(after, after),
            )
            for label, before, after in event.extra["changes"]
        ]


def _shown(value) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return _("sim")
    if value is False:
        return _("não")
    return str(value)


def _orders(session, entity, limit, zone):
    orders = session.scalars(
        sa.select(Order)
        .where(Order.entity_id == entity.id, Order.company_id == entity.company_id)
        .order_by(Order.ordered_on.desc(), Order.id.desc())
        .limit(limit)
    )
    return [
        HistoryEvent(
            datetime.combine(o.ordered_on, time.min, tzinfo=zone),
            "order",
            _("Pedido de venda"),
            o,
            date_only=True,
        )
        for o in orders
    ]


def _invoices(session, entity, limit, zone):
    invoices = session.scalars(
        sa.select(Invoice)
        .where(Invoice.entity_id == entity.id, Invoice.company_id == entity.company_id)
        .options(joinedload(Invoice.order))
        .order_by(Invoice.issued_at.desc(), Invoice.id.desc())
        .limit(limit)
    )
    return [HistoryEvent(i.issued_at, "invoice", _("Nota fiscal emitida"), i) for i in invoices]


def _alerts_created(session, entity, limit, zone):
    alerts = session.scalars(
        sa.select(Alert)
        .where(Alert.entity_id == entity.id, Alert.company_id == entity.company_id)
        .options(named_user(Alert.created_by))
        .order_by(Alert.created_at.desc(), Alert.id.desc())
        .limit(limit)
    )
    return [HistoryEvent(a.created_at, "alert-created", _("Alerta criado"), a) for a in alerts]


def _alerts_resolved(session, entity, limit, zone):
    alerts = session.scalars(
        sa.select(Alert)
        .where(
            Alert.entity_id == entity.id,
            Alert.company_id == entity.company_id,
            Alert.resolved_at.is_not(None),
        )
        .options(named_user(Alert.resolved_by))
        .order_by(Alert.resolved_at.desc(), Alert.id.desc())
        .limit(limit)
    )
    return [HistoryEvent(a.resolved_at, "alert-resolved", _("Alerta resolvido"), a) for a in alerts]


def _appointments(session, entity, limit, zone):
    rows = session.execute(
        sa.select(Appointment, Ticket.code)
        .outerjoin(Ticket, Ticket.id == Appointment.ticket_id)
        .where(Appointment.entity_id == entity.id, Appointment.company_id == entity.company_id)
        .options(named_user(Appointment.attendant))
        .order_by(Appointment.starts_at.desc(), Appointment.id.desc())
        .limit(limit)
    ).all()
    return [
        HistoryEvent(a.starts_at, "appointment", _("Agenda"), a, {"ticket_code": code})
        for a, code in rows
    ]
