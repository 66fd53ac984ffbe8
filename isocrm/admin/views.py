"""Configurações (supervisor) and Usuários (admin) of the Empresa chosen in the header."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from isocrm.admin import bp
from isocrm.admin.forms import MailSettingsForm, UserRoleForm
from isocrm.extensions import db
from isocrm.models import User
from isocrm.models.user import USER_ROLE_LABELS, user_companies
from isocrm.permissions import ROLE_ADMIN, ROLE_SUPERVISOR, allow
from isocrm.security import current_company

OWN_ROLE_MESSAGE = "Você não pode mudar o seu próprio perfil: peça a outro administrador."


@bp.route("/configuracoes/email", methods=["GET", "POST"])
@allow(ROLE_SUPERVISOR)
def mail_settings():
    """Where customers' replies to the Empresa's e-mails go (Reply-To); empty: the sender.
    The same setting as `flask mail-reply-to`, for the supervisor of the desk."""
    company = current_company()
    form = MailSettingsForm()
    if request.method == "GET":
        form.reply_to.data = company.mail_reply_to or ""
        return render_template("admin/mail_settings.html", form=form)
    if not form.validate():
        return render_template("admin/mail_settings.html", form=form), 422
    company.mail_reply_to = form.reply_to.data or None
    db.session.commit()
    if company.mail_reply_to:
        flash(
            f"As respostas aos e-mails de {company.name} irão para {company.mail_reply_to}.",
            "success",
        )
    else:
        flash(
            f"Os e-mails de {company.name} não têm mais Reply-To: respostas vão ao remetente.",
            "success",
        )
    return redirect(url_for("admin.mail_settings"), code=303)


def _users_of_company():
    return (
        sa.select(User)
        .join(user_companies)
        .where(user_companies.c.company_id == current_company().id)
    )


def _users_page(status=200, forms=None):
    users = db.session.scalars(_users_of_company().order_by(User.name, User.id)).all()
    forms = forms or {}
    for user in users:
        if user.id not in forms:
            forms[user.id] = UserRoleForm(formdata=None, role=user.role, prefix=f"u{user.id}")
    return render_template("admin/users.html", users=users, forms=forms), status


@bp.get("/usuarios")
@allow(ROLE_ADMIN)
def users():
    """Usuários of the Empresa with their perfil (atendente, supervisor, administrador)."""
    return _users_page()


@bp.post("/usuarios/<int:user_id>/perfil")
@allow(ROLE_ADMIN)
def change_role(user_id: int):
    """Change a user's perfil; a user of another Empresa is not found (404)."""
    user = db.session.scalar(_users_of_company().where(User.id == user_id))
    if user is None:
        abort(404)
    form = UserRoleForm(prefix=f"u{user.id}")
    valid = form.validate()
    if valid and user.id == current_user.id and form.role.data != user.role:
        # An administrator lowering their own perfil could leave nobody to undo it.
        form.role.errors.append(
            "Você não pode mudar o seu próprio perfil: peça a outro administrador."
        )
        valid = False
    if not valid:
        return _users_page(422, {user.id: form})
    if form.role.data != user.role:
        user.role = form.role.data
        db.session.commit()
        flash(f"{user.name} agora é {USER_ROLE_LABELS[user.role]}.", "success")
    return redirect(url_for("admin.users"), code=303)
