"""What an attendant typed after their session ended is not lost.

Logging out in another tab (or an expired session) makes the ticket screen's next
Confirmar or autosave fail the CSRF check. Instead of an error page, the posted screen is
kept, claimable only by this browser (a random token in its new session) and only by the
attendant the screen was shown to, and handed back as their unsaved edit when they log in
again, on the ticket it belongs to."""

import secrets

from flask import flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, user_logged_in
from flask_wtf.csrf import CSRFError

from isocrm.errors import csrf_refused_page
from isocrm.extensions import db
from isocrm.fields import optional_id
from isocrm.models import Ticket
from isocrm.tickets import bp, service
from isocrm.tickets.forms import screen_field_name

SESSION_KEY = "recover_typed"
SCREEN_ENDPOINTS = {"tickets.update", "tickets.autosave", "tickets.save_detail"}


@bp.errorhandler(CSRFError)
def keep_what_was_typed_after_logout(error):
    """A ticket screen posted after the session ended: keep it, then ask to log in."""
    if current_user.is_authenticated or request.endpoint not in SCREEN_ENDPOINTS:
        return csrf_refused_page()
    code = (request.view_args or {}).get("code")
    ticket_id = optional_id(request.form.get("ticket_id"))
    ticket = db.session.get(Ticket, ticket_id) if ticket_id and ticket_id > 0 else None
    try:
        pairs = service.clean_screen_fields(request.form.items(multi=True), screen_field_name)
    except service.DraftError:
        pairs = []
    if ticket is None or ticket.code != code or ticket.is_discarded or not pairs:
        return csrf_refused_page()
    token = session.get(SESSION_KEY) or secrets.token_urlsafe(32)
    session[SESSION_KEY] = token
    typed_by = optional_id(request.form.get("typed_by"))
    service.stash_for_claim(db.session, ticket.id, token, typed_by, pairs)
    db.session.commit()
    login_url = url_for("auth.login", next=url_for("tickets.edit", code=code))
    if request.endpoint == "tickets.autosave":
        return {"error": _("Sua sessão terminou."), "login": login_url}, 401
    flash(
        _(
            "Sua sessão terminou antes de confirmar. Entre de novo: o que você digitou foi "
            "guardado e volta para a tela do atendimento."
        ),
        "warning",
    )
    return redirect(login_url, code=303)


@user_logged_in.connect
def _hand_back_what_was_typed(app, user, **extra):
    """Only to the attendant the screen was shown to; another user logging in on the same
    browser gets nothing (the token stays for the right one)."""
    token = session.get(SESSION_KEY)
    if not token:
        return
    companies = {company.id for company in user.companies}
    ticket = service.claim_stashed(db.session, token, user, companies)
    db.session.commit()
    if ticket is not None:
        session.pop(SESSION_KEY, None)
        session["company_id"] = ticket.company_id  # the Empresa of the screen being resumed
