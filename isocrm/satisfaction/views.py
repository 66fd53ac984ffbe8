"""The customer's page (public: no login, see security.PUBLIC_ENDPOINTS): the protocolo and
the question, nothing else of the desk. Rate limited per client address; the token in its
address never leaves it (Referrer-Policy: no-referrer) nor reaches a search engine."""

from flask import current_app, render_template
from flask_babel import gettext as _

from isocrm.auth.throttle import limiter
from isocrm.extensions import csrf, db
from isocrm.satisfaction import bp, service
from isocrm.satisfaction.forms import AnswerForm

PUBLIC_HEADERS = {"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow"}


def _page(template: str, status: int = 200, **context):
    return render_template(f"satisfaction/{template}", **context), status, PUBLIC_HEADERS


@bp.route("/pesquisa/<token>", methods=["GET", "POST"])
@csrf.exempt  # checked by the form itself: a refusal is said on this page, not the desk's
@limiter.limit(lambda: current_app.config["SATISFACTION_RATE_LIMIT"])
def answer(token: str):
    """Rate the atendimento once; an unknown, expired or altered link is a bare 404."""
    invitation = service.invitation_by_token(db.session, token)
    if invitation is None:
        return _page("not_found.html", 404)
    code = invitation.ticket.code_display
    if invitation.answered_at is not None:
        return _answered(code)
    form = AnswerForm()
    if not form.is_submitted():
        return _page("answer.html", form=form, code=code)
    if not form.validate():
        return _page("answer.html", 422, form=form, code=code)
    saved = service.record_answer(
        db.session, invitation.id, int(form.rating.data), form.comment.data or ""
    )
    if not saved:
        return _answered(code)
    return _message(code, _("Obrigado! Sua resposta foi registrada."), "success")


def _answered(code: str):
    return _message(code, _("Esta pesquisa já foi respondida."), "info")


def _message(code: str, message: str, tone: str):
    title = _("Pesquisa de satisfação")
    return _page("message.html", title=title, code=code, message=message, tone=tone)


@bp.errorhandler(429)
def too_many(_error):
    return _page(
        "message.html",
        429,
        title=_("Muitas tentativas"),
        code=None,
        message=_("Espere alguns minutos e tente de novo."),
        tone="error",
    )
