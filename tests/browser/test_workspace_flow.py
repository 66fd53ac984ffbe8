"""From Maria's ticket, the attendant opens each workspace screen through its icon."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def _icon(page, name):
    return page.get_by_role("navigation", name="Ícones do atendimento").get_by_role(
        "link", name=name, exact=True
    )


def test_icons_of_the_ticket_open_the_workspace_screens(page, demo):
    login(page)
    maria = demo["maria"]

    page.goto("/atendimentos/1")
    _icon(page, "Vendas").click()
    expect(page.get_by_role("heading", name="Vendas", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="PV-001002")).to_be_visible()
    page.get_by_role("link", name="PV-001002").click()
    expect(page.get_by_role("heading", name="Pedido PV-001002")).to_be_visible()
    expect(page.get_by_role("cell", name=re.compile("Bolo de Laranja 300g"))).to_be_visible()

    page.goto("/atendimentos/1")
    _icon(page, "Notas").click()
    expect(page.get_by_role("heading", name="Notas", exact=True)).to_be_visible()
    key = demo["maria_invoices"][0].access_key_display
    expect(page.get_by_role("cell", name=key)).to_be_visible()

    page.goto("/atendimentos/1")
    _icon(page, "Pesquisa").click()
    expect(page.get_by_role("heading", name="Pesquisa", exact=True)).to_be_visible()
    page.get_by_role("link", name="Pesquisa de satisfação").click()
    expect(page.get_by_text("Como você avalia o atendimento recebido?")).to_be_visible()
    expect(page.get_by_text("Ótimo")).to_be_visible()

    page.goto("/atendimentos/1")
    _icon(page, "Agenda").click()
    expect(page.get_by_role("heading", name="Agenda", exact=True)).to_be_visible()
    row = page.get_by_role("row").filter(has_text=demo["maria_appointment"].subject)
    expect(row.get_by_role("link", name="Atendimento 000003")).to_be_visible()

    page.goto("/atendimentos/1")
    _icon(page, "Histórico da entidade").click()
    expect(page).to_have_url(re.compile(rf"/entidades/{maria.id}/historico$"))
    expect(page.get_by_role("heading", name="Histórico da entidade")).to_be_visible()
    expect(page.get_by_role("link", name="Atendimento 000001").first).to_be_visible()
    expect(page.get_by_role("link", name="PV-001001")).to_be_visible()


def test_schedule_and_mark_an_appointment_done(page, demo):
    login(page)
    page.goto(f"/entidades/{demo['maria'].id}/agenda?ticket=1")
    expect(page.get_by_text("Vinculado ao")).to_be_visible()

    page.get_by_role("button", name="Agendar").click()
    expect(page.get_by_text("Informe a data.")).to_be_visible()
    expect(page.get_by_text("Informe o assunto.")).to_be_visible()

    page.get_by_label("Data").fill("15/01/2030")
    page.get_by_label("Hora").fill("10:30")
    page.get_by_label("Assunto").fill("Ligar de volta para a cliente")
    page.get_by_role("button", name="Agendar").click()
    expect(page.get_by_text("Compromisso agendado.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Ligar de volta para a cliente")
    expect(row).to_contain_text("15/01/2030 10:30")
    expect(row.get_by_role("link", name="Atendimento 000001")).to_be_visible()

    row.get_by_role("button", name=re.compile("Marcar como realizado")).click()
    expect(row.get_by_text("Realizado", exact=True)).to_be_visible()
    row.get_by_role("button", name=re.compile("Desfazer")).click()
    expect(row.get_by_text("Pendente")).to_be_visible()


def test_agenda_refuses_impossible_and_past_dates_next_to_the_field(page, demo):
    login(page)
    page.goto(f"/entidades/{demo['maria'].id}/agenda")
    date = page.get_by_label("Data")
    expect(date).to_have_attribute("placeholder", "dd/mm/aaaa")
    page.get_by_label("Assunto").fill("Retorno")
    page.get_by_label("Hora").fill("23:30")
    for typed, message in [
        ("31/12/9999", "Data inválida: use o formato dd/mm/aaaa (ano entre 1900 e 2100)."),
        ("01/01/0001", "Data inválida: use o formato dd/mm/aaaa (ano entre 1900 e 2100)."),
        ("10/05/0202", "Data inválida: use o formato dd/mm/aaaa (ano entre 1900 e 2100)."),
        ("10/05/2020", "A data já passou: agende para hoje ou depois."),
    ]:
        page.get_by_label("Data").fill(typed)
        page.get_by_role("button", name="Agendar").click()
        field = page.locator(".field.has-error").filter(has=page.get_by_label("Data"))
        expect(field.get_by_text(message)).to_be_visible()
        expect(page.get_by_label("Data")).to_have_value(typed)  # kept as typed
        expect(page.get_by_label("Assunto")).to_have_value("Retorno")
    # A half-typed time is told so (a time picker would send nothing, "Informe a hora.").
    page.get_by_label("Data").fill("10/05/2031")
    page.get_by_label("Hora").fill("10:")
    page.get_by_role("button", name="Agendar").click()
    expect(page.get_by_text("Hora inválida: use o formato hh:mm.")).to_be_visible()
    expect(page.get_by_label("Hora")).to_have_value("10:")
    expect(page.get_by_text("Compromisso agendado.")).to_have_count(0)


def test_agendar_clicked_twice_schedules_once(page, demo):
    login(page)
    page.goto(f"/entidades/{demo['maria'].id}/agenda")
    page.get_by_label("Data").fill("20/02/2031")
    page.get_by_label("Hora").fill("09:00")
    page.get_by_label("Assunto").fill("Confirmar entrega do vale")
    page.get_by_role("button", name="Agendar").dblclick()
    expect(page.get_by_text("Compromisso agendado.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Confirmar entrega do vale")).to_have_count(1)
