"""Administração › Usuários in Chromium: an admin creates a user, who must change the
temporary password before anything else, and is later deactivated (their open page ends)."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_a_new_user_changes_the_temporary_password_then_is_deactivated(
    page, browser, live_server, demo, db
):
    demo["supervisor"].role = "admin"
    db.session.commit()
    login(page, "supervisor", "supervisor123")
    page.get_by_role("link", name="Usuários").click()
    page.get_by_role("link", name="Novo usuário").click()
    page.get_by_label("Usuário (login)").fill("joana.lima")
    page.get_by_label("Nome completo").fill("Joana Lima")
    page.get_by_role("button", name="Cadastrar usuário").click()
    # Nothing checked in Empresas would be refused; the current Empresa comes checked.
    expect(page.get_by_role("heading", name="Usuário cadastrado")).to_be_visible()
    temporary = page.locator("#temporary-password").inner_text()
    assert len(temporary) == 14

    joana = browser.new_context(base_url=live_server, locale="pt-BR").new_page()
    joana.goto("/entrar")
    joana.get_by_label("Usuário").fill("joana.lima")
    joana.get_by_label("Senha").fill(temporary)
    joana.get_by_role("button", name="Entrar").click()
    expect(joana).to_have_url(f"{live_server}/conta/senha")
    expect(joana.get_by_text("Sua senha é temporária")).to_be_visible()
    joana.goto("/atendimentos/")  # any screen leads back to Alterar senha
    expect(joana).to_have_url(f"{live_server}/conta/senha")
    joana.get_by_label("Senha atual").fill(temporary)
    joana.get_by_label("Nova senha", exact=True).fill("cafe-com-pao-de-queijo")
    joana.get_by_label("Repita a nova senha").fill("cafe-com-pao-de-queijo")
    joana.get_by_role("button", name="Alterar senha").click()
    expect(joana.get_by_text("Senha alterada.")).to_be_visible()
    joana.goto("/atendimentos/")
    expect(joana).to_have_url(f"{live_server}/atendimentos/")

    page.get_by_role("link", name="Ver usuário").click()
    expect(page.get_by_role("heading", name="Joana Lima")).to_be_visible()
    page.get_by_role("button", name="Desativar").click()
    expect(page.get_by_text("Joana Lima foi desativado")).to_be_visible()
    expect(page.get_by_role("button", name="Reativar")).to_be_visible()

    joana.goto("/atendimentos/")
    expect(joana.get_by_role("button", name="Entrar")).to_be_visible()
    joana.get_by_label("Usuário").fill("joana.lima")
    joana.get_by_label("Senha").fill("cafe-com-pao-de-queijo")
    joana.get_by_role("button", name="Entrar").click()
    expect(joana.get_by_text("Usuário ou senha incorretos.")).to_be_visible()
    joana.context.close()
