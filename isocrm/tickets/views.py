"""Atendimento › Atendimentos: the search, the entity's tickets and the ticket screen."""

import json
import uuid
from dataclasses import dataclass
from types import SimpleNamespace

import sqlalchemy as sa
from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound

from isocrm import alerts, catalogs, ticket_reads
from isocrm.entity_search import search_entities
from isocrm.extensions import db
from isocrm.fields import (
    MAX_ROW_ID,
    NEW_DETAIL,
    detail_number,
    local_to_utc,
    optional_id,
    page_number,
)
from isocrm.htmx import is_partial_request, render, render_listbox
from isocrm.loaders import get_detail_info, get_entity, get_ticket_detail
from isocrm.localtime import local_today, local_zone
from isocrm.models import Entity, Status, Ticket, TicketDetail, UnsavedEdit
from isocrm.models.base import utcnow
from isocrm.models.ticket import DIRECTION_RECEPTIVE, STAGE_CONFIRMED, STAGE_DRAFT
from isocrm.permissions import ROLE_ATTENDANT, ROLE_SUPERVISOR, allow, require_role
from isocrm.security import current_company
from isocrm.tickets import bp, queries, service
from isocrm.tickets.forms import (
    DETAIL_SCREEN_FIELDS,
    INTERNAL_ON,
    MAX_INFO_LINES,
    DetailForm,
    InfoLineForm,
    TicketForm,
    screen_field_name,
)
from isocrm.tickets.service import TICKET_FIELDS, ticket_values

NO_ROLE_MESSAGE = _l(
    "É necessário que a entidade tenha um papel preenchido no cadastro "
    "(por exemplo, Cliente ou Parceiro) para abrir um atendimento."
)


@bp.get("/atendimentos/")
@allow(ROLE_ATTENDANT)
def index():
    """Atendimentos: search an entity by NOME/RAZÃO SOCIAL or CPF/CNPJ to open a ticket."""
    query = request.args.get("q", "").strip()[:100]
    page = page_number(request.args.get("page"))
    per_page = current_app.config["SEARCH_PAGE_SIZE"]
    results = None
    if query:
        results = search_entities(db.session, current_company().id, query, page, per_page)
        if not results.items and page > 1 and results.total:
            # A page past the end (an old link, an edited URL) shows the last page: an empty
            # "Nenhuma entidade encontrada" would invite registering someone who exists.
            last = (results.total - 1) // per_page + 1
            results = search_entities(db.session, current_company().id, query, last, per_page)
    mine = service.drafts_of(db.session, current_company().id, user_id=current_user.id, limit=10)
    drafts = db.session.scalars(mine.options(joinedload(Ticket.entity))).all()
    draft_total = (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(mine.limit(None).order_by(None).subquery())
        )
        if len(drafts) == 10
        else len(drafts)
    )
    return render(
        "tickets/index.html",
        block="results",
        query=query,
        results=results,
        drafts=drafts,
        draft_total=draft_total,
    )


@bp.get("/entidades/<int:entity_id>/atendimentos")
@allow(ROLE_ATTENDANT)
def entity_tickets(entity_id: int):
    """The entity's tickets, newest first (seed §1: opened from the SAC icon)."""
    entity = get_entity(entity_id, *queries.entity_screen_options())
    return render("tickets/entity_tickets.html", block="tickets", **_entity_tickets_context(entity))


# A frequent caller or a company customer may have thousands of tickets: a page at a time.
ENTITY_TICKETS_PAGE_SIZE = 25


def _entity_tickets_context(entity: Entity) -> dict:
    listing = (
        sa.select(Ticket)
        .where(
            Ticket.entity_id == entity.id,
            Ticket.company_id == current_company().id,
            Ticket.stage != STAGE_DRAFT,
        )
        .options(
            joinedload(Ticket.reason),
            joinedload(Ticket.status),
            joinedload(Ticket.opened_by),
            joinedload(Ticket.role),
        )
        .order_by(Ticket.opened_at.desc(), Ticket.id.desc())
    )
    page = page_number(request.args.get("page"))
    tickets = db.paginate(listing, page=page, per_page=ENTITY_TICKETS_PAGE_SIZE, error_out=False)
    if page > 1 and not tickets.items and tickets.pages:
        # A page past the end (an old bookmark, an edited URL): the last one, not an empty list.
        tickets = db.paginate(
            listing, page=tickets.pages, per_page=ENTITY_TICKETS_PAGE_SIZE, error_out=False
        )
    drafts = db.session.scalars(
        service.drafts_of(db.session, current_company().id, entity_id=entity.id).options(
            joinedload(Ticket.opened_by)
        )
    ).all()
    return {"entity": entity, "tickets": tickets, "drafts": drafts}


# --- the ticket screen -----------------------------------------------------------------
#
# Incluir creates the ticket at once as a draft with its code; the screen keeps what is
# typed (autosave) until Confirmar, which validates the ticket and the detail on screen and
# saves both in one transaction under one version check.

# Why a stored value is no longer offered, beside it in its select: lazy, so it is said in
# the language of whoever opens the screen.
STORED = {
    "role_id": _l("removido da entidade"),
    "unit_id": _l("não vinculada à entidade"),
    "status_id": _l("inativa"),
    "reason_id": _l("inativo"),
    "occurrence_id": _l("inativa"),
    "cause_id": _l("inativa"),
    "location_entity_id": _l("sem papel Parceiro"),
    "related_ticket_id": "",
    "channel_id": _l("inativo"),
    "contact_entity_id": _l("não relacionado"),
}


def _keep_stored(field, value, label: str | None, why: str) -> None:
    """A stored value no longer offered stays on the screen (marked) and survives a save."""
    if value is None or label is None or value in field.labels():
        return
    field.choices = [*field.choices, (value, f"{label} ({why})" if why else label)]


def _fill_ticket_choices(form: TicketForm, entity: Entity, ticket: Ticket) -> None:
    """Every select's choices; the dependent ones follow the parent value on the form."""
    session, company_id = db.session, current_company().id
    form.role_id.choices = queries.role_choices(session, company_id, entity)
    form.status_id.choices = catalogs.status_choices(session, company_id)
    form.reason_id.choices = catalogs.reason_choices(session, company_id)
    form.occurrence_id.choices = catalogs.occurrence_choices(
        session, company_id, form.reason_id.data
    )
    form.cause_id.choices = catalogs.cause_choices(session, company_id, form.occurrence_id.data)
    form.unit_id.choices = queries.unit_choices(session, company_id, entity)

    location = None
    location_id = form.location_entity_id.data
    if (
        location_id
        and location_id > 0
        and location_id != ticket.location_entity_id
        and queries.is_partner(session, company_id, location_id)
    ):
        location = db.session.get(Entity, location_id)
    form.location_entity_id.choices = queries.partner_choices(session, company_id, "", location)

    related = None
    related_id = form.related_ticket_id.data
    if related_id and related_id > 0 and related_id not in (ticket.id, ticket.related_ticket_id):
        related = db.session.scalar(
            sa.select(Ticket)
            .where(
                Ticket.id == related_id,
                Ticket.company_id == company_id,
                Ticket.stage == STAGE_CONFIRMED,
            )
            .options(joinedload(Ticket.entity), joinedload(Ticket.reason))
        )
    form.related_ticket_id.choices = queries.related_ticket_choices(
        session, company_id, "", related, ticket.id
    )

    # What the ticket holds stays valid for it, even when no longer offered.
    role_mark = _("inativo") if ticket.role and not ticket.role.active else STORED["role_id"]
    _keep_stored(form.role_id, ticket.role_id, ticket.role and ticket.role.name, role_mark)
    _keep_stored(
        form.status_id, ticket.status_id, ticket.status and ticket.status.name, _("inativa")
    )
    _keep_stored(
        form.reason_id, ticket.reason_id, ticket.reason and ticket.reason.name, _("inativo")
    )
    if form.reason_id.data == ticket.reason_id:
        _keep_stored(
            form.occurrence_id,
            ticket.occurrence_id,
            ticket.occurrence and ticket.occurrence.name,
            _("inativa"),
        )
    if form.occurrence_id.data == ticket.occurrence_id:
        _keep_stored(
            form.cause_id, ticket.cause_id, ticket.cause and ticket.cause.name, _("inativa")
        )
    unit_mark = _("inativa") if ticket.unit and not ticket.unit.active else STORED["unit_id"]
    _keep_stored(form.unit_id, ticket.unit_id, ticket.unit and ticket.unit.name, unit_mark)
    if ticket.location is not None:
        facts = _facts(ticket)
        partner = (
            facts.location_is_partner
            if facts is not None
            else queries.is_partner(session, company_id, ticket.location.id)
        )
        _keep_stored(
            form.location_entity_id,
            ticket.location_entity_id,
            f"{ticket.location.name} · {ticket.location.document_display}",
            "" if partner else STORED["location_entity_id"],
        )
    if ticket.related_ticket is not None:
        _keep_stored(
            form.related_ticket_id,
            ticket.related_ticket_id,
            queries.ticket_label(ticket.related_ticket),
            "",
        )


def _fill_detail_choices(form: DetailForm, entity: Entity, ticket: Ticket, detail, chain):
    session, company_id = db.session, current_company().id
    form.channel_id.choices = catalogs.channel_choices(session, company_id)
    stored_contact = detail.contact_entity_id if detail is not None else None
    form.contact_entity_id.choices = queries.contact_choices(
        session, entity.id, current=stored_contact
    )
    if detail is not None:
        _keep_stored(
            form.channel_id, detail.channel_id, detail.channel and detail.channel.name, _("inativo")
        )
    reason_id, occurrence_id = chain
    info_choices = queries.product_info_choices(session, company_id, reason_id, occurrence_id)
    for line in form.infos:
        line.form.product_info_id.choices = info_choices


def _screen_pairs(ticket: Ticket, detail: TicketDetail | None) -> list[tuple[str, str]]:
    """The saved ticket (and detail) as the screen's form would post them."""

    def text(value):
        return "" if value is None else str(value)

    pairs = [(name, text(getattr(ticket, name))) for name in TICKET_FIELDS]
    pairs += [
        ("ticket_id", str(ticket.id)),
        ("company_id", str(ticket.company_id)),
        ("typed_by", str(current_user.id)),
        ("version", str(ticket.version)),
        ("base", json.dumps(ticket_values(ticket))),
    ]
    if detail is None:
        pairs += [("direction", DIRECTION_RECEPTIVE), ("entry_key", uuid.uuid4().hex)]
        return pairs
    zone = local_zone()
    received = (
        detail.received_at.astimezone(zone).strftime("%d/%m/%Y %H:%M") if detail.received_at else ""
    )
    pairs += [
        ("detail_id", str(detail.id)),
        ("detail_version", str(detail.version)),
        ("channel_id", text(detail.channel_id)),
        ("direction", detail.direction),
        ("received_at", received),
        ("description", detail.description or ""),
        ("answer", detail.answer or ""),
        ("contact_entity_id", text(detail.contact_entity_id)),
        ("internal_note", detail.internal_note or ""),
    ]
    if detail.internal:  # a checkbox posts only when marked
        pairs.append(("internal", INTERNAL_ON))
    return pairs


def _is_detail_field(name: str) -> bool:
    return name in DETAIL_SCREEN_FIELDS or name.startswith("infos-")


@dataclass
class Screen:
    """Everything the ticket screen shows, built the same way for every request."""

    ticket: Ticket
    entity: Entity
    form: TicketForm
    detail_form: DetailForm
    page: ticket_reads.DetailPage
    unsaved: UnsavedEdit | None = None


def _build_screen(ticket: Ticket, page: ticket_reads.DetailPage, formdata: MultiDict) -> Screen:
    entity = ticket.entity
    form = TicketForm(formdata=formdata)
    detail_form = DetailForm(formdata=formdata)
    _fill_ticket_choices(form, entity, ticket)
    _fill_detail_choices(
        detail_form, entity, ticket, page.detail, (form.reason_id.data, form.occurrence_id.data)
    )
    return Screen(ticket, entity, form, detail_form, page)


def _page_for(ticket: Ticket, detail_id) -> ticket_reads.DetailPage:
    """The detail the form names (or a new one), or 404 if it is not this ticket's."""
    detail_id = optional_id(detail_id)
    if detail_id is None:
        total = service.detail_count(db.session, ticket)
        return ticket_reads.DetailPage(None, total + 1, total)
    detail = get_ticket_detail(ticket, detail_id, *ticket_reads.detail_options())
    return ticket_reads.DetailPage(
        detail,
        service.position_of(db.session, ticket, detail),
        service.detail_count(db.session, ticket),
    )


def _restored_screen(ticket: Ticket, number: int | None) -> Screen:
    """The saved ticket with what this attendant typed and did not confirm laid over it."""
    facts = _facts(ticket)
    if facts is not None and (facts.my_unsaved is not None or not ticket.is_draft):
        unsaved = facts.my_unsaved
    else:
        unsaved = service.unsaved_edit(db.session, ticket, current_user.id)
    typed = json.loads(unsaved.fields) if unsaved else []
    typed_detail = {name: value for name, value in typed if name == "detail_id"}
    holds_detail = any(_is_detail_field(name) for name, _ in typed)
    page = None
    if number is None and holds_detail and "detail_id" in typed_detail:
        try:
            page = _page_for(ticket, typed_detail["detail_id"])
        except NotFound:  # the kept copy names a detail that is not this ticket's: ignore it
            holds_detail = False
    if page is None:
        page = _detail_page(ticket, number)
    pairs = _screen_pairs(ticket, page.detail)
    if typed:
        same_detail = holds_detail and optional_id(typed_detail.get("detail_id")) == (
            page.detail.id if page.detail else None
        )
        overlay = [
            (name, value)
            for name, value in typed
            if (not _is_detail_field(name) or same_detail)
            and name not in ("ticket_id", "company_id", "typed_by")  # the screen's own
        ]
        replaced = {name for name, _ in overlay}
        if same_detail:
            replaced.add("internal")  # unmarked after the save: the kept copy has no pair
        # The version and base stay those of the screen the typing started on.
        pairs = [(n, v) for n, v in pairs if n not in replaced] + overlay
    screen = _build_screen(ticket, page, MultiDict(pairs))
    screen.unsaved = unsaved
    return screen


def _detail_page(ticket: Ticket, number: int | None) -> ticket_reads.DetailPage:
    facts = _facts(ticket)
    total = facts.detail_total if facts is not None else None
    return ticket_reads.detail_page(db.session, ticket, number, total)


def _render_screen(screen: Screen, block=None, status=200, **extra):
    facts = _facts(screen.ticket)
    priority = (
        facts.alert_priority
        if facts is not None
        else alerts.highest_alert_priority(db.session, screen.entity.id, local_today())
    )
    return render(
        "tickets/edit.html",
        block=block,
        status=status,
        entity=screen.entity,
        ticket=screen.ticket,
        form=screen.form,
        detail_form=screen.detail_form,
        page=screen.page,
        unsaved=screen.unsaved,
        alert_priority=priority,
        **{"conflicts": [], "detail_message": None, "detail_conflict": None, **extra},
    )


def _require_role(entity: Entity):
    if not entity.can_open_ticket:
        context = _entity_tickets_context(entity)
        return render_template(
            "tickets/entity_tickets.html", error=str(NO_ROLE_MESSAGE), **context
        ), 422
    return None


@bp.post("/entidades/<int:entity_id>/atendimentos")
@allow(ROLE_ATTENDANT)
def create(entity_id: int):
    """Incluir: the ticket is created now, as a draft, so its code can be told at once."""
    entity = get_entity(entity_id, *queries.entity_screen_options())
    refused = _require_role(entity)
    if refused:
        return refused
    try:
        ticket = service.open_draft(db.session, current_company().id, entity, current_user.id)
    except service.DraftError as error:
        context = _entity_tickets_context(entity)
        return render_template("tickets/entity_tickets.html", error=str(error), **context), 422
    db.session.commit()
    return redirect(url_for("tickets.edit", code=ticket.code), code=303)


@bp.get("/entidades/<int:entity_id>/atendimentos/novo")
@allow(ROLE_ATTENDANT)
def new(entity_id: int):
    """The old address of a new ticket: Incluir is a button (it creates the ticket)."""
    get_entity(entity_id)
    return redirect(url_for("tickets.entity_tickets", entity_id=entity_id), code=303)


def _load_ticket(code: int) -> Ticket:
    """The ticket with what its screen shows, and (kept for _facts) the screen's other
    counts and the attendant's unsaved edit, all in one statement."""
    if not 0 < code <= MAX_ROW_ID:
        abort(404)
    # Scoped to the Empresa and locked when writing, as isocrm.loaders.get_ticket does.
    locked = request.method not in ("GET", "HEAD", "OPTIONS")
    if db.session.get_bind().dialect.name == "postgresql":
        # The statement joins some twenty tables, all from the one ticket by key: the order
        # written is the best one, and PostgreSQL's search for another took 7-12 ms of
        # planning for 1 ms of execution (at 3M tickets). For this transaction only.
        db.session.execute(sa.text("SET LOCAL join_collapse_limit = 1"))
    row = db.session.execute(
        queries.screen_ticket_statement(locked),
        {
            "code": code,
            "company_id": current_company().id,
            "user_id": current_user.id,
            "today": local_today(),
        },
    ).first()
    if row is None:
        abort(404)
    ticket, *facts = row
    g.screen_facts = (ticket.id, queries.ScreenFacts(*facts))
    return ticket


def _facts(ticket: Ticket) -> queries.ScreenFacts | None:
    """What _load_ticket read with this ticket in this request, if it did."""
    kept = g.get("screen_facts")
    return kept[1] if kept is not None and kept[0] == ticket.id else None


@bp.get("/atendimentos/<int:code>")
@allow(ROLE_ATTENDANT)
def edit(code: int):
    """The ticket screen; ?detalhe=N shows detail N (and 'novo' a new one)."""
    ticket = _load_ticket(code)
    return _render_screen(_restored_screen(ticket, detail_number(request.args.get("detalhe"))))


@bp.get("/atendimentos/<int:code>/detalhes")
@allow(ROLE_ATTENDANT)
def detail_panel(code: int):
    """The Detalhes do atendimento panel alone (pager and Novo detalhe swap only it)."""
    # Looked up first: a ticket the user may not see is a 404 here too, not a redirect.
    ticket = _load_ticket(code)
    if not is_partial_request():
        # ?detalhe= goes back only as a detail number: the Location never echoes junk.
        number = detail_number(request.args.get("detalhe"))
        detalhe = "novo" if number == NEW_DETAIL else number
        return redirect(url_for("tickets.edit", code=code, detalhe=detalhe))
    page = _detail_page(ticket, detail_number(request.args.get("detalhe")))
    pairs = _screen_pairs(ticket, page.detail)
    # The panel's Informação lists follow the Motivo/Ocorrência on screen, not the saved ones.
    chain = [(n, request.args[n]) for n in ("reason_id", "occurrence_id") if n in request.args]
    pairs = [(n, v) for n, v in pairs if n not in dict(chain)] + chain
    return _render_screen(_build_screen(ticket, page, MultiDict(pairs)), block="details")


def _wrong_target(ticket: Ticket) -> bool:
    """A form acts on the record it was opened for, or is refused (codes repeat across
    Empresas, and the Empresa may have been switched in another tab). The screen always
    sends the ticket's id; a submit without it is refused too."""
    return optional_id(request.form.get("ticket_id")) != ticket.id


def _posted_pairs():
    try:
        return service.clean_screen_fields(request.form.items(multi=True), screen_field_name)
    except service.DraftError:
        return []


@bp.post("/atendimentos/<int:code>")
@allow(ROLE_ATTENDANT)
def update(code: int):
    """Confirmar: the ticket and the detail on screen, in one transaction and one version
    check; a draft becomes a ticket. A concurrent change is merged or shown, never lost."""
    ticket = _load_ticket(code)
    if _wrong_target(ticket):
        return _refuse_other_target()
    if ticket.is_discarded:
        return _error_screen(
            ticket, _("Este rascunho foi descartado e não pode ser confirmado."), 409
        )
    page = _page_for(ticket, request.form.get("detail_id"))
    screen = _build_screen(ticket, page, request.form)
    detail_wanted = ticket.is_draft or not (page.is_new and screen.detail_form.is_blank())
    refused = _refused_confirmation(ticket, screen, page, detail_wanted)
    if refused is not None:
        return refused

    form = screen.form
    theirs = ticket_values(ticket)
    mine = {name: form[name].data for name in TICKET_FIELDS}
    merge = service.merge_ticket_fields(
        mine,
        service.parse_base(form.base.data),
        theirs,
        same_version=optional_id(form.version.data) == ticket.version,
        resolutions={name: request.form.get(f"resolve-{name}", "") for name in TICKET_FIELDS},
    )
    if merge.conflicts:
        return _merge_conflicts_screen(ticket, screen, mine, theirs, merge)
    return _confirm(ticket, screen, page, merge, detail_wanted)


def _refused_confirmation(ticket: Ticket, screen: Screen, page, detail_wanted: bool):
    """The screen again, with what was typed kept, when Confirmar cannot save it: invalid
    fields, a detail another attendant changed meanwhile, or a new detail another submit of
    this screen already saved with other values. None when it can go on."""
    form, detail_form = screen.form, screen.detail_form
    valid = form.validate()
    valid = (detail_form.validate() if detail_wanted else True) and valid
    if not valid:
        _keep_what_was_typed(ticket)
        return _render_screen(screen, status=422)

    if (
        page.detail is not None
        and optional_id(detail_form.detail_version.data) != page.detail.version
    ):
        _keep_what_was_typed(ticket)
        return _render_screen(
            screen,
            status=409,
            detail_message=str(DETAIL_CONFLICT_MESSAGE),
            detail_conflict=page.detail,
        )

    if detail_wanted and page.detail is None:
        earlier = service.find_entry(db.session, ticket, detail_form.entry_key.data)
        if earlier is not None and service.detail_differs(earlier, _detail_input(detail_form)):
            return _repeat_with_other_values(ticket, earlier)
    return None


def _merge_conflicts_screen(ticket: Ticket, screen: Screen, mine, theirs, merge):
    """Fields this attendant and another both changed: the screen shows both to choose,
    now based on the other's version; the fields only the other changed show theirs."""
    form = screen.form
    conflicts = _conflicts(form, ticket, mine, theirs, merge.conflicts)
    form.version.data = str(ticket.version)
    form.base.data = json.dumps(theirs)
    for name in merge.kept_theirs:  # only the other changed it: the screen shows theirs
        form[name].data, form[name].raw_data = theirs[name], None
    _keep_what_was_typed(ticket)
    kept = ", ".join(str(form[name].label.text) for name in merge.kept_theirs)
    return _render_screen(screen, status=409, conflicts=conflicts, kept_theirs=kept)


def _confirm(ticket: Ticket, screen: Screen, page, merge, detail_wanted: bool):
    """Save the merged ticket and the detail on screen in one UPDATE and commit; say what
    happened and show the ticket at the detail saved."""
    code = ticket.code  # read before the commit expires the ticket
    now = utcnow()
    was_draft = ticket.is_draft
    status = db.session.get(Status, merge.values["status_id"])
    service.forget_unsaved(db.session, ticket, current_user.id)
    # One UPDATE of the ticket (and one audit entry): no flush until everything is set.
    with db.session.no_autoflush:
        changed = service.apply_ticket_values(ticket, merge.values, status)
        detail, detail_changed, repeated = _save_detail_from(
            screen.detail_form, ticket, page, now, detail_wanted
        )
        if was_draft:
            service.confirm(ticket, current_user.id)
        if changed or detail_changed or was_draft:
            ticket.updated_by_id = current_user.id
            if not changed and not was_draft:
                ticket.updated_at = now
    try:
        db.session.commit()
    except StaleDataError:
        # Someone saved between our read and our write: ask again, with their values.
        db.session.rollback()
        return _error_screen(
            _load_ticket(code),
            _(
                "Outro atendente confirmou este atendimento no mesmo instante. Confira e "
                "confirme de novo: o que você digitou continua guardado."
            ),
            409,
            keep=request.form,
        )
    _tell_confirmed(ticket, screen.form, merge, was_draft or changed or detail_changed, repeated)
    return _to_detail(code, ticket, detail)


def _tell_confirmed(ticket: Ticket, form, merge, saved: bool, repeated: bool) -> None:
    if saved:
        flash(_("Atendimento %(code)s confirmado.", code=ticket.code_display), "success")
    elif repeated:
        flash(_("Este detalhe já tinha sido salvo; nada foi duplicado."), "info")
    else:
        flash(_("Nada mudou: o atendimento continua como estava."), "info")
    if merge.kept_theirs:
        labels = ", ".join(str(form[name].label.text) for name in merge.kept_theirs)
        flash(
            _("Outro atendente também alterou, e foi mantido: %(labels)s.", labels=labels), "info"
        )


def _to_detail(code: int, ticket: Ticket, detail: TicketDetail | None):
    """The ticket's screen at this detail (the last one is where the screen opens anyway)."""
    number = service.position_of(db.session, ticket, detail) if detail is not None else None
    if number is not None and number == service.detail_count(db.session, ticket):
        number = None
    return redirect(url_for("tickets.edit", code=code, detalhe=number), code=303)


DETAIL_CONFLICT_MESSAGE = _l(
    "Outro atendente alterou este detalhe enquanto você editava. "
    "O texto dele está abaixo; o seu continua nos campos."
)


REPEAT_CONFLICT_MESSAGE = _l(
    "Este detalhe já foi salvo por outro envio (outra aba, por exemplo) com outro texto. "
    "O texto salvo está abaixo; o seu continua nos campos: Confirmar fica com o seu."
)


def _repeat_with_other_values(ticket: Ticket, earlier: TicketDetail):
    """The new detail of this screen was saved by another submit of the same screen (a
    second tab on the draft) with other values: nothing saved now, and the screen comes back
    as an edit of that detail, so Confirmar again saves what this tab typed there."""
    _keep_what_was_typed(ticket)
    keep = request.form.copy()
    keep.setlist("detail_id", [str(earlier.id)])
    keep.setlist("detail_version", [str(earlier.version)])
    keep.setlist("entry_key", [""])
    screen = _build_screen(ticket, _page_for(ticket, earlier.id), keep)
    return _render_screen(
        screen, status=409, detail_message=str(REPEAT_CONFLICT_MESSAGE), detail_conflict=earlier
    )


def _keep_what_was_typed(ticket: Ticket) -> None:
    """A refused submit is still kept as the attendant's unsaved edit (even without
    JavaScript, closing the tab now loses nothing)."""
    pairs = _posted_pairs()
    if pairs:
        service.keep_unsaved(db.session, ticket, current_user.id, pairs)
        db.session.commit()


def _detail_input(form: DetailForm) -> service.DetailInput:
    lines = []
    for line in form.infos:
        if line.form.is_blank():
            continue
        lines.append(
            {
                "product_info_id": line.form.product_info_id.data,
                "note": _blank_to_none(line.form.note.data),
                "lot_number": _blank_to_none(line.form.lot_number.data),
                "serial_number": _blank_to_none(line.form.serial_number.data),
                "manufactured_on": line.form.manufactured_on.data,
                "expires_on": line.form.expires_on.data,
            }
        )
    return service.DetailInput(
        channel_id=form.channel_id.data,
        direction=form.direction.data,
        received_at=local_to_utc(form.received_at.data) if form.received_at.data else None,
        description=form.description.data or "",
        answer=form.answer.data,
        contact_entity_id=form.contact_entity_id.data,
        info_lines=lines,
        internal=form.internal.data,
        internal_note=form.internal_note.data,
    )


def _save_detail_from(form: DetailForm, ticket: Ticket, page, now, wanted: bool):
    """(detail, changed, repeated): the detail on screen saved, or found again when the
    same new-detail form was already submitted."""
    if not wanted:
        return None, False, False
    detail = page.detail
    if detail is None:
        earlier = service.find_entry(db.session, ticket, form.entry_key.data)
        if earlier is not None:
            return earlier, False, True
        detail = TicketDetail(
            ticket=ticket,
            attendant_id=current_user.id,
            opened_at=now,
            entry_key=(form.entry_key.data or "")[:36] or None,
        )
        db.session.add(detail)
    changed = service.apply_detail(detail, _detail_input(form), now)
    return detail, changed or page.detail is None, False


def _blank_to_none(value):
    if isinstance(value, str):
        value = value.strip()
    return value if value not in ("", None) else None


def _error_screen(ticket: Ticket, message: str, status: int, keep=None):
    """The screen as the attendant left it, with a message at the top; nothing saved."""
    keep = request.form if keep is None else keep
    screen = _build_screen(ticket, _page_for(ticket, keep.get("detail_id")), keep)
    return _render_screen(screen, status=status, screen_message=message)


def _refuse_other_target():
    """The form was opened for another record (the Empresa was switched in another tab):
    nothing is saved here; what was typed is kept on the record it belongs to."""
    posted = optional_id(request.form.get("ticket_id"))
    original = db.session.get(Ticket, posted) if posted and posted > 0 else None
    allowed = {company.id for company in current_user.companies}
    if (
        original is not None
        and original.company_id in allowed
        and original.company_id != current_company().id
        and not original.is_discarded
    ):
        pairs = _posted_pairs()
        if pairs:
            service.keep_unsaved(db.session, original, current_user.id, pairs)
            db.session.commit()
        message = _(
            "Esta tela era do atendimento %(code)s da Empresa %(company)s, e a Empresa foi "
            "trocada em outra aba. Nada foi salvo aqui; o que você digitou ficou guardado "
            "naquele atendimento: troque a Empresa no topo e abra-o de novo.",
            code=original.code_display,
            company=original.company.name,
        )
    else:
        message = _("Esta tela é de outro atendimento; nada foi salvo.")
    if is_partial_request() or request.endpoint == "tickets.autosave":
        return {"error": message}, 409
    flash(message, "error")
    return redirect(url_for("tickets.index"), code=303)


def _conflicts(form, ticket, mine, theirs, names) -> list["FieldConflict"]:
    conflicts = []
    for name in names:
        field = form[name]
        labels = field.labels() if hasattr(field, "labels") else {}

        def show(value, labels=labels):
            if value in (None, ""):
                return "(vazio)"
            return str(labels.get(value, value))

        conflicts.append(
            FieldConflict(
                name=name,
                label=field.label.text,
                theirs_display=show(theirs[name]),
                mine_display=show(mine[name]),
            )
        )
    return conflicts


@dataclass
class FieldConflict:
    """A field both attendants changed, differently."""

    name: str
    label: str
    theirs_display: str
    mine_display: str


@bp.post("/atendimentos/<int:code>/rascunho")
@allow(ROLE_ATTENDANT)
def autosave(code: int):
    """Keep what the attendant typed (the screen posts it a moment after each change)."""
    ticket = _load_ticket(code)
    if _wrong_target(ticket):
        return _refuse_other_target()
    if ticket.is_discarded:
        return {"error": _("Este rascunho foi descartado.")}, 409
    try:
        pairs = service.clean_screen_fields(request.form.items(multi=True), screen_field_name)
    except service.DraftError as error:
        return {"error": str(error)}, 413
    zone = local_zone()
    if _already_saved_entry(ticket, pairs) or not _differs_from_saved(ticket, pairs):
        # Back to what is saved (or nothing typed yet): nothing to keep, nothing to restore.
        service.forget_unsaved(db.session, ticket, current_user.id)
        db.session.commit()
        return {"saved_at": utcnow().astimezone(zone).strftime("%H:%M:%S"), "unchanged": True}
    edit = service.keep_unsaved(db.session, ticket, current_user.id, pairs)
    db.session.commit()
    return {"saved_at": edit.saved_at.astimezone(zone).strftime("%H:%M:%S")}


def _already_saved_entry(ticket: Ticket, pairs) -> bool:
    """A screen whose new detail is already saved (its entry key is on a detail): an autosave
    that reached the server after the Confirmar or Salvar it was sent with (Ctrl+Enter right
    after typing). That screen is gone; keeping it would offer the same detail again."""
    typed = MultiDict(pairs)
    if optional_id(typed.get("detail_id")):
        return False
    return service.find_entry(db.session, ticket, typed.get("entry_key")) is not None


# What the screen carries to identify itself, not what the attendant typed.
_BOOKKEEPING = {
    "ticket_id",
    "company_id",
    "typed_by",
    "version",
    "base",
    "detail_version",
    "entry_key",
}


def _differs_from_saved(ticket: Ticket, pairs) -> bool:
    typed = MultiDict(pairs)
    detail = None
    detail_id = optional_id(typed.get("detail_id"))
    if detail_id:
        detail = db.session.scalar(
            sa.select(TicketDetail).where(
                TicketDetail.id == detail_id, TicketDetail.ticket_id == ticket.id
            )
        )
    saved = dict(_screen_pairs(ticket, detail))
    if ("internal" in saved) != any(name == "internal" for name, _ in pairs):
        return True  # Interno marked or unmarked (an unmarked checkbox posts nothing)
    for name, value in pairs:
        if name in _BOOKKEEPING or name.startswith("resolve-"):
            continue
        if name.startswith("infos-"):
            if value.strip():
                return True
            continue
        if value.strip() != saved.get(name, "").strip():
            return True
    return False


@bp.post("/atendimentos/<int:code>/alteracoes/descartar")
@allow(ROLE_ATTENDANT)
def discard_changes(code: int):
    """Descartar alterações: forget what was typed and not confirmed; show the saved ticket."""
    ticket = _load_ticket(code)
    service.forget_unsaved(db.session, ticket, current_user.id)
    db.session.commit()
    flash(_("Alterações não confirmadas descartadas."), "info")
    return redirect(url_for("tickets.edit", code=code), code=303)


DISCARD_OTHERS_DRAFT = _l(
    "Este rascunho foi incluído por outro atendente: só um supervisor pode descartá-lo. "
    "Retome-o ou peça a quem o incluiu."
)


@bp.post("/atendimentos/<int:code>/descartar")
@allow(ROLE_ATTENDANT)
def discard(code: int):
    """Descartar rascunho: kept as Cancelado (desistência), never deleted."""
    ticket = _load_ticket(code)
    if _wrong_target(ticket):
        return _refuse_other_target()
    if ticket.is_draft and not ticket.draft_discardable_by(current_user.id):
        # Another attendant's draft may be a call still going on: only a supervisor gives
        # it up for them (the list of drafts shows them who opened it and when).
        require_role(ROLE_SUPERVISOR, str(DISCARD_OTHERS_DRAFT))
    try:
        service.discard_draft(db.session, ticket, current_user.id)
    except service.DraftError as error:
        flash(str(error), "error")
        return redirect(url_for("tickets.edit", code=code), code=303)
    db.session.commit()
    flash(
        _("Rascunho %(code)s descartado (cancelado por desistência).", code=ticket.code_display),
        "info",
    )
    return redirect(url_for("tickets.entity_tickets", entity_id=ticket.entity_id), code=303)


@bp.post("/atendimentos/<int:code>/detalhes", defaults={"detail_id": None})
@bp.post("/atendimentos/<int:code>/detalhes/<int:detail_id>")
@allow(ROLE_ATTENDANT)
def save_detail(code: int, detail_id: int | None):
    """Salvar detalhe (secondary): the detail on screen alone; the ticket's fields stay as
    typed on the screen (and in the autosave) until Confirmar."""
    ticket = _load_ticket(code)
    if _wrong_target(ticket):
        return _refuse_other_target()
    if ticket.stage != STAGE_CONFIRMED:
        message = _("Confirme o atendimento: o primeiro detalhe é salvo com ele.")
        return _error_screen(ticket, message, 409)
    page = _page_for(ticket, detail_id if detail_id is not None else request.form.get("detail_id"))
    screen = _build_screen(ticket, page, request.form)
    form = screen.detail_form
    if not form.validate():
        return _render_screen(screen, block="details", status=422)
    if page.detail is not None and optional_id(form.detail_version.data) != page.detail.version:
        return _render_screen(
            screen,
            block="details",
            status=409,
            detail_message=str(DETAIL_CONFLICT_MESSAGE),
            detail_conflict=page.detail,
        )
    now = utcnow()
    detail, changed, repeated = _save_detail_from(form, ticket, page, now, True)
    if changed:
        ticket.updated_by_id = current_user.id
        ticket.updated_at = now
    service.forget_unsaved(db.session, ticket, current_user.id, only=_is_detail_field)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return _error_screen(
            _load_ticket(code), str(DETAIL_CONFLICT_MESSAGE), 409, keep=request.form
        )
    message = _("Detalhe salvo.") if not repeated else _("Este detalhe já tinha sido salvo.")
    return _show_changed_detail(ticket, detail, message)


def _show_changed_detail(ticket: Ticket, detail: TicketDetail, message: str):
    """After a detail changed: its panel for htmx, the screen on its page otherwise."""
    number = service.position_of(db.session, ticket, detail)
    if not is_partial_request():
        flash(message, "success")
        return redirect(url_for("tickets.edit", code=ticket.code, detalhe=number), code=303)
    db.session.expire_all()
    ticket = _load_ticket(ticket.code)
    page = _detail_page(ticket, number)
    pairs = _screen_pairs(ticket, page.detail)
    chain = [(n, request.form[n]) for n in ("reason_id", "occurrence_id") if n in request.form]
    pairs = [(n, v) for n, v in pairs if n not in dict(chain)] + chain
    screen = _build_screen(ticket, page, MultiDict(pairs))
    return _render_screen(screen, block="details", detail_message=message)


@bp.post("/atendimentos/<int:code>/detalhes/<int:detail_id>/informacoes/<int:info_id>/excluir")
@allow(ROLE_ATTENDANT)
def delete_info(code: int, detail_id: int, info_id: int):
    """Remove one Informação do detalhe line."""
    ticket = _load_ticket(code)
    if _wrong_target(ticket):
        return _refuse_other_target()
    info = get_detail_info(ticket, detail_id, info_id)
    detail = info.detail
    db.session.delete(info)
    ticket.updated_by_id = current_user.id
    ticket.updated_at = utcnow()
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return _error_screen(
            _load_ticket(code), _("Outro atendente alterou este atendimento; tente de novo."), 409
        )
    return _show_changed_detail(ticket, detail, _("Informação excluída."))


# --- small pieces htmx swaps in ---------------------------------------------------------


def _info_cells(company_id: int, reason_id, occurrence_id):
    """The Informação select of every line on screen, for the chain now chosen: a product
    still valid stays chosen; one that is not is cleared and says so."""
    choices = queries.product_info_choices(db.session, company_id, reason_id, occurrence_id)
    valid = {value for value, _ in choices if value is not None}
    cells = []
    for name, value in request.args.items(multi=True):
        parts = name.split("-")
        if len(parts) != 3 or parts[0] != "infos" or parts[2] != "product_info_id":
            continue
        if not parts[1].isdecimal() or len(parts[1]) > 3 or int(parts[1]) >= MAX_INFO_LINES:
            continue
        line = _info_line(int(parts[1]))
        line.form.product_info_id.choices = choices
        chosen = optional_id(value)
        kept = chosen if chosen in valid else None
        line.form.product_info_id.data = kept
        cells.append({"line": line, "cleared": chosen is not None and kept is None})
    return cells


def _info_line(index: int):
    """Line `index` of the detail form's Informação list, alone: its fields are named as
    in the whole form (infos-N-…), without building the detail form and every line before."""
    return SimpleNamespace(form=InfoLineForm(formdata=None, prefix=f"infos-{index}-"))


@bp.get("/atendimentos/opcoes/ocorrencias")
@allow(ROLE_ATTENDANT)
def occurrence_options():
    """<option>s of Ocorrência for the chosen Motivo; Causa is emptied alongside and every
    Informação line follows (a chosen product is never swapped for another)."""
    company_id = current_company().id
    reason_id = optional_id(request.args.get("reason_id"))
    return render(
        "tickets/_options.html",
        choices=catalogs.occurrence_choices(db.session, company_id, reason_id),
        clear_causes=True,
        info_cells=_info_cells(company_id, None, None),
    )


@bp.get("/atendimentos/opcoes/causas")
@allow(ROLE_ATTENDANT)
def cause_options():
    """<option>s of Causa for the chosen Ocorrência (keeping a Causa still valid); the
    Informação lines follow too."""
    company_id = current_company().id
    reason_id = optional_id(request.args.get("reason_id"))
    occurrence_id = optional_id(request.args.get("occurrence_id"))
    return render(
        "tickets/_options.html",
        choices=catalogs.cause_choices(db.session, company_id, occurrence_id),
        selected=optional_id(request.args.get("cause_id")),
        info_cells=_info_cells(company_id, reason_id, occurrence_id),
    )


@bp.get("/atendimentos/opcoes/informacao")
@allow(ROLE_ATTENDANT)
def info_row():
    """A new, empty Informação do detalhe line for the current Motivo and Ocorrência."""
    company_id = current_company().id
    reason_id = optional_id(request.args.get("reason_id"))
    occurrence_id = optional_id(request.args.get("occurrence_id"))
    index = optional_id(request.args.get("index")) or 0
    if index < 0:  # not a number the screen sends: an edited URL, not a full detail
        return render("tickets/_info_limit.html", status=422, limit=None)
    if index >= MAX_INFO_LINES:
        return render("tickets/_info_limit.html", status=422, limit=MAX_INFO_LINES)
    line = _info_line(index)
    line.form.product_info_id.choices = queries.product_info_choices(
        db.session, company_id, reason_id, occurrence_id
    )
    return render("tickets/_info_row.html", line=line, index=index)


@bp.get("/atendimentos/opcoes/locais")
@allow(ROLE_ATTENDANT)
def location_options():
    """Local: the partners of the Empresa matching what was typed (the combobox's listbox;
    the Local already chosen is in the form, not in the list)."""
    query = request.args.get("q", "")[:100]
    return render_listbox(queries.partner_choices(db.session, current_company().id, query, None))


@bp.get("/atendimentos/opcoes/relacionados")
@allow(ROLE_ATTENDANT)
def related_options():
    """SAC Relacionado: confirmed tickets of the Empresa matching a code or an entity name,
    the screen's own ticket (exclude) left out."""
    query = request.args.get("q", "")[:100]
    exclude = optional_id(request.args.get("exclude"))
    choices = queries.related_ticket_choices(db.session, current_company().id, query, None, exclude)
    return render_listbox(choices)


@bp.get("/entidades/<int:entity_id>/contatos")
@allow(ROLE_ATTENDANT)
def contact_options(entity_id: int):
    """Contato: the entity's related people whose name matches what was typed (all of them
    for an empty text)."""
    entity = get_entity(entity_id)
    query = request.args.get("q", "")[:100]
    return render_listbox(queries.contact_choices(db.session, entity.id, query))
