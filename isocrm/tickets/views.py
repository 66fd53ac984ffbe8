import json
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from isocrm.entities.search import search_entities
from isocrm.extensions import db
from isocrm.fields import local_to_utc, optional_id
from isocrm.htmx import is_partial_request, render
from isocrm.loaders import get_entity, get_ticket
from isocrm.models import DetailInfo, Entity, Status, Ticket, TicketDetail
from isocrm.models.base import utcnow
from isocrm.security import current_company
from isocrm.tickets import bp, queries
from isocrm.tickets.forms import (
    TICKET_FIELDS,
    DetailForm,
    NewTicketForm,
    TicketForm,
)
from isocrm.tickets.service import (
    FieldConflict,
    apply_status,
    changed_by_others,
    take_next_code,
    ticket_values,
)

NO_ROLE_MESSAGE = (
    "É necessário que a entidade tenha um papel preenchido no cadastro "
    "(por exemplo, Cliente ou Parceiro) para abrir um atendimento."
)


@bp.get("/")
def home():
    """The desk opens on the search for an entity."""
    return redirect(url_for("tickets.index"))


@bp.get("/atendimentos/")
def index():
    """Atendimentos: search an entity by NOME/RAZÃO SOCIAL or CPF/CNPJ to open a ticket."""
    query = request.args.get("q", "").strip()[:100]
    page = request.args.get("page", 1, type=int) or 1
    results = None
    if query:
        results = search_entities(
            db.session,
            current_company().id,
            query,
            page=page,
            per_page=current_app.config["SEARCH_PAGE_SIZE"],
        )
    return render("tickets/index.html", block="results", query=query, results=results)


@bp.get("/entidades/<int:entity_id>/atendimentos")
def entity_tickets(entity_id: int):
    """The entity's tickets, newest first (seed §1: opened from the SAC icon)."""
    entity = get_entity(entity_id, *queries.entity_screen_options())
    return render("tickets/entity_tickets.html", **_entity_tickets_context(entity))


def _entity_tickets_context(entity: Entity) -> dict:
    tickets = db.session.scalars(
        sa.select(Ticket)
        .where(Ticket.entity_id == entity.id, Ticket.company_id == current_company().id)
        .options(
            joinedload(Ticket.reason),
            joinedload(Ticket.status),
            joinedload(Ticket.opened_by),
            joinedload(Ticket.role),
        )
        .order_by(Ticket.opened_at.desc(), Ticket.id.desc())
    ).all()
    return {"entity": entity, "tickets": tickets}


# --- the ticket screen -----------------------------------------------------------------


def _today():
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def _fill_ticket_choices(form, entity: Entity, ticket: Ticket | None) -> None:
    """Set every select's choices, the dependent ones from the submitted (or saved) parent."""
    session, company_id = db.session, current_company().id
    form.role_id.choices = queries.role_choices(entity)
    form.status_id.choices = queries.status_choices(session, company_id)
    form.reason_id.choices = queries.reason_choices(session, company_id)
    reason_id = form.reason_id.data if form.is_submitted() else ticket and ticket.reason_id
    form.occurrence_id.choices = queries.occurrence_choices(session, company_id, reason_id)
    occurrence_id = (
        form.occurrence_id.data if form.is_submitted() else ticket and ticket.occurrence_id
    )
    form.cause_id.choices = queries.cause_choices(session, company_id, occurrence_id)
    form.unit_id.choices = queries.unit_choices(entity)

    location = None
    location_id = form.location_entity_id.data if form.is_submitted() else None
    if location_id and queries.is_partner(session, company_id, location_id):
        location = db.session.get(Entity, location_id)
    elif not form.is_submitted() and ticket is not None:
        location = ticket.location
    form.location_entity_id.choices = queries.partner_choices(session, company_id, "", location)

    related = None
    related_id = form.related_ticket_id.data if form.is_submitted() else None
    if related_id and related_id > 0 and (ticket is None or related_id != ticket.id):
        related = db.session.scalar(
            sa.select(Ticket)
            .where(Ticket.id == related_id, Ticket.company_id == company_id)
            .options(joinedload(Ticket.entity), joinedload(Ticket.reason))
        )
    elif not form.is_submitted() and ticket is not None:
        related = ticket.related_ticket
    form.related_ticket_id.choices = queries.related_ticket_choices(
        session, company_id, "", related, ticket and ticket.id
    )


def _fill_detail_choices(form, entity: Entity, reason_id, occurrence_id, contact_id=None):
    session, company_id = db.session, current_company().id
    form.channel_id.choices = queries.channel_choices(session, company_id)
    form.contact_entity_id.choices = queries.contact_choices(session, entity.id, current=contact_id)
    info_choices = queries.product_info_choices(session, company_id, reason_id, occurrence_id)
    for line in form.infos:
        line.form.product_info_id.choices = info_choices
    return info_choices


def _chain_from_request(ticket: Ticket | None):
    """The Motivo/Ocorrência the attendant has on screen (sent along with detail forms)."""
    reason_id = optional_id(request.values.get("reason_id"))
    occurrence_id = optional_id(request.values.get("occurrence_id"))
    if reason_id is None and occurrence_id is None and ticket is not None:
        return ticket.reason_id, ticket.occurrence_id
    return reason_id, occurrence_id


def _screen(
    template_block: str | None,
    *,
    entity: Entity,
    ticket: Ticket | None,
    form,
    detail_form=None,
    page=None,
    conflicts=None,
    status: int = 200,
    detail_message: str | None = None,
    detail_conflict: TicketDetail | None = None,
):
    today = _today()
    return render(
        "tickets/edit.html",
        block=template_block,
        status=status,
        entity=entity,
        ticket=ticket,
        form=form,
        detail_form=detail_form if detail_form is not None else form,
        page=page,
        conflicts=conflicts or [],
        alert_priority=queries.highest_alert_priority(db.session, entity.id, today),
        detail_message=detail_message,
        detail_conflict=detail_conflict,
    )


def _require_role(entity: Entity):
    if not entity.can_open_ticket:
        context = _entity_tickets_context(entity)
        return render_template("tickets/entity_tickets.html", error=NO_ROLE_MESSAGE, **context), 422
    return None


@bp.get("/entidades/<int:entity_id>/atendimentos/novo")
def new(entity_id: int):
    """Incluir: the screen of a new ticket for the entity (seed §2–8)."""
    entity = get_entity(entity_id, *queries.entity_screen_options())
    refused = _require_role(entity)
    if refused:
        return refused
    form = NewTicketForm()
    _fill_ticket_choices(form, entity, None)
    _fill_detail_choices(form, entity, None, None)
    if len(entity.roles) == 1:
        form.role_id.data = entity.roles[0].id
    default = queries.default_status(db.session, current_company().id)
    form.status_id.data = default.id if default else None
    return _screen(None, entity=entity, ticket=None, form=form)


@bp.post("/entidades/<int:entity_id>/atendimentos/novo")
def create(entity_id: int):
    """Confirmar on a new ticket: save it with its first detail and give it its code."""
    entity = get_entity(entity_id, *queries.entity_screen_options())
    refused = _require_role(entity)
    if refused:
        return refused
    form = NewTicketForm()
    _fill_ticket_choices(form, entity, None)
    _fill_detail_choices(form, entity, form.reason_id.data, form.occurrence_id.data)
    if not form.validate():
        return _screen(None, entity=entity, ticket=None, form=form, status=422)

    now = utcnow()
    company = current_company()
    ticket = Ticket(
        company_id=company.id,
        code=take_next_code(db.session, company.id),
        entity_id=entity.id,
        opened_by_id=current_user.id,
        updated_by_id=current_user.id,
        opened_at=now,
    )
    _copy_ticket_fields(form, ticket)
    detail = TicketDetail(ticket=ticket, attendant_id=current_user.id, opened_at=now)
    _copy_detail_fields(form, detail, now)
    db.session.add(ticket)
    db.session.commit()
    flash(f"Atendimento {ticket.code_display} confirmado.", "success")
    return redirect(url_for("tickets.edit", code=ticket.code), code=303)


def _copy_ticket_fields(form, ticket: Ticket) -> None:
    for name in TICKET_FIELDS:
        if name != "status_id":
            setattr(ticket, name, _blank_to_none(form[name].data))
    apply_status(ticket, db.session.get(Status, form.status_id.data))


def _copy_detail_fields(form, detail: TicketDetail, now: datetime) -> None:
    detail.channel_id = form.channel_id.data
    detail.direction = form.direction.data
    detail.received_at = local_to_utc(form.received_at.data) if form.received_at.data else None
    detail.description = form.description.data.strip()
    answer = (form.answer.data or "").strip() or None
    if answer and detail.answered_at is None:
        detail.answered_at = now  # Data da resposta: when the answer is first saved
    elif not answer:
        detail.answered_at = None
    detail.answer = answer
    detail.contact_entity_id = form.contact_entity_id.data
    for line in form.infos:
        if line.form.is_blank():
            continue
        detail.informations.append(
            DetailInfo(
                product_info_id=line.form.product_info_id.data,
                note=_blank_to_none(line.form.note.data),
                lot_number=_blank_to_none(line.form.lot_number.data),
                serial_number=_blank_to_none(line.form.serial_number.data),
                manufactured_on=line.form.manufactured_on.data,
                expires_on=line.form.expires_on.data,
            )
        )


def _blank_to_none(value):
    if isinstance(value, str):
        value = value.strip()
    return value if value not in ("", None) else None


def _detail_number(request_value: str | None) -> int | None:
    if request_value == "novo":
        return 10**9  # past the last one: a new detail
    try:
        return int(request_value) if request_value else None
    except ValueError:
        return None


def _load_screen(code: int):
    ticket = get_ticket(code, *queries.ticket_screen_options())
    return ticket, ticket.entity


def _detail_form_for(page, ticket: Ticket, entity: Entity, formdata=None) -> DetailForm:
    detail = page.detail
    form = DetailForm(formdata=formdata, obj=detail if formdata is None else None)
    if detail is not None and formdata is None:
        zone = ZoneInfo(current_app.config["TIMEZONE"])
        form.received_at.data = (
            detail.received_at.astimezone(zone).replace(tzinfo=None) if detail.received_at else None
        )
        form.detail_version.data = str(detail.version)
    _fill_detail_choices(
        form,
        entity,
        ticket.reason_id,
        ticket.occurrence_id,
        contact_id=detail.contact_entity_id if detail else None,
    )
    return form


def _ticket_form_for(ticket: Ticket) -> TicketForm:
    form = TicketForm(formdata=None, obj=ticket)
    form.version.data = str(ticket.version)
    form.base.data = json.dumps(ticket_values(ticket, TICKET_FIELDS))
    _fill_ticket_choices(form, ticket.entity, ticket)
    return form


def _show(code: int, block: str | None):
    ticket, entity = _load_screen(code)
    page = queries.detail_page(db.session, ticket, _detail_number(request.args.get("detalhe")))
    return _screen(
        block,
        entity=entity,
        ticket=ticket,
        form=_ticket_form_for(ticket),
        detail_form=_detail_form_for(page, ticket, entity),
        page=page,
    )


@bp.get("/atendimentos/<int:code>")
def edit(code: int):
    """The ticket screen; ?detalhe=N shows detail N (and 'novo' a new one)."""
    return _show(code, None)


@bp.get("/atendimentos/<int:code>/detalhes")
def detail_panel(code: int):
    """The Detalhes do atendimento panel alone (pager and Novo detalhe swap only it)."""
    if not is_partial_request():
        return redirect(url_for("tickets.edit", code=code, detalhe=request.args.get("detalhe")))
    return _show(code, "details")


@bp.post("/atendimentos/<int:code>")
def update(code: int):
    """Confirmar on a saved ticket; a concurrent change is shown field by field, never lost."""
    ticket, entity = _load_screen(code)
    form = TicketForm()
    _fill_ticket_choices(form, entity, ticket)
    page = queries.detail_page(db.session, ticket, _detail_number(request.args.get("detalhe")))
    detail_form = _detail_form_for(page, ticket, entity)

    def again(status, conflicts=None):
        return _screen(
            None,
            entity=entity,
            ticket=ticket,
            form=form,
            detail_form=detail_form,
            page=page,
            conflicts=conflicts,
            status=status,
        )

    if not form.validate():
        return again(422)

    mine = {name: form[name].data for name in TICKET_FIELDS}
    try:
        base = json.loads(form.base.data or "{}")
    except ValueError:
        base = {}
    # Where the attendant chose "use the other attendant's value" in a conflict.
    for name in TICKET_FIELDS:
        if request.form.get(f"resolve-{name}") == "theirs":
            mine[name] = base.get(name)

    merged: list[str] = []
    if optional_id(form.version.data) != ticket.version:
        theirs = ticket_values(ticket, TICKET_FIELDS)
        changed = changed_by_others(base, mine, theirs)
        clashing = [
            n for n in changed if _differs(mine[n], base.get(n)) and _differs(mine[n], theirs[n])
        ]
        if clashing:
            conflicts = _conflicts(form, ticket, base, mine, theirs, changed)
            form.version.data = str(ticket.version)
            form.base.data = json.dumps(theirs)
            return again(409, conflicts)
        # Fields only the other attendant changed keep the other attendant's value.
        for name in changed:
            mine[name] = theirs[name]
            merged.append(form[name].label.text)

    for name, value in mine.items():
        if name != "status_id":
            setattr(ticket, name, _blank_to_none(value))
    apply_status(ticket, db.session.get(Status, mine["status_id"]))
    ticket.updated_by_id = current_user.id
    try:
        db.session.commit()
    except StaleDataError:
        # Someone saved between our read and our write: show their change like above.
        db.session.rollback()
        return redirect(url_for("tickets.edit", code=code), code=303)
    flash(f"Atendimento {ticket.code_display} confirmado.", "success")
    if merged:
        flash(f"Outro atendente também alterou, e foi mantido: {', '.join(merged)}.", "info")
    return redirect(
        url_for("tickets.edit", code=code, detalhe=request.args.get("detalhe")), code=303
    )


def _conflicts(form, ticket, base, mine, theirs, changed) -> list[FieldConflict]:
    conflicts = []
    for name in changed:
        field = form[name]
        labels = field.labels() if hasattr(field, "labels") else {}
        current = getattr(ticket, name)
        if name == "location_entity_id" and ticket.location is not None:
            labels[current] = ticket.location.name
            field.choices = [*field.choices, (current, ticket.location.name)]
        if name == "related_ticket_id" and ticket.related_ticket is not None:
            labels[current] = ticket.related_ticket.code_display
            field.choices = [*field.choices, (current, ticket.related_ticket.code_display)]

        def show(value, labels=labels):
            if value in (None, ""):
                return "(vazio)"
            return str(labels.get(value, value))

        conflicts.append(
            FieldConflict(
                name=name,
                label=field.label.text,
                theirs=theirs[name],
                mine=mine[name],
                theirs_display=show(theirs[name]),
                mine_display=show(mine[name]),
                both_changed=_differs(mine[name], base.get(name)),
            )
        )
    return conflicts


def _differs(a, b) -> bool:
    return (a if a not in ("", None) else None) != (b if b not in ("", None) else None)


@bp.post("/atendimentos/<int:code>/detalhes", defaults={"detail_id": None})
@bp.post("/atendimentos/<int:code>/detalhes/<int:detail_id>")
def save_detail(code: int, detail_id: int | None):
    """Salvar detalhe: add a new detail or change the one shown."""
    ticket, entity = _load_screen(code)
    detail = None
    if detail_id is not None:
        detail = db.session.scalar(
            sa.select(TicketDetail)
            .where(TicketDetail.id == detail_id, TicketDetail.ticket_id == ticket.id)
            .options(selectinload(TicketDetail.informations))
        )
        if detail is None:
            abort(404)
    form = DetailForm()
    reason_id, occurrence_id = _chain_from_request(ticket)
    _fill_detail_choices(
        form,
        entity,
        reason_id,
        occurrence_id,
        contact_id=detail.contact_entity_id if detail else None,
    )
    position = _position_of(ticket, detail) if detail is not None else None

    def panel(status, message=None, other=None):
        total = _detail_count(ticket)
        shown = queries.DetailPage(detail, position or total + 1, total)
        return _screen(
            "details",
            entity=entity,
            ticket=ticket,
            form=_ticket_form_for(ticket),
            detail_form=form,
            page=shown,
            status=status,
            detail_message=message,
            detail_conflict=other,
        )

    if not form.validate():
        return panel(422)
    if detail is not None and optional_id(form.detail_version.data) != detail.version:
        return panel(
            409,
            "Outro atendente alterou este detalhe enquanto você editava. "
            "O texto dele está abaixo; o seu continua nos campos.",
            detail,
        )

    now = utcnow()
    if detail is None:
        detail = TicketDetail(ticket=ticket, attendant_id=current_user.id, opened_at=now)
        db.session.add(detail)
    _copy_detail_fields(form, detail, now)
    ticket.updated_by_id = current_user.id
    ticket.updated_at = now
    db.session.commit()
    return _show_changed_detail(ticket, entity, detail, "Detalhe salvo.")


def _show_changed_detail(ticket: Ticket, entity: Entity, detail: TicketDetail, message: str):
    """After a detail changed: its panel for htmx, the screen on its page otherwise."""
    number = _position_of(ticket, detail)
    if not is_partial_request():
        flash(message, "success")
        return redirect(url_for("tickets.edit", code=ticket.code, detalhe=number), code=303)
    page = queries.detail_page(db.session, ticket, number)
    return _screen(
        "details",
        entity=entity,
        ticket=ticket,
        form=_ticket_form_for(ticket),
        detail_form=_detail_form_for(page, ticket, entity),
        page=page,
        detail_message=message,
    )


def _detail_count(ticket: Ticket) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(TicketDetail)
        .where(TicketDetail.ticket_id == ticket.id)
    )


def _position_of(ticket: Ticket, detail: TicketDetail) -> int:
    """1-based page of a detail, in the order the pager shows them."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(TicketDetail)
        .where(
            TicketDetail.ticket_id == ticket.id,
            sa.or_(
                TicketDetail.opened_at < detail.opened_at,
                sa.and_(TicketDetail.opened_at == detail.opened_at, TicketDetail.id <= detail.id),
            ),
        )
    )


@bp.post("/atendimentos/<int:code>/detalhes/<int:detail_id>/informacoes/<int:info_id>/excluir")
def delete_info(code: int, detail_id: int, info_id: int):
    """Remove one Informação do detalhe line."""
    ticket, entity = _load_screen(code)
    info = db.session.scalar(
        sa.select(DetailInfo)
        .join(TicketDetail)
        .where(
            DetailInfo.id == info_id,
            DetailInfo.detail_id == detail_id,
            TicketDetail.ticket_id == ticket.id,
        )
    )
    if info is None:
        abort(404)
    db.session.delete(info)
    ticket.updated_by_id = current_user.id
    ticket.updated_at = utcnow()
    db.session.commit()
    detail = db.session.get(TicketDetail, detail_id)
    return _show_changed_detail(ticket, entity, detail, "Informação excluída.")


# --- small pieces htmx swaps in ---------------------------------------------------------


@bp.get("/atendimentos/opcoes/ocorrencias")
def occurrence_options():
    """<option>s of Ocorrência for the chosen Motivo; Causa is cleared alongside."""
    company_id = current_company().id
    reason_id = optional_id(request.args.get("reason_id"))
    return render(
        "tickets/_options.html",
        choices=queries.occurrence_choices(db.session, company_id, reason_id),
        clear_causes=True,
        info_choices=queries.product_info_choices(db.session, company_id, None, None),
    )


@bp.get("/atendimentos/opcoes/causas")
def cause_options():
    """<option>s of Causa for the chosen Ocorrência; the Informação lists follow too."""
    company_id = current_company().id
    reason_id = optional_id(request.args.get("reason_id"))
    occurrence_id = optional_id(request.args.get("occurrence_id"))
    return render(
        "tickets/_options.html",
        choices=queries.cause_choices(db.session, company_id, occurrence_id),
        info_choices=queries.product_info_choices(db.session, company_id, reason_id, occurrence_id),
    )


@bp.get("/atendimentos/opcoes/informacao")
def info_row():
    """A new, empty Informação do detalhe line for the current Motivo and Ocorrência."""
    company_id = current_company().id
    reason_id = optional_id(request.args.get("reason_id"))
    occurrence_id = optional_id(request.args.get("occurrence_id"))
    index = request.args.get("index", 0, type=int)
    form = DetailForm(formdata=None, meta={"csrf": False})
    for _ in range(index + 1):
        form.infos.append_entry()
    line = form.infos.entries[index]
    line.form.product_info_id.choices = queries.product_info_choices(
        db.session, company_id, reason_id, occurrence_id
    )
    return render("tickets/_info_row.html", line=line, index=index)


@bp.get("/atendimentos/opcoes/locais")
def location_options():
    """Local: partners matching what was typed."""
    query = request.args.get("q", "")[:100]
    choices = queries.partner_choices(db.session, current_company().id, query, None)
    return render(
        "tickets/_options.html", choices=choices, empty_label="Nenhum parceiro encontrado"
    )


@bp.get("/atendimentos/opcoes/relacionados")
def related_options():
    """SAC Relacionado: tickets matching a code or an entity name."""
    query = request.args.get("q", "")[:100]
    exclude = request.args.get("exclude", type=int)
    choices = queries.related_ticket_choices(db.session, current_company().id, query, None, exclude)
    return render(
        "tickets/_options.html", choices=choices, empty_label="Nenhum atendimento encontrado"
    )


@bp.get("/entidades/<int:entity_id>/contatos")
def contact_options(entity_id: int):
    """Contato: the entity's related people whose name matches what was typed."""
    entity = get_entity(entity_id)
    query = request.args.get("q", "")[:100]
    choices = queries.contact_choices(db.session, entity.id, query)
    return render("tickets/_options.html", choices=choices, empty_label="Nenhum contato encontrado")
