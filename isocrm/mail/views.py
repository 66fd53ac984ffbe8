"""Enviar e-mail and the Caixa de saída."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from isocrm.extensions import db
from isocrm.htmx import render
from isocrm.loaders import get_ticket
from isocrm.mail import bp
from isocrm.mail.forms import ComposeForm
from isocrm.mail.service import AlreadySending, send_now, smtp_configured
from isocrm.models import Channel, Entity, OutboxMessage, Relation, Ticket, TicketDetail, utcnow
from isocrm.models.outbox import OUTBOX_SENT, OUTBOX_STATUSES
from isocrm.models.ticket import DIRECTION_ACTIVE
from isocrm.security import current_company, safe_next_url
from isocrm.tickets import queries

EMAIL_CHANNEL = "E-mail"  # the Canal every e-mail sent from the desk is recorded under
NO_CHANNEL_MESSAGE = (
    "A Empresa não tem o canal “E-mail” cadastrado: peça a um supervisor para criá-lo "
    "antes de enviar e-mails (o envio fica registrado no atendimento com esse canal)."
)
NOT_CONFIGURED_MESSAGE = "O envio de e-mail não está configurado neste servidor (ISOCRM_SMTP_HOST)"


@dataclass
class Recipient:
    econtact_id: int
    address: str
    label: str
    contact_entity_id: int | None  # a related person (the detail's Contato), or the entity


def _recipient_options():
    """The entity's e-contacts and those of its "Relacionado com" people, in 4 queries."""
    entity = joinedload(Ticket.entity)
    related = entity.selectinload(Entity.relations)
    return (
        entity.selectinload(Entity.econtacts),
        related.joinedload(Relation.related_entity).selectinload(Entity.econtacts),
        related.joinedload(Relation.relation_type),
    )


def _emails_first_principal(entity: Entity):
    emails = [e for e in entity.econtacts if e.kind == "email"]
    return sorted(emails, key=lambda e: (not e.is_principal, e.id))


def recipients_of(entity: Entity) -> list[Recipient]:
    """Whom the ticket's e-mail may go to: the entity (Principal first), then its relations."""
    recipients = [
        Recipient(e.id, e.value, f"{e.value} (Principal)" if e.is_principal else e.value, None)
        for e in _emails_first_principal(entity)
    ]
    for relation in entity.relations:
        person = relation.related_entity
        for e in _emails_first_principal(person):
            label = f"{e.value} — {person.name} ({relation.relation_type.name})"
            recipients.append(Recipient(e.id, e.value, label, person.id))
    return recipients


def _detail_number(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _prefill(form: ComposeForm, ticket: Ticket, detail: TicketDetail | None) -> None:
    company = current_company()
    form.subject.data = f"Atendimento {ticket.code_display} - {company.name}"
    lines = [f"Olá, {ticket.entity.name}.", ""]
    if detail is not None:
        lines += [f"Sobre o seu contato: {detail.description}", ""]
        if detail.answer:
            lines += [detail.answer, ""]
    lines += ["Atenciosamente,", current_user.name, company.name]
    form.body.data = "\n".join(lines)


def _email_channel() -> Channel | None:
    return db.session.scalar(
        sa.select(Channel).where(
            Channel.company_id == current_company().id, Channel.name == EMAIL_CHANNEL
        )
    )


@bp.route("/atendimentos/<int:code>/email", methods=["GET", "POST"])
def compose(code: int):
    """Enviar e-mail (seed §4): write to the entity or a related contact, send or queue it."""
    ticket = get_ticket(code, *_recipient_options())
    recipients = recipients_of(ticket.entity)
    by_id = {r.econtact_id: r for r in recipients}
    form = ComposeForm()
    other = "— outro endereço (digite abaixo) —" if recipients else "— nenhum e-mail cadastrado —"
    form.recipient_id.choices = [(r.econtact_id, r.label) for r in recipients] + [(None, other)]
    page = queries.detail_page(db.session, ticket, _detail_number(request.args.get("detalhe")))
    channel = _email_channel()

    def screen(status=200, error=None):
        return render(
            "mail/compose.html",
            status=status,
            ticket=ticket,
            entity=ticket.entity,
            form=form,
            page=page,
            error=error or (None if channel else NO_CHANNEL_MESSAGE),
            smtp_ready=smtp_configured(),
        )

    if request.method == "GET":
        form.recipient_id.data = recipients[0].econtact_id if recipients else None
        _prefill(form, ticket, page.detail)
        return screen()
    if not form.validate():
        return screen(422)
    if channel is None:
        return screen(422)

    chosen = None if form.typed_address else by_id[form.recipient_id.data]
    address = form.typed_address or chosen.address
    subject, body = form.subject.data, form.body.data
    now = utcnow()
    outbox = OutboxMessage(
        company_id=current_company().id,
        ticket_id=ticket.id,
        entity_id=ticket.entity_id,
        to_address=address,
        subject=subject,
        body=body,
        created_by_id=current_user.id,
        created_at=now,
    )
    detail = TicketDetail(
        ticket_id=ticket.id,
        channel_id=channel.id,
        direction=DIRECTION_ACTIVE,
        opened_at=now,
        description=f"E-mail enviado para {address}: {subject}\n\n{body}",
        attendant_id=current_user.id,
        contact_entity_id=chosen.contact_entity_id if chosen else None,
    )
    ticket.updated_by_id = current_user.id
    ticket.updated_at = now
    db.session.add_all([outbox, detail])
    # Message and detail are saved before talking to the server: a crash or a slow server
    # loses nothing, the message waits in the Caixa de saída.
    db.session.commit()
    _send_and_tell(outbox.id, address, on_ticket=True)
    return redirect(url_for("tickets.edit", code=code), code=303)


def _send_and_tell(outbox_id: int, address: str, on_ticket: bool) -> None:
    """Send now if SMTP is configured, and flash what happened in the attendant's words."""
    recorded = " O envio foi registrado no atendimento." if on_ticket else ""
    if not smtp_configured():
        flash(
            f"{NOT_CONFIGURED_MESSAGE}: a mensagem para {address} ficou pendente na "
            f"Caixa de saída.{recorded}",
            "warning",
        )
        return
    try:
        outbox = send_now(outbox_id)
    except AlreadySending:
        flash(
            "Esta mensagem já foi enviada ou está sendo enviada por outro pedido; "
            "recarregue a Caixa de saída em alguns instantes.",
            "warning",
        )
        return
    if outbox.status == OUTBOX_SENT:
        flash(f"E-mail enviado para {address}.{recorded}", "success")
    else:
        flash(
            f"Não foi possível enviar o e-mail para {address} ({outbox.last_error}). "
            f"A mensagem ficou na Caixa de saída: use “Tentar de novo”.{recorded}",
            "error",
        )


@bp.get("/caixa-de-saida")
def outbox():
    """Caixa de saída: the Empresa's e-mails, newest first, with their situação."""
    status = request.args.get("situacao")
    status = status if status in OUTBOX_STATUSES else None
    stmt = (
        sa.select(OutboxMessage)
        .where(OutboxMessage.company_id == current_company().id)
        .options(
            joinedload(OutboxMessage.ticket),
            joinedload(OutboxMessage.entity),
            joinedload(OutboxMessage.created_by),
        )
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    )
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    messages = db.paginate(
        stmt,
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["OUTBOX_PAGE_SIZE"],
        error_out=False,
    )
    return render(
        "mail/outbox.html",
        block="messages",
        messages=messages,
        situacao=status,
        smtp_ready=smtp_configured(),
    )


@bp.post("/caixa-de-saida/<int:message_id>/reenviar")
def retry(message_id: int):
    """Tentar de novo: send a pending or failed message through SMTP now."""
    message = db.session.scalar(
        sa.select(OutboxMessage).where(
            OutboxMessage.id == message_id,
            OutboxMessage.company_id == current_company().id,
        )
    )
    if message is None:
        abort(404)
    back = safe_next_url(request.form.get("next")) or url_for("mail.outbox")
    if message.status == OUTBOX_SENT:
        flash(f"Esta mensagem já foi enviada para {message.to_address}.", "info")
    else:
        _send_and_tell(message.id, message.to_address, on_ticket=False)
    return redirect(back, code=303)
