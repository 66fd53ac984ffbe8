import time

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from isocrm.auth import bp, passwords, sessions, throttle, totp
from isocrm.auth.forms import CompanySwitchForm, LoginForm
from isocrm.permissions import ROLE_ATTENDANT, allow
from isocrm.security import CARRIED_OVER_LOGIN, safe_next_url


@bp.route("/entrar", methods=["GET", "POST"])
@throttle.login_limits
def login():
    """Log in with username and password (then the code, for users with a second factor)."""
    if current_user.is_authenticated:
        return redirect(url_for("desk.painel"))
    form = LoginForm()
    if request.method == "GET":
        # Only a return address that will be followed is carried (a 100 kB one is not).
        form.next.data = safe_next_url(request.args.get("next")) or ""
    if form.validate_on_submit():
        # Unknown, inactive or wrong password: the same hashing work and the same message.
        user = passwords.authenticate(form.username.data, form.password.data)
        if user is None:
            throttle.count_failure()
            sessions.login_failed(form.username.data)
            form.password.errors.append(_("Usuário ou senha incorretos."))
            return render_template("auth/login.html", form=form), 422
        if totp.needs_code(user):
            return start_code_step(user, form.next.data)
        throttle.forget_failures()
        return finish_login(user, form.next.data)
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


def _login_refused(message: str):
    """/entrar over the limit: the form again with the typed username, the reason beside it."""
    form = LoginForm()
    form.password.data = None
    return render_template("auth/login.html", form=form, refusal=message)


throttle.refusal_pages["auth.login"] = _login_refused


def start_code_step(user, next_url: str | None):
    """The password was right; the session only remembers whom the code is asked from."""
    carried = {key: session[key] for key in CARRIED_OVER_LOGIN if key in session}
    session.clear()
    session.update(carried)
    session["pending_login"] = {
        "user_id": user.id,
        "username": user.username,
        "next": safe_next_url(next_url) or "",
        "at": int(time.time()),
    }
    return redirect(url_for("auth.login_code"))


def finish_login(user, next_url: str | None):
    """Log the user in, after the password (and the code, when the user has one)."""
    # A fresh session on login (no fixation of a pre-login session); only the key that
    # lets this browser take back what it typed while logged out is carried over.
    carried = {key: session[key] for key in CARRIED_OVER_LOGIN if key in session}
    session.clear()
    session.update(carried)
    session["company_id"] = user.companies[0].id if user.companies else None
    login_user(user)  # listeners of user_logged_in may pick another Empresa
    sessions.begin(user)
    if totp.must_enroll(user):
        return redirect(url_for("auth.enroll_totp"))
    return redirect(safe_next_url(next_url) or url_for("desk.painel"))


@bp.post("/sair")
@allow(ROLE_ATTENDANT)
def logout():
    """Log out and forget the session."""
    sessions.end()
    logout_user()
    carried = {key: session[key] for key in CARRIED_OVER_LOGIN if key in session}
    session.clear()
    session.update(carried)
    flash(_("Você saiu do sistema."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/empresa")
@allow(ROLE_ATTENDANT)
def switch_company():
    """Choose which of the user's Empresas the screens show."""
    form = CompanySwitchForm()
    if not form.validate_on_submit():
        abort(400)
    if form.company_id.data not in {c.id for c in current_user.companies}:
        abort(403)
    session["company_id"] = form.company_id.data
    # A page of a record belongs to the Empresa it was opened in: after a switch the desk
    # starts again from the search of the new Empresa (lists and searches are kept).
    target = safe_next_url(form.next.data)
    if target and any(part.isdigit() for part in target.split("?")[0].split("/")):
        target = None
    return redirect(target or url_for("tickets.index"), code=303)
