"""Anexar arquivos to a saved detail (a plain form post, or htmx swapping the detail's list),
download them, and show the images among them as thumbnails.

A batch is all or nothing: one file refused (empty, too big, a type not accepted) refuses
the whole batch, with a message naming that file, and nothing of it is kept."""

import io

from flask import abort, flash, get_flashed_messages, redirect, request, url_for
from flask import send_file as _send_file
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from isocrm import attachment_store
from isocrm.attachment_store import AttachmentRefused, human_size, read_attachment, sniff
from isocrm.attachments import bp
from isocrm.extensions import db
from isocrm.htmx import is_partial_request, render
from isocrm.loaders import get_attachment, get_ticket, get_ticket_detail
from isocrm.models import Ticket, TicketDetail
from isocrm.models.attachment import INLINE_IMAGE_TYPES
from isocrm.permissions import ROLE_ATTENDANT, allow
from isocrm.tickets import service

MAX_FILES = 5  # per upload
REFUSED = "attachment-refused"  # the flash category shown next to the file field
# A downloaded or inline file runs nothing and loads nothing, whatever it turns out to be.
FILE_POLICY = "default-src 'none'; sandbox"


def max_request_bytes() -> int:
    return attachment_store.max_bytes() * MAX_FILES + 256 * 1024


@bp.url_value_preprocessor
def _allow_big_upload(endpoint: str | None, _values: dict | None) -> None:
    # The CSRF check (a before_request) reads the body: the limit is raised before it.
    if endpoint == "attachments.upload":
        request.max_content_length = max_request_bytes()


@bp.post("/atendimentos/<int:code>/detalhes/<int:detail_id>/anexos")
@allow(ROLE_ATTENDANT)
def upload(code: int, detail_id: int):
    """Anexar: the chosen (or dropped) files, all kept or none."""
    ticket, detail = _editable_detail(code, detail_id)
    files = [f for f in request.files.getlist("files") if f.filename]
    if not files:
        return _answer(ticket, detail, error=_("Escolha um ou mais arquivos para anexar."))
    if len(files) > MAX_FILES:
        message = _("Anexe no máximo %(count)s arquivos por vez.", count=MAX_FILES)
        return _answer(ticket, detail, error=message)
    try:
        for upload in files:
            data = upload.stream.read(attachment_store.max_bytes() + 1)
            attachment_store.store_attachment(
                detail, upload.filename, data, user_id=current_user.id
            )
    except AttachmentRefused as refused:
        db.session.rollback()
        message = _("Nenhum arquivo foi anexado. %(why)s", why=refused.message)
        return _answer(ticket, detail, error=message)
    db.session.commit()
    message = ngettext("%(num)s arquivo anexado.", "%(num)s arquivos anexados.", len(files))
    return _answer(ticket, detail, message=message)


def _editable_detail(code: int, detail_id: int) -> tuple[Ticket, TicketDetail]:
    ticket = get_ticket(code)
    detail = get_ticket_detail(ticket, detail_id)
    if ticket.is_discarded:
        abort(409, _("Este rascunho foi descartado: não recebe mais anexos."))
    return ticket, detail


def _answer(ticket: Ticket, detail: TicketDetail, *, message=None, error=None):
    """htmx: the detail's attachments again, with the message; otherwise back to the screen
    on that detail, the message by the file field."""
    if is_partial_request():
        db.session.expire(detail, ["attachments"])
        return render(
            "attachments/_detail.html",
            "attachments",
            status=422 if error else 200,
            ticket=ticket,
            detail=detail,
            attachment_message=message,
            attachment_error=error,
        )
    flash(error or message, REFUSED if error else "success")
    number = service.position_of(db.session, ticket, detail)
    return redirect(url_for("tickets.edit", code=ticket.code, detalhe=number), code=303)


@bp.errorhandler(RequestEntityTooLarge)
def _upload_too_big(error: RequestEntityTooLarge):
    # Refused while the body was read by the CSRF check, before the login check and the
    # view: nothing is read here, the message waits for the screen (back_to_detail) by the
    # file field. htmx gets there too; attachments.js refuses such files before sending.
    if request.endpoint != "attachments.upload":
        return error
    message = _(
        "Envio grande demais: cada arquivo pode ter até %(each)s, e cada envio até %(count)s"
        " arquivos.",
        each=human_size(attachment_store.max_bytes()),
        count=MAX_FILES,
    )
    flash(message, REFUSED)
    url = url_for("attachments.back_to_detail", **request.view_args)
    if is_partial_request():
        return "", 413, {"HX-Redirect": url}
    return redirect(url, code=303)


@bp.get("/atendimentos/<int:code>/detalhes/<int:detail_id>/anexos")
@allow(ROLE_ATTENDANT)
def back_to_detail(code: int, detail_id: int):
    """The ticket screen on this detail (where an upload refused before its view goes)."""
    ticket = get_ticket(code)
    detail = get_ticket_detail(ticket, detail_id)
    number = service.position_of(db.session, ticket, detail)
    return redirect(url_for("tickets.edit", code=ticket.code, detalhe=number), code=303)


@bp.get("/anexos/<int:attachment_id>")
@allow(ROLE_ATTENDANT)
def download(attachment_id: int):
    """The file, always as a download (never opened by the browser in the app's origin)."""
    attachment = get_attachment(attachment_id)
    return _send(attachment, read_attachment(attachment), attachment.content_type, True)


@bp.get("/anexos/<int:attachment_id>/miniatura")
@allow(ROLE_ATTENDANT)
def thumbnail(attachment_id: int):
    """A raster image shown inline (the list's thumbnail); anything else is not served here."""
    attachment = get_attachment(attachment_id)
    if attachment.content_type not in INLINE_IMAGE_TYPES:
        abort(404)
    data = read_attachment(attachment)
    kind = sniff(data)
    if kind not in INLINE_IMAGE_TYPES:
        abort(404)
    return _send(attachment, data, kind, False)


def _send(attachment, data: bytes, content_type: str, as_attachment: bool):
    response = _send_file(
        io.BytesIO(data),
        mimetype=content_type,
        as_attachment=as_attachment,
        download_name=attachment.filename,
        max_age=0,
    )
    if not as_attachment:
        # send_file writes no disposition for inline files: name it all the same.
        response.headers.set("Content-Disposition", "inline", filename=attachment.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = FILE_POLICY
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_template_filter("filesize")
def _filesize(size: int) -> str:
    return human_size(size)


@bp.app_template_global("attachment_kind")
def _kind(content_type: str) -> str:
    return attachment_store.KIND_LABELS.get(content_type, content_type)


@bp.app_template_global("attachment_limits")
def _limits() -> dict:
    """What the file field accepts (its accept attribute and its hint)."""
    extensions = [e for names in attachment_store.EXTENSIONS.values() for e in names]
    return {
        "accept": ",".join(extensions),
        "max_bytes": attachment_store.max_bytes(),
        "each": human_size(attachment_store.max_bytes()),
        "count": MAX_FILES,
        "refused": get_flashed_messages(category_filter=[REFUSED]),
    }
