"""The entity's workspace screens: Vendas, Notas, Pesquisa, Agenda and Histórico."""

from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy.orm import joinedload, selectinload

from isocrm.extensions import db
from isocrm.fields import page_number, row_id
from isocrm.htmx import is_partial_request, render
from isocrm.loaders import (
    get_appointment,
    get_entity,
    get_entity_ticket,
    get_invoice,
    get_order,
    get_survey_response,
    survey_responses_of,
)
from isocrm.localtime import local_zone
from isocrm.models import (
    Appointment,
    Entity,
    Invoice,
    Order,
    OrderItem,
    Survey,
    SurveyAnswer,
    SurveyResponse,
    Ticket,
)
from isocrm.models.base import utcnow
from isocrm.permissions import ROLE_ATTENDANT, allow
from isocrm.security import current_company, use_company, user_company
from isocrm.workspace import bp, queries, service
from isocrm.workspace.forms import AppointmentForm

PAGE_SIZE = 20
HISTORY_PAGE_SIZE = 30


def _zone() -> ZoneInfo:
    return local_zone()


def _page_number() -> int:
    return page_number(request.args.get("page"))


def _paginate(stmt) -> SelectPagination:
    """One page of `stmt` and its total: two queries. A page past the end is an empty page
    (the list says so), not a 404; a junk ?page= is page 1 (page_number)."""
    return db.paginate(stmt, page=_page_number(), per_page=PAGE_SIZE, error_out=False)


class RowPagination(SelectPagination):
    """db.paginate's pagination of a SELECT of several columns: each item is the whole row
    (an appointment and its ticket's code), where SelectPagination keeps the first column."""

    def _query_items(self) -> list:
        page = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(page).unique())


def _paginate_rows(stmt) -> RowPagination:
    return RowPagination(
        select=stmt, session=db.session, page=_page_number(), per_page=PAGE_SIZE, error_out=False
    )


def _entity_ticket(entity: Entity, code) -> Ticket | None:
    """The entity's ticket with this code; a code of another entity or Empresa is missing."""
    if code in (None, ""):
        return None
    code = row_id(str(code))
    if code is None:
        abort(404)  # not a number, or one no ticket can have (beyond 64 bits)
    return get_entity_ticket(entity, code)


# --- Vendas ------------------------------------------------------------------------------


@bp.get("/entidades/<int:entity_id>/vendas")
@allow(ROLE_ATTENDANT)
def orders(entity_id: int):
    """Vendas: the entity's orders, newest first."""
    entity = get_entity(entity_id)
    pagination = _paginate(
        sa.select(Order)
        .where(Order.entity_id == entity.id, Order.company_id == current_company().id)
        .order_by(Order.ordered_on.desc(), Order.id.desc())
    )
    return render("workspace/orders.html", block="list", entity=entity, pagination=pagination)


@bp.get("/entidades/<int:entity_id>/vendas/<int:order_id>")
@allow(ROLE_ATTENDANT)
def order(entity_id: int, order_id: int):
    """One order with its items and the invoices issued for it."""
    entity = get_entity(entity_id)
    found = get_order(entity, order_id, selectinload(Order.items).joinedload(OrderItem.product))
    invoices = db.session.scalars(
        sa.select(Invoice)
        .where(Invoice.order_id == found.id, Invoice.entity_id == entity.id)
        .order_by(Invoice.issued_at.desc(), Invoice.id.desc())
    ).all()
    return render("workspace/order.html", entity=entity, order=found, invoices=invoices)


# --- Notas -------------------------------------------------------------------------------


@bp.get("/entidades/<int:entity_id>/notas")
@allow(ROLE_ATTENDANT)
def invoices(entity_id: int):
    """Notas: the entity's NF-e, newest first, with the order each one billed."""
    entity = get_entity(entity_id)
    pagination = _paginate(
        sa.select(Invoice)
        .where(Invoice.entity_id == entity.id, Invoice.company_id == current_company().id)
        .options(joinedload(Invoice.order))
        .order_by(Invoice.issued_at.desc(), Invoice.id.desc())
    )
    return render("workspace/invoices.html", block="list", entity=entity, pagination=pagination)


@bp.get("/entidades/<int:entity_id>/notas/<int:invoice_id>")
@allow(ROLE_ATTENDANT)
def invoice(entity_id: int, invoice_id: int):
    """One NF-e of the entity."""
    entity = get_entity(entity_id)
    found = get_invoice(entity, invoice_id, joinedload(Invoice.order))
    return render("workspace/invoice.html", entity=entity, invoice=found)


# --- Pesquisa ----------------------------------------------------------------------------


@bp.get("/entidades/<int:entity_id>/pesquisas")
@allow(ROLE_ATTENDANT)
def surveys(entity_id: int):
    """Pesquisa: the surveys the entity answered, newest first."""
    entity = get_entity(entity_id)
    pagination = _paginate(
        survey_responses_of(entity)
        .options(joinedload(SurveyResponse.survey), joinedload(SurveyResponse.ticket))
        .order_by(SurveyResponse.answered_at.desc(), SurveyResponse.id.desc())
    )
    return render("workspace/surveys.html", block="list", entity=entity, pagination=pagination)


@bp.get("/entidades/<int:entity_id>/pesquisas/<int:response_id>")
@allow(ROLE_ATTENDANT)
def survey_response(entity_id: int, response_id: int):
    """The entity's answers to one survey, question by question."""
    entity = get_entity(entity_id)
    response = get_survey_response(
        entity,
        response_id,
        joinedload(SurveyResponse.survey).selectinload(Survey.questions),
        selectinload(SurveyResponse.answers).joinedload(SurveyAnswer.question),
        joinedload(SurveyResponse.ticket),
    )
    answers = {a.question_id: a.answer for a in response.answers}
    pairs = [(q.text, answers.get(q.id)) for q in response.survey.questions]
    # Answers to questions removed from the survey since are still the entity's answers.
    known = {q.id for q in response.survey.questions}
    pairs += [(a.question.text, a.answer) for a in response.answers if a.question_id not in known]
    return render("workspace/survey_response.html", entity=entity, response=response, pairs=pairs)


# --- Agenda ------------------------------------------------------------------------------


def _agenda_context(entity: Entity, form: AppointmentForm, ticket: Ticket | None) -> dict:
    now = utcnow()
    upcoming = Appointment.starts_at >= now
    pagination = _paginate_rows(
        sa.select(Appointment, Ticket.code)
        .outerjoin(Ticket, Ticket.id == Appointment.ticket_id)
        .where(Appointment.entity_id == entity.id, Appointment.company_id == current_company().id)
        .options(joinedload(Appointment.attendant))
        # Upcoming first, soonest on top; then the past, most recent on top.
        .order_by(
            sa.case((upcoming, 0), else_=1),
            sa.case((upcoming, Appointment.starts_at)).asc(),
            Appointment.starts_at.desc(),
            Appointment.id.desc(),
        ),
    )
    return {"entity": entity, "form": form, "ticket": ticket, "pagination": pagination, "now": now}


@bp.get("/entidades/<int:entity_id>/agenda")
@allow(ROLE_ATTENDANT)
def agenda(entity_id: int):
    """Agenda: the entity's appointments and a form to schedule one (?ticket= links it)."""
    entity = get_entity(entity_id)
    ticket = _entity_ticket(entity, request.args.get("ticket"))
    form = AppointmentForm(formdata=None)
    form.form_key.data = service.new_form_key()
    form.company_id.data = current_company().id
    if ticket is not None:
        form.ticket.data = str(ticket.code)
    return render("workspace/agenda.html", block="list", **_agenda_context(entity, form, ticket))


@bp.post("/entidades/<int:entity_id>/agenda")
@allow(ROLE_ATTENDANT)
def create_appointment(entity_id: int):
    """Agendar: save a new appointment for the entity, attended by the current user; the
    same form submitted twice schedules it once."""
    form = AppointmentForm()
    notice = None
    if form.company_id.data is not None and form.company_id.data != current_company().id:
        origin = user_company(form.company_id.data)
        if origin is None or not request.form.get("reabrir"):
            return _refused_appointment(form, entity_id, origin)
        use_company(origin)  # asked for: back to the Empresa the form was written in
        notice = _(
            "Empresa trocada para %(company)s. Confira e clique em Agendar.", company=origin.name
        )
    entity = get_entity(entity_id)
    ticket = _entity_ticket(entity, form.ticket.data)
    if notice:
        return _agenda_again(entity, form, ticket, status=200, notice=notice)
    if not service.valid_form_key(form.form_key.data):
        form.form_key.data = service.new_form_key()
        form.validate()
        error = _("O formulário veio incompleto: confira os dados e clique em Agendar.")
        return _agenda_again(entity, form, ticket, error=error)
    first = service.appointment_by_key(current_company(), form.form_key.data)
    if first is None and not form.validate():
        return _agenda_again(entity, form, ticket)
    if first is None and _schedule(entity, ticket, form):
        flash(_("Compromisso agendado."), "success")
    else:
        flash(_("Este compromisso já tinha sido agendado; nada foi agendado de novo."), "info")
    return redirect(
        url_for("workspace.agenda", entity_id=entity.id, ticket=ticket.code if ticket else None),
        code=303,
    )


def _agenda_again(entity, form, ticket, error=None, status=422, notice=None):
    """The Agenda with the form as it was submitted, and why nothing was scheduled."""
    context = _agenda_context(entity, form, ticket)
    return render(
        "workspace/agenda.html", status=status, form_error=error, notice=notice, **context
    )


def _schedule(entity: Entity, ticket: Ticket | None, form: AppointmentForm) -> bool:
    """Save the valid form's appointment; False when the same form, submitted at the same
    moment, saved it first."""
    _appointment, created = service.schedule(
        company=current_company(),
        entity=entity,
        ticket=ticket,
        user=current_user,
        form_key=form.form_key.data,
        starts_at=form.starts_at,
        subject=form.subject.data,
        notes=form.notes.data,
    )
    return created


def _refused_appointment(form: AppointmentForm, entity_id: int, origin):
    """Agendar from a form of another Empresa than the current one: nothing is saved, what
    was typed comes back, and (if the user is in that Empresa) a button to go back to it."""
    company = current_company()
    if origin is None:
        message = _(
            "Nada foi agendado: este formulário foi aberto em outra Empresa, não em "
            "%(company)s, a escolhida agora. Os dados foram mantidos abaixo.",
            company=company.name,
        )
    else:
        message = _(
            "Nada foi agendado: este compromisso foi escrito em %(origin)s, mas a Empresa "
            "escolhida agora (talvez em outra aba) é %(company)s. Os dados foram mantidos "
            "abaixo: use “Voltar para %(origin)s” para conferir e agendar.",
            origin=origin.name,
            company=company.name,
        )
    return render(
        "workspace/agenda_refused.html",
        status=409,
        form=form,
        entity_id=entity_id,
        origin=origin,
        message=message,
    )


@bp.post("/entidades/<int:entity_id>/agenda/<int:appointment_id>/realizado")
@allow(ROLE_ATTENDANT)
def mark_appointment(entity_id: int, appointment_id: int):
    """Mark an appointment done (done=1) or not done again (done=0)."""
    entity = get_entity(entity_id)
    appointment = get_appointment(entity, appointment_id)
    appointment.done = request.form.get("done") == "1"
    db.session.commit()
    if not is_partial_request():
        return redirect(
            url_for(
                "workspace.agenda",
                entity_id=entity.id,
                page=page_number(request.args["page"]) if "page" in request.args else None,
            ),
            code=303,
        )
    context = _agenda_context(entity, AppointmentForm(formdata=None), None)
    return render("workspace/agenda.html", block="list", **context)


# --- Histórico ---------------------------------------------------------------------------


@bp.get("/entidades/<int:entity_id>/historico")
@allow(ROLE_ATTENDANT)
def history(entity_id: int):
    """Histórico da entidade: tickets, registration changes, orders, invoices, alerts and
    appointments in one timeline, newest first."""
    entity = get_entity(entity_id)
    timeline = queries.entity_history(
        db.session, entity, _zone(), page=_page_number(), per_page=HISTORY_PAGE_SIZE
    )
    return render("workspace/history.html", block="list", entity=entity, timeline=timeline)
