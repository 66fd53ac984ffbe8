"""Enviar histórico: the customer's demands with their answers, e-mailed or printed."""

from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from isocrm.customer_history import bp, service
from isocrm.customer_history.forms import EmailForm, PrintForm
from isocrm.extensions import db
from isocrm.htmx import render
from isocrm.loaders import get_entity
from isocrm.localtime import local_today, local_zone
from isocrm.mail.service import (
    AlreadySending,
    error_for_people,
    new_send_key,
    send_now,
    smtp_configured,
    valid_send_key,
)
from isocrm.models import Entity, HistoryDelivery
from isocrm.models.base import utcnow
from isocrm.models.history_delivery import METHOD_PRINT
from isocrm.models.outbox import OUTBOX_SENT
from isocrm.permissions import ROLE_ATTENDANT, allow
from isocrm.reports import pdf
from isocrm.reports.pdf import PDF_BUSY_MESSAGE, PDF_UNAVAILABLE_MESSAGE
from isocrm.security import current_company


def _zone() -> ZoneInfo:
    return local_zone()


def _entity() -> Entity:
    return get_entity(request.view_args["entity_id"], selectinload(Entity.econtacts))


def _emails(entity: Entity):
    """The entity's e-mail addresses, Principal first."""
    emails = [e for e in entity.econtacts if e.kind == "email"]
    return sorted(emails, key=lambda e: (not e.is_principal, e.id))


def _email_form(entity: Entity, formdata=None) -> EmailForm:
    form = EmailForm(formdata=formdata)
    emails = _emails(entity)
    form.recipient_id.choices = [
        (e.id, _("%(email)s (Principal)", email=e.value) if e.is_principal else e.value)
        for e in emails
    ]
    if formdata is None:
        form.recipient_id.data = emails[0].id if emails else None
        form.requested_on.data = local_today()
        form.send_key.data = new_send_key()
    return form


def _page(entity: Entity, email_form: EmailForm, print_form: PrintForm, status=200):
    company = current_company()
    tickets = service.customer_tickets(db.session, company.id, entity.id)
    deliveries = service.deliveries(db.session, company.id, entity.id)
    zone = _zone()
    return render(
        "customer_history/page.html",
        status=status,
        entity=entity,
        tickets=tickets,
        deliveries=[(d, service.deadline(d, zone)) for d in deliveries],
        email_form=email_form,
        print_form=print_form,
        has_emails=bool(email_form.recipient_id.choices),
        deadline_days=service.DEADLINE_DAYS,
        smtp_ready=smtp_configured(),
    )


@bp.get("/entidades/<int:entity_id>/historico-cliente")
@allow(ROLE_ATTENDANT)
def page(entity_id: int):
    """Enviar histórico: every confirmed demand of the customer with its answers, the two
    ways to hand it over, and the deliveries made."""
    entity = _entity()
    print_form = PrintForm(formdata=None, requested_on=local_today())
    return _page(entity, _email_form(entity), print_form)


@bp.post("/entidades/<int:entity_id>/historico-cliente/email")
@allow(ROLE_ATTENDANT)
def send_email(entity_id: int):
    """Queue the history in the Caixa de saída for one of the entity's e-mails, record the
    delivery, and send it now when SMTP is configured."""
    entity = _entity()
    form = _email_form(entity, request.form)
    print_form = PrintForm(formdata=None, requested_on=local_today())
    if not form.validate() or not valid_send_key(form.send_key.data):
        if not valid_send_key(form.send_key.data):
            form.send_key.data = new_send_key()
        return _page(entity, form, print_form, status=422)
    company = current_company()
    address = next(e.value for e in entity.econtacts if e.id == form.recipient_id.data)
    tickets = service.customer_tickets(db.session, company.id, entity.id)
    outbox, created = service.queue_email(
        db.session,
        company=company,
        entity=entity,
        user=current_user,
        address=address,
        body=service.email_body(company, entity, tickets, _zone()),
        send_key=form.send_key.data,
        ticket_count=len(tickets),
        requested_on=form.requested_on.data,
    )
    if not created:
        flash(
            _(
                "Este histórico já tinha sido registrado para %(address)s; nada foi "
                "enviado de novo.",
                address=outbox.to_address,
            ),
            "info",
        )
    else:
        _send_and_tell(outbox.id, address)
    return redirect(url_for("customer_history.page", entity_id=entity.id), code=303)


def _send_and_tell(outbox_id: int, address: str) -> None:
    """Send the queued history now when SMTP is configured, and say what became of it."""
    if not smtp_configured():
        flash(
            _(
                "O envio de e-mail não está configurado neste servidor: o histórico para "
                "%(address)s ficou pendente na Caixa de saída (envio registrado).",
                address=address,
            ),
            "warning",
        )
        return
    try:
        outbox = send_now(outbox_id)
    except AlreadySending:
        flash(_("Este e-mail já está sendo enviado; veja a Caixa de saída."), "warning")
        return
    if outbox.status == OUTBOX_SENT:
        flash(_("Histórico enviado por e-mail para %(address)s.", address=address), "success")
    else:
        flash(
            _(
                "Não foi possível enviar o histórico para %(address)s: %(error)s. Ele ficou "
                "na Caixa de saída: use “Tentar de novo”.",
                address=address,
                error=error_for_people(outbox.last_error),
            ),
            "error",
        )


@bp.post("/entidades/<int:entity_id>/historico-cliente/imprimir")
@allow(ROLE_ATTENDANT)
def print_history(entity_id: int):
    """Record that the history is handed over printed, then open the printable page."""
    entity = _entity()
    form = PrintForm()
    if not form.validate():
        return _page(entity, _email_form(entity), form, status=422)
    company = current_company()
    tickets = service.customer_tickets(db.session, company.id, entity.id)
    delivery = service.record(
        db.session,
        company=company,
        entity=entity,
        user=current_user,
        method=METHOD_PRINT,
        ticket_count=len(tickets),
        requested_on=form.requested_on.data,
    )
    db.session.commit()
    return redirect(
        url_for("customer_history.printable", entity_id=entity.id, entrega=delivery.id),
        code=303,
    )


def _print_delivery(entity: Entity) -> HistoryDelivery:
    """The printed delivery named by ?entrega= (made by Imprimir), of this entity and
    Empresa: the sheet is only shown for a recorded print, else 404."""
    delivery_id = request.args.get("entrega", type=int)
    delivery = None
    if delivery_id is not None:
        delivery = db.session.scalar(
            sa.select(HistoryDelivery).where(
                HistoryDelivery.id == delivery_id,
                HistoryDelivery.company_id == current_company().id,
                HistoryDelivery.entity_id == entity.id,
                HistoryDelivery.method == METHOD_PRINT,
            )
        )
    if delivery is None:
        abort(404)
    return delivery


def _sheet(entity_id: int, for_pdf: bool) -> tuple[Entity, HistoryDelivery, str]:
    entity = get_entity(entity_id)
    delivery = _print_delivery(entity)
    company = current_company()
    # The screen-only toolbar speaks the user's language; the sheet is the customer's,
    # handed over printed: in Portuguese, as the e-mail is.
    toolbar = {
        "label": _("Ações do histórico"),
        "back": _("‹ Voltar"),
        "print": _("Imprimir"),
        "pdf": _("Baixar PDF"),
    }
    with force_locale("pt_BR"):
        html = render_template(
            "customer_history/print.html",
            company=company,
            entity=entity,
            delivery=delivery,
            tickets=service.customer_tickets(db.session, company.id, entity.id),
            printed_at=utcnow(),
            printed_by=current_user.name,
            for_pdf=for_pdf,
            toolbar=toolbar,
        )
    return entity, delivery, html


@bp.get("/entidades/<int:entity_id>/historico-cliente/impressao")
@allow(ROLE_ATTENDANT)
def printable(entity_id: int):
    """The history on its own page, laid out for A4 (the browser prints it); only for a
    print recorded by Imprimir (?entrega=ID)."""
    return _sheet(entity_id, for_pdf=False)[2]


@bp.get("/entidades/<int:entity_id>/historico-cliente/impressao.pdf")
@allow(ROLE_ATTENDANT)
def printable_pdf(entity_id: int):
    """The same sheet as a PDF, printed on the server by WeasyPrint (reports/pdf.py)."""
    entity, delivery, html = _sheet(entity_id, for_pdf=True)
    static = Path(current_app.static_folder, "css")
    css = "\n".join(
        (static / name).read_text(encoding="utf-8")
        for name in ("print.css", "customer_history.css")
    )
    try:
        with pdf.render_slot(current_app._get_current_object()):
            document = pdf.html_to_pdf(html, css, current_app.static_folder)
    except (pdf.PdfBusy, pdf.PdfUnavailable) as error:
        current_app.logger.warning("History PDF not printed: %s", error)
        busy = isinstance(error, pdf.PdfBusy)
        page = render_template(
            "reports/pdf_unavailable.html",
            message=_(PDF_BUSY_MESSAGE if busy else PDF_UNAVAILABLE_MESSAGE),
            report_url=url_for(
                "customer_history.printable", entity_id=entity.id, entrega=delivery.id
            ),
            **({"title": _("Servidor ocupado")} if busy else {}),
        )
        return page, 503, ({"Retry-After": "5"} if busy else {})
    headers = {
        "Content-Type": "application/pdf",
        "Content-Disposition": f'inline; filename="historico-{entity.id}.pdf"',
    }
    return document, 200, headers
