"""Sessions that really end (issue 9), in Chromium: a copied cookie opens nothing after
logout, and an idle timeout in the middle of a ticket loses nothing."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from isocrm.models import UserSession, utcnow
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_a_cookie_copied_before_logout_opens_nothing(page, browser, live_server):
    login(page)
    copied = page.context.cookies()
    page.get_by_role("button", name="Sair").click()
    expect(page.get_by_text("Você saiu do sistema.")).to_be_visible()

    thief = browser.new_context(base_url=live_server, locale="pt-BR")
    thief.add_cookies(copied)
    stolen = thief.new_page()
    stolen.goto("/atendimentos/1")
    expect(stolen).to_have_url(f"{live_server}/entrar?next=/atendimentos/1")
    expect(stolen.get_by_role("button", name="Entrar")).to_be_visible()
    thief.close()


def test_an_idle_timeout_in_the_middle_of_a_ticket_loses_nothing(page, db):
    login(page)
    page.goto("/atendimentos/1")
    page.get_by_role("link", name="Visualiza atendimentos").click()
    page.get_by_role("button", name="Incluir").click()
    expect(page.get_by_text("Em abertura")).to_be_visible()
    page.wait_for_load_state("load")  # the screen's script listens from here on
    page.get_by_label("Canal").select_option(label="Telefone")
    page.get_by_label("Descrição").fill("Digitado antes do almoço")
    expect(page.locator("#autosave-status")).to_contain_text("guardad")

    db.session.commit()  # a fresh transaction: the server has written since this one began
    db.session.execute(sa.update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=45)))
    db.session.commit()

    page.get_by_role("button", name="Confirmar").click()
    expect(page.get_by_text("Sua sessão expirou por inatividade")).to_be_visible()
    expect(page.get_by_text("o que você digitou foi guardado")).to_be_visible()
    page.screenshot(path="/tmp/isocrm-session-expired.png")
    page.get_by_label("Usuário").fill("atendente")
    page.get_by_label("Senha").fill("atendente123")
    page.get_by_role("button", name="Entrar").click()
    expect(page.locator("#ticket-code")).to_have_text("000004")
    expect(page.get_by_label("Descrição")).to_have_value("Digitado antes do almoço")
    page.get_by_role("button", name="Confirmar").click()
    expect(page.get_by_text("Atendimento 000004 confirmado.")).to_be_visible()
