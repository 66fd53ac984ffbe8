"""Enviar e-mail (seed §4) and the Caixa de saída, against a real SMTP server (aiosmtpd)."""

import email
import re
from email.policy import default as default_policy
from html import unescape

import pytest
import sqlalchemy as sa

from isocrm.models import Channel, OutboxMessage, Status, Ticket, TicketDetail
from isocrm.models.base import utcnow
from tests.conftest import csrf_token_from, hidden_value
from tests.factories import fresh, south_ticket
from tests.smtp import SlowCollector


def _outbox(db):
    fresh(db)
    return db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()


def _details(db, code=1):
    fresh(db)
    ticket = db.session.scalar(sa.select(Ticket).where(Ticket.code == code))
    return db.session.scalars(
        sa.select(TicketDetail)
        .where(TicketDetail.ticket_id == ticket.id)
        .order_by(TicketDetail.opened_at, TicketDetail.id)
    ).all()


def _econtact_id(entity, address):
    return next(e.id for e in entity.econtacts if e.value == address)


def _composer(client, code=1):
    """The fields a composer rendered for ticket `code` posts besides what is typed."""
    html = client.get(f"/atendimentos/{code}/email").get_data(as_text=True)
    hidden = {name: hidden_value(html, name) for name in ("company_id", "ticket_id", "send_key")}
    return {"csrf_token": csrf_token_from(html), **{k: v for k, v in hidden.items() if v}}


def _post(client, demo, code=1, composer=None, **overrides):
    url = f"/atendimentos/{code}/email"
    data = {
        **(composer or _composer(client, code)),
        "recipient_id": _econtact_id(demo["maria"], "maria.aparecida@example.com.br"),
        "other_address": "",
        "subject": "Atendimento 000001 – Reclamação da embalagem",
        "body": "Olá, Maria.\n\nSua troca foi aprovada: retire o vale no balcão.\n\nAté logo!",
    }
    data.update(overrides)
    return client.post(url, data={k: "" if v is None else v for k, v in data.items()})


# --- the compose screen -------------------------------------------------------------------


def test_compose_lists_the_entitys_emails_and_related_contacts(logged_in, demo, no_smtp):
    response = logged_in.get("/atendimentos/1/email?detalhe=1")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    maria_id = _econtact_id(demo["maria"], "maria.aparecida@example.com.br")
    ana_id = _econtact_id(demo["ana"], "ana.beatriz@example.com.br")
    # The principal e-mail comes first and is chosen; Ana (Filha) is offered too.
    assert f'<option selected value="{maria_id}">' in html or (
        f'<option value="{maria_id}" selected>' in html
    )
    assert html.index("maria.aparecida@example.com.br") < html.index("ana.beatriz@example.com.br")
    assert "Ana Beatriz da Silva (Filho(a))" in html and f'value="{ana_id}"' in html
    assert "5511987654321" not in html  # her WhatsApp is not an e-mail
    assert "Atendimento 000001 - isoCRM Demonstração" in html
    assert "Biscoito Integral 200g chegou com a embalagem aberta" in html  # detail 1
    assert "Orientada a guardar a embalagem" in html  # its answer
    assert "ficará pendente na Caixa de saída" in html  # no SMTP in the demo


def test_the_ticket_screen_links_to_the_compose_screen(logged_in, demo):
    html = logged_in.get("/atendimentos/1?detalhe=2").get_data(as_text=True)
    assert 'href="/atendimentos/1/email?detalhe=2"' in html


# --- sending through a real SMTP server ---------------------------------------------------


def test_send_delivers_utf8_mail_and_records_an_active_email_detail(logged_in, demo, db, smtp):
    smtp.start()
    before = len(_details(db))
    compose = logged_in.get("/atendimentos/1/email?detalhe=1").get_data(as_text=True)
    prefilled = unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", compose, re.S)[1])
    body = prefilled.strip() + "\n\nSua troca foi aprovada: retire o vale no balcão."
    response = _post(logged_in, demo, body=body)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/atendimentos/1")

    [received] = smtp.handler.messages
    assert received["To"] == "maria.aparecida@example.com.br"
    assert received["Subject"] == "Atendimento 000001 – Reclamação da embalagem"
    assert received["From"].addresses[0].addr_spec == "sac@isocrm.example.com.br"
    assert received.get_content_charset() == "utf-8"
    content = received.get_content()
    assert "Sua troca foi aprovada: retire o vale no balcão." in content
    assert "Biscoito Integral 200g chegou com a embalagem aberta" in content  # detail 1
    assert "Orientada a guardar a embalagem e enviar foto do lote por e-mail." in content
    assert smtp.handler.envelopes[0].rcpt_tos == ["maria.aparecida@example.com.br"]
    # Encoded on the wire: a server without 8BITMIME gets plain ASCII.
    smtp.handler.envelopes[0].original_content.decode("ascii")

    [message] = _outbox(db)
    assert message.status == "enviado" and message.sent_at is not None
    assert message.attempts == 1 and message.last_error is None
    assert message.ticket_id == demo["ticket_1"].id and message.entity_id == demo["maria"].id
    assert message.created_by_id == demo["atendente"].id

    details = _details(db)
    assert len(details) == before + 1
    detail = details[-1]
    assert detail.direction == "ativo"
    assert detail.channel_id == demo["channels"]["E-mail"].id
    assert detail.attendant_id == demo["atendente"].id
    assert detail.description.startswith(
        "E-mail enviado para maria.aparecida@example.com.br: "
        "Atendimento 000001 – Reclamação da embalagem"
    )
    assert "retire o vale no balcão" in detail.description

    page = logged_in.get("/atendimentos/1").get_data(as_text=True)
    assert "E-mail enviado para maria.aparecida@example.com.br." in page  # the flash


def test_send_to_a_related_contact_sets_the_detail_contact(logged_in, demo, db, smtp):
    smtp.start()
    ana_id = _econtact_id(demo["ana"], "ana.beatriz@example.com.br")
    assert _post(logged_in, demo, recipient_id=ana_id).status_code == 303
    assert [m["To"] for m in smtp.handler.messages] == ["ana.beatriz@example.com.br"]
    assert _details(db)[-1].contact_entity_id == demo["ana"].id


def test_a_typed_address_wins_over_the_list(logged_in, demo, db, smtp):
    smtp.start()
    response = _post(logged_in, demo, other_address="  Outra.Pessoa@example.org ")
    assert response.status_code == 303
    assert smtp.handler.envelopes[0].rcpt_tos == ["Outra.Pessoa@example.org"]
    assert _outbox(db)[0].to_address == "Outra.Pessoa@example.org"
    assert _details(db)[-1].contact_entity_id is None


def test_an_accented_domain_travels_in_ascii(logged_in, demo, db, smtp):
    smtp.start()
    response = _post(logged_in, demo, other_address="maria@exâmple.com.br")
    assert response.status_code == 303
    assert smtp.handler.envelopes[0].rcpt_tos == ["maria@xn--exmple-xta.com.br"]
    assert _outbox(db)[0].status == "enviado"
    # An accented mailbox name cannot be carried: refused where it was typed.
    response = _post(logged_in, demo, other_address="joão@example.com.br")
    assert response.status_code == 422
    assert "Endereço de e-mail inválido" in response.get_data(as_text=True)


def test_a_refused_connection_keeps_the_message_to_retry(logged_in, demo, db, smtp):
    # The server is not started yet: its port refuses connections.
    before = len(_details(db))
    response = _post(logged_in, demo)
    assert response.status_code == 303
    [message] = _outbox(db)
    assert message.status == "falhou"
    assert "ConnectionRefusedError" in message.last_error
    assert message.attempts == 1 and message.sent_at is None
    assert len(_details(db)) == before + 1  # the attempt is on the ticket all the same
    page = logged_in.get("/atendimentos/1").get_data(as_text=True)
    assert "Não foi possível enviar o e-mail para maria.aparecida@example.com.br" in page

    outbox = logged_in.get("/caixa-de-saida").get_data(as_text=True)
    assert "Falhou" in outbox and "Tentar de novo" in outbox and "ConnectionRefusedError" in outbox

    smtp.start()
    token = csrf_token_from(outbox)
    response = logged_in.post(
        f"/caixa-de-saida/{message.id}/reenviar",
        data={"csrf_token": token, "next": "/caixa-de-saida?situacao=falhou"},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/caixa-de-saida?situacao=falhou")
    [message] = _outbox(db)
    assert message.status == "enviado" and message.attempts == 2 and message.last_error is None
    assert [m["To"] for m in smtp.handler.messages] == ["maria.aparecida@example.com.br"]
    assert len(_details(db)) == before + 1  # a retry is not a new interaction

    # Once sent, another click sends nothing more.
    response = logged_in.post(f"/caixa-de-saida/{message.id}/reenviar", data={"csrf_token": token})
    assert response.status_code == 303
    assert len(smtp.handler.envelopes) == 1
    assert "já foi enviada" in logged_in.get("/caixa-de-saida").get_data(as_text=True)


def test_a_message_being_sent_is_not_sent_twice(logged_in, demo, db, smtp):
    smtp.start()
    _post(logged_in, demo)  # sent once
    fresh(db)
    db.session.execute(
        sa.update(OutboxMessage).values(status="falhou", sent_at=None, sending_since=utcnow())
    )
    db.session.commit()
    token = csrf_token_from(logged_in.get("/caixa-de-saida").get_data(as_text=True))
    message = _outbox(db)[0]
    logged_in.post(f"/caixa-de-saida/{message.id}/reenviar", data={"csrf_token": token})
    assert len(smtp.handler.envelopes) == 1  # another request holds it: nothing sent
    assert "está sendo enviada" in logged_in.get("/caixa-de-saida").get_data(as_text=True)


# --- the demo: no SMTP configured ---------------------------------------------------------


def test_without_smtp_the_message_waits_in_the_outbox(logged_in, demo, db, no_smtp):
    before = len(_details(db))
    assert _post(logged_in, demo).status_code == 303
    [message] = _outbox(db)
    assert message.status == "pendente" and message.attempts == 0 and message.sent_at is None
    assert len(_details(db)) == before + 1
    page = logged_in.get("/atendimentos/1").get_data(as_text=True)
    assert "ficou pendente na Caixa de saída" in page

    outbox = logged_in.get("/caixa-de-saida").get_data(as_text=True)
    assert "Pendente" in outbox and "maria.aparecida@example.com.br" in outbox
    assert "Tentar de novo</button>" not in outbox  # nothing to retry with; the banner says why
    response = logged_in.post(
        f"/caixa-de-saida/{message.id}/reenviar", data={"csrf_token": csrf_token_from(outbox)}
    )
    assert response.status_code == 303
    assert "não está configurado" in logged_in.get("/caixa-de-saida").get_data(as_text=True)
    assert _outbox(db)[0].status == "pendente"


# --- invalid input: 422, nothing saved ----------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"other_address": "maria@"}, "Endereço de e-mail inválido"),
        ({"other_address": "maria aparecida@example.com"}, "Endereço de e-mail inválido"),
        ({"recipient_id": "", "other_address": ""}, "Escolha um destinatário em Para"),
        ({"recipient_id": "999999"}, "Escolha um dos e-mails da lista"),
        ({"subject": ""}, "Informe o assunto."),
        ({"subject": "Oi\r\nBcc: todos@example.com"}, "O assunto deve ter uma linha só."),
        ({"body": "   "}, "Escreva a mensagem."),
    ],
)
def test_invalid_input_is_422_and_saves_nothing(logged_in, demo, db, smtp, overrides, message):
    smtp.start()
    before = len(_details(db))
    response = _post(logged_in, demo, **overrides)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    if overrides.get("other_address"):
        assert 'value="{}"'.format(overrides["other_address"].strip()) in html  # kept as typed
    assert _outbox(db) == [] and len(_details(db)) == before
    assert smtp.handler.envelopes == []


def test_another_companys_e_contact_is_not_a_recipient(logged_in, demo, db, no_smtp):
    luiza_id = _econtact_id(demo["luiza"], "luiza.fernandes@example.com.br")
    response = _post(logged_in, demo, recipient_id=luiza_id)
    assert response.status_code == 422
    assert _outbox(db) == []


def test_without_the_email_channel_the_send_is_refused(logged_in, demo, db, no_smtp):
    channel = db.session.get(Channel, demo["channels"]["E-mail"].id)
    channel.name = "Correio eletrônico"
    db.session.commit()
    before = len(_details(db))
    assert "canal “E-mail”" in logged_in.get("/atendimentos/1/email").get_data(as_text=True)
    response = _post(logged_in, demo)
    assert response.status_code == 422
    assert "A Empresa não tem o canal “E-mail” cadastrado" in response.get_data(as_text=True)
    assert _outbox(db) == [] and len(_details(db)) == before


def test_sending_needs_the_csrf_token(logged_in, demo, db, no_smtp):
    response = _post(logged_in, demo, csrf_token="")
    assert response.status_code == 400
    assert _outbox(db) == []
    _post(logged_in, demo)
    message = _outbox(db)[0]
    assert logged_in.post(f"/caixa-de-saida/{message.id}/reenviar").status_code == 400


# --- tenancy -------------------------------------------------------------------------------


def test_another_companys_ticket_and_messages_are_invisible(logged_in, demo, db, no_smtp):
    south = demo["company_south"]
    foreign = Ticket(
        company_id=south.id,
        code=7,
        entity_id=demo["luiza"].id,
        role_id=demo["roles_south"]["cliente"].id,
        status_id=db.session.scalar(
            sa.select(Status.id).where(Status.company_id == south.id, Status.is_default)
        ),
        opened_by_id=demo["supervisor"].id,
        updated_by_id=demo["supervisor"].id,
    )
    db.session.add(foreign)
    db.session.flush()
    theirs = OutboxMessage(
        company_id=south.id,
        ticket_id=foreign.id,
        entity_id=demo["luiza"].id,
        to_address="luiza.fernandes@example.com.br",
        subject="Assunto da Filial Sul",
        body="Texto",
        created_by_id=demo["supervisor"].id,
    )
    db.session.add(theirs)
    db.session.commit()

    assert logged_in.get("/atendimentos/7/email").status_code == 404
    composer = _composer(logged_in, 1)
    token = composer["csrf_token"]
    response = logged_in.post(
        "/atendimentos/7/email",
        data={**composer, "other_address": "x@example.com", "subject": "a", "body": "b"},
    )
    assert response.status_code == 404
    assert "Assunto da Filial Sul" not in logged_in.get("/caixa-de-saida").get_data(as_text=True)
    response = logged_in.post(f"/caixa-de-saida/{theirs.id}/reenviar", data={"csrf_token": token})
    assert response.status_code == 404
    assert logged_in.get("/atendimentos/999/email").status_code == 404


# --- the Caixa de saída screen --------------------------------------------------------------


def _many_messages(db, demo, count):
    company = demo["company"]
    for number in range(count):
        db.session.add(
            OutboxMessage(
                company_id=company.id,
                ticket_id=demo["ticket_1"].id if number % 2 else demo["ticket_3"].id,
                entity_id=demo["maria"].id,
                to_address=f"pessoa{number:02d}@example.com.br",
                subject=f"Mensagem {number:02d}",
                body="Texto",
                status="falhou" if number % 3 == 0 else "pendente",
                last_error="ConnectionRefusedError" if number % 3 == 0 else None,
                created_by_id=demo["atendente"].id if number % 2 else demo["supervisor"].id,
            )
        )
    db.session.commit()


def test_outbox_is_paginated_newest_first_and_filtered(logged_in, demo, db, smtp):
    _many_messages(db, demo, 25)
    page_1 = logged_in.get("/caixa-de-saida").get_data(as_text=True)
    assert "Caixa de saída" in page_1 and "Página 1 de 2" in page_1
    # The atendente sees every message but may resend only theirs (the odd ones): 24..5
    # hold 10 of them, 4..0 two (an e-mail of someone else is the supervisor's call).
    assert page_1.count("Mensagem ") == 20 and page_1.count("Tentar de novo</button>") == 10
    assert page_1.index("Mensagem 24") < page_1.index("Mensagem 23")
    page_2 = logged_in.get("/caixa-de-saida?page=2").get_data(as_text=True)
    assert page_2.count("Tentar de novo</button>") == 2 and "Mensagem 00" in page_2

    failed_response = logged_in.get("/caixa-de-saida?situacao=falhou")
    assert failed_response.status == "200 OK"  # the filter is not the HTTP status line
    failed = failed_response.get_data(as_text=True)
    # 9 failed (0, 3, … 24), 4 of them the atendente's (3, 9, 15, 21).
    assert failed.count("Mensagem ") == 9 and failed.count("Tentar de novo</button>") == 4
    assert "Mensagem 01" not in failed
    assert logged_in.get("/caixa-de-saida?situacao=qualquer").status_code == 200

    # htmx gets only the list, and caches must tell the two apart.
    partial = logged_in.get("/caixa-de-saida?page=2", headers={"HX-Request": "true"})
    assert "HX-Request" in partial.headers["Vary"]
    text = partial.get_data(as_text=True)
    assert text.lstrip().startswith('<section id="outbox-messages"') and "<html" not in text
    for key in ("pendente", "falhou", "enviado"):
        filtered = logged_in.get(f"/caixa-de-saida?situacao={key}", headers={"HX-Request": "true"})
        assert filtered.status == "200 OK", filtered.status
        assert 'aria-current="page"' in filtered.get_data(as_text=True)


def test_outbox_query_count_does_not_grow_with_rows(logged_in, demo, db, no_smtp, count_queries):
    _many_messages(db, demo, 2)
    with count_queries() as few:
        logged_in.get("/caixa-de-saida")
    _many_messages(db, demo, 30)
    with count_queries() as many:
        logged_in.get("/caixa-de-saida")
    assert many.count == few.count


def test_compose_query_count_does_not_grow_with_contacts(logged_in, demo, no_smtp, count_queries):
    with count_queries() as counter:
        assert logged_in.get("/atendimentos/1/email").status_code == 200
    assert counter.count <= 13, counter.statements  # +1: the unsaved edit of the ticket screen


# --- the message itself ---------------------------------------------------------------------


def test_build_email_encodes_accents_in_headers_and_body(app):
    from isocrm.mail.service import build_email

    with app.app_context():
        app.config["MAIL_FROM"] = "sac@isocrm.example.com.br"
        message = build_email("maria@example.com.br", "Situação: atenção", "Olá, João!\nAté.")
    wire = message.as_bytes()
    wire.decode("ascii")  # 7-bit on the wire
    assert b"=?utf-8?" in wire
    parsed = email.message_from_bytes(wire, policy=default_policy)
    assert parsed["Subject"] == "Situação: atenção"
    assert parsed.get_content().replace("\r\n", "\n") == "Olá, João!\nAté.\n"  # CRLF on SMTP
    assert parsed["Message-ID"].endswith("@isocrm.example.com.br>")


# --- one composer, one message (issue 8 item 2) ---------------------------------------------


def _same_browser(app, client):
    """A second client holding the same session cookie: another tab of the same browser."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def test_two_submits_of_one_composer_during_a_slow_send_send_once(app, logged_in, demo, db, smtp):
    import threading

    smtp.handler = SlowCollector()
    smtp.start()
    before = len(_details(db))
    composer = _composer(logged_in)
    clients = [logged_in, _same_browser(app, logged_in)]
    responses = [None, None]
    maria_id = _econtact_id(demo["maria"], "maria.aparecida@example.com.br")

    def submit(index):
        responses[index] = _post(clients[index], demo, composer=composer, recipient_id=maria_id)

    threads = [threading.Thread(target=submit, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [r.status_code for r in responses] == [303, 303]
    assert len(smtp.handler.envelopes) == 1  # one message reached the server
    [message] = _outbox(db)
    assert message.status == "enviado" and message.attempts == 1
    assert len(_details(db)) == before + 1
    # The submit that found the first one said so and sent nothing.
    page = logged_in.get("/atendimentos/1").get_data(as_text=True)
    assert "nada foi enviado de novo" in page or "E-mail enviado para" in page


def test_a_second_submit_of_a_sent_composer_shows_the_first_result(logged_in, demo, db, smtp):
    smtp.start()
    composer = _composer(logged_in)
    assert _post(logged_in, demo, composer=composer).status_code == 303
    logged_in.get("/atendimentos/1")  # the first flash is shown and gone
    # Back to the composer, Enviar again (even with the text changed): nothing new.
    response = _post(logged_in, demo, composer=composer, body="Outro texto")
    assert response.status_code == 303 and response.headers["Location"].endswith("/atendimentos/1")
    assert len(smtp.handler.envelopes) == 1 and len(_outbox(db)) == 1
    page = logged_in.get("/atendimentos/1").get_data(as_text=True)
    assert (
        "Este e-mail já tinha sido enviado para maria.aparecida@example.com.br; "
        "nada foi enviado de novo." in page
    )
    # A fresh composer with other text is a new message.
    assert _post(logged_in, demo, body="Outra mensagem, escrita depois.").status_code == 303
    assert len(smtp.handler.envelopes) == 2


def test_back_and_enviar_with_the_same_text_asks_before_a_second_copy(logged_in, demo, db, smtp):
    smtp.start()
    assert _post(logged_in, demo).status_code == 303
    # Back re-renders the composer (pages are not cached): a new key, the same text.
    composer = _composer(logged_in)
    response = _post(logged_in, demo, composer=composer)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Nada foi enviado ainda: um e-mail igual" in html and "Enviar outra cópia" in html
    assert "retire o vale no balcão" in html  # kept
    assert len(smtp.handler.envelopes) == 1 and len(_outbox(db)) == 1
    # The attendant confirms: a second copy, once.
    response = _post(logged_in, demo, composer=composer, enviar_de_novo="1")
    assert response.status_code == 303
    assert len(smtp.handler.envelopes) == 2 and len(_outbox(db)) == 2
    assert _post(logged_in, demo, composer=composer, enviar_de_novo="1").status_code == 303
    assert len(smtp.handler.envelopes) == 2  # that composer's key is used


def test_a_submit_without_the_composers_key_sends_nothing(logged_in, demo, db, smtp):
    smtp.start()
    composer = _composer(logged_in)
    del composer["send_key"]
    response = _post(logged_in, demo, composer=composer)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "confira o texto e clique em Enviar" in html
    assert "retire o vale no balcão" in html  # the text is kept
    assert hidden_value(html, "send_key")  # and the next Enviar works
    assert _outbox(db) == [] and smtp.handler.envelopes == []


# --- the Empresa the composer was opened for (issue 8 item 3) -------------------------------


def _switch_company(client, company_id):
    token = csrf_token_from(client.get("/atendimentos/").get_data(as_text=True))
    response = client.post("/empresa", data={"csrf_token": token, "company_id": company_id})
    assert response.status_code == 303


def test_a_composer_submitted_after_an_empresa_switch_is_refused(app, client, auth, demo, db, smtp):
    smtp.start()
    south_ticket(db, demo, 1)  # Filial Sul has a 000001 too
    auth.login("supervisor", "supervisor123")
    _switch_company(client, demo["company"].id)
    composer = _composer(client, 1)  # tab A: isoCRM Demonstração's 000001, Maria
    _switch_company(client, demo["company_south"].id)  # tab B
    south_details = len(_details_of(db, demo["company_south"]))
    typed = "Maria, sua troca foi aprovada. Texto que não pode ir para outra Empresa."

    response = _post(client, demo, composer=composer, body=typed)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Nada foi enviado" in html and "Filial Sul Alimentos" in html
    assert "Atendimento 000001 de isoCRM Demonstração" in html
    assert typed in html  # what was typed is kept
    assert "Luiza" not in html  # nothing of the other Empresa's 000001
    assert smtp.handler.envelopes == [] and _outbox(db) == []
    assert len(_details_of(db, demo["company_south"])) == south_details

    # Enviar again from the refusal page without going back: refused again.
    again = _post(client, demo, composer={**composer, "csrf_token": csrf_token_from(html)})
    assert again.status_code == 409 and smtp.handler.envelopes == []

    # "Voltar para isoCRM Demonstração": the composer of the right ticket, text kept, unsent.
    back = _post(client, demo, composer=composer, body=typed, reabrir="1")
    assert back.status_code == 200
    html = back.get_data(as_text=True)
    assert "Empresa trocada para isoCRM Demonstração" in html and typed in html
    assert "Maria Aparecida da Silva" in html and smtp.handler.envelopes == []
    assert _outbox(db) == []
    # Now Enviar sends it, on the ticket it was written for.
    sent = _post(client, demo, composer={**composer, "csrf_token": csrf_token_from(html)})
    assert sent.status_code == 303
    [message] = _outbox(db)
    assert message.company_id == demo["company"].id
    assert message.ticket_id == demo["ticket_1"].id
    assert len(smtp.handler.envelopes) == 1


def test_a_composer_of_an_empresa_the_user_left_is_refused(logged_in, demo, db, smtp):
    smtp.start()
    composer = _composer(logged_in)
    composer["company_id"] = str(demo["company_south"].id)  # atendente is not in Filial Sul
    response = _post(logged_in, demo, composer=composer, reabrir="1")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "foi escrito em outra Empresa" in html and "Voltar para" not in html
    assert _outbox(db) == [] and smtp.handler.envelopes == []


def test_a_composer_that_does_not_say_its_empresa_is_refused(logged_in, demo, db, smtp):
    smtp.start()
    composer = _composer(logged_in)
    del composer["company_id"]
    response = _post(logged_in, demo, composer=composer)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "não diz em qual Empresa" in html and "retire o vale no balcão" in html
    assert _outbox(db) == [] and smtp.handler.envelopes == []


def test_a_composer_of_another_ticket_is_refused(logged_in, demo, db, smtp):
    smtp.start()
    composer = _composer(logged_in, 1)
    response = _post(logged_in, demo, code=3, composer=composer)
    assert response.status_code == 409
    assert "foi escrito para outro atendimento" in response.get_data(as_text=True)
    assert _outbox(db) == [] and smtp.handler.envelopes == []


def _details_of(db, company):
    fresh(db)
    return db.session.scalars(
        sa.select(TicketDetail).join(Ticket).where(Ticket.company_id == company.id)
    ).all()


# --- long bodies, errors in Portuguese, the sender (issue 8 item 7) -------------------------


def test_a_long_paste_is_refused_whole_never_cut(logged_in, demo, db, smtp):
    smtp.start()
    html = logged_in.get("/atendimentos/1/email").get_data(as_text=True)
    textarea = re.search(r"<textarea[^>]*>", html).group(0)
    assert "maxlength" not in textarea  # the browser must not cut a paste silently
    pasted = ("palavra " * 12_500).strip() + " FIM"  # 100 kB
    response = _post(logged_in, demo, body=pasted)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "A mensagem tem 100.003 caracteres e o limite é 9.000" in html
    assert "Nada foi cortado nem enviado." in html
    assert pasted in unescape(html)  # every character is still there to shorten
    assert _outbox(db) == [] and smtp.handler.envelopes == []


def test_line_breaks_count_once(logged_in, demo, db, smtp):
    smtp.start()
    body = "linha\r\n" * 1500  # 10,500 characters as sent, 9,000 as typed
    assert _post(logged_in, demo, body=body).status_code == 303
    assert smtp.handler.messages[0].get_content().count("linha") == 1500


def test_the_composer_of_an_email_detail_can_be_sent_unchanged(logged_in, demo, db, smtp):
    smtp.start()
    long_body = ("Explicação detalhada da troca. " * 290)[:8990]  # near the limit
    assert _post(logged_in, demo, body=long_body).status_code == 303
    number = len(_details(db))  # the e-mail's detail is the last one
    html = logged_in.get(f"/atendimentos/1/email?detalhe={number}").get_data(as_text=True)
    prefilled = unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S)[1])
    assert "E-mail enviado para" not in prefilled  # quoted from the message, not the record
    assert "Sobre a nossa mensagem" in prefilled and "[…]" in prefilled
    assert len(prefilled.strip()) <= 9000
    composer = _composer(logged_in, 1)
    response = _post(logged_in, demo, composer=composer, body=prefilled)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert len(smtp.handler.envelopes) == 2


def test_smtp_errors_reach_the_attendant_in_portuguese(logged_in, demo, db, smtp, caplog):
    # The server is not started: its port refuses the connection.
    assert _post(logged_in, demo).status_code == 303
    page = logged_in.get("/atendimentos/1").get_data(as_text=True)
    assert (
        "Não foi possível enviar o e-mail para maria.aparecida@example.com.br: "
        "o servidor de e-mail recusou a conexão (pode estar fora do ar)." in page
    )
    assert "ConnectionRefusedError" not in page and "Errno" not in page
    [message] = _outbox(db)
    assert message.last_error.startswith("ConnectionRefusedError")  # technical, kept
    assert any("ConnectionRefusedError" in r.getMessage() for r in caplog.records)
    outbox = logged_in.get("/caixa-de-saida").get_data(as_text=True)
    assert "O servidor de e-mail recusou a conexão" in outbox


def test_the_sender_is_the_empresa_with_its_reply_to(logged_in, demo, db, smtp):
    smtp.start()
    app_company = db.session.get(type(demo["company"]), demo["company"].id)
    app_company.mail_reply_to = "atendimento@isocrm.example.com.br"
    db.session.commit()
    assert _post(logged_in, demo).status_code == 303
    [received] = smtp.handler.messages
    sender = received["From"].addresses[0]
    assert sender.display_name == "isoCRM Demonstração"
    assert sender.addr_spec == "sac@isocrm.example.com.br"
    assert received["Reply-To"] == "atendimento@isocrm.example.com.br"


def test_without_a_reply_to_the_header_is_absent(app):
    from isocrm.mail.service import build_email
    from isocrm.models import Company

    with app.app_context():
        app.config["MAIL_FROM"] = "sac@localhost"
        message = build_email("a@example.com", "Assunto", "Texto", Company(name="Filial Sul"))
    assert message["Reply-To"] is None
    assert message["From"].addresses[0].display_name == "Filial Sul"


# --- the detail says what the outbox knows (issue 7 item 7) --------------------------------


def test_the_email_detail_follows_the_outbox_status(app, logged_in, demo, db, smtp):
    app.config["SMTP_HOST"] = None  # no server yet: the message waits
    assert _post(logged_in, demo).status_code == 303
    detail = _details(db)[-1]
    assert detail.description.startswith(
        "E-mail pendente (na Caixa de saída) para maria.aparecida@example.com.br: "
    )
    page = logged_in.get(f"/atendimentos/1?detalhe={len(_details(db))}").get_data(as_text=True)
    assert "E-mail enviado" not in page

    app.config["SMTP_HOST"] = "127.0.0.1"  # configured, but the server is down
    token = csrf_token_from(logged_in.get("/caixa-de-saida").get_data(as_text=True))
    message = _outbox(db)[0]
    logged_in.post(f"/caixa-de-saida/{message.id}/reenviar", data={"csrf_token": token})
    assert _details(db)[-1].description.startswith(
        "E-mail não enviado (falhou; está na Caixa de saída) para maria.aparecida@"
    )

    smtp.start()  # Tentar de novo
    logged_in.post(f"/caixa-de-saida/{message.id}/reenviar", data={"csrf_token": token})
    detail = _details(db)[-1]
    assert detail.description.startswith("E-mail enviado para maria.aparecida@example.com.br: ")
    assert "retire o vale no balcão" in detail.description  # the body stays
    assert len(_details(db)) == len(set(d.id for d in _details(db)))


def test_a_ticket_saved_meanwhile_does_not_break_the_email(logged_in, demo, db, smtp, monkeypatch):
    """Another attendant saves the ticket between the composer's read and its write."""
    from isocrm.mail import views

    smtp.start()
    original = views.get_ticket

    def get_ticket_then_someone_saves(code, *options):
        ticket = original(code, *options)
        views.db.session.execute(
            sa.update(Ticket)
            .where(Ticket.id == ticket.id)
            .values(version=Ticket.version + 1)
            .execution_options(synchronize_session=False)  # this request still holds the old
        )
        return ticket

    composer = _composer(logged_in)
    monkeypatch.setattr(views, "get_ticket", get_ticket_then_someone_saves)
    version = db.session.get(Ticket, demo["ticket_1"].id).version
    response = _post(logged_in, demo, composer=composer)
    assert response.status_code == 303
    assert len(smtp.handler.envelopes) == 1 and len(_outbox(db)) == 1
    assert db.session.get(Ticket, demo["ticket_1"].id).version == version + 2


def test_the_reply_to_of_an_empresa_is_set_from_the_command_line(app, demo, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["mail-reply-to", "Filial Sul Alimentos", "sul@example.com.br"])
    assert result.exit_code == 0, result.output
    assert "Reply-To de Filial Sul Alimentos: sul@example.com.br." in result.output
    result = runner.invoke(args=["mail-reply-to", "Filial Sul Alimentos", "Sul <x@y.com>"])
    assert result.exit_code != 0 and "Endereço de e-mail inválido" in result.output
    result = runner.invoke(args=["mail-reply-to", "Nenhuma", "a@example.com"])
    assert result.exit_code != 0 and "Empresa não encontrada." in result.output
    fresh(db)
    south = db.session.get(type(demo["company_south"]), demo["company_south"].id)
    assert south.mail_reply_to == "sul@example.com.br"
    assert runner.invoke(args=["mail-reply-to", "Filial Sul Alimentos"]).exit_code == 0
    fresh(db)
    assert db.session.get(type(south), south.id).mail_reply_to is None


def test_addresses_smtp_servers_refuse_are_refused_up_front():
    """Found by the break-it session: a 65-character mailbox and a one-letter TLD passed."""
    from wtforms.validators import ValidationError

    from isocrm.fields import check_smtp_limits

    for local, domain in (("a" * 65, "exemplo.com.br"), ("x", "b.c"), ("x", "exemplo.123")):
        with pytest.raises(ValidationError):
            check_smtp_limits(local, domain)
    check_smtp_limits("a" * 64, "exemplo.com.br")
    check_smtp_limits("x", "xn--exmplo-bva.com")
