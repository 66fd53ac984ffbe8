"""Respostas prontas on the ticket screen: the picker's list (a combobox's options) and the
chosen answer filled for this ticket, both swapped in by the screen's htmx."""

from flask import abort, request
from flask_login import current_user
from sqlalchemy.orm import joinedload

from isocrm import ready_answers
from isocrm.extensions import db
from isocrm.fields import MAX_ROW_ID, optional_id
from isocrm.htmx import render, render_listbox
from isocrm.loaders import get_ticket
from isocrm.localtime import local_today
from isocrm.models import ReadyAnswer, Ticket
from isocrm.permissions import ROLE_ATTENDANT, allow
from isocrm.security import current_company
from isocrm.tickets import bp


@bp.get("/atendimentos/<int:code>/respostas-prontas")
@allow(ROLE_ATTENDANT)
def ready_answer_options(code: int):
    """The answers for the Motivo/Ocorrência on screen (they only order the list: every
    answer is of the ticket's Empresa), first those of the Ocorrência, then the general ones."""
    get_ticket(code)  # another Empresa's ticket is a 404
    answers = ready_answers.picker_answers(
        db.session,
        current_company().id,
        optional_id(request.args.get("reason_id")),
        optional_id(request.args.get("occurrence_id")),
        request.args.get("q", "")[:100],
    )
    return render_listbox([(a.id, f"{a.title} · {ready_answers.scope_label(a)}") for a in answers])


@bp.get("/atendimentos/<int:code>/respostas-prontas/<int:answer_id>")
@allow(ROLE_ATTENDANT)
def ready_answer_text(code: int, answer_id: int):
    """The answer's text with its placeholders filled for this ticket (plain substitution,
    never a template), to insert at the cursor in Resposta."""
    ticket = get_ticket(code, joinedload(Ticket.entity), joinedload(Ticket.company))
    answer = db.session.get(ReadyAnswer, answer_id) if 0 < answer_id <= MAX_ROW_ID else None
    if answer is None or answer.company_id != ticket.company_id or not answer.active:
        abort(404)
    values = ready_answers.values_for(ticket, current_user, local_today())
    return render("tickets/_ready_answer_text.html", text=ready_answers.fill(answer.body, values))
