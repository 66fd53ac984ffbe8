"""Passar atendimento in real Chromium: the attendant passes a ticket to a colleague with a
note, sees the new Responsável and the note in the history, keeps what was typed on the
screen; Back and Reload never post the pass again."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from isocrm.models import TicketEvent, User
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def _passes(db, ticket_id):
    db.session.commit()
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(TicketEvent)
        .where(TicketEvent.ticket_id == ticket_id, TicketEvent.kind == "responsavel")
    )


def test_pass_a_ticket_to_a_colleague_with_a_note(page, db, demo):
    colleague = User(
        username="atendente2", name="Bruno Barros", role="atendente", companies=[demo["company"]]
    )
    colleague.set_password("atendente2123")
    db.session.add(colleague)
    db.session.commit()
    ticket = demo["ticket_3"]
    posts = []
    page.on(
        "request",
        lambda r: posts.append(r.url) if r.method == "POST" and "/responsavel" in r.url else None,
    )

    login(page)
    page.goto(f"/atendimentos/{ticket.code}")
    page.wait_for_load_state("load")
    panel = page.locator("#holder-panel")
    expect(panel).to_contain_text("Responsável:")
    # Something typed and not confirmed yet: the pass must not touch it.
    page.get_by_label("Dados Complementares").fill("Digitado antes de passar")

    panel.get_by_role("link", name="Passar atendimento").click()
    page.get_by_label("Atendente", exact=True).select_option(label="Bruno Barros")
    page.get_by_label("Observação", exact=True).fill(
        "Cliente pediu retorno à tarde; ver com a Qualidade."
    )
    page.screenshot(path="/tmp/isocrm-owner-pass-form.png")
    panel.get_by_role("button", name="Passar").click()

    expect(page.locator("#holder-owner")).to_have_text("Bruno Barros")
    history = panel.locator(".holder-history")
    expect(history).to_contain_text("Cliente pediu retorno à tarde; ver com a Qualidade.")
    expect(history).to_contain_text("para Bruno Barros")
    expect(page.get_by_label("Dados Complementares")).to_have_value("Digitado antes de passar")
    page.screenshot(path="/tmp/isocrm-owner-passed.png")
    assert len(posts) == 1 and _passes(db, ticket.id) == 1

    # Reload, Back and Forward: the screen again, never the pass again.
    page.reload()
    page.wait_for_load_state("load")
    expect(page.locator("#holder-owner")).to_have_text("Bruno Barros")
    page.go_back()
    page.wait_for_load_state("load")
    page.go_forward()
    page.wait_for_load_state("load")
    expect(page.locator("#holder-owner")).to_have_text("Bruno Barros")
    page.locator(".holder-history summary").click()
    expect(page.locator(".holder-history")).to_contain_text("ver com a Qualidade")
    page.screenshot(path="/tmp/isocrm-owner-after-reload.png")
    assert len(posts) == 1 and _passes(db, ticket.id) == 1
