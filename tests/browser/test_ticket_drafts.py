"""The ticket screen never loses or changes what the attendant typed (issue 7), in Chromium
at 1366×768. Any script error or CSP violation in the console fails the test (see conftest)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import close_tab, login

pytestmark = pytest.mark.browser


def _open_marias_list(page):
    page.goto("/atendimentos/1")
    page.get_by_role("link", name="Visualiza atendimentos").click()
    expect(page.get_by_role("heading", name="Atendimentos da entidade")).to_be_visible()


def _incluir(page) -> None:
    _open_marias_list(page)
    page.get_by_role("button", name="Incluir").click()
    expect(page.get_by_text("Em abertura")).to_be_visible()
    page.wait_for_load_state("load")  # the screen's script listens from here on


def _choose_product(select, name):
    option = select.locator("option", has_text=name)
    select.select_option(value=option.get_attribute("value"))


def _wait_autosaved(page):
    expect(page.locator("#autosave-status")).to_contain_text("guardad")


def test_the_protocol_shows_first_and_a_closed_tab_loses_nothing(page):
    login(page)
    _incluir(page)
    # The protocol number before anything is typed.
    expect(page.locator(".protocol")).to_contain_text("Protocolo 000004")
    page.get_by_label("Canal").select_option(label="Telefone")
    page.get_by_label("Descrição").fill("Biscoito chegou aberto; cliente muito irritado.")
    page.get_by_label("Motivo").select_option(label="Reclamação")
    page.get_by_label("Ocorrência").select_option(label="Produto com defeito")
    page.get_by_label("Causa").select_option(label="Embalagem violada")
    page.get_by_role("button", name="Adicionar informação").click()
    line = page.locator("#info-rows tr").first
    _choose_product(line.get_by_label("Informação"), "Biscoito Integral")
    line.get_by_label("Nr. Lote").fill("L2611A")
    line.get_by_label("Data validade").fill("01/04/2027")
    _wait_autosaved(page)
    page.screenshot(path="/tmp/isocrm-draft-typing.png")

    context = page.context
    close_tab(page)  # the tab is closed mid-typing; nothing was confirmed

    again = context.new_page()
    again.goto("/atendimentos/")
    drafts = again.get_by_role("region", name="Meus rascunhos")
    expect(drafts).to_contain_text("000004")
    _open_marias_list(again)
    again.get_by_role("region", name="Rascunhos").get_by_role("link", name="Retomar").click()
    expect(again.get_by_label("Descrição")).to_have_value(
        "Biscoito chegou aberto; cliente muito irritado."
    )
    expect(again.get_by_label("Canal").locator("option:checked")).to_have_text("Telefone")
    expect(again.get_by_label("Causa").locator("option:checked")).to_have_text("Embalagem violada")
    restored = again.locator("#info-rows tr").first
    expect(restored.get_by_label("Informação").locator("option:checked")).to_contain_text(
        "Biscoito Integral"
    )
    expect(restored.get_by_label("Nr. Lote")).to_have_value("L2611A")
    expect(restored.get_by_label("Data validade")).to_have_value("01/04/2027")
    again.get_by_role("button", name="Confirmar").click()
    expect(again.get_by_text("Atendimento 000004 confirmado.")).to_be_visible()
    expect(again.get_by_text("Detalhe 1 de 1")).to_be_visible()


def test_confirmar_keeps_a_new_detail_and_an_answer_typed_on_a_saved_ticket(page):
    login(page)
    page.goto("/atendimentos/3")
    page.get_by_role("link", name="Novo detalhe").click()
    panel = page.locator("#detail-panel")
    expect(panel.get_by_text("Novo detalhe (3 de 3)")).to_be_visible()
    panel.get_by_label("Canal").select_option(label="WhatsApp")
    panel.get_by_label("Descrição").fill("Cliente mandou foto pelo WhatsApp.")
    page.get_by_label("Situação", exact=True).select_option(label="Aguardando cliente")
    page.get_by_role("button", name="Confirmar").click()
    expect(page.get_by_text("Atendimento 000003 confirmado.")).to_be_visible()
    expect(panel.get_by_text("Detalhe 3 de 3")).to_be_visible()
    expect(panel.get_by_label("Descrição")).to_have_value("Cliente mandou foto pelo WhatsApp.")

    panel.get_by_label("Resposta", exact=True).fill("Foto recebida; troca autorizada.")
    page.get_by_role("button", name="Confirmar").click()
    expect(page.get_by_text("Atendimento 000003 confirmado.")).to_be_visible()
    page.reload()
    expect(page.locator("#detail-panel").get_by_label("Resposta", exact=True)).to_have_value(
        "Foto recebida; troca autorizada."
    )
    # One primary button; the detail-only save is secondary.
    expect(page.locator("button.primary")).to_have_count(1)


def test_information_never_picks_a_product_by_itself(page):
    login(page)
    _incluir(page)
    page.get_by_role("button", name="Adicionar informação").click()
    info = page.locator("#info-rows tr").first.get_by_label("Informação")
    expect(info).to_be_visible()  # the line is on screen before the Motivo changes
    page.get_by_label("Motivo").select_option(label="Reclamação")
    page.get_by_label("Ocorrência").select_option(label="Produto com defeito")
    expect(info.locator("option", has_text="Torrada Tradicional 160g")).to_have_count(1)
    expect(info).to_have_value("")  # offered, not chosen
    _choose_product(info, "Biscoito Integral")
    chosen = info.input_value()
    # A Causa change keeps the product (still valid for the chain).
    page.get_by_label("Causa").select_option(label="Embalagem violada")
    expect(info).to_have_value(chosen)
    # Another Ocorrência: the product is cleared, and the screen says so.
    page.get_by_label("Ocorrência").select_option(label="Atraso na entrega")
    expect(page.get_by_text("A informação escolhida antes não vale")).to_be_visible()
    expect(info).to_have_value("")
    # Back to the first: nothing is picked for the attendant.
    page.get_by_label("Ocorrência").select_option(label="Produto com defeito")
    expect(info.locator("option", has_text="Biscoito Integral")).to_have_count(1)
    expect(info).to_have_value("")


def test_a_stored_unit_no_longer_linked_is_shown_and_kept(page):
    login(page)
    page.goto("/atendimentos/3")
    unit = page.get_by_label("Unidade")
    stored = "Filial Campinas (não vinculada à entidade)"
    expect(unit.locator("option:checked")).to_have_text(stored)
    page.screenshot(path="/tmp/isocrm-stored-unit.png")
    page.get_by_role("button", name="Confirmar").click()
    expect(page.get_by_text("Nada mudou")).to_be_visible()
    expect(unit.locator("option:checked")).to_have_text(stored)


def test_leaving_with_unsaved_edits_asks_first(page):
    login(page)
    page.goto("/atendimentos/3")
    panel = page.locator("#detail-panel")
    panel.get_by_label("Resposta", exact=True).fill("Texto que o atendente ainda não salvou")
    _wait_autosaved(page)
    asked: list[str] = []

    def refuse(dialog):
        asked.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", refuse)
    # The pager: asked, refused, the text is still there.
    panel.get_by_role("link", name="Detalhe anterior").click()
    expect(panel.get_by_text("Detalhe 2 de 2")).to_be_visible()
    expect(panel.get_by_label("Resposta", exact=True)).to_have_value(
        "Texto que o atendente ainda não salvou"
    )
    assert asked == ["confirm"]
    # A full-page screen of the icon bar: the browser asks before leaving.
    page.get_by_role("link", name="Visualiza atendimentos").click()
    page.wait_for_timeout(300)
    assert "beforeunload" in asked
    assert re.search(r"/atendimentos/3$", page.url)
    page.remove_listener("dialog", refuse)

    # Leaving anyway: coming back, the unsaved text is restored.
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("link", name="Visualiza atendimentos").click()
    expect(page.get_by_role("heading", name="Atendimentos da entidade")).to_be_visible()
    page.goto("/atendimentos/3")
    expect(page.get_by_text("Restauramos o que você digitou")).to_be_visible()
    expect(page.locator("#detail-panel").get_by_label("Resposta", exact=True)).to_have_value(
        "Texto que o atendente ainda não salvou"
    )


def test_dates_are_checked_and_round_trip(page):
    login(page)
    _incluir(page)
    page.get_by_label("Canal").select_option(label="E-mail")
    page.get_by_label("Descrição").fill("E-mail recebido ontem")
    received = page.get_by_label("Data de recebimento")
    received.fill("27/11/0202 10:15")
    page.get_by_role("button", name="Confirmar").click()
    expect(page.get_by_text("ano entre 1900 e 2100")).to_be_visible()
    expect(received).to_have_value("27/11/0202 10:15")
    received.fill("27/11/2026 10:1")
    page.get_by_role("button", name="Confirmar").click()
    expect(page.get_by_text("ano entre 1900 e 2100")).to_be_visible()
    received.fill("27/11/2026 10:15")
    page.get_by_role("button", name="Confirmar").click()
    expect(page.get_by_text("Atendimento 000004 confirmado.")).to_be_visible()
    expect(received).to_have_value("27/11/2026 10:15")
    page.get_by_role("button", name="Confirmar").click()
    expect(page.get_by_text("Nada mudou")).to_be_visible()
    expect(received).to_have_value("27/11/2026 10:15")


def test_back_after_confirmar_and_confirmar_again_makes_no_second_ticket(page):
    login(page)
    _incluir(page)
    page.get_by_label("Canal").select_option(label="Telefone")
    page.get_by_label("Descrição").fill("Uma reclamação só")
    page.get_by_role("button", name="Confirmar").click()
    expect(page.get_by_text("Atendimento 000004 confirmado.")).to_be_visible()
    page.go_back()
    page.get_by_role("button", name="Confirmar").click()
    expect(page.locator("#ticket-code")).to_have_text("000004")
    _open_marias_list(page)
    rows = page.get_by_role("region", name="Atendimentos da entidade").get_by_role("row")
    expect(rows.filter(has_text="000004")).to_have_count(1)
    expect(rows.filter(has_text="000005")).to_have_count(0)
    page.goto("/atendimentos/4")
    expect(page.get_by_text("Detalhe 1 de 1")).to_be_visible()


def test_a_logout_in_another_tab_does_not_lose_the_ticket(page):
    login(page)
    _incluir(page)
    page.get_by_label("Canal").select_option(label="Telefone")
    page.get_by_label("Descrição").fill("Digitado enquanto a outra aba saiu")
    other = page.context.new_page()
    other.goto("/atendimentos/")
    other.get_by_role("button", name="Sair").click()
    expect(other.get_by_text("Você saiu do sistema.")).to_be_visible()
    close_tab(other)

    page.get_by_role("button", name="Confirmar").click()
    expect(page.get_by_text("o que você digitou foi guardado")).to_be_visible()
    page.get_by_label("Usuário").fill("atendente")
    page.get_by_label("Senha").fill("atendente123")
    page.get_by_role("button", name="Entrar").click()
    expect(page.locator("#ticket-code")).to_have_text("000004")
    expect(page.get_by_label("Descrição")).to_have_value("Digitado enquanto a outra aba saiu")
    page.get_by_role("button", name="Confirmar").click()
    expect(page.get_by_text("Atendimento 000004 confirmado.")).to_be_visible()


def test_a_resized_answer_box_does_not_break_the_csp_when_the_panel_is_swapped(page):
    """Chromium writes a style attribute on a textarea the attendant resized; the panel
    swap must not copy it back with setAttribute (blocked by the CSP, logged as an error)."""
    login(page)
    page.goto("/atendimentos/3")
    panel = page.locator("#detail-panel")
    panel.get_by_label("Resposta", exact=True).evaluate("el => { el.style.height = '140px'; }")
    panel.get_by_role("link", name="Detalhe anterior").click()
    expect(panel.get_by_text("Detalhe 1 de 2")).to_be_visible()
    panel.get_by_label("Resposta", exact=True).evaluate("el => { el.style.height = '90px'; }")
    panel.get_by_role("link", name="Próximo detalhe").click()
    expect(panel.get_by_text("Detalhe 2 de 2")).to_be_visible()
