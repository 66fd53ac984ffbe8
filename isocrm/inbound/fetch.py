"""`flask fetch-mail`: read the new messages of every enabled mailbox over IMAP (TLS, the
certificate checked) and import each (isocrm.inbound.service).

New messages are found by UID: the mailbox keeps the folder's UIDVALIDITY and the last UID
read, and asks for the UIDs after it. The folder is opened read-only (EXAMINE) and read with
BODY.PEEK, so isoCRM never changes the mailbox: no \\Seen flag, nothing moved or deleted;
people reading the same mailbox in a mail client see it as before. A changed UIDVALIDITY
(the folder was recreated) reads the folder again from the start; the Message-IDs already
imported are skipped.

Each message is imported in its own transaction. One that cannot be read (malformed, over
IMAP_MAX_BYTES, refused by a rule) is recorded as failed with the reason and never tried
again; a network error stops that mailbox's batch (the next run goes on from the last
message imported), and the error is kept on the mailbox for the settings screen."""

import contextlib
import imaplib
import re
import socket
import ssl
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from isocrm.database import writing
from isocrm.extensions import db
from isocrm.inbound import service
from isocrm.inbound.imap_names import quoted_folder
from isocrm.inbound.parse import MalformedMessage, message_key
from isocrm.models.base import utcnow
from isocrm.models.inbound import INBOUND_FAILED, Mailbox

_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
_INTERNALDATE = re.compile(rb'INTERNALDATE "([^"]+)"')
_UID = re.compile(rb"UID (\d+)")


class IMAPFailure(Exception):
    """The mailbox could not be read (network, TLS, login, folder); said on its screen."""


@dataclass
class MailboxReport:
    company_id: int
    imported: int = 0
    unmatched: int = 0
    failed: int = 0
    skipped: int = 0  # already imported (by this run or another one)
    error: str | None = None
    tickets: list[int] = field(default_factory=list)


@contextlib.contextmanager
def _writing():
    """A transaction that takes SQLite's write lock up front (and waits its turn): any read
    transaction left open is ended first, or it would be upgraded and fail when busy."""
    db.session.commit()
    with writing():
        yield


def ssl_context() -> ssl.SSLContext:
    """Certificates checked (and the host name) against the system's CAs, or IMAP_CA_FILE's."""
    return ssl.create_default_context(cafile=current_app.config.get("IMAP_CA_FILE") or None)


def connect(mailbox: Mailbox) -> imaplib.IMAP4_SSL:
    timeout = float(current_app.config.get("IMAP_TIMEOUT") or 30)
    conn = imaplib.IMAP4_SSL(mailbox.host, mailbox.port, ssl_context=ssl_context(), timeout=timeout)
    try:
        conn.login(mailbox.username, mailbox.password)
    except imaplib.IMAP4.error as error:
        _close(conn)
        raise IMAPFailure(f"login recusado: {_text(error)}") from error
    return conn


def _close(conn: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        conn.logout()


def _text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, imaplib.IMAP4.error) and value.args:
        return _text(value.args[0])  # the server's words, sent as bytes
    return str(value)


def open_folder(conn: imaplib.IMAP4_SSL, folder: str) -> int:
    """EXAMINE the folder (read-only); its UIDVALIDITY."""
    try:
        name = quoted_folder(folder)
    except ValueError as error:
        raise IMAPFailure(f"pasta {folder!r} inválida: {error}") from error
    typ, data = conn.select(name, readonly=True)
    if typ != "OK":
        raise IMAPFailure(f"pasta {folder!r} não encontrada: {_text(data[0] if data else '')}")
    _typ, validity = conn.response("UIDVALIDITY")
    try:
        return int(validity[0])
    except (TypeError, ValueError, IndexError) as error:
        raise IMAPFailure("o servidor não informou o UIDVALIDITY da pasta") from error


def new_uids(conn: imaplib.IMAP4_SSL, after: int) -> list[int]:
    typ, data = conn.uid("SEARCH", None, f"UID {after + 1}:*")
    if typ != "OK":
        raise IMAPFailure(f"busca recusada: {_text(data[0] if data else '')}")
    found = [int(u) for u in (data[0] or b"").split()]
    # "n:*" always names the last message, even when its UID is below n.
    return sorted(u for u in found if u > after)


def _fetched(data) -> tuple[bytes, bytes | None]:
    """(the FETCH line, its literal) of a response to one UID."""
    for item in data:
        if isinstance(item, tuple):
            return item[0], item[1]
    line = next((item for item in data if isinstance(item, bytes)), b"")
    return line, None


def _internal_date(line: bytes) -> datetime | None:
    match = _INTERNALDATE.search(line)
    if match is None:
        return None
    try:
        return datetime.strptime(match[1].decode("ascii"), "%d-%b-%Y %H:%M:%S %z")
    except ValueError:
        return None


def read_envelope(conn: imaplib.IMAP4_SSL, uid: int) -> tuple[int, datetime | None, str | None]:
    """(size, internal date, Message-ID) without downloading the message."""
    typ, data = conn.uid(
        "FETCH", str(uid), "(RFC822.SIZE INTERNALDATE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"
    )
    if typ != "OK" or not data or data[0] is None:
        raise IMAPFailure(f"mensagem UID {uid} não pôde ser lida")
    line, header = _fetched(data)
    size = _SIZE.search(line)
    ids = re.findall(rb"<([^<>\s]+)>", header or b"")
    message_id = message_key(ids[0].decode("utf-8", "replace")) if ids else None
    return int(size[1]) if size else 0, _internal_date(line), message_id


def read_message(conn: imaplib.IMAP4_SSL, uid: int) -> bytes:
    typ, data = conn.uid("FETCH", str(uid), "(BODY.PEEK[])")
    if typ != "OK" or not data or data[0] is None:
        raise IMAPFailure(f"mensagem UID {uid} não pôde ser lida")
    _line, raw = _fetched(data)
    return raw or b""


# --- the run ------------------------------------------------------------------------------


def enabled_mailboxes(session: Session) -> list[int]:
    return list(session.scalars(sa.select(Mailbox.id).where(Mailbox.enabled).order_by(Mailbox.id)))


def fetch_all() -> list[MailboxReport]:
    """One pass over every enabled mailbox."""
    return [fetch_mailbox(i) for i in enabled_mailboxes(db.session)]


def fetch_mailbox(mailbox_id: int) -> MailboxReport:
    mailbox = db.session.get(Mailbox, mailbox_id)
    report = MailboxReport(company_id=mailbox.company_id)
    try:
        service.email_channel(db.session, mailbox.company_id)
    except service.NoEmailChannel as error:
        db.session.rollback()
        return _finish(mailbox_id, report, IMAPFailure(str(error)))
    db.session.commit()  # nothing held while talking to the server
    try:
        conn = connect(mailbox)
    except (OSError, ssl.SSLError, imaplib.IMAP4.error, IMAPFailure) as error:
        return _finish(mailbox_id, report, error)
    try:
        validity = open_folder(conn, mailbox.folder)
        after = mailbox.last_uid if mailbox.uidvalidity == validity else 0
        _set_validity(mailbox_id, validity)
        batch = int(current_app.config.get("IMAP_BATCH") or 200)
        for uid in new_uids(conn, after)[:batch]:
            _one(conn, mailbox_id, uid, report)
            _advance(mailbox_id, uid)
    except (OSError, ssl.SSLError, imaplib.IMAP4.error, IMAPFailure) as error:
        db.session.rollback()
        return _finish(mailbox_id, report, error)
    finally:
        _close(conn)
    return _finish(mailbox_id, report, None)


def _describe(error: Exception) -> str:
    if isinstance(error, IMAPFailure):
        return str(error)
    if isinstance(error, socket.timeout | TimeoutError):
        return "TimeoutError: o servidor IMAP não respondeu a tempo"
    return f"{type(error).__name__}: {_text(error)}"[:1000]


def _finish(mailbox_id: int, report: MailboxReport, error: Exception | None) -> MailboxReport:
    report.error = _describe(error) if error is not None else None
    if error is not None:
        current_app.logger.warning("fetch-mail mailbox %s: %s", mailbox_id, report.error)
    with _writing():
        db.session.execute(
            sa.update(Mailbox)
            .where(Mailbox.id == mailbox_id)
            .values(last_polled_at=utcnow(), last_error=report.error)
        )
        db.session.commit()
    return report


def _set_validity(mailbox_id: int, validity: int) -> None:
    """A new UIDVALIDITY: the UIDs kept mean nothing any more, read from the start."""
    with _writing():
        db.session.execute(
            sa.update(Mailbox)
            .where(Mailbox.id == mailbox_id, Mailbox.uidvalidity.is_distinct_from(validity))
            .values(uidvalidity=validity, last_uid=0)
        )
        db.session.commit()


def _advance(mailbox_id: int, uid: int) -> None:
    """last_uid only ever grows (another run may be further on)."""
    with _writing():
        db.session.execute(
            sa.update(Mailbox)
            .where(Mailbox.id == mailbox_id, Mailbox.last_uid < uid)
            .values(last_uid=uid)
        )
        db.session.commit()


def _one(conn, mailbox_id: int, uid: int, report: MailboxReport) -> None:
    """Import the message with this UID; network errors go up, anything about the message
    itself is recorded as its failure."""
    size, internal_date, message_id = read_envelope(conn, uid)
    limit = int(current_app.config.get("IMAP_MAX_BYTES") or 0)
    mailbox = db.session.get(Mailbox, mailbox_id)
    fallback_id = message_id or f"uid:{mailbox.uidvalidity}:{uid}@{mailbox.host}"[:255]
    if limit and size > limit:
        reason = f"mensagem de {size} bytes, acima do limite de {limit} bytes (IMAP_MAX_BYTES)"
        _fail(mailbox, uid, fallback_id, reason, report, internal_date)
        return
    raw = read_message(conn, uid)
    try:
        with _writing():
            mailbox = db.session.get(Mailbox, mailbox_id)
            outcome = service.import_message(db.session, mailbox, uid, raw, internal_date)
            db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()  # imported before, by this mailbox or another run right now
        report.skipped += 1
        return
    except (MalformedMessage, service.DraftError, service.NoEmailChannel, ValueError) as error:
        db.session.rollback()
        reason = f"{type(error).__name__}: {error}"
        _fail(db.session.get(Mailbox, mailbox_id), uid, fallback_id, reason, report, internal_date)
        return
    if outcome.ticket is not None:
        report.imported += 1
        report.tickets.append(outcome.ticket.code)
    else:
        report.unmatched += 1


def _fail(mailbox, uid, message_id, reason, report, internal_date) -> None:
    current_app.logger.warning("fetch-mail UID %s of mailbox %s: %s", uid, mailbox.id, reason)
    try:
        with _writing():
            service.record_failure(
                db.session,
                mailbox.company_id,
                uid,
                message_id,
                reason,
                received_at=internal_date,
            )
            db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        report.skipped += 1
        return
    report.failed += 1


__all__ = ["INBOUND_FAILED", "MailboxReport", "fetch_all", "fetch_mailbox"]
