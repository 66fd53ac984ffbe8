"""Prazos in Chromium: the supervisor sets a Motivo's targets and a holiday, the ticket screen
shows its due times and states, and the report draws its chart without JavaScript."""

import os

from tests.browser.conftest import login

SHOTS = os.environ.get("SLA_SCREENSHOTS")  # a folder: save the screens to look at them


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_supervisor_configures_prazos_and_sees_them(page, demo):
    login(page, "supervisor", "supervisor123")
    page.get_by_label("Empresa", exact=True).select_option(label=demo["company"].name)
    page.get_by_role("button", name="Trocar").click()
    page.wait_for_load_state("load")
    page.goto("/prazos/configuracao")
    reason = demo["reasons"]["Reclamação"]
    page.get_by_label("1ª resposta de Reclamação (horas úteis)").fill("abc")
    page.get_by_role("button", name="Salvar prazos").click()
    page.get_by_text("Informe um número inteiro de horas úteis.").wait_for()
    _shot(page, "sla-config-error")
    page.locator(f"#fa-{reason.id}").fill("8")
    page.locator(f"#res-{reason.id}").fill("40")
    page.get_by_role("button", name="Salvar prazos").click()
    page.get_by_text("Prazos dos motivos salvos.").wait_for()
    page.get_by_label("Data").fill("09/07/2026")
    page.get_by_label("Nome").fill("Revolução Constitucionalista")
    page.get_by_role("button", name="Incluir feriado").click()
    page.get_by_text("Feriado 09/07/2026 incluído.").wait_for()
    _shot(page, "sla-config")

    page.goto("/atendimentos/3")
    dues = page.locator("#sla-resolution")
    assert "08/06/2026 10:30" in dues.inner_text() and "Atrasado" in dues.inner_text()
    _shot(page, "sla-ticket")

    page.goto("/prazos?de=01/05/2026&ate=30/06/2026")
    chart = page.locator("svg.sla-chart")
    assert chart.is_visible()
    assert "Reclamação" in chart.text_content()
    _shot(page, "sla-report")
