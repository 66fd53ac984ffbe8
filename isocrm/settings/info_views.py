"""Configurações › Produtos › Informações: the informações of one product, each offered on a
ticket's product line when the ticket's Motivo and Ocorrência are its own. The Ocorrência
select follows the Motivo (htmx), as on the ticket screen."""

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from isocrm.catalogs import BLANK, catalog, occurrence_choices
from isocrm.extensions import db
from isocrm.fields import optional_id
from isocrm.htmx import is_partial_request, render
from isocrm.models import DetailInfo, ProductInfo
from isocrm.permissions import ROLE_SUPERVISOR, allow
from isocrm.security import current_company
from isocrm.settings import bp, lists, words
from isocrm.settings.forms import ProductInfoForm
from isocrm.text import fold

TEMPLATE = "settings/product_infos.html"


def _product(product_id: int):
    return lists.get_entry(lists.KINDS["produtos"], product_id)


def _info(product, info_id: int) -> ProductInfo:
    info = db.session.scalar(
        sa.select(ProductInfo).where(
            ProductInfo.id == info_id, ProductInfo.product_id == product.id
        )
    )
    if info is None:
        abort(404)
    return info


def _form(posted: bool) -> ProductInfoForm:
    """The form (as posted, or empty) with the Empresa's active Motivos and the chosen
    Motivo's Ocorrências."""
    form = ProductInfoForm() if posted else ProductInfoForm(formdata=None)
    company_id = current_company().id
    form.reason_id.choices = [BLANK, *catalog(db.session, company_id).reasons]
    form.occurrence_id.choices = occurrence_choices(db.session, company_id, form.reason_id.data)
    return form


def _screen(product, status=200, *, form=None, notice=None, problem=None):
    infos = db.session.scalars(
        sa.select(ProductInfo)
        .where(ProductInfo.product_id == product.id)
        .order_by(ProductInfo.description, ProductInfo.id)
    ).all()
    used = set(
        db.session.scalars(
            sa.select(DetailInfo.product_info_id).where(
                DetailInfo.product_info_id.in_([info.id for info in infos])
            )
        )
    )
    return render(
        TEMPLATE,
        block="infos",
        status=status,
        product=product,
        infos=infos,
        used=used,
        form=form if form is not None else _form(posted=False),
        failed=form is not None and bool(form.errors),
        notice=notice,
        problem=problem,
    )


def _done(product, message: str):
    if is_partial_request():
        return _screen(product, notice=message)
    flash(message, "success")
    return redirect(url_for("settings.product_infos", product_id=product.id), code=303)


@bp.get("/configuracoes/produtos/<int:product_id>/informacoes")
@allow(ROLE_SUPERVISOR)
def product_infos(product_id: int):
    """The product's informações, active and inactive, and the form to add one."""
    return _screen(_product(product_id))


@bp.get("/configuracoes/produtos/ocorrencias")
@allow(ROLE_SUPERVISOR)
def product_occurrence_options():
    """<option>s of Ocorrência for the Motivo chosen in the form that adds an informação."""
    company_id = current_company().id
    reason_id = optional_id(request.args.get("reason_id"))
    return render(
        "tickets/_options.html", choices=occurrence_choices(db.session, company_id, reason_id)
    )


def _taken(product, form) -> bool:
    wanted = fold(form.description.data)
    return any(
        fold(description) == wanted
        for description in db.session.scalars(
            sa.select(ProductInfo.description).where(
                ProductInfo.product_id == product.id,
                ProductInfo.reason_id == form.reason_id.data,
                ProductInfo.occurrence_id == form.occurrence_id.data,
            )
        )
    )


@bp.post("/configuracoes/produtos/<int:product_id>/informacoes")
@allow(ROLE_SUPERVISOR)
def add_product_info(product_id: int):
    """A new informação under a Motivo and one of its Ocorrências."""
    product = _product(product_id)
    form = _form(posted=True)
    taken = _(
        "Já existe a informação “%(description)s” neste motivo e ocorrência.",
        description=form.description.data,
    )
    if form.validate() and _taken(product, form):
        form.description.errors.append(taken)
    if form.errors:
        db.session.rollback()
        return _screen(product, 422, form=form)
    info = ProductInfo(
        product_id=product.id,
        reason_id=form.reason_id.data,
        occurrence_id=form.occurrence_id.data,
        description=form.description.data,
    )
    db.session.add(info)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:  # the same one added meanwhile
        db.session.rollback()
        form.description.errors.append(taken)
        return _screen(product, 422, form=form)
    return _done(product, _("Informação “%(description)s” incluída.", description=info.description))


def _set_active(product_id: int, info_id: int, active: bool):
    product = _product(product_id)
    info = _info(product, info_id)
    if info.active != active:
        info.active = active
        db.session.commit()
    return _done(product, lists.switched(words.INFORMACAO_WORDS, info.description, active))


@bp.post("/configuracoes/produtos/<int:product_id>/informacoes/<int:info_id>/desativar")
@allow(ROLE_SUPERVISOR)
def deactivate_product_info(product_id: int, info_id: int):
    """Desativar: no longer offered on new product lines; old lines keep showing it."""
    return _set_active(product_id, info_id, False)


@bp.post("/configuracoes/produtos/<int:product_id>/informacoes/<int:info_id>/reativar")
@allow(ROLE_SUPERVISOR)
def reactivate_product_info(product_id: int, info_id: int):
    """Reativar: offered again."""
    return _set_active(product_id, info_id, True)


@bp.post("/configuracoes/produtos/<int:product_id>/informacoes/<int:info_id>/excluir")
@allow(ROLE_SUPERVISOR)
def delete_product_info(product_id: int, info_id: int):
    """Excluir an informação no ticket line uses; a used one is deactivated instead."""
    product = _product(product_id)
    info = _info(product, info_id)
    problem = _(
        "“%(description)s” já está em uso em atendimentos: desative-a em vez de excluir.",
        description=info.description,
    )
    if db.session.scalar(sa.select(sa.exists().where(DetailInfo.product_info_id == info.id))):
        return _screen(product, 409, problem=problem)
    description = info.description
    db.session.delete(info)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        return _screen(product, 409, problem=problem)
    return _done(product, _("Informação “%(description)s” excluída.", description=description))
