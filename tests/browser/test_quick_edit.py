"""Cadastro simplificado as a dialog over the ticket, in real Chromium."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_quick_edit_refreshes_the_card_and_keeps_what_was_typed(page):
    login(page)
    page.goto("/atendimentos/1")
    page.get_by_label("Dados Complementares").fill("Digitado e ainda não confirmado")
    page.get_by_role("link", name="Cadastro simplificado").click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_contain_text("Cadastro simplificado")
    dialog.get_by_label("Telefone", exact=True).fill("(11) 91234-5678")
    dialog.get_by_role("button", name="Salvar").click()
    expect(page.locator("dialog[open]")).to_have_count(0)
    expect(page.locator("#entity-card")).to_contain_text("(11) 91234-5678")
    expect(page.get_by_label("Dados Complementares")).to_have_value(
        "Digitado e ainda não confirmado"
    )
