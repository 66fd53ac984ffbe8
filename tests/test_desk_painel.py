"""The painel (home page): tabs and their counts, filters, sorting, pages, the counts' ETag
and the bulk actions, on tickets each test creates (test client, SQLite and PostgreSQL)."""

import csv
import html as html_module
import io
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from isocrm.models import Team, Ticket, TicketDetail, TicketEvent, User
from isocrm.models.base import utcnow
from isocrm.models.ticket import EVENT_ASSIGNED, EVENT_STATUS, STAGE_DRAFT
from tests.conftest import AuthActions, csrf_token_from

HX = {"HX-Request": "true"}
SP = ZoneInfo("America/Sao_Paulo")


class World:
    """Fixed tickets of Empresa A (and one of B) with owners, an equipe and due times."""

    def __init__(self, db, demo):
        self.db, self.demo = db, demo
        session = db.session
        company = demo["company"]
        self.now = utcnow()
        self.bruno = User(
            username="bruno", name="Bruno Colega", role="atendente", companies=[company]
        )
        self.bruno.set_password("bruno-123")
        self.south_only = User(
            username="sulino",
            name="Sulino Sul",
            role="atendente",
            companies=[demo["company_south"]],
        )
        self.south_only.set_password("sulino-123")
        session.add_all([self.bruno, self.south_only])
        session.flush()
        self.team = Team(
            company_id=company.id, name="Norte", members=[demo["atendente"], self.bruno]
        )
        self.team_south = Team(company_id=demo["company_south"].id, name="Sul")
        session.add_all([self.team, self.team_south])
        session.flush()
        ana, statuses = demo["atendente"], demo["statuses"]
        self.code = 100
        self.prazos: dict[int, dict] = {}
        hour = timedelta(hours=1)
        self.mine = self.ticket(owner=ana, due=self.now + 72 * hour)
        self.late = self.ticket(owner=ana, due=self.now - hour)
        self.paused = self.ticket(owner=ana, due=self.now - hour, paused=True)
        self.first_late = self.ticket(owner=ana, first_due=self.now - hour)
        self.brunos = self.ticket(owner=self.bruno, team=self.team, due=self.now + 2 * hour)
        self.team_only = self.ticket(owner=None, team=self.team)
        self.nobody = self.ticket(
            owner=None,
            reason="Dúvida",
            unit=demo["unit_campinas"],
            channel="WhatsApp",
            opened=self.now - 40 * 24 * hour,
        )
        self.closed = self.ticket(owner=ana, status=statuses["concluido"])
        self.draft = self.ticket(owner=ana, stage=STAGE_DRAFT)
        self.south = self.ticket(owner=None, company=demo["company_south"])
        session.commit()
        # The SLA clock computes every ticket's prazos at flush; these rows are made up to
        # sit on each side of "now", so their prazos are written past it, as plain SQL (and
        # the fixture's own tickets, dated long ago, get none: they would all be late).
        session.execute(
            sa.update(Ticket).values(
                resolution_due_at=None, first_answer_due_at=None, sla_paused_at=None
            )
        )
        for ticket_id, prazos in self.prazos.items():
            session.execute(sa.update(Ticket).where(Ticket.id == ticket_id).values(**prazos))
        session.commit()

    def ticket(
        self,
        owner,
        team=None,
        due=None,
        first_due=None,
        paused=False,
        status=None,
        stage="confirmado",
        reason="Reclamação",
        unit=None,
        channel="Telefone",
        opened=None,
        company=None,
    ):
        demo, session = self.demo, self.db.session
        company = company or demo["company"]
        south = company.id != demo["company"].id
        self.code += 1
        opened = opened or self.now - timedelta(days=1, minutes=self.code)
        entity = demo["luiza"] if south else demo["maria"]
        cat_statuses = self.south_statuses() if south else demo["statuses"]
        status = status or cat_statuses["aberto"]
        ticket = Ticket(
            company_id=company.id,
            code=self.code,
            entity=entity,
            role=entity.roles[0],
            reason=None if south else demo["reasons"][reason],
            unit=unit,
            status=status,
            opened_by=demo["supervisor"] if south else demo["atendente"],
            updated_by=demo["supervisor"] if south else demo["atendente"],
            owner=owner,
            team=team,
            opened_at=opened,
            closed_at=self.now if status.is_closed else None,
            resolution_due_at=due,
            first_answer_due_at=first_due,
            sla_paused_at=self.now if paused else None,
            stage=stage,
        )
        if not south:
            ticket.details.append(
                TicketDetail(
                    channel=demo["channels"][channel],
                    opened_at=opened,
                    attendant=demo["atendente"],
                    description="Contato do cliente.",
                )
            )
        session.add(ticket)
        session.flush()
        self.prazos[ticket.id] = {
            "resolution_due_at": due,
            "first_answer_due_at": first_due,
            "sla_paused_at": self.now if paused else None,
        }
        return ticket

    def south_statuses(self):
        from isocrm.models import Status

        rows = self.db.session.scalars(
            sa.select(Status).where(Status.company_id == self.demo["company_south"].id)
        )
        return {s.category: s for s in rows}


@pytest.fixture
def world(db, demo):
    return World(db, demo)


def login(client, username="atendente", password="atendente123"):
    response = AuthActions(client).login(username, password)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def use_company(client, company):
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    response = client.post("/empresa", data={"csrf_token": token, "company_id": company.id})
    assert response.status_code == 303


def listed(html: str) -> set[int]:
    """The codes in the painel's list."""
    section = html.split('id="painel-list"', 1)[1].split("</section>", 1)[0]
    return {int(code) for code in re.findall(r'href="/atendimentos/(\d+)"', section)}


def tab_counts(html: str) -> dict[str, int]:
    return {
        tab: int(count)
        for tab, count in re.findall(
            r'data-tab="([a-z-]+)"[^>]*>[^<]*<span class="count">(\d+)<', html
        )
    }


def codes(*tickets) -> set[int]:
    return {t.code for t in tickets}


def test_login_lands_on_the_painel_with_my_open_tickets(client, world):
    assert login(client).headers["Location"] == "/"
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    w = world
    assert listed(html) == codes(w.mine, w.late, w.paused, w.first_late)
    assert 'aria-current="page">Meus' in html or 'data-tab="meus" aria-current="page"' in html


def test_tabs_list_their_tickets_and_count_them(client, world, demo):
    login(client)
    w = world
    ticket_3 = demo["ticket_3"]  # the demo's open ticket: nobody holds it
    expected = {
        "meus": codes(w.mine, w.late, w.paused, w.first_late),
        "equipe": codes(w.brunos, w.team_only),
        "sem-responsavel": codes(w.team_only, w.nobody, ticket_3),
        "atrasados": codes(w.late, w.first_late),
        "rascunhos": codes(w.draft),
        "todos": codes(
            w.mine, w.late, w.paused, w.first_late, w.brunos, w.team_only, w.nobody, ticket_3
        ),
    }
    for tab, tickets in expected.items():
        html = client.get("/", query_string={"aba": tab}).get_data(as_text=True)
        assert listed(html) == tickets, tab
        assert f'data-tab="{tab}" aria-current="page"' in html
        assert tab_counts(html) == {name: len(found) for name, found in expected.items()}
    # Another Empresa's ticket is nowhere, its situações neither.
    html = client.get("/?aba=todos").get_data(as_text=True)
    assert w.south.entity.name not in html
    # Counts by situação: open ones first, closed ones over the last 30 days.
    counts = html.split('class="status-counts"', 1)[1].split("</div>", 1)[0]
    assert (
        counts.index("Aberto: 7") < counts.index("Em andamento: 1") < counts.index("Concluído: 1")
    )
    # A closed chip links to the list of what it counts (the demo's old Concluídos are not).
    href = re.search(r'href="([^"]+)"[^>]*>Concluído: 1 \(30 dias\)', counts).group(1)
    since = (w.now.astimezone(SP).date() - timedelta(days=29)).strftime("%d/%m/%Y")
    assert f"encerrado_de={since}" in href
    chip_list = client.get(html_module.unescape(href)).get_data(as_text=True)
    assert listed(chip_list) == codes(w.closed)
    assert 'id="encerrado_de"' in chip_list and f'value="{since}"' in chip_list
    # An open chip lists every open ticket of its situação, as it counts them.
    href = re.search(r'href="([^"]+)"[^>]*>Em andamento: 1<', counts).group(1)
    assert "encerrado_de" not in href
    assert len(listed(client.get(html_module.unescape(href)).get_data(as_text=True))) == 1


def test_a_late_row_says_so_in_words(client, world):
    login(client)
    html = client.get("/?aba=todos&ordem=codigo").get_data(as_text=True)
    rows = {
        int(code): row
        for code, row in re.findall(
            r'href="/atendimentos/(\d+)">.*?</a></td>(.*?)</tr>', html, re.S
        )
    }
    w = world
    assert "Atrasado" in rows[w.late.code] and "Atrasado" in rows[w.first_late.code]
    assert "Pausado" in rows[w.paused.code] and "Atrasado" not in rows[w.paused.code]
    # A paused ticket's frozen due date would read as past: only "Pausado" is shown.
    assert not re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d <span", rows[w.paused.code])
    assert "Vence em breve" in rows[w.brunos.code]
    assert not re.search("Atrasado|Vence em breve|Pausado", rows[w.mine.code])
    assert "equipe Norte" in rows[w.brunos.code] and "Bruno Colega" in rows[w.brunos.code]
    assert re.search(r"<td>—</td>", rows[w.nobody.code])


def test_filters(client, world, demo):
    login(client)
    w = world

    def found(**args):
        return listed(client.get("/", query_string={"aba": "todos", **args}).get_data(as_text=True))

    assert found(responsavel=w.bruno.id) == codes(w.brunos)
    assert found(motivo=demo["reasons"]["Dúvida"].id) == codes(w.nobody)
    assert found(canal=demo["channels"]["WhatsApp"].id) == codes(w.nobody)
    assert found(canal=demo["channels"]["Chat"].id) == codes(demo["ticket_3"])  # its 2nd detail
    assert found(unidade=demo["unit_campinas"].id) == codes(w.nobody, demo["ticket_3"])
    assert found(situacao=demo["statuses"]["concluido"].id) == codes(
        w.closed, demo["ticket_1"], demo["ticket_2"]
    )
    # The filter's dates are the desk's (São Paulo): from 21:00 there, UTC is already
    # tomorrow, and a UTC date missed the ticket (CI ran at 00:13 UTC).
    old = (w.now - timedelta(days=40)).astimezone(SP).strftime("%d/%m/%Y")
    assert found(de=old, ate=old) == codes(w.nobody)
    assert w.nobody.code not in found(
        de=(w.now - timedelta(days=3)).astimezone(SP).strftime("%d/%m/%Y")
    )
    # The filters stay in the links of the tabs and of the sorting.
    html = client.get(
        "/", query_string={"aba": "todos", "motivo": demo["reasons"]["Dúvida"].id}
    ).get_data(as_text=True)
    assert f"aba=todos&amp;motivo={demo['reasons']['Dúvida'].id}" in html
    assert f"ordem=codigo&amp;motivo={demo['reasons']['Dúvida'].id}" in html


def test_a_bad_date_is_told_beside_its_field_and_the_list_stays(client, world):
    login(client)
    response = client.get("/", query_string={"de": "31/02/2026", "ate": "ontem"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="de-errors"' in html and 'id="ate-errors"' in html
    assert "Data inválida" in html and 'value="31/02/2026"' in html
    assert listed(html) == codes(world.mine, world.late, world.paused, world.first_late)
    response = client.get("/", query_string={"de": "10/11/2026", "ate": "01/11/2026"})
    assert response.status_code == 422
    assert "A data final deve ser igual ou posterior à inicial." in response.get_data(as_text=True)


def test_ids_of_another_empresa_filter_nothing_and_show_nothing_of_it(client, world, demo):
    login(client)
    south_reason = demo["company_south"].id  # any id of B's catalogue
    from isocrm.models import Reason, Unit

    reason = world.db.session.scalar(sa.select(Reason).where(Reason.company_id == south_reason))
    for args in (
        {"motivo": reason.id},
        {"unidade": demo["unit_south"].id},
        {"responsavel": world.south_only.id},
        {"responsavel": "x"},
    ):
        response = client.get("/", query_string={"aba": "todos", **args})
        html = response.get_data(as_text=True)
        assert response.status_code == 422, args
        assert "da lista." in html
        assert world.south.code not in listed(html)
        assert world.mine.code in listed(html)  # the filter was left out, not the list
        assert "Luiza" not in html and "Sulino" not in html
    assert Unit  # imported for the ids above


def test_sorting_is_a_whitelist(client, world):
    login(client)

    def order(value):
        html = client.get("/", query_string={"aba": "meus", "ordem": value}).get_data(as_text=True)
        section = html.split('id="painel-list"', 1)[1]
        return [int(c) for c in re.findall(r'href="/atendimentos/(\d+)"', section)]

    w = world
    assert order("codigo") == sorted(order("codigo"))
    assert order("-codigo") == sorted(order("codigo"), reverse=True)
    assert order("aberto") == [
        t.code for t in sorted((w.mine, w.late, w.paused, w.first_late), key=lambda t: t.opened_at)
    ]
    # prazo: soonest first, tickets without one at the end
    assert order("prazo")[-1] == w.first_late.code
    for bad in ("id; drop table tickets", "code", "-", "__class__"):
        response = client.get("/", query_string={"ordem": bad})
        assert response.status_code == 200
        assert order(bad) == order("prazo")
    html = client.get("/?ordem=-aberto").get_data(as_text=True)
    assert 'aria-sort="descending"><a href="/?aba=meus&amp;ordem=aberto"' in html


def test_sorting_by_entidade_motivo_and_responsavel(client, world, demo, db):
    login(client)
    w = world
    maria, joaquim = demo["maria"], demo["joaquim"]
    # Byte order would put "Confeitaria" before "Cícero" and "Fernando" before "Fátima".
    maria.name, joaquim.name = "Confeitaria Doce", "Cícero Lima"
    w.late.entity, w.paused.entity = joaquim, joaquim
    w.late.reason = demo["reasons"]["Dúvida"]
    w.team_only.owner = w.bruno
    db.session.commit()

    def order(value):
        html = client.get("/", query_string={"aba": "todos", "ordem": value}).get_data(as_text=True)
        section = html.split('id="painel-list"', 1)[1]
        return [int(c) for c in re.findall(r'href="/atendimentos/(\d+)"', section)]

    by_entity = order("entidade")
    assert by_entity[:2] == [w.late.code, w.paused.code]  # Cícero first, then by id
    assert order("-entidade")[-2:] == [w.paused.code, w.late.code]
    by_reason = order("motivo")
    assert by_reason.index(w.late.code) < by_reason.index(w.mine.code)  # Dúvida < Reclamação
    by_owner = order("responsavel")
    # Ana Atendente, then Bruno Colega, then those without a Responsável.
    assert by_owner.index(w.mine.code) < by_owner.index(w.brunos.code)
    assert by_owner.index(w.team_only.code) < by_owner.index(w.nobody.code)
    assert by_owner[-1] in (w.nobody.code, demo["ticket_3"].code)
    html = client.get("/?aba=todos&ordem=responsavel").get_data(as_text=True)
    assert 'aria-sort="ascending"><a href="/?aba=todos&amp;ordem=-responsavel"' in html


def test_pages_and_a_page_past_the_end(client, world, demo):
    for _ in range(30):
        world.ticket(owner=world.bruno)
    world.db.session.commit()
    login(client, "bruno", "bruno-123")
    first = client.get("/").get_data(as_text=True)
    second = client.get("/?page=2").get_data(as_text=True)
    assert len(listed(first)) == 25 and len(listed(second)) == 6
    assert not listed(first) & listed(second)
    assert "Página 2 de 2" in second
    for page in ("99", "99999999999999999999"):  # a number too big to read: past the end too
        past = client.get("/", query_string={"page": page}).get_data(as_text=True)
        assert listed(past) == listed(second), page
    partial = client.get("/?page=2", headers=HX).get_data(as_text=True)
    assert partial.startswith('\n<section id="painel-list"') or partial.lstrip().startswith(
        '<section id="painel-list"'
    )


def test_a_filtered_list_counts_its_own_pages(client, world, demo):
    # Unfiltered, a tab's list takes its total from the tab's count; filtered, the total is
    # counted apart: both must agree with what the pages hold.
    for _ in range(27):
        world.ticket(owner=world.bruno, reason="Dúvida")
    world.ticket(owner=world.bruno)
    world.db.session.commit()
    login(client, "bruno", "bruno-123")
    query = {"aba": "todos", "motivo": world.demo["reasons"]["Dúvida"].id}
    first = client.get("/", query_string=query).get_data(as_text=True)
    second = client.get("/", query_string={**query, "page": 2}).get_data(as_text=True)
    # The 27 and the world's own Dúvida ticket (held by nobody).
    assert len(listed(first)) == 25 and len(listed(second)) == 3
    assert '<span class="muted">(28)</span>' in first
    assert "Página 2 de 2" in second
    past = client.get("/", query_string={**query, "page": 9}).get_data(as_text=True)
    assert listed(past) == listed(second)


def test_the_counts_read_the_open_tickets_index_alone(client, world, db):
    """The tab and situação counts say closed_at IS NULL as ix_tickets_open_desk does, and
    test only its columns: SQLite counts from that index without reading the table."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    sent = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        sent.append((statement, parameters))

    login(client, "bruno", "bruno-123")
    sa.event.listen(db.engine, "before_cursor_execute", keep)
    try:
        client.get("/painel/contagens", headers=HX)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", keep)
    counting = [(s, p) for s, p in sent if "FROM tickets" in s and "count(" in s.lower()]
    assert len(counting) == 2, [s for s, _ in sent]
    with db.engine.connect() as connection:
        for statement, parameters in counting:
            plan = " | ".join(
                row[3]
                for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            )
            assert "COVERING INDEX ix_tickets_open_desk" in plan, plan


def test_a_page_swapped_by_htmx_brings_counts_that_poll_for_that_page(client, world):
    # Found from outside: after "Próxima", the counts' poll still asked for page 1, so the
    # list reloaded by a colleague's change jumped back to it; the bulk form went back there.
    for _ in range(30):
        world.ticket(owner=world.bruno)
    world.db.session.commit()
    login(client, "bruno", "bruno-123")
    partial = client.get("/?aba=meus&page=2", headers=HX).get_data(as_text=True)
    counts = partial.split('id="painel-counts"', 1)[1].split(">", 1)[0]
    assert 'data-hx-swap-oob="true"' in counts
    poll = html_module.unescape(re.search(r'data-hx-get="([^"]+)"', counts)[1])
    assert "page=2" in poll and "aba=meus" in poll
    back = re.search(r'id="bulk-back" name="voltar" value="([^"]+)" data-hx-swap-oob', partial)
    assert "page=2" in html_module.unescape(back[1])
    # The poll's list reload, once something changed, asks for page 2 as well.
    world.ticket(owner=world.bruno)
    world.db.session.commit()
    changed = client.get(poll, headers=HX).get_data(as_text=True)
    reload = html_module.unescape(
        re.search(r'data-hx-get="([^"]+)"[^>]*data-hx-trigger="load"', changed)[1]
    )
    assert "page=2" in reload


def test_ticked_rows_stay_ticked_when_the_list_reloads_unless_they_changed(client, world, db):
    # Found from outside: a colleague's change reloaded the list and cleared every tick.
    login(client, "bruno", "bruno-123")
    page = client.get("/?aba=todos").get_data(as_text=True)
    boxes = re.findall(r'name="ticket" value="(\d+):(\d+)"', page)
    (first_id, first_version), (second_id, second_version) = boxes[:2]
    changed = db.session.get(Ticket, int(second_id))
    changed.location_note = "mudou enquanto o Bruno olhava"
    db.session.commit()
    ticked = [f"{first_id}:{first_version}", f"{second_id}:{second_version}"]
    again = client.get("/", query_string={"aba": "todos", "ticket": ticked}, headers=HX).get_data(
        as_text=True
    )
    assert f'value="{first_id}:{first_version}" form="bulk-form" checked' in again
    assert f'value="{second_id}:{changed.version}" form="bulk-form" aria-label' in again
    assert "1 atendimento marcado mudou enquanto você olhava e foi desmarcado" in again


def test_a_tab_left_on_another_empresa_reloads_instead_of_mixing_them(client, world, demo):
    # Found from outside: the Empresa switched in a second tab, the first tab's poll showed
    # the other Empresa's counts and list under the old header.
    login(client, "supervisor", "supervisor123")
    page = client.get("/").get_data(as_text=True)
    poll = html_module.unescape(re.search(r'id="painel-counts"[^>]*data-hx-get="([^"]+)"', page)[1])
    drawn_for = int(re.search(r"empresa=(\d+)", poll)[1])
    other = next(c for c in (demo["company"], demo["company_south"]) if c.id != drawn_for)
    use_company(client, other)
    for url in (poll, poll.replace("/painel/contagens", "/")):
        response = client.get(url, headers=HX)
        assert response.headers.get("HX-Refresh") == "true", url
        assert response.get_data(as_text=True) == ""
    # The page itself, asked for by the browser, is simply the current Empresa's.
    assert client.get(poll.replace("/painel/contagens", "/")).status_code == 200


def test_a_closed_ticket_says_whether_it_met_its_prazo(client, world, demo):
    # Found from outside: closed rows (and the CSV) said nothing of their outcome, which the
    # ticket screen shows ("Fora do prazo").
    statuses, now = demo["statuses"], world.now
    late = world.ticket(
        owner=world.bruno, status=statuses["concluido"], due=now - timedelta(days=2)
    )
    met = world.ticket(owner=world.bruno, status=statuses["concluido"], due=now + timedelta(days=2))
    cancelled = world.ticket(
        owner=world.bruno, status=statuses["cancelado"], due=now - timedelta(days=2)
    )
    session = world.db.session
    session.commit()
    for ticket in (late, met, cancelled):  # past the SLA clock, as the world's own rows
        session.execute(
            sa.update(Ticket).where(Ticket.id == ticket.id).values(**world.prazos[ticket.id])
        )
    session.commit()
    login(client, "bruno", "bruno-123")

    def row(html, ticket):
        return re.search(rf'/atendimentos/{ticket.code}".*?</tr>', html, re.S)[0]

    done = client.get("/", query_string={"aba": "todos", "situacao": statuses["concluido"].id})
    html = done.get_data(as_text=True)
    assert "Fora do prazo" in row(html, late) and "Cumprido" not in row(html, late)
    assert "Cumprido" in row(html, met)
    gone = client.get("/", query_string={"aba": "todos", "situacao": statuses["cancelado"].id})
    cancelled_row = row(gone.get_data(as_text=True), cancelled)
    assert "Fora do prazo" not in cancelled_row and "Cumprido" not in cancelled_row
    export = client.get(
        "/painel.csv", query_string={"aba": "todos", "situacao": statuses["concluido"].id}
    )
    lines = list(
        csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    outcome = {int(line[0]): line[8] for line in lines[1:]}
    assert outcome[late.code] == "Fora do prazo" and outcome[met.code] == "Cumprido"


def test_counts_answer_304_until_a_ticket_changes(client, world, count_queries, demo):
    login(client)
    page = client.get("/").get_data(as_text=True)
    url = re.search(r'id="painel-counts"[^>]*data-hx-get="([^"]+)"', page.replace("\n", " "))
    url = url.group(1).replace("&amp;", "&")
    first = client.get(url, headers=HX)
    assert first.status_code == 200 and first.headers["ETag"]
    assert "no-cache" in first.headers["Cache-Control"]
    body = first.get_data(as_text=True)
    assert 'id="painel-counts"' in body and "painel-list" not in body.split("</nav>")[0]
    assert 'data-hx-trigger="load"' not in body  # nothing changed since the page was built
    etag = first.headers["ETag"]
    with count_queries() as counter:
        again = client.get(url, headers={**HX, "If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert counter.count <= 2, counter.statements  # the session check and the stamp
    # A proxy (gzip, a CDN) may send the tag back weakened: still the same counts.
    weak = client.get(url, headers={**HX, "If-None-Match": f"W/{etag}"})
    assert weak.status_code == 304
    # A colleague passes a ticket: the stamp changes after the commit.
    world.nobody.owner_id = demo["atendente"].id
    world.db.session.commit()
    changed = client.get(url, headers={**HX, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    body = changed.get_data(as_text=True)
    assert tab_counts(body)["meus"] == 5
    assert 'data-hx-trigger="load"' in body  # the list is asked for again
    assert (
        client.get(url, headers={**HX, "If-None-Match": changed.headers["ETag"]}).status_code == 304
    )


def _reread(db, ticket):
    db.session.rollback()  # a new transaction: see what the requests committed
    db.session.refresh(ticket)


def _bulk(client, tickets, url="/painel/passar", back="/?aba=todos", **data):
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    return client.post(
        url,
        data={
            "csrf_token": token,
            "voltar": back,
            "ticket": [f"{t.id}:{t.version}" for t in tickets],
            **data,
        },
    )


def _events(db, ticket, kind):
    db.session.rollback()  # a new transaction: see what the requests committed
    return db.session.scalars(
        sa.select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == kind)
    ).all()


def test_bulk_assign_passes_tickets_with_a_note(client, world, db):
    login(client)
    w = world
    response = _bulk(client, [w.mine, w.nobody], owner_id=w.bruno.id, note="Cliente do\x00 Bruno")
    assert response.status_code == 303 and response.headers["Location"] == "/?aba=todos"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 atendimentos passados para Bruno Colega." in html
    for ticket in (w.mine, w.nobody):
        _reread(db, ticket)
        assert ticket.owner_id == w.bruno.id
        (event,) = _events(db, ticket, EVENT_ASSIGNED)
        assert event.note == "Cliente do Bruno" and event.to_owner_id == w.bruno.id
    # To an equipe only.
    _bulk(client, [w.late], team_id=w.team.id)
    _reread(db, w.late)
    assert (w.late.owner_id, w.late.team_id) == (None, w.team.id)


@pytest.mark.parametrize("which", ["ticket_of_b", "user_of_b", "team_of_b", "draft", "stale"])
def test_bulk_assign_is_all_or_nothing(client, world, db, which):
    login(client)
    w = world
    tickets, data = [w.mine, w.nobody], {"owner_id": w.bruno.id}
    if which == "ticket_of_b":
        tickets.append(w.south)
    elif which == "user_of_b":
        data = {"owner_id": w.south_only.id}
    elif which == "team_of_b":
        data = {"team_id": w.team_south.id}
    elif which == "draft":
        tickets.append(w.draft)
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    seen = [f"{t.id}:{t.version}" for t in tickets]  # the versions the list showed
    if which == "stale":
        w.nobody.complementary_data = "changed meanwhile"  # someone saved it since
        db.session.commit()
    response = client.post(
        "/painel/passar", data={"csrf_token": token, "ticket": seen, "voltar": "/", **data}
    )
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nada foi alterado" in html
    db.session.rollback()
    for ticket in (w.mine, w.nobody, w.south, w.draft):
        db.session.refresh(ticket)
        assert ticket.owner_id not in (w.bruno.id, w.south_only.id)
        assert ticket.team_id is None
        assert not _events(db, ticket, EVENT_ASSIGNED)


def test_bulk_assign_refuses_an_empty_choice_and_a_foreign_return_address(client, world, db):
    login(client)
    response = _bulk(client, [world.mine], back="https://evil.example/")
    assert response.headers["Location"] == "/"
    assert "Escolha o atendente ou a equipe" in client.get("/").get_data(as_text=True)
    response = _bulk(client, [], owner_id=world.bruno.id)
    assert "Selecione ao menos um atendimento" in client.get("/").get_data(as_text=True)


def test_bulk_status_is_for_supervisors_and_becomes_events(client, app, world, db, demo):
    w = world
    done = demo["statuses"]["concluido"]
    login(client)
    assert "Alterar situação" not in client.get("/").get_data(as_text=True)
    response = _bulk(client, [w.mine], url="/painel/situacao", status_id=done.id)
    assert response.status_code == 403
    _reread(db, w.mine)
    assert w.mine.closed_at is None

    supervisor = app.test_client()
    login(supervisor, "supervisor", "supervisor123")
    use_company(supervisor, demo["company"])
    assert "Alterar situação" in supervisor.get("/").get_data(as_text=True)
    response = _bulk(supervisor, [w.mine, w.late], url="/painel/situacao", status_id=done.id)
    assert response.status_code == 303
    html = supervisor.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 atendimentos com a situação “Concluído”." in html
    for ticket in (w.mine, w.late):
        _reread(db, ticket)
        assert ticket.status_id == done.id and ticket.closed_at is not None
        assert ticket.updated_by_id == demo["supervisor"].id
        (event,) = _events(db, ticket, EVENT_STATUS)
        assert event.to_status_id == done.id and event.user_id == demo["supervisor"].id
    # A draft, another Empresa's situação: nothing changes.
    response = _bulk(supervisor, [w.nobody, w.draft], url="/painel/situacao", status_id=done.id)
    assert "Nada foi alterado" in supervisor.get("/").get_data(as_text=True)
    south_status = w.south.status_id
    _bulk(supervisor, [w.nobody], url="/painel/situacao", status_id=south_status)
    _reread(db, w.nobody)
    assert w.nobody.closed_at is None and not _events(db, w.nobody, EVENT_STATUS)


def test_the_painel_costs_the_same_queries_for_1_or_30_tickets(client, world, count_queries):
    login(client, "bruno", "bruno-123")
    client.get("/")  # the catalogue copy is made once per process

    def cost():
        with count_queries() as counter:
            assert client.get("/?aba=todos").status_code == 200
        return counter.count

    few = cost()
    for _ in range(29):
        world.ticket(owner=world.bruno, team=world.team, reason="Dúvida")
    world.db.session.commit()
    assert cost() == few
    assert few <= 10


# --- Exportar CSV ------------------------------------------------------------------------------

EXPORT_HEADER = [
    "Código",
    "Entidade",
    "Motivo",
    "Situação",
    "Responsável",
    "Equipe",
    "Aberto em",
    "Prazo",
    "Situação do prazo",
    "Encerrado em",
]


def exported(response) -> list[dict]:
    """The CSV as a spreadsheet in Brazil reads it: BOM, ';', one dict a row by header."""
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == EXPORT_HEADER
    return [dict(zip(EXPORT_HEADER, row, strict=True)) for row in rows[1:]]


def test_export_has_every_ticket_of_the_filters_not_just_the_page(client, world, demo):
    more = [world.ticket(owner=world.bruno, team=world.team) for _ in range(30)]  # > a page
    world.db.session.commit()
    login(client)
    html = client.get("/?aba=todos&ordem=codigo").get_data(as_text=True)
    link = re.search(r'href="([^"]+)" download>Exportar CSV<', html).group(1)
    assert html_module.unescape(link) == "/painel.csv?aba=todos&ordem=codigo"
    response = client.get(html_module.unescape(link))
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv"
    today = world.now.astimezone(SP).date()
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="painel-todos-{today:%Y-%m-%d}.csv"'
    rows = exported(response)
    w = world
    expected = sorted(
        codes(w.mine, w.late, w.paused, w.first_late, w.brunos, w.team_only, w.nobody)
        | codes(demo["ticket_3"], *more)
    )
    assert [int(row["Código"]) for row in rows] == expected  # the order asked for
    by_code = {int(row["Código"]): row for row in rows}
    late, brunos, nobody = by_code[w.late.code], by_code[w.brunos.code], by_code[w.nobody.code]
    assert late["Entidade"] == demo["maria"].name and late["Motivo"] == "Reclamação"
    assert late["Situação"] == "Aberto" and late["Responsável"] == demo["atendente"].name
    assert late["Situação do prazo"] == "Atrasado"
    assert late["Prazo"] == w.late.resolution_due_at.astimezone(SP).strftime("%d/%m/%Y %H:%M")
    assert late["Aberto em"] == w.late.opened_at.astimezone(SP).strftime("%d/%m/%Y %H:%M")
    assert brunos["Equipe"] == "Norte" and brunos["Situação do prazo"] == "Vence em breve"
    assert by_code[w.paused.code]["Prazo"] == "" and by_code[w.paused.code][
        "Situação do prazo"
    ] == ("Pausado")
    assert nobody["Responsável"] == "" and nobody["Encerrado em"] == ""
    # Another Empresa's ticket is not there (its code is in A's range of codes).
    assert w.south.code not in by_code
    assert w.south.entity.name not in response.get_data(as_text=True)


def test_export_honours_tab_filters_and_order(client, world, demo):
    login(client)
    w = world

    def codes_of(**args):
        response = client.get("/painel.csv", query_string=args)
        assert response.status_code == 200
        return [int(row["Código"]) for row in exported(response)]

    assert set(codes_of()) == codes(w.mine, w.late, w.paused, w.first_late)  # Meus, as the page
    reclamacao = demo["reasons"]["Reclamação"].id
    found = codes_of(aba="todos", motivo=reclamacao, ordem="-codigo")
    assert w.nobody.code not in found  # its Motivo is Dúvida
    assert found == sorted(found, reverse=True) and w.mine.code in found
    assert codes_of(aba="todos", responsavel=w.bruno.id) == [w.brunos.code]
    closed = codes_of(aba="todos", situacao=demo["statuses"]["concluido"].id)
    assert w.closed.code in closed
    row = next(
        r
        for r in exported(
            client.get(f"/painel.csv?aba=todos&situacao={demo['statuses']['concluido'].id}")
        )
        if int(r["Código"]) == w.closed.code
    )
    assert row["Encerrado em"] == w.now.astimezone(SP).strftime("%d/%m/%Y %H:%M")
    rows = exported(client.get("/painel.csv?aba=rascunhos"))
    assert [(int(r["Código"]), r["Situação"]) for r in rows] == [(w.draft.code, "Rascunho")]


def test_export_of_bad_filters_goes_back_to_the_painel_with_the_messages(client, world):
    login(client)
    response = client.get("/painel.csv?aba=todos&de=31/02/2026&_scheme=ftp")
    assert response.status_code == 303
    assert response.headers["Location"] == "/?aba=todos&de=31/02/2026"
    page = client.get(response.headers["Location"])
    assert page.status_code == 422 and "Data inválida" in page.get_data(as_text=True)


def test_export_neutralises_formulas_typed_as_names(client, world, demo, db):
    login(client)
    maria = demo["maria"]
    maria.name = '=HYPERLINK("http://example.com","clique")'
    world.team.name = "@SOMA(1+1)"
    db.session.commit()
    rows = exported(client.get("/painel.csv?aba=todos"))
    brunos = next(r for r in rows if int(r["Código"]) == world.brunos.code)
    assert brunos["Entidade"] == '\'=HYPERLINK("http://example.com","clique")'
    assert brunos["Equipe"] == "'@SOMA(1+1)"


def test_export_costs_the_same_queries_for_1_or_200_tickets(client, world, count_queries):
    login(client, "bruno", "bruno-123")
    client.get("/")  # the catalogue copy is made once per process

    def cost():
        with count_queries() as counter:
            response = client.get(f"/painel.csv?aba=todos&responsavel={world.bruno.id}")
            rows = exported(response)  # the rows are read while the answer streams
        return counter.count, len(rows)

    few, one = cost()
    assert one == 1
    for _ in range(199):
        world.ticket(owner=world.bruno, team=world.team, reason="Dúvida")
    world.db.session.commit()
    many, count = cost()
    assert count == 200
    assert many == few and few <= 8
