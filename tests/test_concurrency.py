"""Concurrency and durability on the real thing: two gunicorn instances on the suite's
database (the SQLite file of the test, or the PostgreSQL database of ISOCRM_DATABASE_URL),
attendants confirming tickets and saving details in parallel on both; and a server killed
with SIGKILL in the middle of a stream of saves."""

import http.client
import os
import signal
import sqlite3
import threading
import time

import pytest
import sqlalchemy as sa

from isocrm.models import Ticket, TicketDetail
from tests import live
from tests.conftest import ON_POSTGRES
from tests.live import Ledger

THREADS = 6  # attendants; four on the main Empresa, two (supervisor) on Filial Sul
ROUNDS = 3  # each round: Incluir, Confirmar, a detail on the own ticket, one on a shared one


def _attendant(
    ports, user, company_id, switch, entity_id, shared_code, tag, ledger, browsers, start
):
    browser = live.Browser(ports)
    browsers.append(browser)
    browser.login(*user)
    if switch:
        browser.switch_company(company_id)
    start.wait()
    for round_ in range(ROUNDS):
        code = live.include(browser, entity_id)
        if code is None:
            ledger.fail(f"{tag}: Incluir")
            continue
        ledger.add("included", (company_id, code))
        text = f"{tag} round {round_}: primeiro contato"
        if live.confirm(browser, code, text):
            ledger.add("confirmed", (company_id, code, text))
        else:
            ledger.fail(f"{tag}: Confirmar {code}")
            continue
        for target in (code, shared_code):
            text = f"{tag} round {round_}: detalhe em {target}"
            if live.save_detail(browser, target, text):
                ledger.add("details", (company_id, target, text))
            else:
                ledger.fail(f"{tag}: detalhe em {target}")


def _check_database(db, demo, ledger: Ledger) -> None:
    db.session.commit()
    db.session.expire_all()
    companies = {demo["company"].id: 3, demo["company_south"].id: 0}  # demo tickets per Empresa
    for company_id, demo_tickets in companies.items():
        codes = sorted(
            db.session.scalars(sa.select(Ticket.code).where(Ticket.company_id == company_id))
        )
        included = [code for cid, code in ledger.included if cid == company_id]
        # Unique and gap-free: exactly 1..N, one per Incluir answered with success.
        assert codes == list(range(1, demo_tickets + len(included) + 1))
        assert len(set(included)) == len(included)
    for company_id, code, text in ledger.confirmed:
        ticket = db.session.scalar(
            sa.select(Ticket).where(Ticket.company_id == company_id, Ticket.code == code)
        )
        assert ticket.stage == "confirmado", (company_id, code)
        assert text in [d.description for d in ticket.details]
    saved = set(
        db.session.execute(
            sa.select(Ticket.company_id, Ticket.code, TicketDetail.description).join(
                TicketDetail.ticket
            )
        ).all()
    )
    missing = [item for item in ledger.details + ledger.confirmed if tuple(item) not in saved]
    assert missing == [], "answered with success but not in the database"
    # A confirmed ticket always has its first detail: Confirmar saved both or neither.
    empty = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Ticket)
        .where(Ticket.stage == "confirmado", ~Ticket.details.any())
    )
    assert empty == 0


def test_two_instances_confirm_and_save_in_parallel(demo, db, database_url, tmp_path, capsys):
    south = demo["company_south"].id
    main = demo["company"].id
    south_shared = None
    with live.instances(database_url, tmp_path, count=2) as (a, b):
        ports = [a.port, b.port]
        # Filial Sul has no ticket yet: one confirmed before the rush is the shared one.
        setup = live.Browser(ports)
        setup.login("supervisor", "supervisor123")
        setup.switch_company(south)
        south_shared = live.include(setup, demo["luiza"].id)
        assert live.confirm(setup, south_shared, "Atendimento compartilhado")
        ledger = Ledger()
        ledger.add("included", (south, south_shared))
        ledger.add("confirmed", (south, south_shared, "Atendimento compartilhado"))

        browsers: list[live.Browser] = []
        start = threading.Barrier(THREADS, timeout=60)
        threads = []
        for n in range(THREADS):
            if n < 4:  # the atendente has one Empresa, the main one
                args = (("atendente", "atendente123"), main, False, demo["maria"].id, 1)
            else:
                args = (
                    ("supervisor", "supervisor123"),
                    south,
                    True,
                    demo["luiza"].id,
                    south_shared,
                )
            threads.append(
                threading.Thread(
                    target=_attendant,
                    args=(ports, *args, f"t{n}", ledger, browsers, start),
                    daemon=True,
                )
            )
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        elapsed = time.monotonic() - began
        logs = a.log_tail() + b.log_tail()

    problems = [p for browser in browsers + [setup] for p in browser.problems()]
    assert problems == [], logs
    assert "database is locked" not in logs
    # New details on one shared ticket queue up and nobody edits another's detail, so
    # every save must have been answered with success.
    assert ledger.failed == [], logs
    assert len(ledger.confirmed) == THREADS * ROUNDS + 1
    assert len(ledger.details) == THREADS * ROUNDS * 2
    _check_database(db, demo, ledger)
    with capsys.disabled():
        print(
            f"\n[concurrency] {ledger.writes} writes (Incluir, Confirmar, detalhe) by {THREADS}"
            f" attendants on 2 gunicorn instances in {elapsed:.1f}s"
        )


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite file durability; see the PostgreSQL variant")
def test_sigkill_mid_stream_loses_no_answered_save_sqlite(demo, db, database_url, tmp_path, capsys):
    _stream_and_kill(demo, db, database_url, tmp_path, capsys, kill_master=True)
    path = database_url.removeprefix("sqlite:///")
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


@pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL: the workers die, the server lives")
def test_sigkill_of_the_workers_loses_no_answered_save_postgres(
    demo, db, database_url, tmp_path, capsys
):
    _stream_and_kill(demo, db, database_url, tmp_path, capsys, kill_master=False)


def _stream_and_kill(demo, db, database_url, tmp_path, capsys, kill_master: bool):
    """Three attendants save as fast as they can; after a few successes the server gets
    SIGKILL. Every save answered with success must be in the database."""
    main, maria = demo["company"].id, demo["maria"].id
    ledger = Ledger()
    stop = threading.Event()
    browsers: list[live.Browser] = []

    def stream(ports, tag):
        browser = live.Browser(ports, timeout=20)
        browsers.append(browser)
        browser.login("atendente", "atendente123")
        n = 0
        while not stop.is_set():
            n += 1
            try:
                code = live.include(browser, maria)
                if code is None:
                    continue
                ledger.add("included", (main, code))
                text = f"{tag} {n}: antes do kill"
                if live.confirm(browser, code, text):
                    ledger.add("confirmed", (main, code, text))
                text = f"{tag} {n}: detalhe antes do kill"
                if live.save_detail(browser, code, text):
                    ledger.add("details", (main, code, text))
            except (OSError, AssertionError, http.client.HTTPException):
                # The server died under this request: its answer never came (or came cut short,
                # IncompleteRead), nothing promised.
                with ledger.lock:
                    ledger.unanswered += 1
                if kill_master:
                    return
                time.sleep(0.05)

    with live.gunicorn(database_url, tmp_path / "k", workers=1, threads=3) as server:
        threads = [
            threading.Thread(target=stream, args=([server.port], f"s{n}"), daemon=True)
            for n in range(3)
        ]
        for thread in threads:
            thread.start()
        try:
            deadline = time.monotonic() + 20
            while len(ledger.confirmed) < 8 and time.monotonic() < deadline:
                time.sleep(0.02)
            if kill_master:
                server.kill()
            else:
                for pid in server.worker_pids():
                    os.kill(pid, signal.SIGKILL)
                time.sleep(1.5)  # the master starts new workers; the stream goes on
                before = len(ledger.confirmed)
                deadline = time.monotonic() + 20
                while len(ledger.confirmed) < before + 2 and time.monotonic() < deadline:
                    time.sleep(0.05)
                assert len(ledger.confirmed) >= before + 2, server.log_tail()
        finally:
            stop.set()  # also when the test fails: no thread outlives it
            for thread in threads:
                thread.join(30)

    assert len(ledger.confirmed) >= 8
    assert ledger.unanswered >= 1  # the kill did land in the middle of the stream
    with capsys.disabled():
        print(
            f"\n[sigkill] {ledger.writes} writes answered, {len(ledger.confirmed)} Confirmar, "
            f"{ledger.unanswered} requests cut by the kill"
        )
    # Drafts whose Incluir was answered may be missing their Confirmar, never their code.
    db.session.commit()
    db.session.expire_all()
    codes = sorted(db.session.scalars(sa.select(Ticket.code).where(Ticket.company_id == main)))
    assert codes == list(range(1, len(codes) + 1))
    assert {code for _, code in ledger.included} <= set(codes)
    saved = set(
        db.session.execute(
            sa.select(Ticket.company_id, Ticket.code, TicketDetail.description).join(
                TicketDetail.ticket
            )
        ).all()
    )
    assert [i for i in ledger.confirmed + ledger.details if tuple(i) not in saved] == []
    for _, code, _text in ledger.confirmed:
        stage = db.session.scalar(
            sa.select(Ticket.stage).where(Ticket.company_id == main, Ticket.code == code)
        )
        assert stage == "confirmado"


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's write lock")
def test_a_writer_that_waits_too_long_gets_a_clear_503_and_nothing_saved(
    app, demo, db, database_url, logged_in
):
    """Past busy_timeout the attendant is told to try again (503), never shown a 500 or
    "database is locked"; the code is not used up."""
    app.config["SQLITE_BUSY_TIMEOUT_MS"] = 200
    db.session.commit()
    db.engine.dispose()  # new connections take the short timeout
    listing = f"/entidades/{demo['maria'].id}/atendimentos"
    token = live.csrf_token_from(logged_in.get(listing).get_data(as_text=True))
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        came_from = f"http://localhost{listing}"
        response = logged_in.post(
            listing, data={"csrf_token": token}, headers={"Referer": came_from}
        )
        elsewhere = logged_in.post(
            listing, data={"csrf_token": token}, headers={"Referer": "http://evil.example/x"}
        )
        holder.execute("ROLLBACK")
    finally:
        holder.close()
    text = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Nada foi salvo" in text and "database is locked" not in text
    # A way back to the page the save came from (its draft keeps what was typed); only to
    # a page of ours.
    assert f'<a href="{came_from}">Voltar à página em que você estava</a>' in text
    assert "evil.example" not in elsewhere.get_data(as_text=True)
    response = logged_in.post(listing, data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].endswith("/4")
