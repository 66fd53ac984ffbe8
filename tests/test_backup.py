"""flask --app isocrm backup PATH / restore PATH, while gunicorn serves writes, on the
suite's database (SQLite file, or PostgreSQL with pg_dump / pg_restore)."""

import sqlite3
import threading
import time

import sqlalchemy as sa

from isocrm.models import Company, Ticket, TicketDetail
from tests import live
from tests.conftest import ON_POSTGRES
from tests.live import Ledger


def _codes(db, company_id) -> list[int]:
    db.session.commit()
    db.session.expire_all()
    return sorted(db.session.scalars(sa.select(Ticket.code).where(Ticket.company_id == company_id)))


def _wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert condition()


def test_backup_while_serving_and_restore_round_trip(app, db, demo, database_url, tmp_path):
    main, maria = demo["company"].id, demo["maria"].id
    runner = app.test_cli_runner()
    path = tmp_path / ("isocrm.dump" if ON_POSTGRES else "isocrm-backup.sqlite3")
    ledger = Ledger()
    stop = threading.Event()
    browsers: list[live.Browser] = []

    def write(ports, tag):
        browser = live.Browser(ports)
        browsers.append(browser)
        browser.login("atendente", "atendente123")
        n = 0
        while not stop.is_set():
            n += 1
            code = live.include(browser, maria)
            assert code is not None
            text = f"{tag} {n}"
            if live.confirm(browser, code, text):
                ledger.add("confirmed", (main, code, text))

    with live.gunicorn(database_url, tmp_path / "srv", workers=1, threads=3) as server:
        writers = [
            threading.Thread(target=write, args=([server.port], f"w{n}"), daemon=True)
            for n in range(2)
        ]
        for thread in writers:
            thread.start()
        try:
            _wait_for(lambda: len(ledger.confirmed) >= 4)
            promised = list(ledger.confirmed)  # answered before the backup began
            result = runner.invoke(args=["backup", str(path)])
            assert result.exit_code == 0, result.output
            assert f"Cópia de segurança gravada em {path}" in result.output
            backed_up = len(ledger.confirmed)
            # The app kept writing during the backup and goes on after it.
            _wait_for(lambda: len(ledger.confirmed) >= backed_up + 3)
        finally:
            stop.set()
            for thread in writers:
                thread.join(30)
        live_codes = _codes(db, main)
        assert len(live_codes) >= 3 + len(promised) + 3

        again = runner.invoke(args=["backup", str(path)])
        assert again.exit_code != 0 and "--yes" in again.output

        refused = runner.invoke(args=["restore", str(path)])
        assert refused.exit_code != 0
        assert "Nada foi alterado" in refused.output and "--yes" in refused.output
        assert _codes(db, main) == live_codes

        # Restored under the running server, which serves the restored data at once.
        result = runner.invoke(args=["restore", str(path), "--yes"])
        assert result.exit_code == 0, result.output
        assert "restaurado a partir de" in result.output
        db.session.remove()
        db.engine.dispose()
        restored = _codes(db, main)
        # One moment in time: codes 1..N, the counter at N, every Confirmar answered
        # before the backup began present with its detail, none of the later writes.
        assert restored == list(range(1, len(restored) + 1))
        assert len(promised) + 3 <= len(restored) < len(live_codes)
        assert db.session.get(Company, main).last_ticket_code == len(restored)
        saved = set(
            db.session.execute(
                sa.select(Ticket.company_id, Ticket.code, TicketDetail.description).join(
                    TicketDetail.ticket
                )
            ).all()
        )
        assert [p for p in promised if p not in saved] == []
        assert not db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Ticket)
            .where(Ticket.stage == "confirmado", ~Ticket.details.any())
        )
        if not ON_POSTGRES:
            copy = sqlite3.connect(path)
            try:
                assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
                assert copy.execute(
                    "SELECT code FROM tickets WHERE company_id = ? ORDER BY code", (main,)
                ).fetchall() == [(code,) for code in restored]
            finally:
                copy.close()

        # The running server goes on from the restored data: the next code is N + 1.
        after = live.Browser([server.port])
        browsers.append(after)
        after.login("atendente", "atendente123")
        assert live.include(after, maria) == len(restored) + 1
        assert live.confirm(after, len(restored) + 1, "Depois do restore")
        assert f"{len(restored):06d}" in after.get(f"/entidades/{maria}/atendimentos").text
        logs = server.log_tail()

    assert [p for b in browsers for p in b.problems()] == [], logs


def test_restore_refuses_what_is_not_a_backup(app, db, demo, tmp_path):
    runner = app.test_cli_runner()
    main = demo["company"].id
    before = _codes(db, main)
    junk = tmp_path / "notas.txt"
    junk.write_text("isto não é uma cópia de segurança\n" * 100)
    result = runner.invoke(args=["restore", str(junk), "--yes"])
    assert result.exit_code != 0
    assert "Nada foi restaurado" in result.output
    assert _codes(db, main) == before
    missing_dir = runner.invoke(args=["backup", str(tmp_path / "nao-existe" / "x.bak")])
    assert missing_dir.exit_code != 0 and "não existe" in missing_dir.output


def test_restore_onto_a_new_server_without_a_database(app, db, demo, tmp_path):
    """Disaster recovery: the copy is restored where no database exists yet."""
    from isocrm import create_app

    path = tmp_path / "copia.sqlite3"
    result = app.test_cli_runner().invoke(args=["backup", str(path)])
    if ON_POSTGRES:  # one database per suite: the PostgreSQL path is the round trip above
        assert result.exit_code == 0, result.output
        return
    fresh = tmp_path / "novo" / "isocrm.sqlite3"
    fresh.parent.mkdir()
    other = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{fresh}"}
    )
    with other.app_context():  # the command runs in this app's context, not the test's
        from isocrm.extensions import db as other_db

        result = other.test_cli_runner().invoke(args=["restore", str(path), "--yes"])
        other_db.engine.dispose()
    assert result.exit_code == 0, result.output
    assert "antes: vazio" in result.output
    conn = sqlite3.connect(fresh)
    try:
        assert conn.execute("SELECT count(*) FROM tickets").fetchone()[0] == 3
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()


def test_the_pg_tools_version_is_read_from_their_banner():
    from isocrm.backup import _major

    assert _major("pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)") == 15
    assert _major("pg_restore (PostgreSQL) 17.2") == 17


def test_the_flask_command_line_backs_up(demo, db, database_url, tmp_path):
    """`flask --app isocrm backup PATH` as an operator types it, in its own process."""
    import os
    import subprocess
    import sys

    db.session.commit()
    path = tmp_path / "linha-de-comando.bak"
    env = dict(os.environ, ISOCRM_DATABASE_URL=database_url)
    env["ISOCRM_INSTANCE_PATH"] = str(tmp_path / "instance")
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "isocrm", "backup", str(path)],
        cwd=live.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"Cópia de segurança gravada em {path}" in result.stdout
    assert "3 atendimentos" in result.stdout and path.stat().st_size > 0
