"""bench/run.py's own pieces: the wrk output it reads, the form it posts, the bare app and the
gunicorn it starts. The benchmark itself prints timings and is never run by the suite."""

import pytest

from bench import run
from bench.bare_app import app as bare_app
from tests.factories import include

# Real output of `wrk -t1 -c4 -d1s --latency -s bench/wrk_report.lua URL -- / page` against
# bench/bare_app.py under gunicorn -w 2.
WRK_OUTPUT = """\
Running 1s test @ http://127.0.0.1:51455/
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     9.34ms    6.88ms  34.03ms   65.74%
    Req/Sec   435.60    124.23   620.00     70.00%
  Latency Distribution
     50%    8.36ms
     75%   13.49ms
     90%   19.88ms
     99%   26.14ms
  449 requests in 1.04s, 59.63KB read
Requests/sec:    433.55
Transfer/sec:     57.58KB
BENCH-JSON {"p50_us":8363,"p95_us":23817,"p99_us":26137,"max_us":34031,"requests":449,\
"duration_us":1035647,"bytes":61064,"non_2xx_3xx":0,"connect_errors":0,"read_errors":0,\
"write_errors":0,"timeouts":0}
"""


def test_wrk_output_gives_percentiles_in_ms_and_the_rate():
    result = run.parse_wrk_output(WRK_OUTPUT)
    assert (result.p50, result.p95, result.p99, result.max) == (8.363, 23.817, 26.137, 34.031)
    assert result.requests == 449
    assert result.rate == pytest.approx(433.55, abs=0.01)  # wrk's own Requests/sec
    assert result.errors == 0


def test_wrk_output_counts_error_answers_and_timeouts():
    bad = WRK_OUTPUT.replace('"non_2xx_3xx":0', '"non_2xx_3xx":7').replace(
        '"timeouts":0', '"timeouts":2'
    )
    assert run.parse_wrk_output(bad).errors == 9


def test_wrk_output_without_the_scripts_line_is_refused():
    with pytest.raises(ValueError, match="BENCH-JSON"):
        run.parse_wrk_output(WRK_OUTPUT.split("BENCH-JSON")[0])


def test_bare_app_answers_a_constant():
    answer = bare_app.test_client().get("/")
    assert (answer.status_code, answer.data) == (200, b"ok")


def test_bare_app_is_served_by_gunicorn_and_stopped_with_its_workers(tmp_path):
    env = run.base_env(f"sqlite:///{tmp_path / 'unused.sqlite3'}", tmp_path)
    with run.gunicorn("bench.bare_app:app", env, 2, tmp_path / "bare.log", "/") as port:
        answer = run.Attendant(port).get("/")
        assert (answer.status, answer.body) == (200, b"ok")
        # No "Server: gunicorn": the project's gunicorn.conf.py was read.
        assert answer.headers.get("Server") is None
    with pytest.raises(OSError):
        run.Attendant(port).get("/")


def test_the_form_the_benchmark_posts_confirms_a_ticket(logged_in, demo):
    """What read_form takes from the screen (fields joined with form="ticket-form", the
    first option a browser sends when none is selected) is what Confirmar accepts."""
    code = include(logged_in, demo["maria"].id)
    page = logged_in.get(f"/atendimentos/{code}").get_data(as_text=True)
    form = run.screen_post(page, direction="receptivo", description="Pelo benchmark")
    assert form["status_id"]  # a select outside the <form>, joined with form="ticket-form"
    response = logged_in.post(f"/atendimentos/{code}", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    screen = logged_in.get(f"/atendimentos/{code}").get_data(as_text=True)
    assert "Pelo benchmark" in screen


def test_each_endpoint_is_judged_by_the_issues_targets_for_its_kind():
    fast = run.WrkResult(p50=1.5, p95=9, p99=12, max=40, requests=300, seconds=1, errors=0)
    slow = run.WrkResult(p50=7, p95=30, p99=60, max=150, requests=100, seconds=1, errors=0)
    picker = (run.SEARCH, run.PARTIAL)
    assert run.misses(run.Row("Local", fast, 9, 94, picker), ceiling=1000) == "ok"
    assert (
        run.misses(run.Row("Local", slow, 9, 94, picker), 1000) == "p95>20 max>100 p50>2 bare<25%"
    )
    ticket = (run.SCREEN, run.TICKET)
    assert run.misses(run.Row("tela", slow, 21, 1, ticket), 1000) == "p50>6 p95>15 SQL>8"
    assert run.misses(run.Row("Flask vazio", fast, None, 2), 1000) == ""
