"""How long `flask --app isocrm import entidades` takes for 100,000 entities (not a test).

    python bench/import_entities.py [COUNT] [DATABASE_URL]

Without a URL it makes a fresh SQLite file in a temporary folder (migrations + the fixed
demo records); with one (an empty database of your own) it uses it. It imports the file,
then imports it again (nothing may change), and prints both times."""

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
            report = import_file("entidades", db.session, company_id, data)
            elapsed = time.monotonic() - started
            assert report.ok, report.errors[:5]
            print(f"{attempt}: {report.summary()} {elapsed:.1f} s")


if __name__ == "__main__":
    main()
