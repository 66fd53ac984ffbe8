"""What a screen reader is given, in real Chromium: the fixes from a session with Orca 43
(Debian 12) driving Chromium by real keystrokes (see README, "Keyboard and accessibility").

Orca itself is not run here (it needs an X display, D-Bus, AT-SPI and a speech server);
these tests pin what the app does so that Orca said the right thing: messages said once
through the page's one live region and then taken out of it, search results said on
arrival, an Incluir shortcut with a modifier (Orca keeps plain letters for itself), a
picker's hint read with the field, and each icon named once."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def _ax_node(page, selector: str) -> dict:
    """Chromium's accessibility node of the element: its computed name and description."""
    session = page.context.new_cdp_session(page)
    try:
        document = session.send("DOM.getDocument", {"depth": 0})
        node = session.send(
            "DOM.querySelector", {"nodeId": document["root"]["nodeId"], "selector": selector}
        )
        tree = session.send(
            "Accessibility.getPartialAXTree", {"nodeId": node["nodeId"], "fetchRelatives": False}
        )
    finally:
        session.detach()
    ax = tree["nodes"][0]
    return {
        "name": ax.get("name", {}).get("value", ""),
        "description": ax.get("description", {}).get("value", ""),
    }


def test_a_saved_message_is_said_once_and_not_again_after_a_dialog(page, demo):
    login(page)
    page.goto(f"/entidades/{demo['maria'].id}/atendimentos")
    with page.expect_navigation():
        page.keyboard.press("i")
    page.keyboard.press("t")  # Canal: Telefone
    page.keyboard.press("Tab")
    page.keyboard.type("Cliente pede a troca do pacote.")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    flashes = page.locator(".flashes")
    expect(flashes).to_contain_text("confirmado")
    # The page's messages are not a live region of their own (one that comes with the
    # page is read again when a modal closes); the announcer says them, then empties.
    expect(flashes).not_to_have_attribute("role", "status")
    announcer = page.locator("#announcer")
    expect(announcer).to_contain_text("confirmado")
    # While the region repeats it, the tests' page.get_by_text still finds the one message a
    # person sees (tests/browser/conftest.py leaves the live regions out).
    expect(page.get_by_text(re.compile(r"^Atendimento \d+ confirmado\.$"))).to_have_count(1)
    expect(announcer).to_have_text("", timeout=15_000)
    page.keyboard.press("?")
    expect(page.locator("#shortcut-help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(announcer).to_have_text("")


def test_search_results_are_said_when_the_page_arrives(page, demo):
    login(page)
    page.keyboard.press("/")
    page.keyboard.type("Maria")
    page.keyboard.press("Enter")
    page.wait_for_url("**/busca?**")
    announcer = page.locator("#announcer")
    expect(announcer).to_contain_text("atendimento")
    expect(announcer).to_contain_text("entidade")
    expect(announcer).to_contain_text("encontrad")
    page.goto("/busca?q=zzzz-nada-disso")
    expect(announcer).to_contain_text("Nenhum atendimento encontrado.")
    expect(announcer).to_contain_text("Nenhuma entidade encontrada.")


def test_incluir_has_a_shortcut_a_screen_reader_lets_through(page, demo):
    login(page)
    page.goto(f"/entidades/{demo['maria'].id}/atendimentos")
    # Focus on a link, as in a screen reader's browse mode.
    page.get_by_role("link", name="Painel").focus()
    with page.expect_navigation():
        page.keyboard.press("Alt+i")
    expect(page).to_have_url(re.compile(r"/atendimentos/\d+$"))
    expect(page.get_by_label("Canal")).to_be_focused()


def test_the_contact_pickers_hint_is_read_with_it(page, demo):
    login(page)
    page.goto("/atendimentos/1?detalhe=1")
    contact = _ax_node(page, "#contact_entity_id")
    assert contact["name"] == "Contato"
    assert "Relacionado com" in contact["description"]


def test_each_icon_is_named_once(page, demo):
    login(page)
    page.goto("/atendimentos/1?detalhe=1")
    icons = page.locator(".icon-bar .icon-button")
    count = icons.count()
    assert count >= 9
    for n in range(count):
        page.evaluate(
            "n => document.querySelectorAll('.icon-bar .icon-button')[n].dataset.probe = n", n
        )
        ax = _ax_node(page, f'[data-probe="{n}"]')
        assert ax["name"], n
        # The tooltip is not read a second time as a description of the same words.
        assert ax["description"] != ax["name"], ax
