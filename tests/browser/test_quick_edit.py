"""Cadastro simplificado as a dialog over the ticket, in real Chromium."""

import re

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


def test_quick_edit_dialog_closes_with_escape_and_gives_the_focus_back(page):
    login(page)
    page.goto("/atendimentos/1")
    icon = page.get_by_role("link", name="Cadastro simplificado")
    icon.click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_contain_text("Cadastro simplificado")
    # The focus moves into the dialog, and Escape from a field closes it.
    expect(dialog.locator(":focus")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(page.locator("dialog[open]")).to_have_count(0)
    expect(icon).to_be_focused()
    # Fechar gives the focus back as well; Escape with no dialog open changes nothing.
    icon.click()
    page.locator("dialog[open]").get_by_role("button", name="Fechar").click()
    expect(page.locator("dialog[open]")).to_have_count(0)
    expect(icon).to_be_focused()
    page.keyboard.press("Escape")
    expect(icon).to_be_focused()


def test_alerts_dialog_closes_with_escape_and_gives_the_focus_back(page):
    login(page)
    page.goto("/atendimentos/1")
    page.get_by_role("link", name="Alertas").click()
    dialog = page.get_by_role("dialog", name=re.compile("Alertas de Maria"))
    expect(dialog).to_be_visible()
    expect(dialog.locator(":focus")).to_have_count(1)  # the dialog's script is there
    page.keyboard.press("Escape")
    expect(page.locator("dialog[open]")).to_have_count(0)
    expect(page.locator("#alert-icon")).to_be_focused()


def test_dialogs_are_modal_the_page_behind_is_out_of_reach(page):
    login(page)
    page.goto("/atendimentos/1")
    for name in ("Alertas", "Cadastro simplificado"):
        page.get_by_role("link", name=name).click()
        dialog = page.locator("dialog[open]")
        expect(dialog).to_have_count(1)
        assert dialog.evaluate("d => d.matches(':modal')") is True
        # Tab after Tab stays inside the dialog (the page behind is inert).
        for _ in range(25):
            page.keyboard.press("Tab")
            inside = page.evaluate(
                "document.activeElement === document.body || "
                "document.querySelector('dialog[open]').contains(document.activeElement)"
            )
            assert inside, f"{name}: Tab left the dialog"
        # A click on the page behind does not reach it.
        page.mouse.click(5, 300)
        expect(page.locator("dialog[open]")).to_have_count(1)
        page.keyboard.press("Escape")
        expect(page.locator("dialog[open]")).to_have_count(0)
    # The script is the static file every page loads, not one inside the fragment.
    assert page.locator("#alerts-dialog script, #dialog-slot script").count() == 0
    assert page.locator("head script[src$='/static/js/dialogs.js']").count() == 1
