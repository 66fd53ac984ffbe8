"""Sending e-mail: build a proper UTF-8 message and hand it to the SMTP server configured
with ISOCRM_SMTP_*; every message goes through the Caixa de saída first, so none is lost."""

import smtplib
import ssl
from datetime import timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid

import sqlalchemy as sa
from flask import current_app

from isocrm.extensions import db
from isocrm.models import OutboxMessage, utcnow
from isocrm.models.outbox import OUTBOX_FAILED, OUTBOX_SENT


class AlreadySending(Exception):
    """Another request is talking to the SMTP server about this message right now."""


def smtp_configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def build_email(to_address: str, subject: str, body: str) -> EmailMessage:
    """An RFC 5322 message; accents in the subject become encoded words, the body
    quoted-printable, so any SMTP server (even without 8BITMIME) carries it intact."""
    sender = current_app.config.get("MAIL_FROM") or "sac@localhost"
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = to_address
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=_domain_of(sender))
    message.set_content(body, charset="utf-8", cte="quoted-printable")
    return message


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
    """What goes to last_error: short, technical, enough for whoever fixes the server."""
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        return f"{type(error).__name__}: {error.smtp_code} {text}"[:1000]
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = "; ".join(
            f"{address}: {code} {reply.decode('utf-8', 'replace')}"
            for address, (code, reply) in error.recipients.items()
        )
        return f"Destinatário recusado: {codes}"[:1000]
    return f"{type(error).__name__}: {error}"[:1000]


def _lease() -> timedelta:
    """How long a claim holds: longer than one SMTP conversation can take."""
    return timedelta(seconds=4 * float(current_app.config.get("SMTP_TIMEOUT") or 10) + 30)


def send_now(outbox_id: int) -> OutboxMessage:
    """Claim the message, talk to the SMTP server outside any transaction (SQLite would
    otherwise hold its write lock for the whole conversation), then record the outcome.

    Raises AlreadySending if it was sent meanwhile or another request is sending it."""
    outbox = db.session.get(OutboxMessage, outbox_id)
    email = build_email(outbox.to_address, outbox.subject, outbox.body)
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
        deliver(email)
    except (OSError, smtplib.SMTPException) as exc:  # refused, timeout, TLS, SMTP replies
        error = describe_error(exc)
        current_app.logger.warning("E-mail %s not sent: %s", outbox_id, error)

    outbox = db.session.get(OutboxMessage, outbox_id, populate_existing=True)
    outbox.sending_since = None
    if error is None:
        outbox.status, outbox.sent_at, outbox.last_error = OUTBOX_SENT, utcnow(), None
    else:
        outbox.status, outbox.last_error = OUTBOX_FAILED, error
    db.session.commit()
    return outbox
