"""The logged-in user's own account (Alterar senha, verificação em duas etapas, Preferências)
and the code step of a login."""

import time

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from flask_login import current_user

from isocrm.auth import bp, passwords, sessions, throttle, totp
from isocrm.auth.forms import ChangePasswordForm, CodeForm, EnrollForm, PreferencesForm
from isocrm.auth.signals import password_changed
from isocrm.auth.views import finish_login
from isocrm.extensions import db
from isocrm.models import User
from isocrm.models.session import ENDED_BY_TOTP
from isocrm.permissions import ROLE_ATTENDANT, allow


def _pending_user() -> User | None:
    """Whose password was right a moment ago, if that moment has not expired."""
    pending = session.get("pending_login")
    if not pending:
        return None
    if time.time() - pending.get("at", 0) > current_app.config["TOTP_PENDING_SECONDS"]:
        session.pop("pending_login", None)
        return None
    user = db.session.get(User, pending.get("user_id"))
    if user is None or not user.active or not totp.needs_code(user):
        session.pop("pending_login", None)
        return None
    return user


@bp.route("/entrar/codigo", methods=["GET", "POST"])
@throttle.login_limits
def login_code():
    """Second step of a login: the code of the authenticator app."""
    if current_user.is_authenticated:
        return redirect(url_for("tickets.index"))
    user = _pending_user()
    if user is None:
        flash(_("Entre de novo com usuário e senha."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        problem = totp.use_code(user, form.code.data)
        if problem is None:
            next_url = session.pop("pending_login", {}).get("next")
            throttle.forget_failures()
            return finish_login(user, next_url)
        throttle.count_failure()
        sessions.login_failed(user.username)
        form.code.errors.append(problem)
    status = 422 if form.errors else 200
    return render_template("auth/code.html", form=form), status


throttle.refusal_pages["auth.login_code"] = lambda message: render_template(
    "auth/code.html", form=CodeForm(), refusal=message
)


@bp.route("/conta/senha", methods=["GET", "POST"])
@allow(ROLE_ATTENDANT)
@throttle.login_limits
def change_password():
    """Alterar senha: the current one, then the new one twice."""
    form = ChangePasswordForm(current_user.username)
    if form.validate_on_submit():
        if not passwords.verify(current_user.password_hash, form.current_password.data):
            # Guessing someone's password from their open session costs as much as at login.
            throttle.count_failure()
            form.current_password.errors.append(_("Senha atual incorreta."))
        elif form.new_password.data == form.current_password.data:
            form.new_password.errors.append(_("A nova senha deve ser diferente da atual."))
        else:
            user = current_user._get_current_object()
            user.set_password(form.new_password.data)
            user.must_change_password = False  # a temporary password is replaced
            db.session.commit()  # ends every session of the user, this one too
            password_changed.send(current_app._get_current_object(), user=user)
            # This browser goes on in a fresh session; every other copy stays ended.
            sessions.begin(user)
            flash(
                _("Senha alterada. As outras sessões abertas com a senha antiga foram encerradas."),
                "success",
            )
            return redirect(url_for("auth.change_password"), code=303)
    status = 422 if form.errors else 200
    return render_template("auth/password.html", form=form), status


# What a user with a temporary password may still reach: Alterar senha and the way out.
PASSWORD_CHANGE_ENDPOINTS = {"auth.change_password", "auth.logout", "auth.login", "static"}
MUST_CHANGE_MESSAGE = _l("Sua senha é temporária: escolha uma senha nova para continuar.")


def require_password_change():
    """before_request: after a login with a temporary password (Usuários › Redefinir senha,
    Novo usuário) every route leads to Alterar senha until the password is changed. The
    second factor, when required and not yet set up, comes first (its own guard)."""
    if not current_user.is_authenticated or not current_user.must_change_password:
        return None
    if totp.must_enroll(current_user) or request.endpoint in PASSWORD_CHANGE_ENDPOINTS:
        return None
    target = url_for("auth.change_password")
    if request.headers.get("HX-Request") == "true":
        return "", 403, {"HX-Redirect": target}
    flash(str(MUST_CHANGE_MESSAGE), "warning")
    return redirect(target)


throttle.refusal_pages["auth.change_password"] = lambda message: render_template(
    "auth/password.html", form=ChangePasswordForm(current_user.username), refusal=message
)


@bp.route("/conta/2fa", methods=["GET", "POST"])
@allow(ROLE_ATTENDANT)
@throttle.login_limits
def enroll_totp():
    """Verificação em duas etapas: show a new secret, turn it on with a code from the app."""
    user = current_user._get_current_object()
    if totp.needs_code(user):
        return render_template("auth/totp.html", enrolled=True)
    # The secret waits in the session until a right code proves the app has it; reloading
    # the page keeps the same one, so a phone that already scanned it stays valid.
    secret = session.get("totp_enrolling") or totp.new_secret()
    session["totp_enrolling"] = secret
    form = EnrollForm()
    if form.validate_on_submit():
        if not passwords.verify(user.password_hash, form.current_password.data):
            throttle.count_failure()
            form.current_password.errors.append(_("Senha atual incorreta."))
        else:
            problem = totp.enroll(user, secret, form.code.data)
            if problem is None:
                session.pop("totp_enrolling", None)
                # A session opened elsewhere before the second factor did not pass it: end
                # them all, this browser goes on in a fresh one.
                sessions.end_every_session(user, ENDED_BY_TOTP)
                sessions.begin(user)
                flash(
                    _("Verificação em duas etapas ativada. As outras sessões foram encerradas."),
                    "success",
                )
                return redirect(url_for("tickets.index"), code=303)
            form.code.errors.append(problem)
    status = 422 if form.errors else 200
    return _enrollment_page(user, form, secret), status


def _enrollment_page(user, form, secret, refusal=None):
    return render_template(
        "auth/totp.html",
        enrolled=False,
        form=form,
        secret=secret,
        uri=totp.provisioning_uri(secret, user.username),
        required=user.totp_required,
        refusal=refusal,
    )


throttle.refusal_pages["auth.enroll_totp"] = lambda message: _enrollment_page(
    current_user, EnrollForm(), session.get("totp_enrolling") or "", message
)


@bp.route("/preferencias", methods=["GET", "POST"])
@allow(ROLE_ATTENDANT)
def preferences():
    """Preferências: the language of the screens (Português or English), kept on the user."""
    user = current_user._get_current_object()
    form = PreferencesForm(language=user.language)
    if form.validate_on_submit():
        user.language = form.language.data
        db.session.commit()
        # The choice is the page's language from this very answer on.
        refresh()
        flash(_("Preferências salvas."), "success")
        return redirect(url_for("auth.preferences"), code=303)
    status = 422 if form.errors else 200
    return render_template("auth/preferences.html", form=form), status
