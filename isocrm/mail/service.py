"""Sending e-mail: build a proper UTF-8 message and hand it to the SMTP server configured
with ISOCRM_SMTP_*; every message goes through the Caixa de saída first, so none is lost.

The rules of the composer live here too: a composer is sent at most once (its send key),
only on the Empresa and ticket it was opened for, and the ticket detail that records the
message says what the Caixa de saída knows about it (pendente, enviado, falhou)."""

import re
import secrets
import smtplib
import ssl
from datetime import timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from isocrm.attachment_store import attach_to_email, stored_files
from isocrm.extensions import db
from isocrm.models import Attachment, Company, OutboxMessage, Ticket, TicketDetail, User, utcnow
from isocrm.models.outbox import OUTBOX_FAILED, OUTBOX_PENDING, OUTBOX_SENT
from isocrm.models.ticket import DIRECTION_ACTIVE

# The body of one e-mail. The detail that records it (a few hundred characters of header
# plus the body) must still fit the ticket screen's Descrição (10,000 characters).
BODY_MAX = 9000
SEND_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class AlreadySending(Exception):
    """Another request is talking to the SMTP server about this message right now."""


def smtp_configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


# --- the composer ----------------------------------------------------------------------


def new_send_key() -> str:
    """A fresh key for a composer being rendered; unguessable, so it names one composer."""
    return secrets.token_urlsafe(32)


def valid_send_key(value: str | None) -> bool:
    return bool(value) and bool(SEND_KEY_PATTERN.match(value))


def message_by_key(company: Company, send_key: str) -> OutboxMessage | None:
    return db.session.scalar(
        sa.select(OutboxMessage).where(
            OutboxMessage.send_key == send_key, OutboxMessage.company_id == company.id
        )
    )


# Back to a composer re-renders it (pages are not cached), with a fresh send key: the same
# text to the same address on the same ticket this recently asks before going out again.
DUPLICATE_WINDOW = timedelta(minutes=30)


def same_message_recently(
    company: Company, ticket: Ticket, address: str, subject: str, body: str
) -> OutboxMessage | None:
    """The latest message with this very content on this ticket in DUPLICATE_WINDOW."""
    return db.session.scalar(
        sa.select(OutboxMessage)
        .where(
            OutboxMessage.company_id == company.id,
            OutboxMessage.ticket_id == ticket.id,
            OutboxMessage.to_address == address,
            OutboxMessage.subject == subject,
            OutboxMessage.body == body,
            OutboxMessage.created_at >= utcnow() - DUPLICATE_WINDOW,
        )
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(1)
    )


def detail_header(status: str, address: str, subject: str) -> str:
    """First line of the detail that records an e-mail: what the Caixa de saída knows."""
    if status == OUTBOX_SENT:
        return f"E-mail enviado para {address}: {subject}"
    if status == OUTBOX_FAILED:
        return f"E-mail não enviado (falhou; está na Caixa de saída) para {address}: {subject}"
    return f"E-mail pendente (na Caixa de saída) para {address}: {subject}"


def _detail_text(status: str, address: str, subject: str, body: str) -> str:
    return f"{detail_header(status, address, subject)}\n\n{body}"


def record_email(
    *,
    company: Company,
    ticket: Ticket,
    channel_id: int,
    user: User,
    send_key: str,
    address: str,
    subject: str,
    body: str,
    contact_entity_id: int | None,
    attachments: list[Attachment] = (),
) -> tuple[OutboxMessage, bool]:
    """Save the message in the Caixa de saída and its detail on the ticket, in one
    transaction, before talking to any server (a crash or a slow server loses nothing).

    Returns (message, True), or (the message already saved under this send key, False):
    a second submit of the same composer never writes or sends a second one."""
    existing = message_by_key(company, send_key)
    if existing is not None:
        return existing, False
    now = utcnow()
    detail = TicketDetail(
        ticket_id=ticket.id,
        channel_id=channel_id,
        direction=DIRECTION_ACTIVE,
        opened_at=now,
        description=_detail_text(OUTBOX_PENDING, address, subject, body),
        attendant_id=user.id,
        contact_entity_id=contact_entity_id,
    )
    outbox = OutboxMessage(
        company_id=company.id,
        ticket_id=ticket.id,
        entity_id=ticket.entity_id,
        to_address=address,
        subject=subject,
        body=body,
        created_by_id=user.id,
        created_at=now,
        send_key=send_key,
        message_id=new_message_id(),
        detail=detail,
        attachments=list(attachments),  # sent with it, and again by every retry
    )
    try:
        db.session.add_all([detail, outbox])
        db.session.flush()  # a composer sent twice at once stops here (unique send_key)
        # The ticket changed (a new detail): bump its version without checking the one this
        # request read, so an edit saved meanwhile neither fails the e-mail (StaleDataError)
        # nor is overwritten; the ticket screen's own check sees the new version.
        db.session.execute(
            sa.update(Ticket)
            .where(Ticket.id == ticket.id)
            .values(updated_by_id=user.id, updated_at=now, version=Ticket.version + 1)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    except sa.exc.IntegrityError:
        # Two submits of one composer at once: the other one saved it first.
        db.session.rollback()
        existing = message_by_key(company, send_key)
        if existing is None:
            raise
        return existing, False
    return outbox, True


def _shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut between words and marked, never mid-word."""
    if len(text) <= limit:
        return text
    mark = " […]"
    cut = text[: max(limit - len(mark), 0)]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space > len(cut) // 2:
        cut = cut[:space]
    return cut.rstrip() + mark


def suggested_body(
    *,
    company: Company,
    user: User,
    entity_name: str,
    detail: TicketDetail | None,
    email_of_detail: OutboxMessage | None,
) -> str:
    """The composer's first text: a greeting, what the detail shown was about, a signature.
    An e-mail detail is quoted from the message itself (not the detail's header line), and
    a long quote is shortened between words, so the suggestion can be sent unchanged."""
    head = [f"Olá, {entity_name}.", ""]
    tail = ["Atenciosamente,", user.name, company.name]
    quoted: list[str] = []
    if email_of_detail is not None:
        quoted = [
            f"Sobre a nossa mensagem “{email_of_detail.subject}”:",
            email_of_detail.body,
            "",
        ]
    elif detail is not None and not detail.internal:
        # A detail marked Interno is the team's own: nothing of it is quoted to the customer
        # (nor, of any detail, its Nota interna).
        quoted = [f"Sobre o seu contato: {detail.description}", ""]
        if detail.answer:
            quoted += [detail.answer, ""]
    fixed = len("\n".join(head + tail)) + 2
    room = BODY_MAX - fixed
    quote = _shorten("\n".join(quoted), room) if quoted else ""
    return "\n".join(head + ([quote] if quote else []) + tail)


# --- the message and the SMTP conversation ----------------------------------------------


def new_message_id() -> str:
    """A Message-ID for an outgoing message, stored with it before it is sent: the
    customer's reply names it (In-Reply-To, References) and the Caixa de entrada finds the
    ticket by it."""
    return make_msgid(domain=_domain_of(current_app.config.get("MAIL_FROM") or "sac@localhost"))


def build_email(
    to_address: str,
    subject: str,
    body: str,
    company: Company | None = None,
    message_id: str | None = None,
) -> EmailMessage:
    """An RFC 5322 message; accents in the subject become encoded words, the body
    quoted-printable, so any SMTP server (even without 8BITMIME) carries it intact.
    From shows the Empresa's name; Reply-To is the Empresa's, when it has one."""
    sender = current_app.config.get("MAIL_FROM") or "sac@localhost"
    message = EmailMessage(policy=SMTP)
    address = _address_of(sender)
    if company is not None and address is not None:
        message["From"] = Address(display_name=company.name, addr_spec=address)
    else:
        message["From"] = sender
    message["To"] = to_address
    if company is not None and company.mail_reply_to:
        message["Reply-To"] = company.mail_reply_to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id or make_msgid(domain=_domain_of(sender))
    message.set_content(body, charset="utf-8", cte="quoted-printable")
    return message


def _address_of(sender: str) -> str | None:
    """The bare address of 'Name <a@b>' or 'a@b'."""
    text = sender.rsplit("<", 1)[-1].rstrip(">").strip()
    try:
        return Address(addr_spec=text).addr_spec
    except (ValueError, IndexError):
        return None


def _domain_of(sender: str) -> str:
    try:
        return Address(addr_spec=sender.rsplit("<", 1)[-1].rstrip(">")).domain or "localhost"
    except (ValueError, IndexError):
        return "localhost"


def deliver(message: EmailMessage) -> None:
    """Hand the message to the configured SMTP server; raises OSError/SMTPException."""
    config = current_app.config
    host, port = config["SMTP_HOST"], int(config.get("SMTP_PORT") or 25)
    timeout = float(config.get("SMTP_TIMEOUT") or 10)
    context = ssl.create_default_context()
    if config.get("SMTP_SSL"):
        server = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        server = smtplib.SMTP(host, port, timeout=timeout)
    with server:
        if config.get("SMTP_STARTTLS") and not config.get("SMTP_SSL"):
            server.starttls(context=context)
        if config.get("SMTP_USERNAME"):
            server.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")
        server.send_message(message)


def describe_error(error: Exception) -> str:
    """What goes to last_error and the log: short, technical, for whoever fixes the server."""
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        return f"{type(error).__name__}: {error.smtp_code} {text}"[:1000]
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = "; ".join(
            f"{address}: {code} {reply.decode('utf-8', 'replace')}"
            for address, (code, reply) in error.recipients.items()
        )
        return f"SMTPRecipientsRefused: {codes}"[:1000]
    return f"{type(error).__name__}: {error}"[:1000]


# The attendant's words for a technical error, by the exception's name in last_error.
_ERRORS_FOR_PEOPLE = (
    (
        "ConnectionRefusedError",
        _l("o servidor de e-mail recusou a conexão (pode estar fora do ar)"),
    ),
    ("TimeoutError", _l("o servidor de e-mail não respondeu a tempo")),
    ("timeout", _l("o servidor de e-mail não respondeu a tempo")),
    ("gaierror", _l("o endereço do servidor de e-mail não foi encontrado")),
    ("SMTPAuthenticationError", _l("o servidor de e-mail recusou o usuário ou a senha do envio")),
    ("SMTPRecipientsRefused", _l("o servidor de e-mail recusou o endereço do destinatário")),
    ("SMTPSenderRefused", _l("o servidor de e-mail recusou o endereço do remetente")),
    ("SMTPDataError", _l("o servidor de e-mail recusou a mensagem")),
    ("SMTPServerDisconnected", _l("o servidor de e-mail encerrou a conexão no meio do envio")),
    ("SMTPNotSupportedError", _l("o servidor de e-mail não aceita a forma de envio configurada")),
    ("SSL", _l("a conexão segura (TLS) com o servidor de e-mail falhou")),
    ("ConnectionResetError", _l("a conexão com o servidor de e-mail caiu")),
    ("AttachmentUnavailable", _l("um anexo não pôde ser lido do armazenamento de arquivos")),
    ("OSError", _l("não foi possível falar com o servidor de e-mail (erro de rede)")),
)


def error_for_people(last_error: str | None) -> str | None:
    """The reason a message was not sent, in the user's words and language for the screen
    (the technical text stays in last_error and the log)."""
    if not last_error:
        return None
    name = last_error.split(":", 1)[0]
    for key, text in _ERRORS_FOR_PEOPLE:
        if name == key or name.startswith(key):
            return str(text)
    if name.startswith("SMTP"):
        return _("o servidor de e-mail respondeu com um erro")
    return _("houve um erro na comunicação com o servidor de e-mail")


def _lease() -> timedelta:
    """How long a claim holds: longer than one SMTP conversation can take."""
    return timedelta(seconds=4 * float(current_app.config.get("SMTP_TIMEOUT") or 10) + 30)


def is_being_sent(outbox: OutboxMessage) -> bool:
    return outbox.sending_since is not None and outbox.sending_since >= utcnow() - _lease()


def send_now(outbox_id: int) -> OutboxMessage:
    """Claim the message, talk to the SMTP server outside any transaction (SQLite would
    otherwise hold its write lock for the whole conversation), then record the outcome.

    Raises AlreadySending if it was sent meanwhile or another request is sending it."""
    outbox = db.session.get(OutboxMessage, outbox_id)
    email = build_email(
        outbox.to_address, outbox.subject, outbox.body, outbox.company, outbox.message_id
    )
    files = stored_files(outbox.attachments)  # read now: the claim's commit expires them
    now = utcnow()
    claimed = db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id == outbox_id,
            OutboxMessage.status != OUTBOX_SENT,
            sa.or_(
                OutboxMessage.sending_since.is_(None),
                OutboxMessage.sending_since < now - _lease(),
            ),
        )
        .values(attempts=OutboxMessage.attempts + 1, sending_since=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if not claimed:
        raise AlreadySending()

    error = None
    try:
        attach_to_email(email, files)  # AttachmentUnavailable: an OSError
        deliver(email)
    except (OSError, smtplib.SMTPException) as exc:  # refused, timeout, TLS, SMTP replies
        error = describe_error(exc)
        current_app.logger.warning("E-mail %s not sent: %s", outbox_id, error)
    return _record_outcome(outbox_id, error)


def _record_outcome(outbox_id: int, error: str | None) -> OutboxMessage:
    """The message's new status and its detail's first line, in one transaction; an edit
    of the detail saved meanwhile (StaleDataError) is re-read and the update tried again."""
    for attempt in range(3):
        outbox = db.session.get(OutboxMessage, outbox_id, populate_existing=True)
        outbox.sending_since = None
        if error is None:
            outbox.status, outbox.sent_at, outbox.last_error = OUTBOX_SENT, utcnow(), None
        else:
            outbox.status, outbox.last_error = OUTBOX_FAILED, error
        _follow_status(outbox)
        try:
            db.session.commit()
            return outbox
        except StaleDataError:
            db.session.rollback()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _follow_status(outbox: OutboxMessage) -> None:
    """Rewrite the first line of the message's detail to its status, if that line is still
    one this module wrote (an attendant's own edit of it is left alone)."""
    if outbox.detail_id is None:
        return
    detail = db.session.get(TicketDetail, outbox.detail_id, populate_existing=True)
    if detail is None:
        return
    first, sep, rest = detail.description.partition("\n")
    known = {
        detail_header(status, outbox.to_address, outbox.subject)
        for status in (OUTBOX_PENDING, OUTBOX_SENT, OUTBOX_FAILED)
    }
    wanted = detail_header(outbox.status, outbox.to_address, outbox.subject)
    if first in known and first != wanted:
        detail.description = wanted + sep + rest
