"""Atendimento › Painel: the home page, the work waiting for the attendant.

The tabs and the counts by situação are polled (`desk.counts`): the answer carries an ETag
built from the Empresa's stamp (isocrm.desk.stamp), so a poll while nothing changed costs
the session check and one primary-key read, and answers 304 Not Modified.
"""

import time
import zlib

import sqlalchemy as sa
from flask import current_app, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from jinja2_fragments.flask import render_block
from sqlalchemy.orm.exc import StaleDataError

from isocrm import catalogs, csvexport
from isocrm.desk import bp, stamp
from isocrm.desk import painel as queries
from isocrm.desk.assignment import AssignmentError, assign, resolve_holder
from isocrm.desk.painel import (
    DEFAULT_ORDER,
    FILTER_NAMES,
    ORDERS,
    PAGE_SIZE,
    TAB_MINE,
    TABS,
    Listing,
    PainelFilters,
)
from isocrm.extensions import db
from isocrm.fields import optional_id, page_number, row_id, strip_control_characters
from isocrm.htmx import is_partial_request, render
from isocrm.models import Status, Ticket
from isocrm.models.base import utcnow
from isocrm.models.ticket import STAGE_CONFIRMED, STAGE_DRAFT
from isocrm.permissions import ROLE_ATTENDANT, ROLE_SUPERVISOR, allow
from isocrm.security import current_company, safe_next_url
from isocrm.tickets import service

TEMPLATE = "desk/painel.html"
# How often an open painel asks whether its counts changed (tests make it shorter).
DEFAULT_POLL_SECONDS = 30
# The ETag also changes with this slice of time: tickets become late without any write.
TIME_SLICE_SECONDS = 300
MAX_BULK = 100
MAX_FILTER_LENGTH = 40
EXPORT_HEADER = (
    _l("Código"),
    _l("Entidade"),
    _l("Motivo"),
    _l("Situação"),
    _l("Responsável"),
    _l("Equipe"),
    _l("Aberto em"),
    _l("Prazo"),
    _l("Situação do prazo"),
    _l("Encerrado em"),
)


@bp.get("/")
@allow(ROLE_ATTENDANT)
def painel():
    """Painel: the tickets waiting for me, my equipe, nobody; late ones; my drafts."""
    company_id, user_id, now = current_company().id, current_user.id, utcnow()
    if _asked_for_another_company(company_id):
        return _reload_whole_page()
    users = queries.company_users(db.session, company_id)
    form, valid, listing = _filters(company_id, users)
    tab, order = listing.tab, listing.order
    statement = queries.listing_statement(listing, company_id, user_id, now)
    counts = queries.counts(db.session, company_id, user_id, now)
    tickets = _listing_page(listing, statement, counts, company_id, user_id, now)
    args = _filter_args(form)
    context = _counts_context(company_id, user_id, now, tab, order, args, tickets.page, counts)
    kept, dropped = _kept_ticks(tickets)
    page_back = {"page": tickets.page} if tickets.page > 1 else {}
    return render(
        TEMPLATE,
        block="list",
        status=200 if valid else 422,
        form=form,
        tickets=tickets,
        listing=listing,
        due_state=lambda ticket: queries.due_state(ticket, now),
        sort_url=lambda column: _sort_url(tab, order, column, args),
        users=users,
        teams=queries.company_teams(db.session, company_id),
        statuses=catalogs.catalog(db.session, company_id).statuses,
        back=url_for("desk.painel", **context["page_args"], **page_back),
        kept=kept,
        dropped=dropped,
        # A list swapped by htmx brings the counts (their poll then asks for this page) and
        # the bulk form's return address along, out of band.
        list_partial=is_partial_request(),
        satisfaction=queries.satisfaction(db.session, listing, company_id),
        **context,
    )


def _listing_page(listing: Listing, statement, counts, company_id: int, user_id: int, now):
    """The page of the list asked for (db.paginate), with the tab's total: the tab's count
    when unfiltered, else counted apart, without the list's joins (from the open tickets'
    index alone). A page past the end (an old bookmark, tickets passed on meanwhile) is the
    last one."""
    if listing.unfiltered:
        total = counts.tabs[listing.tab]
    else:
        total = db.session.scalar(queries.count_statement(listing, company_id, user_id, now))
    page = min(page_number(request.args.get("page")), max(1, -(-total // PAGE_SIZE)))
    tickets = db.paginate(statement, page=page, per_page=PAGE_SIZE, error_out=False, count=False)
    tickets.total = total
    return tickets


def _kept_ticks(tickets) -> tuple[set[str], int]:
    """Ticked rows survive a refresh of the list while they are unchanged (same version):
    (the ticks still shown, how many were dropped)."""
    kept = set(request.args.getlist("ticket")[:MAX_BULK])
    shown = {f"{ticket.id}:{ticket.version}" for ticket in tickets.items}
    return kept & shown, len(kept - shown)


def _asked_for_another_company(company_id: int) -> bool:
    """An htmx request of a page drawn for another Empresa (switched in another tab)."""
    asked = request.args.get("empresa")
    return is_partial_request() and asked is not None and asked != str(company_id)


def _reload_whole_page():
    """The page reloads as a whole, header and filters of the current Empresa included,
    instead of showing its tickets under the other Empresa's name."""
    return "", 200, {"HX-Refresh": "true"}


@bp.get("/painel.csv")
@allow(ROLE_ATTENDANT)
def export_csv():
    """Exportar CSV: every ticket of the painel's tab under its filters, in its order (not
    just the page shown), streamed. Filters with errors come from a typed URL, never from
    the painel's link: back to the painel, which shows the messages beside the fields."""
    company_id, user_id, now = current_company().id, current_user.id, utcnow()
    users = queries.company_users(db.session, company_id)
    _form, valid, listing = _filters(company_id, users)
    if not valid:
        typed = {name: request.args.getlist(name) for name in ("aba", "ordem", *FILTER_NAMES)}
        return redirect(url_for("desk.painel", **typed), code=303)
    statement = queries.export_statement(listing, company_id, user_id, now)

    # Translated now: the rows are written after the request's context is gone.
    labels = {
        "draft": _("Rascunho"),
        "due-paused": str(queries.DUE_PAUSED),
        "due-late": str(queries.DUE_LATE),
        "due-soon": str(queries.DUE_SOON_LABEL),
        "due-met": str(queries.DUE_MET),
        "due-missed": str(queries.DUE_MISSED),
    }

    def rows(connection):
        result = connection.execute(statement.execution_options(yield_per=csvexport.FETCH_ROWS))
        return (_export_row(row, now, labels) for row in result)

    return csvexport.download_query(
        csvexport.dated_filename(f"painel-{listing.tab}"), [str(h) for h in EXPORT_HEADER], rows
    )


@bp.get("/painel/contagens")
@allow(ROLE_ATTENDANT)
def counts():
    """The tabs and counts by situação, polled; 304 while the Empresa's tickets are as seen."""
    company_id, user_id = current_company().id, current_user.id
    if _asked_for_another_company(company_id):
        return _reload_whole_page()
    current = stamp.read(db.session, company_id)  # before the counts: see isocrm.desk.stamp
    etag = _etag(company_id, user_id, current)
    if request.if_none_match.contains_weak(etag):  # a proxy may weaken it: W/"…"
        response = current_app.response_class(status=304)
    else:
        tab, order = _tab(), _order()
        args = {
            name: request.args[name][:MAX_FILTER_LENGTH]
            for name in FILTER_NAMES
            if request.args.get(name)
        }
        page = page_number(request.args.get("page"))
        context = _counts_context(
            company_id, user_id, utcnow(), tab, order, args, page, stamp_value=current
        )
        context["changed"] = request.args.get("visto") != _visto(current)
        response = make_response(render_block(TEMPLATE, "counts", **context))
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.post("/painel/passar")
@allow(ROLE_ATTENDANT)
def bulk_assign():
    """Passar para: the selected tickets to an attendant and/or an equipe, with a note."""
    company_id = current_company().id
    tickets, problem = _selected_tickets(company_id)
    if problem:
        return _back(problem, "error")
    owner_id = optional_id(request.form.get("owner_id"))
    team_id = optional_id(request.form.get("team_id"))
    if owner_id is None and team_id is None:
        return _back(_("Escolha o atendente ou a equipe para quem passar."), "error")
    try:
        holder = resolve_holder(db.session, company_id, owner_id, team_id)
        note = strip_control_characters(request.form.get("note"))
        passed = sum(
            assign(db.session, ticket, holder, by_user_id=current_user.id, note=note) is not None
            for ticket in tickets
        )
    except AssignmentError as error:
        db.session.rollback()
        return _back(_("%(error)s Nada foi alterado.", error=error), "error")
    problem = _commit()
    if problem:
        return _back(problem, "error")
    to = _holder_name(holder)
    if not passed:
        return _back(_("Os atendimentos selecionados já estavam com %(to)s.", to=to), "info")
    return _back(
        ngettext(
            "%(num)d atendimento passado para %(to)s.",
            "%(num)d atendimentos passados para %(to)s.",
            passed,
            to=to,
        )
    )


def _holder_name(holder) -> str:
    """Whom the tickets were passed to: the attendant · the equipe, as chosen."""
    return " · ".join(
        part
        for part in (
            holder.owner.name if holder.owner else None,
            _("equipe %(team)s", team=holder.team.name) if holder.team else None,
        )
        if part
    )


@bp.post("/painel/situacao")
@allow(ROLE_SUPERVISOR)
def bulk_status():
    """Alterar situação of the selected tickets (supervisors); each change becomes an event
    through the ticket model's before_flush listener."""
    company_id = current_company().id
    tickets, problem = _selected_tickets(company_id)
    if problem:
        return _back(problem, "error")
    status_id = row_id(request.form.get("status_id"))
    status = (
        db.session.scalar(
            sa.select(Status).where(
                Status.id == status_id, Status.company_id == company_id, Status.active
            )
        )
        if status_id
        else None
    )
    if status is None:
        return _back(_("Escolha a nova situação na lista. Nada foi alterado."), "error")
    for ticket in tickets:
        service.apply_status(ticket, status)
        ticket.updated_by_id = current_user.id
    problem = _commit()
    if problem:
        return _back(problem, "error")
    return _back(
        ngettext(
            "%(num)d atendimento com a situação “%(status)s”.",
            "%(num)d atendimentos com a situação “%(status)s”.",
            len(tickets),
            status=status.name,
        )
    )


# --- helpers -------------------------------------------------------------------------------


def _tab() -> str:
    tab = request.args.get("aba", TAB_MINE)
    return tab if tab in TABS else TAB_MINE


def _order() -> str:
    order = request.args.get("ordem", DEFAULT_ORDER)
    return order if order.removeprefix("-") in ORDERS else DEFAULT_ORDER


def _filters(company_id: int, users: list) -> tuple[PainelFilters, bool, Listing]:
    """The painel's tab, order and filters from the query string; only the valid filters
    are in the Listing (see _filter_values)."""
    form = PainelFilters(formdata=request.args)
    _fill_choices(form, company_id, users)
    valid = form.validate()
    return form, valid, Listing(tab=_tab(), order=_order(), **_filter_values(form))


def _export_row(row, now, labels: dict[str, str]) -> tuple:
    """A ticket as the painel's row shows it, the equipe and the closing date beside."""
    draft = row.stage == STAGE_DRAFT
    due = queries.due_state(row, now)
    return (
        row.code,
        row.entity_name,
        row.reason_name,
        labels["draft"] if draft else row.status_name,
        row.owner_name,
        row.team_name,
        row.opened_at,
        None if row.sla_paused_at else row.resolution_due_at,  # a paused clock: no date
        labels.get(due[1], due[0]) if due else None,
        row.closed_at,
    )


def _fill_choices(form: PainelFilters, company_id: int, users: list) -> None:
    catalog = catalogs.catalog(db.session, company_id)
    every = [(None, _("Todos"))]
    form.responsavel.choices = every + users
    form.motivo.choices = every + list(catalog.reasons)
    form.canal.choices = every + list(catalog.channels)
    form.unidade.choices = every + list(catalog.units.items())
    form.situacao.choices = every + list(catalog.statuses)


def _filter_values(form: PainelFilters) -> dict:
    """Only what passed validation filters: an id of another Empresa filters nothing (its
    field says why), a bad date is left out and shown with its message."""

    def good(field):
        return None if field.errors else field.data

    return {
        "owner_id": good(form.responsavel),
        "reason_id": good(form.motivo),
        "channel_id": good(form.canal),
        "unit_id": good(form.unidade),
        "status_id": good(form.situacao),
        "opened_from": good(form.de),
        "opened_to": good(form.ate),
        "closed_from": good(form.encerrado_de),
    }


def _filter_args(form: PainelFilters) -> dict:
    """The valid filters as typed, for the links of tabs, sorting and pages."""
    return {
        name: getattr(form, name).raw_data[0].strip()
        for name in FILTER_NAMES
        if getattr(form, name).raw_data
        and getattr(form, name).raw_data[0].strip()
        and not getattr(form, name).errors
    }


def _sort_url(tab: str, order: str, column: str, args: dict) -> str:
    descending = order == column  # a second click on the sorted column reverses it
    return url_for("desk.painel", aba=tab, ordem=f"-{column}" if descending else column, **args)


def _visto(value: int) -> str:
    return f"{value:x}"


def _etag(company_id: int, user_id: int, value: int) -> str:
    slice_ = int(time.time() // TIME_SLICE_SECONDS)
    query = zlib.crc32(request.query_string)
    return f"painel-{company_id}-{user_id}-{value:x}-{slice_}-{query:x}"


def _counts_context(
    company_id, user_id, now, tab, order, args, page, counts=None, stamp_value=None
) -> dict:
    if stamp_value is None:
        stamp_value = stamp.read(db.session, company_id)
    page_args = {"aba": tab, "ordem": order, **args}
    if page > 1:
        page_args["page"] = page
    return {
        "counts": counts or queries.counts(db.session, company_id, user_id, now),
        "tabs": TABS,
        "tab": tab,
        "order": order,
        "args": args,
        "tab_args": {"ordem": order, **args} if order != DEFAULT_ORDER else dict(args),
        "page_args": {"aba": tab, "ordem": order, **args},
        # What htmx fetches names the Empresa it was drawn for (see _asked_for_another_company).
        "counts_url": url_for(
            "desk.counts", visto=_visto(stamp_value), empresa=company_id, **page_args
        ),
        "list_url": url_for("desk.painel", empresa=company_id, **page_args),
        "pager_args": {"aba": tab, "ordem": order, "empresa": company_id, **args},
        "poll_seconds": current_app.config.get("PAINEL_POLL_SECONDS", DEFAULT_POLL_SECONDS),
        "changed": False,
    }


def _selected_tickets(company_id: int) -> tuple[list[Ticket], str | None]:
    """The tickets ticked on the list, each still at the version the list showed: all of
    them of this Empresa and confirmed, or none (and the reason)."""
    values = request.form.getlist("ticket")
    if not values:
        return [], _("Selecione ao menos um atendimento da lista.")
    if len(values) > MAX_BULK:
        return [], _("Selecione no máximo %(max)s atendimentos por vez.", max=MAX_BULK)
    seen: dict[int, int] = {}
    for value in values:
        ticket_id, _sep, version = value.partition(":")
        ticket_id, version = row_id(ticket_id), row_id(version)
        if ticket_id is None or version is None:
            return [], _("Seleção inválida: atualize a página e selecione de novo.")
        seen[ticket_id] = version
    tickets = db.session.scalars(
        sa.select(Ticket)
        .where(
            Ticket.id.in_(seen),
            Ticket.company_id == company_id,
            Ticket.stage == STAGE_CONFIRMED,
        )
        .order_by(Ticket.code)
    ).all()
    if len(tickets) != len(seen):
        return [], _(
            "Algum dos atendimentos selecionados não existe nesta empresa ou ainda é rascunho."
            " Nada foi alterado."
        )
    for ticket in tickets:
        if ticket.version != seen[ticket.id]:
            return [], _changed_message(ticket)
    return list(tickets), None


def _changed_message(ticket: Ticket | None = None) -> str:
    if ticket:
        return _(
            "O atendimento %(code)s foi alterado por outra pessoa depois que a lista foi aberta."
            " Nada foi alterado: confira a lista atualizada e tente de novo.",
            code=ticket.code_display,
        )
    return _(
        "Algum atendimento foi alterado por outra pessoa depois que a lista foi aberta. Nada"
        " foi alterado: confira a lista atualizada e tente de novo."
    )


def _commit() -> str | None:
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return _changed_message()
    return None


def _back(message: str, category: str = "success"):
    """PRG: back to the painel as it was filtered, with the result."""
    flash(message, category)
    target = safe_next_url(request.form.get("voltar"))
    if not target or not target.startswith("/?") and target != "/":
        target = url_for("desk.painel")
    return redirect(target, code=303)
