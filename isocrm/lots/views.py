"""Lotes: the report of complaints by product and lot, and each product's threshold."""

from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from isocrm import csvexport
from isocrm.extensions import db
from isocrm.htmx import render
from isocrm.localtime import local_today, local_zone
from isocrm.lots import bp, queries
from isocrm.lots.forms import LotFilterForm, ThresholdForm
from isocrm.models import Product
from isocrm.models.base import utcnow
from isocrm.permissions import ROLE_SUPERVISOR, allow, can
from isocrm.security import current_company

FILTER_NAMES = ("de", "ate", "produto")
DEFAULT_DAYS = 90  # the report's period when none is typed: the last 90 days
# The supervisor's own download: its header in the supervisor's language.
EXPORT_HEADER = (
    _l("Código do produto"),
    _l("Produto"),
    _l("Lote"),
    _l("Linhas"),
    _l("Atendimentos"),
    _l("Reclamações"),
    _l("Primeira"),
    _l("Última"),
    _l("Atendimentos (códigos, mais recentes primeiro)"),
)


def _products():
    return db.session.scalars(
        sa.select(Product)
        .where(Product.company_id == current_company().id)
        .order_by(Product.name, Product.id)
    ).all()


def _day_start(day) -> datetime:
    """Midnight of a day at the desk (America/Sao_Paulo), as an aware datetime."""
    return datetime.combine(day, time(), tzinfo=local_zone())


def painel_lot_warnings() -> list[queries.LotWarning]:
    """The Empresa's lot warnings for the painel: supervisors only, computed once a request."""
    if not can(ROLE_SUPERVISOR) or g.get("company") is None:
        return []
    if "lot_warnings" not in g:
        g.lot_warnings = queries.lot_warnings(db.session, current_company().id, utcnow())
    return g.lot_warnings


@bp.get("/lotes")
@allow(ROLE_SUPERVISOR)
def report():
    """Lotes: information lines grouped by product and lot, most lines first, with the
    tickets; the lots that reached their product's threshold are warned about on top."""
    form = _filter_form()
    status, result = 200, None
    if form.validate():
        result = queries.lot_report(
            db.session, current_company().id, *_period(form), form.produto.data
        )
    else:
        status = 422
    return render(
        "lots/report.html",
        block="results",
        status=status,
        form=form,
        result=result,
        max_groups=queries.REPORT_MAX_GROUPS,
        export_url=url_for("lots.export_csv", **_typed_filters()),
    )


@bp.get("/lotes.csv")
@allow(ROLE_SUPERVISOR)
def export_csv():
    """Exportar CSV of the report under the same filters: every group (the screen shows the
    first REPORT_MAX_GROUPS), with all its tickets' codes, streamed. A filter with errors
    (a typed URL; the report's link carries none) goes back to the report and its messages."""
    form = _filter_form()
    if not form.validate():
        return redirect(url_for("lots.report", **_typed_filters()), code=303)
    company_id, period, product_id = current_company().id, _period(form), form.produto.data
    no_lot = _("(sem lote)")  # now: the rows are written after the request is gone

    def rows(connection):
        groups = queries.lot_export(
            connection, company_id, *period, product_id, chunk=csvexport.FETCH_ROWS
        )
        return (
            (
                g.product_code,
                g.product_name,
                g.lot or no_lot,
                g.lines,
                g.tickets,
                g.complaints,
                g.first_at,
                g.last_at,
                ", ".join(f"{code:06d}" for code in g.codes),
            )
            for g in groups
        )

    return csvexport.download_query(
        csvexport.dated_filename("reclamacoes-por-lote"), [str(h) for h in EXPORT_HEADER], rows
    )


def _filter_form() -> LotFilterForm:
    """The report's filter from the query string; no dates typed: the last DEFAULT_DAYS."""
    today = local_today()
    args = MultiDict(request.args)
    args.setdefault("de", (today - timedelta(days=DEFAULT_DAYS - 1)).strftime("%d/%m/%Y"))
    args.setdefault("ate", today.strftime("%d/%m/%Y"))
    form = LotFilterForm(formdata=args)
    form.produto.choices = [(None, _("Todos os produtos"))] + [
        (p.id, f"{p.name} ({p.code})") for p in _products()
    ]
    return form


def _typed_filters() -> dict[str, list[str]]:
    """The filter as typed in the URL, for the links between the report and its export
    (only its own names: url_for gives _external, _scheme… a meaning of their own)."""
    return {name: request.args.getlist(name) for name in FILTER_NAMES}


def _period(form: LotFilterForm) -> tuple[datetime | None, datetime | None]:
    """[start, end) of the days chosen, as instants at the desk."""
    start = _day_start(form.de.data) if form.de.data else None
    end = _day_start(form.ate.data + timedelta(days=1)) if form.ate.data else None
    return start, end


def _threshold_forms(products, formdata=None) -> dict[int, ThresholdForm]:
    return {
        p.id: ThresholdForm(
            formdata=formdata,
            prefix=f"p{p.id}",
            count=p.lot_alert_count,
            days=p.lot_alert_days,
        )
        for p in products
    }


@bp.route("/lotes/limites", methods=["GET", "POST"])
@allow(ROLE_SUPERVISOR)
def thresholds():
    """Limites de alerta por lote: per product, how many complaints about one lot within
    how many days raise a warning. All rows are saved together, or none."""
    products = _products()
    if request.method == "GET":
        forms = _threshold_forms(products)
        return render("lots/thresholds.html", products=products, forms=forms)
    forms = _threshold_forms(products, request.form)
    valid = [forms[p.id].validate() for p in products]
    if not all(valid):
        return render("lots/thresholds.html", status=422, products=products, forms=forms)
    changed = 0
    for product in products:
        form = forms[product.id]
        new = (form.count.data, form.days.data)
        if new != (product.lot_alert_count, product.lot_alert_days):
            product.lot_alert_count, product.lot_alert_days = new
            changed += 1
    db.session.commit()
    flash(
        _("Limites salvos (%(count)s produto(s) alterado(s)).", count=changed)
        if changed
        else _("Nada mudou."),
        "success",
    )
    return redirect(url_for("lots.thresholds"), code=303)
