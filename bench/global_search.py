"""Global search (Busca, the header's box) latency on a large generated dataset.

    python bench/global_search.py --database-url postgresql+psycopg://.../db --repeat 20

The database must hold the demo plus bulk data (`flask --app isocrm demo-data --entities N
--tickets N --details N`). Times isocrm.finder.search.find() for what is typed most: a
ticket code (with zeros), a phone with and without DDD, an e-mail, a CPF, a common word,
"embalagem violada" and other phrases, a name, no match; then the whole page GET /busca.
Prints p50/p95/max per kind (wall clock and the CPU time of this thread).

Measured 2026-11-29 on the 2-core machine under a load average of 7-9 (other suites running),
100k entities, 300k tickets, 750k details + 250k lines (`--details 1000000`), 7.95M
ticket_search_words rows, --repeat 10, every kind together:
- SQLite: p50 8.1 ms, p95 29 ms (CPU of the thread p95 12 ms); code 0.6/5.4, phone 7.2/13.3,
  e-mail 6.3/13.7, common word 14.5/19.8, "embalagem violada"-like phrases 18/32 ms.
- PostgreSQL: p50 17.5 ms, p95 52 ms (CPU p95 20 ms); the database's own execution time
  (EXPLAIN ANALYZE) of every statement of a search is 0.05-0.9 ms, planning 0.1-1.2 ms.
The wall clock above is mostly waiting for a core; the bound is proven by rows read in
tests/test_finder_shape.py, not by these timings.

Measured 2026-11-29 on the full-size bulk data (`demo-data --entities 1000000 --tickets
3000000 --details 10000000`: 3,000,225 tickets, 7.5M details, 79.5M ticket_search_words
rows), quiet 2-core machine (load 0.7), --repeat 20 --gc-freeze, every query p50/p95/max:
SQLite 1.8/5.5/12.2 ms, PostgreSQL 4.1/9.9/14.9 ms; the slowest kind, phrases, p95 6.1 and
11.3 ms; the whole GET /busca page p95 9.3 and 13.8 ms. Without --gc-freeze a full
collection of the heap may land on one search (a 55-180 ms max seen).
"""

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search_latency import _GcPauses, _Samples, percentile  # noqa: E402
from isocrm import create_app  # noqa: E402
from isocrm.extensions import db  # noqa: E402
from isocrm.finder.search import find  # noqa: E402
from isocrm.models import Company, EContact, Entity, Phone, Ticket  # noqa: E402


def typed_queries(company_id: int) -> dict[str, list[str]]:
    """Real codes, phones and e-mails of the Empresa, and the phrases people type."""
    last = db.session.scalar(
        sa.select(sa.func.max(Ticket.code)).where(Ticket.company_id == company_id)
    )
    codes = [str(last), f"{last // 2:06d}", "000003", f"#{last // 3}", "1"]
    numbers = db.session.scalars(
        sa.select(Phone.number)
        .join(Entity, Entity.id == Phone.entity_id)
        .where(Entity.company_id == company_id, sa.func.length(Phone.number) == 11)
        .order_by(Phone.id.desc())
        .limit(5)
    ).all()
    phones = [f"({n[:2]}) {n[2:7]}-{n[7:]}" for n in numbers[:2]]
    phones += [f"{n[2:7]}-{n[7:]}" for n in numbers[2:4]]  # without the DDD
    phones += [f"+55 {n[:2]} {n[2:]}" for n in numbers[4:]]
    emails = db.session.scalars(
        sa.select(EContact.value)
        .join(Entity, Entity.id == EContact.entity_id)
        .where(Entity.company_id == company_id, EContact.kind == "email")
        .order_by(EContact.id.desc())
        .limit(4)
    ).all()
    emails = [emails[0], emails[1].upper(), emails[2].split("@")[0] + "@", emails[3]]
    documents = db.session.scalars(
        sa.select(Entity.document)
        .where(Entity.company_id == company_id, sa.func.length(Entity.document) == 11)
        .order_by(Entity.id.desc())
        .limit(3)
    ).all()
    return {
        "ticket code": codes,
        "phone (with/without DDD, +55)": phones,
        "e-mail (exact, case, prefix)": emails,
        "CPF": list(documents),
        "common word": ["produto", "cliente", "embalagem", "entrega", "pedido"],
        "phrase": [
            "embalagem violada",
            "vale-troca",
            "reembolso vale troca",
            "cliente pede retorno por whatsapp",
            "produto chegou",
        ],
        "prefix being typed": ["emb", "embalagem vio", "lot", "cliente env"],
        "name": ["maria aparecida", "jose silva", "ana"],
        "no match": ["xyzzy", "embalagem xyzzy", "zzzq@"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="gc.freeze() once the app is up, as gunicorn.conf.py does in each worker",
    )
    args = parser.parse_args()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": args.database_url,
            "ALLOW_DEV_SECRET_KEY": True,
            "WTF_CSRF_ENABLED": False,
        }
    )
    if args.gc_freeze:
        gc.freeze()
    pauses = _GcPauses()
    with app.app_context():
        company_id = db.session.scalar(
            sa.select(Company.id).where(Company.name == "isoCRM Demonstração")
        )
        sizes = {
            name: db.session.scalar(sa.text(f"SELECT count(*) FROM {name}"))  # nosec B608
            for name in ("entities", "tickets", "ticket_details", "ticket_search_words")
        }
        queries = typed_queries(company_id)
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"\n{db.engine.dialect.name}, {sizes} (load average {load})")
        print(f"{'find()':<32} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'cpu p95':>8}  worst")
        every = _Samples()
        for kind, typed in queries.items():
            samples = _Samples()
            for query in typed:
                for _ in range(args.repeat):
                    samples.time(repr(query), lambda q=query: find(db.session, company_id, q))
                    every.wall.append(samples.wall[-1])
                    every.cpu.append(samples.cpu[-1])
                    db.session.rollback()
            wall = samples.wall
            print(
                f"{kind:<32} {statistics.median(wall):>8.2f} {percentile(wall, 0.95):>8.2f}"
                f" {max(wall):>8.2f} {percentile(samples.cpu, 0.95):>8.2f}  {samples.worst[0]}"
            )
        print(
            f"{'every query':<32} {statistics.median(every.wall):>8.2f}"
            f" {percentile(every.wall, 0.95):>8.2f} {max(every.wall):>8.2f}"
            f" {percentile(every.cpu, 0.95):>8.2f}"
        )
        print(f"garbage collections during the searches: {pauses.summary()}")

    client = app.test_client()
    with client:
        client.post("/entrar", data={"username": "atendente", "password": "atendente123"})
        print(f"\n{'whole page GET /busca?q=…':<32} {'p50 ms':>8} {'p95 ms':>8}")
        for kind in ("phone (with/without DDD, +55)", "common word", "phrase"):
            timings = []
            for query in queries[kind]:
                for _ in range(max(1, args.repeat // 2)):
                    started = time.perf_counter()
                    response = client.get("/busca", query_string={"q": query})
                    timings.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, (query, response.status_code)
            print(
                f"{kind:<32} {statistics.median(timings):>8.2f} {percentile(timings, 0.95):>8.2f}"
            )


if __name__ == "__main__":
    main()
