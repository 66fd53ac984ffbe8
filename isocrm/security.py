"""Who may see what: login on every route, the current Empresa, headers and error pages."""

import unicodedata
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from isocrm import logs
from isocrm.extensions import db, login_manager
from isocrm.models import Company
from isocrm.permissions import check_route_role

PUBLIC_ENDPOINTS = {"auth.login", "auth.login_code", "static"}
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


def _log_denial(status: int, detail: str | None = None) -> None:
    logs.event(
        "access_denied" if status == 403 else "rate_limited",
        status=status,
        method=request.method,
        path=request.path,
        detail=detail,
    )


OTHER_ERRORS = {
    401: (_l("Entre para continuar"), _l("Sua sessão terminou. Entre de novo.")),
    409: (_l("Conflito"), _l("O registro mudou enquanto você o editava. Recarregue e confira.")),
    410: (_l("Não existe mais"), _l("Este registro foi removido.")),
    413: (_l("Envio grande demais"), _l("O que foi enviado passa do tamanho aceito.")),
    415: (_l("Formato não aceito"), _l("O formato do que foi enviado não é aceito.")),
    422: (_l("Dados inválidos"), _l("Confira os dados enviados.")),
    429: (_l("Muitas tentativas"), _l("Espere um pouco e tente de novo.")),
    501: (_l("Não disponível"), _l("Esta função não está disponível.")),
    503: (
        _l("Indisponível no momento"),
        _l("O serviço está indisponível; tente de novo em instantes."),
    ),
}


def _error_page(status: int, title: str, message: str, back_url: str | None = None):
    """The error page; for htmx (a section, a dialog, a list of options) a one-line message
    placed before the element the request targeted, which stays as it was. `back_url`: a
    page of ours to go back to (the one a refused save came from)."""
    if (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    ):
        body = render_template("errors/_fragment.html", title=str(title), message=str(message))
        return body, status, {"HX-Reswap": "beforebegin", "Vary": "HX-Request"}
    page = render_template(
        "errors/error.html",
        status=status,
        title=str(title),
        message=str(message),
        back_url=back_url,
    )
    return page, status


def csrf_refused_page():
    if not current_user.is_authenticated:
        return _error_page(
            400,
            _("Sua sessão terminou"),
            _(
                "Você saiu do sistema (ou a sessão expirou) antes de enviar este formulário. "
                "Entre de novo e repita a ação."
            ),
        )
    return _error_page(
        400,
        _("Formulário expirado"),
        _(
            "Este formulário ficou velho demais ou não veio desta página. "
            "Recarregue a página e tente de novo."
        ),
    )


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Entre para continuar."
    app.before_request(_require_login)
    app.before_request(check_route_role)
    app.after_request(_security_headers)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return csrf_refused_page()

    @app.errorhandler(400)
    def bad_request(error):
        return _error_page(400, _("Requisição inválida"), _("O pedido não pôde ser entendido."))

    @app.errorhandler(403)
    def forbidden(error):
        detail = getattr(error, "description", None)
        if not isinstance(detail, str) or detail.startswith("You don't"):
            detail = _("Você não tem permissão para ver esta página.")
        _log_denial(403, detail)
        return _error_page(403, _("Acesso negado"), detail)

    @app.errorhandler(404)
    def not_found(error):
        return _error_page(404, _("Página não encontrada"), _("O registro ou endereço não existe."))

    @app.errorhandler(405)
    def method_not_allowed(error):
        return _error_page(
            405, _("Método não permitido"), _("Esta ação não aceita este tipo de pedido.")
        )

    @app.errorhandler(HTTPException)
    def other_http_error(error):
        # Any other refusal (413, 415, 429…) in Portuguese too, never Werkzeug's English page.
        if error.code is None or error.code < 400:
            return error
        if error.code == 429:
            _log_denial(429)
        title, message = OTHER_ERRORS.get(
            error.code, (_("Pedido recusado"), _("O pedido não pôde ser atendido."))
        )
        return _error_page(error.code, title, message)

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return _error_page(
            500,
            _("Erro interno"),
            _("Algo deu errado do nosso lado. Nada foi salvo pela metade."),
        )
