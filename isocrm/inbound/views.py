"""Caixa de entrada: the mailbox's settings (supervisors) and the messages read from it,
those of Sem cadastro linked to an entity or discarded by an attendant."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload

from isocrm.entity_search import search_entities
from isocrm.extensions import db
from isocrm.fields import bounded_int
from isocrm.inbound import bp, service
from isocrm.inbound.forms import MailboxForm
from isocrm.models import Entity, InboundMessage, Mailbox
from isocrm.models.base import utcnow
from isocrm.models.inbound import INBOUND_STATUSES, INBOUND_UNMATCHED
from isocrm.permissions import ROLE_ATTENDANT, ROLE_SUPERVISOR, allow
from isocrm.security import current_company

NO_CHANNEL = _l("A Empresa não tem o Canal “E-mail” ativo: peça a um supervisor para incluí-lo.")
PAGE_SIZE = 50
SEARCH_SIZE = 10


def _mailbox() -> Mailbox | None:
    return db.session.scalar(sa.select(Mailbox).where(Mailbox.company_id == current_company().id))


def _settings_page(form: MailboxForm, mailbox: Mailbox | None, status: int = 200):
    return render_template("inbound/mailbox.html", form=form, mailbox=mailbox), status


@bp.route("/configuracoes/caixa-de-entrada", methods=["GET", "POST"])
@allow(ROLE_SUPERVISOR)
def mailbox_settings():
    """The Empresa's IMAP mailbox: server, login, folder, on or off; the last reading."""
    mailbox = _mailbox()
    if request.method == "GET":
        form = MailboxForm(formdata=None, obj=mailbox)
        form.port.data = str(mailbox.port) if mailbox else form.port.default
        form.password.data = ""
        return _settings_page(form, mailbox)
    form = MailboxForm()
    form.validate()
    if mailbox is None and not form.password.data:
        form.password.errors.append(_("Digite a senha da caixa de e-mail."))
    if form.errors:
        return _settings_page(form, mailbox, 422)
    if mailbox is None:
        mailbox = Mailbox(company_id=current_company().id)
        db.session.add(mailbox)
    changed_place = (mailbox.host, mailbox.username, mailbox.folder) != (
        form.host.data,
        form.username.data,
        form.folder.data,
    )
    mailbox.host, mailbox.port = form.host.data, int(form.port.data)
    mailbox.username, mailbox.folder = form.username.data, form.folder.data
    mailbox.enabled = form.enabled.data
    mailbox.password = form.password.data or mailbox.password
    mailbox.updated_by_id, mailbox.updated_at = current_user.id, utcnow()
    if changed_place:  # another mailbox: its UIDs are not this one's
        mailbox.uidvalidity, mailbox.last_uid, mailbox.last_error = None, 0, None
    db.session.commit()
    flash(_("Caixa de entrada salva."), "success")
    return redirect(url_for("inbound.mailbox_settings"), code=303)


@bp.get("/caixa-de-entrada")
@allow(ROLE_ATTENDANT)
def index():
    """The messages read from the mailbox, of one situação (Sem cadastro first)."""
    status = request.args.get("situacao", INBOUND_UNMATCHED)
    if status not in INBOUND_STATUSES:
        status = INBOUND_UNMATCHED
    page = bounded_int(request.args.get("pagina"), 1, 10_000) or 1
    rows = db.session.scalars(
        sa.select(InboundMessage)
        .where(InboundMessage.company_id == current_company().id, InboundMessage.status == status)
        .options(joinedload(InboundMessage.ticket), joinedload(InboundMessage.entity))
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    ).all()
    return render_template(
        "inbound/index.html",
        messages=rows[:PAGE_SIZE],
        has_next=len(rows) > PAGE_SIZE,
        page=page,
        status=status,
        statuses=INBOUND_STATUSES,
        mailbox=_mailbox(),
    )


def _message(message_id: int) -> InboundMessage:
    """A message of the current Empresa; another Empresa's is as missing (404)."""
    message = db.session.scalar(
        sa.select(InboundMessage)
        .where(InboundMessage.id == message_id, InboundMessage.company_id == current_company().id)
        .options(
            joinedload(InboundMessage.ticket),
            joinedload(InboundMessage.entity),
            joinedload(InboundMessage.quoted_ticket),
        )
    )
    if message is None:
        abort(404)
    return message


def _message_page(message: InboundMessage, status: int = 200, error: str | None = None):
    query = request.values.get("q", message.from_name or "").strip()[:100]
    found = None
    if message.status == INBOUND_UNMATCHED and query:
        found = search_entities(db.session, current_company().id, query, per_page=SEARCH_SIZE)
    page = render_template(
        "inbound/message.html", message=message, query=query, found=found, error=error
    )
    return page, status


@bp.get("/caixa-de-entrada/<int:message_id>")
@allow(ROLE_ATTENDANT)
def message(message_id: int):
    """One message; in Sem cadastro, the entity search to link it, or Descartar."""
    return _message_page(_message(message_id))


def _decided(message_id: int, action):
    """Run what an attendant decided about a message of Sem cadastro and commit it: (the
    ticket, None), or (None, the page saying why not) with nothing saved."""
    try:
        ticket = action()
    except service.DraftError as error:
        db.session.rollback()
        return None, _message_page(_message(message_id), 422, str(error))
    except service.NoEmailChannel:
        db.session.rollback()
        return None, _message_page(_message(message_id), 422, str(NO_CHANNEL))
    if ticket is None:
        db.session.rollback()
        flash(_("Esta mensagem já foi tratada por outra pessoa."), "warning")
        return None, redirect(url_for("inbound.message", message_id=message_id), code=303)
    db.session.commit()
    return ticket, None


@bp.post("/caixa-de-entrada/<int:message_id>/vincular")
@allow(ROLE_ATTENDANT)
def link(message_id: int):
    """Vincular to an entity of the Empresa: a draft with the message as its first detail."""
    message = _message(message_id)
    entity_id = bounded_int(request.form.get("entity_id"), 1)
    entity = entity_id and db.session.scalar(
        sa.select(Entity).where(
            Entity.id == entity_id, Entity.company_id == message.company_id, Entity.active
        )
    )
    if not entity:
        return _message_page(message, 422, _("Escolha uma entidade da lista."))
    ticket, refused = _decided(
        message_id, lambda: service.link(db.session, message, entity, current_user.id)
    )
    if refused is not None:
        return refused
    flash(
        _(
            "Rascunho do atendimento %(code)s aberto para %(name)s com a mensagem.",
            code=ticket.code_display,
            name=entity.name,
        ),
        "success",
    )
    return redirect(url_for("tickets.edit", code=ticket.code), code=303)


@bp.post("/caixa-de-entrada/<int:message_id>/incluir-no-atendimento")
@allow(ROLE_ATTENDANT)
def add_to_quoted(message_id: int):
    """An attendant decides that a message quoting a protocolo from a sender who is not the
    customer belongs to that ticket after all: it becomes one of its details."""
    message = _message(message_id)
    if message.quoted_ticket is None or message.quoted_ticket.company_id != message.company_id:
        abort(404)
    ticket, refused = _decided(
        message_id, lambda: service.add_to_quoted(db.session, message, current_user.id)
    )
    if refused is not None:
        return refused
    flash(_("Mensagem incluída no atendimento %(code)s.", code=ticket.code_display), "success")
    return redirect(url_for("tickets.edit", code=ticket.code), code=303)


@bp.post("/caixa-de-entrada/<int:message_id>/descartar")
@allow(ROLE_ATTENDANT)
def discard(message_id: int):
    """Descartar a message of Sem cadastro (spam, a wrong address): kept, marked discarded."""
    message = _message(message_id)
    if service.discard(db.session, message, current_user.id):
        db.session.commit()
        flash(_("Mensagem descartada."), "success")
    else:
        db.session.rollback()
        flash(_("Esta mensagem já foi tratada por outra pessoa."), "warning")
    return redirect(url_for("inbound.index"), code=303)
