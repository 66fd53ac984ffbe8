"""Enviar e-mail from the ticket screen, through a real SMTP server, in real Chromium."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import close_tab, login

pytestmark = pytest.mark.browser


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


def test_enviar_clicked_again_while_a_slow_server_answers_sends_once(page, slow_smtp, app):
    login(page)
    page.goto("/atendimentos/1/email?detalhe=1")
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    box = page.get_by_role("button", name="Enviar").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for _ in range(3):  # an impatient attendant while the server takes 1.5 s
        page.mouse.click(x, y)
        page.wait_for_timeout(150)
    expect(page.get_by_text("E-mail enviado para maria.aparecida@example.com.br.")).to_be_visible()
    assert len(posts) == 1  # the button did nothing while the first Enviar was on its way
    assert len(slow_smtp.handler.envelopes) == 1

    # Back to the composer and Enviar again: it asks before a second copy goes out.
    page.go_back()
    expect(page.get_by_role("heading", name="Enviar e-mail")).to_be_visible()
    page.get_by_role("button", name="Enviar", exact=True).click()
    expect(page.get_by_text("Nada foi enviado ainda: um e-mail igual")).to_be_visible()
    assert len(slow_smtp.handler.envelopes) == 1
    page.get_by_role("button", name="Enviar outra cópia").click()  # on purpose, this time
    expect(page.get_by_text("E-mail enviado para maria.aparecida@example.com.br.")).to_be_visible()
    assert len(slow_smtp.handler.envelopes) == 2


def test_an_empresa_switched_in_another_tab_never_retargets_the_email(page, smtp, demo, db):
    from tests.factories import south_ticket

    south_ticket(db, demo, 1)  # Filial Sul has its own 000001
    login(page, "supervisor", "supervisor123")
    page.get_by_label("Empresa").select_option(label="isoCRM Demonstração")
    page.get_by_role("button", name="Trocar").click()
    page.goto("/atendimentos/1/email")  # tab A: Maria's 000001
    typed = "Maria, sua troca foi aprovada: retire o vale no balcão."
    page.get_by_label("Mensagem").fill(typed)

    other = page.context.new_page()  # tab B switches the Empresa
    other.goto("/atendimentos/")
    other.get_by_label("Empresa").select_option(label="Filial Sul Alimentos")
    with other.expect_navigation():  # the switch has landed before the tab is closed
        other.get_by_role("button", name="Trocar").click()
    close_tab(other)

    page.get_by_role("button", name="Enviar").click()
    expect(page.get_by_role("alert")).to_contain_text("Nada foi enviado")
    expect(page.get_by_role("alert")).to_contain_text("Atendimento 000001 de isoCRM Demonstração")
    expect(page.get_by_label("Mensagem")).to_have_value(typed)
    assert smtp.handler.envelopes == []

    page.get_by_role("button", name="Voltar para isoCRM Demonstração").click()
    expect(page.get_by_text("Empresa trocada para isoCRM Demonstração")).to_be_visible()
    expect(page.get_by_label("Mensagem")).to_have_value(typed)
    expect(page.get_by_text("Maria Aparecida da Silva").first).to_be_visible()
    page.get_by_role("button", name="Enviar").click()
    expect(page.get_by_text("E-mail enviado para maria.aparecida@example.com.br.")).to_be_visible()
    assert [m["To"] for m in smtp.handler.messages] == ["maria.aparecida@example.com.br"]


def test_a_long_paste_is_kept_whole_and_refused_with_its_size(page, smtp):
    login(page)
    page.goto("/atendimentos/1/email")
    pasted = ("palavra " * 12_500).strip() + " FIM"
    page.get_by_label("Mensagem").fill(pasted)
    # No maxlength: the browser keeps every character of the paste.
    assert page.get_by_label("Mensagem").input_value() == pasted
    page.get_by_role("button", name="Enviar").click()
    expect(page.get_by_text("A mensagem tem 100.003 caracteres e o limite é 9.000")).to_be_visible()
    assert page.get_by_label("Mensagem").input_value() == pasted
    assert smtp.handler.envelopes == []


def test_the_body_counts_its_characters_as_they_are_typed(page, smtp):
    login(page)
    page.goto("/atendimentos/1/email")
    count = page.locator("#body-count")
    expect(count).to_have_text(re.compile(r"^\d[\d.]* de 9\.000 caracteres\.$"))
    page.get_by_label("Mensagem").fill("a" * 9100)
    expect(count).to_have_text("9.100 de 9.000 caracteres: 100 a mais, encurte antes de enviar.")
    page.get_by_label("Mensagem").fill("Olá, Maria.")
    expect(count).to_have_text("11 de 9.000 caracteres.")
