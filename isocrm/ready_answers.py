"""Respostas prontas, as the desk uses them: their placeholders and the list the ticket
screen's picker offers. The settings screens (isocrm.settings) keep them; the ticket screen
(isocrm.tickets) inserts them.

A stored text is filled by a plain substitution of its known {{ placeholders }}: it is never
rendered as a template (a supervisor's text is data, not code), so "{{ 7*7 }}" or
"{{ config }}" stays as typed, and an unknown placeholder is refused when the text is saved.
"""

import re
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, joinedload

from isocrm.models import ReadyAnswer, Ticket, User
from isocrm.text import fold

# {{ name }}: braces, optional spaces, a name of letters (no nesting, no expressions).
PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")

# The placeholders a text may use, in the order the settings screen explains them.
PLACEHOLDERS = {
    "nome": _l("nome da entidade do atendimento"),
    "protocolo": _l("protocolo do atendimento (como na tela, 000042)"),
    "atendente": _l("seu nome (de quem insere a resposta)"),
    "data": _l("a data de hoje (dd/mm/aaaa)"),
    "empresa": _l("nome da Empresa"),
}

PICKER_LIMIT = 30  # answers listed at once; typing narrows them


def unknown_placeholders(text: str | None) -> list[str]:
    """The {{ … }} of `text` that are not known placeholders, each once, in order."""
    seen: list[str] = []
    for match in PLACEHOLDER.finditer(text or ""):
        name = match.group(1)
        if name.lower() not in PLACEHOLDERS and name not in seen:
            seen.append(name)
    return seen


def fill(text: str, values: dict[str, str]) -> str:
    """`text` with each known placeholder replaced by its value (as plain text)."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1).lower(), m.group(0)), text)


def values_for(ticket: Ticket, user: User, today: date) -> dict[str, str]:
    return {
        "nome": ticket.entity.name,
        "protocolo": ticket.code_display,
        "atendente": user.name,
        "data": today.strftime("%d/%m/%Y"),
        "empresa": ticket.company.name,
    }


def _scope_rank(answer: ReadyAnswer, reason_id, occurrence_id) -> int:
    """0: of the ticket's Ocorrência; 1: of its Motivo (any Ocorrência); 2: general."""
    if answer.reason_id is None:
        return 2
    if occurrence_id is not None and answer.occurrence_id == occurrence_id:
        return 0
    return 1


def picker_answers(
    session: Session, company_id: int, reason_id, occurrence_id, query: str
) -> list[ReadyAnswer]:
    """The active answers for a ticket of this Motivo/Ocorrência: those of its Ocorrência,
    then those of its Motivo, then the general ones, each by title; filtered by `query`
    (words of the title, whatever the accents and case). Ids of another Empresa match
    nothing: every answer is the Empresa's own."""
    scope = ReadyAnswer.reason_id.is_(None)
    if reason_id is not None:
        of_reason = sa.and_(
            ReadyAnswer.reason_id == reason_id,
            sa.or_(
                ReadyAnswer.occurrence_id.is_(None),
                ReadyAnswer.occurrence_id == occurrence_id if occurrence_id else sa.false(),
            ),
        )
        scope = sa.or_(scope, of_reason)
    answers = session.scalars(
        sa.select(ReadyAnswer)
        .where(ReadyAnswer.company_id == company_id, ReadyAnswer.active, scope)
        .options(joinedload(ReadyAnswer.reason), joinedload(ReadyAnswer.occurrence))
        .order_by(ReadyAnswer.title, ReadyAnswer.id)
    ).all()
    wanted = fold(query).split()
    found = [a for a in answers if all(word in fold(a.title) for word in wanted)]
    found.sort(key=lambda a: _scope_rank(a, reason_id, occurrence_id))  # stable: by title
    return found[:PICKER_LIMIT]


def scope_label(answer: ReadyAnswer) -> str:
    """Where an answer applies: "Motivo / Ocorrência", "Motivo" or "Geral"."""
    if answer.reason is None:
        return str(_l("Geral"))
    if answer.occurrence is not None:
        return f"{answer.reason.name} / {answer.occurrence.name}"
    return answer.reason.name
