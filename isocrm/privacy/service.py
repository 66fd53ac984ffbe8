"""Anonimização (LGPD art. 18, IV and VI): the titular's personal data is removed for good,
what the Empresa needs for its statistics and legal duties stays.

What goes:
- the Cadastro: name (replaced by "Titular anonimizado #<id>"), nome fantasia, CPF/CNPJ,
  date of birth and Observações; every address, phone and e-contact; every "Relacionado com"
  link, in both directions (family and work ties are personal data too); the saved versions
  of the Cadastro (entity_revisions);
- the free text of its tickets, which attendants fill with whatever the customer said:
  Dados complementares, the Local's note, each detail's Descrição and Resposta, each
  information line's note; unsent screen drafts of those tickets (unsaved_edits);
- alert messages, agenda subjects and notes;
- e-mails (Caixa de saída): address, subject, body and error; one still pending is marked
  failed so it is never sent; other titulars' e-mails that went to this titular's address
  lose the address;
- in the audit trail, every old value of those fields (see `scrub_audit_trail`): a trail that
  kept them would make the anonymisation fake.

What stays, so that statistics and legal records hold: the entity row and its id, kind (PF/PJ),
Papéis and Unidades; the ticket rows with code (protocolo), dates, stage, Motivo/Ocorrência/
Causa, Situação, Unidade, Local, channels, direction, attendants, product lines with lot and
serial numbers; orders and NF-e invoices (tax records the Empresa must keep, art. 16, I);
survey answers (ratings); the audit rows themselves (who changed what, when), with the
personal values replaced by "[anonimizado]". The anonymisation is itself an audited update of
the entity, with who and when.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from isocrm import text
from isocrm.localtime import local_now
from isocrm.models import (
    Alert,
    Appointment,
    AuditLog,
    Entity,
    EntityRevision,
    OutboxMessage,
    Relation,
    Ticket,
    TicketDetail,
    UnsavedEdit,
    User,
)
from isocrm.models.outbox import OUTBOX_FAILED, OUTBOX_SENT
from isocrm.privacy.queries import audit_filter

ANONYMOUS_NAME = "Titular anonimizado #{id}"
REMOVED = "[removido na anonimização (LGPD)]"
SCRUBBED = "[anonimizado]"
NOT_SENT = "Não enviado: destinatário anonimizado (LGPD)."

# Columns, per audited table, that may hold the titular's personal data.
PERSONAL_COLUMNS = {
    "entities": frozenset({"name", "trade_name", "search_name", "document", "birth_date", "notes"}),
    "addresses": frozenset(
        {"zip_code", "street", "number", "complement", "district", "city", "state"}
    ),
    "phones": frozenset({"number"}),
    "econtacts": frozenset({"value"}),
    "tickets": frozenset({"complementary_data", "location_note"}),
    "ticket_details": frozenset({"description", "answer"}),
    "detail_infos": frozenset({"note"}),
    "alerts": frozenset({"message"}),
    "appointments": frozenset({"subject", "notes"}),
}


@dataclass
class Outcome:
    registration_rows: int
    relations: int
    tickets: int
    details: int
    emails: int
    audit_rows: int


def anonymous_name(entity: Entity) -> str:
    return ANONYMOUS_NAME.format(id=entity.id)


def is_anonymized(entity: Entity) -> bool:
    return entity.name == anonymous_name(entity) and entity.document is None


def anonymize(session: Session, entity: Entity, user: User) -> Outcome:
    """Remove the titular's personal data (see the module's docstring) in the caller's
    transaction; the caller commits. `entity` is loaded with queries.entity_options()."""
    when = local_now()
    emails = {c.value.lower() for c in entity.econtacts if c.kind == "email"}
    registration_rows = len(entity.addresses) + len(entity.phones) + len(entity.econtacts)

    entity.name = anonymous_name(entity)
    entity.trade_name = None
    entity.document = None
    entity.birth_date = None
    entity.notes = (
        f"Dados pessoais removidos a pedido do titular (LGPD) em {when:%d/%m/%Y %H:%M} "
        f"por {user.name}."
    )
    entity.addresses.clear()
    entity.phones.clear()
    entity.econtacts.clear()

    relations = session.scalars(
        sa.select(Relation).where(
            sa.or_(Relation.entity_id == entity.id, Relation.related_entity_id == entity.id)
        )
    ).all()
    for relation in relations:
        session.delete(relation)

    tickets = session.scalars(
        sa.select(Ticket).where(
            Ticket.entity_id == entity.id, Ticket.company_id == entity.company_id
        )
    ).all()
    details = session.scalars(
        sa.select(TicketDetail)
        .where(TicketDetail.ticket_id.in_([t.id for t in tickets]))
        .options(selectinload(TicketDetail.informations))
    ).all()
    for ticket in tickets:
        ticket.complementary_data = None
        ticket.location_note = None
    for detail in details:
        detail.description = REMOVED
        if detail.answer is not None:
            detail.answer = REMOVED  # answered_at needs an answer: kept as a placeholder
        for info in detail.informations:
            info.note = None
    ticket_ids = [t.id for t in tickets]
    session.execute(sa.delete(UnsavedEdit).where(UnsavedEdit.ticket_id.in_(ticket_ids)))

    for alert in session.scalars(sa.select(Alert).where(Alert.entity_id == entity.id)):
        alert.message = REMOVED
    for appointment in session.scalars(
        sa.select(Appointment).where(Appointment.entity_id == entity.id)
    ):
        appointment.subject = REMOVED
        appointment.notes = None

    messages = session.scalars(
        sa.select(OutboxMessage).where(
            OutboxMessage.company_id == entity.company_id,
            sa.or_(
                OutboxMessage.entity_id == entity.id,
                sa.func.lower(OutboxMessage.to_address).in_(emails),
            ),
        )
    ).all()
    for message in messages:
        message.to_address = ""
        if message.entity_id == entity.id:
            message.subject = REMOVED
            message.body = REMOVED
        if message.status != OUTBOX_SENT:
            message.status = OUTBOX_FAILED
            message.sending_since = None
            message.last_error = NOT_SENT
        else:
            message.last_error = None
    session.execute(sa.delete(EntityRevision).where(EntityRevision.entity_id == entity.id))

    session.flush()  # the audit rows of all the above are written now, and scrubbed next
    audit_rows = scrub_audit_trail(session, entity)
    return Outcome(
        registration_rows=registration_rows,
        relations=len(relations),
        tickets=len(tickets),
        details=len(details),
        emails=len(messages),
        audit_rows=audit_rows,
    )


def scrub_audit_trail(session: Session, entity: Entity) -> int:
    """Replace every personal value in the titular's audit rows by "[anonimizado]", old rows
    and the ones this anonymisation just wrote alike; the values it left (the anonymous name,
    the placeholders, the note of who anonymised) stay, so the trail still shows who
    anonymised, when, and what the records hold now. Returns how many rows changed."""
    kept = {
        None,
        "",
        REMOVED,
        entity.name,
        text.fold(entity.name),
        entity.notes,
    }
    changed = 0
    for log in session.scalars(sa.select(AuditLog).where(audit_filter(entity))):
        personal = PERSONAL_COLUMNS.get(log.table_name)
        if not personal:
            continue
        before, after = _scrubbed(log.before, personal, kept), _scrubbed(log.after, personal, kept)
        if before != log.before or after != log.after:
            log.before, log.after = before, after  # new dicts: the JSON columns see a change
            changed += 1
    session.flush()
    return changed


def _scrubbed(values: dict | None, personal: frozenset[str], kept: set) -> dict | None:
    if values is None:
        return None
    return {
        key: SCRUBBED if key in personal and value not in kept else value
        for key, value in values.items()
    }
