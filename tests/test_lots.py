"""Lot watch: the report grouped by product and lot, and the warnings of each threshold,
checked against counts worked out by hand on fixed data."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from isocrm.lots.queries import lot_export, lot_report, lot_warnings
from isocrm.models import Channel, DetailInfo, Product, Reason, Status, Ticket, TicketDetail
from isocrm.models.ticket import STAGE_CONFIRMED, STAGE_DISCARDED, STAGE_DRAFT

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def at(days_ago: float, hour: int = 0) -> datetime:
    return NOW - timedelta(days=days_ago) + timedelta(hours=hour)


class Desk:
    """Tickets with information lines, written straight to the database."""

    def __init__(self, db, demo):
        self.db, self.demo = db, demo
        self.code = 100

    def ticket(self, lines, company=None, stage=STAGE_CONFIRMED, entity=None, reason="Reclamação"):
        """lines: [(detail opened_at, received_at or None, [(product_info, lot), ...])];
        reason: the ticket's Motivo by name (the demo's Reclamação is a complaint)."""
        demo = self.demo
        self.db.session.commit()  # a fresh snapshot: requests may have written meanwhile
        company = company or demo["company"]
        status = self.db.session.scalar(
            sa.select(Status).where(Status.company_id == company.id).order_by(Status.id)
        )
        channel = self.db.session.scalar(
            sa.select(Channel).where(Channel.company_id == company.id).order_by(Channel.id)
        )
        motivo = self.db.session.scalar(
            sa.select(Reason).where(Reason.company_id == company.id, Reason.name == reason)
        )
        self.code += 1
        opened = min(d for d, _, _ in lines)
        ticket = Ticket(
            company_id=company.id,
            code=self.code,
            entity=entity or demo["maria"],
            role=(entity or demo["maria"]).roles[0],
            status=status,
            reason=motivo,
            stage=stage,
            opened_by=demo["atendente"],
            updated_by=demo["atendente"],
            opened_at=opened,
            details=[
                TicketDetail(
                    channel=channel,
                    opened_at=opened_at,
                    received_at=received_at,
                    attendant=demo["atendente"],
                    description="Reclamação do lote",
                    informations=[
                        DetailInfo(product_info=info, lot_number=lot) for info, lot in infos
                    ],
                )
                for opened_at, received_at, infos in lines
            ],
        )
        self.db.session.add(ticket)
        self.db.session.commit()
        return ticket.code


@pytest.fixture
def desk(db, demo):
    return Desk(db, demo)


@pytest.fixture
def infos(demo, db):
    """Two products of the Empresa, each with an informação: biscuit and a second one."""
    biscuit = demo["product_info"]
    other = next(
        info
        for product in demo["products"].values()
        if product.id != biscuit.product_id
        for info in product.informations
    )
    return biscuit, other


@pytest.fixture
def fixed(desk, demo, infos):
    """The fixed data whose report is worked out by hand in the tests below.

    Period: 01/11/2026 00:00 to 20/11/2026 24:00 (São Paulo). Biscuit lot A: tickets t1
    (2 details with A, one of them with two A lines), t2, t3 (its date is received_at, inside
    the period though opened_at is after it); lot B: t2's second line; no lot: t4 ("" and
    None both count as no lot). Other product lot A: t5. Biscuit lot A also has t6, whose
    Motivo is Dúvida: a line of the report, not a complaint. Not counted: a draft, a discarded
    ticket, Empresa B's ticket, a line before the period and one after it.
    """
    biscuit, other = infos
    south = demo["company_south"]
    luiza = demo["luiza"]
    codes = {
        "t1": desk.ticket(
            [
                (at(10), None, [(biscuit, "A"), (biscuit, "A")]),
                (at(8), None, [(biscuit, "A")]),
            ]
        ),
        "t2": desk.ticket([(at(6), None, [(biscuit, "A"), (biscuit, "B")])]),
        # received 15 days ago, opened "today": the complaint's date is when it was received
        "t3": desk.ticket([(at(0, -1), at(15), [(biscuit, "A")])]),
        "t4": desk.ticket([(at(3), None, [(biscuit, ""), (biscuit, None)])]),
        "t5": desk.ticket([(at(2), None, [(other, "A")])]),
        "t6": desk.ticket([(at(7), None, [(biscuit, "A")])], reason="Dúvida"),
        "draft": desk.ticket([(at(4), None, [(biscuit, "A")])], stage=STAGE_DRAFT),
        "discarded": desk.ticket([(at(4), None, [(biscuit, "A")])], stage=STAGE_DISCARDED),
        "south": desk.ticket([(at(4), None, [(biscuit, "A")])], company=south, entity=luiza),
        "before": desk.ticket([(at(40), None, [(biscuit, "A")])]),
        "after": desk.ticket([(NOW + timedelta(days=2), None, [(biscuit, "A")])]),
    }
    return codes


def _groups(report):
    return {(g.product_id, g.lot): g for g in report.groups}


def test_report_groups_count_and_dates_by_hand(db, demo, infos, fixed):
    biscuit, other = infos
    start = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)  # 01/11 00:00 in São Paulo
    end = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
    report = lot_report(db.session, demo["company"].id, start, end)
    groups = _groups(report)
    assert set(groups) == {
        (biscuit.product_id, "A"),
        (biscuit.product_id, "B"),
        (biscuit.product_id, None),
        (other.product_id, "A"),
    }
    a = groups[(biscuit.product_id, "A")]
    # t1: 3 lines, t2: 1, t3: 1, t6 (Dúvida): 1 → 6 lines, 4 tickets of which 3 are
    # complaints; first = t3's received_at, last = t2.
    assert (a.lines, a.tickets, a.complaints) == (6, 4, 3)
    assert a.first_at == at(15) and a.last_at == at(6)
    assert a.codes == [fixed["t2"], fixed["t6"], fixed["t1"], fixed["t3"]]  # latest first
    b = groups[(biscuit.product_id, "B")]
    assert (b.lines, b.tickets, b.complaints, b.codes) == (1, 1, 1, [fixed["t2"]])
    none = groups[(biscuit.product_id, None)]
    assert (none.lines, none.tickets, none.lot_label) == (2, 1, "(sem lote)")
    assert groups[(other.product_id, "A")].codes == [fixed["t5"]]
    # Most lines first.
    assert report.groups[0] is a and report.groups[1] is none
    assert report.total_groups == 4
    # One product only.
    only = lot_report(db.session, demo["company"].id, start, end, other.product_id)
    assert [(g.product_id, g.lot, g.lines) for g in only.groups] == [(other.product_id, "A", 1)]


def test_thresholds_warn_at_the_count_not_before(db, demo, infos, desk):
    biscuit, other = infos
    product = db.session.get(Product, biscuit.product_id)
    product.lot_alert_count, product.lot_alert_days = 3, 30
    db.session.commit()
    cid = demo["company"].id
    desk.ticket([(at(29), None, [(biscuit, "X")])])
    desk.ticket([(at(10), None, [(biscuit, "X"), (biscuit, "X")])])  # one ticket, two lines
    desk.ticket([(at(31), None, [(biscuit, "X")])])  # outside the 30 days
    desk.ticket([(at(5), None, [(other, "X")])])  # another product (no threshold)
    desk.ticket([(at(5), None, [(biscuit, "X")])], company=demo["company_south"],
                entity=demo["luiza"])  # fmt: skip
    # A Dúvida (allergens) and a ticket without Motivo about the lot: no complaints.
    desk.ticket([(at(4), None, [(biscuit, "X")])], reason="Dúvida")
    desk.ticket([(at(3), None, [(biscuit, "X")])], reason="(nenhum)")
    assert lot_warnings(db.session, cid, NOW) == []  # count − 1: two complaints in 30 days
    third = desk.ticket([(at(1), None, [(biscuit, "X")])])
    (warning,) = lot_warnings(db.session, cid, NOW)
    assert (warning.product_id, warning.lot, warning.complaints, warning.threshold) == (
        biscuit.product_id,
        "X",
        3,
        3,
    )
    assert warning.codes[0] == third and len(warning.codes) == 3
    # The Motivo is no longer a complaint: its tickets stop warning.
    db.session.get(Reason, demo["reasons"]["Reclamação"].id).is_complaint = False
    db.session.commit()
    assert lot_warnings(db.session, cid, NOW) == []
    db.session.get(Reason, demo["reasons"]["Reclamação"].id).is_complaint = True
    db.session.commit()
    # A month later they all left the window.
    assert lot_warnings(db.session, cid, NOW + timedelta(days=30)) == []
    # Without a threshold nothing warns.
    product.lot_alert_count = product.lot_alert_days = None
    db.session.commit()
    assert lot_warnings(db.session, cid, NOW) == []


def test_lines_without_lot_never_warn(db, demo, infos, desk):
    biscuit, _ = infos
    product = db.session.get(Product, biscuit.product_id)
    product.lot_alert_count, product.lot_alert_days = 1, 30
    db.session.commit()
    desk.ticket([(at(1), None, [(biscuit, ""), (biscuit, None)])])
    assert lot_warnings(db.session, demo["company"].id, NOW) == []


def _supervisor(client, auth, demo):
    """The supervisor (in both Empresas), looking at the main one."""
    assert auth.login("supervisor", "supervisor123").status_code == 302
    token = auth.csrf_token()
    switch = {"company_id": demo["company"].id, "next": "/", "csrf_token": token}
    assert client.post("/empresa", data=switch).status_code == 303
    return token


def test_report_page_shows_groups_and_warnings(client, auth, demo, db, infos, desk):
    biscuit, _ = infos
    product = db.session.get(Product, biscuit.product_id)
    product.lot_alert_count, product.lot_alert_days = 2, 30
    db.session.commit()
    now = datetime.now(UTC)
    codes = [desk.ticket([(now - timedelta(days=d), None, [(biscuit, "L-RUIM")])]) for d in (1, 2)]
    _supervisor(client, auth, demo)
    html = client.get("/lotes").get_data(as_text=True)
    assert "Alerta de lote" in html and "lote L-RUIM" in html
    for code in codes:
        assert f'href="/atendimentos/{code}"' in html
    assert "2 reclamações nos últimos 30 dias" in html
    assert "só os atendimentos cujo motivo é de reclamação" in html
    partial = client.get("/lotes?de=01/01/2026&ate=31/12/2030", headers={"HX-Request": "true"})
    text = partial.get_data(as_text=True)
    assert partial.status_code == 200 and "L-RUIM" in text and "<html" not in text


def test_report_filter_is_validated(client, auth, demo):
    _supervisor(client, auth, demo)
    response = client.get("/lotes?de=32/13/2026&ate=01/01/2026")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Data inválida" in html and 'value="32/13/2026"' in html
    response = client.get("/lotes?de=10/01/2026&ate=01/01/2026")
    assert response.status_code == 422
    assert "A data final é anterior à inicial." in response.get_data(as_text=True)
    assert client.get("/lotes?produto=999999").status_code == 422


def test_attendants_are_refused(logged_in):
    assert logged_in.get("/lotes").status_code == 403
    assert logged_in.get("/lotes/limites").status_code == 403


def test_thresholds_are_validated_and_saved_together(client, auth, demo, db, infos):
    biscuit, other = infos
    token = _supervisor(client, auth, demo)
    page = client.get("/lotes/limites").get_data(as_text=True)
    assert f'name="p{biscuit.product_id}-count"' in page
    bad = {
        "csrf_token": token,
        f"p{biscuit.product_id}-count": "3",
        f"p{biscuit.product_id}-days": "30",
        f"p{other.product_id}-count": "abc",
        f"p{other.product_id}-days": "",
    }
    response = client.post("/lotes/limites", data=bad)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Digite um número inteiro maior que zero." in html and 'value="abc"' in html
    db.session.commit()
    assert db.session.get(Product, biscuit.product_id).lot_alert_count is None  # nothing saved
    for count, days, message in (
        ("0", "30", "Use um número de 1 a 1000."),
        ("3", "", "Preencha os dois campos"),
        ("", "30", "Preencha os dois campos"),
        ("3", "9999", "Use um número de 1 a 3650."),
        ("-1", "30", "Digite um número inteiro maior que zero."),
    ):
        data = {
            "csrf_token": token,
            f"p{biscuit.product_id}-count": count,
            f"p{biscuit.product_id}-days": days,
        }
        response = client.post("/lotes/limites", data=data)
        assert response.status_code == 422, (count, days)
        assert message in response.get_data(as_text=True), (count, days)
    good = {
        "csrf_token": token,
        f"p{biscuit.product_id}-count": "3",
        f"p{biscuit.product_id}-days": "30",
    }
    assert client.post("/lotes/limites", data=good).status_code == 303
    db.session.commit()
    product = db.session.get(Product, biscuit.product_id)
    assert (product.lot_alert_count, product.lot_alert_days) == (3, 30)
    # Emptying both removes the watch.
    empty = {**good, f"p{biscuit.product_id}-count": "", f"p{biscuit.product_id}-days": ""}
    assert client.post("/lotes/limites", data=empty).status_code == 303
    db.session.commit()
    assert db.session.get(Product, biscuit.product_id).lot_alert_count is None


def test_report_query_count_is_constant(client, auth, demo, db, infos, desk, count_queries):
    biscuit, other = infos
    for product_id in (biscuit.product_id, other.product_id):
        db.session.get(Product, product_id).lot_alert_count = 1
        db.session.get(Product, product_id).lot_alert_days = 30
    db.session.commit()
    now = datetime.now(UTC)
    desk.ticket([(now - timedelta(days=1), None, [(biscuit, "L1")])])
    _supervisor(client, auth, demo)
    client.get("/lotes")
    with count_queries() as small:
        assert client.get("/lotes").status_code == 200
    for n in range(12):
        info = biscuit if n % 2 else other
        desk.ticket([(now - timedelta(days=1 + n), None, [(info, f"L{n}"), (info, "L1")])])
    with count_queries() as big:
        html = client.get("/lotes").get_data(as_text=True)
    assert len(re.findall(r"<tr>", html)) > 10
    assert big.count == small.count, big.statements[small.count :]


def test_demo_shows_a_lot_warning_on_first_start(db):
    """The demo's recent complaints are dated from the load: the warning is there at once."""
    from isocrm.demo import load_demo
    from isocrm.demo.fake import HOT_LOT
    from isocrm.models import Company

    load_demo(db.session, people=25)
    company = db.session.scalar(sa.select(Company).order_by(Company.id))
    warnings = lot_warnings(db.session, company.id, datetime.now(UTC))
    hot = [w for w in warnings if w.lot == HOT_LOT[1]]
    assert hot and hot[0].complaints >= hot[0].threshold == 3


def test_filter_errors_come_back_in_the_htmx_partial(client, auth, demo):
    _supervisor(client, auth, demo)
    response = client.get("/lotes?de=31/02/2026&ate=", headers={"HX-Request": "true"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="lot-report"' in html
    assert "Data inválida" in html and 'value="31/02/2026"' in html


def test_painel_partial_works_standalone_for_supervisors_only(app, db, demo, infos, desk):
    from flask import g, render_template_string
    from flask_login import login_user

    from isocrm.models import User

    biscuit, _ = infos
    product = db.session.get(Product, biscuit.product_id)
    product.lot_alert_count, product.lot_alert_days = 1, 30
    db.session.commit()
    code = desk.ticket([(datetime.now(UTC) - timedelta(days=1), None, [(biscuit, "L-PAINEL")])])
    include = '{% include "lots/_painel_warnings.html" ignore missing %}'
    shown = {}
    for username in ("supervisor", "atendente"):
        with app.test_request_context("/"):
            user = db.session.scalar(sa.select(User).where(User.username == username))
            login_user(user)
            g.company = demo["company"]
            shown[username] = render_template_string(include)
    assert "lote L-PAINEL" in shown["supervisor"]
    assert f'href="/atendimentos/{code}"' in shown["supervisor"]
    assert shown["atendente"].strip() == ""


def test_migration_marks_the_existing_complaint_motivos(tmp_path):
    """0015 sets is_complaint on the Motivos named Reclamação… (any case or accent), only."""
    from flask_migrate import upgrade

    from isocrm.extensions import db as _db
    from tests.conftest import _test_app

    app = _test_app(f"sqlite:///{tmp_path / 'upgrade.sqlite3'}")
    names = ["Reclamação", "RECLAMACAO de entrega", "reclamações", "Dúvida", "Elogio reclamado"]
    with app.app_context():
        upgrade(revision="0014")
        with _db.engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO companies (name, last_ticket_code) VALUES ('A', 0)")
            for name in names:
                conn.execute(
                    sa.text("INSERT INTO reasons (company_id, name) VALUES (1, :name)"),
                    {"name": name},
                )
        upgrade(revision="0015")
        with _db.engine.connect() as conn:
            flags = dict(conn.exec_driver_sql("SELECT name, is_complaint FROM reasons").all())
        _db.engine.dispose()
    assert {name for name, flag in flags.items() if flag} == set(names[:3])


# --- Exportar CSV ------------------------------------------------------------------------------

EXPORT_HEADER = [
    "Código do produto",
    "Produto",
    "Lote",
    "Linhas",
    "Atendimentos",
    "Reclamações",
    "Primeira",
    "Última",
    "Atendimentos (códigos, mais recentes primeiro)",
]
PERIOD = "de=01/11/2026&ate=20/11/2026"  # the period of `fixed`


def _exported(response) -> list[dict]:
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())  # UTF-8 with BOM: Excel reads the accents
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == EXPORT_HEADER
    return [dict(zip(EXPORT_HEADER, row, strict=True)) for row in rows[1:]]


def _local(value: datetime) -> str:
    return value.astimezone(ZoneInfo("America/Sao_Paulo")).strftime("%d/%m/%Y %H:%M")


def test_export_has_the_report_by_hand_and_every_group(
    client, auth, demo, db, infos, fixed, monkeypatch
):
    biscuit, other = infos
    _supervisor(client, auth, demo)
    # The screen shows the first REPORT_MAX_GROUPS groups; the CSV has them all.
    monkeypatch.setattr("isocrm.lots.queries.REPORT_MAX_GROUPS", 2)
    html = client.get(f"/lotes?{PERIOD}").get_data(as_text=True)
    assert "Mostrando os 2 lotes com mais linhas, de 4; o CSV traz todos." in html
    link = re.search(r'href="([^"]+)" download>Exportar CSV<', html).group(1)
    assert link.replace("&amp;", "&") == "/lotes.csv?de=01/11/2026&ate=20/11/2026"
    response = client.get(link.replace("&amp;", "&"))
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv"
    assert re.fullmatch(
        r'attachment; filename="reclamacoes-por-lote-\d{4}-\d\d-\d\d\.csv"',
        response.headers["Content-Disposition"],
    )
    rows = _exported(response)
    product = db.session.get(Product, biscuit.product_id)
    a, no_lot, b, other_a = rows  # most lines first, then by product name and lot
    assert a == {
        "Código do produto": product.code,
        "Produto": product.name,
        "Lote": "A",
        "Linhas": "6",
        "Atendimentos": "4",
        "Reclamações": "3",
        "Primeira": _local(at(15)),
        "Última": _local(at(6)),
        "Atendimentos (códigos, mais recentes primeiro)": ", ".join(
            f"{fixed[name]:06d}" for name in ("t2", "t6", "t1", "t3")
        ),
    }
    assert (no_lot["Lote"], no_lot["Linhas"], no_lot["Atendimentos"]) == ("(sem lote)", "2", "1")
    assert (b["Lote"], b["Linhas"], b["Atendimentos (códigos, mais recentes primeiro)"]) == (
        "B",
        "1",
        f"{fixed['t2']:06d}",
    )
    assert other_a["Produto"] == db.session.get(Product, other.product_id).name
    # Drafts, discarded tickets, Empresa B's ticket and lines out of the period: absent.
    text = response.get_data(as_text=True)
    for name in ("draft", "discarded", "south", "before", "after"):
        assert f"{fixed[name]:06d}" not in text, name
    # The product filter, as on the screen.
    only = _exported(client.get(f"/lotes.csv?{PERIOD}&produto={other.product_id}"))
    assert [(r["Lote"], r["Linhas"]) for r in only] == [("A", "1")]


def test_export_folds_groups_across_fetched_chunks(db, demo, infos, fixed):
    """Groups of several tickets read two rows at a time come out whole, as the report's."""
    start = datetime(2026, 11, 1, 3, 0, tzinfo=UTC)
    end = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
    cid = demo["company"].id
    report = lot_report(db.session, cid, start, end)
    exported = list(lot_export(db.session, cid, start, end, chunk=2))
    assert exported == report.groups  # same order, counts, dates and codes (all ≤ 20 here)


def test_export_refuses_attendants(logged_in):
    response = logged_in.get("/lotes.csv")
    assert response.status_code == 403 and "Acesso negado" in response.get_data(as_text=True)


def test_export_of_bad_filters_goes_back_to_the_report_with_the_messages(client, auth, demo):
    _supervisor(client, auth, demo)
    response = client.get("/lotes.csv?de=32/13/2026&ate=01/01/2026&_scheme=ftp")
    assert response.status_code == 303
    assert response.headers["Location"] == "/lotes?de=32/13/2026&ate=01/01/2026"
    page = client.get(response.headers["Location"])
    assert page.status_code == 422 and "Data inválida" in page.get_data(as_text=True)
    # Names of url_for's own in the query string are not passed on to the export's link.
    assert client.get("/lotes?_scheme=ftp&_external=1").status_code == 200


def test_export_neutralises_formulas_typed_as_lots(client, auth, demo, infos, desk):
    biscuit, _ = infos
    now = datetime.now(UTC)
    for lot in ("=1+1", "-2+3", "@SOMA(A1)", "+55", "\tL1"):
        desk.ticket([(now - timedelta(days=1), None, [(biscuit, lot)])])
    _supervisor(client, auth, demo)
    lots = {row["Lote"] for row in _exported(client.get("/lotes.csv"))}
    assert {"'=1+1", "'-2+3", "'@SOMA(A1)", "'+55"} <= lots
    assert not {"=1+1", "-2+3", "@SOMA(A1)", "+55"} & lots


def test_export_query_count_is_constant(client, auth, demo, db, infos, desk, count_queries):
    biscuit, other = infos
    now = datetime.now(UTC)
    desk.ticket([(now - timedelta(days=1), None, [(biscuit, "L1")])])
    _supervisor(client, auth, demo)
    client.get("/lotes.csv").get_data()

    def cost():
        with count_queries() as counter:
            rows = _exported(client.get("/lotes.csv"))
        return counter, rows

    small, rows = cost()
    assert len(rows) == 1
    for n in range(40):
        info = biscuit if n % 2 else other
        desk.ticket([(now - timedelta(days=1 + n), None, [(info, f"L{n}"), (info, "L1")])])
    big, rows = cost()
    # L0, L2…L39 and L1 of each product; the biscuit's L1: its first ticket and 20 more,
    # all listed (the screen lists 20).
    assert len(rows) == 41 and (rows[0]["Lote"], rows[0]["Atendimentos"]) == ("L1", "21")
    assert len(rows[0]["Atendimentos (códigos, mais recentes primeiro)"].split(", ")) == 21
    assert big.count == small.count, big.statements[small.count :]
