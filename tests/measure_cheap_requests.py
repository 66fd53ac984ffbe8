"""Not part of the suite (no test_ prefix): prints statements and ms per request for the
ticket screen (50 details of 3 lines), the Histórico and the htmx partials, through the
Flask test client on the suite's database (SQLite, or ISOCRM_DATABASE_URL).

    python -m pytest tests/measure_cheap_requests.py -s -q -p no:cacheprovider
    MEASURE_N=500 MEASURE_SQL=ticket ...   # more requests; list the ticket screen's statements
    PROFILE=occ ...                         # cProfile of 200 requests of one of them

Timings are of the test client in one process (no HTTP), next to the load average: a
bench, never a test. bench/run.py measures the same endpoints under gunicorn and wrk.
"""

import cProfile
import os
import pstats
import time

from tests.factories import HX, add_details, create_ticket, ticket_by_code

N = int(os.environ.get("MEASURE_N", "200"))


def _endpoints(demo, ticket_id):
    maria = demo["maria"].id
    reason = demo["reasons"]["Reclamação"].id
    occurrence = demo["occurrences"]["Reclamação/Produto com defeito"].id
    chain = f"reason_id={reason}&occurrence_id={occurrence}"
    return {
        "ticket": ("/atendimentos/4", {}),
        "history": (f"/entidades/{maria}/historico", {}),
        "panel": ("/atendimentos/4/detalhes?detalhe=25", HX),
        "occ": (f"/atendimentos/opcoes/ocorrencias?reason_id={reason}", HX),
        "occ+line": (
            f"/atendimentos/opcoes/ocorrencias?reason_id={reason}&infos-0-product_info_id=1",
            HX,
        ),
        "causes": (f"/atendimentos/opcoes/causas?{chain}", HX),
        "info_row": (f"/atendimentos/opcoes/informacao?{chain}&index=1", HX),
        "contacts": (f"/entidades/{maria}/contatos?q=jo", HX),
        "local": (f"/atendimentos/opcoes/locais?q=merc&ticket_id={ticket_id}", HX),
    }


def test_measure(logged_in, demo, db, count_queries):
    create_ticket(logged_in, demo)
    ticket = ticket_by_code(db, 4)
    add_details(db, demo, ticket, 49)
    print(f"\nload average {os.getloadavg()}  requests per endpoint {N}")
    for name, (url, headers) in _endpoints(demo, ticket.id).items():
        logged_in.get(url, headers=headers)
        with count_queries() as counter:
            response = logged_in.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code)
        if os.environ.get("PROFILE") == name:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(200):
                logged_in.get(url, headers=headers)
            profile.disable()
            pstats.Stats(profile).sort_stats("cumulative").print_stats(50)
        times = []
        for _ in range(N):
            start = time.perf_counter()
            logged_in.get(url, headers=headers)
            times.append(time.perf_counter() - start)
        times.sort()
        p50, p95 = times[len(times) // 2] * 1000, times[int(len(times) * 0.95)] * 1000
        print(
            f"{name:9} queries={counter.count:3} p50={p50:6.2f} ms p95={p95:6.2f} ms"
            f" bytes={len(response.data)}"
        )
        if os.environ.get("MEASURE_SQL") == name:
            for statement in counter.statements:
                print("   ", " ".join(statement.split())[:200])
