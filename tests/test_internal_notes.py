"""Internal notes: a detail marked Interno, and the Nota interna of any detail, are the
team's own. The desk sees them (marked) on the ticket screen and in the report's internal
version; the customer never does: not in the e-mail (read back from a real SMTP server),
not in the histórico (page and e-mail), not in the customer's report (read with pdftotext).
A detail marked Interno does not count as the first answer of the prazo (SLA)."""

import json
import re
from datetime import timedelta
from html import unescape

import sqlalchemy as sa

from isocrm.attachment_store import store_attachment
from isocrm.localtime import local_today
from isocrm.models import OutboxMessage, TicketDetail, UnsavedEdit
from tests.conftest import csrf_token_from, hidden_value
from tests.factories import detail_post, fresh, screen_form, ticket_by_code
from tests.report_tickets import make_report_ticket, pdf_page_lines
from tests.sample_files import PDF_SMALL

PUBLIC = "Descrição do detalhe número 1"
NOTE = "NOTA-SO-DA-EQUIPE fornecedor atrasou o lote"
INTERNAL_TEXT = "DETALHE-INTERNO liguei para a fábrica"
INTERNAL_ANSWER = "RESPOSTA-INTERNA combinado com a qualidade"


def _ticket_with_internal_parts(db, demo, code=100):
    """Maria's ticket: detail 1 for the customer with a Nota interna, detail 2 Interno,
    detail 3 for the customer."""
    ticket = make_report_ticket(db, demo, code=code, details=3, infos=1)
    first, second, _third = ticket.details
    first.internal_note = NOTE
    second.internal = True
    second.description = INTERNAL_TEXT
    second.answer = INTERNAL_ANSWER
    db.session.commit()
    return ticket


def _screen(client, code, detail=None):
    suffix = f"?detalhe={detail}" if detail else ""
    response = client.get(f"/atendimentos/{code}{suffix}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _secrets_absent(text):
    for secret in (NOTE, INTERNAL_TEXT, INTERNAL_ANSWER):
        assert secret not in text, secret


# --- the desk's screen ----------------------------------------------------------------------


def test_the_desk_sees_the_internal_parts_marked(logged_in, demo, db):
    _ticket_with_internal_parts(db, demo)
    first = _screen(logged_in, 100, 1)
    assert NOTE in unescape(first) and 'id="internal_note"' in first
    assert screen_form(first).get("internal") is None  # detail 1 is for the customer
    assert 'class="badge internal"' not in first
    second = _screen(logged_in, 100, 2)
    assert INTERNAL_TEXT in second
    assert screen_form(second)["internal"] == "1"
    assert 'class="panel detail-internal"' in second
    label = re.search(r'id="detail-page-label"[^>]*>(.*?)</span>\s*\n', second, re.S)[1]
    assert "Detalhe 2 de 3" in label and ">Interno<" in label


def test_marking_and_noting_a_detail_is_saved_and_unmarking_too(logged_in, demo, db):
    ticket = _ticket_with_internal_parts(db, demo)
    detail_id = ticket.details[2].id
    version = ticket.details[2].version
    posted = detail_post(
        logged_in,
        demo,
        100,
        f"/{detail_id}",
        detail_id=detail_id,
        detail_version=version,
        internal="1",
        internal_note="  Cliente já reclamou antes  ",
    )
    assert posted.status_code == 200, posted.get_data(as_text=True)[:300]
    fresh(db)
    saved = db.session.get(TicketDetail, detail_id)
    assert saved.internal is True and saved.internal_note == "Cliente já reclamou antes"
    posted = detail_post(
        logged_in, demo, 100, f"/{detail_id}", detail_id=detail_id, detail_version=saved.version
    )
    assert posted.status_code == 200
    fresh(db)
    saved = db.session.get(TicketDetail, detail_id)
    assert saved.internal is False and saved.internal_note is None


def test_a_value_the_checkbox_never_sends_is_refused(logged_in, demo, db):
    ticket = _ticket_with_internal_parts(db, demo)
    detail = ticket.details[2]
    before = detail.version
    response = detail_post(
        logged_in,
        demo,
        100,
        f"/{detail.id}",
        detail_id=detail.id,
        detail_version=before,
        internal="true",
        description="Texto novo",
    )
    assert response.status_code == 422
    html = unescape(response.get_data(as_text=True))
    assert "Marque ou desmarque “Interno”." in html
    assert "Texto novo" in html  # what was typed stays
    fresh(db)
    saved = db.session.get(TicketDetail, detail.id)
    assert saved.version == before and saved.internal is False
    assert saved.description != "Texto novo"


def test_a_kept_draft_brings_back_the_flag_and_the_note_marked_or_not(logged_in, demo, db):
    _ticket_with_internal_parts(db, demo)
    form = screen_form(_screen(logged_in, 100, 2))
    assert form["internal"] == "1"
    # Unmarked on screen, not saved: the autosave keeps it, a reload shows it unmarked.
    del form["internal"]
    form["internal_note"] = "Rascunho da nota"
    response = logged_in.post("/atendimentos/100/rascunho", data=form)
    assert response.status_code == 200 and not response.get_json().get("unchanged")
    fresh(db)
    kept = dict(json.loads(db.session.scalar(sa.select(UnsavedEdit.fields))))
    assert "internal" not in kept and kept["internal_note"] == "Rascunho da nota"
    again = screen_form(_screen(logged_in, 100))
    assert again.get("internal") is None and again["internal_note"] == "Rascunho da nota"
    assert again["detail_id"] == form["detail_id"]
    # Marked again and the note emptied: the screen is back to what is saved.
    again["internal"] = "1"
    again["internal_note"] = ""
    response = logged_in.post("/atendimentos/100/rascunho", data=again)
    assert response.get_json().get("unchanged") is True


# --- what the customer gets -----------------------------------------------------------------


def _composer_body(client, code, detail):
    html = client.get(f"/atendimentos/{code}/email?detalhe={detail}").get_data(as_text=True)
    body = unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S)[1])
    hidden = {name: hidden_value(html, name) for name in ("company_id", "ticket_id", "send_key")}
    return body, {"csrf_token": csrf_token_from(html), **hidden}


def _to_maria(demo, composer, body, **more):
    """The composer's fields, sending `body` to Maria's e-mail."""
    maria = demo["maria"]
    recipient = next(e.id for e in maria.econtacts if e.value == "maria.aparecida@example.com.br")
    subject = "Atendimento 000100"
    return {
        **composer,
        "recipient_id": recipient,
        "other_address": "",
        "subject": subject,
        "body": body,
        **more,
    }


def test_the_email_never_carries_internal_parts(logged_in, demo, db, smtp):
    smtp.start()
    _ticket_with_internal_parts(db, demo)
    # The composer's suggestion quotes the detail shown, never an internal one nor a note.
    internal_body, _ = _composer_body(logged_in, 100, 2)
    _secrets_absent(internal_body)
    body, composer = _composer_body(logged_in, 100, 1)
    assert PUBLIC in body
    _secrets_absent(body)
    data = _to_maria(demo, composer, body)
    assert logged_in.post("/atendimentos/100/email", data=data).status_code == 303
    [received] = smtp.handler.messages
    text = received.get_content()
    assert PUBLIC in text
    _secrets_absent(text)


def test_a_file_of_an_internal_detail_is_never_offered_nor_sent(logged_in, demo, db, smtp):
    smtp.start()
    ticket = _ticket_with_internal_parts(db, demo)
    public, internal = ticket.details[0], ticket.details[1]
    kept = {}
    for detail, name in ((public, "para-o-cliente.pdf"), (internal, "so-da-equipe.pdf")):
        kept[name] = store_attachment(detail, name, PDF_SMALL, user_id=None)
    db.session.commit()
    body, composer = _composer_body(logged_in, 100, 1)
    html = logged_in.get("/atendimentos/100/email").get_data(as_text=True)
    assert f'name="attachment_ids" value="{kept["para-o-cliente.pdf"].id}"' in html
    assert f'value="{kept["so-da-equipe.pdf"].id}"' not in html
    assert "so-da-equipe.pdf" not in html
    # Its id typed into the form (a hidden field edited) is refused, and nothing is sent.
    data = _to_maria(demo, composer, body, attachment_ids=[str(kept["so-da-equipe.pdf"].id)])
    assert logged_in.post("/atendimentos/100/email", data=data).status_code == 422
    assert smtp.handler.messages == []
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_the_history_page_and_email_never_carry_internal_parts(logged_in, demo, db, smtp):
    smtp.start()
    _ticket_with_internal_parts(db, demo)
    maria = demo["maria"]
    page = unescape(logged_in.get(f"/entidades/{maria.id}/historico-cliente").get_data(True))
    assert PUBLIC in page and "Resposta ao detalhe 3" in page
    _secrets_absent(page)
    form_html = logged_in.get(f"/entidades/{maria.id}/historico-cliente").get_data(True)
    principal = next(e for e in maria.econtacts if e.is_principal)
    data = {
        "csrf_token": csrf_token_from(form_html),
        "send_key": hidden_value(form_html, "send_key"),
        "recipient_id": principal.id,
        "requested_on": local_today().strftime("%d/%m/%Y"),
    }
    response = logged_in.post(f"/entidades/{maria.id}/historico-cliente/email", data=data)
    assert response.status_code == 303
    [received] = smtp.handler.messages
    text = received.get_content()
    assert PUBLIC in text and "Resposta ao detalhe 3" in text
    _secrets_absent(text)
    fresh(db)
    outbox = db.session.scalars(sa.select(OutboxMessage)).one()
    _secrets_absent(outbox.body)


def test_the_desks_entity_history_marks_an_internal_detail(logged_in, demo, db):
    """The desk's own timeline shows the team's detail, marked: it sits beside the button
    that sends the histórico to the customer, and may be read to them over the phone."""
    _ticket_with_internal_parts(db, demo)
    page = logged_in.get(f"/entidades/{demo['maria'].id}/historico").get_data(as_text=True)
    item = next(
        chunk for chunk in page.split('<li class="timeline-item') if INTERNAL_TEXT[:20] in chunk
    )
    assert '<span class="badge internal">Interno</span>' in item
    assert page.count('class="badge internal"') == 1  # only detail 2 is Interno


def test_the_customers_report_leaves_internal_parts_out(logged_in, demo, db, tmp_path):
    _ticket_with_internal_parts(db, demo)
    response = logged_in.get("/atendimentos/100/relatorio.pdf")
    assert response.status_code == 200
    text = " ".join(" ".join(page) for page in pdf_page_lines(tmp_path, response.data))
    assert "Relatório para o cliente" in text
    assert PUBLIC in text and "Detalhe 2 de 2" in text  # two details for the customer
    _secrets_absent(text)
    html = unescape(logged_in.get("/atendimentos/100/relatorio").get_data(as_text=True))
    _secrets_absent(html)
    assert "/atendimentos/100/relatorio?para=equipe" in html


def test_the_teams_report_shows_internal_parts_marked(logged_in, demo, db, tmp_path):
    _ticket_with_internal_parts(db, demo)
    response = logged_in.get("/atendimentos/100/relatorio.pdf?para=equipe")
    assert response.status_code == 200
    assert "atendimento-000100-interno.pdf" in response.headers["Content-Disposition"]
    text = " ".join(" ".join(page) for page in pdf_page_lines(tmp_path, response.data))
    assert "Versão interna (equipe)" in text
    assert INTERNAL_TEXT in text and NOTE in text and "Detalhe 3 de 3" in text
    assert "Detalhe 2 de 3" in text and "INTERNO" in text.upper()
    html = logged_in.get("/atendimentos/100/relatorio?para=equipe").get_data(as_text=True)
    assert html.count('class="internal-mark"') == 2  # the internal detail and the note


# --- the prazo's first answer ----------------------------------------------------------------


def _save_again(client, db, demo, detail_id, **extra):
    """Salvar só o detalhe with the detail as saved, plus `extra` (internal="1": marked)."""
    fresh(db)
    detail = db.session.get(TicketDetail, detail_id)
    posted = detail_post(
        client,
        demo,
        100,
        f"/{detail_id}",
        detail_id=detail_id,
        detail_version=detail.version,
        answer=detail.answer,
        description=detail.description,
        **extra,
    )
    assert posted.status_code == 200


def test_an_internal_answer_is_not_the_first_answer(logged_in, demo, db):
    ticket = make_report_ticket(db, demo, code=100, details=2, infos=0)
    first, second = ticket.details
    first.internal = True
    second.answer = None
    second.answered_at = None
    db.session.commit()
    answered_at = first.answered_at
    assert ticket_by_code(db, 100).first_answered_at is None
    # Unmarked through the screen: its answer now counts.
    _save_again(logged_in, db, demo, first.id)
    ticket = ticket_by_code(db, 100)
    assert ticket.first_answered_at is not None
    assert abs(ticket.first_answered_at - answered_at) < timedelta(seconds=1)
    # Marked again through the screen: no first answer any more.
    _save_again(logged_in, db, demo, first.id, internal="1")
    assert ticket_by_code(db, 100).first_answered_at is None
