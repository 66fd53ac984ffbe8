"""Configurações › Motivos: a supervisor builds a Motivo → Ocorrência → Causa chain on the
tree screen (htmx, in place), then an attendant picks it in a new ticket's cascading
selects, in real Chromium."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, login_supervisor_of

pytestmark = pytest.mark.browser


def _add(page, label: str, name: str) -> None:
    """Type a name in one of the tree's "Nova …" fields and press Enter (htmx posts it)."""
    field = page.get_by_label(label)
    field.fill(name)
    field.press("Enter")


def test_supervisor_builds_a_chain_and_the_attendant_picks_it(page, demo):
    login_supervisor_of(page, demo["company"].name)
    page.get_by_role("link", name="Configurações").click()
    expect(page.get_by_role("heading", name="Configurações")).to_be_visible()
    page.get_by_role("link", name="Motivos, ocorrências e causas").click()
    expect(page.get_by_role("heading", name="Motivos, ocorrências e causas")).to_be_visible()
    page.wait_for_load_state("load")
    tree_url = page.url

    _add(page, "Novo motivo", "Solicitação")
    expect(page.get_by_text("Motivo “Solicitação” incluído.")).to_be_visible()
    _add(page, "Nova ocorrência em Solicitação", "Segunda via")
    expect(page.get_by_text("Ocorrência “Segunda via” incluída.")).to_be_visible()
    _add(page, "Nova causa em Segunda via", "Boleto")
    expect(page.get_by_text("Causa “Boleto” incluída.")).to_be_visible()

    # The same name again, in other case and accents: refused beside the field, kept typed.
    _add(page, "Nova causa em Segunda via", "BOLETO")
    expect(page.get_by_text("Já existe a causa “BOLETO” nesta ocorrência.")).to_be_visible()
    expect(page.get_by_label("Nova causa em Segunda via")).to_have_value("BOLETO")

    # Rename in place.
    page.get_by_role("link", name="Renomear Boleto").click()
    field = page.get_by_label("Novo nome de causa Boleto")
    expect(field).to_have_value("Boleto")
    field.fill("Boleto bancário")
    page.get_by_role("button", name="Salvar").click()
    expect(page.get_by_text("Causa “Boleto” agora se chama “Boleto bancário”.")).to_be_visible()

    # Two places up: before Reclamação in every list.
    page.get_by_role("button", name="Subir Solicitação").click()
    expect(page.get_by_text("“Solicitação” subiu uma posição.")).to_be_visible()
    page.get_by_role("button", name="Subir Solicitação").click()
    # First now: its Subir is disabled once the second move is on screen (the flash of the
    # first move alone would let the next click land on the tree about to be replaced).
    expect(page.get_by_role("button", name="Subir Solicitação")).to_be_disabled()
    expect(page.locator("#catalog-tree .flash")).to_have_count(1)
    # A cause the attendants should no longer pick.
    page.get_by_role("button", name="Desativar Corpo estranho").click()
    row = page.locator(".tree-row").filter(has_text="Corpo estranho")
    expect(row).to_have_class(re.compile("inactive"))
    expect(row.get_by_text("inativa", exact=True)).to_be_visible()
    assert page.url == tree_url  # all of it in place, no page load
    page.screenshot(path="/tmp/isocrm-settings-tree.png", full_page=True)
    page.get_by_role("button", name="Sair").click()

    # The attendant opens a ticket for Maria and finds the chain in the selects.
    login(page)
    page.goto(f"/entidades/{demo['maria'].id}/atendimentos")
    page.get_by_role("button", name="Incluir").click()
    expect(page.get_by_text("Em abertura")).to_be_visible()
    page.wait_for_load_state("load")
    reasons = page.get_by_label("Motivo").locator("option")
    expect(reasons).to_have_text(["—", "Dúvida", "Elogio", "Solicitação", "Reclamação", "Sugestão"])
    page.get_by_label("Motivo").select_option(label="Reclamação")
    occurrence = page.get_by_label("Ocorrência")
    occurrence.select_option(label="Produto com defeito")
    cause = page.get_by_label("Causa")
    expect(cause.locator("option", has_text="Embalagem violada")).to_have_count(1)
    expect(cause.locator("option", has_text="Corpo estranho")).to_have_count(0)

    page.get_by_label("Motivo").select_option(label="Solicitação")
    expect(occurrence.locator("option", has_text="Segunda via")).to_have_count(1)
    occurrence.select_option(label="Segunda via")
    expect(cause.locator("option", has_text="Boleto bancário")).to_have_count(1)
    cause.select_option(label="Boleto bancário")
    page.get_by_label("Papel").select_option(label="Cliente")
    page.get_by_label("Canal").select_option(label="Telefone")
    page.get_by_label("Descrição").fill("Cliente pediu a segunda via do boleto.")
    page.get_by_role("button", name="Confirmar").click()
    expect(page.get_by_text(re.compile(r"Atendimento \d+ confirmado\."))).to_be_visible()
    page.reload()
    expect(page.get_by_label("Motivo").locator("option:checked")).to_have_text("Solicitação")
    expect(page.get_by_label("Ocorrência").locator("option:checked")).to_have_text("Segunda via")
    expect(page.get_by_label("Causa").locator("option:checked")).to_have_text("Boleto bancário")
