"""The error pages: every refusal in the user's language, as a page or, for htmx, as a
one-line message before the element the request targeted; never Werkzeug's own page."""

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from isocrm import logs
from isocrm.extensions import db


def log_denial(status: int, detail: str | None = None) -> None:
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


def error_page(status: int, title: str, message: str, back_url: str | None = None):
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
        return error_page(
            400,
            _("Sua sessão terminou"),
            _(
                "Você saiu do sistema (ou a sessão expirou) antes de enviar este formulário. "
                "Entre de novo e repita a ação."
            ),
        )
    return error_page(
        400,
        _("Formulário expirado"),
        _(
            "Este formulário ficou velho demais ou não veio desta página. "
            "Recarregue a página e tente de novo."
        ),
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return csrf_refused_page()

    @app.errorhandler(400)
    def bad_request(error):
        return error_page(400, _("Requisição inválida"), _("O pedido não pôde ser entendido."))

    @app.errorhandler(403)
    def forbidden(error):
        detail = getattr(error, "description", None)
        if not isinstance(detail, str) or detail.startswith("You don't"):
            detail = _("Você não tem permissão para ver esta página.")
        log_denial(403, detail)
        return error_page(403, _("Acesso negado"), detail)

    @app.errorhandler(404)
    def not_found(error):
        return error_page(404, _("Página não encontrada"), _("O registro ou endereço não existe."))

    @app.errorhandler(405)
    def method_not_allowed(error):
        return error_page(
            405, _("Método não permitido"), _("Esta ação não aceita este tipo de pedido.")
        )

    @app.errorhandler(HTTPException)
    def other_http_error(error):
        # Any other refusal (413, 415, 429…) in Portuguese too, never Werkzeug's English page.
        if error.code is None or error.code < 400:
            return error
        if error.code == 429:
            log_denial(429)
        title, message = OTHER_ERRORS.get(
            error.code, (_("Pedido recusado"), _("O pedido não pôde ser atendido."))
        )
        return error_page(error.code, title, message)

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return error_page(
            500,
            _("Erro interno"),
            _("Algo deu errado do nosso lado. Nada foi salvo pela metade."),
        )
