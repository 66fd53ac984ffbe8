"""The entity's workspace: Vendas, Notas, Pesquisa, Agenda and Histórico."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from isocrm.models import Alert, Appointment, Invoice, Order, Ticket
from isocrm.models.base import utcnow
from tests.conftest import csrf_token_from
from tests.factories import fresh


def _text(response) -> str:
    return response.get_data(as_text=True)


def _agenda_url(demo, **args):
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"/entidades/{demo['maria'].id}/agenda" + (f"?{query}" if query else "")


def _appointment_data(client, demo, **overrides):
    html = _text(client.get(_agenda_url(demo)))
    hidden = {
        name: re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html)
        for name in ("form_key", "company_id")
    }
    data = {
        "csrf_token": csrf_token_from(html),
        **{name: match.group(1) for name, match in hidden.items() if match},
        "starts_on": "2026-12-10",
        "starts_time": "15:30",
        "subject": "Ligar para confirmar a troca",
        "notes": "Preferência pelo período da tarde.",
        "ticket": "",
    }
    data.update(overrides)
    return data


# --- every screen is a full page of the entity's data ---------------------------------


@pytest.mark.parametrize(
    "path, heading",
    [
        ("vendas", "Vendas"),
        ("notas", "Notas"),
        ("pesquisas", "Pesquisa"),
        ("agenda", "Agenda"),
        ("historico", "Histórico da entidade"),
    ],
)
def test_each_screen_is_a_full_page_and_a_fragment(logged_in, demo, path, heading):
    url = f"/entidades/{demo['maria'].id}/{path}"
    page = logged_in.get(url)
    assert page.status_code == 200
    html = _text(page)
    assert "<html" in html and f"<h1>{heading}</h1>" in html
    assert "Maria Aparecida da Silva" in html
    assert "HX-Request" in page.headers["Vary"]

    fragment = logged_in.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in _text(fragment)
    assert _text(fragment).lstrip().startswith("<section id=")


def test_orders_newest_first_with_brazilian_money(logged_in, demo):
    html = _text(logged_in.get(f"/entidades/{demo['maria'].id}/vendas"))
    numbers = re.findall(r"PV-00100\d", html)
    assert numbers == ["PV-001003", "PV-001002", "PV-001001"]
    first = demo["maria_orders"][0]
    assert first.ordered_on.strftime("%d/%m/%Y") == "28/04/2026"
    assert "28/04/2026" in html and "Entregue" in html and "Faturado" in html
    total = f"{first.total:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    assert total in html


def test_order_detail_shows_items_and_invoices(logged_in, demo):
    order = demo["maria_orders"][1]
    html = _text(logged_in.get(f"/entidades/{demo['maria'].id}/vendas/{order.id}"))
    assert "Pedido PV-001002" in html
    assert "Bolo de Laranja 300g" in html and "Biscoito Integral 200g" in html
    assert "4,29" in html  # the discounted unit price
    assert ">12<" in html  # quantity without useless decimals
    invoice = demo["maria_invoices"][1]
    assert invoice.access_key_display in html
    assert f"/entidades/{demo['maria'].id}/notas/{invoice.id}" in html


def test_invoices_show_access_key_and_linked_order(logged_in, demo):
    maria = demo["maria"]
    html = _text(logged_in.get(f"/entidades/{maria.id}/notas"))
    newest, oldest = demo["maria_invoices"][1], demo["maria_invoices"][0]
    assert html.index(newest.access_key_display) < html.index(oldest.access_key_display)
    assert len(newest.access_key_display.split()) == 11
    assert f"/entidades/{maria.id}/vendas/{newest.order_id}" in html
    assert "28/05/2026" in html

    detail = _text(logged_in.get(f"/entidades/{maria.id}/notas/{newest.id}"))
    assert "Nota fiscal 1002" in detail and newest.access_key_display in detail
    assert "PV-001002" in detail


def test_survey_list_and_answers(logged_in, demo):
    maria, response = demo["maria"], demo["maria_survey_response"]
    html = _text(logged_in.get(f"/entidades/{maria.id}/pesquisas"))
    assert "Pesquisa de satisfação" in html and "15/05/2026" in html
    detail = _text(logged_in.get(f"/entidades/{maria.id}/pesquisas/{response.id}"))
    assert "Como você avalia o atendimento recebido?" in detail
    assert "Ótimo" in detail
    assert "A atendente foi muito educada e resolveu rápido." in detail


def test_agenda_lists_upcoming_before_past(logged_in, demo, db):
    # The demo's reference date is in the future of the code; pin "now" by adding our own.
    maria = demo["maria"]
    soon = Appointment(
        company_id=demo["company"].id,
        entity_id=maria.id,
        attendant_id=demo["atendente"].id,
        starts_at=utcnow() + timedelta(days=400),
        subject="Compromisso futuro distante",
    )
    gone = Appointment(
        company_id=demo["company"].id,
        entity_id=maria.id,
        attendant_id=demo["atendente"].id,
        starts_at=utcnow() - timedelta(days=2000),
        subject="Compromisso muito antigo",
        done=True,
    )
    db.session.add_all([soon, gone])
    db.session.commit()
    html = _text(logged_in.get(_agenda_url(demo)))
    assert demo["maria_appointment"].subject in html
    assert "Atendimento 000003" in html and "/atendimentos/3" in html
    assert html.index("Compromisso futuro distante") < html.index("Compromisso muito antigo")
    assert "Anteriores" in html


def test_agenda_create_shows_errors_then_saves(logged_in, demo, db):
    def count():
        fresh(db)
        return db.session.scalar(sa.select(sa.func.count()).select_from(Appointment))

    before = count()
    data = _appointment_data(logged_in, demo, starts_on="", starts_time="25:99", subject=" ")
    response = logged_in.post(_agenda_url(demo), data=data)
    assert response.status_code == 422
    html = _text(response)
    assert "Informe a data." in html
    assert "Hora inválida" in html
    assert "Informe o assunto." in html
    assert 'aria-invalid="true"' in html
    assert "Preferência pelo período da tarde." in html  # what was typed stays
    assert count() == before

    data = _appointment_data(logged_in, demo)
    response = logged_in.post(_agenda_url(demo), data=data)
    assert response.status_code == 303
    assert count() == before + 1
    saved = db.session.scalar(
        sa.select(Appointment).where(Appointment.subject == "Ligar para confirmar a troca")
    )
    assert saved.attendant_id == demo["atendente"].id
    assert saved.ticket_id is None
    # 15:30 in São Paulo is 18:30 UTC.
    assert (saved.starts_at.hour, saved.starts_at.minute) == (18, 30)
    page = _text(logged_in.get(response.headers["Location"]))
    assert "Compromisso agendado." in page and "10/12/2026 15:30" in page


@pytest.mark.parametrize(
    ("starts_on", "starts_time", "message"),
    [
        ("0202-05-10", "10:00", "Data inválida: use o formato dd/mm/aaaa (ano entre 1900 e 2100)."),
        ("0001-01-01", "10:00", "Data inválida: use o formato dd/mm/aaaa"),  # shown "01/01/1"
        ("01/01/1", "10:00", "Data inválida: use o formato dd/mm/aaaa"),
        ("31/12/9999", "23:30", "Data inválida: use o formato dd/mm/aaaa"),
        ("10/12", "10:00", "Data inválida: use o formato dd/mm/aaaa"),
        ("31/02/2027", "10:00", "Data inválida: use o formato dd/mm/aaaa"),
        ("01/01/2020", "10:00", "A data já passou: agende para hoje ou depois."),
    ],
)
def test_agenda_refuses_impossible_and_past_dates(
    logged_in, demo, db, starts_on, starts_time, message
):
    def count():
        fresh(db)
        return db.session.scalar(sa.select(sa.func.count()).select_from(Appointment))

    before = count()
    data = _appointment_data(logged_in, demo, starts_on=starts_on, starts_time=starts_time)
    response = logged_in.post(_agenda_url(demo), data=data)
    assert response.status_code == 422
    html = _text(response)
    field = re.search(r'<div class="field[^"]*has-error">.*?</div>', html, re.S).group(0)
    assert 'name="starts_on"' in field and message in field  # next to the Data field
    assert f'value="{starts_on}"' in html  # what was typed is kept
    assert count() == before


def test_agenda_refuses_an_hour_of_today_that_passed(logged_in, demo, db, app):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(app.config["TIMEZONE"])
    now = datetime.now(zone)
    if now.hour == 0 and now.minute < 2:
        pytest.skip("no earlier minute today")
    earlier = (now - timedelta(minutes=1)).strftime("%H:%M")
    data = _appointment_data(
        logged_in, demo, starts_on=now.strftime("%d/%m/%Y"), starts_time=earlier
    )
    response = logged_in.post(_agenda_url(demo), data=data)
    assert response.status_code == 422
    assert "Esse horário de hoje já passou" in _text(response)


def test_agenda_takes_dd_mm_aaaa(logged_in, demo, db):
    data = _appointment_data(logged_in, demo, starts_on="15/01/2030", subject="Data brasileira")
    assert logged_in.post(_agenda_url(demo), data=data).status_code == 303
    fresh(db)
    saved = db.session.scalar(
        sa.select(Appointment).where(Appointment.subject == "Data brasileira")
    )
    assert (saved.starts_at.year, saved.starts_at.month, saved.starts_at.day) == (2030, 1, 15)


def test_the_same_agenda_form_submitted_twice_schedules_once(logged_in, demo, db):
    def count():
        fresh(db)
        return db.session.scalar(sa.select(sa.func.count()).select_from(Appointment))

    before = count()
    data = _appointment_data(logged_in, demo, subject="Só uma vez")
    first = logged_in.post(_agenda_url(demo), data=data)
    second = logged_in.post(_agenda_url(demo), data=data)  # double click, or Back + Agendar
    assert (first.status_code, second.status_code) == (303, 303)
    assert count() == before + 1
    page = _text(logged_in.get(second.headers["Location"]))
    assert "Este compromisso já tinha sido agendado; nada foi agendado de novo." in page
    # A form without its key saves nothing and gets a fresh one.
    data.pop("form_key")
    response = logged_in.post(_agenda_url(demo), data=data)
    assert response.status_code == 422 and "clique em Agendar" in _text(response)
    assert count() == before + 1


def test_two_agenda_submits_at_once_schedule_once(app, logged_in, demo, db):
    import threading

    data = _appointment_data(logged_in, demo, subject="Dois cliques simultâneos")
    url = _agenda_url(demo)
    other = app.test_client()
    other.set_cookie("session", logged_in.get_cookie("session").value)
    statuses = []

    def submit(client):
        statuses.append(client.post(url, data=data).status_code)

    threads = [threading.Thread(target=submit, args=(c,)) for c in (logged_in, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == [303, 303]
    fresh(db)
    subjects = db.session.scalars(
        sa.select(Appointment.subject).where(Appointment.subject == "Dois cliques simultâneos")
    ).all()
    assert len(subjects) == 1


def test_agendar_after_an_empresa_switch_keeps_what_was_typed(client, auth, demo, db):
    def switch(company):
        token = csrf_token_from(_text(client.get("/atendimentos/")))
        client.post("/empresa", data={"csrf_token": token, "company_id": company.id})

    auth.login("supervisor", "supervisor123")
    switch(demo["company"])
    data = _appointment_data(client, demo, subject="Ligar para a Maria na quinta")
    assert data["company_id"] == str(demo["company"].id)
    switch(demo["company_south"])  # another tab
    fresh(db)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Appointment))

    response = client.post(_agenda_url(demo), data=data)
    assert response.status_code == 409  # not a 404 that loses the form
    html = _text(response)
    assert "Nada foi agendado" in html and "Filial Sul Alimentos" in html
    assert "Ligar para a Maria na quinta" in html and "Preferência pelo período da tarde." in html
    assert "Voltar para isoCRM Demonstração" in html

    back = client.post(_agenda_url(demo), data={**data, "reabrir": "1"})
    assert back.status_code == 200
    html = _text(back)
    assert "Empresa trocada para isoCRM Demonstração" in html
    assert "Ligar para a Maria na quinta" in html and "Maria Aparecida da Silva" in html
    fresh(db)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Appointment)) == before

    assert client.post(_agenda_url(demo), data=data).status_code == 303
    fresh(db)
    saved = db.session.scalar(
        sa.select(Appointment).where(Appointment.subject == "Ligar para a Maria na quinta")
    )
    assert saved.company_id == demo["company"].id and saved.entity_id == demo["maria"].id


def test_appointment_created_from_a_ticket_links_back(logged_in, demo, db):
    page = _text(logged_in.get(_agenda_url(demo, ticket="000002")))
    assert 'name="ticket" type="hidden" value="2"' in page or 'value="2"' in page
    assert "Vinculado ao" in page and "Atendimento 000002" in page

    data = _appointment_data(logged_in, demo, ticket="2", subject="Retorno sobre o leite")
    response = logged_in.post(_agenda_url(demo), data=data)
    assert response.status_code == 303
    fresh(db)
    saved = db.session.scalar(
        sa.select(Appointment).where(Appointment.subject == "Retorno sobre o leite")
    )
    assert saved.ticket_id == demo["ticket_2"].id
    html = _text(logged_in.get(_agenda_url(demo)))
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*Retorno sobre o leite.*?</tr>", html, re.S).group(0)
    assert "Atendimento 000002" in row and 'href="/atendimentos/2"' in row


def test_agenda_ticket_of_another_entity_is_missing(logged_in, demo, db):
    other = _appointment_data(logged_in, demo, ticket="999")
    assert logged_in.get(_agenda_url(demo, ticket="999")).status_code == 404
    assert logged_in.post(_agenda_url(demo), data=other).status_code == 404


def test_mark_done_and_undo(logged_in, demo, db):
    appointment = demo["maria_appointment"]
    url = f"/entidades/{demo['maria'].id}/agenda/{appointment.id}/realizado"
    token = csrf_token_from(_text(logged_in.get(_agenda_url(demo))))

    response = logged_in.post(url, data={"csrf_token": token, "done": "1"})
    assert response.status_code == 303
    fresh(db)
    assert db.session.get(Appointment, appointment.id).done is True

    response = logged_in.post(
        url, data={"csrf_token": token, "done": "0"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert _text(response).lstrip().startswith('<section id="agenda-list"')
    fresh(db)
    assert db.session.get(Appointment, appointment.id).done is False


def test_mark_done_needs_csrf(logged_in, demo):
    appointment = demo["maria_appointment"]
    url = f"/entidades/{demo['maria'].id}/agenda/{appointment.id}/realizado"
    assert logged_in.post(url, data={"done": "1"}).status_code == 400


# --- Histórico ------------------------------------------------------------------------


def test_history_merges_every_source(logged_in, demo, db):
    maria = demo["maria"]
    # A registration change made through the ORM: the audit row is written on commit.
    maria.addresses[0].street = "Rua Nova das Flores"
    db.session.commit()

    # Two pages: the demo's own Papel/Unidade links (recorded since) take room on the first.
    html = _text(logged_in.get(f"/entidades/{maria.id}/historico"))
    html += _text(logged_in.get(f"/entidades/{maria.id}/historico?page=2"))
    for expected in (
        "Atendimento aberto",
        "Atendimento concluído",
        'href="/atendimentos/1"',
        "Detalhe do atendimento",
        "Telefone · Receptivo",
        "Pedido de venda",
        "PV-001001",
        "Nota fiscal emitida",
        "NF-e 1002",
        "Alerta criado",
        "Alerta resolvido",
        "Agenda",
        demo["maria_appointment"].subject,
        "Endereço alterado",
        "Rua Nova das Flores",
        # Relations are shown by name, not by id.
        "Relacionado com incluído",
        "Entidade relacionada: José Carlos da Silva",
        "Tipo de relação: Cônjuge",
    ):
        assert expected in html, expected


def test_history_shows_papel_and_unidade_changes_by_name(logged_in, demo, db):
    """Break-it: Papel and Unidade changes (association rows) never reached the Histórico."""
    maria = demo["maria"]
    unit = maria.units[0]
    maria.roles = [*maria.roles, demo["roles"]["fornecedor"]]
    maria.units = []
    db.session.commit()
    html = _text(logged_in.get(f"/entidades/{maria.id}/historico"))
    assert "Papel incluído: Fornecedor" in html
    assert f"Unidade removida: {unit.name}" in html


def test_history_shows_registration_values_as_the_cadastro_does(logged_in, demo, db):
    """CPF with punctuation, phone kinds by label, dates as dd/mm/aaaa, and the row a
    Principal change is about, not raw column values."""
    from datetime import date

    from isocrm.models import Phone

    maria = demo["maria"]
    maria.document = "98765432100"
    maria.birth_date = date(1970, 1, 2)
    db.session.commit()
    mobile, home = sorted(maria.phones, key=lambda p: p.kind)
    mobile.is_principal = False
    db.session.flush()  # one Principal at a time (unique index)
    home.is_principal = True
    maria.phones.append(Phone(is_principal=False, kind="comercial", number="1140040001"))
    whatsapp = next(e for e in maria.econtacts if e.kind == "whatsapp")
    whatsapp.value = "5511912345678"
    db.session.commit()

    html = _text(logged_in.get(f"/entidades/{maria.id}/historico"))
    for expected in (
        "CPF/CNPJ: 529.982.247-25 → 987.654.321-00",
        "Data de nascimento: 15/04/1968 → 02/01/1970",
        # A new row by its label, and a phone as it is written.
        "· Comercial (11) 4004-0001",
        "Tipo: Comercial",
        "Número: (11) 4004-0001",
    ):
        assert expected in html, expected
    # Which row became Principal, and which one stopped being it.
    items = re.findall(r'<li class="timeline-item registration">.*?</li>\s*</ul>', html, re.S)
    became = [i for i in items if "Principal: não → sim" in i]
    stopped = [i for i in items if "Principal: sim → não" in i]
    assert len(became) == len(stopped) == 1, items
    assert "Telefone alterado" in became[0] and "· Residencial (11) 3333-4444" in became[0]
    assert "Telefone alterado" in stopped[0] and "· Celular (11) 98765-4321" in stopped[0]
    # An update row holds only what changed: the row is named as it is now.
    [changed] = [i for i in items if "E-contact alterado" in i]
    assert "· WhatsApp 5511912345678" in changed, changed
    assert "version" not in html  # bookkeeping, not the attendant's business
    for raw in ("98765432100", "1970-01-02", "Tipo: comercial", "1140040001"):
        assert raw not in html, raw


def test_history_is_newest_first_and_shows_a_new_ticket(logged_in, demo, db):
    maria = demo["maria"]
    ticket = Ticket(
        company_id=demo["company"].id,
        code=4,
        entity_id=maria.id,
        role_id=demo["roles"]["cliente"].id,
        status_id=demo["statuses"]["aberto"].id,
        opened_by_id=demo["atendente"].id,
        updated_by_id=demo["atendente"].id,
        opened_at=utcnow() + timedelta(days=3650),  # newer than any demo record
    )
    db.session.add(ticket)
    db.session.commit()
    html = _text(logged_in.get(f"/entidades/{maria.id}/historico"))
    first = re.search(r'<li class="timeline-item ([a-z-]+)">.*?</li>', html, re.S).group(0)
    assert "Atendimento 000004" in first


def test_history_query_count_is_constant(logged_in, demo, db, count_queries):
    maria = demo["maria"]
    url = f"/entidades/{maria.id}/historico"
    logged_in.get(url)
    with count_queries() as small:
        assert logged_in.get(url).status_code == 200

    company_id, user_id = demo["company"].id, demo["atendente"].id
    now = utcnow()
    for n in range(40):
        db.session.add(
            Alert(
                company_id=company_id,
                entity_id=maria.id,
                message=f"Alerta {n}",
                created_by_id=user_id,
                created_at=now - timedelta(days=n),
                resolved_at=now - timedelta(days=n) + timedelta(hours=1),
                resolved_by_id=user_id,
            )
        )
        db.session.add(
            Appointment(
                company_id=company_id,
                entity_id=maria.id,
                attendant_id=user_id,
                starts_at=now - timedelta(days=n),
                subject=f"Compromisso {n}",
            )
        )
    db.session.commit()
    with count_queries() as big:
        page_1 = logged_in.get(url)
    with count_queries() as deeper:
        page_2 = logged_in.get(url + "?page=2", headers={"HX-Request": "true"})
    assert page_1.status_code == page_2.status_code == 200
    assert small.count == big.count == deeper.count, (small.count, big.count, deeper.count)
    assert len(re.findall(r'<li class="timeline-item', _text(page_1))) == 30
    assert f'href="{url}?page=2"' in _text(page_1)
    assert f'data-hx-get="{url}?page=2"' in _text(page_1)
    assert "Página 2" in _text(page_2)


@pytest.mark.parametrize("path", ["vendas", "notas", "pesquisas", "agenda"])
def test_list_query_count_is_constant(logged_in, demo, count_queries, path):
    url = f"/entidades/{demo['maria'].id}/{path}"
    logged_in.get(url)
    with count_queries() as counter:
        assert logged_in.get(url).status_code == 200
    assert counter.count <= 8, counter.statements


# --- tenancy and missing records ------------------------------------------------------


@pytest.mark.parametrize("path", ["vendas", "notas", "pesquisas", "agenda", "historico"])
def test_another_companys_entity_is_missing(logged_in, demo, path):
    assert logged_in.get(f"/entidades/{demo['luiza'].id}/{path}").status_code == 404


def test_records_of_another_entity_are_missing(logged_in, demo, db):
    maria, jose = demo["maria"], demo["jose"]
    order = demo["maria_orders"][0]
    invoice = demo["maria_invoices"][0]
    response = demo["maria_survey_response"]
    for url in (
        f"/entidades/{jose.id}/vendas/{order.id}",
        f"/entidades/{jose.id}/notas/{invoice.id}",
        f"/entidades/{jose.id}/pesquisas/{response.id}",
        f"/entidades/{maria.id}/vendas/999999",
        f"/entidades/{maria.id}/notas/999999",
        f"/entidades/{maria.id}/pesquisas/999999",
    ):
        assert logged_in.get(url).status_code == 404, url
    token = csrf_token_from(_text(logged_in.get(_agenda_url(demo))))
    appointment = demo["maria_appointment"]
    url = f"/entidades/{jose.id}/agenda/{appointment.id}/realizado"
    assert logged_in.post(url, data={"csrf_token": token, "done": "1"}).status_code == 404


def test_pagination_of_orders(logged_in, demo, db):
    maria = demo["maria"]
    first = db.session.scalar(sa.select(Order).where(Order.entity_id == maria.id).limit(1))
    for n in range(25):
        db.session.add(
            Order(
                company_id=demo["company"].id,
                entity_id=maria.id,
                number=f"PV-9{n:05d}",
                ordered_on=first.ordered_on - timedelta(days=365 + n),
                status="entregue",
            )
        )
    db.session.commit()
    url = f"/entidades/{maria.id}/vendas"
    page_1 = _text(logged_in.get(url))
    assert "Página 1 de 2" in page_1 and f'data-hx-get="{url}?page=2"' in page_1
    page_2 = _text(logged_in.get(url + "?page=2"))
    assert "PV-900024" in page_2 and "PV-001003" not in page_2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invoice)) >= 2


def test_a_history_page_past_the_end_does_not_say_nothing_was_recorded(logged_in, demo):
    html = _text(logged_in.get(f"/entidades/{demo['maria'].id}/historico?page=999"))
    assert "Nada registrado" not in html
    assert "A página 999 do histórico não existe" in html


@pytest.mark.parametrize("path", ["vendas", "notas", "pesquisas", "agenda"])
@pytest.mark.parametrize("page", ["abc", "0", "-3", "999", "99999999999999999999999"])
def test_a_junk_or_out_of_range_page_is_a_list_not_an_error(logged_in, demo, path, page):
    url = f"/entidades/{demo['maria'].id}/{path}?page={page}"
    for headers in ({}, {"HX-Request": "true"}):
        response = logged_in.get(url, headers=headers)
        assert response.status_code == 200, (url, headers)
    html = _text(response)
    if page in ("abc", "0", "-3"):  # read as page 1: the entity's records are listed
        assert "Paginação" not in html and "<tbody" in html
    else:  # past the end: the list's empty state, as for an entity without records
        assert "<tbody" not in html and 'class="empty"' in html
