"""Responsável and Equipe on the ticket screen: passing a ticket on (with its note in the
history), Assumir, the checks on who may take it, the version, the unsaved edits of whoever
has the screen open, the entity's Histórico, and the `teams` commands."""

import re

import sqlalchemy as sa

from isocrm.models import Status, Team, Ticket, TicketEvent, User
from isocrm.models.ticket import EVENT_ASSIGNED
from tests.conftest import csrf_token_from
from tests.factories import create_ticket, include, screen_form, ticket_by_code
from tests.forms import form_values

HX = {"HX-Request": "true"}


def _user(db, demo, username, *, company="company", active=True, password=None):
    db.session.commit()  # a fresh snapshot: the requests wrote since this session read
    user = User(
        username=username,
        name=f"{username.title()} Teste",
        role="atendente",
        companies=[demo[company]],
        active=active,
    )
    user.set_password(password or f"{username}-senha-123")
    db.session.add(user)
    db.session.commit()
    return user


def _team(db, demo, name, *, company="company", active=True, members=()):
    db.session.commit()
    team = Team(company_id=demo[company].id, name=name, active=active, members=list(members))
    db.session.add(team)
    db.session.commit()
    return team


def _pass_data(client, code, **values):
    html = client.get(f"/atendimentos/{code}/responsavel").get_data(as_text=True)
    form = form_values(html, "pass-form")
    data = {
        "csrf_token": form["csrf_token"],
        "pass-version": form["pass-version"],
        "pass-ticket_id": form["pass-ticket_id"],
        "pass-owner_id": "",
        "pass-team_id": "",
        "pass-note": "",
    }
    data.update({f"pass-{k}": str(v) for k, v in values.items()})
    return data


def _login(client, username, password):
    """Another browser on the same app."""
    other = client.application.test_client()
    token = csrf_token_from(other.get("/entrar").get_data(as_text=True))
    login = {"username": username, "password": password, "csrf_token": token}
    assert other.post("/entrar", data=login).status_code == 302
    return other


def _events(db, ticket_id):
    db.session.commit()
    return db.session.scalars(
        sa.select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket_id, TicketEvent.kind == EVENT_ASSIGNED)
        .order_by(TicketEvent.id)
    ).all()


def _confirmed(logged_in, demo, db) -> Ticket:
    assert create_ticket(logged_in, demo).status_code == 303
    return ticket_by_code(db, 4)


def test_pass_to_a_colleague_with_a_note(logged_in, demo, db):
    ticket = _confirmed(logged_in, demo, db)
    bruno = _user(db, demo, "bruno")
    assert ticket.owner_id == demo["atendente"].id  # who opened it
    version = ticket.version
    page = logged_in.get("/atendimentos/4").get_data(as_text=True)
    assert "Responsável: <strong" in page and "Passar atendimento" in page
    form_page = logged_in.get("/atendimentos/4/responsavel").get_data(as_text=True)
    assert f'<option value="{bruno.id}">Bruno Teste</option>' in form_page

    data = _pass_data(logged_in, 4, owner_id=bruno.id, note="Cliente pediu retorno à tarde.")
    response = logged_in.post("/atendimentos/4/responsavel", data=data)
    assert response.status_code == 303 and response.location.endswith("/atendimentos/4")

    ticket = ticket_by_code(db, 4)
    assert ticket.owner_id == bruno.id and ticket.team_id is None
    assert ticket.version == version + 1
    [event] = _events(db, ticket.id)
    assert (event.from_owner_id, event.to_owner_id, event.user_id) == (
        demo["atendente"].id,
        bruno.id,
        demo["atendente"].id,
    )
    assert event.note == "Cliente pediu retorno à tarde."
    page = logged_in.get("/atendimentos/4").get_data(as_text=True)
    assert 'id="holder-owner">Bruno Teste<' in page
    assert "Histórico do atendimento (1)" in page and "Cliente pediu retorno à tarde." in page
    assert "Assumir" in page  # no longer the attendant's own


def test_pass_to_a_team_over_htmx_answers_the_panel(logged_in, demo, db):
    ticket = _confirmed(logged_in, demo, db)
    team = _team(db, demo, "Qualidade", members=[demo["atendente"]])
    data = _pass_data(logged_in, 4, owner_id=demo["atendente"].id, team_id=team.id)
    response = logged_in.post("/atendimentos/4/responsavel", data=data, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="holder-panel"') and "<html" not in html
    assert 'id="holder-team">Qualidade<' in html and "passado" in html
    ticket = ticket_by_code(db, 4)
    assert (ticket.owner_id, ticket.team_id) == (demo["atendente"].id, team.id)
    [event] = _events(db, ticket.id)
    assert (event.from_team_id, event.to_team_id, event.note) == (None, team.id, None)


def test_holders_outside_the_company_or_inactive_change_nothing(logged_in, demo, db):
    ticket = _confirmed(logged_in, demo, db)
    version = ticket.version
    wrong = {
        "owner_id": [
            _user(db, demo, "sulista", company="company_south").id,
            _user(db, demo, "inativo", active=False).id,
            "abc",
            "999999",
        ],
        "team_id": [
            _team(db, demo, "Sul", company="company_south").id,
            _team(db, demo, "Antiga", active=False).id,
        ],
    }
    messages = {
        "owner_id": "Escolha um atendente ativo desta empresa.",
        "team_id": "Escolha uma equipe ativa desta empresa.",
    }
    for name, values in wrong.items():
        for value in values:
            data = _pass_data(logged_in, 4, note="Nota digitada")
            data[f"pass-{name}"] = str(value)
            response = logged_in.post("/atendimentos/4/responsavel", data=data)
            html = response.get_data(as_text=True)
            assert response.status_code == 422, (name, value)
            assert f'id="pass-{name}-errors">\n    <li>{messages[name]}</li>' in html
            assert "Nota digitada</textarea>" in html  # the form keeps what was typed
    ticket = ticket_by_code(db, 4)
    assert (ticket.owner_id, ticket.team_id, ticket.version) == (
        demo["atendente"].id,
        None,
        version,
    )
    assert _events(db, ticket.id) == []


def test_a_note_too_long_is_refused_beside_the_field(logged_in, demo, db):
    _confirmed(logged_in, demo, db)
    bruno = _user(db, demo, "bruno")
    data = _pass_data(logged_in, 4, owner_id=bruno.id, note="x" * 2001)
    response = logged_in.post("/atendimentos/4/responsavel", data=data, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="pass-note-errors">\n    <li>Texto longo demais (máximo de 2000 caracteres).' in html
    assert f'<option selected value="{bruno.id}">' in html
    assert ticket_by_code(db, 4).owner_id == demo["atendente"].id
    data["pass-note"] = "x" * 2000
    assert logged_in.post("/atendimentos/4/responsavel", data=data).status_code == 303


def test_a_ticket_changed_meanwhile_is_not_overwritten(logged_in, demo, db):
    ticket = _confirmed(logged_in, demo, db)
    bruno, carla = _user(db, demo, "bruno"), _user(db, demo, "carla")
    stale = _pass_data(logged_in, 4, owner_id=carla.id, note="Para a Carla")
    first = _pass_data(logged_in, 4, owner_id=bruno.id)
    assert logged_in.post("/atendimentos/4/responsavel", data=first).status_code == 303
    response = logged_in.post("/atendimentos/4/responsavel", data=stale, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Outro atendente alterou este atendimento" in html and "Bruno Teste" in html
    assert "Para a Carla</textarea>" in html and f'<option selected value="{carla.id}">' in html
    ticket = ticket_by_code(db, 4)
    assert ticket.owner_id == bruno.id and len(_events(db, ticket.id)) == 1
    # The form now carries the current version: sending it again passes the ticket.
    version = re.search(r'name="pass-version"[^>]*value="(\d+)"', html).group(1)
    again = {**stale, "pass-version": version}
    assert logged_in.post("/atendimentos/4/responsavel", data=again).status_code == 303
    assert ticket_by_code(db, 4).owner_id == carla.id


def test_a_pass_meanwhile_loses_no_unsaved_edit_and_raises_no_conflict(logged_in, demo, db, client):
    """The attendant has the screen open and types; someone passes the ticket (its version
    goes up); the typed text is restored and Confirmar saves it without a conflict."""
    version = _confirmed(logged_in, demo, db).version
    screen = screen_form(logged_in.get("/atendimentos/4").get_data(as_text=True))
    screen["complementary_data"] = "Texto digitado e ainda não confirmado"
    screen["location_note"] = "Nota do local digitada"
    assert logged_in.post("/atendimentos/4/rascunho", data=screen).status_code == 200

    # A colleague, in another session, passes the ticket to Bruno.
    bruno = _user(db, demo, "bruno")
    _user(db, demo, "carla", password="carla-senha-123")
    other = _login(logged_in, "carla", "carla-senha-123")
    data = _pass_data(other, 4, owner_id=bruno.id, note="Fica com o Bruno")
    assert other.post("/atendimentos/4/responsavel", data=data).status_code == 303
    assert ticket_by_code(db, 4).version == version + 1

    # The screen still open, Confirmar as it was (the old version and base): no conflict.
    response = logged_in.post("/atendimentos/4", data=screen)
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    saved = ticket_by_code(db, 4)
    assert saved.complementary_data == "Texto digitado e ainda não confirmado"
    assert saved.location_note == "Nota do local digitada"
    assert saved.owner_id == bruno.id

    # Again, but the attendant reloads the screen after the pass: what was typed is
    # restored (on the version it was typed on) and Confirmar saves it without a conflict.
    version = saved.version
    screen = screen_form(logged_in.get("/atendimentos/4").get_data(as_text=True))
    screen["complementary_data"] = "Segunda versão"
    assert logged_in.post("/atendimentos/4/rascunho", data=screen).status_code == 200
    token = csrf_token_from(other.get("/atendimentos/4").get_data(as_text=True))
    assert (
        other.post(
            "/atendimentos/4/assumir",
            data={"csrf_token": token, "version": version, "ticket_id": saved.id},
        )
    ).status_code == 303
    html = logged_in.get("/atendimentos/4").get_data(as_text=True)
    assert "Segunda versão" in html and "Restauramos" in html
    assert 'id="holder-owner">Carla Teste<' in html
    restored = screen_form(html)
    assert restored["version"] == str(version)  # the one the typing started on
    response = logged_in.post("/atendimentos/4", data=restored)
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    saved = ticket_by_code(db, 4)
    assert saved.complementary_data == "Segunda versão"
    assert saved.location_note == "Nota do local digitada"
    assert saved.owner.username == "carla"
    assert "Restauramos" not in logged_in.get("/atendimentos/4").get_data(as_text=True)


def test_assumir_takes_the_ticket_and_keeps_the_team(logged_in, demo, db):
    ticket = _confirmed(logged_in, demo, db)
    team = _team(db, demo, "Logística")
    bruno = _user(db, demo, "bruno")
    data = _pass_data(logged_in, 4, owner_id=bruno.id, team_id=team.id)
    assert logged_in.post("/atendimentos/4/responsavel", data=data).status_code == 303
    version = ticket_by_code(db, 4).version
    token = csrf_token_from(logged_in.get("/atendimentos/4").get_data(as_text=True))
    stale = {"csrf_token": token, "version": str(version - 1), "ticket_id": ticket.id}
    assert logged_in.post("/atendimentos/4/assumir", data=stale).status_code == 409
    assert ticket_by_code(db, 4).owner_id == bruno.id
    response = logged_in.post(
        "/atendimentos/4/assumir",
        data={"csrf_token": token, "version": str(version), "ticket_id": ticket.id},
    )
    assert response.status_code == 303
    ticket = ticket_by_code(db, 4)
    assert (ticket.owner_id, ticket.team_id) == (demo["atendente"].id, team.id)
    assert [e.note for e in _events(db, ticket.id)] == [None, None]


def test_drafts_are_not_passed(logged_in, demo, db):
    code = include(logged_in, demo["maria"].id)
    page = logged_in.get(f"/atendimentos/{code}").get_data(as_text=True)
    assert "Responsável: <strong" in page and "Passar atendimento" not in page
    assert logged_in.get(f"/atendimentos/{code}/responsavel").status_code == 404
    token = csrf_token_from(page)
    data = {"csrf_token": token, "version": "1", "owner_id": str(demo["supervisor"].id)}
    assert logged_in.post(f"/atendimentos/{code}/responsavel", data=data).status_code == 404


def test_an_attendant_of_another_company_gets_404(logged_in, demo, db, client):
    _confirmed(logged_in, demo, db)
    _user(db, demo, "sulista", company="company_south", password="sulista-senha-123")
    other = _login(logged_in, "sulista", "sulista-senha-123")
    page = other.get("/atendimentos/").get_data(as_text=True)
    token = csrf_token_from(page)
    data = {"csrf_token": token, "version": "1", "owner_id": str(demo["atendente"].id)}
    assert other.get("/atendimentos/4/responsavel").status_code == 404
    assert other.post("/atendimentos/4/responsavel", data=data).status_code == 404
    assert other.post("/atendimentos/4/assumir", data=data).status_code == 404
    assert _events(db, ticket_by_code(db, 4).id) == []


def test_events_show_in_the_entity_history_at_a_constant_cost(logged_in, demo, db, count_queries):
    ticket = _confirmed(logged_in, demo, db)
    url = f"/entidades/{demo['maria'].id}/historico"
    users = [_user(db, demo, name) for name in ("bruno", "carla")]
    team = _team(db, demo, "Qualidade")

    def count(address):
        logged_in.get(address)
        with count_queries() as counter:
            assert logged_in.get(address).status_code == 200
        return counter.count

    before, screen_before = count(url), count("/atendimentos/4")
    data = _pass_data(logged_in, 4, owner_id=users[0].id, note="Primeira passagem")
    assert logged_in.post("/atendimentos/4/responsavel", data=data).status_code == 303
    for i in range(12):
        data = _pass_data(
            logged_in,
            4,
            owner_id=users[(i + 1) % 2].id,
            team_id=team.id if i % 3 else "",
            note=f"n{i}",
        )
        assert logged_in.post("/atendimentos/4/responsavel", data=data).status_code == 303
    assert len(_events(db, ticket.id)) == 13
    html = logged_in.get(url).get_data(as_text=True)
    assert "Atendimento passado" in html and "n11" in html
    assert "Bruno Teste → Carla Teste · equipe Qualidade" in html
    assert count(url) == before
    assert count("/atendimentos/4") == screen_before


def test_status_changes_show_in_both_histories(logged_in, demo, db):
    _confirmed(logged_in, demo, db)
    screen = screen_form(logged_in.get("/atendimentos/4").get_data(as_text=True))
    screen["status_id"] = str(demo["statuses"]["aguardando"].id)
    assert logged_in.post("/atendimentos/4", data=screen).status_code == 303
    page = logged_in.get("/atendimentos/4").get_data(as_text=True)
    assert "mudou a situação de <strong>Aberto</strong> para <strong>Aguardando cliente" in page
    html = logged_in.get(f"/entidades/{demo['maria'].id}/historico").get_data(as_text=True)
    assert "Situação alterada" in html and "Aberto → Aguardando cliente" in html


def test_teams_commands(app, demo, db):
    runner = app.test_cli_runner()
    company = str(demo["company"].id)

    def run(*args):
        return runner.invoke(args=["teams", *args])

    result = run("create", "Qualidade", "--company", company)
    assert result.exit_code == 0 and "Equipe Qualidade criada" in result.output
    assert run("create", "Qualidade", "--company", company).exit_code != 0
    assert run("create", "X", "--company", "999999").exit_code != 0
    assert run("add-member", "Qualidade", "atendente", "--company", company).exit_code == 0
    assert run("add-member", "Qualidade", "supervisor", "--company", company).exit_code == 0
    refused = run("add-member", "Qualidade", "ninguem", "--company", company)
    assert refused.exit_code != 0 and "não encontrado" in refused.output
    assert run("add-member", "Inexistente", "atendente", "--company", company).exit_code != 0
    listing = run("list", "--company", company)
    assert "Qualidade: atendente, supervisor" in listing.output
    assert run("remove-member", "Qualidade", "supervisor", "--company", company).exit_code == 0
    assert run("remove-member", "Qualidade", "supervisor", "--company", company).exit_code != 0
    assert "Qualidade: atendente" in run("list", "--company", company).output
    db.session.commit()
    team = db.session.scalar(sa.select(Team).where(Team.name == "Qualidade"))
    assert team.company_id == demo["company"].id
    assert [u.username for u in team.members] == ["atendente"]


def test_the_demo_desk_is_alive_when_loaded(db):
    """More attendants, two equipes, open tickets held by people, equipes and nobody, some
    waiting on the customer, some late and some not against the moment of loading."""
    from isocrm.demo import load_demo
    from isocrm.models.base import utcnow

    load_demo(db.session, people=30)
    now = utcnow()
    session = db.session
    users = {u.username: u for u in session.scalars(sa.select(User))}
    assert users["atendente2"].check_password("atendente2123")
    assert users["atendente3"].check_password("atendente3123")
    teams = {t.name: t for t in session.scalars(sa.select(Team))}
    assert {u.username for u in teams["Qualidade"].members} >= {"atendente", "atendente2"}
    assert teams["Logística"].members
    company = users["atendente"].companies[0]
    open_tickets = session.scalars(
        sa.select(Ticket).where(
            Ticket.company_id == company.id,
            Ticket.stage == "confirmado",
            Ticket.closed_at.is_(None),
        )
    ).all()
    holders = {(t.owner_id, t.team_id) for t in open_tickets}
    assert any(o == users["atendente"].id for o, _ in holders)  # "Meus" of the demo login
    assert any(o == users["atendente2"].id for o, _ in holders)
    assert any(o is None and t is None for o, t in holders)  # Sem responsável
    assert any(t == teams["Qualidade"].id for _, t in holders)
    assert any(t.status.category == "aguardando" and t.sla_paused_at for t in open_tickets)
    late = [t for t in open_tickets if t.resolution_due_at < now and t.sla_paused_at is None]
    on_time = [t for t in open_tickets if t.resolution_due_at > now]
    assert late and len(on_time) >= 5
    for ticket in session.scalars(sa.select(Ticket).where(Ticket.stage == "confirmado")):
        assert ticket.resolution_due_at is not None  # the SLA clock's, see test_sla
        assert ticket.owner is None or company in ticket.owner.companies
    passes = session.scalars(sa.select(TicketEvent).where(TicketEvent.kind == "responsavel"))
    assert any(e.note for e in passes)
    # The fresh tickets waiting on the customer went there after opening: the history says so.
    waits = session.scalars(sa.select(TicketEvent).where(TicketEvent.kind == "situacao")).all()
    assert len(waits) == 3
    assert all(e.to_status.category == "aguardando" and e.at < now for e in waits)
    assert all(e.at == e.ticket.sla_paused_at for e in waits)


def test_a_form_left_open_when_the_empresa_changes_in_another_tab_changes_nothing(
    logged_in, demo, db
):
    """Codes are per Empresa: ticket 4 of the Empresa the form was opened in and ticket 4 of
    the one switched to in another tab are different tickets, even at the same version. A
    pass or an Assumir posted from the old tab is refused and the other ticket's panel is
    not shown."""
    ours = _confirmed(logged_in, demo, db)
    db.session.commit()
    south = demo["company_south"]
    south_status = db.session.scalars(
        sa.select(Status).where(Status.company_id == south.id, Status.category == "aberto")
    ).first()
    theirs = Ticket(
        company_id=south.id,
        code=ours.code,
        entity_id=demo["luiza"].id,
        role_id=demo["luiza"].roles[0].id,
        status_id=south_status.id,
        opened_by_id=demo["supervisor"].id,
        updated_by_id=demo["supervisor"].id,
        owner_id=demo["supervisor"].id,
    )
    db.session.add(theirs)
    db.session.commit()
    supervisor = _login(logged_in, "supervisor", "supervisor123")
    token = csrf_token_from(supervisor.get("/").get_data(as_text=True))
    assert (
        supervisor.post(
            "/empresa", data={"csrf_token": token, "company_id": demo["company"].id}
        ).status_code
        == 303
    )
    data = _pass_data(supervisor, ours.code, note="Liberar o nosso")
    assert data["pass-ticket_id"] == str(ours.id)
    take_page = supervisor.get(f"/atendimentos/{ours.code}").get_data(as_text=True)
    take = {
        "csrf_token": token,
        "version": re.search(
            r'name="version" value="(\d+)"', take_page.split('id="holder-panel"')[1]
        ).group(1),
        "ticket_id": re.search(
            r'name="ticket_id" value="(\d+)"', take_page.split('id="holder-panel"')[1]
        ).group(1),
    }
    # The other tab switches the Empresa; the forms are posted to the same code there.
    assert (
        supervisor.post("/empresa", data={"csrf_token": token, "company_id": south.id}).status_code
        == 303
    )
    data["pass-version"] = str(theirs.version)  # the worst case: the versions agree too
    take["version"] = str(theirs.version)
    for headers in ({}, {"HX-Request": "true"}):
        response = supervisor.post(
            f"/atendimentos/{ours.code}/responsavel", data=data, headers=headers
        )
        assert response.status_code == 409
        html = response.get_data(as_text=True)
        assert "outro atendimento" in html and demo["luiza"].name not in html
        response = supervisor.post(f"/atendimentos/{ours.code}/assumir", data=take, headers=headers)
        assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(Ticket, theirs.id).owner_id == demo["supervisor"].id
    assert _events(db, theirs.id) == [] and _events(db, ours.id) == []
    # Without the field (a hand-made request) it is refused the same way.
    del data["pass-ticket_id"]
    assert supervisor.post(f"/atendimentos/{ours.code}/responsavel", data=data).status_code == 409
