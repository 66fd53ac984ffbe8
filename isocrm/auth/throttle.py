"""Brute-force limits on logging in (Flask-Limiter).


Only *failed* attempts count (`deduct_when`), per typed username (case and spaces ignored)
and per client address, so an attendant's typos never lock a colleague out of their own
account, and a correct password is refused only while its username or address is over the
limit. The password step (/entrar) and the code step (/entrar/codigo) share the same
budgets: guessing codes costs what guessing passwords does.

The counters live in memory (one app process) unless ISOCRM_RATELIMIT_STORAGE names a
shared store such as redis://127.0.0.1:6379, which several app servers need.

Behind a reverse proxy the client address is the proxy's unless the app is wrapped in
werkzeug's ProxyFix; then every user shares one per-address budget.
"""

import math
import time

from flask import current_app, g, render_template, request, session
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user

from isocrm import logs
from isocrm.auth import bp
from isocrm.auth.passwords import normalize_username

limiter = Limiter(key_func=get_remote_address)

USERNAME_SCOPE = "login-username"
IP_SCOPE = "login-ip"
# Endpoint -> function(message) that renders that screen refused with the message (429).
refusal_pages = {}


def attempted_username() -> str:
    """Whose password or code this request tries: typed at /entrar, remembered afterwards."""
    if request.endpoint == "auth.login":
        typed = request.form.get("username")
    elif current_user.is_authenticated:
        typed = current_user.username
    else:
        typed = (session.get("pending_login") or {}).get("username")
    # Flask-Limiter skips a limit whose key is empty; an empty username still counts.
    return normalize_username(typed)[:40] or "-"


def _failed(response) -> bool:
    return bool(g.get("login_failed"))


def count_failure() -> None:
    """This request was a wrong password or code: it counts toward both limits."""
    g.login_failed = True


def forget_failures() -> None:
    """A complete login clears its username's failures (not the address's: one valid account
    must not buy an attacker more guesses at the others)."""
    for current in limiter.current_limits:
        if USERNAME_SCOPE in current.request_args:
            current.limiter.clear(current.limit, *current.request_args)


_per_username = limiter.shared_limit(
    lambda: current_app.config["LOGIN_FAILURES_PER_USERNAME"],
    scope=USERNAME_SCOPE,
    key_func=attempted_username,
    methods=["POST"],
    deduct_when=_failed,
)
_per_ip = limiter.shared_limit(
    lambda: current_app.config["LOGIN_FAILURES_PER_IP"],
    scope=IP_SCOPE,
    key_func=get_remote_address,
    methods=["POST"],
    deduct_when=_failed,
)


def login_limits(view):
    """Decorate a view that checks a password or a code (POST) with both limits."""
    return _per_ip(_per_username(view))


def retry_minutes() -> int:
    breached = limiter.current_limit
    if breached is None:
        return 1
    # window[0] is the exact moment the oldest counted failure leaves the window
    # (RequestLimit.reset_at rounds it up a second, which would say 16 of 15 minutes).
    return max(1, math.ceil((breached.window[0] - time.time()) / 60))


def refusal_message() -> str:
    minutes = retry_minutes()
    return ngettext(
        "Muitas tentativas. Tente de novo em %(num)d minuto.",
        "Muitas tentativas. Tente de novo em %(num)d minutos.",
        minutes,
    )


@bp.errorhandler(429)
def too_many_attempts(error):
    """The same screen, refused next to its form, with what was typed (never the password)."""
    render = refusal_pages.get(request.endpoint)
    message = refusal_message()
    logs.event(
        "rate_limited",
        user=attempted_username() or None,
        status=429,
        method=request.method,
        path=request.path,
    )
    retry = {"Retry-After": str(retry_minutes() * 60)}  # for scripts and proxies
    if render is None:
        page = render_template(
            "errors/error.html", status=429, title=_("Muitas tentativas"), message=message
        )
        return page, 429, retry
    return render(message), 429, retry


def init_app(app) -> None:
    # One Limiter serves every app built in this process (tests build one per test); each
    # init gives the new app fresh storage, which must not inherit the previous app's
    # "storage unreachable" state (Flask-Limiter only sets that flag in its constructor).
    limiter._storage_dead = False
    limiter.init_app(app)
