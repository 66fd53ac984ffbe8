"""Configurações › Canais: a supervisor adds a Canal and deactivates another in place (htmx);
an attendant then finds the new one, and not the inactive one, in a new ticket's Canal
select, while an old ticket still shows its channel, marked. Real Chromium."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, login_supervisor_of

pytestmark = pytest.mark.browser


def test_supervisor_adds_and_deactivates_channels_the_attendant_sees_it(page, demo):
    login_supervisor_of(page, demo["company"].name)
    page.get_by_role("link", name="Configurações").click()
    page.get_by_role("link", name="Canais", exact=True).click()
    expect(page.get_by_role("heading", name="Canais")).to_be_visible()
    page.wait_for_load_state("load")
    list_url = page.url

    field = page.get_by_label("Novo canal")
    field.fill("whatsapp")  # taken, whatever the case: refused beside the field, kept
    field.press("Enter")
    expect(page.get_by_text("Já existe o canal “whatsapp”.")).to_be_visible()
    expect(page.get_by_label("Novo canal")).to_have_value("whatsapp")
    page.get_by_label("Novo canal").fill("SMS")
    page.get_by_label("Novo canal").press("Enter")
    expect(page.get_by_text("Canal “SMS” incluído.")).to_be_visible()

    page.get_by_role("button", name="Desativar E-mail").click()
    row = page.locator(".tree-row").filter(has_text="E-mail")
    expect(row).to_have_class(re.compile("inactive"))
    expect(row.get_by_text("inativo", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Reativar E-mail")).to_be_visible()
    assert page.url == list_url  # all of it in place, no page load
    page.screenshot(path="/tmp/isocrm-settings-channels.png", full_page=True)
    page.get_by_role("button", name="Sair").click()

    login(page)
    page.goto(f"/entidades/{demo['maria'].id}/atendimentos")
    page.get_by_role("button", name="Incluir").click()
    expect(page.get_by_text("Em abertura")).to_be_visible()
    page.wait_for_load_state("load")
    channel = page.get_by_label("Canal")
    expect(channel.locator("option", has_text="SMS")).to_have_count(1)
    expect(channel.locator("option", has_text="E-mail")).to_have_count(0)
    expect(channel.locator("option", has_text="Telefone")).to_have_count(1)

    # An old ticket whose detail came by e-mail still shows it.
    page.goto(f"/atendimentos/{demo['ticket_1'].code}")
    expect(page.get_by_label("Canal").locator("option:checked")).to_have_text("E-mail (inativo)")


def test_supervisor_adds_a_product_information_through_the_cascade(page, demo):
    login_supervisor_of(page, demo["company"].name)
    product = demo["product_info"].product
    page.goto("/configuracoes/produtos")
    page.get_by_role("link", name=f"Informações de {product.name}").click()
    expect(page.get_by_role("heading", name=f"Informações de {product.name}")).to_be_visible()
    page.wait_for_load_state("load")
    occurrence = page.get_by_label("Ocorrência")
    expect(occurrence.locator("option")).to_have_count(1)  # nothing until a Motivo
    page.get_by_label("Motivo").select_option(label="Dúvida")
    expect(occurrence.locator("option", has_text="Informação sobre produto")).to_have_count(1)
    expect(occurrence.locator("option", has_text="Produto com defeito")).to_have_count(0)
    occurrence.select_option(label="Informação sobre produto")
    page.get_by_label("Informação", exact=True).fill("Contém glúten")
    page.get_by_role("button", name="Adicionar").click()
    expect(page.get_by_text("Informação “Contém glúten” incluída.")).to_be_visible()
    row = page.locator(".tree-row").filter(has_text="Contém glúten")
    expect(row).to_contain_text("Dúvida › Informação sobre produto")
