"""Configurações › Empresas (administrators): the Empresas the administrator belongs to, each
with its name and CNPJ edited in place. The Reply-To of each is on E-mail da Empresa."""

import sqlalchemy as sa
from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from isocrm import brdocs
from isocrm.extensions import db
from isocrm.htmx import is_partial_request, render
from isocrm.models import Company
from isocrm.models.user import user_companies
from isocrm.permissions import ROLE_ADMIN, allow
from isocrm.settings import bp
from isocrm.settings.forms import CompanyForm
from isocrm.text import fold

TEMPLATE = "settings/companies.html"


def _mine():
    """SELECT of the Empresas the administrator belongs to: the others are as missing."""
    return (
        sa.select(Company)
        .join(user_companies, user_companies.c.company_id == Company.id)
        .where(user_companies.c.user_id == current_user.id)
    )


def _company(company_id: int) -> Company:
    company = db.session.scalar(_mine().where(Company.id == company_id))
    if company is None:
        abort(404)
    return company


def _screen(status=200, *, editing=None, form=None, notice=None):
    companies = db.session.scalars(_mine().order_by(Company.name)).all()
    if editing is not None and form is None:
        form = CompanyForm(formdata=None, obj=editing)
        form.document.data = editing.document and brdocs.format_document(editing.document)
    return render(
        TEMPLATE,
        block="companies",
        status=status,
        companies=companies,
        editing=editing.id if editing is not None else None,
        form=form,
        failed=form is not None and bool(form.errors),
        notice=notice,
        format_document=brdocs.format_document,
    )


@bp.get("/configuracoes/empresas")
@allow(ROLE_ADMIN)
def companies():
    """The administrator's Empresas, with their name and CNPJ."""
    return _screen()


@bp.get("/configuracoes/empresas/<int:company_id>/editar")
@allow(ROLE_ADMIN)
def edit_company(company_id: int):
    """The list with this Empresa's fields open to change them."""
    return _screen(editing=_company(company_id))


def _refuse_taken(company: Company, form: CompanyForm) -> None:
    """The name and the CNPJ belong to one Empresa only (the name whatever accents and case)."""
    others = db.session.execute(
        sa.select(Company.name, Company.document).where(Company.id != company.id)
    ).all()
    if any(fold(name) == fold(form.name.data) for name, _document in others):
        form.name.errors.append(_("Já existe a empresa “%(name)s”.", name=form.name.data))
    if form.document.data and any(document == form.document.data for _name, document in others):
        form.document.errors.append(_("Este CNPJ já é de outra empresa."))


@bp.post("/configuracoes/empresas/<int:company_id>")
@allow(ROLE_ADMIN)
def save_company(company_id: int):
    """Salvar the Empresa's name and CNPJ."""
    company = _company(company_id)
    form = CompanyForm()
    if form.validate():
        _refuse_taken(company, form)
    if form.errors:
        db.session.rollback()
        return _screen(422, editing=company, form=form)
    old = company.name
    company.name, company.document = form.name.data, form.document.data
    try:
        db.session.commit()
    except sa.exc.IntegrityError:  # the same name or CNPJ given meanwhile to another one
        db.session.rollback()
        company = _company(company_id)
        form.name.errors.append(_("O nome ou o CNPJ passou a ser de outra empresa."))
        return _screen(422, editing=company, form=form)
    if old != company.name:
        message = _("Empresa “%(old)s” salva, agora “%(new)s”.", old=old, new=company.name)
    else:
        message = _("Empresa “%(name)s” salva.", name=old)
    if is_partial_request():
        return _screen(notice=message)
    flash(message, "success")
    return redirect(url_for("settings.companies"), code=303)
