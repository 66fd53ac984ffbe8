"""Everything the desk holds about one titular, in a number of queries that does not grow
with how much is held (each kind is one statement, children eager-loaded)."""

import json
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from isocrm.audit import json_safe
from isocrm.extensions import db
from isocrm.models import (
    Address,
    Alert,
    Appointment,
    AuditLog,
    DetailInfo,
    EContact,
    Entity,
    EntityRevision,
    Invoice,
    OutboxMessage,
    Phone,
    ProductInfo,
    Relation,
    Survey,
    SurveyAnswer,
    SurveyResponse,
    Ticket,
    TicketDetail,
    User,
)
from isocrm.models.commerce import Order

# The kinds of the export, in the order they are listed (JSON keys and CSV file names).
KINDS = {
    "titular": "Cadastro do titular",
    "papeis": "Papéis",
    "unidades": "Unidades",
    "enderecos": "Endereços",
    "telefones": "Telefones",
    "econtacts": "E-mails e outros contatos",
    "relacionados": "Relacionado com",
    "atendimentos": "Atendimentos",
    "detalhes": "Detalhes dos atendimentos",
    "informacoes": "Informações dos detalhes",
    "contato_em_detalhes": "Detalhes de outros atendimentos em que é o Contato",
    "alertas": "Alertas",
    "agenda": "Agenda",
    "emails_enviados": "E-mails enviados (Caixa de saída)",
    "pedidos": "Pedidos",
    "itens_pedidos": "Itens dos pedidos",
    "notas_fiscais": "Notas fiscais",
    "pesquisas": "Respostas a pesquisas",
    "versoes_cadastro": "Versões anteriores do cadastro",
    "auditoria": "Trilha de auditoria",
}


def entity_options():
    return (
        selectinload(Entity.roles),
        selectinload(Entity.units),
        selectinload(Entity.addresses),
        selectinload(Entity.phones),
        selectinload(Entity.econtacts),
    )


def find_by_document(company_id: int, document: str) -> Entity | None:
    return db.session.scalar(
        sa.select(Entity).where(Entity.company_id == company_id, Entity.document == document)
    )


# --- which rows are the titular's ------------------------------------------------------------


def _ids(column) -> sa.ScalarSelect:
    return sa.select(sa.cast(column, sa.String))


def _json_id(side, key: str):
    return side[key].as_integer()


def _ticket_ids(entity: Entity):
    return sa.select(Ticket.id).where(
        Ticket.entity_id == entity.id, Ticket.company_id == entity.company_id
    )


def _detail_ids(entity: Entity):
    return sa.select(TicketDetail.id).where(TicketDetail.ticket_id.in_(_ticket_ids(entity)))


def _info_ids(entity: Entity):
    return sa.select(DetailInfo.id).where(DetailInfo.detail_id.in_(_detail_ids(entity)))


def _owned_by(table: str, key: str, ids) -> sa.ColumnElement[bool]:
    """Audit rows of `table` whose before/after names a parent in `ids`: inserts and deletes
    carry the whole row, so this also finds rows deleted since."""
    return sa.and_(
        AuditLog.table_name == table,
        sa.or_(
            _json_id(AuditLog.after, key).in_(ids),
            _json_id(AuditLog.before, key).in_(ids),
        ),
    )


def audit_filter(entity: Entity) -> sa.ColumnElement[bool]:
    """The audit rows about the titular: its own row, its registration children and links,
    its tickets with their details and lines, its alerts and agenda. Updates carry only the
    changed columns, so rows that still exist are matched by id as well."""
    me = [entity.id]
    tickets, details, infos = _ticket_ids(entity), _detail_ids(entity), _info_ids(entity)
    by_id = [
        ("entities", sa.select(sa.literal(str(entity.id)))),
        ("tickets", _ids(Ticket.id).where(Ticket.id.in_(tickets))),
        ("ticket_details", _ids(TicketDetail.id).where(TicketDetail.id.in_(details))),
        ("detail_infos", _ids(DetailInfo.id).where(DetailInfo.id.in_(infos))),
    ]
    for model in (Address, Phone, EContact, Alert, Appointment):
        by_id.append((model.__tablename__, _ids(model.id).where(model.entity_id == entity.id)))
    by_id.append(
        (
            "relations",
            _ids(Relation.id).where(
                sa.or_(Relation.entity_id == entity.id, Relation.related_entity_id == entity.id)
            ),
        )
    )
    conditions = [sa.and_(AuditLog.table_name == t, AuditLog.row_id.in_(ids)) for t, ids in by_id]
    for table in (
        "addresses",
        "phones",
        "econtacts",
        "relations",
        "entity_roles",
        "entity_units",
        "alerts",
        "appointments",
        "tickets",
    ):
        conditions.append(_owned_by(table, "entity_id", me))
    conditions.append(_owned_by("relations", "related_entity_id", me))
    conditions.append(_owned_by("ticket_details", "ticket_id", tickets))
    conditions.append(_owned_by("detail_infos", "detail_id", details))
    return sa.or_(*conditions)


def audit_rows(session: Session, entity: Entity) -> list[tuple[AuditLog, str | None]]:
    return list(
        session.execute(
            sa.select(AuditLog, User.name)
            .outerjoin(User, User.id == AuditLog.user_id)
            .where(audit_filter(entity))
            .order_by(AuditLog.at, AuditLog.id)
        ).all()
    )


# --- the export ------------------------------------------------------------------------------


def _name(obj) -> str | None:
    return obj.name if obj is not None else None


def _rows(items, build: Callable[[Any], dict]) -> list[dict]:
    return [{k: json_safe(v) for k, v in build(item).items()} for item in items]


def collect(session: Session, entity: Entity) -> dict[str, list[dict]]:
    """Every kind of record held about `entity` (loaded with entity_options()), as rows of
    plain values, the same for the JSON document and the CSV files."""
    company_id = entity.company_id
    data: dict[str, list[dict]] = {}
    data["titular"] = _rows(
        [entity],
        lambda e: {
            "id": e.id,
            "tipo": e.kind,
            "cpf_cnpj": e.document,
            "nome": e.name,
            "nome_fantasia": e.trade_name,
            "data_nascimento": e.birth_date,
            "observacoes": e.notes,
            "ativo": e.active,
            "cadastrado_em": e.created_at,
            "alterado_em": e.updated_at,
        },
    )
    data["papeis"] = _rows(entity.roles, lambda r: {"id": r.id, "papel": r.name})
    data["unidades"] = _rows(entity.units, lambda u: {"id": u.id, "unidade": u.name})
    data["enderecos"] = _rows(
        entity.addresses,
        lambda a: {
            "id": a.id,
            "principal": a.is_principal,
            "cep": a.zip_code,
            "logradouro": a.street,
            "numero": a.number,
            "complemento": a.complement,
            "bairro": a.district,
            "cidade": a.city,
            "uf": a.state,
        },
    )
    data["telefones"] = _rows(
        entity.phones,
        lambda p: {"id": p.id, "principal": p.is_principal, "tipo": p.kind, "numero": p.number},
    )
    data["econtacts"] = _rows(
        entity.econtacts,
        lambda c: {"id": c.id, "principal": c.is_principal, "tipo": c.kind, "valor": c.value},
    )

    relations = session.scalars(
        sa.select(Relation)
        .where(sa.or_(Relation.entity_id == entity.id, Relation.related_entity_id == entity.id))
        .options(
            joinedload(Relation.entity),
            joinedload(Relation.related_entity),
            joinedload(Relation.relation_type),
        )
        .order_by(Relation.id)
    ).all()
    data["relacionados"] = _rows(
        relations,
        lambda r: {
            "id": r.id,
            "sentido": "cadastrado no titular" if r.entity_id == entity.id else "cadastrado em",
            "entidade_id": r.related_entity_id if r.entity_id == entity.id else r.entity_id,
            "entidade": (r.related_entity if r.entity_id == entity.id else r.entity).name,
            "tipo_relacao": r.relation_type.name,
        },
    )

    tickets = session.scalars(
        sa.select(Ticket)
        .where(Ticket.entity_id == entity.id, Ticket.company_id == company_id)
        .options(
            joinedload(Ticket.role),
            joinedload(Ticket.reason),
            joinedload(Ticket.occurrence),
            joinedload(Ticket.cause),
            joinedload(Ticket.unit),
            joinedload(Ticket.location),
            joinedload(Ticket.status),
            joinedload(Ticket.opened_by),
            selectinload(Ticket.details).options(
                joinedload(TicketDetail.channel),
                joinedload(TicketDetail.attendant),
                joinedload(TicketDetail.contact),
                selectinload(TicketDetail.informations)
                .joinedload(DetailInfo.product_info)
                .joinedload(ProductInfo.product),
            ),
        )
        .order_by(Ticket.opened_at, Ticket.id)
    ).all()
    data["atendimentos"] = _rows(
        tickets,
        lambda t: {
            "id": t.id,
            "protocolo": t.code_display,
            "etapa": t.stage,
            "papel": _name(t.role),
            "motivo": _name(t.reason),
            "ocorrencia": _name(t.occurrence),
            "causa": _name(t.cause),
            "unidade": _name(t.unit),
            "local": _name(t.location),
            "observacao_local": t.location_note,
            "dados_complementares": t.complementary_data,
            "situacao": t.status.name,
            "aberto_por": t.opened_by.name,
            "aberto_em": t.opened_at,
            "fechado_em": t.closed_at,
        },
    )
    details = [d for t in tickets for d in t.details]
    data["detalhes"] = _rows(details, _detail_row)
    data["informacoes"] = _rows(
        [i for d in details for i in d.informations],
        lambda i: {
            "id": i.id,
            "detalhe_id": i.detail_id,
            "produto": i.product_info.product.name if i.product_info else None,
            "informacao": i.product_info.description if i.product_info else None,
            "observacao": i.note,
            "lote": i.lot_number,
            "serie": i.serial_number,
            "fabricacao": i.manufactured_on,
            "validade": i.expires_on,
        },
    )
    as_contact = session.scalars(
        sa.select(TicketDetail)
        .join(Ticket, Ticket.id == TicketDetail.ticket_id)
        .where(
            TicketDetail.contact_entity_id == entity.id,
            Ticket.company_id == company_id,
            Ticket.entity_id != entity.id,
        )
        .options(
            joinedload(TicketDetail.ticket),
            joinedload(TicketDetail.channel),
            joinedload(TicketDetail.attendant),
            joinedload(TicketDetail.contact),
        )
        .order_by(TicketDetail.opened_at, TicketDetail.id)
    ).all()
    data["contato_em_detalhes"] = _rows(as_contact, _detail_row)

    alerts = session.scalars(
        sa.select(Alert)
        .where(Alert.entity_id == entity.id, Alert.company_id == company_id)
        .options(joinedload(Alert.created_by), joinedload(Alert.resolved_by))
        .order_by(Alert.created_at, Alert.id)
    ).all()
    data["alertas"] = _rows(
        alerts,
        lambda a: {
            "id": a.id,
            "prioridade": a.priority_label,
            "mensagem": a.message,
            "ativo_ate": a.active_until,
            "criado_por": a.created_by.name,
            "criado_em": a.created_at,
            "resolvido_por": _name(a.resolved_by),
            "resolvido_em": a.resolved_at,
        },
    )
    appointments = session.scalars(
        sa.select(Appointment)
        .where(Appointment.entity_id == entity.id, Appointment.company_id == company_id)
        .options(joinedload(Appointment.attendant))
        .order_by(Appointment.starts_at, Appointment.id)
    ).all()
    data["agenda"] = _rows(
        appointments,
        lambda a: {
            "id": a.id,
            "atendimento_id": a.ticket_id,
            "quando": a.starts_at,
            "assunto": a.subject,
            "observacoes": a.notes,
            "atendente": a.attendant.name,
            "realizado": a.done,
        },
    )
    messages = session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.entity_id == entity.id, OutboxMessage.company_id == company_id)
        .options(joinedload(OutboxMessage.created_by))
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    ).all()
    data["emails_enviados"] = _rows(
        messages,
        lambda m: {
            "id": m.id,
            "atendimento_id": m.ticket_id,
            "para": m.to_address,
            "assunto": m.subject,
            "mensagem": m.body,
            "situacao": m.status_label,
            "escrito_por": m.created_by.name,
            "escrito_em": m.created_at,
            "enviado_em": m.sent_at,
        },
    )
    orders = session.scalars(
        sa.select(Order)
        .where(Order.entity_id == entity.id, Order.company_id == company_id)
        .options(selectinload(Order.items))
        .order_by(Order.ordered_on, Order.id)
    ).all()
    data["pedidos"] = _rows(
        orders,
        lambda o: {
            "id": o.id,
            "numero": o.number,
            "data": o.ordered_on,
            "situacao": o.status_label,
            "total": o.total,
        },
    )
    data["itens_pedidos"] = _rows(
        [i for o in orders for i in o.items],
        lambda i: {
            "pedido_id": i.order_id,
            "item": i.position,
            "descricao": i.description,
            "quantidade": i.quantity,
            "preco_unitario": i.unit_price,
            "total": i.total,
        },
    )
    invoices = session.scalars(
        sa.select(Invoice)
        .where(Invoice.entity_id == entity.id, Invoice.company_id == company_id)
        .order_by(Invoice.issued_at, Invoice.id)
    ).all()
    data["notas_fiscais"] = _rows(
        invoices,
        lambda n: {
            "id": n.id,
            "pedido_id": n.order_id,
            "numero": n.number,
            "serie": n.series,
            "emitida_em": n.issued_at,
            "total": n.total,
            "chave_acesso": n.access_key,
        },
    )
    responses = session.scalars(
        sa.select(SurveyResponse)
        .join(Survey, Survey.id == SurveyResponse.survey_id)
        .where(SurveyResponse.entity_id == entity.id, Survey.company_id == company_id)
        .options(
            joinedload(SurveyResponse.survey),
            selectinload(SurveyResponse.answers).joinedload(SurveyAnswer.question),
        )
        .order_by(SurveyResponse.answered_at, SurveyResponse.id)
    ).all()
    data["pesquisas"] = _rows(
        [(r, a) for r in responses for a in r.answers],
        lambda ra: {
            "resposta_id": ra[0].id,
            "pesquisa": ra[0].survey.title,
            "respondida_em": ra[0].answered_at,
            "pergunta": ra[1].question.text,
            "resposta": ra[1].answer,
        },
    )
    revisions = session.scalars(
        sa.select(EntityRevision)
        .where(EntityRevision.entity_id == entity.id)
        .order_by(EntityRevision.version)
    ).all()
    data["versoes_cadastro"] = _rows(
        revisions,
        lambda v: {
            "versao": v.version,
            "guardada_em": v.created_at,
            "valores": json.dumps(v.values, ensure_ascii=False, sort_keys=True),
        },
    )
    data["auditoria"] = _rows(
        audit_rows(session, entity),
        lambda row: {
            "id": row[0].id,
            "quando": row[0].at,
            "usuario": row[1],
            "tabela": row[0].table_name,
            "registro": row[0].row_id,
            "acao": row[0].action,
            "antes": json.dumps(row[0].before, ensure_ascii=False, sort_keys=True)
            if row[0].before is not None
            else None,
            "depois": json.dumps(row[0].after, ensure_ascii=False, sort_keys=True)
            if row[0].after is not None
            else None,
        },
    )
    return data


def _detail_row(d: TicketDetail) -> dict:
    return {
        "id": d.id,
        "atendimento_id": d.ticket_id,
        "protocolo": d.ticket.code_display,
        "canal": d.channel.name,
        "sentido": d.direction_label,
        "recebido_em": d.received_at,
        "aberto_em": d.opened_at,
        "respondido_em": d.answered_at,
        "descricao": d.description,
        "resposta": d.answer,
        "atendente": d.attendant.name,
        "contato": _name(d.contact),
    }
