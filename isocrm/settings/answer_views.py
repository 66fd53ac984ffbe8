"""Configurações › Respostas prontas: the texts the attendants insert into a detail's
Resposta (isocrm.ready_answers), general or of a Motivo (and Ocorrência). Supervisors list,
add, change, deactivate and delete them; the Ocorrência select follows the Motivo (htmx)."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from isocrm.catalogs import BLANK, catalog, occurrence_choices
from isocrm.extensions import db
from isocrm.models import ReadyAnswer
from isocrm.permissions import ROLE_SUPERVISOR, allow
from isocrm.ready_answers import PLACEHOLDERS, scope_label
from isocrm.security import current_company
from isocrm.settings import bp
from isocrm.settings.forms import ReadyAnswerForm
from isocrm.text import fold

LIST_URL = "settings.ready_answers"


def _answer(answer_id: int) -> ReadyAnswer:
    """One of the Empresa's answers; another Empresa's is as missing (404)."""
    answer = db.session.scalar(
        sa.select(ReadyAnswer).where(
            ReadyAnswer.id == answer_id, ReadyAnswer.company_id == current_company().id
        )
    )
    if answer is None:
        abort(404)
    return answer


def _form(answer: ReadyAnswer | None, posted: bool) -> ReadyAnswerForm:
    """The form (as posted, or of the answer) with the Empresa's active Motivos and the
    chosen Motivo's Ocorrências; the answer's own, if no longer active, stay valid for it."""
    form = ReadyAnswerForm() if posted else ReadyAnswerForm(formdata=None, obj=answer)
    company_id = current_company().id
    reasons = [BLANK, *catalog(db.session, company_id).reasons]
    occurrences = occurrence_choices(db.session, company_id, form.reason_id.data)
    if answer is not None and answer.reason is not None:
        if answer.reason_id not in dict(reasons):
            reasons.append((answer.reason_id, f"{answer.reason.name} ({_('inativo')})"))
        if (
            answer.occurrence is not None
            and form.reason_id.data == answer.reason_id
            and answer.occurrence_id not in dict(occurrences)
        ):
            label = f"{answer.occurrence.name} ({_('inativa')})"
            occurrences.append((answer.occurrence_id, label))
    form.reason_id.choices = [(None, _("— Geral (qualquer motivo) —")), *reasons[1:]]
    form.occurrence_id.choices = [(None, _("— Qualquer ocorrência —")), *occurrences[1:]]
    return form


def _taken(form: ReadyAnswerForm, answer: ReadyAnswer | None) -> bool:
    """Another answer of the same scope (Motivo and Ocorrência) has this title, whatever the
    accents and case."""
    same_scope = sa.select(ReadyAnswer.title).where(
        ReadyAnswer.company_id == current_company().id,
        ReadyAnswer.reason_id.is_(None)
        if form.reason_id.data is None
        else ReadyAnswer.reason_id == form.reason_id.data,
        ReadyAnswer.occurrence_id.is_(None)
        if form.occurrence_id.data is None
        else ReadyAnswer.occurrence_id == form.occurrence_id.data,
    )
    if answer is not None:
        same_scope = same_scope.where(ReadyAnswer.id != answer.id)
    wanted = fold(form.title.data)
    return any(fold(title) == wanted for title in db.session.scalars(same_scope))


def _valid(form: ReadyAnswerForm, answer: ReadyAnswer | None) -> bool:
    if form.validate() and _taken(form, answer):
        form.title.errors.append(
            _(
                "Já existe a resposta “%(title)s” para este motivo e ocorrência.",
                title=form.title.data,
            )
        )
    return not form.errors


def _form_page(form, answer=None, status=200):
    return (
        render_template(
            "settings/ready_answer_form.html", form=form, answer=answer, placeholders=PLACEHOLDERS
        ),
        status,
    )


def _save(form: ReadyAnswerForm, answer: ReadyAnswer) -> None:
    answer.title = form.title.data
    answer.reason_id = form.reason_id.data
    answer.occurrence_id = form.occurrence_id.data if form.reason_id.data else None
    answer.body = form.body.data
    db.session.commit()


@bp.get("/configuracoes/respostas-prontas")
@allow(ROLE_SUPERVISOR)
def ready_answers():
    """The Empresa's answers, by Motivo (the general ones first), then title."""
    answers = db.session.scalars(
        sa.select(ReadyAnswer)
        .where(ReadyAnswer.company_id == current_company().id)
        .options(joinedload(ReadyAnswer.reason), joinedload(ReadyAnswer.occurrence))
        .order_by(ReadyAnswer.reason_id.is_not(None), ReadyAnswer.title, ReadyAnswer.id)
    ).all()
    return render_template("settings/ready_answers.html", answers=answers, scope_label=scope_label)


@bp.route("/configuracoes/respostas-prontas/nova", methods=["GET", "POST"])
@allow(ROLE_SUPERVISOR)
def new_ready_answer():
    """Nova resposta pronta."""
    form = _form(None, posted=request.method == "POST")
    if request.method != "POST":
        return _form_page(form)
    if not _valid(form, None):
        return _form_page(form, status=422)
    answer = ReadyAnswer(company_id=current_company().id)
    db.session.add(answer)
    _save(form, answer)
    flash(_("Resposta pronta “%(title)s” incluída.", title=answer.title), "success")
    return redirect(url_for(LIST_URL), code=303)


@bp.route("/configuracoes/respostas-prontas/<int:answer_id>", methods=["GET", "POST"])
@allow(ROLE_SUPERVISOR)
def edit_ready_answer(answer_id: int):
    """Change an answer's title, scope or text."""
    answer = _answer(answer_id)
    form = _form(answer, posted=request.method == "POST")
    if request.method != "POST":
        return _form_page(form, answer)
    if not _valid(form, answer):
        return _form_page(form, answer, status=422)
    _save(form, answer)
    flash(_("Resposta pronta “%(title)s” salva.", title=answer.title), "success")
    return redirect(url_for(LIST_URL), code=303)


def _set_active(answer_id: int, active: bool):
    answer = _answer(answer_id)
    answer.active = active
    db.session.commit()
    message = (
        _("Resposta pronta “%(title)s” reativada.", title=answer.title)
        if active
        else _("Resposta pronta “%(title)s” desativada: não é mais oferecida.", title=answer.title)
    )
    flash(message, "success")
    return redirect(url_for(LIST_URL), code=303)


@bp.post("/configuracoes/respostas-prontas/<int:answer_id>/desativar")
@allow(ROLE_SUPERVISOR)
def deactivate_ready_answer(answer_id: int):
    """Desativar: no longer offered on the ticket screen."""
    return _set_active(answer_id, False)


@bp.post("/configuracoes/respostas-prontas/<int:answer_id>/reativar")
@allow(ROLE_SUPERVISOR)
def reactivate_ready_answer(answer_id: int):
    """Reativar: offered again."""
    return _set_active(answer_id, True)


@bp.post("/configuracoes/respostas-prontas/<int:answer_id>/excluir")
@allow(ROLE_SUPERVISOR)
def delete_ready_answer(answer_id: int):
    """Excluir: nothing refers to an answer (its text was copied where it was inserted)."""
    answer = _answer(answer_id)
    title = answer.title
    db.session.delete(answer)
    db.session.commit()
    flash(_("Resposta pronta “%(title)s” excluída.", title=title), "success")
    return redirect(url_for(LIST_URL), code=303)
