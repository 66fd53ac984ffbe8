"""Who may see what: login on every route, the current Empresa and the security headers.
The error pages are in isocrm/errors.py."""

import unicodedata
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from isocrm.extensions import login_manager
from isocrm.models import Company
from isocrm.permissions import check_route_role

PUBLIC_ENDPOINTS = {"auth.login", "auth.login_code", "static", "satisfaction.answer"}
# Session keys that survive the new session made at login (see auth.login).
CARRIED_OVER_LOGIN = ("recover_typed",)
# A return address longer than any real page's is not one (the Location header stays small).
MAX_NEXT_LENGTH = 2000

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def safe_next_url(target: str | None) -> str | None:
    r"""A return address (next=, Voltar) only as a path on this site, else None.

    Browsers drop tabs and newlines inside a URL and read a backslash as a slash, so
    "/\t/example.com" or "/\\example.com" would take them to another host: any control
    character, any whitespace (Unicode spaces and line separators included) or backslash
    refuses it, as does a scheme or host. Too long a value is refused too, so nobody can make
    a page echo 100 kB into a Location header."""
    if not isinstance(target, str) or not target or len(target) > MAX_NEXT_LENGTH:
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    if any(c == "\\" or c.isspace() or unicodedata.category(c)[0] in "CZ" for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def current_path() -> str:
    """This page as a return address for a form (Trocar Empresa, Cadastro simplificado),
    without its query string when that would not survive safe_next_url."""
    return safe_next_url(request.full_path.rstrip("?")) or safe_next_url(request.path) or "/"


def current_company() -> Company:
    """The Empresa whose data this request sees; every query is scoped to it."""
    company = g.get("company")
    if company is None:
        abort(403)
    return company


def user_company(company_id: int | None) -> Company | None:
    """One of the current user's Empresas, by id; None if the user is not (or no longer) in it."""
    return next((c for c in current_user.companies if c.id == company_id), None)


def use_company(company: Company) -> None:
    """Make one of the user's Empresas the current one, for this request and the next ones
    (what the header's Trocar does; a form refused after a switch offers it explicitly)."""
    session["company_id"] = company.id
    g.company = company


def _require_login():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        login_url = url_for("auth.login", next=current_path())
        if request.headers.get("HX-Request") == "true":
            # fetch() would follow a redirect and swap the login page into a fragment.
            return "", 401, {"HX-Redirect": url_for("auth.login")}
        return redirect(login_url)
    companies = {c.id: c for c in current_user.companies}
    if not companies:
        abort(403, _("Usuário sem Empresa: peça a um supervisor para vinculá-lo."))
    chosen = session.get("company_id")
    if chosen not in companies:
        chosen = next(iter(companies))
        session["company_id"] = chosen
    g.company = companies[chosen]
    return None


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault(
        "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"
    )
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        # Served over HTTPS (secure cookies): browsers never try plain HTTP again for a year.
        response.headers.setdefault(
            "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
        )
    return response


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Entre para continuar."
    app.before_request(_require_login)
    app.before_request(check_route_role)
    app.after_request(_security_headers)
