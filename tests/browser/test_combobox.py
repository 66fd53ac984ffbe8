"""The pickers as one combobox (macros/combobox.html, static/js/combobox.js), with the
keyboard only, in real Chromium at 1366×768: type part of a name, ↓ + Enter picks, Enter
alone picks a single match, Esc closes the list and a second Esc restores; the ARIA of the
WAI-ARIA combobox pattern; the choice is saved by Confirmar and shown again on reload."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def _listbox(page, box):
    return page.locator("#" + box.get_attribute("aria-controls"))


def _hidden(page, box):
    return page.locator("#" + box.get_attribute("id") + "-value")


def _expect_active_option(page, box, name):
    """aria-activedescendant names an option of the list, the one with aria-selected=true."""
    listbox = _listbox(page, box)
    expect(box).to_have_attribute("aria-activedescendant", re.compile(".+"))
    active = page.locator("#" + box.get_attribute("aria-activedescendant"))
    expect(active).to_have_attribute("role", "option")
    expect(active).to_have_attribute("aria-selected", "true")
    expect(active).to_contain_text(name)
    expect(listbox.locator("[aria-selected=true]")).to_have_count(1)
    return active


def test_pickers_on_the_ticket_screen_with_the_keyboard(page, demo):
    login(page)
    page.goto("/atendimentos/1")
    page.wait_for_load_state("load")

    # Local: part of a name, ↓ + Enter.
    local = page.get_by_role("combobox", name="Local", exact=True)
    expect(local).to_have_attribute("aria-autocomplete", "list")
    expect(local).to_have_attribute("aria-expanded", "false")
    expect(local).not_to_have_attribute("name", re.compile(".*"))
    before_text, before_value = local.input_value(), _hidden(page, local).input_value()
    local.focus()
    local.press("Control+a")
    page.keyboard.type("bom pre")
    expect(local).to_have_attribute("aria-expanded", "true")
    listbox = _listbox(page, local)
    expect(listbox).to_be_visible()
    expect(listbox.get_by_role("option")).to_have_count(1)
    expect(page.locator("#location_entity_id-count")).to_have_text("1 resultado")
    expect(_hidden(page, local)).to_have_value("")  # typing clears the chosen id
    # Esc closes the list; a second Esc brings back what was there.
    page.keyboard.press("Escape")
    expect(local).to_have_attribute("aria-expanded", "false")
    expect(listbox).to_be_hidden()
    expect(local).to_have_value("bom pre")
    page.keyboard.press("Escape")
    expect(local).to_have_value(before_text)
    expect(_hidden(page, local)).to_have_value(before_value)
    # Alt+↓ opens the list without choosing anything; Alt+↑ closes it.
    local.press("Control+a")
    page.keyboard.type("mercado")
    expect(local).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Alt+ArrowUp")
    expect(local).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Alt+ArrowDown")
    expect(local).to_have_attribute("aria-expanded", "true")
    expect(local).not_to_have_attribute("aria-activedescendant", re.compile(".+"))
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    expect(local).to_have_value(before_text)
    # Now pick with ↓ + Enter.
    local.press("Control+a")
    page.keyboard.type("mercado")
    expect(local).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    _expect_active_option(page, local, "Mercado Bom Preço Ltda")
    page.screenshot(path="/tmp/isocrm-combobox-open.png")
    page.keyboard.press("Enter")
    expect(local).to_have_attribute("aria-expanded", "false")
    expect(local).not_to_have_attribute("aria-activedescendant", re.compile(".*"))
    expect(local).to_have_value(re.compile("^Mercado Bom Preço Ltda"))
    expect(_hidden(page, local)).to_have_value(str(demo["mercado"].id))
    expect(page).to_have_url(re.compile("/atendimentos/1$"))  # Enter submitted nothing

    # SAC Relacionado: one match, Enter alone picks it.
    related = page.get_by_role("combobox", name="SAC Relacionado")
    related.focus()
    related.press("Control+a")
    page.keyboard.type("2")
    expect(_listbox(page, related).get_by_role("option")).to_have_count(1)
    expect(page.locator("#related_ticket_id-count")).to_have_text("1 resultado")
    page.keyboard.press("Enter")
    expect(related).to_have_value(re.compile("000002"))
    expect(related).to_have_attribute("aria-expanded", "false")
    expect(_hidden(page, related)).to_have_value(str(demo["ticket_2"].id))

    # Contato: several people listed for an empty text; ↓ ↓ ↑ moves, then one match typed
    # and Enter at once (before the list came): the only match is picked when it comes.
    contact = page.get_by_role("combobox", name="Contato", exact=True)
    contact.focus()
    contact.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.press("ArrowDown")
    expect(contact).to_have_attribute("aria-expanded", "true")
    first = _expect_active_option(page, contact, "")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    expect(contact).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    page.keyboard.press("Escape")
    page.keyboard.type("ana")
    page.keyboard.press("Enter")
    expect(contact).to_have_value(re.compile("^Ana Beatriz da Silva"))
    expect(_hidden(page, contact)).to_have_value(str(demo["ana"].id))
    expect(contact).to_have_attribute("aria-expanded", "false")

    # A half-typed name is never saved: nothing chosen, nothing posted for it.
    # (Tab leaves the box without picking.)
    page.screenshot(path="/tmp/isocrm-combobox.png")
    page.keyboard.press("Control+Enter")  # Confirmar
    expect(page.get_by_text("Atendimento 000001 confirmado.")).to_be_visible()

    page.reload()
    expect(page.get_by_role("combobox", name="Local", exact=True)).to_have_value(
        re.compile("^Mercado Bom Preço Ltda")
    )
    expect(page.get_by_role("combobox", name="SAC Relacionado")).to_have_value(re.compile("000002"))
    expect(page.get_by_role("combobox", name="Contato", exact=True)).to_have_value(
        re.compile("^Ana Beatriz da Silva")
    )


def test_tab_picks_nothing_and_a_half_typed_name_is_not_saved(page, demo):
    login(page)
    page.goto("/atendimentos/1")
    page.wait_for_load_state("load")
    local = page.get_by_role("combobox", name="Local", exact=True)
    local.focus()
    local.press("Control+a")
    page.keyboard.type("mercado")
    expect(local).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    expect(local).to_have_attribute("aria-expanded", "false")
    expect(local).to_have_value("mercado")
    expect(_hidden(page, local)).to_have_value("")
    expect(page.locator("#location_entity_id-count")).to_have_text("Nada escolhido da lista.")
    page.keyboard.press("Control+Enter")
    expect(page.get_by_text("Atendimento 000001 confirmado.")).to_be_visible()
    page.reload()
    expect(page.get_by_role("combobox", name="Local", exact=True)).to_have_value("")


def test_relacionado_com_picker_with_the_keyboard(page, demo):
    login(page)
    page.goto(f"/entidades/{demo['maria'].id}/cadastro")
    related = page.locator("#relacionados")
    related.locator("summary", has_text="Adicionar relacionado").focus()
    page.keyboard.press("Enter")
    box = related.get_by_role("combobox", name="Entidade já cadastrada")
    expect(box).to_be_visible()
    box.focus()
    page.keyboard.type("merc")
    expect(box).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")
    _expect_active_option(page, box, "Mercado Bom Preço Ltda")
    page.keyboard.press("Enter")
    expect(box).to_have_value(re.compile("^Mercado Bom Preço Ltda"))
    expect(related.get_by_text("Relacionamento já adicionado.")).to_have_count(0)  # no submit
    related.get_by_label("Tipo de relação").select_option(index=1)
    related.get_by_role("button", name="Adicionar relacionado").click()
    expect(page.locator("#relacionados")).to_contain_text("Mercado Bom Preço Ltda relacionado(a).")
    expect(
        page.locator("#relacionados").get_by_role("link", name=re.compile("Mercado Bom Preço"))
    ).to_be_visible()


def test_a_pick_is_autosaved_and_shown_again_after_a_reload(page, demo):
    login(page)
    page.goto("/atendimentos/1")
    page.wait_for_load_state("load")
    related = page.get_by_role("combobox", name="SAC Relacionado")
    related.focus()
    page.keyboard.type("000002")
    expect(_listbox(page, related).get_by_role("option")).to_have_count(1)
    page.keyboard.press("Enter")
    expect(page.locator("#autosave-status")).to_contain_text("guardad")
    page.reload()  # not confirmed: the screen comes back from the kept copy
    related = page.get_by_role("combobox", name="SAC Relacionado")
    expect(related).to_have_value(re.compile("000002"))
    expect(_hidden(page, related)).to_have_value(str(demo["ticket_2"].id))
