"""The supervisor sees a lot warning on the Lotes report and sends a customer's histórico
by e-mail from the entity's screen, in real Chromium, through a real SMTP server."""

import re

import pytest
from playwright.sync_api import expect

from isocrm.demo.fake import HOT_LOT
from isocrm.lots.demo import load_lot_watch
from tests.browser.conftest import login_supervisor_of

pytestmark = pytest.mark.browser


def test_supervisor_sees_the_lot_warning_and_sends_a_history(page, demo, db, smtp):
    load_lot_watch(db.session, demo)  # four recent complaints about the hot lot, threshold 3
    db.session.commit()
    login_supervisor_of(page, demo["company"].name)

    page.get_by_role("link", name="Reclamações por lote").click()
    expect(page.get_by_role("heading", name="Reclamações por lote")).to_be_visible()
    warning = page.locator(".lot-warning").filter(has_text=f"lote {HOT_LOT[1]}")
    expect(warning).to_contain_text("4 reclamações nos últimos 30 dias (limite: 3)")
    expect(warning.get_by_role("link")).to_have_count(4)
    row = page.get_by_role("row").filter(has_text=HOT_LOT[1])
    expect(row.get_by_role("cell").nth(3)).to_have_text("4")
    page.screenshot(path="/tmp/isocrm-lots-report.png")

    # The warning's links open the tickets.
    first = warning.get_by_role("link").first
    code = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", name=re.compile(f"Atendimento {code}"))).to_be_visible()

    # Enviar histórico from Maria's screen.
    page.goto(f"/entidades/{demo['maria'].id}/atendimentos")
    page.screenshot(path="/tmp/isocrm-entity-tickets.png")
    page.get_by_role("link", name="Enviar histórico").click()
    expect(page.get_by_role("heading", name="Enviar histórico ao cliente")).to_be_visible()
    expect(page.get_by_text("Demandas do cliente (3)")).to_be_visible()
    page.get_by_label("Enviar para").select_option(
        label="maria.aparecida@example.com.br (Principal)"
    )
    email_form = page.locator("form").filter(has_text="Enviar por e-mail")
    email_form.get_by_label("Solicitado pelo cliente em").fill("99/99/2026")
    email_form.get_by_role("button", name="Enviar por e-mail").click()
    expect(page.get_by_text("Data inválida")).to_be_visible()
    assert smtp.handler.messages == []
    email_form = page.locator("form").filter(has_text="Enviar por e-mail")
    email_form.get_by_label("Solicitado pelo cliente em").fill("")
    email_form.get_by_label("Solicitado pelo cliente em").press_sequentially(
        page.evaluate("new Date().toLocaleDateString('pt-BR', {timeZone: 'America/Sao_Paulo'})")
    )
    email_form.get_by_role("button", name="Enviar por e-mail").click()
    expect(
        page.get_by_text("Histórico enviado por e-mail para maria.aparecida@example.com.br.")
    ).to_be_visible()
    expect(
        page.get_by_text(re.compile("Enviado por e-mail a maria.aparecida@example.com.br em"))
    ).to_be_visible()
    expect(page.get_by_text("dentro do prazo")).to_be_visible()
    page.screenshot(path="/tmp/isocrm-history-sent.png", full_page=False)
    (message,) = smtp.handler.messages
    assert "Cliente confirmou o recebimento do vale-troca." in message.get_content()

    # Imprimir: recorded, then the printable sheet.
    page.get_by_role("button", name="Imprimir").click()
    expect(page.get_by_role("heading", name="Histórico de atendimentos")).to_be_visible()
    expect(page.get_by_text("Cliente confirmou o recebimento do vale-troca.")).to_be_visible()
    page.screenshot(path="/tmp/isocrm-history-print.png")
    page.get_by_role("link", name="‹ Voltar").click()
    expect(page.get_by_text(re.compile("Impresso em .* por Sérgio Supervisor"))).to_be_visible()
