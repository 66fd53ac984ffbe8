"""The ticket screen's Responsável and Equipe: who holds the ticket, passing it on (with a
note kept in its history) and taking it ("Assumir").

The pass is its own small form beside the ticket form: it changes only who holds the
ticket, under the ticket's version, and answers htmx with the holder panel alone, so what
the attendant typed in the ticket form stays on screen (and Confirmar merges it: owner and
team are not fields of the ticket form)."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload
from wtforms import HiddenField, TextAreaField
from wtforms.validators import Optional

from isocrm.desk.assignment import (
    NOTE_MAX_LENGTH,
    AssignmentError,
    Holder,
    assign,
    company_user,
    resolve_holder,
)
from isocrm.errors import error_page  # the one error page (htmx too)
from isocrm.extensions import db
from isocrm.fields import ChoiceField, max_length, optional_id, strip_control_characters
from isocrm.htmx import is_partial_request, render
from isocrm.loaders import get_ticket, named_user
from isocrm.models import Team, Ticket, TicketEvent, User
from isocrm.models.ticket import STAGE_CONFIRMED
from isocrm.models.user import user_companies
from isocrm.permissions import ROLE_ATTENDANT, allow
from isocrm.security import current_company
from isocrm.ticket_events import event_options

bp = Blueprint("desk_owner", __name__)

# The ticket screen lists this many of the newest events (the entity's Histórico has all).
EVENTS_SHOWN = 50


def _changed_meanwhile(ticket: Ticket, take: bool = False) -> str:
    """Another attendant changed the ticket since the form (or the Assumir button) was drawn."""
    owner = ticket.owner.name if ticket.owner else _("ninguém")
    team = ticket.team.name if ticket.team else _("nenhuma")
    if take:
        return _(
            "Outro atendente alterou este atendimento enquanto você preenchia o formulário "
            "(responsável agora: %(owner)s; equipe: %(team)s). Nada foi alterado: confira e "
            "clique em Assumir de novo.",
            owner=owner,
            team=team,
        )
    return _(
        "Outro atendente alterou este atendimento enquanto você preenchia o formulário "
        "(responsável agora: %(owner)s; equipe: %(team)s). Nada foi alterado: confira e "
        "clique em Passar de novo.",
        owner=owner,
        team=team,
    )


class PassForm(FlaskForm):
    """Passar atendimento: to a person, a team, both (or nobody), with an optional note."""

    owner_id = ChoiceField(
        _l("Atendente"), invalid_message=_l("Escolha um atendente ativo desta empresa.")
    )
    team_id = ChoiceField(
        _l("Equipe"), invalid_message=_l("Escolha uma equipe ativa desta empresa.")
    )
    note = TextAreaField(
        _l("Observação"),
        filters=[strip_control_characters],
        validators=[Optional(), max_length(NOTE_MAX_LENGTH)],
    )
    version = HiddenField()
    ticket_id = HiddenField()


OTHER_TICKET = _l(
    "Este formulário era de outro atendimento (a Empresa foi trocada em outra aba?). Nada foi "
    "alterado: abra o atendimento de novo."
)


def _refuse_other_ticket(ticket: Ticket):
    """The form names the ticket it was opened for: the code in the URL is only unique per
    Empresa, and the Empresa may have been switched in another tab since. Anything but that
    same ticket is refused, without showing the other ticket's panel."""
    if optional_id(request.form.get("ticket_id", request.form.get("pass-ticket_id"))) == ticket.id:
        return None
    return error_page(409, _("Formulário de outro atendimento"), str(OTHER_TICKET))


def holder_choices(company_id: int) -> tuple[list, list]:
    """Active attendants and active equipes of the Empresa, by name (two queries)."""
    users = db.session.execute(
        sa.select(User.id, User.name)
        .join(user_companies, user_companies.c.user_id == User.id)
        .where(user_companies.c.company_id == company_id, User.active)
        .order_by(User.name, User.id)
    ).all()
    teams = db.session.execute(
        sa.select(Team.id, Team.name)
        .where(Team.company_id == company_id, Team.active)
        .order_by(Team.name, Team.id)
    ).all()
    return (
        [(None, _("— Sem responsável —")), *[(u.id, u.name) for u in users]],
        [(None, _("— Sem equipe —")), *[(t.id, t.name) for t in teams]],
    )


def _pass_form(ticket: Ticket, formdata=None) -> PassForm:
    form = PassForm(
        formdata=formdata,
        prefix="pass",  # the ticket form on the same screen has its own version, note…
        data=None if formdata else {"owner_id": ticket.owner_id, "team_id": ticket.team_id},
    )
    form.owner_id.choices, form.team_id.choices = holder_choices(ticket.company_id)
    if formdata is None:
        form.version.data = str(ticket.version)
        form.ticket_id.data = str(ticket.id)
    return form


@bp.app_template_global("ticket_events")
def ticket_events(ticket: Ticket) -> list[TicketEvent]:
    """The ticket's passes and situação changes, newest first: one query, names joined."""
    if ticket.id is None or ticket.stage != STAGE_CONFIRMED:
        return []  # a draft has no history yet
    return list(
        db.session.scalars(
            sa.select(TicketEvent)
            .where(TicketEvent.ticket_id == ticket.id)
            .options(*event_options())
            .order_by(TicketEvent.at.desc(), TicketEvent.id.desc())
            .limit(EVENTS_SHOWN)
        )
    )


def _load(code: int) -> Ticket:
    ticket = get_ticket(
        code,
        named_user(Ticket.owner),
        joinedload(Ticket.team),
        joinedload(Ticket.entity),
        joinedload(Ticket.status),
    )
    if ticket.stage != STAGE_CONFIRMED:
        # A draft is still with who is opening it: it is passed on once confirmed.
        abort(404)
    return ticket


def _panel(ticket: Ticket, form: PassForm | None, status: int = 200, message: str | None = None):
    """The holder panel alone for htmx; the page "Passar atendimento" otherwise."""
    return render(
        "desk/pass.html",
        block="panel",
        status=status,
        ticket=ticket,
        entity=ticket.entity,
        holder_form=form,
        holder_message=message,
    )


def _done(ticket: Ticket, message: str):
    """After a pass: the panel (htmx) or back to the ticket screen, never a page to re-post."""
    if is_partial_request():
        db.session.expire_all()
        return _panel(_load(ticket.code), None, message=message)
    flash(message, "success")
    return redirect(url_for("tickets.edit", code=ticket.code), code=303)


@bp.get("/atendimentos/<int:code>/responsavel")
@allow(ROLE_ATTENDANT)
def pass_form(code: int):
    """Passar atendimento: the form (in the panel for htmx, a page of its own otherwise)."""
    ticket = _load(code)
    return _panel(ticket, _pass_form(ticket))


@bp.get("/atendimentos/<int:code>/responsavel/painel")
@allow(ROLE_ATTENDANT)
def panel(code: int):
    """The holder panel, closed (Cancelar on the form); the ticket screen for a full page."""
    ticket = _load(code)
    if not is_partial_request():
        return redirect(url_for("tickets.edit", code=ticket.code), code=303)
    return _panel(ticket, None)


@bp.post("/atendimentos/<int:code>/responsavel")
@allow(ROLE_ATTENDANT)
def pass_ticket(code: int):
    """Pass the ticket to the chosen attendant and/or equipe, under its version."""
    ticket = _load(code)
    if refused := _refuse_other_ticket(ticket):
        return refused
    form = _pass_form(ticket, request.form)
    if not form.validate():
        return _panel(ticket, form, 422)
    if optional_id(form.version.data) != ticket.version:
        message = _changed_meanwhile(ticket)
        form.version.data = str(ticket.version)
        return _panel(ticket, form, 409, message)
    try:
        holder = resolve_holder(
            db.session, current_company().id, form.owner_id.data, form.team_id.data
        )
        event = assign(db.session, ticket, holder, by_user_id=current_user.id, note=form.note.data)
    except AssignmentError as error:
        db.session.rollback()
        form[f"{error.field}_id" if error.field != "note" else "note"].errors = [str(error)]
        return _panel(_load(code), form, 422)
    if event is None:
        return _done(ticket, _("O atendimento já estava com este responsável e esta equipe."))
    db.session.commit()
    return _done(
        ticket,
        _(
            "Atendimento %(code)s passado: %(holder)s.",
            code=ticket.code_display,
            holder=_holder_text(ticket),
        ),
    )


@bp.post("/atendimentos/<int:code>/assumir")
@allow(ROLE_ATTENDANT)
def take(code: int):
    """Assumir: the attendant becomes the responsável (the equipe stays)."""
    ticket = _load(code)
    if refused := _refuse_other_ticket(ticket):
        return refused
    if optional_id(request.form.get("version")) != ticket.version:
        message = _changed_meanwhile(ticket, take=True)
        return _panel(ticket, None, 409, message)
    if ticket.owner_id == current_user.id:
        return _done(ticket, _("Este atendimento já está com você."))
    # The equipe stays as it is (even one deactivated since); only the person changes.
    holder = Holder(company_user(db.session, current_company().id, current_user.id), ticket.team)
    assign(db.session, ticket, holder, by_user_id=current_user.id, note=None)
    db.session.commit()
    return _done(ticket, _("Você assumiu o atendimento %(code)s.", code=ticket.code_display))


def _holder_text(ticket: Ticket) -> str:
    db.session.refresh(ticket, ["owner", "team"])
    parts = [ticket.owner.name if ticket.owner else _("sem responsável")]
    if ticket.team:
        parts.append(_("equipe %(team)s", team=ticket.team.name))
    return " · ".join(parts)
