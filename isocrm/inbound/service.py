"""Caixa de entrada: what becomes of each message read from an Empresa's mailbox.

- A reply (In-Reply-To/References naming a message we sent or imported, or the protocolo
  "Atendimento 000042" in the Subject from an e-mail of the ticket's customer) becomes a
  new Receptivo detail on channel E-mail of that ticket, with Data de recebimento = the
  message's Date; a closed ticket is reopened. A protocolo quoted by anybody else waits in
  Sem cadastro, naming the ticket (quoted_ticket_id), for an attendant to decide.
- A new message from an address that is the e-mail of exactly one entity of the Empresa
  becomes a draft (rascunho) ticket of that entity, its first detail as above.
- Anything else waits in Sem cadastro, where an attendant links it to an entity (a draft is
  opened then) or discards it.

Every message is recorded once per Empresa (InboundMessage, unique by Message-ID), in the
same transaction as what it became: two runs of `fetch-mail` at once cannot import a
message twice, the database's unique constraint decides which one does."""

import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from isocrm.attachment_store import AttachmentRefused, store_attachment
from isocrm.inbound.parse import TEXT_MAX, ParsedMessage, parse
from isocrm.models import (
    Channel,
    EContact,
    Entity,
    OutboxMessage,
    Relation,
    Ticket,
    TicketDetail,
)
from isocrm.models.base import lower_binary, utcnow
from isocrm.models.catalog import STATUS_IN_PROGRESS, STATUS_OPEN, Status
from isocrm.models.inbound import (
    INBOUND_DISCARDED,
    INBOUND_FAILED,
    INBOUND_IMPORTED,
    INBOUND_LINKED,
    INBOUND_UNMATCHED,
    InboundMessage,
    Mailbox,
)
from isocrm.models.ticket import DIRECTION_RECEPTIVE, STAGE_DISCARDED
from isocrm.models.user import (
    MAILBOX_USER_NAME,
    ROLE_ATTENDANT,
    UNUSABLE_PASSWORD_HASH,
    User,
    mailbox_username,
)
from isocrm.tickets.service import DraftError, apply_status, open_draft

FULL_TEXT_NAME = "mensagem-completa.txt"  # a text longer than a Descrição, kept whole
NOTES_MAX = 2_000  # of a Descrição, for the notes on the attachments not kept
EMAIL_CHANNEL = "E-mail"  # the Canal an e-mail is recorded under (as the composer's)
# The protocolo as the desk's e-mails say it ("Atendimento 000042 - Empresa"), also with
# "Protocolo", "nº" or "#": six digits or more.
_CODE_IN_SUBJECT = re.compile(
    r"\b(?:atendimento|protocolo)\s*(?:n[º°o.]*\s*)?#?\s*(\d{6,9})\b", re.IGNORECASE
)


class NoEmailChannel(Exception):
    """The Empresa has no active Canal "E-mail" to record messages under."""


def mailbox_user(session: Session, company_id: int) -> User:
    """The user the Empresa's mailbox writes in the name of (created on first need): what
    `fetch-mail` opens or adds was chosen by nobody, so it is never recorded as a person's.
    Inactive, without a usable password, in no Empresa's user list (see User.is_system)."""
    username = mailbox_username(company_id)
    found = session.scalar(sa.select(User).where(User.username == username))
    if found is not None:
        return found
    user = User(
        username=username,
        name=MAILBOX_USER_NAME,
        password_hash=UNUSABLE_PASSWORD_HASH,
        role=ROLE_ATTENDANT,
        active=False,
        is_system=True,
    )
    try:
        with session.begin_nested():  # another run may create it at the same moment
            session.add(user)
    except IntegrityError:
        return session.scalars(sa.select(User).where(User.username == username)).one()
    return user


@dataclass
class Outcome:
    status: str
    ticket: Ticket | None = None


def email_channel(session: Session, company_id: int) -> Channel:
    channel = session.scalar(
        sa.select(Channel).where(
            Channel.company_id == company_id, Channel.name == EMAIL_CHANNEL, Channel.active
        )
    )
    if channel is None:
        raise NoEmailChannel(f'a Empresa não tem o Canal "{EMAIL_CHANNEL}" ativo')
    return channel


# --- which ticket, which entity -----------------------------------------------------------


def _alive(company_id: int):
    return sa.and_(Ticket.company_id == company_id, Ticket.stage != STAGE_DISCARDED)


@dataclass
class Reply:
    """The ticket a message answers, or why a protocolo it quotes was not taken as one."""

    ticket: Ticket | None = None
    quoted: Ticket | None = None  # quoted by someone who is not the customer


def ticket_replied_to(session: Session, company_id: int, parsed: ParsedMessage) -> Reply:
    """The ticket of the Empresa this message answers: named by a message it refers to
    (one we sent, or one we imported), else by the protocolo in its subject when the sender
    is an e-mail of the ticket's customer. Codes are sequential: anybody can quote one, so a
    stranger's message quoting it waits in Sem cadastro with the reason (an attendant
    decides), and never reaches the customer's histórico by itself."""
    if parsed.references:
        # Ours are stored as sent, in angle brackets; the imported ones without.
        sent = [f"<{reference}>" for reference in parsed.references]
        for model, ids in ((InboundMessage, parsed.references), (OutboxMessage, sent)):
            ticket = session.scalar(
                sa.select(Ticket)
                .join(model, model.ticket_id == Ticket.id)
                .where(
                    _alive(company_id),
                    model.company_id == company_id,
                    model.message_id.in_(ids),
                )
                .order_by(model.id.desc())
                .limit(1)
            )
            if ticket is not None:
                return Reply(ticket)
    match = _CODE_IN_SUBJECT.search(parsed.subject or "")
    if match is None:
        return Reply()
    ticket = session.scalar(
        sa.select(Ticket).where(_alive(company_id), Ticket.code == int(match[1]))
    )
    if ticket is None:
        return Reply()
    if sender_is_customer(session, ticket, parsed.from_address):
        return Reply(ticket)
    return Reply(quoted=ticket)


def sender_is_customer(session: Session, ticket: Ticket, address: str) -> bool:
    """Whether the address (any case) is an e-mail of the ticket's entity or of an entity
    related to it (its Contatos, as the ticket's Contato picker lists them)."""
    if not address:
        return False
    related = sa.select(Relation.related_entity_id).where(Relation.entity_id == ticket.entity_id)
    found = session.scalar(
        sa.select(EContact.id)
        .where(
            EContact.kind == "email",
            lower_binary(EContact.value) == address.lower(),
            sa.or_(EContact.entity_id == ticket.entity_id, EContact.entity_id.in_(related)),
        )
        .limit(1)
    )
    return found is not None


def entity_of_sender(session: Session, company_id: int, address: str) -> Entity | None:
    """The one active entity of the Empresa with this e-mail (any case); None when none or
    several have it (an attendant decides then)."""
    if not address:
        return None
    ids = session.scalars(
        sa.select(Entity.id)
        .join(EContact, EContact.entity_id == Entity.id)
        .where(
            Entity.company_id == company_id,
            Entity.active,
            EContact.kind == "email",
            lower_binary(EContact.value) == address.lower(),
        )
        .distinct()
        .limit(2)
    ).all()
    return session.get(Entity, ids[0]) if len(ids) == 1 else None


# --- recording ----------------------------------------------------------------------------


def received_at(parsed: ParsedMessage, internal_date: datetime | None) -> datetime:
    """Data de recebimento: the Date header, else the server's arrival time, never later
    than now (a sender's clock ahead of ours)."""
    now = utcnow()
    when = parsed.date or internal_date or now
    return min(when, now)


def add_detail(
    session: Session,
    ticket: Ticket,
    message: InboundMessage,
    user_id: int,
    channel_id: int,
    *,
    attachments=(),
    uploader_id: int | None = None,
    new_ticket: bool = False,
) -> TicketDetail:
    """The message as a Receptivo detail on channel E-mail, its attachments kept on it
    (uploaded by `uploader_id`: None for fetch-mail). On an existing ticket the version is
    bumped without checking the one read, as the outbox does: an edit saved meanwhile
    stands, and a screen open on the ticket sees that it changed."""
    detail = TicketDetail(
        ticket_id=ticket.id,
        channel_id=channel_id,
        direction=DIRECTION_RECEPTIVE,
        received_at=message.received_at,
        opened_at=max(utcnow(), message.received_at or utcnow()),
        description="",
        attendant_id=user_id,
        contact_entity_id=None,
    )
    session.add(detail)
    session.flush()
    if not new_ticket:
        reopen_if_closed(session, ticket, user_id)
    notes = keep_attachments(detail, attachments, uploader_id)
    detail.description = describe(detail, message, notes, uploader_id)
    if not new_ticket:
        session.execute(
            sa.update(Ticket)
            .where(Ticket.id == ticket.id)
            .values(updated_by_id=user_id, updated_at=utcnow(), version=Ticket.version + 1)
            .execution_options(synchronize_session=False)
        )
    message.ticket_id, message.detail_id = ticket.id, detail.id
    return detail


def reopen_if_closed(session: Session, ticket: Ticket, user_id: int) -> None:
    """A customer who writes on a concluded (or cancelled) ticket is waiting again: the
    ticket goes back to an open situação (Em andamento, else Aberto), as a change of
    situação on the ticket screen does: Data fechamento cleared, the change kept as a
    ticket event in the writer's name (isocrm.models.ticket), the prazo clock recomputed;
    the painel lists it again."""
    session.refresh(ticket, with_for_update=True)  # the newest version, held until commit
    if not ticket.status.is_closed:
        return
    reopened = session.scalar(
        sa.select(Status)
        .where(
            Status.company_id == ticket.company_id,
            Status.active,
            Status.category.in_((STATUS_IN_PROGRESS, STATUS_OPEN)),
        )
        .order_by(Status.category == STATUS_OPEN, Status.position, Status.id)
        .limit(1)
    )
    if reopened is None:  # the Empresa has no open situação: the detail is added all the same
        return
    ticket.updated_by_id = user_id
    apply_status(ticket, reopened)
    session.flush()


def message_text(message: InboundMessage) -> str:
    """Who wrote, about what, then the whole text."""
    sender = message.from_name or message.from_address or "?"
    if message.from_name and message.from_address:
        sender = f"{message.from_name} <{message.from_address}>"
    head = f"E-mail recebido de {sender}: {message.subject or '(sem assunto)'}"
    return f"{head}\n\n{message.text or ''}".strip()


def describe(detail: TicketDetail, message: InboundMessage, notes: list[str], uploader_id) -> str:
    """The detail's Descrição: the message's text, then the notes on its attachments. A
    text longer than a Descrição holds is cut, and kept whole in FULL_TEXT_NAME on the
    detail, which the cut names (nothing of the message is lost)."""
    text = message_text(message)
    tail = ("\n\n" + "\n".join(notes))[:NOTES_MAX] if notes else ""
    if len(text) + len(tail) <= TEXT_MAX:
        return text + tail
    try:
        store_attachment(detail, FULL_TEXT_NAME, text.encode("utf-8"), user_id=uploader_id)
        mark = f"\n[…] texto completo no anexo {FULL_TEXT_NAME}"
    except AttachmentRefused as refusal:
        mark = f"\n[…] texto completo não guardado: {refusal.message}"
    except OSError as error:  # the store unreachable (a full disk, S3 down)
        mark = f"\n[…] texto completo não guardado: {type(error).__name__}."
    return text[: TEXT_MAX - len(tail) - len(mark)].rstrip() + mark + tail


def keep_attachments(detail: TicketDetail, attachments, user_id: int | None) -> list[str]:
    """Each attachment of the message kept on its detail (isocrm.attachment_store); one the
    store refuses (a type not accepted, too big) or cannot keep is named in the notes
    returned, for the detail's text: the message itself is imported all the same."""
    notes = []
    for attachment in attachments:
        try:
            store_attachment(detail, attachment.filename, attachment.data, user_id=user_id)
        except AttachmentRefused as refusal:
            notes.append(f"Anexo não guardado: {refusal.message}")
        except OSError as error:  # the store unreachable (a full disk, S3 down)
            notes.append(f"Anexo {attachment.filename} não guardado: {type(error).__name__}.")
    return notes


def new_record(company_id: int, uid: int | None, parsed: ParsedMessage, when: datetime):
    return InboundMessage(
        company_id=company_id,
        message_id=parsed.message_id,
        uid=uid,
        status=INBOUND_UNMATCHED,
        from_address=parsed.from_address or None,
        from_name=parsed.from_name or None,
        subject=parsed.subject or None,
        received_at=when,
        text=parsed.text,
    )


def import_message(
    session: Session,
    mailbox: Mailbox,
    uid: int | None,
    raw: bytes,
    internal_date: datetime | None,
) -> Outcome:
    """Record one message and what it became, in the caller's transaction (not committed).

    Raises sqlalchemy IntegrityError when the Empresa already has this Message-ID (another
    run imported it first): the caller rolls back and skips it."""
    parsed = parse(raw)
    company_id = mailbox.company_id
    record = new_record(company_id, uid, parsed, received_at(parsed, internal_date))
    session.add(record)
    session.flush()  # the unique (company_id, message_id) decides here, before anything else
    channel = email_channel(session, company_id)
    reply = ticket_replied_to(session, company_id, parsed)
    ticket, entity = reply.ticket, None
    if ticket is None and reply.quoted is None:
        entity = entity_of_sender(session, company_id, parsed.from_address)
    if ticket is None and entity is None:
        record.quoted_ticket_id = reply.quoted.id if reply.quoted else None
        record.raw = raw  # its attachments go on the draft an attendant opens from it
        return Outcome(INBOUND_UNMATCHED)
    writer = mailbox_user(session, company_id)  # not mailbox.updated_by: nobody chose this
    if ticket is None:
        ticket = open_draft(session, company_id, entity, writer.id)
        ticket.owner_id = None  # Sem responsável: any attendant takes it
        if internal_date is not None:
            # The demand is dated when it reached the mailbox (the server's arrival time,
            # not the sender's Date header), not when fetch-mail read it: the prazo clock
            # counts from there (isocrm.sla.clock), as from Incluir on a call.
            ticket.opened_at = min(internal_date, ticket.opened_at)
        session.flush()
        record.entity_id = entity.id
    add_detail(
        session,
        ticket,
        record,
        writer.id,
        channel.id,
        attachments=parsed.attachments,
        new_ticket=record.entity_id is not None,
    )
    record.status = INBOUND_IMPORTED
    return Outcome(INBOUND_IMPORTED, ticket)


def record_failure(
    session: Session, company_id: int, uid: int | None, message_id: str, reason: str, **found
) -> InboundMessage:
    """A message that could not be imported, kept with the reason (never retried)."""
    record = InboundMessage(
        company_id=company_id,
        message_id=message_id,
        uid=uid,
        status=INBOUND_FAILED,
        error=reason[:2000],
        **found,
    )
    record.received_at = record.received_at or utcnow()  # the server gave no arrival time
    session.add(record)
    session.flush()
    return record


# --- Sem cadastro -------------------------------------------------------------------------


def _attendants_detail(session, ticket, message, user_id, channel_id, *, new_ticket=False):
    """The message of Sem cadastro as a detail, in the attendant's name, with the
    attachments that waited with it (in raw, emptied now)."""
    attachments = parse(message.raw).attachments if message.raw else []
    add_detail(
        session,
        ticket,
        message,
        user_id,
        channel_id,
        attachments=attachments,
        uploader_id=user_id,
        new_ticket=new_ticket,
    )
    message.raw = None


def claim(session: Session, message: InboundMessage, status: str, user_id: int) -> bool:
    """Take the message out of Sem cadastro, once: a second click (or another attendant at
    the same time) finds it taken and changes nothing."""
    taken = session.execute(
        sa.update(InboundMessage)
        .where(InboundMessage.id == message.id, InboundMessage.status == INBOUND_UNMATCHED)
        .values(status=status, handled_by_id=user_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken:
        session.refresh(message)
    return bool(taken)


def link(session: Session, message: InboundMessage, entity: Entity, user_id: int) -> Ticket | None:
    """Vincular: a draft of the entity with the message as its first detail; None when the
    message left Sem cadastro meanwhile. Raises DraftError (no situação) or NoEmailChannel."""
    if not claim(session, message, INBOUND_LINKED, user_id):
        return None
    channel = email_channel(session, message.company_id)
    ticket = open_draft(session, message.company_id, entity, user_id)
    session.flush()
    _attendants_detail(session, ticket, message, user_id, channel.id, new_ticket=True)
    message.entity_id = entity.id
    return ticket


def add_to_quoted(session: Session, message: InboundMessage, user_id: int) -> Ticket | None:
    """Incluir no atendimento citado: the message becomes a detail of the ticket it quotes
    (an attendant's decision); None when it left Sem cadastro meanwhile."""
    ticket = message.quoted_ticket
    if not claim(session, message, INBOUND_IMPORTED, user_id):
        return None
    channel = email_channel(session, message.company_id)
    _attendants_detail(session, ticket, message, user_id, channel.id)
    return ticket


def discard(session: Session, message: InboundMessage, user_id: int) -> bool:
    if not claim(session, message, INBOUND_DISCARDED, user_id):
        return False
    message.raw = None
    return True


__all__ = [
    "DraftError",
    "NoEmailChannel",
    "Outcome",
    "add_to_quoted",
    "discard",
    "import_message",
    "link",
    "record_failure",
]
