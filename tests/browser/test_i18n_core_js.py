"""The scripts speak the user's language (#js-texts in base.html): the combobox's count of
results, in real Chromium, for a user who chose English."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_the_combobox_counts_in_english_for_an_english_user(page, demo):
    login(page)
    page.goto("/preferencias")
    page.locator("select[name=language]").select_option("en")
    page.get_by_role("button", name="Salvar").click()
    page.wait_for_load_state("load")

    page.goto("/atendimentos/1")
    page.wait_for_load_state("load")
    local = page.get_by_role("combobox", name="Location", exact=True)
    local.focus()
    local.press("Control+a")
    page.keyboard.type("bom pre")
    expect(page.locator("#location_entity_id-count")).to_have_text("1 result")
    local.press("Control+a")
    page.keyboard.type("zzzzzz")
    expect(page.locator("#location_entity_id-count")).to_have_text("No results")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
