"""An attendant logs in and finds entities as she types, in real Chromium."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def _search(page, text):
    # htmx wires the box when the page has loaded; typing into it earlier is a keystroke
    # nobody listens to (a machine under load showed it once in a CI run).
    page.wait_for_load_state("load")
    box = page.get_by_label("NOME/RAZÃO SOCIAL ou CPF/CNPJ")
    box.fill(text)
    return page.locator("#results")


def test_find_maria_by_name_and_cpf_as_you_type(page):
    login(page)
    page.get_by_role("navigation", name="Menu lateral").get_by_role(
        "link", name="Atendimentos"
    ).click()
    expect(page.get_by_role("heading", name="Atendimentos")).to_be_visible()

    for text in ("maria aparecida", "529.982.247-25", "52998224725"):
        results = _search(page, text)
        expect(
            results.get_by_role("cell", name="Maria Aparecida da Silva", exact=True)
        ).to_be_visible()
        # The URL follows the search, so reload and Back work.
        expect(page).to_have_url(re.compile(r"q=" + re.escape(text.split()[0])))

    page.reload()
    expect(page.get_by_role("cell", name="Maria Aparecida da Silva", exact=True)).to_be_visible()
    expect(page.get_by_label("NOME/RAZÃO SOCIAL ou CPF/CNPJ")).to_have_value("52998224725")


def test_entity_without_role_shows_disabled_sac(page):
    login(page)
    page.goto("/atendimentos/")
    results = _search(page, "Joaquim")
    row = results.get_by_role("row").filter(has_text="Joaquim Pereira")
    sac = row.get_by_role("link", name="SAC")
    expect(sac).to_have_attribute("aria-disabled", "true")
    expect(sac).to_have_attribute("title", re.compile("papel"))


def test_sac_opens_entity_tickets_and_back_returns_to_results(page):
    login(page)
    page.goto("/atendimentos/")
    results = _search(page, "maria aparecida")
    row = results.get_by_role("row").filter(has_text="Maria Aparecida da Silva")
    row.get_by_role("link", name="SAC").click()
    expect(page.get_by_role("heading", name="Maria Aparecida da Silva")).to_be_visible()
    expect(page.get_by_role("heading", name="Atendimentos da entidade")).to_be_visible()
    page.go_back()
    expect(page.get_by_role("cell", name="Maria Aparecida da Silva", exact=True)).to_be_visible()


def test_nothing_found_is_said(page):
    login(page)
    page.goto("/atendimentos/")
    results = _search(page, "xyzxyzxyz")
    expect(results).to_contain_text("Nenhuma entidade encontrada")
