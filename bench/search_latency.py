"""Entity search latency on a large registry.

    python bench/search_latency.py --entities 1000000 --queries 300

Builds (once) a SQLite database under bench/out/ with the demo data plus N generated
entities, then times a few hundred searches of each kind through the same function the
Atendimentos page uses, and the whole page through the test client. Prints median, p95
and max per kind (wall clock, and the CPU time of the searching thread, which a loaded
machine does not inflate). Use --database-url to measure PostgreSQL instead.

Besides names of random entities it times what people type most, which random sampling
never asks: the frequent first-name pairs ("maria aparecida"), first name + surname,
particles ("da silva"), 1–3 letter prefixes, a company word, CPF/CNPJ prefixes, no-match,
3-4 word queries, the deepest page, the partner (Local) picker and the ticket screen's
contact picker; --per-query adds each typed query's own max. --search-from FILE times another
search_entities (e.g. `git show integ:isocrm/entities/search.py`) for before/after;
--no-prepare leaves the database as it is (no migration, no generation).
"""

import argparse
import gc
import importlib.util
import os
import random
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from isocrm import create_app  # noqa: E402
from isocrm.cli import has_demo_data, migrate_database  # noqa: E402
from isocrm.entity_search import search_entities  # noqa: E402
from isocrm.extensions import db  # noqa: E402
from isocrm.models import Company, Entity  # noqa: E402


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def prepare(app, entities: int) -> int:
    from isocrm.demo import generate_bulk_entities, load_demo

    with app.app_context():
        migrate_database()
        if not has_demo_data():
            load_demo(db.session)
        company = db.session.scalar(sa.select(Company).where(Company.name == "isoCRM Demonstração"))
        have = db.session.scalar(
            sa.select(sa.func.count()).select_from(Entity).where(Entity.company_id == company.id)
        )
        if have < entities:
            started = time.perf_counter()
            generate_bulk_entities(db.session, company.id, entities - have, echo=print)
            print(f"generated {entities - have} entities in {time.perf_counter() - started:.1f} s")
        if db.engine.dialect.name == "sqlite":
            with db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        else:
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        return company.id


def sample_queries(app, company_id: int, count: int, rng: random.Random) -> dict[str, list[str]]:
    with app.app_context():
        total = db.session.scalar(sa.select(sa.func.max(Entity.id)))
        picks = []
        while len(picks) < count:
            entity = db.session.get(Entity, rng.randint(1, total))
            if entity is not None and entity.company_id == company_id and entity.document:
                picks.append((entity.name, entity.document, entity.document_display))
            db.session.expunge_all()
    first_words = [name.split()[0] for name, _, _ in picks]
    return {
        "prefix of 3 letters (e.g. 'mar')": [w[:3].lower() for w in first_words],
        "first name + start of surname": [
            f"{name.split()[0]} {name.split()[-1][:4]}".lower() for name, _, _ in picks
        ],
        "full name": [name for name, _, _ in picks],
        "surname only": [name.split()[-1] for name, _, _ in picks],
        "CPF/CNPJ with punctuation": [shown for _, _, shown in picks],
        "CPF/CNPJ digits only": [doc for _, doc, _ in picks],
        "no match": [f"zq{rng.randint(1000, 9999)}x" for _ in picks],
    }


# What people type most, against the generated vocabulary (Faker pt_BR pools).
TYPED = {
    "frequent first-name pairs": [
        "maria aparecida",
        "maria eduarda",
        "ana clara",
        "joao pedro",
        "pedro henrique",
        "maria clara",
        "ana beatriz",
        "jose carlos",
        "luiz henrique",
        "ana julia",
    ],
    "first name + surname": [
        "maria silva",
        "jose silv",
        "joao santos",
        "ana souza",
        "maria oliveira",
        "pedro lima",
        "maria aparecida da silva",
        "joao pedro silva",
        "ana clara santos",
        "gabriel costa",
    ],
    "particles": [
        "da",
        "de",
        "dos",
        "da silva",
        "da costa",
        "maria da",
        "das neves",
        "da luz",
        "dos santos",
        "maria de",
        "de souza",
        "jose dos",
    ],
    "1-3 letter prefixes": ["m", "a", "ma", "jo", "mar", "sil", "ana", "da s", "m a", "jo si"],
    "company words": ["comercio ltda", "comercio", "ltda", "industria", "alimentos sa"],
    "CPF/CNPJ prefixes": [
        "529",
        "529.982",
        "52998224725",
        "6",
        "71",
        "712.",
        "12.345.678/0001",
        "123456780001",
    ],
    "no match": ["zzzq", "maria zzzq", "qwxz silva", "xyzzy", "da zz"],
    "3-4 word queries": [
        "maria aparecida silva",
        "ana clara dos santos",
        "jose da silva",
        "maria de souza lima",
        "joao pedro da costa",
        "mar apa da sil",
        "comercio de alimentos ltda",
        "pedro henrique oliveira",
    ],
}
DEEP = [("silva", 5), ("silva", 6), ("maria", 5), ("da", 5), ("ma", 5)]
PARTNER = ["maria", "maria aparecida", "ma", "da silva", "silva", "zzzq"]
CONTACT = ["", "m", "maria", "da silva", "ana", "zzzq"]


class _GcPauses:
    """Milliseconds the cyclic garbage collector ran, per generation: a single slow search
    may be a collection of the whole heap landing on it, not the search."""

    def __init__(self):
        self.pauses: list[tuple[int, float]] = []
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase, info):
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append((info["generation"], (time.perf_counter() - self._started) * 1000))

    def summary(self) -> str:
        parts = []
        for generation in (0, 1, 2):
            ms = [p for g, p in self.pauses if g == generation]
            if ms:
                parts.append(f"gen{generation} {len(ms)}x max {max(ms):.1f} ms")
        return ", ".join(parts) or "none"


class _Samples:
    """Wall-clock and CPU milliseconds of one kind of query, and its slowest query. On a
    loaded machine the wall clock also counts the time spent waiting for a core; the CPU
    time of this thread does not (with SQLite it is nearly all of a search's work; with
    PostgreSQL the server's share is not in it)."""

    def __init__(self):
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self.worst = ("", 0.0)

    def time(self, label: str, fn) -> float:
        started, cpu_started = time.perf_counter(), time.thread_time()
        fn()
        elapsed = (time.perf_counter() - started) * 1000
        self.cpu.append((time.thread_time() - cpu_started) * 1000)
        self.wall.append(elapsed)
        if elapsed > self.worst[1]:
            self.worst = (label, elapsed)
        return elapsed


def _contact_timings(session, company_id: int, repeat: int) -> _Samples:
    """The ticket screen's contact picker ("Relacionado com"), for the entity of the Empresa
    with the most relations."""
    from isocrm.models import Relation
    from isocrm.tickets.queries import contact_choices

    entity_id = session.scalar(
        sa.select(Relation.entity_id)
        .join(Entity, Entity.id == Relation.entity_id)
        .where(Entity.company_id == company_id)
        .group_by(Relation.entity_id)
        .order_by(sa.func.count().desc(), Relation.entity_id)
        .limit(1)
    )
    samples = _Samples()
    for query in CONTACT:
        for _ in range(repeat):
            samples.time(repr(query), lambda q=query: contact_choices(session, entity_id, q))
            session.rollback()
    return samples


def typed_timings(search, session, company_id, repeat: int, per_query: dict | None = None):
    """Per kind: its _Samples; per_query, when given, gets each query's max ms."""
    from isocrm.tickets.queries import partner_filter

    try:
        from isocrm.tickets.queries import partner_ids
    except ImportError:  # an older tree: the Local picker filtered by role
        partner_ids = None
    cases = {kind: [(q, 1, {}) for q in queries] for kind, queries in TYPED.items()}
    cases["deep pages (page N)"] = [(q, p, {}) for q, p in DEEP]
    picker = (
        {"within": partner_ids(company_id)}
        if partner_ids and "within" in search.__code__.co_varnames
        else {"extra_filter": partner_filter(company_id)}
    )
    cases["partner (Local) picker"] = [(q, 1, dict(picker, per_page=15)) for q in PARTNER]
    results = {}
    for kind, items in cases.items():
        samples = _Samples()
        for query, page, kwargs in items:
            label = f"{query!r} p{page}"
            for _ in range(repeat):
                elapsed = samples.time(
                    label,
                    lambda q=query, p=page, k=kwargs: search(session, company_id, q, page=p, **k),
                )
                if per_query is not None:
                    per_query[(kind, label)] = max(per_query.get((kind, label), 0.0), elapsed)
                session.rollback()
        results[kind] = samples
    results["contact picker"] = _contact_timings(session, company_id, repeat)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--search-from", default=None, help="file defining search_entities")
    parser.add_argument("--no-prepare", action="store_true")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each typed query")
    parser.add_argument("--typed-only", action="store_true")
    parser.add_argument("--per-query", action="store_true", help="max ms of every typed query")
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="gc.freeze() once the app is up, as gunicorn.conf.py does in each worker",
    )
    args = parser.parse_args()
    search = search_entities
    if args.search_from:
        spec = importlib.util.spec_from_file_location("search_under_test", args.search_from)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        search = module.search_entities

    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{out / f'search-{args.entities}.sqlite3'}"
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "ALLOW_DEV_SECRET_KEY": True, "WTF_CSRF_ENABLED": False}
    )
    if args.no_prepare:
        with app.app_context():
            company_id = db.session.scalar(
                sa.select(Company.id).where(Company.name == "isoCRM Demonstração")
            )
    else:
        company_id = prepare(app, args.entities)

    if args.gc_freeze:
        gc.freeze()
    pauses = _GcPauses()
    with app.app_context():
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(
            f"\n{db.engine.dialect.name}, {args.entities:,} entities, typed queries"
            f" (load average {load})"
        )
        print(
            f"{'kind':<32} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'cpu p95':>8}"
            f" {'cpu max':>8}  worst"
        )
        per_query = {} if args.per_query else None
        for kind, samples in typed_timings(
            search, db.session, company_id, args.repeat, per_query
        ).items():
            wall, cpu = samples.wall, samples.cpu
            print(
                f"{kind:<32} {statistics.median(wall):>8.2f} {percentile(wall, 0.95):>8.2f}"
                f" {max(wall):>8.2f} {percentile(cpu, 0.95):>8.2f} {max(cpu):>8.2f}"
                f"  {samples.worst[0]}"
            )
        print(f"garbage collections during the typed queries: {pauses.summary()}")
        for (kind, query), worst_ms in (per_query or {}).items():
            print(f"  {kind:<30} {query:<34} max {worst_ms:>8.2f}")
    if args.typed_only:
        return

    rng = random.Random(20261127)
    kinds = sample_queries(app, company_id, args.queries, rng)

    with app.app_context():
        print(
            f"\n{db.engine.dialect.name}, {args.entities:,} entities, "
            f"{args.queries} queries per kind"
        )
        print(
            f"{'search_entities()':<40} {'median ms':>10} {'p95 ms':>10} {'max ms':>10} {'hits':>8}"
        )
        for kind, queries in kinds.items():
            timings, hits = [], 0
            for query in queries:
                started = time.perf_counter()
                page = search(db.session, company_id, query)
                timings.append((time.perf_counter() - started) * 1000)
                hits += bool(page.items)
                db.session.rollback()
            print(
                f"{kind:<40} {statistics.median(timings):>10.2f} "
                f"{percentile(timings, 0.95):>10.2f} {max(timings):>10.2f} {hits:>8}"
            )

    client = app.test_client()
    with client:
        client.post("/entrar", data={"username": "atendente", "password": "atendente123"})
        print(f"\n{'whole page GET /atendimentos/?q=…':<40} {'median ms':>10} {'p95 ms':>10}")
        for kind in ("prefix of 3 letters (e.g. 'mar')", "full name", "CPF/CNPJ digits only"):
            timings = []
            for query in kinds[kind]:
                started = time.perf_counter()
                response = client.get(
                    "/atendimentos/", query_string={"q": query}, headers={"HX-Request": "true"}
                )
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            print(
                f"{kind:<40} {statistics.median(timings):>10.2f} {percentile(timings, 0.95):>10.2f}"
            )


if __name__ == "__main__":
    main()
