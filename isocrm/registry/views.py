from datetime import date
from types import SimpleNamespace

import sqlalchemy as sa
from flask import (
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound

from isocrm import brdocs, text
from isocrm.alerts import highest_alert_priority
from isocrm.catalogs import BLANK
from isocrm.entity_search import search_entities
from isocrm.extensions import db
from isocrm.fields import bounded_int, optional_id
from isocrm.htmx import is_partial_request, render, render_listbox
from isocrm.loaders import get_alert, get_entity
from isocrm.localtime import local_today
from isocrm.models import (
    Alert,
    Entity,
    Relation,
    RelationType,
    Role,
    Unit,
)
from isocrm.models.base import utcnow
from isocrm.models.entity import KIND_PERSON
from isocrm.permissions import ROLE_ATTENDANT, allow
from isocrm.registry import bp, quick, service
from isocrm.registry.forms import (
    AlertForm,
    EntityForm,
    QuickEditForm,
    RelationForm,
)
from isocrm.registry.rows import LISTS, RowList, optional_text, says
from isocrm.security import current_company, safe_next_url, user_company


def _row_list(slug: str) -> RowList:
    row_list = LISTS.get(slug)
    if row_list is None:
        abort(404)
    return row_list


def _registry_options():
    return (
        selectinload(Entity.roles),
        selectinload(Entity.units),
        selectinload(Entity.addresses),
        selectinload(Entity.phones),
        selectinload(Entity.econtacts),
        selectinload(Entity.relations).options(
            joinedload(Relation.related_entity), joinedload(Relation.relation_type)
        ),
    )


class EntityOfAnotherCompany(Exception):
    """The entity is not in the Empresa chosen now, but in another of the user's Empresas:
    the Empresa was switched (in this tab or another) after the page was opened."""

    def __init__(self, company):
        super().__init__(company.name)
        self.company = company


def _load(entity_id: int, *options) -> Entity:
    """get_entity (404 for what the user may not see), telling a switched Empresa apart: an
    entity of another of the user's Empresas raises EntityOfAnotherCompany instead."""
    try:
        return get_entity(entity_id, *options)
    except NotFound:
        owner_id = db.session.scalar(sa.select(Entity.company_id).where(Entity.id == entity_id))
        company = next((c for c in current_user.companies if c.id == owner_id), None)
        if company is None:
            raise
        raise EntityOfAnotherCompany(company) from None


def _switch_back_if_asked() -> None:
    """ "Voltar para a Empresa X e salvar": the form says which Empresa it was opened in."""
    wanted = optional_id(request.form.get("trocar_empresa"))
    company = next((c for c in current_user.companies if c.id == wanted), None)
    if company is not None:
        session["company_id"] = company.id
        g.company = company


@bp.errorhandler(EntityOfAnotherCompany)
def _entity_of_another_company(error: EntityOfAnotherCompany):
    """Never a 404 that loses what was typed: say which Empresa the record is in, keep the
    typed Cadastro completo and offer to go back to that Empresa (and save)."""
    now = current_company()
    where = _(
        "Este cadastro é da Empresa %(owner)s, mas a Empresa escolhida agora é %(current)s"
        " (trocada nesta ou em outra aba).",
        owner=error.company.name,
        current=now.name,
    )
    message = where + " " + _("Nada foi salvo.")
    slug = (request.view_args or {}).get("slug")
    if is_partial_request() and slug in LISTS:
        return _section_of_another_company(error.company, slug, message)
    if is_partial_request():
        body = render_template(
            "errors/_fragment.html",
            title=_("Empresa trocada"),
            message=message + " " + _("Recarregue."),
        )
        return body, 409, {"HX-Reswap": "beforebegin", "Vary": "HX-Request"}
    entity_id = request.view_args.get("entity_id")
    if request.endpoint == "registry.update":
        g.company = error.company  # to show this record with its Empresa's papéis and unidades
        entity = get_entity(entity_id, *_registry_options())
        form = EntityForm()
        _fill_entity_choices(form, entity)
        # Rows left open in Editar come back open as typed: "Voltar … e salvar" saves them.
        open_rows = {slug: _open_row_forms(entity, row_list) for slug, row_list in LISTS.items()}
        pending = {}
        for row_list in LISTS.values():
            pending.update(_pending_principal(entity, row_list))
        return _edit_page(
            entity,
            form,
            status=409,
            conflict_message=message + " " + _("O que você digitou está abaixo."),
            switch_company=error.company,
            row_forms=open_rows,
            pending_principals=pending,
            current_company=now,  # the header shows the Empresa chosen now, as the message says
        )
    return render_template(
        "registry/other_company.html",
        company=error.company,
        message=message if request.method == "POST" else where,
        next_url=safe_next_url(request.path) if request.method == "GET" else None,
    ), 409


def _section_of_another_company(company, slug: str, message: str):
    """An action inside a list of the Cadastro completo after an Empresa switch: the section
    again, with the message inside it, the rows open in Editar and what was typed in
    Adicionar kept, and Adicionar offering "Voltar para <Empresa> e adicionar"."""
    g.company = company  # to show this record as the page had it
    row_list = LISTS[slug]
    entity = get_entity(request.view_args.get("entity_id"), *_registry_options())
    closing = (
        request.view_args.get("row_id")
        if request.endpoint == "registry.close_row"
        else optional_id(request.args.get("fechar"))
    )
    adding = request.endpoint == "registry.add_row"
    add_form = row_list.form_for(formdata=request.form) if adding else None
    text = (
        message
        + " "
        + _(
            "O que você digitou continua na tela: não recarregue a página. Para gravar, use"
            " Voltar para %(company)s (em Adicionar ou em Salvar cadastro).",
            company=company.name,
        )
    )
    response = _edit_page(
        entity,
        _entity_form(entity),
        status=409,
        block=slug,
        principal_errors={slug: text},
        row_forms={slug: _open_row_forms(entity, row_list, skip=closing)},
        pending_principals=_pending_principal(entity, row_list),
        list_forms={slug: add_form} if add_form else {},
        add_open=adding,
        switch_company=company,
    )
    response.headers["Vary"] = "HX-Request"
    return response


def _company_rows(model):
    return db.session.scalars(
        sa.select(model).where(model.company_id == current_company().id).order_by(model.name)
    ).all()


def _offered(rows, linked, mark: str) -> list:
    """Active papéis or unidades, and the inactive ones the entity already has (marked): an
    inactive one is no longer given, and one kept is not lost on save."""
    return [
        row if row.active else SimpleNamespace(id=row.id, name=f"{row.name} ({mark})")
        for row in rows
        if row.active or row.id in linked
    ]


def _fill_entity_choices(form: EntityForm, entity: Entity | None = None):
    roles, units = _company_rows(Role), _company_rows(Unit)
    has_roles = {r.id for r in entity.roles} if entity else set()
    has_units = {u.id for u in entity.units} if entity else set()
    form.roles.set_options(_offered(roles, has_roles, "inativo"))
    form.units.set_options(_offered(units, has_units, "inativa"))
    return roles, units


# --- Cadastro completo -----------------------------------------------------------------------


def _edit_page(entity, form, *, status=200, block=None, blocks=None, **context):
    """The Cadastro completo page, or one of its sections for htmx."""
    context.setdefault("duplicate", None)
    context.setdefault("editing", None)
    context.setdefault("list_forms", {})
    context.setdefault("relation_form", None)
    context.setdefault("section_message", None)
    context.setdefault("principal_errors", {})
    context.setdefault("row_forms", {})
    context.setdefault("row_messages", {})
    context.setdefault("relation_duplicate", None)
    context.setdefault("pending_principals", {})
    context.setdefault("conflict_message", None)
    context.setdefault("add_open", False)
    context.setdefault("confirm_homonym", False)
    context.setdefault("switch_company", None)
    context.setdefault("tickets_in_use", [])
    list_forms = {
        slug: context["list_forms"].get(slug) or row_list.form_for()
        for slug, row_list in LISTS.items()
    }
    context["list_forms"] = list_forms
    row_forms = {slug: dict(context["row_forms"].get(slug) or {}) for slug in LISTS}
    # ?editar=telefones-12 (the Editar link without htmx) opens that row.
    slug, _, editing_id = (context["editing"] or "").rpartition("-")
    editing_id = bounded_int(editing_id)  # "²" or 5000 digits: no row, not an int() error
    if slug in LISTS and editing_id is not None:
        row = LISTS[slug].find(entity, editing_id)
        if row is not None and row.id not in row_forms[slug]:
            row_forms[slug][row.id] = LISTS[slug].form_for(row)
    context["row_forms"] = row_forms
    if context["relation_form"] is None:
        context["relation_form"] = _relation_form(formdata=None)
    return render(
        "registry/edit.html",
        block=block,
        blocks=blocks,
        status=status,
        entity=entity,
        form=form,
        lists=LISTS,
        **context,
    )


def _entity_form(entity: Entity, formdata=None) -> EntityForm:
    form = EntityForm(formdata=formdata, obj=entity if formdata is None else None)
    _fill_entity_choices(form, entity)
    if formdata is None:
        form.document.data = entity.document_display
        form.roles.data = [r.id for r in entity.roles]
        form.units.data = [u.id for u in entity.units]
        form.version.data = str(entity.version)
    return form


def _principal_choice(row_list: RowList, entity: Entity) -> tuple[object, str | None]:
    """The row the form marked Principal (radio principal_<list>), or an error message."""
    values = request.form.getlist(f"principal_{row_list.slug}")
    rows = getattr(entity, row_list.attr)
    if not values:
        return None, None
    if len(set(values)) > 1:
        return None, says(row_list, "one_principal")
    chosen = next((r for r in rows if str(r.id) == values[0]), None)
    if chosen is None:
        return None, says(row_list, "choose_principal")
    return chosen, None


def _submitted_values(form: EntityForm, principals: dict, current: dict) -> dict:
    """What this save asks for, in the shape of service.entity_values."""
    values = {
        "kind": form.kind.data,
        "document": brdocs.normalize(form.document.data or "") or None,
        "birth_date": form.birth_date.data.isoformat() if form.birth_date.data else None,
        "name": form.name.data.strip(),
        "trade_name": optional_text(form.trade_name.data),
        "notes": optional_text(form.notes.data),
        "roles": sorted(set(form.roles.data or [])),
        "units": sorted(set(form.units.data or [])),
    }
    for slug in LISTS:
        key = f"principal_{slug}"
        chosen = principals.get(slug)
        # No radio sent (an empty list): this save does not ask to change the Principal.
        values[key] = chosen.id if chosen is not None else current[key]
    return values


def _apply_values(values: dict, entity: Entity, roles, units) -> None:
    entity.kind = values["kind"]
    entity.document = values["document"]
    entity.name = values["name"]
    entity.trade_name = values["trade_name"]
    entity.birth_date = date.fromisoformat(values["birth_date"]) if values["birth_date"] else None
    entity.notes = values["notes"]
    entity.roles = [r for r in roles if r.id in values["roles"]]
    entity.units = [u for u in units if u.id in values["units"]]
    for slug, row_list in LISTS.items():
        rows = getattr(entity, row_list.attr)
        chosen = next((r for r in rows if r.id == values[f"principal_{slug}"]), None)
        if chosen is not None and not chosen.is_principal:
            service.mark_principal(db.session, rows, chosen)


def _apply_entity_form(form: EntityForm, entity: Entity, roles, units) -> None:
    entity.kind = form.kind.data
    entity.document = brdocs.normalize(form.document.data) or None
    entity.name = form.name.data.strip()
    entity.trade_name = optional_text(form.trade_name.data)
    entity.birth_date = form.birth_date.data
    entity.notes = optional_text(form.notes.data)
    entity.roles = [r for r in roles if r.id in (form.roles.data or [])]
    entity.units = [u for u in units if u.id in (form.units.data or [])]


def _value_display(entity: Entity, key: str, value, roles, units) -> str:
    """A stored value as the attendant reads it."""
    if value in (None, "", []):
        return _("(vazio)")
    if key == "kind":
        return _("Pessoa jurídica") if value == "PJ" else _("Pessoa física")
    if key == "document":
        return brdocs.format_document(value)
    if key == "birth_date":
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    if key in ("roles", "units"):
        names = {r.id: r.name for r in (roles if key == "roles" else units)}
        return ", ".join(names.get(i, "?") for i in value)
    if key.startswith("principal_"):
        slug = key.removeprefix("principal_")
        row = LISTS[slug].find(entity, value)
        if row is None:
            return _("(removido)")
        return (
            row.display
            if slug == "telefones"
            else (row.one_line if slug == "enderecos" else row.display)
        )
    return str(value)


def _conflict_page(entity, form, values, clashes, theirs, roles, units, *, message, row_forms):
    """409: nothing saved; the form shows what this tab typed for the clashing fields (each
    with the value the other save left), the other save's value for the rest, and the
    current version, so the next Salvar cadastro keeps exactly what is on the screen."""
    for key in ("name", "trade_name", "notes"):
        if key not in clashes:
            form[key].data = values[key] or ""
            form[key].raw_data = None
    if "kind" not in clashes and "document" not in clashes and "birth_date" not in clashes:
        form.kind.data = values["kind"]
        form.document.data = brdocs.format_document(values["document"] or "")
        form.birth_date.data = (
            date.fromisoformat(values["birth_date"]) if values["birth_date"] else None
        )
        form.birth_date.raw_data = None
    for key in ("roles", "units"):
        if key not in clashes:
            form[key].data = values[key]
    pending = {}
    principal_errors = {}
    for slug in LISTS:
        key = f"principal_{slug}"
        pending[slug] = values[key]
    for key in clashes:
        other = _value_display(entity, key, theirs[key], roles, units)
        note = _(
            "Outra pessoa salvou enquanto você editava: %(value)s. Salve de novo para manter"
            " o seu.",
            value=other,
        )
        if key.startswith("principal_"):
            principal_errors[key.removeprefix("principal_")] = note
        else:
            form[key].errors = [*form[key].errors, note]
    form.version.data = str(entity.version)
    return _edit_page(
        entity,
        form,
        status=409,
        principal_errors=principal_errors,
        pending_principals=pending,
        conflict_message=message,
        row_forms=row_forms,
    )


@bp.get("/entidades/<int:entity_id>/cadastro")
@allow(ROLE_ATTENDANT)
def edit(entity_id: int):
    """Cadastro completo: dados, papéis, endereços, telefones, e-contacts, relacionados."""
    entity = _load(entity_id, *_registry_options())
    editing = request.args.get("editar")
    return _edit_page(entity, _entity_form(entity), editing=editing)


CONFLICT_MESSAGE = _l(
    "Outra pessoa (ou outra aba) salvou este cadastro enquanto você editava. Nada foi salvo:"
    " confira os campos marcados e clique em Salvar cadastro."
)


def _chosen_principals(entity: Entity) -> tuple[dict, dict]:
    """The row each list's Principal radio chose, and the messages of the lists refused."""
    principals, errors = {}, {}
    for slug, row_list in LISTS.items():
        principals[slug], message = _principal_choice(row_list, entity)
        if message:
            errors[slug] = message
    return principals, errors


def _check_open_rows(entity: Entity, open_rows: dict, principals: dict) -> dict:
    """Rows left open in Editar: one marked Principal there counts as chosen (when no other
    is); one changed elsewhere since it was opened gets its message (and its new version)."""
    row_messages = {}
    for slug, row_list in LISTS.items():
        rows = getattr(entity, row_list.attr)
        for row_id, row_form in open_rows[slug].items():
            row = next(r for r in rows if r.id == row_id)
            if row_form.is_principal.data and principals[slug] in (None, row):
                principals[slug] = row
            if optional_id(row_form.version.data) != row.version and not row_list.same(
                row_form, row
            ):
                row_form.version.data = str(row.version)
                row_messages.setdefault(slug, {})[row_id] = says(
                    row_list, "changed_save_again", text=row_list.text(row)
                )
    return row_messages


def _merge_stale_save(entity, form, values, theirs, roles, units, open_rows):
    """A save from a page older than the stored version: (values, taken, None) merged with
    what was saved since, or (…, the 409 page) when both changed a field."""
    seen_version = optional_id(form.version.data)
    if seen_version == entity.version:
        return values, [], None
    base = service.revision_values(db.session, entity.id, seen_version)
    merged = service.merge(base, values, theirs)
    if merged.clashes:
        refused = _conflict_page(
            entity,
            form,
            merged.values,
            merged.clashes,
            theirs,
            roles,
            units,
            message=CONFLICT_MESSAGE,
            row_forms=open_rows,
        )
        return values, [], refused
    return merged.values, merged.taken, None


def _removal_in_use_error(entity, form, values, theirs, roles, units) -> list:
    """Papéis or unidades removed that open tickets of the entity use, unless the removal was
    confirmed: the tickets (with an error on the form), or nothing."""
    removed_roles = set(theirs["roles"]) - set(values["roles"])
    removed_units = set(theirs["units"]) - set(values["units"])
    in_use = service.open_tickets_using(db.session, entity, removed_roles, removed_units)
    if not in_use or form.confirm_removal.data:
        return []
    names = [r.name for r in roles if r.id in removed_roles]
    names += [u.name for u in units if u.id in removed_units]
    form.form_errors.append(
        _("%(names)s: em uso por atendimento(s) aberto(s) desta entidade.", names=", ".join(names))
    )
    return in_use


def _commit_entity_save(entity, values, roles, units, open_rows) -> bool:
    """Write the rows open in Editar and the values, all or nothing; False when another save
    went in between our read and our write (nothing of this one was kept)."""
    service.start_change(db.session, entity)
    for slug, row_list in LISTS.items():
        for row in getattr(entity, row_list.attr):
            if row.id in open_rows[slug]:
                row_list.copy(open_rows[slug][row.id], row)
    _apply_values(values, entity, roles, units)
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError):
        db.session.rollback()
        return False
    return True


def _same_instant_page(entity_id: int, form: EntityForm, seen_version):
    entity = _load(entity_id, *_registry_options())
    form.version.data = str(seen_version or "")
    return _edit_page(
        entity,
        form,
        status=409,
        conflict_message=_(
            "Outra pessoa salvou este cadastro no mesmo instante. Nada foi"
            " salvo: clique em Salvar cadastro de novo."
        ),
        row_forms={slug: _open_row_forms(entity, row_list) for slug, row_list in LISTS.items()},
    )


def _saved_entity(entity: Entity, taken: list[str]):
    flash(_("Cadastro salvo."), "success")
    if taken:
        fields = ", ".join(str(service.VALUE_LABELS[k]) for k in taken)
        flash(
            _(
                "Outra pessoa (ou outra aba) também alterou este cadastro; foi mantido o que ela"
                " salvou em: %(fields)s.",
                fields=fields,
            ),
            "info",
        )
    return redirect(url_for("registry.edit", entity_id=entity.id), code=303)


def _check_entity_save(entity: Entity, form: EntityForm):
    """Validate a Salvar cadastro: the form, the document, the Principal radios and the rows
    left open in Editar (their inputs belong to this form, they are part of the save).
    Returns the chosen Principals, the open rows and, when refused, the page saying why."""
    valid = form.validate()
    duplicate = valid and service.find_duplicate(
        db.session, current_company().id, form.document.data, entity.id
    )
    principals, principal_errors = _chosen_principals(entity)
    open_rows = {slug: _open_row_forms(entity, row_list) for slug, row_list in LISTS.items()}
    rows_valid = all([f.validate() for forms in open_rows.values() for f in forms.values()])
    row_messages = _check_open_rows(entity, open_rows, principals)
    page = {
        "pending_principals": {s: c.id for s, c in principals.items() if c is not None},
        "row_forms": open_rows,
        "row_messages": row_messages,
    }
    refused = None
    if not valid or duplicate or principal_errors or not rows_valid:
        if duplicate:
            form.document.errors.append(
                _("Já existe uma entidade com este documento nesta Empresa.")
            )
        refused = _edit_page(
            entity,
            form,
            status=422,
            duplicate=duplicate or None,
            principal_errors=principal_errors,
            **page,
        )
    elif row_messages:
        refused = _edit_page(entity, form, status=409, conflict_message=CONFLICT_MESSAGE, **page)
    return principals, open_rows, refused


@bp.post("/entidades/<int:entity_id>/cadastro")
@allow(ROLE_ATTENDANT)
def update(entity_id: int):
    """Salvar cadastro: dados, papéis, unidades and the Principal of each list, all or nothing.
    A save from a page older than the stored version is merged with what was saved since
    (fields only the other save changed keep its value) or, when both changed a field,
    refused with both values shown."""
    _switch_back_if_asked()
    entity = _load(entity_id, *_registry_options())
    form = EntityForm()
    roles, units = _fill_entity_choices(form, entity)
    principals, open_rows, refused = _check_entity_save(entity, form)
    if refused:
        return refused
    theirs = service.entity_values(entity)
    values = _submitted_values(form, principals, theirs)
    values, taken, refused = _merge_stale_save(
        entity, form, values, theirs, roles, units, open_rows
    )
    if refused:
        return refused
    in_use = _removal_in_use_error(entity, form, values, theirs, roles, units)
    if in_use:
        pending = {s: c.id for s, c in principals.items() if c is not None}
        return _edit_page(
            entity,
            form,
            status=422,
            tickets_in_use=in_use,
            pending_principals=pending,
            row_forms=open_rows,
        )
    if not _commit_entity_save(entity, values, roles, units, open_rows):
        return _same_instant_page(entity_id, form, optional_id(form.version.data))
    return _saved_entity(entity, taken)


def _opened_in_another_company_page(form: EntityForm, posted_company: int):
    """409: the form was opened in another Empresa (switched in another tab): never file it
    here; what was typed comes back."""
    origin = user_company(posted_company)
    if origin:
        message = _(
            "Este cadastro foi aberto em outra Empresa (%(company)s), e a Empresa foi trocada"
            " em outra aba. Nada foi salvo: volte para aquela Empresa no topo da página e"
            " clique em Cadastrar de novo (o que você digitou está abaixo).",
            company=origin.name,
        )
    else:
        message = _(
            "Este cadastro foi aberto em outra Empresa, e a Empresa foi trocada em outra aba."
            " Nada foi salvo: volte para aquela Empresa no topo da página e clique em"
            " Cadastrar de novo (o que você digitou está abaixo)."
        )
    return render(
        "registry/new.html",
        status=409,
        form=form,
        duplicate=None,
        homonym=None,
        company_refused=message,
    )


def _without_form_key_page(form: EntityForm):
    """Without its one-time key (a made-up post, a broken page) a second submit could create
    the entity twice: refused, as Agenda and E-mail do, with a fresh key."""
    form.validate()
    return render(
        "registry/new.html",
        status=422,
        form=form,
        duplicate=None,
        homonym=None,
        company_refused=_("O formulário veio incompleto: confira os dados e clique em Cadastrar."),
        form_key=service.new_form_key(),
    )


def _new_entity_clash(form: EntityForm, company_id: int) -> tuple:
    """(duplicate, homonym): an entity with this CPF/CNPJ, or, without one and unconfirmed,
    one with this name; the form's field says so."""
    duplicate = service.find_duplicate(db.session, company_id, form.document.data)
    if duplicate is not None:
        form.document.errors.append(_("Já existe uma entidade com este documento nesta Empresa."))
        return duplicate, None
    if form.document.data or form.same_name_ok.data:
        return None, None
    homonym = service.same_name_entity(db.session, company_id, form.name.data)
    if homonym is not None:
        form.name.errors.append(
            _(
                "Já existe uma entidade com este nome nesta Empresa. Se for outra, informe"
                " o CPF/CNPJ ou marque a confirmação abaixo."
            )
        )
    return None, homonym


def _already_sent(earlier_url: str | None):
    flash(_("Este cadastro já tinha sido enviado: nada foi criado de novo."), "info")
    return redirect(earlier_url or url_for("tickets.index"), code=303)


def _create_entity(form: EntityForm, key: str, company_id: int, roles, units):
    """File the new entity under the form's one-time key (a second submit that got there
    first wins: this one goes where it went) and open its Cadastro completo."""
    if not service.claim_form_key(db.session, key, current_user.id):
        earlier = service.already_submitted(db.session, key)
        return _already_sent(earlier.result_url if earlier is not None else None)
    entity = Entity(company_id=company_id)
    _apply_entity_form(form, entity, roles, units)
    db.session.add(entity)
    db.session.flush()
    url = url_for("registry.edit", entity_id=entity.id)
    service.remember_result(db.session, key, url)
    db.session.commit()
    flash(_("Entidade cadastrada. Complete endereços, telefones e contatos."), "success")
    if not entity.roles:
        flash(
            _(
                "Sem papel, esta entidade não pode receber atendimentos: marque um papel"
                " (Cliente, Consumidor…) e salve."
            ),
            "info",
        )
    return redirect(url, code=303)


@bp.route("/entidades/nova", methods=["GET", "POST"])
@allow(ROLE_ATTENDANT)
def new():
    """Cadastrar nova entidade; ?q= brings what was typed in the search. The form's one-time
    key sends a second submit (double click, Back and Cadastrar) to the entity the first one
    created; without a CPF/CNPJ, a name already in the Empresa needs a confirmation."""
    form = EntityForm()
    roles, units = _fill_entity_choices(form)
    duplicate = homonym = None
    company_id = current_company().id
    if request.method == "GET":
        for name, value in service.prefill_from_query(request.args.get("q", "")).items():
            form[name].data = value
        return render("registry/new.html", form=form, duplicate=None, homonym=None)
    posted_company = optional_id(request.form.get("company_id"))
    if posted_company is not None and posted_company != company_id:
        return _opened_in_another_company_page(form, posted_company)
    key = request.form.get("form_key")
    if not key or not service.FORM_KEY.match(key):
        return _without_form_key_page(form)
    earlier = service.already_submitted(db.session, key)
    if earlier is not None and earlier.result_url:
        return _already_sent(earlier.result_url)
    if form.validate():
        duplicate, homonym = _new_entity_clash(form, company_id)
        if duplicate is None and homonym is None:
            return _create_entity(form, key, company_id, roles, units)
    return render("registry/new.html", status=422, form=form, duplicate=duplicate, homonym=homonym)


# --- Endereços, Telefones, E-contacts: rows edited in place ---------------------------------
#
# A section's requests carry what is open in it (hx-include): the rows being edited, with what
# was typed in them, and the Principal radio as the attendant left it. The answer re-opens
# those rows and keeps that radio, so adding, editing or cancelling one row loses nothing
# typed in another. The rows' inputs belong to the main form too (form="registry-form"), so
# Salvar cadastro saves them with the rest, all or nothing.


@bp.app_template_global("new_form_key")
def _new_form_key() -> str:
    return service.new_form_key()


def _open_row_forms(entity: Entity, row_list: RowList, skip: int | None = None) -> dict:
    """The rows of the list open for editing in the request, with what was typed."""
    data = request.values
    forms = {}
    for row in getattr(entity, row_list.attr):
        prefix = f"{row_list.prefix}-{row.id}-"
        if row.id != skip and any(key.startswith(prefix) for key in data):
            forms[row.id] = row_list.form_for(row, formdata=data)
    return forms


def _pending_principal(entity: Entity, row_list: RowList) -> dict:
    """The Principal radio of the list as the page had it (not saved yet)."""
    chosen = optional_id(request.values.get(f"principal_{row_list.slug}"))
    ids = {r.id for r in getattr(entity, row_list.attr)}
    return {row_list.slug: chosen} if chosen in ids else {}


def _section(
    entity,
    row_list: RowList,
    *,
    status=200,
    message=None,
    row_forms=None,
    pending=None,
    version_before=None,
    row_messages=None,
    **context,
):
    """The list's section for htmx; without htmx, back to the page (or the page with errors).
    When the main form showed the version this change started from, the answer also brings
    it the new version (out of band): its own tab is not a stale copy."""
    if not is_partial_request() and status == 200:
        flash(message, "success")
        return redirect(url_for("registry.edit", entity_id=entity.id) + f"#{row_list.slug}", 303)
    # The main form's version, out of band, when it showed the one this change started from.
    seen = optional_id(request.values.get("version"))
    bring_version = is_partial_request() and version_before is not None and seen == version_before
    return _edit_page(
        entity,
        _entity_form(entity),
        status=status,
        block=row_list.slug,
        blocks=[row_list.slug, "version_oob"] if bring_version else None,
        oob_version=bring_version,
        section_message=message,
        row_forms={row_list.slug: row_forms or {}},
        row_messages={row_list.slug: row_messages or {}},
        pending_principals=pending or {},
        **context,
    )


def _row_missing(entity, row_list: RowList, row_id: int, open_forms, pending):
    """The row is gone (removed in another tab): say so in the section, with what was typed
    moved to the Adicionar form, instead of an error page. Without htmx: 404."""
    if not is_partial_request():
        abort(404)
    prefix = f"{row_list.prefix}-{row_id}-"
    data = {
        f"novo-{row_list.prefix}-{key.removeprefix(prefix)}": value
        for key, value in request.form.items()
        if key.startswith(prefix)
    }
    add_form = row_list.form_for(formdata=MultiDict(data)) if data else None
    message = says(row_list, "gone")
    if data:
        message += " " + _("O que você digitou está em Adicionar, para cadastrá-lo de novo.")
    return _section(
        entity,
        row_list,
        status=409,
        message=message,
        row_forms=open_forms,
        pending=pending,
        list_forms={row_list.slug: add_form} if add_form else {},
        add_open=bool(data),
    )


def _open_list(entity_id: int, slug: str, skip: int | None = None) -> tuple:
    """What a request on one list works on: the list, the entity, the rows the request has
    open in it (all but `skip`, with what was typed) and its Principal radio as it was."""
    row_list = _row_list(slug)
    entity = _load(entity_id, *_registry_options())
    return (
        row_list,
        entity,
        _open_row_forms(entity, row_list, skip=skip),
        _pending_principal(entity, row_list),
    )


@bp.get("/entidades/<int:entity_id>/cadastro/<slug>")
@allow(ROLE_ATTENDANT)
def section(entity_id: int, slug: str):
    """The section alone (Cancelar an edit: ?fechar=<row id> closes that row, keeps others)."""
    row_list = _row_list(slug)
    entity = _load(entity_id, *_registry_options())
    if not is_partial_request():
        return redirect(url_for("registry.edit", entity_id=entity.id) + f"#{slug}")
    closing = optional_id(request.args.get("fechar"))
    return _section(
        entity,
        row_list,
        row_forms=_open_row_forms(entity, row_list, skip=closing),
        pending=_pending_principal(entity, row_list),
    )


@bp.post("/entidades/<int:entity_id>/cadastro/<slug>/<int:row_id>/fechar")
@allow(ROLE_ATTENDANT)
def close_row(entity_id: int, slug: str, row_id: int):
    """Cancelar an edit: closes that row and keeps the others open as typed. A POST, so
    what is typed in the other open rows never lands in a URL (history, server logs)."""
    row_list = _row_list(slug)
    entity = _load(entity_id, *_registry_options())
    if not is_partial_request():
        return redirect(url_for("registry.edit", entity_id=entity.id) + f"#{slug}", 303)
    return _section(
        entity,
        row_list,
        row_forms=_open_row_forms(entity, row_list, skip=row_id),
        pending=_pending_principal(entity, row_list),
    )


@bp.post("/entidades/<int:entity_id>/cadastro/<slug>")
@allow(ROLE_ATTENDANT)
def add_row(entity_id: int, slug: str):
    """Adicionar endereço/telefone/e-contact; the first one becomes the Principal. The form's
    one-time key makes a second click (or Back and Adicionar) add nothing more."""
    _row_list(slug)  # an unknown list is a 404 before any Empresa is switched back
    _switch_back_if_asked()  # "Voltar para <Empresa> e adicionar" after a switch
    row_list, entity, open_forms, pending = _open_list(entity_id, slug)
    version_before = entity.version
    form = row_list.form_for(formdata=request.form)
    message = says(row_list, "added")
    if not form.validate():
        return _section(
            entity,
            row_list,
            status=422,
            list_forms={slug: form},
            row_forms=open_forms,
            pending=pending,
            add_open=True,
        )
    if not service.claim_form_key(db.session, request.form.get("form_key"), current_user.id):
        entity = _load(entity_id, *_registry_options())
        return _section(entity, row_list, message=message, row_forms=open_forms, pending=pending)
    rows = getattr(entity, row_list.attr)
    if form.is_principal.data or not rows:
        service.start_change(db.session, entity)  # the Principal changes: a new version
        pending = {}
    row = row_list.model()
    row_list.copy(form, row)
    service.add_row(db.session, rows, row, form.is_principal.data)
    db.session.commit()
    return _section(
        entity,
        row_list,
        message=message,
        row_forms=open_forms,
        pending=pending,
        version_before=version_before,
    )


@bp.get("/entidades/<int:entity_id>/cadastro/<slug>/<int:row_id>/editar")
@allow(ROLE_ATTENDANT)
def edit_row(entity_id: int, slug: str, row_id: int):
    """One row of a list as a form, in place (rows already open stay open as typed)."""
    row_list = _row_list(slug)
    entity = _load(entity_id, *_registry_options())
    row = row_list.find(entity, row_id)
    if not is_partial_request():
        if row is None:
            abort(404)
        return redirect(url_for("registry.edit", entity_id=entity.id, editar=f"{slug}-{row.id}"))
    open_forms = _open_row_forms(entity, row_list)
    pending = _pending_principal(entity, row_list)
    if row is None:
        return _row_missing(entity, row_list, row_id, open_forms, pending)
    open_forms.setdefault(row.id, row_list.form_for(row))
    return _section(entity, row_list, status=200, row_forms=open_forms, pending=pending)


def _principal_note(row_list: RowList, rows) -> str:
    principal = next((r for r in rows if r.is_principal), None)
    if not principal:
        return ""
    return " " + _("Principal agora: %(text)s.", text=row_list.text(principal))


def _row_changed_elsewhere(entity, row_list: RowList, row, form, open_forms, pending):
    """409 when the row changed since it was opened and the form would not leave it as it
    is now: the current value is shown, what was typed kept (with the current version)."""
    if optional_id(form.version.data) == row.version or row_list.same(form, row):
        return None
    form.version.data = str(row.version)
    return _section(
        entity,
        row_list,
        status=409,
        row_forms={**open_forms, row.id: form},
        pending=pending,
        row_messages={row.id: says(row_list, "changed_click", text=row_list.text(row))},
    )


def _save_row(entity, row_list: RowList, row, form) -> tuple[str, bool]:
    """Write the row (marking it Principal unmarks the others): the message, and whether the
    Principal changed (a new version of the entity)."""
    message = says(row_list, "saved")
    principal_changed = form.is_principal.data and not row.is_principal
    if principal_changed:
        service.start_change(db.session, entity)
    elif row.is_principal and not form.is_principal.data:
        message += " " + says(row_list, "still_principal")
    row_list.copy(form, row)
    if form.is_principal.data:
        service.mark_principal(db.session, getattr(entity, row_list.attr), row)
    return message, principal_changed


@bp.post("/entidades/<int:entity_id>/cadastro/<slug>/<int:row_id>")
@allow(ROLE_ATTENDANT)
def update_row(entity_id: int, slug: str, row_id: int):
    """Salvar one row; marking it Principal unmarks the others. A row changed elsewhere
    since it was opened is not overwritten: the current value is shown, what was typed kept."""
    row_list, entity, open_forms, pending = _open_list(entity_id, slug, skip=row_id)
    version_before = entity.version
    row = row_list.find(entity, row_id)
    if row is None:
        return _row_missing(entity, row_list, row_id, open_forms, pending)
    form = row_list.form_for(row, formdata=request.form)
    if not form.validate():
        return _section(
            entity, row_list, status=422, row_forms={**open_forms, row.id: form}, pending=pending
        )
    refused = _row_changed_elsewhere(entity, row_list, row, form, open_forms, pending)
    if refused:
        return refused
    message, principal_changed = _save_row(entity, row_list, row, form)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return _section(
            _load(entity_id, *_registry_options()),
            row_list,
            status=409,
            row_forms={**open_forms, row_id: form},
            row_messages={row_id: says(row_list, "same_instant")},
        )
    return _section(
        entity,
        row_list,
        message=message,
        row_forms=open_forms,
        pending={} if principal_changed else pending,
        version_before=version_before,
    )


@bp.post("/entidades/<int:entity_id>/cadastro/<slug>/<int:row_id>/excluir")
@allow(ROLE_ATTENDANT)
def remove_row(entity_id: int, slug: str, row_id: int):
    """Remover a row; if it was the Principal the oldest other one takes its place (and the
    message says which). Removing a row already gone says so."""
    row_list, entity, open_forms, pending = _open_list(entity_id, slug, skip=row_id)
    version_before = entity.version
    rows = getattr(entity, row_list.attr)
    row = row_list.find(entity, row_id)
    if row is None:
        if not is_partial_request():
            abort(404)
        # A second click on Remover (or another tab removed it): the list as it is now.
        return _section(
            entity,
            row_list,
            message=says(row_list, "already_removed"),
            row_forms=open_forms,
            pending=pending,
        )
    message = says(row_list, "removed")
    was_principal = row.is_principal
    if was_principal:
        service.start_change(db.session, entity)
    if was_principal or pending.get(row_list.slug) == row_id:
        pending = {}
    service.remove_row(db.session, rows, row)
    if was_principal:
        message += _principal_note(row_list, rows)
    db.session.commit()
    return _section(
        entity,
        row_list,
        message=message,
        row_forms=open_forms,
        pending=pending,
        version_before=version_before,
    )


# --- Relacionado com -------------------------------------------------------------------------


def _relation_form(formdata=None, entity: Entity | None = None) -> RelationForm:
    company_id = current_company().id
    form = RelationForm(formdata=formdata, prefix="relacionado")
    form.relation_type_id.choices = [BLANK] + [(t.id, t.name) for t in _company_rows(RelationType)]
    choices = [BLANK]
    chosen_id = form.related_entity_id.data if formdata is not None else None
    if chosen_id and entity is not None and chosen_id > 0 and chosen_id != entity.id:
        chosen = db.session.scalar(
            sa.select(Entity).where(Entity.id == chosen_id, Entity.company_id == company_id)
        )
        if chosen is not None:
            choices.append((chosen.id, chosen.name))
    form.related_entity_id.choices = choices
    return form


def _relations_section(
    entity, *, status=200, message=None, form=None, duplicate=None, confirm_homonym=False
):
    if not is_partial_request() and status == 200:
        flash(message, "success")
        return redirect(url_for("registry.edit", entity_id=entity.id) + "#relacionados", 303)
    return _edit_page(
        entity,
        _entity_form(entity),
        status=status,
        block="relacionados",
        section_message=message,
        relation_form=form,
        relation_duplicate=duplicate,
        confirm_homonym=confirm_homonym,
    )


@bp.get("/entidades/<int:entity_id>/cadastro/relacionados/opcoes")
@allow(ROLE_ATTENDANT)
def relation_options(entity_id: int):
    """The listbox options of entities of the Empresa matching a name or CPF/CNPJ (not itself)."""
    entity = _load(entity_id, selectinload(Entity.relations))
    query = request.args.get("q", "").strip()[:100]
    choices = []
    if query:
        taken = {r.related_entity_id for r in entity.relations} | {entity.id}
        found = search_entities(db.session, current_company().id, query, page=1, per_page=20)
        choices = [
            (e.id, f"{e.name} · {e.document_display}" if e.document else e.name)
            for e in found.items
            if e.id not in taken
        ]
    return render_listbox(choices)


def _new_person_refusal(entity: Entity, form: RelationForm):
    """Relacionado com a person created on the spot: refused (the section saying why) when
    the CPF is another entity's, when a person of that name is already related (a second
    submit of the same form: said as done), or, unconfirmed, for a homonym in the Empresa."""
    company_id = current_company().id
    name = form.new_name.data.strip()
    duplicate = service.find_duplicate(db.session, company_id, form.new_document.data)
    if duplicate is not None:
        form.new_document.errors.append(
            _("Já existe uma entidade com este CPF nesta Empresa: relacione a existente.")
        )
        return _relations_section(entity, status=422, form=form, duplicate=duplicate)
    folded = text.fold(name)
    related = next((r for r in entity.relations if r.related_entity.search_name == folded), None)
    if related is not None:
        related_name = related.related_entity.name
        if service.already_submitted(db.session, request.form.get("form_key")):
            return _relations_section(
                entity, message=_("%(name)s relacionado(a).", name=related_name)
            )
        form.new_name.errors.append(
            _("%(name)s já está relacionado(a) a esta entidade.", name=related_name)
        )
        return _relations_section(entity, status=422, form=form)
    homonym = service.same_name_entity(db.session, company_id, name)
    if homonym is not None and not form.new_document.data and not form.same_name_ok.data:
        form.new_name.errors.append(
            _(
                "Já existe uma entidade com este nome nesta Empresa: relacione a existente"
                " (Entidade já cadastrada) ou, se for outra pessoa, marque a confirmação."
            )
        )
        return _relations_section(
            entity, status=422, form=form, duplicate=homonym, confirm_homonym=True
        )
    return None


def _new_person(form: RelationForm) -> Entity:
    person = Entity(
        company_id=current_company().id,
        kind=KIND_PERSON,
        name=form.new_name.data.strip(),
        document=brdocs.normalize(form.new_document.data or "") or None,
    )
    db.session.add(person)
    return person


@bp.post("/entidades/<int:entity_id>/cadastro/relacionados")
@allow(ROLE_ATTENDANT)
def add_relation(entity_id: int):
    """Relacionado com: link an entity of the Empresa or create a person on the spot. A second
    submit of the same form, or a person with the name of one already related, adds nothing;
    a homonym elsewhere in the Empresa asks for a confirmation."""
    entity = _load(entity_id, *_registry_options())
    form = _relation_form(request.form, entity)
    if not form.validate():
        return _relations_section(entity, status=422, form=form)
    creating = form.mode.data == "nova"
    refused = _new_person_refusal(entity, form) if creating else None
    if refused is not None:
        return refused
    if not service.claim_form_key(db.session, request.form.get("form_key"), current_user.id):
        entity = _load(entity_id, *_registry_options())
        return _relations_section(entity, message=_("Relacionamento já adicionado."))
    if creating:
        related = _new_person(form)
    else:
        related = get_entity(form.related_entity_id.data)
        if any(r.related_entity_id == related.id for r in entity.relations):
            form.related_entity_id.errors.append(_("Esta entidade já está relacionada."))
            return _relations_section(entity, status=422, form=form)
    entity.relations.append(
        Relation(related_entity=related, relation_type_id=form.relation_type_id.data)
    )
    db.session.commit()
    return _relations_section(entity, message=_("%(name)s relacionado(a).", name=related.name))


@bp.post("/entidades/<int:entity_id>/cadastro/relacionados/<int:relation_id>/excluir")
@allow(ROLE_ATTENDANT)
def remove_relation(entity_id: int, relation_id: int):
    """Remove the link (the related entity stays in the registry)."""
    entity = _load(entity_id, *_registry_options())
    relation = next((r for r in entity.relations if r.id == relation_id), None)
    if relation is None:
        if not is_partial_request():
            abort(404)
        # A second click on Remover (or another tab removed it): the list as it is now.
        return _relations_section(entity, message=_("Este relacionamento já tinha sido removido."))
    entity.relations.remove(relation)
    db.session.commit()
    return _relations_section(entity, message=_("Relacionamento removido."))


# --- Cadastro simplificado -------------------------------------------------------------------


def _quick_saved(entity: Entity, notes: list[str], context: dict):
    """Saved: over the ticket, close the dialog and refresh the Dados cadastrais card only
    (when a Principal row was removed, the dialog stays to say so); a page otherwise."""
    said = " ".join([_("Cadastro salvo."), *notes])
    if not is_partial_request():
        flash(said, "success")
        back = context["back"]
        return redirect(back or url_for("registry.quick_edit", entity_id=entity.id), 303)
    if notes:
        return render(
            "registry/quick_edit.html",
            blocks=["dialog", "card"],
            form=quick.quick_form(entity),
            saved_message=said,
            **context,
        )
    return render("registry/quick_edit.html", blocks=["closed", "card"], **context)


def _quick_save(form: QuickEditForm, entity: Entity, context: dict):
    """Save a valid Cadastro simplificado, or answer 409 with what clashes."""
    values, clashes = quick.quick_conflicts(form, entity)
    if clashes:
        context.update(quick.clash_context(form, entity, clashes))
        return render("registry/quick_edit.html", block="dialog", status=409, form=form, **context)
    entity_id = entity.id
    service.start_change(db.session, entity)
    notes = quick.apply_quick_form(form, entity, values)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        context["entity"] = _load(entity_id, *_registry_options())
        context["conflict_message"] = _(
            "Outra pessoa salvou este cadastro no mesmo instante. Nada foi salvo:"
            " clique em Salvar de novo."
        )
        return render("registry/quick_edit.html", block="dialog", status=409, form=form, **context)
    return _quick_saved(entity, notes, context)


@bp.route("/entidades/<int:entity_id>/cadastro-simplificado", methods=["GET", "POST"])
@allow(ROLE_ATTENDANT)
def quick_edit(entity_id: int):
    """Cadastro simplificado: a page of its own, or a dialog over the ticket for htmx."""
    entity = _load(entity_id, *_registry_options())
    back = safe_next_url(request.values.get("next"))
    form = quick.quick_form(entity, request.form if request.method == "POST" else None)
    context = {"entity": entity, "back": back}
    if request.method == "GET":
        return render("registry/quick_edit.html", block="dialog", form=form, **context)
    duplicate = None
    if form.validate():
        duplicate, error = quick.document_error(form, entity)
        if error is None:
            return _quick_save(form, entity, context)
        form.document.errors.append(error)
    return render(
        "registry/quick_edit.html",
        block="dialog",
        status=422,
        form=form,
        duplicate=duplicate,
        **context,
    )


# --- Alertas ---------------------------------------------------------------------------------


def _alerts_context(entity: Entity, form: AlertForm | None = None, in_dialog=False) -> dict:
    today = local_today()
    alerts = db.session.scalars(
        sa.select(Alert)
        .where(Alert.entity_id == entity.id, Alert.company_id == current_company().id)
        .options(joinedload(Alert.created_by), joinedload(Alert.resolved_by))
        .order_by(Alert.resolved_at.is_not(None), Alert.priority.desc(), Alert.created_at.desc())
    ).all()
    return {
        "entity": entity,
        "active": [a for a in alerts if a.is_active_on(today)],
        "inactive": [a for a in alerts if not a.is_active_on(today)],
        "form": form or AlertForm(formdata=None, prefix="alerta"),
        "in_dialog": in_dialog,
        "alert_priority": highest_alert_priority(db.session, entity.id, today),
    }


def _alerts_response(entity: Entity, *, status=200, form=None, message=None):
    """After a change: the page (no htmx), the list (htmx on the page) or, over the ticket, the
    dialog plus the Alertas icon swapped out of band so its colour follows."""
    in_dialog = request.form.get("tela") == "atendimento"
    if not is_partial_request():
        if status == 200:
            flash(message, "success")
            return redirect(url_for("registry.alerts", entity_id=entity.id), 303)
        return render("registry/alerts.html", status=status, **_alerts_context(entity, form))
    context = _alerts_context(entity, form, in_dialog)
    context["message"] = message
    blocks = ["dialog", "icon"] if in_dialog else ["panel"]
    return render("registry/alerts.html", status=status, blocks=blocks, **context)


@bp.get("/entidades/<int:entity_id>/alertas")
@allow(ROLE_ATTENDANT)
def alerts(entity_id: int):
    """Alertas of the entity: active first by priority; over the ticket (htmx) as a dialog."""
    entity = _load(entity_id)
    return render(
        "registry/alerts.html",
        block="dialog",
        **_alerts_context(entity, in_dialog=is_partial_request()),
    )


@bp.post("/entidades/<int:entity_id>/alertas")
@allow(ROLE_ATTENDANT)
def create_alert(entity_id: int):
    """Novo alerta: message, priority and an optional last day."""
    entity = _load(entity_id)
    form = AlertForm(prefix="alerta")
    if not form.validate():
        return _alerts_response(entity, status=422, form=form)
    if not service.claim_form_key(db.session, request.form.get("form_key"), current_user.id):
        return _alerts_response(entity, message=_("Alerta criado."))  # a second click: once
    db.session.add(
        Alert(
            company_id=current_company().id,
            entity_id=entity.id,
            message=form.message.data.strip(),
            priority=form.priority.data,
            active_until=form.active_until.data,
            created_by_id=current_user.id,
        )
    )
    db.session.commit()
    return _alerts_response(entity, message=_("Alerta criado."))


@bp.post("/entidades/<int:entity_id>/alertas/<int:alert_id>/resolver")
@allow(ROLE_ATTENDANT)
def resolve_alert(entity_id: int, alert_id: int):
    """Resolver: the alert stops colouring the icon and moves to the resolved ones."""
    entity = _load(entity_id)
    alert = get_alert(entity, alert_id)
    if alert.resolved_at is None:
        alert.resolved_at = utcnow()
        alert.resolved_by_id = current_user.id
        db.session.commit()
    return _alerts_response(entity, message=_("Alerta resolvido."))
