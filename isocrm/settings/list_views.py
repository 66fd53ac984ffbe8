"""Configurações › the flat catalogues (Canais, Situações…), one screen each, edited in place.
Every action answers the list again: the block for htmx (the list replaces itself), a
redirect to the page otherwise. What differs per catalogue is in lists.KINDS."""

import sqlalchemy as sa
from flask import flash, redirect, url_for
from flask_babel import gettext as _

from isocrm.extensions import db
from isocrm.htmx import is_partial_request, render
from isocrm.models import Status
from isocrm.models.catalog import STATUS_OPEN
from isocrm.permissions import ROLE_SUPERVISOR, allow
from isocrm.security import current_company
from isocrm.settings import bp, lists
from isocrm.settings.forms import CATEGORY_NAMES

TEMPLATE = "settings/list.html"
NEW, EDIT = "novo", "editar"


def _screen(kind, status=200, *, editing=None, form=None, form_key=None, notice=None, problem=None):
    """The list; a posted `form` (with its messages) is shown where `form_key` says."""
    company_id = current_company().id
    items = lists.entries(db.session, kind, company_id)
    entry_form = None
    if editing is not None:
        entry_form = (
            form if form_key == EDIT else lists.make_form(kind, company_id, editing, formdata=None)
        )
    return render(
        TEMPLATE,
        block="entries",
        status=status,
        kind=kind,
        items=items,
        used=lists.used_ids(db.session, kind, company_id),
        editing=editing.id if editing is not None else None,
        entry_form=entry_form,
        add_form=form if form_key == NEW else lists.make_form(kind, company_id, formdata=None),
        failed=form is not None and bool(form.errors),
        category_names=CATEGORY_NAMES,
        notice=notice,
        problem=problem,
    )


def _done(kind, message: str):
    """After a change: htmx gets the list with the message, a plain form the page (303)."""
    if is_partial_request():
        return _screen(kind, notice=message)
    flash(message, "success")
    return redirect(url_for("settings.list_entries", kind=kind.slug), code=303)


def _values(kind, form) -> dict:
    """What the form says, as the model takes it."""
    values = {name: form[name].data for name in kind.fields}
    if kind.load is not None:
        values = kind.load(db.session, current_company().id, values)
    return values


def _check(kind, form, item=None) -> bool:
    """Validate the form and the rules of the list; messages go beside their fields."""
    company_id = current_company().id
    if form.validate() and lists.name_taken(
        db.session, kind, company_id, form.name.data, item.id if item else None
    ):
        form.name.errors.append(kind.taken(form.name.data))
    if not form.errors and kind.guard is not None:
        values = _values(kind, form)
        # A new entry is checked as a transient row (not in the session: nothing is saved).
        probe = item if item is not None else kind.model(company_id=company_id, **values)
        refusal = kind.guard(db.session, probe, values)
        if refusal:
            form[kind.fields[-1]].errors.append(refusal)
    return not form.errors


@bp.get("/configuracoes/<list:kind>")
@allow(ROLE_SUPERVISOR)
def list_entries(kind: str):
    """Canais, Situações…: every entry of the Empresa, active and inactive."""
    return _screen(lists.kind_of(kind))


@bp.post("/configuracoes/<list:kind>")
@allow(ROLE_SUPERVISOR)
def add_entry(kind: str):
    """A new entry at the end of the list, or the form again with the messages."""
    found = lists.kind_of(kind)
    form = lists.make_form(found, current_company().id)
    if not _check(found, form):
        db.session.rollback()
        return _screen(found, 422, form=form, form_key=NEW)
    company_id = current_company().id
    extra = {}
    if hasattr(found.model, "position"):
        extra["position"] = lists.next_position(db.session, found.model, company_id)
    item = found.model(company_id=company_id, **_values(found, form), **extra)
    db.session.add(item)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:  # the same name added meanwhile by someone else
        db.session.rollback()
        form.name.errors.append(found.taken(form.name.data))
        return _screen(found, 422, form=form, form_key=NEW)
    return _done(found, found.say("added", name=item.name))


@bp.get("/configuracoes/<list:kind>/itens/<int:item_id>/editar")
@allow(ROLE_SUPERVISOR)
def edit_entry(kind: str, item_id: int):
    """The list with this entry's fields open to change them."""
    found = lists.kind_of(kind)
    return _screen(found, editing=lists.get_entry(found, item_id))


@bp.post("/configuracoes/<list:kind>/itens/<int:item_id>")
@allow(ROLE_SUPERVISOR)
def save_entry(kind: str, item_id: int):
    """Salvar the entry's fields; old tickets show the new name (it is the same entry)."""
    found = lists.kind_of(kind)
    item = lists.get_entry(found, item_id)
    form = lists.make_form(found, current_company().id)
    if not _check(found, form, item):
        db.session.rollback()
        return _screen(found, 422, editing=item, form=form, form_key=EDIT)
    values = _values(found, form)
    if all(getattr(item, name) == value for name, value in values.items()):
        return _done(found, _("Nada mudou."))
    old = item.name
    for name, value in values.items():
        setattr(item, name, value)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:  # the same name given meanwhile by someone else
        db.session.rollback()
        item = lists.get_entry(found, item_id)
        form.name.errors.append(found.taken(form.name.data))
        return _screen(found, 422, editing=item, form=form, form_key=EDIT)
    if old != item.name:
        return _done(found, found.say("renamed", old=old, new=item.name))
    return _done(found, found.say("changed", name=item.name))


def _refused(kind, message: str):
    db.session.rollback()
    return _screen(kind, 409, problem=message)


def _set_active(kind: str, item_id: int, active: bool):
    found = lists.kind_of(kind)
    item = lists.get_entry(found, item_id)
    if not active and item.active and found.guard is not None:
        refusal = found.guard(db.session, item, None)
        if refusal:
            return _refused(found, refusal)
    if item.active != active:
        item.active = active
        db.session.commit()
    return _done(found, lists.switched(found.words, item.name, active))


@bp.post("/configuracoes/<list:kind>/itens/<int:item_id>/desativar")
@allow(ROLE_SUPERVISOR)
def deactivate_entry(kind: str, item_id: int):
    """Desativar: no longer offered to attendants; tickets that use it keep showing it."""
    return _set_active(kind, item_id, False)


@bp.post("/configuracoes/<list:kind>/itens/<int:item_id>/reativar")
@allow(ROLE_SUPERVISOR)
def reactivate_entry(kind: str, item_id: int):
    """Reativar: offered again."""
    return _set_active(kind, item_id, True)


@bp.post("/configuracoes/<list:kind>/itens/<int:item_id>/excluir")
@allow(ROLE_SUPERVISOR)
def delete_entry(kind: str, item_id: int):
    """Excluir an entry nothing refers to (a typo just added); a used one is refused."""
    found = lists.kind_of(kind)
    item = lists.get_entry(found, item_id)
    refusal = found.guard(db.session, item, None) if found.guard is not None else None
    if refusal:
        return _refused(found, refusal)
    if lists.is_used(db.session, found, item):
        return _refused(
            found,
            _(
                "“%(name)s” já está em uso (atendimentos ou cadastros): desative-o em vez "
                "de excluir.",
                name=item.name,
            ),
        )
    name = item.name
    db.session.delete(item)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:  # a ticket took it meanwhile: the database refuses
        return _refused(
            found, _("“%(name)s” passou a ser usado: desative-o em vez de excluir.", name=name)
        )
    return _done(found, found.say("deleted", name=name))


@bp.post("/configuracoes/situacoes/itens/<int:item_id>/padrao")
@allow(ROLE_SUPERVISOR)
def make_default_status(item_id: int):
    """Tornar padrão: new tickets start in this situação (an active one of category Aberto)."""
    found = lists.KINDS["situacoes"]
    item = lists.get_entry(found, item_id)
    lists.lock_statuses(db.session, item)
    if not item.active or item.category != STATUS_OPEN:
        return _refused(
            found, _("A situação padrão precisa estar ativa e ser da categoria Aberto.")
        )
    if not item.is_default:
        db.session.execute(
            sa.update(Status)
            .where(Status.company_id == item.company_id, Status.is_default)
            .values(is_default=False)
        )
        item.is_default = True
        db.session.commit()
    return _done(found, _("Os novos atendimentos começam em “%(name)s”.", name=item.name))
