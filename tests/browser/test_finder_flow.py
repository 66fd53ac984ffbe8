"""Busca in real Chromium: "/" focuses the header's box; a ticket is found by its code, by
a phone typed with other punctuation, by an e-mail and by a phrase of its description."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def _search(page, typed: str) -> None:
    page.keyboard.press("Escape")
    page.locator("body").click(position={"x": 5, "y": 700})
    page.keyboard.press("/")
    box = page.get_by_role("searchbox", name="Buscar atendimento ou entidade")
    expect(box).to_be_focused()
    page.keyboard.type(typed)
    page.keyboard.press("Enter")


def test_slash_focuses_the_box_but_not_while_typing(page):
    login(page)
    page.goto("/atendimentos/")  # a screen with a text field of its own
    entity_box = page.get_by_label("NOME/RAZÃO SOCIAL ou CPF/CNPJ")
    entity_box.fill("")
    entity_box.press("/")  # typed into a field: stays there
    expect(entity_box).to_have_value("/")
    expect(entity_box).to_be_focused()
    page.locator("h1").click()
    page.keyboard.press("Control+/")  # a modifier: not ours
    expect(page.get_by_role("searchbox", name="Buscar atendimento ou entidade")).not_to_be_focused()
    page.keyboard.press("/")
    expect(page.get_by_role("searchbox", name="Buscar atendimento ou entidade")).to_be_focused()
    page.screenshot(path="/tmp/isocrm-finder-header.png")


def test_find_a_ticket_four_ways(page):
    login(page)
    # By code, with zeros: straight to the ticket.
    _search(page, "000003")
    expect(page.get_by_role("heading", name=re.compile("Atendimento 000003"))).to_be_visible()
    page.go_back()
    page.wait_for_url(lambda url: url.endswith("/"))  # back on the painel

    # By a phone typed another way (stored as (11) 98765-4321), without the DDD.
    _search(page, "98765 4321")
    expect(page.get_by_role("heading", name="Busca")).to_be_visible()
    tickets = page.get_by_role("region", name="Atendimentos").or_(
        page.locator("section.finder-group").first
    )
    expect(tickets.get_by_role("link", name="000003")).to_be_visible()
    expect(page.get_by_role("link", name="Maria Aparecida da Silva")).to_be_visible()
    page.screenshot(path="/tmp/isocrm-finder-phone.png")

    # By an e-mail in other capitals.
    _search(page, "Maria.Aparecida@Example.com.br")
    expect(page.get_by_role("link", name="000001")).to_be_visible()

    # By a phrase of the description, accents left out.
    _search(page, "embalagem aberta na lat")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="000001"))
    expect(row.locator("mark")).to_have_text(["embalagem", "aberta", "na", "lateral"])
    expect(page.get_by_role("link", name="000002")).to_have_count(0)
    page.screenshot(path="/tmp/isocrm-finder-words.png")
    row.get_by_role("link", name="000001").click()
    expect(page.get_by_role("heading", name=re.compile("Atendimento 000001"))).to_be_visible()

    # Back returns to the results, and Back again to the previous search.
    page.go_back()
    expect(page.get_by_role("searchbox", name="Buscar atendimento ou entidade")).to_have_value(
        "embalagem aberta na lat"
    )
    expect(page.get_by_role("link", name="000001")).to_be_visible()
    page.go_back()
    expect(page.get_by_role("link", name="000001")).to_be_visible()
    assert "Example.com.br" in page.url or "Example.com.br" in page.content()


def test_supervisor_header_still_fits(page):
    """The box shares the header with the Empresa switch: every control stays clickable."""
    login(page, "supervisor", "supervisor123")
    page.screenshot(path="/tmp/isocrm-finder-header-supervisor.png")
    expect(page.get_by_role("button", name="Trocar")).to_be_visible()
    page.get_by_role("button", name="Trocar").click(trial=True)
    page.get_by_role("button", name="Sair").click(trial=True)
    page.get_by_role("banner").get_by_role("button", name="Buscar").click(trial=True)
