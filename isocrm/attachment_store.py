"""Where attachments' bytes are kept, and which bytes are accepted at all.

Shared by every feature that takes files in (the ticket screen's upload, inbound e-mail) or
sends them out (the outbox). A file is accepted by what its bytes are (`sniff`), never by its
name or the Content-Type the browser or the mail client claimed: raster images, PDF, office
documents (OOXML, ODF, legacy OLE2 Word/Excel) and plain text. Never SVG, HTML, scripts or
executables, and no office document with macros.

Storage is content-addressed per Empresa (`<company>/<sha256[:2]>/<sha256>`): the same file
uploaded twice is kept once. By default under the instance folder (`attachments/`, or the
folder ATTACHMENTS_FOLDER names); when ATTACHMENTS_S3_BUCKET is set, in that bucket of an
S3-compatible store (ATTACHMENTS_S3_ENDPOINT_URL, _REGION, _ACCESS_KEY_ID,
_SECRET_ACCESS_KEY, _PREFIX; needs boto3: `pip install isocrm-sac[s3]`).

The bytes are written before the row is committed: a transaction rolled back leaves a file
no row names (harmless, and a later upload of the same bytes reuses it), never a row
without its file.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import struct
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path, PurePath

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from isocrm.extensions import db
from isocrm.fields import strip_control_characters
from isocrm.models import Attachment, Ticket, TicketDetail

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
FILENAME_MAX = 200

JPEG, PNG, GIF, WEBP, PDF = "image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
DOC, XLS = "application/msword", "application/vnd.ms-excel"
TEXT, CSV = "text/plain", "text/csv"

# The extensions a kept file's name may end with, by type; the first is added to a name
# that ends otherwise ("nota.exe" that is a JPEG is kept as "nota.exe.jpg").
EXTENSIONS = {
    JPEG: (".jpg", ".jpeg", ".jpe"),
    PNG: (".png",),
    GIF: (".gif",),
    WEBP: (".webp",),
    PDF: (".pdf",),
    DOCX: (".docx",),
    XLSX: (".xlsx",),
    PPTX: (".pptx",),
    ODT: (".odt",),
    ODS: (".ods",),
    DOC: (".doc",),
    XLS: (".xls",),
    TEXT: (".txt", ".log"),
    CSV: (".csv",),
}

# What each type is called on the screens (the list's icon label, the refusal message).
KIND_LABELS = {
    JPEG: "JPEG",
    PNG: "PNG",
    GIF: "GIF",
    WEBP: "WebP",
    PDF: "PDF",
    DOCX: "Word",
    DOC: "Word",
    XLSX: "Excel",
    XLS: "Excel",
    PPTX: "PowerPoint",
    ODT: "ODT",
    ODS: "ODS",
    TEXT: "TXT",
    CSV: "CSV",
}


class AttachmentUnavailable(OSError):
    """The stored bytes could not be read (a file gone, the S3 store unreachable)."""


class AttachmentRefused(ValueError):
    """The file is not kept; `message` says why, in the user's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- What the bytes are ----------------------------------------------------------------

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODF_TYPES = {ODT, ODS}
# Parts of an OOXML package that say which kind it is.
OOXML_MAIN_PARTS = (
    ("word/document.xml", DOCX),
    ("xl/workbook.xml", XLSX),
    ("ppt/presentation.xml", PPTX),
)
MARKUP = re.compile(rb"<\s*(!doctype|html|head|body|script|svg|\?xml|iframe|object|embed)", re.I)


def sniff(data: bytes) -> str | None:
    """The MIME type of an accepted file, read from its bytes; None: not accepted."""
    if not data:
        return None
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    if data.startswith(OLE2_MAGIC):
        return _sniff_ole2(data)
    return _sniff_text(data)


def _sniff_zip(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
            if "mimetype" in names:
                declared = package.read("mimetype").decode("ascii", "replace").strip()
                if declared in ODF_TYPES and not any(n.lower().startswith("basic/") for n in names):
                    return declared
                return None
            if "[Content_Types].xml" not in names:
                return None
            content_types = package.read("[Content_Types].xml")
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError):
        return None
    if b"macroEnabled" in content_types or any(n.endswith("vbaProject.bin") for n in names):
        return None  # .docm, .xlsm, .pptm: macros run on open
    for part, kind in OOXML_MAIN_PARTS:
        if part in names:
            return kind
    return None


def _ole2_has_stream(data: bytes, name: str) -> bool:
    """A directory entry of that name: 128-byte entries, UTF-16LE name, its length in bytes
    (with the final NUL) at offset 64. Entries sit on 128-byte boundaries of the file."""
    encoded = name.encode("utf-16-le")
    start = data.find(encoded)
    while start != -1:
        if start % 128 == 0 and start + 66 <= len(data):
            (length,) = struct.unpack_from("<H", data, start + 64)
            if length == len(encoded) + 2:
                return True
        start = data.find(encoded, start + 1)
    return False


def _sniff_ole2(data: bytes) -> str | None:
    if any(_ole2_has_stream(data, name) for name in ("Macros", "_VBA_PROJECT_CUR", "VBA")):
        return None
    if _ole2_has_stream(data, "WordDocument"):
        return DOC
    if _ole2_has_stream(data, "Workbook") or _ole2_has_stream(data, "Book"):
        return XLS
    return None  # PowerPoint 97, MSI installers, Outlook .msg…: not accepted


def _sniff_text(data: bytes) -> str | None:
    """UTF-8 (or Latin-1) text without NULs, that is not markup nor a script with a #!."""
    head = data[:8192]
    if b"\x00" in head:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            return None
    if any(unicodedata.category(c) == "Cc" and c not in "\t\n\r\f" for c in text[:8192]):
        return None
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"#!") or MARKUP.search(head):
        return None
    return TEXT


# --- Names ------------------------------------------------------------------------------

FORBIDDEN_IN_NAME = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')


def clean_filename(filename: str, content_type: str) -> str:
    """The name to show and download with: no folders, no control or reserved characters,
    not too long, and ending with an extension of the sniffed type."""
    name = unicodedata.normalize("NFC", strip_control_characters(filename or ""))
    name = PurePath(name.replace("\\", "/")).name
    name = FORBIDDEN_IN_NAME.sub("_", name).strip(" .")
    extensions = EXTENSIONS[content_type]
    if not name.lower().endswith(extensions):
        name = f"{name or 'arquivo'}{extensions[0]}"
    if len(name) > FILENAME_MAX:
        suffix = Path(name).suffix
        name = name[: FILENAME_MAX - len(suffix)].rstrip(" .") + suffix
    return name


def content_type_for(data: bytes, filename: str) -> str | None:
    kind = sniff(data)
    if kind == TEXT and (filename or "").lower().endswith(".csv"):
        return CSV
    return kind


# --- Keeping and reading ----------------------------------------------------------------


def max_bytes() -> int:
    return int(current_app.config.get("ATTACHMENT_MAX_BYTES") or DEFAULT_MAX_BYTES)


def store_attachment(
    detail: TicketDetail, filename: str, data: bytes, *, user_id: int | None
) -> Attachment:
    """Check the file, keep its bytes and add its row to the session (not committed).
    Raises AttachmentRefused (empty, too big, a type not accepted), AttachmentUnavailable
    (an OSError) when the store cannot keep it."""
    shown = strip_control_characters(PurePath((filename or "").replace("\\", "/")).name)
    if not data:
        raise AttachmentRefused(_("O arquivo %(name)s está vazio.", name=shown))
    limit = max_bytes()
    if len(data) > limit:
        raise AttachmentRefused(
            _(
                "O arquivo %(name)s passa do tamanho aceito (%(max)s).",
                name=shown,
                max=human_size(limit),
            )
        )
    kind = content_type_for(data, filename)
    if kind is None:
        raise AttachmentRefused(
            _(
                "O arquivo %(name)s não é de um tipo aceito (imagens JPEG, PNG, GIF ou WebP,"
                " PDF, documentos do Word, Excel, PowerPoint ou LibreOffice, texto).",
                name=shown,
            )
        )
    digest = hashlib.sha256(data).hexdigest()
    ticket = detail.ticket
    key = f"{ticket.company_id}/{digest[:2]}/{digest}"
    _backend().put(key, data)
    attachment = Attachment(
        company_id=ticket.company_id,
        ticket=ticket,
        detail=detail,
        filename=clean_filename(filename, kind),
        content_type=kind,
        size=len(data),
        sha256=digest,
        storage_key=key,
        uploaded_by_id=user_id,
    )
    db.session.add(attachment)
    return attachment


def read_attachment(attachment: Attachment | StoredFile) -> bytes:
    """The file's bytes; AttachmentUnavailable when the store cannot give them."""
    return _backend().get(attachment.storage_key)


# --- Attachments an e-mail carries --------------------------------------------------------

DEFAULT_MAIL_MAX_BYTES = 20 * 1024 * 1024  # most mail servers refuse messages past 25 MB


def attachments_of_ticket(ticket: Ticket, *, for_customer: bool = False) -> list[Attachment]:
    """Every attachment of the ticket, detail by detail, in one query; `for_customer` leaves
    out those of a detail marked Interno (the team's own: never sent to the customer)."""
    query = (
        sa.select(Attachment)
        .where(Attachment.ticket_id == ticket.id, Attachment.company_id == ticket.company_id)
        .order_by(Attachment.detail_id, Attachment.id)
    )
    if for_customer:
        query = query.join(TicketDetail, TicketDetail.id == Attachment.detail_id).where(
            TicketDetail.internal.is_(False)
        )
    return list(db.session.scalars(query))


def chosen_for_email(available: list[Attachment], raw_ids: list[str]) -> list[Attachment]:
    """The attachments a composer's checkboxes chose, each one of `available` (the ticket's),
    together small enough for one e-mail; AttachmentRefused otherwise."""
    by_id = {a.id: a for a in available}
    wanted = set()
    for raw in raw_ids:
        if not raw.isdigit() or int(raw) not in by_id:
            raise AttachmentRefused(
                _("Um dos anexos escolhidos não é deste atendimento: recarregue e escolha de novo.")
            )
        wanted.add(int(raw))
    chosen = [a for a in available if a.id in wanted]
    limit = int(current_app.config.get("MAIL_ATTACHMENTS_MAX_BYTES") or DEFAULT_MAIL_MAX_BYTES)
    total = sum(a.size for a in chosen)
    if total > limit:
        raise AttachmentRefused(
            _(
                "Os anexos escolhidos somam %(total)s e um e-mail leva até %(max)s:"
                " desmarque algum.",
                total=human_size(total),
                max=human_size(limit),
            )
        )
    return chosen


@dataclass(frozen=True)
class StoredFile:
    """What reading and attaching a file needs, kept past the session's commit."""

    storage_key: str
    content_type: str
    filename: str


def stored_files(attachments: list[Attachment]) -> list[StoredFile]:
    return [StoredFile(a.storage_key, a.content_type, a.filename) for a in attachments]


def attach_to_email(message: EmailMessage, files: list[StoredFile]) -> None:
    """Add the files to the message as MIME attachments, under their kept names."""
    for attachment in files:
        maintype, _slash, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            read_attachment(attachment),
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
        )


def human_size(size: int) -> str:
    """1 234 567 -> '1,2 MB' (the desk's decimal comma)."""
    from flask_babel import format_decimal

    if size < 1024:
        return _("%(n)s bytes", n=size)
    if size < 1024 * 1024:
        return _("%(n)s kB", n=format_decimal(round(size / 1024, 1)))
    return _("%(n)s MB", n=format_decimal(round(size / 1024 / 1024, 1)))


class _LocalFolder:
    def __init__(self, folder: Path):
        self.folder = folder

    def put(self, key: str, data: bytes) -> None:
        path = self.folder / key
        if path.exists() and path.stat().st_size == len(data):
            return  # the same bytes, already kept (the key is their hash)
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        except OSError as error:
            raise AttachmentUnavailable(f"{key}: {error}") from error
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException as error:
            Path(temporary).unlink(missing_ok=True)
            if isinstance(error, OSError):
                raise AttachmentUnavailable(f"{key}: {error}") from error
            raise

    def get(self, key: str) -> bytes:
        try:
            return (self.folder / key).read_bytes()
        except OSError as error:
            raise AttachmentUnavailable(f"{key}: {error}") from error


class _S3Bucket:
    def __init__(self, config):
        import boto3  # optional: only when ATTACHMENTS_S3_BUCKET is set

        self.bucket = config["ATTACHMENTS_S3_BUCKET"]
        self.prefix = config.get("ATTACHMENTS_S3_PREFIX") or "attachments/"
        self.client = boto3.client(
            "s3",
            endpoint_url=config.get("ATTACHMENTS_S3_ENDPOINT_URL") or None,
            region_name=config.get("ATTACHMENTS_S3_REGION") or None,
            aws_access_key_id=config.get("ATTACHMENTS_S3_ACCESS_KEY_ID") or None,
            aws_secret_access_key=config.get("ATTACHMENTS_S3_SECRET_ACCESS_KEY") or None,
        )

    def put(self, key: str, data: bytes) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self.prefix + key,
                Body=data,
                ContentType="application/octet-stream",
            )
        except (BotoCoreError, ClientError) as error:
            raise AttachmentUnavailable(f"{key}: {error}") from error

    def get(self, key: str) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)
            return answer["Body"].read()
        except (BotoCoreError, ClientError) as error:
            raise AttachmentUnavailable(f"{key}: {error}") from error


def _backend():
    app = current_app._get_current_object()
    store = app.extensions.get("isocrm_attachment_store")
    if store is None:
        config = app.config
        if config.get("ATTACHMENTS_S3_BUCKET"):
            store = _S3Bucket(config)
        else:
            folder = config.get("ATTACHMENTS_FOLDER") or Path(app.instance_path) / "attachments"
            store = _LocalFolder(Path(folder))
        app.extensions["isocrm_attachment_store"] = store
    return store
