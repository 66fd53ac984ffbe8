"""CEP and CNPJ lookups in real Chromium, against a provider server on 127.0.0.1: the browser
asks only the app, which asks the provider."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.lookup_server import ACME, CNPJ, SE, serving_lookups

pytestmark = pytest.mark.browser


@pytest.fixture
def provider(app):
    with serving_lookups(app) as server:
        yield server


def test_a_cep_typed_in_the_registration_fills_the_address(page, provider, demo):
    provider.answer("/cep/01001000", SE)
    provider_calls = []
    page.on("request", lambda r: provider_calls.append(r.url) if provider.url in r.url else None)
    login(page)
    page.goto(f"/entidades/{demo['maria'].id}/cadastro")
    addresses = page.locator("#enderecos")
    addresses.locator("summary").click()
    addresses.get_by_role("textbox", name="CEP").press_sequentially("01001-000")
    expect(addresses.get_by_label("Logradouro")).to_have_value("Praça da Sé")
    expect(addresses.get_by_label("Bairro")).to_have_value("Sé")
    expect(addresses.get_by_label("Cidade")).to_have_value("São Paulo")
    expect(addresses.get_by_label("UF")).to_have_value("SP")
    expect(addresses).to_contain_text("Endereço preenchido pelo CEP")
    addresses.get_by_label("Número", exact=True).fill("100")
    addresses.get_by_role("button", name="Adicionar endereço").click()
    expect(page.locator("#enderecos")).to_contain_text("Praça da Sé, 100")
    assert provider.hits["/cep/01001000"] == 1
    assert provider_calls == []  # the browser never called the provider itself


def test_a_cep_keeps_what_was_typed_until_asked(page, provider, demo):
    provider.answer("/cep/01001000", SE)
    login(page)
    page.goto(f"/entidades/{demo['maria'].id}/cadastro-simplificado")
    street = page.get_by_label("Logradouro")
    street.fill("Rua que a cliente ditou")
    page.get_by_label("Cidade").fill("")
    page.get_by_label("CEP").fill("01001-000")
    expect(page.locator("#cadastro-zip_code-lookup")).to_contain_text(
        "O que já estava digitado foi mantido."
    )
    expect(page.get_by_label("Cidade")).to_have_value("São Paulo")  # it was empty
    expect(street).to_have_value("Rua que a cliente ditou")
    page.get_by_role("button", name="Usar este endereço").click()
    expect(street).to_have_value("Praça da Sé")


def test_a_cnpj_offers_its_data_and_fills_only_when_asked(page, provider):
    provider.answer(f"/cnpj/{CNPJ}", ACME)
    provider.answer("/cnpj/11444777000161", b"", status=503)
    login(page)
    page.goto("/entidades/nova")
    name = page.get_by_label("Nome/Razão social")
    name.fill("Acme")
    page.get_by_label("CPF/CNPJ").fill("11.222.333/0001-81")
    offer = page.locator("#document-lookup")
    expect(offer).to_contain_text("ACME INDUSTRIA DE ALIMENTOS LTDA")
    expect(offer).to_contain_text("Substitui o que está preenchido em: Nome/Razão social.")
    expect(name).to_have_value("Acme")  # nothing filled before the click
    offer.get_by_role("button", name="Usar estes dados").click()
    expect(name).to_have_value("ACME INDUSTRIA DE ALIMENTOS LTDA")
    expect(page.get_by_label("Nome fantasia")).to_have_value("ACME ALIMENTOS")
    expect(page.get_by_label("Pessoa jurídica (CNPJ)")).to_be_checked()
    expect(offer).to_contain_text("Dados preenchidos: confira antes de salvar.")
    # The provider down: a note, and the form goes on by hand.
    page.get_by_label("CPF/CNPJ").fill("11.444.777/0001-61")
    expect(offer).to_have_text("Consulta indisponível; preencha à mão.")
    page.get_by_role("button", name="Cadastrar").click()
    heading = "Cadastro completo · ACME INDUSTRIA DE ALIMENTOS LTDA"
    expect(page.get_by_role("heading", name=heading)).to_be_visible()


def test_the_quick_edit_dialog_over_the_ticket_looks_up_too(page, provider):
    provider.answer("/cep/01001000", SE)
    login(page)
    page.goto("/atendimentos/1")
    page.get_by_role("link", name="Cadastro simplificado").click()
    dialog = page.locator("dialog[open]")
    for label in ("Logradouro", "Bairro", "Cidade"):
        dialog.get_by_label(label).fill("")
    dialog.get_by_label("CEP").fill("01001000")
    expect(dialog.get_by_label("Logradouro")).to_have_value("Praça da Sé")
    expect(dialog.get_by_label("UF")).to_have_value("SP")
    dialog.get_by_label("Número", exact=True).fill("1")
    dialog.get_by_role("button", name="Salvar").click()
    expect(page.locator("dialog[open]")).to_have_count(0)
    expect(page.locator("#entity-card")).to_contain_text("Praça da Sé")
