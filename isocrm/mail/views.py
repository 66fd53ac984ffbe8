"""Enviar e-mail and the Caixa de saída."""

import sqlalchemy as sa
from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload

from isocrm.extensions import db
from isocrm.fields import page_number
from isocrm.htmx import render
from isocrm.loaders import get_outbox_message, get_ticket
from isocrm.mail import bp, composer, service
from isocrm.mail.forms import ComposeForm
from isocrm.mail.service import AlreadySending, send_now, smtp_configured
from isocrm.models import Company, OutboxMessage
from isocrm.models.outbox import OUTBOX_FAILED, OUTBOX_SENT, OUTBOX_STATUSES
from isocrm.models.ticket import STAGE_CONFIRMED
from isocrm.permissions import ROLE_ATTENDANT, ROLE_SUPERVISOR, allow, require_role
from isocrm.security import current_company, safe_next_url, use_company, user_company

RETRY_OTHERS_MESSAGE = _l(
    "Este e-mail foi escrito por outro atendente: só um supervisor pode tentar enviá-lo de novo."
)


def _refused(form: ComposeForm, code: int, message: str, origin: Company | None = None):
    """Nothing is sent; the typed text comes back, and (when the user belongs to the
    Empresa the e-mail was written in) a button to go back to it and review the e-mail."""
    return render(
        "mail/compose_refused.html",
        status=409,
        form=form,
        code=code,
        message=message,
        origin=origin,
        recipient_raw=(form.recipient_id.raw_data or [""])[0],
    )


def _other_company_message(form: ComposeForm, code: int, origin: Company | None) -> str:
    company = current_company()
    if form.company_id.data is None:
        return _(
            "Nada foi enviado: este formulário não diz em qual Empresa o e-mail foi escrito "
            "(formulário antigo ou incompleto). O texto foi mantido abaixo: abra o "
            "atendimento de novo e cole-o no Enviar e-mail."
        )
    if origin is None:
        return _(
            "Nada foi enviado: este e-mail foi escrito em outra Empresa, não em "
            "%(company)s, a escolhida agora. O texto foi mantido abaixo; copie-o se precisar.",
            company=company.name,
        )
    return _(
        "Nada foi enviado: este e-mail foi escrito no Atendimento %(code)s de "
        "%(origin)s, mas a Empresa escolhida agora (talvez em outra aba) é %(company)s. "
        "O texto foi mantido abaixo: use “Voltar para %(origin)s” para revisá-lo e "
        "enviá-lo no atendimento certo.",
        code=f"{code:06d}",
        origin=origin.name,
        company=company.name,
    )


@bp.route("/atendimentos/<int:code>/email", methods=["GET", "POST"])
@allow(ROLE_ATTENDANT)
def compose(code: int):
    """Enviar e-mail (seed §4): write to the entity or a related contact, send or queue it.

    The composer carries the Empresa, the ticket and a send key: a submit for another
    Empresa or ticket than the one shown is refused with the text kept, and a second submit
    of the same composer shows what happened to the first instead of sending again."""
    form = ComposeForm()
    notice = None
    if request.method == "POST" and form.company_id.data != current_company().id:
        origin = user_company(form.company_id.data)
        if origin is None or not request.form.get("reabrir"):
            return _refused(form, code, _other_company_message(form, code, origin), origin)
        # The attendant asked to go back to the Empresa the e-mail was written in.
        use_company(origin)
        notice = _(
            "Empresa trocada para %(company)s. Confira o e-mail e clique em Enviar: "
            "nada foi enviado ainda.",
            company=origin.name,
        )

    ticket = get_ticket(code, *composer.recipient_options())
    if ticket.stage != STAGE_CONFIRMED:
        flash(_("Confirme o atendimento antes de enviar e-mail sobre ele."), "error")
        return redirect(url_for("tickets.edit", code=ticket.code), code=303)
    screen = composer.Composer.of(ticket, form, notice)
    if request.method == "GET":
        screen.fill_new()
        return screen.render()
    return _submit(screen)


def _submit(screen: composer.Composer):
    """Enviar: refuse a composer of another ticket, show the first result of a composer
    sent already, or record the e-mail (on the ticket) and send it."""
    form, ticket = screen.form, screen.ticket
    if form.ticket_id.data != ticket.id:
        message = _(
            "Nada foi enviado: este e-mail foi escrito para outro atendimento, não para o "
            "Atendimento %(code)s. O texto foi mantido abaixo; copie-o se precisar.",
            code=ticket.code_display,
        )
        return _refused(form, ticket.code, message)
    if screen.notice:
        return screen.render()
    if not service.valid_send_key(form.send_key.data):
        form.send_key.data = service.new_send_key()
        form.validate()
        return screen.render(
            422, _("O formulário veio incompleto: confira o texto e clique em Enviar.")
        )
    first = service.message_by_key(screen.company, form.send_key.data)
    if first is not None:
        return _show_first_result(first)
    attachments_ok = screen.check_attachments()
    if not form.validate() or not attachments_ok or screen.channel is None:
        return screen.render(422)
    return _record_and_send(screen)


def _record_and_send(screen: composer.Composer):
    """The valid e-mail, unless the same one went out a moment ago (then say so, or show
    the first if it was this very composer): recorded on the ticket, then sent."""
    form, ticket, company = screen.form, screen.ticket, screen.company
    chosen = None if form.typed_address else screen.recipient(form.recipient_id.data)
    address = form.typed_address or chosen.address
    if not request.form.get("enviar_de_novo"):
        twin = service.same_message_recently(
            company, ticket, address, form.subject.data, form.body.data
        )
        if twin is not None and twin.send_key == form.send_key.data:
            return _show_first_result(twin)  # this very composer, saved a moment ago
        if twin is not None:
            return screen.render(409, duplicate=twin)
    outbox, created = service.record_email(
        company=company,
        ticket=ticket,
        channel_id=screen.channel.id,
        user=current_user,
        send_key=form.send_key.data,
        address=address,
        subject=form.subject.data,
        body=form.body.data,
        contact_entity_id=chosen.contact_entity_id if chosen else None,
        attachments=screen.chosen_attachments,
    )
    if not created:
        return _show_first_result(outbox)
    _send_and_tell(outbox.id, address, on_ticket=True)
    return redirect(url_for("tickets.edit", code=ticket.code), code=303)


def _show_first_result(outbox: OutboxMessage):
    """A second submit of a composer: say what became of the first, send nothing."""
    address = outbox.to_address
    if outbox.status == OUTBOX_SENT:
        flash(
            _(
                "Este e-mail já tinha sido enviado para %(address)s; nada foi enviado de novo.",
                address=address,
            ),
            "info",
        )
    elif service.is_being_sent(outbox):
        flash(
            _(
                "Este e-mail para %(address)s já está sendo enviado; nada foi enviado de novo. "
                "Veja o resultado na Caixa de saída em alguns instantes.",
                address=address,
            ),
            "info",
        )
    elif outbox.status == OUTBOX_FAILED:
        flash(
            _(
                "Este e-mail para %(address)s já foi registrado, mas o envio falhou "
                "(%(reason)s); nada foi enviado de novo. Use “Tentar de novo” na Caixa de saída.",
                address=address,
                reason=service.error_for_people(outbox.last_error),
            ),
            "warning",
        )
    else:
        flash(
            _(
                "Este e-mail para %(address)s já está pendente na Caixa de saída; "
                "nada foi enviado de novo.",
                address=address,
            ),
            "info",
        )
    if outbox.ticket is None:
        return redirect(url_for("mail.outbox"), code=303)
    return redirect(url_for("tickets.edit", code=outbox.ticket.code), code=303)


def _send_and_tell(outbox_id: int, address: str, on_ticket: bool) -> None:
    """Send now if SMTP is configured, and flash what happened in the attendant's words."""
    # A sentence of its own, after the message.
    recorded = " " + _("O envio foi registrado no atendimento.") if on_ticket else ""
    if not smtp_configured():
        flash(
            _(
                "O envio de e-mail não está configurado neste servidor (ISOCRM_SMTP_HOST): "
                "a mensagem para %(address)s ficou pendente na Caixa de saída.",
                address=address,
            )
            + recorded,
            "warning",
        )
        return
    try:
        outbox = send_now(outbox_id)
    except AlreadySending:
        flash(
            _(
                "Esta mensagem já foi enviada ou está sendo enviada por outro pedido; "
                "recarregue a Caixa de saída em alguns instantes."
            ),
            "warning",
        )
        return
    if outbox.status == OUTBOX_SENT:
        flash(_("E-mail enviado para %(address)s.", address=address) + recorded, "success")
    else:
        flash(
            _(
                "Não foi possível enviar o e-mail para %(address)s: %(reason)s. "
                "A mensagem ficou na Caixa de saída: use “Tentar de novo”.",
                address=address,
                reason=service.error_for_people(outbox.last_error),
            )
            + recorded,
            "error",
        )


@bp.get("/caixa-de-saida")
@allow(ROLE_ATTENDANT)
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
        page=page_number(request.args.get("page")),
        per_page=current_app.config["OUTBOX_PAGE_SIZE"],
        error_out=False,
    )
    return render(
        "mail/outbox.html",
        block="messages",
        messages=messages,
        situacao=status,
        smtp_ready=smtp_configured(),
        reason_of=service.error_for_people,
    )


@bp.post("/caixa-de-saida/<int:message_id>/reenviar")
@allow(ROLE_ATTENDANT)
def retry(message_id: int):
    """Tentar de novo: send a pending or failed message through SMTP now."""
    message = get_outbox_message(message_id)
    if message.created_by_id != current_user.id:
        # Sending someone else's e-mail again (maybe one they meant to drop) is the
        # supervisor's call; an attendant retries the e-mails they wrote.
        require_role(ROLE_SUPERVISOR, str(RETRY_OTHERS_MESSAGE))
    back = safe_next_url(request.form.get("next")) or url_for("mail.outbox")
    if message.status == OUTBOX_SENT:
        flash(
            _("Esta mensagem já foi enviada para %(address)s.", address=message.to_address), "info"
        )
    else:
        _send_and_tell(message.id, message.to_address, on_ticket=False)
    return redirect(back, code=303)
