"""Caixa de entrada in Chromium: a message of Sem cadastro linked to an entity found by the
search opens her draft; the supervisor's mailbox screen. (The IMAP side is in
tests/test_inbound_mail.py, against a real server.)"""

import os
import re
from email.message import EmailMessage

import pytest
from playwright.sync_api import expect

from isocrm.inbound.service import import_message
from isocrm.models import InboundMessage, Mailbox
from tests.browser.conftest import login, login_supervisor_of
from tests.screens import inbound_message

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("ISOCRM_SCREENSHOTS")  # a folder: the screens are saved there too


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_a_message_of_sem_cadastro_is_linked_from_the_search(page, db, demo):
    message_id = inbound_message(demo)  # from Nova Cliente, who has no record yet
    login(page)
    page.get_by_role("link", name="Caixa de entrada").click()
    page.get_by_role("link", name="Produto com defeito").click()
    expect(page.get_by_text("<script>alert(1)</script>")).to_be_visible()  # text, escaped
    expect(page.get_by_text("Nenhuma entidade encontrada.")).to_be_visible()
    page.get_by_label("Buscar entidade (nome, CPF/CNPJ, telefone ou e-mail)").fill("Joaquim")
    linking = page.get_by_role("region", name="Vincular a uma entidade")
    linking.get_by_role("button", name="Buscar").click()
    _shot(page, "inbound-message")
    joaquim = demo["joaquim"].name
    expect(page.locator(".inbound-matches")).to_contain_text(joaquim)
    page.locator(".inbound-matches li", has_text=joaquim).get_by_role(
        "button", name="Vincular e abrir rascunho"
    ).click()
    expect(page.get_by_text("aberto para " + joaquim)).to_be_visible()
    _shot(page, "inbound-linked")
    db.session.commit()
    message = db.session.get(InboundMessage, message_id)
    assert message.status == "vinculado" and message.ticket_id is not None


def test_the_supervisor_saves_the_mailbox(page, db, demo):
    login_supervisor_of(page, demo["company"].name)
    page.goto("/configuracoes/caixa-de-entrada")
    page.get_by_label("Servidor IMAP").fill("imap.example.com.br")
    page.get_by_label("Usuário").fill("sac@example.com.br")
    page.get_by_role("button", name="Salvar").click()
    expect(page.get_by_text("Digite a senha da caixa de e-mail.")).to_be_visible()
    expect(page.get_by_label("Servidor IMAP")).to_have_value("imap.example.com.br")
    page.get_by_label("Senha").fill("segredo")
    page.get_by_label("Ler esta caixa (fetch-mail)").check()
    page.get_by_role("button", name="Salvar").click()
    expect(page.get_by_text("Caixa de entrada salva.")).to_be_visible()
    expect(page.get_by_label("Senha")).to_have_value("")
    _shot(page, "inbound-mailbox")


def test_a_draft_the_mailbox_opened_is_in_every_attendants_rascunhos(page, db, demo):
    """A draft fetch-mail opened belongs to nobody: the attendant finds it in Rascunhos."""
    mailbox = Mailbox(
        company_id=demo["company"].id,
        host="imap.example.org",
        username="sac",
        password="x",
        updated_by_id=demo["supervisor"].id,
    )
    db.session.add(mailbox)
    message = EmailMessage()
    message["From"] = "maria.aparecida@example.com.br"  # Maria's e-mail in the demo
    message["Subject"] = "Embalagem rasgada"
    message["Message-ID"] = "<rascunho-da-caixa@example.org>"
    message.set_content("O pacote chegou rasgado.")
    ticket = import_message(db.session, mailbox, 1, message.as_bytes(), None).ticket
    reply = EmailMessage()
    reply["From"] = message["From"]
    reply["Subject"] = "Re: Embalagem rasgada"
    reply["Message-ID"] = "<resposta-da-maria@example.org>"
    reply["In-Reply-To"] = message["Message-ID"]
    reply.set_content("Segue a foto.")
    import_message(db.session, mailbox, 2, reply.as_bytes(), None)
    db.session.commit()
    login(page)
    page.get_by_role("link", name="Rascunhos").click()
    expect(page.get_by_role("link", name=ticket.code_display)).to_be_visible()
    _shot(page, "inbound-draft-in-rascunhos")
    # Both messages are on the draft's screen, before Confirmar: the pager reaches each.
    page.get_by_role("link", name=ticket.code_display).click()
    expect(page.get_by_text("Detalhe 2 de 2")).to_be_visible()
    page.get_by_role("link", name="Detalhe anterior").click()
    expect(page.get_by_text("Detalhe 1 de 2")).to_be_visible()
    expect(page.locator("#description")).to_have_value(re.compile("O pacote chegou rasgado."))
    _shot(page, "inbound-draft-first-message")
