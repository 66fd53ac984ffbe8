"""Pesquisa de satisfação in real Chromium: an attendant concludes a ticket, the customer
opens the e-mailed link (another browser, no login) and answers with the keyboard alone."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser

LINK = re.compile(r"https?://\S+/pesquisa/[A-Za-z0-9_-]+")


def test_the_customer_rates_with_the_keyboard(page, browser, live_server, smtp, tmp_path):
    login(page)
    page.goto("/atendimentos/3")
    page.get_by_label("Situação", exact=True).select_option(label="Concluído")
    page.get_by_role("button", name="Confirmar").click()
    expect(page.get_by_text("Atendimento 000003 confirmado.")).to_be_visible()
    (message,) = smtp.handler.messages
    link = LINK.search(message.get_content()).group(0)

    # The customer's own browser: nothing of the attendant's session.
    context = browser.new_context(locale="pt-BR", viewport={"width": 1366, "height": 768})
    customer = context.new_page()
    customer.goto(link)
    expect(customer.get_by_role("heading", name="Pesquisa de satisfação")).to_be_visible()
    expect(customer.get_by_text("000003")).to_be_visible()
    expect(customer.get_by_role("navigation")).to_have_count(0)

    # Keyboard only: Tab into the group, arrows to 4, Tab to the comment, Enter on the button.
    customer.keyboard.press("Tab")
    expect(customer.get_by_role("radio", name=re.compile("^1 "))).to_be_focused()
    for _ in range(3):
        customer.keyboard.press("ArrowDown")
    four = customer.get_by_role("radio", name=re.compile("^4 "))
    expect(four).to_be_checked()
    expect(four).to_be_focused()
    customer.keyboard.press("Tab")
    expect(customer.get_by_label("Comentário (opcional)")).to_be_focused()
    customer.keyboard.type("Atendente atenciosa.")
    customer.screenshot(path=str(tmp_path / "survey.png"), full_page=False)
    customer.keyboard.press("Tab")
    expect(customer.get_by_role("button", name="Enviar resposta")).to_be_focused()
    customer.keyboard.press("Enter")
    expect(customer.get_by_text("Obrigado! Sua resposta foi registrada.")).to_be_visible()

    # Once only.
    customer.goto(link)
    expect(customer.get_by_text("Esta pesquisa já foi respondida.")).to_be_visible()
    context.close()

    # The desk sees it on Maria's Pesquisa, with the atendimento it rated.
    page.goto("/entidades/1/pesquisas")
    row = page.get_by_role("row").filter(has_text="Pesquisa de satisfação do atendimento")
    expect(row.get_by_role("link", name="000003")).to_be_visible()
    row.get_by_role("link", name="Pesquisa de satisfação do atendimento").click()
    expect(page.get_by_text("Atendente atenciosa.")).to_be_visible()
    expect(page.get_by_text("4", exact=True)).to_be_visible()

    # And the painel's figures: one answer, 4,0, for the ticket's Responsável and its Motivo.
    page.goto("/?aba=todos")
    figures = page.get_by_role("region", name="Satisfação dos clientes")
    figures.scroll_into_view_if_needed()
    by_attendant = figures.get_by_role("table", name="Por atendente (responsável ao concluir)")
    expect(by_attendant.get_by_role("row")).to_have_count(2)
    expect(by_attendant.get_by_role("row").nth(1)).to_contain_text(re.compile(r"1\s*4,0"))
    by_reason = figures.get_by_role("table", name="Por motivo")
    expect(by_reason.get_by_role("row").nth(1)).to_contain_text(re.compile(r"1\s*4,0"))
    page.screenshot(path=str(tmp_path / "painel.png"))
