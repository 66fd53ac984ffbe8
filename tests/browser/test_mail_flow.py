"""Enviar e-mail from the ticket screen, through a real SMTP server, in real Chromium."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.test_mail import SMTPServer

pytestmark = pytest.mark.browser


@pytest.fixture
def smtp(app):
    server = SMTPServer()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_TIMEOUT=5)
    server.start()
    yield server
    server.stop()


def test_email_a_related_contact_from_the_ticket(page, smtp):
    login(page)
    page.goto("/atendimentos/1?detalhe=1")
    page.get_by_role("link", name="Enviar e-mail").click()
    expect(page.get_by_role("heading", name="Enviar e-mail")).to_be_visible()
    expect(page.get_by_label("Mensagem")).to_have_value(re.compile("Biscoito Integral 200g"))

    # A typed address that is not one is refused where it was typed.
    page.get_by_label("Ou outro endereço").fill("ana@")
    page.get_by_role("button", name="Enviar").click()
    expect(page.get_by_text("Endereço de e-mail inválido")).to_be_visible()
    expect(page.get_by_label("Ou outro endereço")).to_have_value("ana@")

    page.get_by_label("Ou outro endereço").fill("")
    page.get_by_label("Para").select_option(
        label="ana.beatriz@example.com.br — Ana Beatriz da Silva (Filho(a))"
    )
    page.get_by_label("Assunto").fill("Sua reclamação: próximos passos")
    page.get_by_role("button", name="Enviar").click()
    expect(page.get_by_text("E-mail enviado para ana.beatriz@example.com.br.")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Atendimento 000001"))).to_be_visible()
    assert [m["Subject"] for m in smtp.handler.messages] == ["Sua reclamação: próximos passos"]

    page.goto("/caixa-de-saida")
    row = page.get_by_role("row").filter(has_text="ana.beatriz@example.com.br")
    expect(row.get_by_text("Enviado")).to_be_visible()
