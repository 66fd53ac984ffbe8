"""Prazos (SLA) on the real database: the flush hook keeps the ticket's prazo columns right
on every path, the supervisor's configuration, and the report's figures on fixed data.

Times are São Paulo (UTC − 3, no daylight saving time). October 2026: 01/10 is a Thursday,
12/10 (Monday) is Nossa Senhora Aparecida. November 2026: 01/11 is a Sunday. Empresa A has
no business hours configured: Monday to Friday, 08:00–18:00.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from isocrm.models import (
    AuditLog,
    BusinessHours,
    Holiday,
    Reason,
    Ticket,
    TicketDetail,
    TicketEvent,
)
from isocrm.models.base import utcnow
from isocrm.models.ticket import EVENT_STATUS
from isocrm.sla import report
from isocrm.sla.clock import recompute, recompute_all
from tests.conftest import AuthActions
from tests.factories import create_ticket, detail_post, fresh, ticket_by_code

SP = ZoneInfo("America/Sao_Paulo")


def sp(year, month, day, hour=0, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SP)


def set_targets(db, demo, reason, first, resolution):
    row = db.session.get(Reason, demo["reasons"][reason].id)
    row.first_answer_hours, row.resolution_hours = first, resolution
    db.session.commit()


def make_ticket(
    db, demo, code, reason, opened, *, owner, status="aberto", closed=None, answered=None
):
    ticket = Ticket(
        company_id=demo["company"].id,
        code=code,
        entity_id=demo["maria"].id,
        role_id=demo["roles"]["cliente"].id,
        reason_id=demo["reasons"][reason].id if reason else None,
        status_id=demo["statuses"][status].id,
        stage="confirmado",
        opened_by_id=demo["atendente"].id,
        updated_by_id=demo["atendente"].id,
        owner_id=owner.id if owner else None,
        opened_at=opened,
        closed_at=closed,
        updated_at=opened,
    )
    if answered is not None:
        ticket.details.append(
            TicketDetail(
                channel_id=demo["channels"]["Telefone"].id,
                description="Contato",
                answer="Resposta",
                answered_at=answered,
                opened_at=opened,
                attendant_id=demo["atendente"].id,
            )
        )
    db.session.add(ticket)
    db.session.commit()
    return ticket


def change_status_at(db, demo, ticket, status, at):
    """A situação change made through the ORM (its event is written by the model's hook),
    then dated back to `at` as if it had happened then, and the clock recomputed for `at`."""
    db.session.refresh(ticket)  # the old situação must be known for the event to be written
    ticket.status_id = demo["statuses"][status].id
    db.session.commit()
    event = db.session.scalars(
        sa.select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == EVENT_STATUS)
        .order_by(TicketEvent.id.desc())
    ).first()
    event.at = at
    db.session.flush()
    recompute(db.session, ticket, at)
    db.session.commit()


# --- the hook, on every path ----------------------------------------------------------------


def test_confirmar_sets_the_dues(logged_in, demo, db):
    # Reclamação has no targets in the demo: no first-answer due, 7 calendar days to resolve.
    assert create_ticket(logged_in, demo).status_code == 303
    ticket = ticket_by_code(db, 4)
    assert ticket.first_answer_due_at is None
    assert ticket.resolution_due_at == ticket.opened_at + timedelta(days=7)
    assert ticket.first_answered_at is None and ticket.sla_paused_at is None
    html = logged_in.get("/atendimentos/4").get_data(as_text=True)
    assert "Prazo de resolução" in html and "No prazo" in html


def test_an_answer_on_the_screen_sets_the_first_answer(logged_in, demo, db):
    create_ticket(logged_in, demo)
    response = detail_post(logged_in, demo, 4, description="Retorno", answer="Trocaremos.")
    assert response.status_code == 200
    ticket = ticket_by_code(db, 4)
    answered = [d.answered_at for d in ticket.details if d.answered_at]
    assert len(answered) == 1 and ticket.first_answered_at == answered[0]


def test_waiting_pauses_the_clock_and_coming_back_moves_the_dues(app, demo, db):
    set_targets(db, demo, "Reclamação", 4, 16)
    ticket = make_ticket(db, demo, 101, "Reclamação", sp(2026, 11, 5, 9), owner=demo["atendente"])
    # Opened Thu 05/11 09:00: first answer 4 h later = Thu 13:00; resolution 16 h = Thursday
    # 09–18 (9 h) + Friday 08:00 + 7 h = Fri 06/11 15:00.
    assert ticket.first_answer_due_at == sp(2026, 11, 5, 13)
    assert ticket.resolution_due_at == sp(2026, 11, 6, 15)

    # Through the ORM alone: the hook sees the change and pauses at the event's instant.
    ticket.status_id = demo["statuses"]["aguardando"].id
    db.session.commit()
    event = db.session.scalars(
        sa.select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
    ).one()
    assert ticket.sla_paused_at == event.at
    assert ticket.resolution_due_at == sp(2026, 11, 6, 15)  # frozen while paused

    # The same pause dated Fri 06/11 14:00, back to "Em andamento" on Mon 09/11 10:00:
    # 15 h had run (Thu 9 h + Fri 08–14); the last hour from Mon 10:00 = 11:00.
    event.at = sp(2026, 11, 6, 14)
    db.session.flush()
    recompute(db.session, ticket, sp(2026, 11, 6, 14))
    db.session.commit()
    assert ticket.sla_paused_at == sp(2026, 11, 6, 14)
    change_status_at(db, demo, ticket, "em_andamento", sp(2026, 11, 9, 10))
    assert ticket.sla_paused_at is None
    assert ticket.resolution_due_at == sp(2026, 11, 9, 11)
    assert ticket.first_answer_due_at == sp(2026, 11, 5, 13)  # the pause came after it


def test_a_paused_ticket_shows_the_time_left_not_the_frozen_date(logged_in, demo, db):
    set_targets(db, demo, "Reclamação", 4, 16)
    ticket = make_ticket(db, demo, 102, "Reclamação", sp(2026, 11, 5, 9), owner=demo["atendente"])
    # Paused Thu 05/11 10:30: the first answer (due 13:00) had 2 h 30 min left, the
    # resolution (due Fri 06/11 15:00) 7 h 30 min on Thursday + 7 h on Friday = 14 h 30 min.
    change_status_at(db, demo, ticket, "aguardando", sp(2026, 11, 5, 10, 30))
    html = logged_in.get("/atendimentos/102").get_data(as_text=True)
    first = html.split('id="sla-first-answer"')[1].split("</div>")[0]
    resolution = html.split('id="sla-resolution"')[1].split("</div>")[0]
    assert "Pausado (aguardando cliente)</span> — restam 2 h 30 min úteis" in first
    assert "Pausado (aguardando cliente)</span> — restam 14 h 30 min úteis" in resolution
    assert "06/11/2026" not in resolution  # the frozen date is not shown while paused
    # Without a Motivo target the default 7 days run in calendar time.
    set_targets(db, demo, "Reclamação", None, None)
    recompute(db.session, ticket, sp(2026, 11, 5, 10, 30))
    db.session.commit()
    resolution = logged_in.get("/atendimentos/102").get_data(as_text=True)
    resolution = resolution.split('id="sla-resolution"')[1].split("</div>")[0]
    assert "— restam 166 h 30 min<" in resolution  # 7 × 24 h − 1 h 30 min


def test_default_seven_days_with_a_two_day_pause(app, demo, db):
    # Dúvida has no target: opened Mon 02/11 10:00 + 7 × 24 h = Mon 09/11 10:00; paused
    # Wed 04/11 10:00 → Fri 06/11 10:00 (48 h) = Wed 11/11 10:00.
    ticket = make_ticket(db, demo, 102, "Dúvida", sp(2026, 11, 2, 10), owner=None)
    assert ticket.resolution_due_at == sp(2026, 11, 9, 10)
    change_status_at(db, demo, ticket, "aguardando", sp(2026, 11, 4, 10))
    change_status_at(db, demo, ticket, "em_andamento", sp(2026, 11, 6, 10))
    assert ticket.resolution_due_at == sp(2026, 11, 11, 10)
    assert ticket.first_answer_due_at is None


def test_motivo_change_and_detail_changes_recompute(app, demo, db):
    set_targets(db, demo, "Reclamação", 4, 16)
    ticket = make_ticket(db, demo, 103, "Dúvida", sp(2026, 11, 5, 9), owner=None)
    assert ticket.first_answer_due_at is None
    ticket.reason_id = demo["reasons"]["Reclamação"].id
    ticket.occurrence_id = ticket.cause_id = None
    db.session.commit()
    assert ticket.first_answer_due_at == sp(2026, 11, 5, 13)
    # A detail answered through the ORM alone: the ticket's first answer follows.
    detail = TicketDetail(
        ticket_id=ticket.id,
        channel_id=demo["channels"]["Telefone"].id,
        description="Contato",
        answer="Resposta",
        answered_at=sp(2026, 11, 5, 11),
        attendant_id=demo["atendente"].id,
    )
    db.session.add(detail)
    db.session.commit()
    assert ticket.first_answered_at == sp(2026, 11, 5, 11)
    detail.answer, detail.answered_at = None, None
    db.session.commit()
    assert ticket.first_answered_at is None


def test_a_late_ticket_shows_atrasado(logged_in, demo, db):
    # Ticket 3 (demo, Em andamento) was opened on 02/06/2026: due 7 days later, long past.
    ticket = ticket_by_code(db, 3)
    assert ticket.resolution_due_at == ticket.opened_at + timedelta(days=7)
    assert ticket.resolution_due_at < utcnow()
    html = logged_in.get("/atendimentos/3").get_data(as_text=True)
    assert "Atrasado" in html
    # Ticket 1 was concluded within its 7 days.
    assert "Cumprido" in logged_in.get("/atendimentos/1").get_data(as_text=True)


# --- configuration ------------------------------------------------------------------------


def supervisor_client(app, demo):
    client = app.test_client()
    auth = AuthActions(client)
    assert auth.login("supervisor", "supervisor123").status_code == 302
    token = auth.csrf_token()
    client.post("/empresa", data={"company_id": demo["company"].id, "csrf_token": token})
    return client, token


def test_configuration_is_for_supervisors(logged_in, demo):
    assert logged_in.get("/prazos/configuracao").status_code == 403
    assert logged_in.get("/prazos").status_code == 403


def test_business_hours_are_validated_and_saved(app, demo, db):
    client, token = supervisor_client(app, demo)
    page = client.get("/prazos/configuracao").get_data(as_text=True)
    assert "08:00-18:00" in page and "vale o padrão" in page
    bad = {"csrf_token": token, "day0": "18:00-08:00", "day1": "08:00-12:00, 11:00-14:00"}
    response = client.post("/prazos/configuracao/horario", data=bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "o fim deve ser depois do início" in html and "se sobrepõem" in html
    assert 'value="18:00-08:00"' in html  # what was typed comes back
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BusinessHours)) == 0
    empty = {"csrf_token": token}
    response = client.post("/prazos/configuracao/horario", data=empty)
    assert response.status_code == 422
    assert "ao menos um dia" in response.get_data(as_text=True)

    # Split hours Monday to Friday; an open ticket is recomputed with them.
    set_targets(db, demo, "Reclamação", 4, 16)
    ticket = make_ticket(db, demo, 104, "Reclamação", sp(2026, 11, 9, 11), owner=None)
    assert ticket.first_answer_due_at == sp(2026, 11, 9, 15)  # 11:00 + 4 h, no lunch
    good = {"csrf_token": token} | {f"day{d}": "08:00-12:00, 13:00-18:00" for d in range(5)}
    response = client.post("/prazos/configuracao/horario", data=good)
    assert response.status_code == 303
    fresh(db)
    rows = db.session.execute(
        sa.select(BusinessHours.weekday, BusinessHours.opens, BusinessHours.closes).where(
            BusinessHours.company_id == demo["company"].id
        )
    ).all()
    assert len(rows) == 10 and (0, 480, 720) in rows and (4, 780, 1080) in rows
    # 11–12 (1 h), lunch, 13:00 + 3 h = 16:00.
    assert db.session.get(Ticket, ticket.id).first_answer_due_at == sp(2026, 11, 9, 16)


def test_holidays_are_validated_added_and_removed(app, demo, db):
    client, token = supervisor_client(app, demo)
    url = "/prazos/configuracao/feriados"
    response = client.post(url, data={"csrf_token": token, "day": "31/02/2026", "name": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Data inválida" in html and "Informe o nome do feriado." in html
    response = client.post(url, data={"csrf_token": token, "day": "20/11/2026", "name": "X"})
    assert response.status_code == 422
    assert "já é feriado nacional" in response.get_data(as_text=True)

    set_targets(db, demo, "Reclamação", 4, 16)
    ticket = make_ticket(db, demo, 105, "Reclamação", sp(2026, 11, 24, 17), owner=None)
    assert ticket.first_answer_due_at == sp(2026, 11, 25, 11)  # 1 h Tue + Wed 08:00 + 3 h
    data = {"csrf_token": token, "day": "25/11/2026", "name": "Aniversário da cidade"}
    assert client.post(url, data=data).status_code == 303
    fresh(db)
    # Wednesday is the Empresa's holiday now: Thu 26/11 08:00 + 3 h.
    assert db.session.get(Ticket, ticket.id).first_answer_due_at == sp(2026, 11, 26, 11)
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert "Já existe um feriado da Empresa nesta data." in response.get_data(as_text=True)

    holiday = db.session.scalar(sa.select(Holiday).where(Holiday.company_id == demo["company"].id))
    south = Holiday(company_id=demo["company_south"].id, day=holiday.day, name="Do Sul")
    db.session.add(south)
    db.session.commit()
    delete = f"{url}/{south.id}/excluir"
    assert client.post(delete, data={"csrf_token": token}).status_code == 404
    holiday_id, south_id = holiday.id, south.id
    assert client.post(f"{url}/{holiday_id}/excluir", data={"csrf_token": token}).status_code == 303
    fresh(db)
    assert db.session.get(Holiday, holiday_id) is None
    assert db.session.get(Holiday, south_id) is not None
    assert db.session.get(Ticket, ticket.id).first_answer_due_at == sp(2026, 11, 25, 11)


def test_motivo_targets_are_validated_and_saved(app, demo, db):
    client, token = supervisor_client(app, demo)
    reason = demo["reasons"]["Reclamação"]
    url = "/prazos/configuracao/motivos"
    response = client.post(
        url, data={"csrf_token": token, f"fa-{reason.id}": "abc", f"res-{reason.id}": "0"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Informe um número inteiro de horas úteis." in html and "Informe entre 1 e" in html
    assert 'value="abc"' in html
    # A first answer due after the resolution is refused, nothing saved, typed values kept.
    data = {"csrf_token": token, f"fa-{reason.id}": "10", f"res-{reason.id}": "5"}
    response = client.post(url, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "O prazo de 1ª resposta não pode ser maior que o de resolução." in html
    assert 'value="10"' in html and 'value="5"' in html
    fresh(db)
    row = db.session.get(Reason, reason.id)
    assert (row.first_answer_hours, row.resolution_hours) != (10, 5)
    # Ticket 3 (open, Reclamação, opened Tue 02/06/2026 10:30 local) is recomputed: 8
    # business hours = Tue 10:30–18:00 (7.5 h) + Wed 03/06 08:00 + 0.5 h = 08:30.
    audited = sa.select(sa.func.count()).where(AuditLog.table_name == "tickets")
    before = db.session.scalar(audited)
    data = {"csrf_token": token, f"fa-{reason.id}": "2", f"res-{reason.id}": "8"}
    assert client.post(url, data=data).status_code == 303
    fresh(db)
    # Recomputed prazos are derived, not an edit of the ticket: no audit entry for them.
    assert db.session.scalar(audited) == before
    row = db.session.get(Reason, reason.id)
    assert (row.first_answer_hours, row.resolution_hours) == (2, 8)
    # The Reclamação checkbox was not sent: the Motivo no longer counts in the lot warnings.
    assert row.is_complaint is False
    ticket = ticket_by_code(db, 3)
    assert ticket.opened_at == sp(2026, 6, 2, 10, 30)
    assert ticket.resolution_due_at == sp(2026, 6, 3, 8, 30)
    assert ticket.first_answer_due_at == sp(2026, 6, 2, 12, 30)
    # Ticket 1 is closed: it keeps the prazo it was judged by.
    assert ticket_by_code(db, 1).first_answer_due_at is None


# --- the report ---------------------------------------------------------------------------


def report_data(db, demo):
    """Six tickets around October 2026 (Reclamação: 4 h / 16 h; Dúvida: no targets)."""
    set_targets(db, demo, "Reclamação", 4, 16)
    att, sup = demo["atendente"], demo["supervisor"]
    # T1 Thu 08/10 09:00: first answer due 13:00, answered 10:00 (met); resolution due
    # Thu 9 h + Fri 09/10 08:00 + 7 h = Fri 15:00, concluded Fri 14:00 (met).
    t1 = make_ticket(db, demo, 201, "Reclamação", sp(2026, 10, 8, 9), owner=att, status="concluido",
                     closed=sp(2026, 10, 9, 14), answered=sp(2026, 10, 8, 10))  # fmt: skip
    # T2 Fri 09/10 16:00: 2 h on Friday, weekend, Mon 12/10 a holiday; first answer due
    # Tue 13/10 08:00 + 2 h = 10:00, answered 11:00 (late); resolution 16 h = Fri 2 h +
    # Tue 10 h + Wed 14/10 08:00 + 4 h = 12:00, concluded Wed 11:00 (met).
    t2 = make_ticket(db, demo, 202, "Reclamação", sp(2026, 10, 9, 16), owner=att,
                     status="concluido", closed=sp(2026, 10, 14, 11),
                     answered=sp(2026, 10, 13, 11))  # fmt: skip
    # T3 Dúvida Mon 19/10 10:00, open: due Mon 26/10 10:00, past (late).
    t3 = make_ticket(
        db, demo, 203, "Dúvida", sp(2026, 10, 19, 10), owner=sup, status="em_andamento"
    )
    # T4 Dúvida cancelled: not counted for the resolution.
    make_ticket(db, demo, 204, "Dúvida", sp(2026, 10, 20, 10), owner=None, status="cancelado",
                closed=sp(2026, 10, 20, 11))  # fmt: skip
    # T5 Reclamação Thu 29/10 09:00, waiting on the customer since 10:00, before both dues
    # (13:00 and Fri 30/10 15:00): pending for both.
    t5 = make_ticket(db, demo, 205, "Reclamação", sp(2026, 10, 29, 9), owner=sup)
    change_status_at(db, demo, t5, "aguardando", sp(2026, 10, 29, 10))
    # Outside the period: opened 30/09.
    make_ticket(db, demo, 206, "Reclamação", sp(2026, 9, 30, 9), owner=att)
    return t1, t2, t3, t5


def test_report_figures_on_fixed_data(app, demo, db):
    t1, t2, t3, t5 = report_data(db, demo)
    assert (t1.first_answer_due_at, t1.resolution_due_at) == (
        sp(2026, 10, 8, 13),
        sp(2026, 10, 9, 15),
    )
    assert (t2.first_answer_due_at, t2.resolution_due_at) == (
        sp(2026, 10, 13, 10),
        sp(2026, 10, 14, 12),
    )
    assert t3.resolution_due_at == sp(2026, 10, 26, 10)
    assert t5.sla_paused_at == sp(2026, 10, 29, 10)
    assert t5.resolution_due_at == sp(2026, 10, 30, 15)

    start, end = sp(2026, 10, 1), sp(2026, 11, 1)
    now = datetime(2026, 11, 1, 12, tzinfo=ZoneInfo("UTC"))
    company = demo["company"].id
    reasons = {r.label: r for r in report.by_reason(db.session, company, start, end, now)}
    fields = ("total", "answer_met", "answer_late", "resolution_met", "resolution_late")
    as_tuple = lambda row: tuple(getattr(row, f) for f in fields)  # noqa: E731
    assert as_tuple(reasons["Reclamação"]) == (3, 1, 1, 2, 0)
    assert as_tuple(reasons["Dúvida"]) == (2, 0, 0, 0, 1)
    assert (
        reasons["Reclamação"].answer_pct == 50.0 and reasons["Reclamação"].resolution_pct == 100.0
    )
    assert reasons["Dúvida"].answer_pct is None and reasons["Dúvida"].resolution_pct == 0.0
    owners = {r.label: r for r in report.by_owner(db.session, company, start, end, now)}
    assert as_tuple(owners[demo["atendente"].name]) == (2, 1, 1, 2, 0)
    assert as_tuple(owners[demo["supervisor"].name]) == (2, 0, 0, 0, 1)
    assert as_tuple(owners["Sem responsável"]) == (1, 0, 0, 0, 0)


def test_report_page_and_its_query_count(app, demo, db, count_queries):
    report_data(db, demo)
    client, token_of = supervisor_client(app, demo)
    url = "/prazos?de=01/10/2026&ate=31/10/2026"
    with count_queries() as counter:
        response = client.get(url)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<svg" in html and "Percentual no prazo por motivo" in html
    assert "50,0%" in html and "100,0%" in html and "Sem responsável" in html
    before = counter.count
    for code in range(301, 311):  # more tickets, owners and motivos: the same statements
        reason = "Dúvida" if code % 2 else "Reclamação"
        owner = demo["supervisor"] if code % 3 else demo["atendente"]
        make_ticket(db, demo, code, reason, sp(2026, 10, 5 + code % 20, 9), owner=owner)
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    assert counter.count == before
    bad = client.get("/prazos?de=31/10/2026&ate=01/10/2026")
    assert bad.status_code == 422
    assert "A data final deve ser igual ou posterior à inicial." in bad.get_data(as_text=True)


def test_recompute_all_touches_only_open_tickets(app, demo, db):
    t1, _t2, t3, _t5 = report_data(db, demo)
    set_targets(db, demo, "Dúvida", 8, 8)
    assert recompute_all(db.session, demo["company"].id, utcnow()) >= 3
    db.session.commit()
    # T3 Mon 19/10 10:00 + 8 business hours = Mon 8 h (10–18) = 18:00.
    assert t3.resolution_due_at == sp(2026, 10, 19, 18)
    assert t1.resolution_due_at == sp(2026, 10, 9, 15)  # closed: untouched


def test_demo_prazos(app, demo, db):
    """The demo's targets (Reclamação: 8 h / 40 h) and holiday, applied to its tickets."""
    from isocrm.sla.demo import load_sla_demo

    assert load_sla_demo(db.session, demo) == 3
    db.session.commit()
    # Ticket 3, opened Tue 02/06/2026 10:30: first answer Tue 10:30–18:00 (7.5 h) + Wed
    # 08:00 + 0.5 h; resolution 40 h = Tue 7.5 + Wed 10 + Thu 10 (Corpus Christi is not a
    # national holiday) + Fri 10 = 37.5 h, Mon 08/06 08:00 + 2.5 h = 10:30.
    ticket = ticket_by_code(db, 3)
    assert ticket.first_answer_due_at == sp(2026, 6, 3, 8, 30)
    assert ticket.resolution_due_at == sp(2026, 6, 8, 10, 30)
    # Ticket 1, opened Tue 12/05/2026 09:12, answered at 09:25: 8 h later is 17:12.
    ticket = ticket_by_code(db, 1)
    assert ticket.first_answer_due_at == sp(2026, 5, 12, 17, 12)
    assert ticket.first_answered_at == sp(2026, 5, 12, 9, 25)
    assert db.session.scalar(
        sa.select(Holiday.name).where(Holiday.company_id == demo["company"].id)
    )


def test_prazos_recompute_command_fills_tickets_written_without_the_clock(app, demo, db):
    """An upgraded database (or rows written with plain SQL) has tickets with no prazos: the
    command computes them, open tickets only unless --closed."""
    open_ids = db.session.scalars(
        sa.select(Ticket.id).where(Ticket.closed_at.is_(None), Ticket.stage == "confirmado")
    ).all()
    assert open_ids
    db.session.execute(sa.update(Ticket).values(resolution_due_at=None))
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["prazos", "recompute", "--company", str(demo["company"].id)])
    assert result.exit_code == 0, result.output
    assert "atendimentos recalculados" in result.output
    db.session.expire_all()
    missing = db.session.scalars(
        sa.select(Ticket.id).where(
            Ticket.company_id == demo["company"].id,
            Ticket.closed_at.is_(None),
            Ticket.stage == "confirmado",
            Ticket.resolution_due_at.is_(None),
        )
    ).all()
    assert missing == []
    closed_empty = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Ticket)
        .where(Ticket.closed_at.is_not(None), Ticket.resolution_due_at.is_(None))
    )
    assert closed_empty > 0  # untouched without --closed
    result = runner.invoke(args=["prazos", "recompute", "--closed"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Ticket)
            .where(Ticket.stage == "confirmado", Ticket.resolution_due_at.is_(None))
        )
        == 0
    )
    assert runner.invoke(args=["prazos", "recompute", "--company", "999999"]).exit_code != 0


def test_motivo_complaint_flag_is_shown_and_saved(app, demo, db):
    client, token = supervisor_client(app, demo)
    complaint, question = demo["reasons"]["Reclamação"], demo["reasons"]["Dúvida"]
    html = client.get("/prazos/configuracao").get_data(as_text=True)
    assert "Reclamação (conta no alerta de lote)" in html
    assert f'name="complaint-{complaint.id}" value="1" checked' in html
    assert f'name="complaint-{question.id}" value="1">' in html
    url = "/prazos/configuracao/motivos"
    # A bad target elsewhere: nothing saved, the boxes come back as typed.
    data = {"csrf_token": token, f"fa-{complaint.id}": "x", f"complaint-{question.id}": "1"}
    response = client.post(url, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'name="complaint-{question.id}" value="1" checked' in html
    assert f'name="complaint-{complaint.id}" value="1">' in html
    fresh(db)
    assert db.session.get(Reason, question.id).is_complaint is False
    assert db.session.get(Reason, complaint.id).is_complaint is True
    data = {"csrf_token": token, f"complaint-{question.id}": "1"}
    assert client.post(url, data=data).status_code == 303
    fresh(db)
    assert db.session.get(Reason, question.id).is_complaint is True
    assert db.session.get(Reason, complaint.id).is_complaint is False
