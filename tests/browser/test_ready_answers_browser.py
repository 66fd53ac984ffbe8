"""Respostas prontas on the ticket screen, with the keyboard only, in real Chromium at
1366×768: Ctrl+Espaço in Resposta opens the picker on the answers of the ticket's
Ocorrência, typing filters, ↓ and Enter insert the answer filled for the ticket where the
cursor was; "//" typed in Resposta does the same; Esc goes back to Resposta."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser

SHOT = "/tmp/isocrm-ready-answers.png"


def test_an_answer_is_picked_and_filled_with_the_keyboard_only(page, demo):
    login(page)
    page.goto("/atendimentos/1")
    page.wait_for_load_state("load")
    answer = page.locator("#answer")
    answer.focus()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.type("Bom dia! ")

    # Ctrl+Espaço: the picker, the Ocorrência's answer first and active.
    page.keyboard.press("Control+Space")
    box = page.get_by_role("combobox", name="Resposta pronta")
    expect(box).to_be_focused()
    expect(box).to_have_attribute("aria-expanded", "true")
    listbox = page.locator("#ready-answer-listbox")
    options = listbox.get_by_role("option")
    expect(options).to_have_count(3)
    expect(options.first).to_contain_text("Troca aprovada")
    expect(options.nth(1)).to_contain_text("Reclamação registrada")
    expect(options.nth(2)).to_contain_text("Agradecimento pelo contato")
    active = page.locator("#" + box.get_attribute("aria-activedescendant"))
    expect(active).to_contain_text("Troca aprovada")
    # Typing filters (accents and case do not matter).
    page.keyboard.type("RECLAMACAO")
    expect(options).to_have_count(1)
    expect(page.locator("#ready-answer-count")).to_have_text("1 resultado")
    page.screenshot(path=SHOT)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")

    # Inserted at the cursor, filled for Maria's ticket 000001; the focus back in Resposta.
    expect(answer).to_be_focused()
    maria = demo["maria"].name
    expect(answer).to_have_value(
        f"Bom dia! {maria}, sua reclamação foi registrada sob o protocolo 000001. "
        "Retornaremos em até 5 dias úteis."
    )
    expect(page.locator("#ready-answer-picker")).to_be_hidden()

    # "//" typed at the end: the slashes go, the picker opens; a single match, Enter.
    page.keyboard.press("End")
    page.keyboard.type(" //")
    expect(box).to_be_focused()
    page.keyboard.type("agradec")
    expect(options).to_have_count(1)

    def kept(response):  # the autosave that carries the inserted text
        request = response.request
        return request.url.endswith("/rascunho") and "Obrigado pelo" in (request.post_data or "")

    with page.expect_response(kept) as saved:
        page.keyboard.press("Enter")
    expect(answer).to_be_focused()
    expect(answer).to_have_value(re.compile(r"5 dias úteis\. Obrigado pelo contato, " + maria))
    expect(answer).not_to_have_value(re.compile("//"))

    # Esc with the list closed goes back to Resposta and inserts nothing.
    before = answer.input_value()
    page.keyboard.press("Control+Space")
    expect(box).to_be_focused()
    page.keyboard.press("Escape")  # closes the list
    page.keyboard.press("Escape")  # back to Resposta
    expect(answer).to_be_focused()
    expect(answer).to_have_value(before)
    # The autosave kept the inserted text: a reload shows it.
    assert saved.value.ok
    page.reload()
    expect(page.locator("#answer")).to_have_value(before)


def test_the_button_inserts_where_the_cursor_was_left(page, demo):
    """A mouse user: the cursor placed in Resposta, then the button and a click on an answer."""
    login(page)
    page.goto("/atendimentos/1")
    answer = page.locator("#answer")
    answer.fill("Atenciosamente.")
    answer.focus()
    page.keyboard.press("Control+Home")  # the cursor at the start of Resposta
    page.get_by_role("button", name="Respostas prontas").click()
    expect(page.get_by_role("combobox", name="Resposta pronta")).to_be_focused()
    page.locator("#ready-answer-listbox").get_by_role(
        "option", name=re.compile("Troca aprovada")
    ).click()
    expect(answer).to_have_value(
        re.compile(r"^Olá, " + demo["maria"].name + r"\. A troca .* 000001 .*\.Atenciosamente\.$")
    )
    expect(page.get_by_role("button", name="Respostas prontas")).to_have_attribute(
        "aria-expanded", "false"
    )
