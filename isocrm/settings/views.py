"""Configurações (supervisor): the index of the Empresa's settings and the catalogue tree
Motivo → Ocorrência → Causa on one screen. Every action answers the tree again: the block
for htmx (the tree replaces itself), a redirect to the page otherwise."""

import sqlalchemy as sa
from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _

from isocrm.extensions import db
from isocrm.htmx import is_partial_request, render
from isocrm.loaders import get_catalog_entry
from isocrm.permissions import ROLE_SUPERVISOR, allow
from isocrm.security import current_company
from isocrm.settings import bp, queries
from isocrm.settings.forms import NameForm
from isocrm.settings.lists import switched

TEMPLATE = "settings/tree.html"


@bp.get("/configuracoes")
@allow(ROLE_SUPERVISOR)
def index():
    """Configurações: the sections a supervisor maintains, each on its own screen."""
    return render("settings/index.html")


def _tree(status=200, *, editing=None, form=None, form_key=None, notice=None, problem=None):
    """The tree screen; `form` (with its messages) is shown where `form_key` says."""
    company_id = current_company().id
    return render(
        TEMPLATE,
        block="tree",
        status=status,
        reasons=queries.tree(db.session, company_id),
        used=queries.used_ids(db.session, company_id),
        editing=editing,
        form=form,
        form_key=form_key,
        notice=notice,
        problem=problem,
    )


def _done(message: str):
    """After a change: htmx gets the tree with the message, a plain form the page (303)."""
    if is_partial_request():
        return _tree(notice=message)
    flash(message, "success")
    return redirect(url_for("settings.tree"), code=303)


@bp.get("/configuracoes/motivos")
@allow(ROLE_SUPERVISOR)
def tree():
    """Motivos, Ocorrências e Causas: the whole tree, active and inactive entries."""
    return _tree()


def _add(level: queries.Level, parent_id: int, form_key: str):
    """A new entry at the end of its list, or the form again with the message."""
    form = NameForm()
    if form.validate() and queries.name_taken(db.session, level, parent_id, form.name.data):
        form.name.errors.append(level.taken(form.name.data))
    if form.errors:
        db.session.rollback()
        return _tree(422, form=form, form_key=form_key)
    item = level.model(
        name=form.name.data,
        position=queries.next_position(db.session, level, parent_id),
        **{level.parent_column: parent_id},
    )
    db.session.add(item)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:  # the same name added meanwhile by someone else
        db.session.rollback()
        form.name.errors.append(level.taken(form.name.data))
        return _tree(422, form=form, form_key=form_key)
    return _done(level.say("added", name=item.name))


@bp.post("/configuracoes/motivos")
@allow(ROLE_SUPERVISOR)
def add_reason():
    """Novo motivo, at the end of the list."""
    return _add(queries.LEVELS["motivos"], current_company().id, "novo-motivos")


@bp.post("/configuracoes/<level>/<int:item_id>/itens")
@allow(ROLE_SUPERVISOR)
def add_child(level: str, item_id: int):
    """Nova ocorrência under a Motivo, or nova causa under an Ocorrência."""
    parent_level = queries.level_of(level)
    if parent_level.child is None:  # nothing goes below a Causa
        abort(404)
    parent = get_catalog_entry(parent_level.model, item_id)
    return _add(queries.LEVELS[parent_level.child], parent.id, f"novo-{level}-{parent.id}")


@bp.get("/configuracoes/<level>/<int:item_id>/editar")
@allow(ROLE_SUPERVISOR)
def edit(level: str, item_id: int):
    """The tree with this entry's name in a field to rename it."""
    found = queries.level_of(level)
    item = get_catalog_entry(found.model, item_id)
    return _tree(editing=(found.slug, item.id))


@bp.post("/configuracoes/<level>/<int:item_id>")
@allow(ROLE_SUPERVISOR)
def rename(level: str, item_id: int):
    """Renomear: the new name, unique under the same parent. Old tickets show the new name
    (it is the same entry)."""
    found = queries.level_of(level)
    item = get_catalog_entry(found.model, item_id)
    form = NameForm()
    parent_id = getattr(item, found.parent_column)
    if form.validate() and queries.name_taken(
        db.session, found, parent_id, form.name.data, item.id
    ):
        form.name.errors.append(found.taken(form.name.data))
    if form.errors:
        return _tree(422, editing=(found.slug, item.id), form=form, form_key="editar")
    old = item.name
    if form.name.data == old:
        return _done(_("Nada mudou."))
    item.name = form.name.data
    try:
        db.session.commit()
    except sa.exc.IntegrityError:  # the same name given meanwhile by someone else
        db.session.rollback()
        form.name.errors.append(found.taken(form.name.data))
        return _tree(422, editing=(found.slug, item_id), form=form, form_key="editar")
    return _done(found.say("renamed", old=old, new=form.name.data))


def _move(level: str, item_id: int, step: int):
    found = queries.level_of(level)
    item = get_catalog_entry(found.model, item_id)
    if not queries.move(db.session, found, item, step):
        if step < 0:
            return _done(_("“%(name)s” já é o primeiro da lista.", name=item.name))
        return _done(_("“%(name)s” já é o último da lista.", name=item.name))
    db.session.commit()
    if step < 0:
        return _done(_("“%(name)s” subiu uma posição.", name=item.name))
    return _done(_("“%(name)s” desceu uma posição.", name=item.name))


@bp.post("/configuracoes/<level>/<int:item_id>/subir")
@allow(ROLE_SUPERVISOR)
def move_up(level: str, item_id: int):
    """Subir: one place up in its list (and in the attendants' select)."""
    return _move(level, item_id, -1)


@bp.post("/configuracoes/<level>/<int:item_id>/descer")
@allow(ROLE_SUPERVISOR)
def move_down(level: str, item_id: int):
    """Descer: one place down in its list."""
    return _move(level, item_id, +1)


def _set_active(level: str, item_id: int, active: bool):
    found = queries.level_of(level)
    item = get_catalog_entry(found.model, item_id)
    if item.active != active:
        item.active = active
        db.session.commit()
    return _done(switched(found.words, item.name, active))


@bp.post("/configuracoes/<level>/<int:item_id>/desativar")
@allow(ROLE_SUPERVISOR)
def deactivate(level: str, item_id: int):
    """Desativar: no longer offered to attendants; tickets that use it keep showing it."""
    return _set_active(level, item_id, False)


@bp.post("/configuracoes/<level>/<int:item_id>/reativar")
@allow(ROLE_SUPERVISOR)
def reactivate(level: str, item_id: int):
    """Reativar: offered again."""
    return _set_active(level, item_id, True)


@bp.post("/configuracoes/<level>/<int:item_id>/excluir")
@allow(ROLE_SUPERVISOR)
def delete(level: str, item_id: int):
    """Excluir an entry nothing refers to (a typo just added); a used one is refused: it
    is deactivated instead, so old tickets keep their labels."""
    found = queries.level_of(level)
    item = get_catalog_entry(found.model, item_id)
    if queries.is_used(db.session, found, item):
        return _tree(
            409,
            problem=_(
                "“%(name)s” já está em uso (atendimentos, produtos ou itens abaixo "
                "dele): desative-o em vez de excluir.",
                name=item.name,
            ),
        )
    name = item.name
    db.session.delete(item)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:  # a ticket took it meanwhile: the database refuses
        db.session.rollback()
        return _tree(
            409,
            problem=_("“%(name)s” passou a ser usado: desative-o em vez de excluir.", name=name),
        )
    return _done(found.say("deleted", name=name))
