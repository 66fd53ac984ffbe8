"""Cadastro and Alertas from Maria's ticket, in a real browser."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import login


def test_complete_registration_shows_the_related_contacts(page):
    login(page)
    page.goto("/atendimentos/1")
    page.get_by_role("link", name="Cadastro completo").click()
    expect(page.get_by_role("heading", name=re.compile("Cadastro completo"))).to_be_visible()
    related = page.locator("#relacionados")
    expect(related.get_by_role("link", name="José Carlos da Silva")).to_be_visible()
    expect(related.get_by_role("link", name="Ana Beatriz da Silva")).to_be_visible()

    # a phone added in place becomes part of the list without leaving the page
    phones = page.locator("#telefones")
    phones.locator("summary").click()
    phones.get_by_label("Telefone").fill("(11) 2222-3333")
    phones.get_by_role("button", name="Adicionar telefone").click()
    expect(page.locator("#telefones")).to_contain_text("(11) 2222-3333")
    expect(page.locator("#telefones")).to_contain_text("Telefone adicionado.")


def test_alerts_from_the_ticket_icon_recolour_it_without_reload(page):
    login(page)
    page.goto("/atendimentos/1")
    icon = page.locator("#alert-icon")
    expect(icon).to_have_class(re.compile("alert-alta"))
    page.get_by_role("link", name="Alertas").click()
    dialog = page.get_by_role("dialog", name=re.compile("Alertas de Maria"))
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("reclamações recorrentes de embalagem")
    expect(dialog.locator(".badge.alert-alta")).to_have_text("Alta")

    page.get_by_label("Dados Complementares").fill("Digitado antes do alerta")
    dialog.get_by_label("Mensagem").fill("Cliente ameaçou acionar o Procon.")
    dialog.get_by_label("Prioridade").select_option(label="Crítica")
    dialog.get_by_role("button", name="Criar alerta").click()
    expect(page.locator("#alert-icon")).to_have_class(re.compile("alert-critica"))
    expect(page.get_by_role("dialog")).to_contain_text("Cliente ameaçou acionar o Procon.")
    # no reload: what the attendant typed on the ticket is still there
    expect(page.get_by_label("Dados Complementares")).to_have_value("Digitado antes do alerta")

    page.get_by_role("dialog").get_by_role("button", name="Fechar").click()
    expect(page.get_by_role("dialog")).to_be_hidden()
