"""Reading one e-mail as it came from the IMAP server: its headers decoded (encoded-word
subjects, names in any charset), its text (the text/plain part, else the HTML reduced to
plain text) and its attachments. Nothing here touches the database."""

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

from isocrm.models.inbound import MESSAGE_ID_MAX

# What a detail's Descrição holds (the ticket screen's limit); the message's text is read
# whole (isocrm.inbound.service keeps a longer one as an attachment of its detail).
TEXT_MAX = 10_000
_MESSAGE_IDS = re.compile(r"<([^<>\s]+)>")


class MalformedMessage(Exception):
    """The bytes are not an e-mail that can be read; the reason is for the mailbox's log."""


@dataclass
class Attachment:
    filename: str
    data: bytes


@dataclass
class ParsedMessage:
    message_id: str
    references: list[str]  # In-Reply-To first, then References, newest first
    subject: str
    from_name: str
    from_address: str
    date: datetime | None
    text: str
    attachments: list[Attachment] = field(default_factory=list)


def message_key(value: str) -> str:
    """A Message-ID as stored: without its angle brackets; a longer one than the column
    holds is kept as a hash of itself (the same for the id and for a reply naming it)."""
    value = value.strip().strip("<>").strip()
    if len(value) > MESSAGE_ID_MAX:
        return "sha256:" + hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()
    return value


def synthetic_id(raw: bytes) -> str:
    """For a message without a Message-ID: the same bytes always give the same id."""
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _ids(value: str | None) -> list[str]:
    if not value:
        return []
    found = _MESSAGE_IDS.findall(str(value))
    return [message_key(item) for item in found]


def _header(message: EmailMessage, name: str) -> str:
    """A header as text; a header the parser cannot decode is read as best it can."""
    try:
        value = message.get(name)
    except (ValueError, TypeError, IndexError, AttributeError):
        value = message.get_all(name, failobj=[None])[0]
    return " ".join(str(value).split()) if value is not None else ""


# Quoted strings and comments of an address header: an "@" inside them is a display name's.
_QUOTED_OR_COMMENT = re.compile(r'"(?:[^"\\]|\\.)*"|\((?:[^()\\]|\\.)*\)')


def _sender(message: EmailMessage) -> tuple[str, str]:
    """The one sender: (display name, address). The address decides whose ticket a message
    quoting a protocolo may join, so anything ambiguous gives no address (the message then
    waits in Sem cadastro, the header kept as the name for the attendant to read):
    - more than one From line, or more than one address in it;
    - an "@" outside the angle brackets' address, as in `maria@example.com <x@evil.test>`,
      which Python's parsers read as maria's address though mail programs show x's."""
    # The header as it came: the parsed one keeps only what the parser made of it.
    raw = [
        " ".join(str(value).split()) for key, value in message.raw_items() if key.lower() == "from"
    ]
    text = raw[0] if raw else ""
    pairs = [(name, address) for name, address in getaddresses([text]) if "@" in address]
    if len(raw) != 1 or len(pairs) != 1 or _QUOTED_OR_COMMENT.sub("", text).count("@") != 1:
        return (_header(message, "From") or text)[:200], ""
    address = pairs[0][1].strip()
    # The display name decoded (encoded words), when the parser read the same address.
    decoded = getaddresses([_header(message, "From")])
    name = decoded[0][0] if decoded and decoded[0][1].strip() == address else pairs[0][0]
    return name.strip()[:200], address[:254]


def _date(message: EmailMessage) -> datetime | None:
    """The Date header as an aware UTC datetime; None when missing or unreadable (a date
    without a zone is taken as UTC)."""
    text = _header(message, "Date")
    if not text:
        return None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def parse(raw: bytes) -> ParsedMessage:
    """Read the message; raises MalformedMessage when it has no headers at all."""
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception as error:  # the stdlib parser is lenient; anything else is malformed
        raise MalformedMessage(f"{type(error).__name__}: {error}") from error
    if not message.keys():
        raise MalformedMessage("mensagem sem cabeçalhos")
    try:
        return _read(message, raw)
    except Exception as error:  # a structure the stdlib cannot walk: this message only fails
        raise MalformedMessage(f"{type(error).__name__}: {error}") from error


def _read(message: EmailMessage, raw: bytes) -> ParsedMessage:
    ids = _ids(_header(message, "Message-ID"))
    name, address = _sender(message)
    references = _ids(_header(message, "In-Reply-To"))
    references += [i for i in reversed(_ids(_header(message, "References"))) if i not in references]
    return ParsedMessage(
        message_id=ids[0] if ids else synthetic_id(raw),
        references=references,
        subject=_header(message, "Subject")[:300],
        from_name=name,
        from_address=address,
        date=_date(message),
        text=body_text(message),
        attachments=list(_attachments(message)),
    )


def _content(part) -> str:
    """A text part decoded with its charset; an unknown or wrong charset is read as
    Latin-1 (every byte is something), never an error."""
    payload = part.get_payload(decode=True) or b""
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset)
    except (LookupError, UnicodeDecodeError):
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError:
            return payload.decode("latin-1")


def body_text(message: EmailMessage) -> str:
    """The text/plain part, else the text/html one reduced to text."""
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except (KeyError, AttributeError):
        part = None
    if part is None:
        return ""
    text = _content(part)
    if part.get_content_subtype() == "html":
        text = html_to_text(text)
    return normalize(text)


def normalize(text: str) -> str:
    """Line ends made \\n, control characters dropped, at most one blank line in a row."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(c for c in text if c in "\n\t" or ord(c) >= 32 and c != "\x7f")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _attachments(message: EmailMessage):
    for part in message.iter_attachments():
        if part.is_multipart():
            continue
        data = part.get_payload(decode=True)
        if not data:
            continue
        filename = part.get_filename() or "anexo"
        yield Attachment(filename=" ".join(str(filename).split())[:200], data=data)


# --- HTML to text ------------------------------------------------------------------------

_BLOCKS = {
    "p",
    "div",
    "br",
    "tr",
    "li",
    "ul",
    "ol",
    "table",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "section",
    "article",
    "header",
    "footer",
    "hr",
    "dd",
    "dt",
    "address",
}
_DROPPED = {"script", "style", "head", "title", "template", "noscript", "iframe", "object"}


class _TextOf(HTMLParser):
    """Only the text of an HTML document: blocks and <br> become line breaks, the content
    of script, style and the like is dropped; entities are unescaped by the parser."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.dropping = 0

    def handle_starttag(self, tag, attrs):
        if tag in _DROPPED:
            self.dropping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in _BLOCKS:
            self.parts.append("\n\n" if tag in ("p", "div", "table", "blockquote") else "\n")

    def handle_startendtag(self, tag, attrs):
        if tag == "br" or tag == "hr":
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _DROPPED:
            self.dropping = max(self.dropping - 1, 0)
        elif tag in _BLOCKS and tag != "br":
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_data(self, data):
        if not self.dropping:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(markup: str) -> str:
    """Plain text of an HTML mail, to be stored as text and shown autoescaped."""
    parser = _TextOf()
    try:
        parser.feed(markup)
        parser.close()
    except (AssertionError, ValueError):  # the parser gives up on some broken markup
        pass
    text = "".join(parser.parts)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(lines)
