"""The satisfaction survey's rules.

A ticket is *concluded* when a flush brings a confirmed ticket into a situação of category
Concluído (closed_at set now, or a draft confirmed straight into it). Whatever path does it
(Confirmar on the ticket screen, the painel's Alterar situação, a script), the session's
before_flush listener below sees it, as ticket events are recorded: the invitation and its
e-mail (a Caixa de saída message) are written in the same transaction as the ticket.

Rules chosen:
- one invitation per ticket, ever: reopening and concluding again sends nothing new (the
  customer is not asked twice about one atendimento);
- Cancelado is not concluded: no survey;
- no e-mail on the entity, or the Empresa turned the survey off: no invitation (the first is
  said to the attendant, so they can register an e-mail and conclude again);
- the rating is about the ticket's Responsável when it was concluded (with nobody
  responsible, whoever concluded it).

After the commit the messages are sent (when SMTP is configured) by an after_request hook,
outside the ticket's transaction, as the composer sends its messages."""

import contextlib
import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, flash, g, has_app_context, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session

from isocrm.mail.service import AlreadySending, new_message_id, send_now, smtp_configured
from isocrm.models import (
    Company,
    EContact,
    OutboxMessage,
    Status,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
    Ticket,
    utcnow,
)
from isocrm.models.catalog import STATUS_DONE
from isocrm.models.outbox import OUTBOX_FAILED
from isocrm.models.ticket import STAGE_CONFIRMED, STAGE_DRAFT

TOKEN_BYTES = 32  # secrets.token_urlsafe(32): 43 characters, 256 bits
COMMENT_MAX = 2000
# Its own title: an Empresa may already keep a "Pesquisa de satisfação" of other questions
# (the demo's has four, typed in by the desk), which this one must not mix with.
SURVEY_TITLE = "Pesquisa de satisfação do atendimento"
SURVEY_NOTE = "Enviada ao cliente quando o atendimento é concluído."
RATING_QUESTION = "De 1 a 5, quanto você ficou satisfeito com o atendimento?"
COMMENT_QUESTION = "Comentário"
_QUEUED = "satisfaction_queued"  # session.info: (outbox, ticket code, skipped) of this transaction


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- the invitation ------------------------------------------------------------------------


def _concluded_now(session: Session, ticket: Ticket) -> bool:
    if ticket.stage != STAGE_CONFIRMED or ticket.closed_at is None:
        return False
    state = sa.inspect(ticket)
    closed = state.attrs.closed_at.history
    stage = state.attrs.stage.history
    just_closed = closed.has_changes() and closed.added and closed.added[0] is not None
    just_confirmed = stage.has_changes() and STAGE_DRAFT in (stage.deleted or ())
    if not (just_closed or just_confirmed):
        return False
    status = session.get(Status, ticket.status_id)
    return status is not None and status.category == STATUS_DONE


def _email_of(session: Session, entity_id: int) -> str | None:
    return session.scalar(
        sa.select(EContact.value)
        .where(EContact.entity_id == entity_id, EContact.kind == "email")
        .order_by(EContact.is_principal.desc(), EContact.id)
        .limit(1)
    )


def survey_url(token: str) -> str:
    """The absolute link: ISOCRM_PUBLIC_BASE_URL when set, else the request's address."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:  # built without a request: a script concludes tickets too
        adapter = current_app.url_map.bind("localhost")
        return base.rstrip("/") + adapter.build("satisfaction.answer", {"token": token})
    return url_for("satisfaction.answer", token=token, _external=True)


def _invite(session: Session, ticket: Ticket) -> None:
    company = session.get(Company, ticket.company_id)
    if not company.satisfaction_survey:
        return
    already = session.scalar(
        sa.select(SurveyInvitation.id).where(SurveyInvitation.ticket_id == ticket.id)
    )
    if already is not None:
        return
    address = _email_of(session, ticket.entity_id)
    if address is None:
        session.info.setdefault(_QUEUED, []).append((None, ticket.code, "sem_email"))
        return
    token = secrets.token_urlsafe(TOKEN_BYTES)
    try:
        url = survey_url(token)
    except RuntimeError:  # a script, outside any request, with no ISOCRM_PUBLIC_BASE_URL
        current_app.logger.warning(
            "No satisfaction survey for ticket %s: set ISOCRM_PUBLIC_BASE_URL", ticket.id
        )
        return
    now = utcnow()
    days = current_app.config.get("SATISFACTION_SURVEY_DAYS", 30)
    session.add(
        SurveyInvitation(
            company_id=ticket.company_id,
            ticket_id=ticket.id,
            entity_id=ticket.entity_id,
            attendant_id=ticket.owner_id or ticket.updated_by_id,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
    )
    outbox = OutboxMessage(
        company_id=ticket.company_id,
        ticket_id=ticket.id,
        entity_id=ticket.entity_id,
        to_address=address,
        created_by_id=ticket.updated_by_id,
        # Kept, so a customer's reply to this e-mail (In-Reply-To) finds the ticket.
        message_id=new_message_id(),
        **_message(company, ticket, url, days),
    )
    session.add(outbox)
    session.info.setdefault(_QUEUED, []).append((outbox, ticket.code, None))


def _message(company: Company, ticket: Ticket, url: str, days: int) -> dict:
    """Subject and body, in Portuguese whatever the attendant's language: the customer's."""
    with force_locale("pt_BR"):
        subject = _("Como foi o seu atendimento %(code)s?", code=ticket.code_display)
        body = "\n\n".join(
            [
                _("Olá,"),
                _(
                    "O seu atendimento %(code)s com %(company)s foi concluído. Conte para nós "
                    "como foi: são só uma nota de 1 a 5 e, se quiser, um comentário.",
                    code=ticket.code_display,
                    company=company.name,
                ),
                url,
                _(
                    "O link vale por %(days)d dias e só pode ser usado uma vez. "
                    "Se não quiser responder, basta ignorar esta mensagem.",
                    days=days,
                ),
                _("Obrigado!"),
            ]
        )
    return {"subject": subject[:200], "body": body}


@event.listens_for(Session, "before_flush")
def _invite_on_conclusion(session: Session, _context, _instances) -> None:
    tickets = [obj for obj in session.dirty if isinstance(obj, Ticket)]
    if not tickets or not has_app_context():
        return
    with session.no_autoflush:
        for ticket in tickets:
            if _concluded_now(session, ticket):
                _invite(session, ticket)


@event.listens_for(Session, "after_commit")
def _hand_over(session: Session) -> None:
    """Only what was committed is sent or said (a rolled-back save queues nothing)."""
    queued = session.info.pop(_QUEUED, None)
    if queued and has_request_context():
        g.setdefault(_QUEUED, []).extend(
            (outbox.id if outbox is not None else None, code, skipped)
            for outbox, code, skipped in queued
        )


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_QUEUED, None)


def send_committed(response):
    """after_request: send this request's invitations and tell the attendant which tickets
    had none for want of an e-mail."""
    queued = g.pop(_QUEUED, None)
    if not queued:
        return response
    skipped = [code for outbox_id, code, why in queued if why == "sem_email"]
    if skipped:
        codes = ", ".join(f"{code:06d}" for code in skipped)
        flash(
            _(
                "Pesquisa de satisfação não enviada (cliente sem e-mail cadastrado): "
                "atendimento %(codes)s.",
                codes=codes,
            ),
            "info",
        )
    if smtp_configured():
        _send([outbox_id for outbox_id, _code, _why in queued if outbox_id is not None])
    return response


def _send(outbox_ids: list[int]) -> None:
    """Send in order; after a failure (server down, too slow) the rest wait in the Caixa de
    saída, so a bulk conclusion does not wait on a dead server once per ticket."""
    for outbox_id in outbox_ids:
        with contextlib.suppress(AlreadySending):  # sent meanwhile: nothing to do
            if send_now(outbox_id).status == OUTBOX_FAILED:
                return


# --- the answer ----------------------------------------------------------------------------


def invitation_by_token(session: Session, token: str) -> SurveyInvitation | None:
    """The invitation a link names, while it is valid; None for unknown or expired."""
    if not token or len(token) > 100:
        return None
    invitation = session.scalar(
        sa.select(SurveyInvitation).where(SurveyInvitation.token_hash == token_hash(token))
    )
    if invitation is None or invitation.expires_at <= utcnow():
        return None
    return invitation


def satisfaction_survey(session: Session, company_id: int) -> tuple[int, int, int]:
    """The Empresa's survey of concluded tickets and its two questions (survey, rating and
    comment question ids), created when first needed; a question missing from it (removed
    by hand) is added again. Its texts are the customer's (Portuguese), stored as data."""
    survey = session.scalar(
        sa.select(Survey).where(Survey.company_id == company_id, Survey.title == SURVEY_TITLE)
    )
    if survey is None:
        survey = Survey(company_id=company_id, title=SURVEY_TITLE, description=SURVEY_NOTE)
        session.add(survey)
    by_text = {question.text: question for question in survey.questions}
    for text in (RATING_QUESTION, COMMENT_QUESTION):
        if text not in by_text:
            position = max((q.position for q in survey.questions), default=0) + 1
            by_text[text] = SurveyQuestion(position=position, text=text)
            survey.questions.append(by_text[text])
    session.flush()
    return survey.id, by_text[RATING_QUESTION].id, by_text[COMMENT_QUESTION].id


def record_answer(session: Session, invitation_id: int, rating: int, comment: str) -> bool:
    """Save the answer once: the conditional UPDATE lets exactly one of two simultaneous
    submits through (the other sees rowcount 0, and nothing of it is written). True when
    this submit's answer was saved."""
    now = utcnow()
    taken = session.execute(
        sa.update(SurveyInvitation)
        .where(SurveyInvitation.id == invitation_id, SurveyInvitation.answered_at.is_(None))
        .values(answered_at=now, rating=rating)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        session.rollback()
        return False
    invitation = session.get(SurveyInvitation, invitation_id, populate_existing=True)
    survey_id, rating_id, comment_id = satisfaction_survey(session, invitation.company_id)
    response = SurveyResponse(
        survey_id=survey_id,
        entity_id=invitation.entity_id,
        ticket_id=invitation.ticket_id,
        answered_at=now,
    )
    response.answers = [SurveyAnswer(question_id=rating_id, answer=str(rating))]
    if comment:
        response.answers.append(SurveyAnswer(question_id=comment_id, answer=comment))
    session.add(response)
    session.flush()
    invitation.response_id = response.id
    session.commit()
    return True
