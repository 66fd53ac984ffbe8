"""The whole flow of seed §1–8, as an attendant does it, in real Chromium."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_open_work_and_close_a_ticket_for_maria(page):
    login(page)
    page.goto("/atendimentos/")  # login lands on the painel
    page.get_by_label("NOME/RAZÃO SOCIAL ou CPF/CNPJ").fill("maria aparecida")
    row = page.locator("#results").get_by_role("row").filter(has_text="Maria Aparecida da Silva")
    row.get_by_role("link", name="SAC").click()
    expect(page.get_by_role("heading", name="Atendimentos da entidade")).to_be_visible()
    page.get_by_role("button", name="Incluir").click()
    # The protocol is there before anything is typed.
    expect(page.get_by_role("heading", name=re.compile("Atendimento 000004"))).to_be_visible()
    expect(page.get_by_text("Em abertura")).to_be_visible()
    page.wait_for_load_state("load")  # the screen's scripts listen from here on

    # Dados do atendimento
    page.get_by_label("Papel").select_option(label="Cliente")
    page.get_by_label("Dados Complementares").fill("Cliente ligou do celular.")

    # Detalhe: Canal, Receptivo, Descrição, Contato (picked among her related people)
    page.get_by_label("Canal").select_option(label="Telefone")
    page.get_by_label("Receptivo").check()
    page.get_by_label("Descrição").fill("Biscoito chegou com a embalagem aberta.")
    contact = page.get_by_role("combobox", name="Contato", exact=True)
    contact.fill("jose")
    contacts = page.get_by_role("listbox", name="Contato")
    expect(contacts.get_by_role("option", name="José Carlos da Silva")).to_have_count(1)
    expect(contacts.get_by_role("option", name=re.compile("Ana Beatriz"))).to_have_count(0)
    contact.press("Enter")  # the only match
    expect(contact).to_have_value(re.compile("José Carlos da Silva"))

    # Motivo → Ocorrência → Causa: each list follows the one above
    occurrence = page.get_by_label("Ocorrência")
    expect(occurrence.locator("option")).to_have_count(1)
    page.get_by_label("Motivo").select_option(label="Reclamação")
    expect(occurrence.locator("option", has_text="Produto com defeito")).to_have_count(1)
    expect(occurrence.locator("option", has_text="Informação sobre produto")).to_have_count(0)
    occurrence.select_option(label="Produto com defeito")
    cause = page.get_by_label("Causa")
    expect(cause.locator("option", has_text="Embalagem violada")).to_have_count(1)
    cause.select_option(label="Embalagem violada")
    # Changing the Motivo empties the Causa again
    page.get_by_label("Motivo").select_option(label="Dúvida")
    expect(cause.locator("option")).to_have_count(1)
    expect(occurrence.locator("option", has_text="Informação sobre produto")).to_have_count(1)
    page.get_by_label("Motivo").select_option(label="Reclamação")
    expect(occurrence.locator("option", has_text="Produto com defeito")).to_have_count(1)
    occurrence.select_option(label="Produto com defeito")
    expect(cause.locator("option", has_text="Embalagem violada")).to_have_count(1)
    cause.select_option(label="Embalagem violada")

    # Local: a partner picked by name
    local = page.get_by_role("combobox", name="Local", exact=True)
    local.fill("bom preço")
    page.get_by_role("listbox", name="Local").get_by_role(
        "option", name=re.compile("Mercado Bom")
    ).click()
    expect(local).to_have_value(re.compile("Mercado Bom Preço Ltda"))
    page.get_by_label("Observação do local").fill("Gôndola de biscoitos")

    # Informações do detalhe: one line
    page.get_by_role("button", name="Adicionar informação").click()
    info_row = page.locator("#info-rows tr").first
    info = info_row.get_by_label("Informação")
    expect(info.locator("option", has_text="Biscoito Integral 200g")).to_have_count(1)
    info.select_option(index=1)
    info_row.get_by_label("Nr. Lote").fill("L2611A")
    info_row.get_by_label("Data fabricação").fill("01/10/2026")
    info_row.get_by_label("Data validade").fill("01/04/2027")

    page.get_by_role("button", name="Confirmar").click()
    expect(page.get_by_text("Atendimento 000004 confirmado.")).to_be_visible()
    expect(page.locator("#ticket-code")).to_have_text("000004")
    expect(page.get_by_text("Detalhe 1 de 1")).to_be_visible()
    page.get_by_text(re.compile(r"Ver informação \(1\)")).click()
    expect(page.get_by_role("cell", name="L2611A")).to_be_visible()

    # A second detail, then page between them (only the panel is swapped)
    page.get_by_role("link", name="Novo detalhe").click()
    expect(page.get_by_text("Novo detalhe (2 de 2)")).to_be_visible()
    panel = page.locator("#detail-panel")
    panel.get_by_label("Canal").select_option(label="WhatsApp")
    panel.get_by_label("Ativo", exact=True).check()
    panel.get_by_label("Descrição").fill("Enviamos vale-troca pelo WhatsApp.")
    panel.get_by_label("Resposta", exact=True).fill("Cliente agradeceu.")
    panel.get_by_role("button", name="Salvar só o detalhe").click()
    expect(panel.get_by_text("Detalhe 2 de 2")).to_be_visible()
    expect(panel.get_by_text("Detalhe salvo.")).to_be_visible()
    url_before = page.url
    panel.get_by_role("link", name="Detalhe anterior").click()
    expect(page.locator("#detail-panel").get_by_text("Detalhe 1 de 2")).to_be_visible()
    expect(page.locator("#detail-panel").get_by_label("Descrição")).to_have_value(
        "Biscoito chegou com a embalagem aberta."
    )
    assert page.url == url_before  # the page itself was not reloaded
    page.locator("#detail-panel").get_by_role("link", name="Próximo detalhe").click()
    expect(page.locator("#detail-panel").get_by_label("Descrição")).to_have_value(
        "Enviamos vale-troca pelo WhatsApp."
    )

    # Close it
    page.get_by_label("Situação", exact=True).select_option(label="Concluído")
    page.get_by_role("button", name="Confirmar").click()
    expect(page.get_by_text("Atendimento 000004 confirmado.")).to_be_visible()
    closed = page.locator("#closed-at")
    expect(closed).to_have_text(re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}"))

    page.reload()
    expect(page.locator("#ticket-code")).to_have_text("000004")
    expect(page.get_by_label("Motivo")).to_have_value(re.compile(r"\d+"))
    expect(page.get_by_label("Causa").locator("option:checked")).to_have_text("Embalagem violada")
    expect(page.get_by_role("combobox", name="Local", exact=True)).to_have_value(
        re.compile("Mercado Bom Preço Ltda")
    )
    expect(page.get_by_text("Detalhe 2 de 2")).to_be_visible()
    expect(closed).to_have_text(re.compile(r"\d{2}/\d{2}/\d{4}"))

    # Her history has the new ticket in it.
    page.get_by_role("link", name="Histórico da entidade").click()
    expect(page.get_by_role("main")).to_contain_text("000004")
    page.go_back()

    page.get_by_role("link", name="Visualiza atendimentos").click()
    ticket_row = page.get_by_role("row").filter(has_text="000004")
    expect(ticket_row).to_contain_text("Concluído")
    expect(ticket_row).to_contain_text("Reclamação")


def test_alert_icon_is_coloured_and_opens_the_alerts(page):
    login(page)
    page.goto("/atendimentos/1")
    icon = page.get_by_role("link", name="Alertas")
    expect(icon).to_have_class(re.compile("alert-alta"))
    icon.click()
    expect(page.get_by_role("heading", name=re.compile("Alertas de Maria"))).to_be_visible()


def test_bad_input_keeps_what_was_typed(page):
    login(page)
    page.goto("/atendimentos/")
    page.get_by_label("NOME/RAZÃO SOCIAL ou CPF/CNPJ").fill("maria aparecida")
    page.locator("#results").get_by_role("link", name="SAC").first.click()
    page.get_by_role("button", name="Incluir").click()
    expect(page.get_by_text("Em abertura")).to_be_visible()
    page.wait_for_load_state("load")
    page.get_by_label("Dados Complementares").fill("Texto que não pode sumir")
    page.get_by_role("button", name="Confirmar").click()
    expect(page.get_by_text("Descreva o que o cliente informou.")).to_be_visible()
    expect(page.get_by_text("Escolha o canal.")).to_be_visible()
    expect(page.get_by_label("Dados Complementares")).to_have_value("Texto que não pode sumir")
    expect(page.get_by_label("Descrição")).to_have_attribute("aria-invalid", "true")
