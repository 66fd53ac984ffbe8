"""Report PDF render time for a long ticket.

    python bench/pdf_report.py --details 50 --infos 2 --renders 20

Builds a fresh SQLite database under bench/out/ (the migrations and the fixed demo records),
adds one confirmed ticket with N details (each with its Resposta and `--infos` lot lines),
then times (pdf.html_to_pdf on the HTML and CSS the endpoint hands to it):

- render: pdf.html_to_pdf() alone (WeasyPrint layout and PDF writing), on the report HTML;
  its CPU time is printed too (a shared machine inflates the wall time);
- request: the whole GET /atendimentos/<code>/relatorio.pdf through the test client
  (queries, template, render slot, WeasyPrint).

Prints p50, p95 and max over --renders runs of each, after one warm-up run (the first
render in a process loads fonts and Pango), with the load average before and after (the
machine is shared: read the CPU line). Asserts nothing: timings are for reading.

--floor also times what no stylesheet can make cheaper, with the same print stylesheet:
- "same text, no structure": every text fragment of the report (each element's own text)
  as a paragraph of its own, so the same words are shaped, broken into lines and drawn,
  without the blocks, lists and tables around them;
- "empty pages": as many pages as the report, each with only its "Página X de Y" footer.
"""

import argparse
import html as html_escape
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import logging  # noqa: E402

from isocrm import create_app  # noqa: E402
from isocrm.extensions import db  # noqa: E402
from isocrm.reports import pdf  # noqa: E402
from tests.test_reports import make_report_ticket  # noqa: E402


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def line(name: str, timings: list[float]) -> str:
    return (
        f"{name:<34} {statistics.median(timings):>9.1f} {percentile(timings, 0.95):>9.1f} "
        f"{max(timings):>9.1f}"
    )


def cpu_line(name: str, render, runs: int) -> str:
    """`render` timed `runs` times after one warm-up: p50/p95/max of its CPU time."""
    render()
    cpu = []
    for _ in range(runs):
        started = time.process_time()
        render()
        cpu.append((time.process_time() - started) * 1000)
    return line(name, cpu)


def floor_documents(html: str, pages: int) -> tuple[str, str]:
    """The report's text without its structure, and `pages` empty pages (see --floor)."""
    import tinyhtml5

    body = tinyhtml5.parse(html).find("{http://www.w3.org/1999/xhtml}body")
    fragments = [
        text.strip()
        for element in body.iter()
        for text in (element.text, element.tail)
        if text and text.strip()
    ]
    paragraphs = "".join(f"<p>{html_escape.escape(text)}</p>" for text in fragments)
    page = '<p class="floor-page">.</p>'
    head = '<!doctype html><html lang="pt-BR"><head><meta charset="utf-8"></head>'
    return (
        f'{head}<body class="report">{paragraphs}</body></html>',
        f'{head}<body class="report">{page * pages}</body></html>',
    )


def page_count(html: str, css: str) -> int:
    weasyprint = pdf.load_weasyprint()
    document = weasyprint.HTML(string=html, base_url=pdf.BASE_URL).render(
        stylesheets=[pdf.stylesheet(weasyprint, css, None)],
        font_config=pdf.font_config(weasyprint),
    )
    return len(document.pages)


def load() -> str:
    return "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--details", type=int, default=50)
    parser.add_argument("--infos", type=int, default=2)
    parser.add_argument("--renders", type=int, default=20)
    parser.add_argument("--save", action="store_true", help="keep the HTML, CSS and PDF")
    parser.add_argument("--floor", action="store_true", help="also time the floor documents")
    args = parser.parse_args()
    # WeasyPrint warns on every render about the screen-only rules it skips; keep the figures
    # readable.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)

    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    path = out / "pdf-report.sqlite3"
    path.unlink(missing_ok=True)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "ALLOW_DEV_SECRET_KEY": True,
            "WTF_CSRF_ENABLED": False,
        }
    )
    with app.app_context():
        from flask_migrate import upgrade

        from isocrm.demo.fixed import load_fixed

        upgrade()
        demo = load_fixed(db.session)
        db.session.commit()
        make_report_ticket(db, demo, code=100, details=args.details, infos=args.infos)

    client = app.test_client()
    client.post("/entrar", data={"username": "atendente", "password": "atendente123"})
    url = "/atendimentos/100/relatorio.pdf"
    # The HTML and CSS the endpoint hands to the printer: caught on one request.
    handed: dict = {}
    real_html_to_pdf = pdf.html_to_pdf

    def catch(html, css, static_folder=None):
        handed.update(html=html, css=css)
        return real_html_to_pdf(html, css, static_folder)

    pdf.html_to_pdf = catch
    first = time.perf_counter()
    response = client.get(url)
    first_ms = (time.perf_counter() - first) * 1000
    pdf.html_to_pdf = real_html_to_pdf
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    html, css, document = handed["html"], handed["css"], response.data
    if args.save:
        (out / "pdf-report.html").write_text(html, encoding="utf-8")
        (out / "pdf-report.css").write_text(css, encoding="utf-8")
        (out / "pdf-report.pdf").write_bytes(document)

    load_before = load()
    renders, cpu = [], []
    for _ in range(args.renders):
        started, started_cpu = time.perf_counter(), time.process_time()
        pdf.html_to_pdf(html, css, app.static_folder)
        renders.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)

    requests = []
    for _ in range(args.renders):
        started = time.perf_counter()
        response = client.get(url)
        requests.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")

    pages = page_count(html, css)
    print(
        f"\nticket with {args.details} details x {args.infos} lot lines: "
        f"{len(document) / 1024:.0f} KiB PDF, {pages} pages, "
        f"first request in the process {first_ms:.0f} ms"
    )
    print(f"before: {load_before}; after: {load()}")
    print(f"{args.renders} runs each{'':<19} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9}")
    print(line("render (html_to_pdf), wall", renders))
    # CPU time of the process: what the render costs, whatever else the machine is doing.
    print(line("render (html_to_pdf), CPU", cpu))
    print(line("request GET …/relatorio.pdf", requests))
    if args.floor:
        text_only, empty = floor_documents(html, pages)
        floor_css = css + "\n.floor-page { break-after: page; }"
        for name, floor_html in (
            ("same text, no structure, CPU", text_only),
            (f"{pages} empty pages, CPU", empty),
        ):
            print(cpu_line(name, lambda h=floor_html: pdf.html_to_pdf(h, floor_css), args.renders))
        print(f"after the floor: {load()}")


if __name__ == "__main__":
    main()
