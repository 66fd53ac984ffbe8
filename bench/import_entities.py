"""How long `flask --app isocrm import entidades` takes for 100,000 entities (not a test).

    python bench/import_entities.py [COUNT] [DATABASE_URL]

Without a URL it makes a fresh SQLite file in a temporary folder (migrations + the fixed
demo records); with one (an empty database of your own) it uses it. It imports the file,
then imports it again (nothing may change), and prints both times, and the time of each
phase the progress bar shows. On SQLite, "Comparando com o cadastro" + "Gravando" +
"Concluindo" is how long the import holds the write lock (the other saves wait meanwhile);
the screen's warning (SQLITE_ROWS_PER_SECOND in isocrm/imports/views.py) comes from it."""

import os
import sys
import tempfile
import time

from flask_migrate import upgrade

from isocrm import create_app
from isocrm.demo.fixed import load_fixed
from isocrm.extensions import db
from isocrm.imports.kinds import import_file
from isocrm.imports.sample import entity_file


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    folder = tempfile.mkdtemp(prefix="isocrm-import-bench-")
    url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("ISOCRM_INSTANCE_PATH", folder)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    data = entity_file(count).encode("cp1252")  # as Excel in Brazil saves it
    print(f"{count} entidades, {len(data) / 1e6:.1f} MB, {url}")
    with app.app_context():
        upgrade()
        company_id = load_fixed(db.session)["company"].id
        db.session.commit()
        for attempt in ("primeira importação", "reimportação"):
            started = time.monotonic()
            phases: dict[str, float] = {"Lendo": started}

            def progress(phase: str, _done: int, _total: int, phases=phases) -> None:
                phases.setdefault(phase, time.monotonic())

            report = import_file("entidades", db.session, company_id, data, progress=progress)
            elapsed = time.monotonic() - started
            assert report.ok, report.errors[:5]
            print(f"{attempt}: {report.summary()} {elapsed:.1f} s")
            marks = [*phases.items(), ("fim", started + elapsed)]
            for (phase, at), (_next, until) in zip(marks, marks[1:], strict=False):
                print(f"  {phase}: {until - at:.1f} s")
            writing = started + elapsed - phases["Comparando com o cadastro"]
            changed = report.created + report.updated
            print(f"  escrita (no SQLite, o bloqueio): {writing:.1f} s", end="")
            print(f", {changed / writing:,.0f} linhas alteradas/s" if changed else "")


if __name__ == "__main__":
    main()
