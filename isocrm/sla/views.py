"""Prazos: the supervisor's configuration (business hours, holidays, Motivos' targets) and
the report of targets met. Every change of the configuration recomputes the Empresa's open
tickets in the same transaction (one pass: a fixed number of reads and one executemany
UPDATE of the tickets whose prazo moved)."""

from datetime import timedelta

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from isocrm.extensions import db
from isocrm.localtime import local_today
from isocrm.models import BusinessHours, Holiday, Reason
from isocrm.models.base import utcnow
from isocrm.models.sla import WEEKDAYS
from isocrm.permissions import ROLE_SUPERVISOR, allow
from isocrm.security import current_company
from isocrm.sla import bp, report
from isocrm.sla.clock import recompute_all
from isocrm.sla.forms import (
    BusinessHoursForm,
    HolidayForm,
    PeriodForm,
    format_spans,
    parse_target,
)
from isocrm.sla.worktime import DEFAULT_HOURS, national_holidays

REPORT_DAYS = 30  # the report's default period: the last 30 days
FIRST_AFTER_RESOLUTION = _l("O prazo de 1ª resposta não pode ser maior que o de resolução.")


def _hours_of(company_id: int) -> dict[int, list[tuple[int, int]]]:
    rows = db.session.execute(
        sa.select(BusinessHours.weekday, BusinessHours.opens, BusinessHours.closes)
        .where(BusinessHours.company_id == company_id)
        .order_by(BusinessHours.weekday, BusinessHours.opens)
    ).all()
    hours: dict[int, list[tuple[int, int]]] = {}
    for weekday, opens, closes in rows:
        hours.setdefault(weekday, []).append((opens, closes))
    return hours


def _config_page(status=200, hours_form=None, holiday_form=None, targets=None, errors=None):
    company = current_company()
    hours = _hours_of(company.id)
    if hours_form is None:
        shown = hours or DEFAULT_HOURS
        hours_form = BusinessHoursForm(
            formdata=None, **{f"day{d}": format_spans(shown.get(d, ())) for d in range(7)}
        )
    holidays = db.session.scalars(
        sa.select(Holiday).where(Holiday.company_id == company.id).order_by(Holiday.day)
    ).all()
    reasons = db.session.scalars(
        sa.select(Reason)
        .where(Reason.company_id == company.id)
        .order_by(Reason.position, Reason.name)
    ).all()
    if targets is None:
        targets = {
            r.id: (
                "" if r.first_answer_hours is None else str(r.first_answer_hours),
                "" if r.resolution_hours is None else str(r.resolution_hours),
                r.is_complaint,
            )
            for r in reasons
        }
    today = local_today()
    upcoming = sorted(d for y in (today.year, today.year + 1) for d in national_holidays(y))
    body = render_template(
        "sla/config.html",
        hours_form=hours_form,
        default_hours=not hours,
        weekdays=WEEKDAYS,
        holiday_form=holiday_form or HolidayForm(formdata=None),
        holidays=holidays,
        national=[d for d in upcoming if d >= today][:12],
        reasons=reasons,
        targets=targets,
        errors=errors or {},
    )
    return body, status


def _recompute_and_commit(message: str):
    company = current_company()
    count = recompute_all(db.session, company.id, utcnow())
    db.session.commit()
    flash(
        message
        + " "
        + _("Prazos recalculados em %(count)s atendimento(s) em aberto.", count=count),
        "success",
    )
    return redirect(url_for("sla.config"), code=303)


@bp.get("/prazos/configuracao")
@allow(ROLE_SUPERVISOR)
def config():
    """Horário de atendimento, feriados da Empresa and the Motivos' prazos."""
    return _config_page()


@bp.post("/prazos/configuracao/horario")
@allow(ROLE_SUPERVISOR)
def save_hours():
    form = BusinessHoursForm()
    if not form.validate():
        return _config_page(422, hours_form=form)
    company_id = current_company().id
    db.session.execute(sa.delete(BusinessHours).where(BusinessHours.company_id == company_id))
    for day in range(7):
        for opens, closes in form[f"day{day}"].spans:
            db.session.add(
                BusinessHours(company_id=company_id, weekday=day, opens=opens, closes=closes)
            )
    db.session.flush()
    return _recompute_and_commit(_("Horário de atendimento salvo."))


@bp.post("/prazos/configuracao/feriados")
@allow(ROLE_SUPERVISOR)
def add_holiday():
    form = HolidayForm()
    company_id = current_company().id
    valid = form.validate()
    if valid and form.day.data in national_holidays(form.day.data.year):
        form.day.errors.append(_("Esta data já é feriado nacional: não é preciso cadastrá-la."))
        valid = False
    if valid and db.session.scalar(
        sa.select(Holiday.id).where(Holiday.company_id == company_id, Holiday.day == form.day.data)
    ):
        form.day.errors.append(_("Já existe um feriado da Empresa nesta data."))
        valid = False
    if not valid:
        return _config_page(422, holiday_form=form)
    db.session.add(Holiday(company_id=company_id, day=form.day.data, name=form.name.data))
    db.session.flush()
    return _recompute_and_commit(_("Feriado %(day)s incluído.", day=f"{form.day.data:%d/%m/%Y}"))


@bp.post("/prazos/configuracao/feriados/<int:holiday_id>/excluir")
@allow(ROLE_SUPERVISOR)
def delete_holiday(holiday_id: int):
    holiday = db.session.scalar(
        sa.select(Holiday).where(
            Holiday.id == holiday_id, Holiday.company_id == current_company().id
        )
    )
    if holiday is None:
        abort(404)
    day = holiday.day
    db.session.delete(holiday)
    db.session.flush()
    return _recompute_and_commit(_("Feriado %(day)s excluído.", day=f"{day:%d/%m/%Y}"))


@bp.post("/prazos/configuracao/motivos")
@allow(ROLE_SUPERVISOR)
def save_targets():
    """The targets of every Motivo of the Empresa at once (fields fa-ID and res-ID), and
    whether it is a complaint (checkbox complaint-ID: counts towards the lot warnings)."""
    reasons = db.session.scalars(
        sa.select(Reason).where(Reason.company_id == current_company().id)
    ).all()
    typed, values, errors = {}, {}, {}
    for reason in reasons:
        pair = []
        for prefix in ("fa", "res"):
            key = f"{prefix}-{reason.id}"
            text = request.form.get(key, "")[:20]
            pair.append(text)
            try:
                values[key] = parse_target(text)
            except ValueError as error:
                errors[key] = str(error)
        values[f"complaint-{reason.id}"] = request.form.get(f"complaint-{reason.id}") == "1"
        typed[reason.id] = (*pair, values[f"complaint-{reason.id}"])
        first, resolution = (values.get(f"{prefix}-{reason.id}") for prefix in ("fa", "res"))
        if first is not None and resolution is not None and first > resolution:
            errors[f"fa-{reason.id}"] = FIRST_AFTER_RESOLUTION
    if errors:
        return _config_page(422, targets=typed, errors=errors)
    for reason in reasons:
        reason.first_answer_hours = values[f"fa-{reason.id}"]
        reason.resolution_hours = values[f"res-{reason.id}"]
        reason.is_complaint = values[f"complaint-{reason.id}"]
    db.session.flush()
    return _recompute_and_commit(_("Prazos dos motivos salvos."))


@bp.get("/prazos")
@allow(ROLE_SUPERVISOR)
def index():
    """Prazos cumpridos: of the tickets opened in the period, per Responsável and Motivo."""
    form = PeriodForm(request.args)
    today = local_today()
    if not request.args.get("de"):
        form.de.data, form.de.raw_data = today - timedelta(days=REPORT_DAYS - 1), None
    if not request.args.get("ate"):
        form.ate.data, form.ate.raw_data = today, None
    if not form.validate():
        return render_template("sla/report.html", form=form, ready=False), 422
    company_id = current_company().id
    now = utcnow()
    start, end = report.period_bounds(form.de.data, form.ate.data)
    owners = report.by_owner(db.session, company_id, start, end, now)
    reasons = report.by_reason(db.session, company_id, start, end, now)
    return render_template(
        "sla/report.html",
        form=form,
        ready=True,
        owners=owners,
        reasons=reasons,
        total=report.totals(reasons),
    )
