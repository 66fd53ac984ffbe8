"""Caixa de entrada: messages delivered to a real IMAP server (dovecot over TLS, started by
the fixture on 127.0.0.1, see tests/imap_server.py) and read by `flask fetch-mail`."""

import itertools
import re
import threading
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest
import sqlalchemy as sa

from isocrm.extensions import db as _db
from isocrm.models import Attachment, InboundMessage, Mailbox, Ticket, TicketDetail, User
from isocrm.models.inbound import (
    INBOUND_DISCARDED,
    INBOUND_FAILED,
    INBOUND_IMPORTED,
    INBOUND_LINKED,
    INBOUND_UNMATCHED,
)
from isocrm.models.ticket import DIRECTION_RECEPTIVE, EVENT_STATUS, STAGE_DRAFT, TicketEvent
from isocrm.models.user import MAILBOX_USER_NAME
from tests.conftest import AuthActions, csrf_token_from, page_html
from tests.imap_server import IMAPServer

MARIA = "maria.aparecida@example.com.br"
_users = itertools.count(1)
USERS = 40  # made before the server starts: a mailbox of its own for each test


@pytest.fixture(scope="module")
def imap_server():
    server = IMAPServer()
    server.add_user("nobody", "nobody-secret")
    for n in range(1, USERS + 1):
        server.add_user(f"sac{n}", "segredo-imap")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(app, db, demo, imap_server):
    """The demo Empresa's mailbox: a user of its own on the test server, enabled."""
    username = f"sac{next(_users)}"
    app.config["IMAP_CA_FILE"] = str(imap_server.ca)
    app.config["IMAP_TIMEOUT"] = 10
    box = Mailbox(
        company_id=demo["company"].id,
        host="127.0.0.1",
        port=imap_server.port,
        username=username,
        password="segredo-imap",
        enabled=True,
        updated_by_id=demo["supervisor"].id,
    )
    db.session.add(box)
    db.session.commit()
    return box


def mail(
    *,
    sender=MARIA,
    subject="Embalagem rasgada",
    body="Olá, o pacote chegou rasgado.",
    date=datetime(2026, 11, 20, 14, 30, tzinfo=UTC),
    message_id=None,
    in_reply_to=None,
    html=None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "sac@isocrm.example.com.br"
    message["Subject"] = subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id or make_msgid(domain="cliente.example.com.br")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    if html is None:
        message.set_content(body)
    else:
        message.set_content(html, subtype="html")
    return message


def deliver(imap_server, mailbox, message, arrived=None) -> None:
    raw = message if isinstance(message, bytes) else message.as_bytes()
    imap_server.deliver(mailbox.username, raw, arrived=arrived)


def fetch(app, *, ok=True) -> str:
    """`flask fetch-mail`, in the test's app context: its session first ends the snapshot the
    test may hold (the command then sees what requests committed, as its own process would)."""
    _db.session.commit()
    result = app.test_cli_runner().invoke(args=["fetch-mail"])
    assert (result.exit_code == 0) is ok, result.output
    return result.output


def records(db, company_id):
    db.session.commit()  # a new snapshot: what the requests and runs committed
    return db.session.scalars(
        sa.select(InboundMessage)
        .where(InboundMessage.company_id == company_id)
        .order_by(InboundMessage.id)
    ).all()


def details_of(db, ticket_id):
    return db.session.scalars(
        sa.select(TicketDetail)
        .where(TicketDetail.ticket_id == ticket_id)
        .order_by(TicketDetail.opened_at, TicketDetail.id)
    ).all()


def drafts_of(db, entity_id):
    db.session.commit()  # a new snapshot: what the requests and runs committed
    return db.session.scalars(
        sa.select(Ticket).where(Ticket.entity_id == entity_id, Ticket.stage == STAGE_DRAFT)
    ).all()


def test_a_message_from_maria_becomes_her_draft_and_a_reply_its_second_detail_once(
    app, db, demo, mailbox, imap_server
):
    maria = demo["maria"]
    first = mail(sender=f"Maria Aparecida <{MARIA.upper()}>")  # the address in any case
    deliver(imap_server, mailbox, first)
    output = fetch(app)
    assert "1 importada(s)" in output

    (ticket,) = drafts_of(db, maria.id)
    assert ticket.company_id == demo["company"].id and ticket.owner_id is None
    (detail,) = details_of(db, ticket.id)
    assert detail.direction == DIRECTION_RECEPTIVE
    assert detail.channel_id == demo["channels"]["E-mail"].id
    assert detail.received_at == datetime(2026, 11, 20, 14, 30, tzinfo=UTC)
    assert "o pacote chegou rasgado" in detail.description
    assert "Embalagem rasgada" in detail.description

    reply = mail(
        subject="Re: Embalagem rasgada",
        body="Segue a foto da embalagem.",
        date=datetime(2026, 11, 21, 9, 5, tzinfo=UTC),
        in_reply_to=first["Message-ID"],
    )
    deliver(imap_server, mailbox, reply)
    fetch(app)
    fetch(app)  # fetched twice: nothing new
    deliver(imap_server, mailbox, reply)  # the very message again, under a new UID
    fetch(app)

    assert drafts_of(db, maria.id) == [ticket]
    details = details_of(db, ticket.id)
    assert len(details) == 2
    assert "Segue a foto da embalagem." in details[1].description
    assert details[1].received_at == datetime(2026, 11, 21, 9, 5, tzinfo=UTC)
    statuses = [r.status for r in records(db, demo["company"].id)]
    assert statuses == [INBOUND_IMPORTED, INBOUND_IMPORTED]
    box = db.session.get(Mailbox, mailbox.id)
    assert box.last_uid == 3 and box.last_error is None and box.last_polled_at is not None
    # Read-only: the messages are left unread in the mailbox for the people who use it.
    assert all(b"\\Seen" not in flags for flags in imap_server.flags(mailbox.username).values())


def test_every_message_of_a_mail_opened_draft_is_on_its_screen(
    app, db, demo, mailbox, imap_server, logged_in
):
    """The customer's first message and her reply before Confirmar: both reachable with the
    pager of the draft's screen; the draft is dated when the first one reached the mailbox."""
    arrived = datetime(2026, 11, 20, 14, 31, 5, tzinfo=UTC)
    first = mail(body="Primeira mensagem da Maria.")
    deliver(imap_server, mailbox, first, arrived=arrived)
    fetch(app)
    reply = mail(subject="Re: x", body="Resposta da Maria.", in_reply_to=first["Message-ID"])
    deliver(imap_server, mailbox, reply)
    fetch(app)
    (ticket,) = drafts_of(db, demo["maria"].id)
    assert ticket.opened_at == arrived
    assert ticket.resolution_due_at is not None and ticket.resolution_due_at > arrived

    screen = page_html(logged_in, f"/atendimentos/{ticket.code}")
    assert "Detalhe 2 de 2" in screen and "Resposta da Maria." in screen
    assert f"/atendimentos/{ticket.code}?detalhe=1" in screen
    assert "detalhe=novo" not in screen  # a draft is confirmed before another detail
    first_page = page_html(logged_in, f"/atendimentos/{ticket.code}?detalhe=1")
    assert "Detalhe 1 de 2" in first_page and "Primeira mensagem da Maria." in first_page
    panel = logged_in.get(
        f"/atendimentos/{ticket.code}/detalhes?detalhe=1", headers={"HX-Request": "true"}
    )
    assert panel.status_code == 200 and "Primeira mensagem da Maria." in panel.text


def test_what_fetch_mail_writes_is_in_the_mailboxs_name_not_a_persons(
    app, db, demo, mailbox, imap_server, sup
):
    """Nobody chose the draft nor its details: they are the Caixa de entrada's (a system user
    of the Empresa), not the supervisor's who saved the mailbox; that user cannot log in, is
    offered as Responsável nowhere, and is in no Empresa's Usuários; every attendant finds
    the draft in the painel's Rascunhos and in Caixa de entrada › Importado."""
    first = mail()
    deliver(imap_server, mailbox, first)
    fetch(app)
    (ticket,) = drafts_of(db, demo["maria"].id)
    deliver(imap_server, mailbox, mail(subject="Re: x", in_reply_to=first["Message-ID"]))
    fetch(app)
    db.session.commit()
    ticket = db.session.get(Ticket, ticket.id)
    writer = ticket.opened_by
    people = {demo["supervisor"].id, demo["atendente"].id}
    assert writer.is_system and writer.id not in people
    assert writer.name == MAILBOX_USER_NAME and not writer.active and not writer.companies
    assert ticket.updated_by_id == writer.id and ticket.owner_id is None
    assert [d.attendant_id for d in details_of(db, ticket.id)] == [writer.id, writer.id]
    # Another Empresa's mailbox has a user of its own; this one's is found again, not doubled.
    assert db.session.scalar(sa.select(sa.func.count()).where(User.is_system)) == 1

    for password in ("", "!", writer.username):
        client = app.test_client()
        assert AuthActions(client).login(writer.username, password).status_code != 302
    assert not writer.check_password("!") and not writer.is_active

    client, _token = sup
    confirmed = db.session.scalar(  # a draft is passed on only once confirmed
        sa.select(Ticket.code).where(
            Ticket.company_id == demo["company"].id, Ticket.stage != STAGE_DRAFT
        )
    )
    picker = client.get(f"/atendimentos/{confirmed}/responsavel").get_data(as_text=True)
    assert demo["atendente"].name in picker and MAILBOX_USER_NAME not in picker
    assert MAILBOX_USER_NAME not in client.get("/usuarios").get_data(as_text=True)
    painel = client.get("/").get_data(as_text=True)
    (choices,) = re.findall(r'<select[^>]*name="responsavel".*?</select>', painel, re.S)
    assert demo["atendente"].name in choices and MAILBOX_USER_NAME not in choices

    attendant = app.test_client()
    assert AuthActions(attendant).login().status_code == 302
    drafts = attendant.get("/?aba=rascunhos").get_data(as_text=True)
    assert ticket.code_display in drafts
    imported = attendant.get("/caixa-de-entrada?situacao=importado").get_data(as_text=True)
    assert f"/atendimentos/{ticket.code}" in imported


def test_attachments_are_kept_on_the_detail_and_a_refused_one_is_named(
    app, db, demo, mailbox, imap_server, logged_in
):
    from tests.sample_files import PDF_SMALL, png

    photo = png(3, 2, (200, 40, 40))
    message = mail(subject="Foto da embalagem", body="Seguem a foto e a nota.")
    message.add_attachment(photo, maintype="image", subtype="png", filename="embalagem.png")
    message.add_attachment(PDF_SMALL, maintype="application", subtype="pdf", filename="nota.pdf")
    message.add_attachment(
        b"MZ\x90\x00\x03" + bytes(200),
        maintype="application",
        subtype="octet-stream",
        filename="programa.exe",
    )
    deliver(imap_server, mailbox, message)
    fetch(app)
    (ticket,) = drafts_of(db, demo["maria"].id)
    (detail,) = details_of(db, ticket.id)
    kept = db.session.scalars(
        sa.select(Attachment).where(Attachment.detail_id == detail.id).order_by(Attachment.id)
    ).all()
    assert [(a.filename, a.content_type, a.size) for a in kept] == [
        ("embalagem.png", "image/png", len(photo)),
        ("nota.pdf", "application/pdf", len(PDF_SMALL)),
    ]
    assert "Anexo não guardado" in detail.description and "programa.exe" in detail.description
    download = logged_in.get(f"/anexos/{kept[0].id}")
    assert download.status_code == 200 and download.data == photo


def test_a_long_message_is_kept_whole(app, db, demo, mailbox, imap_server, logged_in):
    """Past what a Descrição holds, the detail's text is cut where it says so, and the whole
    text is the detail's attachment mensagem-completa.txt; the message screen shows it all.
    The same for a message of Sem cadastro linked afterwards."""
    body = "\n".join(f"Linha {n} da reclamação detalhada." for n in range(1, 801))
    body += "\nFIM-DA-MENSAGEM"
    assert len(body) > 20_000
    deliver(imap_server, mailbox, mail(body=body))
    deliver(imap_server, mailbox, mail(sender="joaquim.novo@example.org", body=body))
    fetch(app)
    mine, waiting = records(db, demo["company"].id)
    cut = "[…] texto completo no anexo mensagem-completa.txt"
    for record in (mine, waiting):
        assert "FIM-DA-MENSAGEM" in page_html(logged_in, f"/caixa-de-entrada/{record.id}")

    page = page_html(logged_in, f"/caixa-de-entrada/{waiting.id}")
    linked = logged_in.post(
        f"/caixa-de-entrada/{waiting.id}/vincular",
        data={"csrf_token": csrf_token_from(page), "entity_id": demo["joaquim"].id},
    )
    assert linked.status_code == 303
    for record in records(db, demo["company"].id):
        detail = db.session.get(TicketDetail, record.detail_id)
        assert len(detail.description) <= 10_000 and detail.description.endswith(cut)
        assert "Linha 1 da reclamação" in detail.description
        (whole,) = db.session.scalars(
            sa.select(Attachment).where(Attachment.detail_id == detail.id)
        ).all()
        assert (whole.filename, whole.content_type) == ("mensagem-completa.txt", "text/plain")
        download = logged_in.get(f"/anexos/{whole.id}")
        assert download.status_code == 200
        text = download.data.decode("utf-8")
        assert body in text and text.startswith("E-mail recebido de ")


def test_a_reply_is_found_by_the_protocolo_in_its_subject_from_the_customer(
    app, db, demo, mailbox, imap_server
):
    """Maria (in any case) and Ana, related to her, answer by quoting the protocolo."""
    ticket = demo["ticket_3"]
    before = len(details_of(db, ticket.id))
    version = ticket.version
    subject = f"RE: Atendimento {ticket.code_display} - isoCRM Demonstração"
    deliver(imap_server, mailbox, mail(sender=MARIA.upper(), subject=subject))
    deliver(imap_server, mailbox, mail(sender="ana.beatriz@example.com.br", subject=subject))
    fetch(app)
    db.session.commit()  # a new snapshot: what the requests and runs committed
    assert len(details_of(db, ticket.id)) == before + 2
    assert db.session.get(Ticket, ticket.id).version == version + 2
    assert [r.status for r in records(db, demo["company"].id)] == [INBOUND_IMPORTED] * 2


def test_a_reply_to_a_concluded_ticket_reopens_it_in_the_mailboxs_name(
    app, db, demo, mailbox, imap_server, logged_in
):
    """Nobody would notice a detail added to a closed ticket: it goes back to an open
    situação (Data fechamento cleared), the change in its history, and to the painel."""
    ticket = demo["ticket_1"]
    assert ticket.closed_at is not None and ticket.status.is_closed
    closed_status = ticket.status_id
    link = f"/atendimentos/{ticket.code}"
    assert link not in page_html(logged_in, "/?aba=todos")
    subject = f"Re: Atendimento {ticket.code_display}"
    deliver(imap_server, mailbox, mail(subject=subject, body="O defeito voltou."))
    fetch(app)
    db.session.commit()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.closed_at is None and ticket.status.category == "em_andamento"
    assert "O defeito voltou." in details_of(db, ticket.id)[-1].description
    (event,) = db.session.scalars(
        sa.select(TicketEvent).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.kind == EVENT_STATUS
        )
    ).all()
    assert (event.from_status_id, event.to_status_id) == (closed_status, ticket.status_id)
    assert event.user.is_system and event.user.name == MAILBOX_USER_NAME
    assert link in page_html(logged_in, "/?aba=todos")
    history = page_html(logged_in, link)
    assert "Concluído" in history and MAILBOX_USER_NAME in history


def test_a_stranger_quoting_a_protocolo_waits_in_sem_cadastro_with_the_reason(
    app, db, demo, mailbox, imap_server, logged_in
):
    """Codes are sequential: a stranger's text never lands in a customer's ticket by itself;
    an attendant reads why it waits and may include it in the quoted ticket."""
    ticket = demo["ticket_3"]
    before = len(details_of(db, ticket.id))
    subject = f"Re: Atendimento {ticket.code_display}"
    deliver(imap_server, mailbox, mail(sender="intruso@example.org", subject=subject))
    # Luiza is a customer, but not this ticket's: the same.
    deliver(imap_server, mailbox, mail(sender="luiza.fernandes@example.com.br", subject=subject))
    fetch(app)
    db.session.commit()
    assert len(details_of(db, ticket.id)) == before
    stranger, other = records(db, demo["company"].id)
    assert stranger.status == other.status == INBOUND_UNMATCHED
    assert stranger.quoted_ticket_id == ticket.id and stranger.ticket_id is None
    assert drafts_of(db, demo["luiza"].id) == []

    page = page_html(logged_in, f"/caixa-de-entrada/{stranger.id}")
    reason = f"Cita o atendimento {ticket.code_display}, mas o remetente não é e-mail do cliente."
    assert reason in page
    url = f"/caixa-de-entrada/{stranger.id}/incluir-no-atendimento"
    assert logged_in.post(url).status_code == 400  # no CSRF token
    done = logged_in.post(url, data={"csrf_token": csrf_token_from(page)})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/{ticket.code}")
    db.session.commit()  # a new snapshot: what the requests committed
    details = details_of(db, ticket.id)
    assert len(details) == before + 1 and "intruso@example.org" in details[-1].description
    assert details[-1].attendant_id == demo["atendente"].id
    (stranger, _other) = records(db, demo["company"].id)
    assert stranger.status == INBOUND_IMPORTED and stranger.ticket_id == ticket.id
    again = logged_in.post(url, data={"csrf_token": csrf_token_from(page)})
    db.session.commit()
    assert again.status_code == 303 and len(details_of(db, ticket.id)) == before + 1

    # A message without a quoted ticket has nothing to be included in.
    deliver(imap_server, mailbox, mail(sender="intruso@example.org", subject="Oi"))
    fetch(app)
    plain = records(db, demo["company"].id)[-1]
    response = logged_in.post(
        f"/caixa-de-entrada/{plain.id}/incluir-no-atendimento",
        data={"csrf_token": csrf_token_from(page)},
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "from_lines",
    [
        # An "@" in an unquoted display name: Python's parsers read maria's address, mail
        # programs show the intruder's.
        [f"{MARIA} <intruso@example.org>"],
        [f"{MARIA}, intruso@example.org"],  # two senders
        [f"From: {MARIA}", "From: intruso@example.org"],  # two From lines
    ],
)
def test_a_from_header_that_could_name_two_senders_is_not_the_customers(
    app, db, demo, mailbox, imap_server, logged_in, from_lines
):
    ticket = demo["ticket_3"]
    before = len(details_of(db, ticket.id))
    lines = [line if line.startswith("From: ") else f"From: {line}" for line in from_lines]
    raw = "\r\n".join(
        [
            *lines,
            "To: sac@isocrm.example.com.br",
            f"Subject: Re: Atendimento {ticket.code_display}",
            f"Message-ID: {make_msgid(domain='example.org')}",
            "Date: Fri, 20 Nov 2026 14:30:00 -0000",
            "",
            "Texto de quem se passa pela cliente.",
            "",
        ]
    ).encode()
    deliver(imap_server, mailbox, raw)
    fetch(app)
    db.session.commit()
    assert len(details_of(db, ticket.id)) == before
    [waiting] = records(db, demo["company"].id)
    assert waiting.status == INBOUND_UNMATCHED and waiting.quoted_ticket_id == ticket.id
    assert waiting.from_address is None and MARIA in waiting.from_name
    page = page_html(logged_in, f"/caixa-de-entrada/{waiting.id}")
    assert "mas o remetente não é e-mail do cliente" in page and "None" not in page


def test_a_reply_to_an_email_the_desk_sent_is_found_by_in_reply_to(
    app, db, demo, mailbox, imap_server, smtp
):
    from isocrm.mail import service as mail_service

    smtp.start()
    ticket = demo["ticket_2"]
    outbox, _new = mail_service.record_email(
        company=demo["company"],
        ticket=ticket,
        channel_id=demo["channels"]["E-mail"].id,
        user=demo["atendente"],
        send_key=mail_service.new_send_key(),
        address=MARIA,
        subject="Sobre o seu pedido",
        body="Olá, Maria.",
        contact_entity_id=None,
    )
    mail_service.send_now(outbox.id)
    (sent,) = smtp.handler.messages
    assert sent["Message-ID"].strip("<>") == outbox.message_id.strip("<>")

    before = len(details_of(db, ticket.id))
    # Whoever answers the desk's own e-mail (a colleague of hers in copy): the Message-ID
    # names the ticket, not the sender.
    reply = mail(
        sender="colega@example.org",
        subject="Re: Sobre o seu pedido",
        in_reply_to=sent["Message-ID"],
    )
    deliver(imap_server, mailbox, reply)
    fetch(app)
    assert len(details_of(db, ticket.id)) == before + 1
    assert drafts_of(db, demo["maria"].id) == []  # not a new ticket


def test_an_unknown_sender_waits_in_sem_cadastro_and_is_linked(
    app, db, demo, mailbox, imap_server, logged_in
):
    from tests.sample_files import PDF_SMALL

    message = mail(sender="Joaquim Novo <joaquim.novo@example.org>", subject="Quero trocar")
    message.add_attachment(PDF_SMALL, maintype="application", subtype="pdf", filename="nf.pdf")
    deliver(imap_server, mailbox, message)
    fetch(app)
    (record,) = records(db, demo["company"].id)
    assert record.status == INBOUND_UNMATCHED and record.ticket_id is None

    listing = page_html(logged_in, "/caixa-de-entrada")
    assert "Quero trocar" in listing and "joaquim.novo@example.org" in listing
    joaquim = demo["joaquim"]
    page = page_html(logged_in, f"/caixa-de-entrada/{record.id}?q=Joaquim")
    assert f'name="entity_id" value="{joaquim.id}"' in page
    assert "/entidades/nova?q=Joaquim+Novo" in page
    token = csrf_token_from(page)

    url = f"/caixa-de-entrada/{record.id}/vincular"
    refused = logged_in.post(url, data={"csrf_token": token, "entity_id": "abc"})
    assert refused.status_code == 422 and "Escolha uma entidade da lista." in refused.text
    linked = logged_in.post(url, data={"csrf_token": token, "entity_id": joaquim.id})
    assert linked.status_code == 303
    (ticket,) = drafts_of(db, joaquim.id)
    assert linked.headers["Location"].endswith(f"/atendimentos/{ticket.code}")
    (detail,) = details_of(db, ticket.id)
    assert "Quero trocar" in detail.description
    assert detail.attendant_id == demo["atendente"].id
    # The attachment waited with the message and is kept on the draft's detail.
    (kept,) = db.session.scalars(sa.select(Attachment).where(Attachment.detail_id == detail.id))
    assert (kept.filename, kept.size, kept.uploaded_by_id) == (
        "nf.pdf",
        len(PDF_SMALL),
        demo["atendente"].id,
    )
    again = logged_in.post(url, data={"csrf_token": token, "entity_id": joaquim.id})
    assert again.status_code == 303 and len(drafts_of(db, joaquim.id)) == 1
    (record,) = records(db, demo["company"].id)
    assert record.status == INBOUND_LINKED and record.ticket_id == ticket.id
    assert record.raw is None


def test_a_message_of_sem_cadastro_can_be_discarded(app, db, demo, mailbox, imap_server, logged_in):
    deliver(imap_server, mailbox, mail(sender="promo@spam.example.org", subject="Oferta"))
    fetch(app)
    (record,) = records(db, demo["company"].id)
    token = csrf_token_from(page_html(logged_in, f"/caixa-de-entrada/{record.id}"))
    no_token = logged_in.post(f"/caixa-de-entrada/{record.id}/descartar")
    assert no_token.status_code == 400
    done = logged_in.post(f"/caixa-de-entrada/{record.id}/descartar", data={"csrf_token": token})
    assert done.status_code == 303
    (record,) = records(db, demo["company"].id)
    assert record.status == INBOUND_DISCARDED
    assert "Oferta" not in page_html(logged_in, "/caixa-de-entrada")


def test_another_empresas_messages_and_entities_are_not_found(
    app, db, demo, mailbox, imap_server, logged_in
):
    south = demo["company_south"]
    theirs = InboundMessage(
        company_id=south.id,
        message_id="x@sul.example.org",
        status=INBOUND_UNMATCHED,
        from_address="x@sul.example.org",
        subject="Do Sul",
        text="texto",
    )
    db.session.add(theirs)
    db.session.commit()
    token = AuthActions(logged_in).csrf_token()
    assert logged_in.get(f"/caixa-de-entrada/{theirs.id}").status_code == 404
    for action in ("vincular", "descartar"):
        response = logged_in.post(
            f"/caixa-de-entrada/{theirs.id}/{action}",
            data={"csrf_token": token, "entity_id": demo["maria"].id},
        )
        assert response.status_code == 404
    assert "Do Sul" not in page_html(logged_in, "/caixa-de-entrada")

    # Ours, linked to an entity of the other Empresa: refused, nothing opened.
    deliver(imap_server, mailbox, mail(sender="alguem@example.org"))
    fetch(app)
    ours = next(r for r in records(db, demo["company"].id))
    response = logged_in.post(
        f"/caixa-de-entrada/{ours.id}/vincular",
        data={"csrf_token": token, "entity_id": demo["cooperativa"].id},
    )
    assert response.status_code == 422
    db.session.commit()  # a new snapshot: what the requests and runs committed
    assert db.session.get(InboundMessage, ours.id).status == INBOUND_UNMATCHED
    assert db.session.get(InboundMessage, theirs.id).status == INBOUND_UNMATCHED


def test_the_same_message_id_in_another_empresas_mailbox_is_its_own(
    app, db, demo, mailbox, imap_server
):
    """Idempotency is per Empresa: another Empresa receiving the same message imports it."""
    south = demo["company_south"]
    username = f"sac{next(_users)}"
    db.session.add(
        Mailbox(
            company_id=south.id,
            host="127.0.0.1",
            port=imap_server.port,
            username=username,
            password="segredo-imap",
            enabled=True,
            updated_by_id=demo["supervisor"].id,
        )
    )
    db.session.commit()
    message = mail(sender="sac@coopgaucha.example.com.br")
    deliver(imap_server, mailbox, message)
    imap_server.deliver(username, message.as_bytes())
    fetch(app)
    assert len(records(db, demo["company"].id)) == 1
    (theirs,) = records(db, south.id)
    # The Cooperativa is an entity of the Empresa do Sul: a draft there, not here.
    assert theirs.status == INBOUND_IMPORTED
    assert db.session.get(Ticket, theirs.ticket_id).entity_id == demo["cooperativa"].id
    assert records(db, demo["company"].id)[0].status == INBOUND_UNMATCHED


def test_the_lists_are_in_order_of_receipt_the_last_first(
    app, db, demo, mailbox, imap_server, logged_in
):
    """Read in another order than received (a delayed server, a reading after an outage):
    each list is by its Recebido column, the last received first."""
    for day in (20, 22, 21):
        when = datetime(2026, 11, day, 9, 0, tzinfo=UTC)
        deliver(imap_server, mailbox, mail(subject=f"Dia {day}", date=when))
        deliver(
            imap_server,
            mailbox,
            mail(sender="desconhecido@example.org", subject=f"Sem cadastro {day}", date=when),
        )
    fetch(app)
    for situacao, prefix in (("importado", "Dia"), ("sem_cadastro", "Sem cadastro")):
        listing = page_html(logged_in, f"/caixa-de-entrada?situacao={situacao}")
        found = re.findall(rf">{prefix} (\d\d)</a>", listing)
        assert found == ["22", "21", "20"], situacao


def test_html_only_mail_becomes_safe_text(app, db, demo, mailbox, imap_server, logged_in):
    markup = (
        "<html><head><style>p { color: red }</style><script>alert('x')</script></head>"
        "<body><p>Bom dia,</p><p>o produto veio <b>aberto</b> &amp; sem lacre.<br>"
        "Código &lt;b&gt;123&lt;/b&gt;</p><script>document.cookie</script>"
        '<img src="x" onerror="alert(1)"></body></html>'
    )
    deliver(imap_server, mailbox, mail(sender="nova@example.org", html=markup))
    fetch(app)
    (record,) = records(db, demo["company"].id)
    assert record.text == "Bom dia,\n\no produto veio aberto & sem lacre.\nCódigo <b>123</b>"
    for forbidden in ("alert", "cookie", "color: red", "onerror"):
        assert forbidden not in record.text
    page = page_html(logged_in, f"/caixa-de-entrada/{record.id}")
    assert "Código &lt;b&gt;123&lt;/b&gt;" in page  # shown as text, escaped
    assert "<b>123</b>" not in page


def test_an_iso_8859_1_message_with_an_encoded_subject(app, db, demo, mailbox, imap_server):
    raw = (
        b"From: =?ISO-8859-1?Q?Jos=E9_Ara=FAjo?= <jose.araujo@example.org>\r\n"
        b"To: sac@isocrm.example.com.br\r\n"
        b"Subject: =?ISO-8859-1?Q?Reclama=E7=E3o_do_a=E7=FAcar?=\r\n"
        b"Date: Fri, 20 Nov 2026 11:30:00 -0300\r\n"
        b"Message-ID: <latin1@example.org>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=ISO-8859-1\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        b"O a\xe7\xfacar veio com gr\xe3os escuros. Ol\xe1!\r\n"
    )
    deliver(imap_server, mailbox, raw)
    fetch(app)
    (record,) = records(db, demo["company"].id)
    assert record.subject == "Reclamação do açúcar"
    assert record.from_name == "José Araújo"
    assert record.text == "O açúcar veio com grãos escuros. Olá!"
    assert record.received_at == datetime(2026, 11, 20, 14, 30, tzinfo=UTC)


def test_without_date_or_message_id_the_arrival_time_and_a_hash_stand_in(
    app, db, demo, mailbox, imap_server
):
    raw = (
        f"From: {MARIA}\r\nSubject: Sem data\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "\r\nMensagem de um cliente de e-mail antigo.\r\n"
    ).encode()
    arrived = datetime(2026, 11, 22, 18, 45, 10, tzinfo=UTC)
    imap_server.deliver(mailbox.username, raw, arrived=arrived)
    imap_server.deliver(mailbox.username, raw, arrived=arrived)  # the same bytes again
    fetch(app)
    (record,) = records(db, demo["company"].id)
    assert record.message_id.startswith("sha256:")
    assert record.received_at == arrived
    (ticket,) = drafts_of(db, demo["maria"].id)
    assert details_of(db, ticket.id)[0].received_at == arrived


def test_two_fetch_runs_at_once_import_each_message_once(app, db, demo, mailbox, imap_server):
    for n in range(6):
        deliver(imap_server, mailbox, mail(subject=f"Mensagem {n}", body=f"Texto {n}"))
    start = threading.Barrier(2)
    reports, errors = [], []

    def run():
        from isocrm.inbound.fetch import fetch_all

        with app.app_context():
            try:
                start.wait(10)
                reports.extend(fetch_all())
            except Exception as error:  # noqa: BLE001 (reported by the assertion below)
                errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors
    assert sum(r.imported for r in reports) == 6 and not any(r.error for r in reports)
    assert len(records(db, demo["company"].id)) == 6
    drafts = drafts_of(db, demo["maria"].id)
    assert len(drafts) == 6
    assert sorted(len(details_of(db, t.id)) for t in drafts) == [1] * 6


def test_a_malformed_or_too_large_message_is_recorded_failed_and_the_batch_goes_on(
    app, db, demo, mailbox, imap_server
):
    app.config["IMAP_MAX_BYTES"] = 4000
    deliver(imap_server, mailbox, b"this is not an e-mail at all\r\n")
    deliver(imap_server, mailbox, mail(subject="Grande", body="x" * 6000))
    deliver(imap_server, mailbox, mail(subject="Normal"))
    output = fetch(app)
    assert "1 importada(s)" in output and "2 com falha" in output
    failed, large, normal = records(db, demo["company"].id)
    assert failed.status == INBOUND_FAILED and "sem cabeçalhos" in failed.error
    assert large.status == INBOUND_FAILED and "acima do limite" in large.error
    assert normal.status == INBOUND_IMPORTED
    fetch(app)  # not tried again
    assert len(records(db, demo["company"].id)) == 3


def test_the_server_certificate_is_checked(app, db, demo, mailbox, imap_server):
    app.config["IMAP_CA_FILE"] = None  # the test CA is not among the system's
    deliver(imap_server, mailbox, mail())
    output = fetch(app, ok=False)
    assert "SSL" in output or "certificate" in output
    box = db.session.get(Mailbox, mailbox.id)
    db.session.refresh(box)
    assert "CERTIFICATE_VERIFY_FAILED" in box.last_error
    assert records(db, demo["company"].id) == []


def test_the_supervisor_sets_the_mailbox_and_sees_the_last_reading(app, db, demo, sup, imap_server):
    client, token = sup
    page = page_html(client, "/configuracoes/caixa-de-entrada")
    assert "A caixa ainda não foi lida." in page
    data = {
        "csrf_token": token,
        "host": "127.0.0.1",
        "port": str(imap_server.port),
        "username": "nobody",
        "folder": "INBOX",
        "enabled": "y",
    }
    refused = client.post("/configuracoes/caixa-de-entrada", data={**data, "port": "99999"})
    assert refused.status_code == 422
    assert "A porta é um número de 1 a 65535." in refused.text
    assert "Digite a senha da caixa de e-mail." in refused.text
    assert 'value="127.0.0.1"' in refused.text  # what was typed stays
    saved = client.post(
        "/configuracoes/caixa-de-entrada", data={**data, "password": "senha-errada"}
    )
    assert saved.status_code == 303
    app.config["IMAP_CA_FILE"] = str(imap_server.ca)
    fetch(app, ok=False)  # a wrong password: the login is refused
    page = page_html(client, "/configuracoes/caixa-de-entrada")
    assert "senha-errada" not in page
    assert "login recusado" in page
    box = db.session.scalar(sa.select(Mailbox).where(Mailbox.company_id == demo["company"].id))
    assert box.updated_by_id == demo["supervisor"].id and box.last_polled_at is not None

    # Blank keeps the password; the right one makes the next reading clean.
    client.post("/configuracoes/caixa-de-entrada", data={**data, "password": ""})
    db.session.refresh(box)
    assert box.password == "senha-errada"
    client.post("/configuracoes/caixa-de-entrada", data={**data, "password": "nobody-secret"})
    fetch(app)
    page = page_html(client, "/configuracoes/caixa-de-entrada")
    assert "sem erros" in page and "login recusado" not in page


def test_the_folder_refuses_control_characters_and_is_quoted_for_imap(
    app, db, demo, sup, mailbox, imap_server
):
    """A line break in Pasta would end the SELECT and start a command of the typist's:
    refused next to the field, nothing saved. A folder with accents, quotes or an & is read
    (its name in modified UTF-7, quoted)."""
    client, token = sup
    data = {
        "csrf_token": token,
        "host": "127.0.0.1",
        "port": str(imap_server.port),
        "username": mailbox.username,
        "password": "segredo-imap",
        "enabled": "y",
    }
    for folder in ("INBOX\r\nA1 DELETE INBOX", "INBOX\nx", "a\tb"):
        refused = client.post("/configuracoes/caixa-de-entrada", data={**data, "folder": folder})
        assert refused.status_code == 422, folder
        assert "O nome da pasta não pode ter quebras de linha" in refused.text
        assert 'aria-invalid="true"' in refused.text
    db.session.commit()  # a new snapshot: what the requests and runs committed
    assert mailbox.folder == "INBOX"

    folder = 'Reclamações & "Urgentes"'
    with imap_server.connect() as conn:
        conn.login(mailbox.username, "segredo-imap")
        typ, answer = conn.create('"Reclama&AOcA9Q-es &- \\"Urgentes\\""')
        assert typ == "OK", answer
        conn.logout()
    imap_server.deliver(
        mailbox.username,
        mail(body="Na pasta certa.").as_bytes(),
        folder='"Reclama&AOcA9Q-es &- \\"Urgentes\\""',
    )
    saved = client.post("/configuracoes/caixa-de-entrada", data={**data, "folder": folder})
    assert saved.status_code == 303
    db.session.commit()  # a new snapshot: what the requests and runs committed
    assert mailbox.folder == folder
    fetch(app)
    (ticket,) = drafts_of(db, demo["maria"].id)
    assert "Na pasta certa." in details_of(db, ticket.id)[0].description
    db.session.commit()  # a new snapshot: what the requests and runs committed
    assert mailbox.last_error is None


def test_an_attendant_may_not_change_the_mailbox(logged_in):
    assert logged_in.get("/configuracoes/caixa-de-entrada").status_code == 403
