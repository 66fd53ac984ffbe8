import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from isocrm.auth import bp
from isocrm.auth.forms import CompanySwitchForm, LoginForm
from isocrm.extensions import db
from isocrm.models import User
from isocrm.security import CARRIED_OVER_LOGIN, safe_next_url


@bp.route("/entrar", methods=["GET", "POST"])
def login():
    """Log in with username and password."""
    if current_user.is_authenticated:
        return redirect(url_for("tickets.index"))
    form = LoginForm()
    if request.method == "GET":
        # Only a return address that will be followed is carried (a 100 kB one is not).
        form.next.data = safe_next_url(request.args.get("next")) or ""
    if form.validate_on_submit():
        user = db.session.scalar(
            sa.select(User).where(
                sa.func.lower(User.username) == form.username.data.strip().lower()
            )
        )
        if user is None or not user.check_password(form.password.data) or not user.active:
            form.password.errors.append("Usuário ou senha incorretos.")
            return render_template("auth/login.html", form=form), 422
        # A fresh session on login (no fixation of a pre-login session); only the key that
        # lets this browser take back what it typed while logged out is carried over.
        carried = {key: session[key] for key in CARRIED_OVER_LOGIN if key in session}
        session.clear()
        session.update(carried)
        session["company_id"] = user.companies[0].id if user.companies else None
        login_user(user)  # listeners of user_logged_in may pick another Empresa
        return redirect(safe_next_url(form.next.data) or url_for("tickets.index"))
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/sair")
def logout():
    """Log out and forget the session."""
    logout_user()
    carried = {key: session[key] for key in CARRIED_OVER_LOGIN if key in session}
    session.clear()
    session.update(carried)
    flash("Você saiu do sistema.", "info")
    return redirect(url_for("auth.login"))


@bp.post("/empresa")
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
