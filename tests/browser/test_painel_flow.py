"""The painel in Chromium at 1366×768: an attendant lands on it with her open tickets, a late
one says so, she passes a ticket to a colleague, whose painel (another browser, never
reloaded) shows it under "Meus" once its counts poll again."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from isocrm.models import Ticket, TicketDetail, User
from isocrm.models.base import utcnow
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def _ticket(demo, code, **values):
    return Ticket(
        company_id=demo["company"].id,
        code=code,
        entity=demo["maria"],
        role=demo["roles"]["cliente"],
        reason=demo["reasons"]["Reclamação"],
        status=demo["statuses"]["aberto"],
        opened_by=demo["atendente"],
        updated_by=demo["atendente"],
        owner=demo["atendente"],
        details=[
            TicketDetail(
                channel=demo["channels"]["Telefone"],
                attendant=demo["atendente"],
                description="Contato do cliente.",
            )
        ],
        **{"opened_at": utcnow() - timedelta(hours=5), **values},
    )


@pytest.fixture
def desk(app, db, demo):
    app.config["PAINEL_POLL_SECONDS"] = 1  # the colleague's painel asks every second
    bruno = User(
        username="bruno", name="Bruno Colega", role="atendente", companies=[demo["company"]]
    )
    bruno.set_password("bruno-123")
    now = utcnow()
    db.session.add_all(
        [
            bruno,
            _ticket(demo, 101),  # due 7 days after opening (Decreto 11.034/2022's default)
            _ticket(demo, 102, opened_at=now - timedelta(days=8)),  # so this one is late
        ]
    )
    demo[
        "maria"
    ].name = "Maria Aparecida dos Santos Oliveira Pereira da Conceição Albuquerque Cavalcanti"
    db.session.commit()


def test_pass_a_ticket_and_the_colleague_sees_it_under_meus(page, browser, live_server, desk):
    colleague_context = browser.new_context(
        base_url=live_server, locale="pt-BR", viewport={"width": 1366, "height": 768}
    )
    colleague = colleague_context.new_page()
    colleague.set_default_timeout(10_000)
    errors = []
    colleague.on("pageerror", lambda error: errors.append(str(error)))
    login(colleague, "bruno", "bruno-123")
    tabs = colleague.get_by_role("navigation", name="Filas do painel")
    expect(tabs.get_by_role("link", name="Meus")).to_have_attribute("aria-current", "page")
    expect(tabs.get_by_role("link", name="Meus")).to_contain_text("0")
    expect(colleague.locator("#painel-list")).to_contain_text("Nenhum atendimento nesta fila")

    login(page)  # Ana lands on the painel with her open tickets
    expect(page.get_by_role("heading", name="Painel", exact=True)).to_be_visible()
    rows = page.locator("#painel-list tbody tr")
    expect(rows).to_have_count(2)
    late = rows.filter(has_text="000102")
    expect(late).to_contain_text("Atrasado")
    expect(rows.filter(has_text="000101")).not_to_contain_text("Atrasado")
    page.screenshot(path="/tmp/isocrm-painel-ana.png")
    # Words stay whole at 1366 px: the Motivo ("Reclamação") is on one line in every row.
    lines = page.evaluate(
        """() => [...document.querySelectorAll('#painel-list tbody td:nth-child(4)')].map(td => {
            const range = document.createRange();
            range.selectNodeContents(td);
            return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
        })"""
    )
    assert lines == [1, 1], lines

    page.get_by_label("Selecionar o atendimento 000101").check()
    page.get_by_label("Passar para").select_option(label="Bruno Colega")
    page.get_by_label("Observação (fica no histórico)").fill("Cliente pediu retorno do Bruno.")
    page.get_by_role("button", name="Passar", exact=True).click()
    expect(page.get_by_text("1 atendimento passado para Bruno Colega.")).to_be_visible()
    expect(rows).to_have_count(1)
    page.screenshot(path="/tmp/isocrm-painel-passed.png")

    # Bruno's painel was never reloaded: the counts poll, then the list follows.
    expect(tabs.get_by_role("link", name="Meus")).to_contain_text("1", timeout=15_000)
    expect(colleague.locator("#painel-list tbody tr")).to_have_count(1)
    expect(colleague.locator("#painel-list")).to_contain_text("000101")
    assert colleague.url.endswith("/")
    colleague.screenshot(path="/tmp/isocrm-painel-colleague.png")

    # Bruno ticks it; Ana passes him another one: his list reloads with both, and what he
    # had ticked (unchanged since) is still ticked.
    colleague.get_by_label("Selecionar o atendimento 000101").check()
    page.get_by_label("Selecionar o atendimento 000102").check()
    page.get_by_label("Passar para").select_option(label="Bruno Colega")
    page.get_by_role("button", name="Passar", exact=True).click()
    expect(page.get_by_text("1 atendimento passado para Bruno Colega.")).to_be_visible()
    expect(colleague.locator("#painel-list tbody tr")).to_have_count(2, timeout=15_000)
    expect(colleague.get_by_label("Selecionar o atendimento 000101")).to_be_checked()
    expect(colleague.get_by_label("Selecionar o atendimento 000102")).not_to_be_checked()
    colleague_context.close()
    assert errors == []
