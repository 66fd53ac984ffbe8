"""Configurações (supervisor) and Usuários (admin) of the Empresa chosen in the header."""

import sqlalchemy as sa
from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from isocrm import logs
from isocrm.admin import bp
from isocrm.admin import users as service
from isocrm.admin.forms import (
    ROLE_NAMES,
    MailSettingsForm,
    UserCreateForm,
    UserEditForm,
    UserRoleForm,
)
from isocrm.extensions import db
from isocrm.models import User
from isocrm.models.user import user_companies
from isocrm.permissions import ROLE_ADMIN, ROLE_SUPERVISOR, allow
from isocrm.security import current_company

OWN_ROLE_MESSAGE = _l("Você não pode mudar o seu próprio perfil: peça a outro administrador.")


@bp.route("/configuracoes/email", methods=["GET", "POST"])
@allow(ROLE_SUPERVISOR)
def mail_settings():
    """Where customers' replies to the Empresa's e-mails go (Reply-To); empty: the sender.
    The same setting as `flask mail-reply-to`, for the supervisor of the desk."""
    company = current_company()
    form = MailSettingsForm()
    if request.method == "GET":
        form.reply_to.data = company.mail_reply_to or ""
        form.satisfaction_survey.data = company.satisfaction_survey
        return render_template("admin/mail_settings.html", form=form)
    if not form.validate():
        return render_template("admin/mail_settings.html", form=form), 422
    company.mail_reply_to = form.reply_to.data or None
    survey_changed = company.satisfaction_survey != form.satisfaction_survey.data
    company.satisfaction_survey = form.satisfaction_survey.data
    db.session.commit()
    if survey_changed:
        flash(_survey_message(company.satisfaction_survey), "success")
    if company.mail_reply_to:
        flash(
            _(
                "As respostas aos e-mails de %(company)s irão para %(address)s.",
                company=company.name,
                address=company.mail_reply_to,
            ),
            "success",
        )
    else:
        flash(
            _(
                "Os e-mails de %(company)s não têm mais Reply-To: respostas vão ao remetente.",
                company=company.name,
            ),
            "success",
        )
    return redirect(url_for("admin.mail_settings"), code=303)


def _survey_message(on: bool) -> str:
    if on:
        return _("A pesquisa de satisfação será enviada ao concluir cada atendimento.")
    return _("A pesquisa de satisfação não será mais enviada.")


def _users_of_company():
    return (
        sa.select(User)
        .join(user_companies)
        .where(user_companies.c.company_id == current_company().id)
    )


def _user_or_404(user_id: int) -> User:
    """A user of the current Empresa (another Empresa's is as missing); a request that
    changes data locks the row until it commits (PostgreSQL)."""
    query = _users_of_company().where(User.id == user_id)
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        query = query.with_for_update(of=User)
    user = db.session.scalar(query)
    if user is None:
        abort(404)
    return user


def _actor() -> User:
    return current_user._get_current_object()


def _require_manage(user: User) -> None:
    if not service.may_manage(_actor(), user):
        abort(403, str(service.ONLY_ATTENDANTS))  # the error page takes a str


def _users_page(status=200, forms=None):
    users = db.session.scalars(_users_of_company().order_by(User.name, User.id)).all()
    forms = forms or {}
    for user in users:
        if user.id not in forms:
            forms[user.id] = UserRoleForm(formdata=None, role=user.role, prefix=f"u{user.id}")
    actor = _actor()
    manageable = {user.id for user in users if service.may_manage(actor, user)}
    return render_template(
        "admin/users.html",
        users=users,
        forms=forms,
        manageable=manageable,
        role_names=ROLE_NAMES,
    ), status


@bp.get("/usuarios")
@allow(ROLE_SUPERVISOR)
def users():
    """Usuários of the Empresa with their perfil (atendente, supervisor, administrador);
    supervisors manage the atendentes, administrators everyone."""
    return _users_page()


@bp.post("/usuarios/<int:user_id>/perfil")
@allow(ROLE_ADMIN)
def change_role(user_id: int):
    """Change a user's perfil; a user of another Empresa is not found (404)."""
    user = _user_or_404(user_id)
    form = UserRoleForm(prefix=f"u{user.id}")
    valid = form.validate()
    if valid and user.id == current_user.id and form.role.data != user.role:
        # An administrator lowering their own perfil could leave nobody to undo it.
        form.role.errors.append(OWN_ROLE_MESSAGE)
        valid = False
    changed = valid and form.role.data != user.role
    if changed:
        try:
            service.change_role(_actor(), user, form.role.data)
        except service.RuleBroken as broken:
            db.session.rollback()
            form.role.errors.append(broken.message)
            valid = False
    if not valid:
        return _users_page(422, {user.id: form})
    if changed:
        db.session.commit()
        flash(
            _("%(name)s agora é %(role)s.", name=user.name, role=ROLE_NAMES[user.role]),
            "success",
        )
    return redirect(url_for("admin.users"), code=303)


def _setup(form, user: User | None = None):
    actor = _actor()
    roles = service.roles_for(actor)
    if user is not None and user.role not in roles:
        roles = [*roles, user.role]  # shown as it is; the service refuses giving it
    form.set_options(roles, actor.companies)
    return form


def _form_page(template: str, form, status=200, **context):
    return render_template(template, form=form, **context), status


def _temporary_password_page(user: User, password: str, created: bool):
    """The temporary password, shown this once: never cached, never shown again."""
    response = make_response(
        render_template(
            "admin/temporary_password.html", user=user, password=password, created=created
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/usuarios/novo", methods=["GET", "POST"])
@allow(ROLE_SUPERVISOR)
def new_user():
    """Novo usuário: login, nome, e-mail, perfil and Empresas; a temporary password is shown
    once, to be changed at the first login."""
    form = _setup(UserCreateForm())
    if request.method == "GET":
        form.role.data = service.roles_for(_actor())[0]
        form.companies.data = [current_company().id]
        return _form_page("admin/user_new.html", form)
    if not form.validate():
        return _form_page("admin/user_new.html", form, 422)
    try:
        user, password = service.create_user(
            _actor(), username=form.username.data, **form.changes()
        )
    except service.RuleBroken as broken:
        db.session.rollback()
        getattr(form, broken.field).errors.append(broken.message)
        return _form_page("admin/user_new.html", form, 422)
    db.session.commit()
    logs.event("user_created", target=user.username, role=user.role)
    return _temporary_password_page(user, password, created=True)


@bp.route("/usuarios/<int:user_id>", methods=["GET", "POST"])
@allow(ROLE_SUPERVISOR)
def edit_user(user_id: int):
    """Editar usuário: nome, e-mail, perfil, Empresas; Desativar/Reativar, Redefinir senha."""
    user = _user_or_404(user_id)
    _require_manage(user)
    form = _setup(UserEditForm(obj=user if request.method == "GET" else None), user)
    if request.method == "GET":
        form.companies.data = [c.id for c in user.companies]
        return _edit_page(user, form)
    if not form.validate():
        return _edit_page(user, form, 422)
    try:
        service.update_user(_actor(), user, **form.changes())
    except service.RuleBroken as broken:
        db.session.rollback()
        getattr(form, broken.field).errors.append(broken.message)
        return _edit_page(db.session.get(User, user_id), form, 422)
    db.session.commit()
    flash(_("Usuário %(username)s salvo.", username=user.username), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id), code=303)


def _edit_page(user: User, form, status=200, refusal=None):
    return render_template("admin/user_edit.html", user=user, form=form, refusal=refusal), status


def _refused_action(user: User, message: str):
    """Desativar or Redefinir senha refused: the edit page with the reason next to the
    buttons, nothing changed."""
    db.session.rollback()
    user = db.session.get(User, user.id)
    form = _setup(UserEditForm(formdata=None, obj=user), user)
    form.companies.data = [c.id for c in user.companies]
    return _edit_page(user, form, 422, refusal=message)


@bp.post("/usuarios/<int:user_id>/desativar")
@allow(ROLE_SUPERVISOR)
def deactivate_user(user_id: int):
    """Desativar: the user cannot log in and their sessions end; their tickets keep them."""
    return _set_active(user_id, False)


@bp.post("/usuarios/<int:user_id>/reativar")
@allow(ROLE_SUPERVISOR)
def reactivate_user(user_id: int):
    """Reativar: the user can log in again (with the password they had)."""
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool):
    user = _user_or_404(user_id)
    _require_manage(user)
    try:
        service.set_active(_actor(), user, active)
    except service.RuleBroken as broken:
        return _refused_action(user, broken.message)
    db.session.commit()
    logs.event("user_reactivated" if active else "user_deactivated", target=user.username)
    if active:
        flash(_("%(name)s foi reativado e pode entrar de novo.", name=user.name), "success")
    else:
        flash(
            _(
                "%(name)s foi desativado: não entra mais e as sessões abertas foram encerradas.",
                name=user.name,
            ),
            "success",
        )
    return redirect(url_for("admin.edit_user", user_id=user.id), code=303)


@bp.post("/usuarios/<int:user_id>/senha")
@allow(ROLE_SUPERVISOR)
def reset_password(user_id: int):
    """Redefinir senha: a temporary password, shown once; the user's sessions end and the
    next login asks for a new password."""
    user = _user_or_404(user_id)
    _require_manage(user)
    try:
        password = service.reset_password(_actor(), user)
    except service.RuleBroken as broken:
        return _refused_action(user, broken.message)
    db.session.commit()
    logs.event("password_reset", target=user.username)
    return _temporary_password_page(user, password, created=False)
