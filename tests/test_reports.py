"""Imprimir relatório: the print-ready ticket page and its PDF."""

import re
import sys
import threading

import pytest
import sqlalchemy as sa

from isocrm.models import Status, Ticket
from isocrm.reports import pdf
from tests.conftest import csrf_token_from
from tests.report_tickets import (
    detail_description,
    lot_number,
    make_report_ticket,
    pdf_page_lines,
    pdf_page_sizes,
    pdf_pages_text,
)


def _report(client, code):
    return client.get(f"/atendimentos/{code}/relatorio")


def test_report_has_the_whole_ticket_every_detail_and_information(logged_in, demo, db):
    make_report_ticket(db, demo, details=4, infos=2)
    response = _report(logged_in, 100)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for text in (
        "Atendimento 000100",
        demo["company"].name,
        "Em andamento",
        "Data abertura",
        "Data fechamento",
        "Maria Aparecida da Silva",
        demo["maria"].document_display,
        demo["maria"].principal_address.one_line,
        demo["maria"].principal_phone.display,
        demo["maria"].principal_econtact.value,
        "Dados do atendimento",
        "Cliente",
        "Cliente prefere contato à tarde.",
        "000001",  # SAC Relacionado
        "Categoria do atendimento",
        "Reclamação",
        "Produto com defeito",
        "Embalagem violada",
        demo["unit_sp"].name,
        demo["mercado"].name,
        "Gôndola 7, perto do caixa.",
        "Atendente abertura",
        "Atendente alteração",
        demo["supervisor"].name,
        "Data de recebimento",
        "José Carlos",  # Contato of detail 1
        demo["product_info"].product.name,
        demo["product_info"].description,
        "01/04/2026",
        "01/10/2026",
    ):
        assert text in html, text
    for n in range(1, 5):
        assert detail_description(n) in html
        assert f"Resposta ao detalhe {n}: troca autorizada." in html
        assert f"Detalhe {n} de 4" in html
        for line in (1, 2):
            assert lot_number(n, line) in html
            assert f"SN{n}{line}" in html
            assert f"Observação {n}.{line}" in html
    # In the order they happened.
    positions = [html.index(detail_description(n)) for n in range(1, 5)]
    assert positions == sorted(positions)


def test_report_is_its_own_printable_page_without_the_apps_menus(logged_in, demo, db):
    make_report_ticket(db, demo, details=1)
    html = _report(logged_in, 100).get_data(as_text=True)
    assert '<html lang="pt-BR">' in html
    assert "<title>Atendimento 000100" in html
    assert "css/print.css" in html
    assert "css/app.css" not in html
    assert "Menu lateral" not in html and "Sair" not in html
    # CSP forbids inline script and style attributes: only <script src=...>.
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, tag
    assert re.search(r"<script\b[^>]*>\s*[^<\s]", html) is None
    assert " style=" not in html and "<style" not in html
    assert "js/print.js" in html
    assert 'id="print-report"' in html and "/atendimentos/100/relatorio.pdf" in html


def test_print_stylesheet_is_a4_with_page_numbers_and_unbroken_details(client):
    with client.get("/static/css/print.css") as response:
        css = response.get_data(as_text=True)
    assert "size: A4" in css and "margin: 15mm" in css
    assert "counter(page)" in css
    assert "break-inside: avoid" in css
    # Headings go with what follows; a long detail breaks inside rather than before, its
    # Resposta stays with its Descrição, and no lone lines at a page's bottom or top.
    assert re.search(r"h2, h3, h4 \{[^}]*break-after: avoid", css)
    detail = re.search(r"\.detail \{([^}]*)\}", css).group(1)
    assert "break-inside: auto" in detail and "break-inside: avoid" not in detail
    assert re.search(r"\.detail h4\.answer \{[^}]*break-before: avoid", css)
    assert re.search(r"\.detail-head \{[^}]*break-inside: avoid", css)
    assert re.search(r"\.detail \.text \{[^}]*orphans: 3;[^}]*widows: 3", css)
    assert "@media print" in css


def test_report_escapes_what_users_typed(logged_in, demo, db):
    ticket = make_report_ticket(db, demo, details=1)
    ticket.details[0].description = '<script>alert("x")</script> & cia'
    db.session.commit()
    html = _report(logged_in, 100).get_data(as_text=True)
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;" in html and "&amp; cia" in html


def test_ticket_icon_bar_links_to_the_report(logged_in, demo):
    html = logged_in.get("/atendimentos/1").get_data(as_text=True)
    assert 'href="/atendimentos/1/relatorio"' in html


def test_report_of_another_companys_ticket_or_a_missing_one_is_404(logged_in, demo, db):
    south = demo["company_south"]
    db.session.add(
        Ticket(
            company_id=south.id,
            code=500,
            entity_id=demo["luiza"].id,
            role_id=demo["roles_south"]["cliente"].id,
            status_id=db.session.scalar(
                sa.select(Status.id).where(Status.company_id == south.id, Status.is_default)
            ),
            opened_by_id=demo["supervisor"].id,
            updated_by_id=demo["supervisor"].id,
        )
    )
    db.session.commit()
    assert _report(logged_in, 500).status_code == 404
    assert logged_in.get("/atendimentos/500/relatorio.pdf").status_code == 404
    assert _report(logged_in, 999).status_code == 404
    assert logged_in.get("/atendimentos/999/relatorio.pdf").status_code == 404


def test_report_needs_login(client, demo):
    response = client.get("/atendimentos/1/relatorio")
    assert response.status_code == 302 and "/entrar" in response.headers["Location"]
    assert client.get("/atendimentos/1/relatorio.pdf").status_code == 302


def test_report_query_count_does_not_grow_with_details(logged_in, demo, db, count_queries):
    make_report_ticket(db, demo, code=100, details=1, infos=1)
    make_report_ticket(db, demo, code=101, details=30, infos=3)
    _report(logged_in, 100)  # warm up whatever is loaded once per process
    with count_queries() as small:
        assert _report(logged_in, 100).status_code == 200
    with count_queries() as large:
        response = _report(logged_in, 101)
    assert response.status_code == 200
    assert detail_description(30) in response.get_data(as_text=True)
    assert large.count == small.count, large.statements


def record_printer(monkeypatch) -> dict:
    """What the PDF endpoint hands to the printer (html, css, static_folder), filled on each
    request; the real printer still prints."""
    printed = {}
    real_html_to_pdf = pdf.html_to_pdf

    def recording_html_to_pdf(html, css, static_folder=None):
        printed.update(html=html, css=css, static_folder=static_folder)
        return real_html_to_pdf(html, css, static_folder)

    monkeypatch.setattr(pdf, "html_to_pdf", recording_html_to_pdf)
    return printed


def test_pdf_endpoint_hands_the_report_itself_to_the_printer(logged_in, demo, db, monkeypatch):
    make_report_ticket(db, demo, details=2)
    printed = record_printer(monkeypatch)
    response = logged_in.get("/atendimentos/100/relatorio.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == 'inline; filename="atendimento-000100.pdf"'
    assert response.data.startswith(b"%PDF-")
    # The printer gets the report itself, with the stylesheet handed over, not fetched.
    assert detail_description(2) in printed["html"]
    assert "<link" not in printed["html"] and "<script" not in printed["html"]
    assert "Imprimir" not in printed["html"]
    assert "size: A4" in printed["css"]
    assert printed["static_folder"] == logged_in.application.static_folder


# --- the PDF as printed by WeasyPrint, read back with poppler-utils ----------------------


def test_pdf_of_a_50_detail_ticket_has_everything_on_numbered_a4_pages(
    logged_in, demo, db, tmp_path
):
    details, infos = 50, 2
    make_report_ticket(db, demo, details=details, infos=infos)
    response = logged_in.get("/atendimentos/100/relatorio.pdf")
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert response.data.startswith(b"%PDF-")

    sizes = pdf_page_sizes(tmp_path, response.data)
    pages = pdf_pages_text(tmp_path, response.data)
    assert len(pages) == len(sizes) > 1
    for size in sizes:
        # A4 is 210 x 297 mm = 595.28 x 841.89 pt; pdfinfo names it when it matches.
        assert size.endswith("(A4)"), size
    total = len(pages)
    for number, text in enumerate(pages, start=1):
        assert f"Página {number} de {total}" in text, (number, text[-200:])
        assert "isoCRM SAC · Relatório de atendimento" in text, number

    text = " ".join(pages)
    for expected in (
        "Atendimento 000100",
        "Maria Aparecida da Silva",
        demo["maria"].document_display,
        demo["mercado"].name,
        # Accents survive the font and the text layer.
        "Cliente prefere contato à tarde.",
        "Gôndola 7, perto do caixa.",
        "Reclamação",
        "José Carlos",
        "Informações do detalhe",
        f"DETALHES DO ATENDIMENTO ({details})",  # h2 is text-transform: uppercase
    ):
        assert expected in text, expected
    positions = []
    for n in range(1, details + 1):
        assert f"Detalhe {n} de {details}" in text, n
        assert detail_description(n) in text, n
        assert f"Resposta ao detalhe {n}: troca autorizada." in text, n
        for line in range(1, infos + 1):
            assert lot_number(n, line) in text, (n, line)
            assert f"Observação {n}.{line}" in text, (n, line)
        positions.append(text.index(detail_description(n)))
    assert positions == sorted(positions)
    # The screen-only toolbar is not printed.
    assert "Baixar PDF" not in text and "Voltar ao atendimento" not in text
    # The print stylesheet's break rules hold: no page ends with a heading whose text is on
    # the next page (the footer line, with "Página X de Y", is the page's last line).
    page_lines = pdf_page_lines(tmp_path, response.data, layout=True)
    assert len(page_lines) == total
    for number, lines in enumerate(page_lines[:-1], start=1):
        body = [line for line in lines if "Relatório de atendimento" not in line]
        assert body[-1] not in ("Descrição", "Resposta", "Informações do detalhe"), (
            number,
            body[-3:],
        )
        assert not body[-1].startswith("Detalhe "), (number, body[-3:])


def test_pdf_printer_fetches_only_the_apps_static_files_and_never_the_network(
    app, monkeypatch, tmp_path
):
    import socket

    attempts = []

    def no_network(*args, **kwargs):
        attempts.append(args)
        raise OSError("the PDF printer must not use the network")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    asked = []
    real_fetcher = pdf.static_only_fetcher

    def recording_fetcher(weasyprint, static_folder):
        fetcher = real_fetcher(weasyprint, static_folder)
        real_fetch = fetcher.fetch

        def fetch(url, headers=None):
            try:
                response = real_fetch(url, headers)
            except ValueError:
                asked.append((url, "refused"))
                raise
            asked.append((url, "served"))
            return response

        fetcher.fetch = fetch
        return fetcher

    monkeypatch.setattr(pdf, "static_only_fetcher", recording_fetcher)
    html = """<!doctype html><html lang="pt-BR"><head><meta charset="utf-8">
    <link rel="stylesheet" href="https://cdn.example.com/evil.css">
    <link rel="stylesheet" href="/static/../isocrm/config.py"></head>
    <body><p>Ação com acentuação</p>
    <img src="http://example.com/tracker.png" alt="">
    <img src="file:///etc/passwd" alt="">
    <img src="/static/img/favicon.svg" alt="logo"></body></html>"""
    css = "@import url(http://example.org/x.css); body { background: url(//example.net/b.png) }"
    data = pdf.html_to_pdf(html, css, app.static_folder)

    assert data.startswith(b"%PDF-")
    assert attempts == []
    served = [url for url, outcome in asked if outcome == "served"]
    refused = [url for url, outcome in asked if outcome == "refused"]
    assert served == [pdf.BASE_URL + "static/img/favicon.svg"]
    for url in (
        "https://cdn.example.com/evil.css",
        "http://example.com/tracker.png",
        "file:///etc/passwd",
        "http://example.org/x.css",
        "http://example.net/b.png",
    ):
        assert url in refused, (url, asked)
    # ../ out of static/ is refused whether or not the URL was normalised on the way.
    assert not any("config.py" in url for url in served)
    assert "Ação com acentuação" in pdf_pages_text(tmp_path, data)[0]


def test_pdf_printer_builds_its_fonts_and_stylesheet_once_per_thread(
    logged_in, demo, db, monkeypatch
):
    """A FontConfiguration (fontconfig, a Pango font map) and the parsed print.css are made on
    a thread's first render and reused by the next ones, not made again for every PDF."""
    import weasyprint

    make_report_ticket(db, demo, details=2)
    printed = record_printer(monkeypatch)
    assert logged_in.get("/atendimentos/100/relatorio.pdf").status_code == 200
    made = []

    class CountedCSS(weasyprint.CSS):
        def __init__(self, *args, **kwargs):
            made.append("CSS")
            super().__init__(*args, **kwargs)

    class CountedFontConfiguration(weasyprint.text.fonts.FontConfiguration):
        def __init__(self, *args, **kwargs):
            made.append("FontConfiguration")
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(weasyprint, "CSS", CountedCSS)
    monkeypatch.setattr(weasyprint.text.fonts, "FontConfiguration", CountedFontConfiguration)
    static_folder = logged_in.application.static_folder
    other_ticket = printed["html"].replace(detail_description(2), "Outro detalhe.")
    per_thread = {}

    def print_three(name):
        for html in (printed["html"], other_ticket, printed["html"]):
            assert pdf.html_to_pdf(html, printed["css"], static_folder).startswith(b"%PDF-")
            per_thread.setdefault(name, []).append(sorted(made))

    # A new thread starts with nothing: it builds each once, for its first render only.
    worker = threading.Thread(target=print_three, args=("worker",))
    worker.start()
    worker.join(timeout=120)
    assert per_thread["worker"] == [["CSS", "FontConfiguration"]] * 3
    # This thread printed (above) already: nothing more is built.
    made.clear()
    print_three("main")
    assert per_thread["main"] == [[]] * 3
    # A changed stylesheet is parsed afresh (with the fonts it already has).
    pdf.html_to_pdf(printed["html"], printed["css"] + "\nh1 { color: #000; }", static_folder)
    assert made == ["CSS"]


def test_pdf_layout_has_no_grid_and_no_content_sized_table(logged_in, demo, db, monkeypatch):
    """What makes WeasyPrint slow on a long report: grids size their tracks by laying every
    item out again, and an auto-layout table measures every cell before laying it out. The
    printed report has neither (floats and fixed tables give the same columns)."""
    import weasyprint

    make_report_ticket(db, demo, details=3, infos=2)
    printed = record_printer(monkeypatch)
    assert logged_in.get("/atendimentos/100/relatorio.pdf").status_code == 200
    document = weasyprint.HTML(string=printed["html"], base_url=pdf.BASE_URL).render(
        stylesheets=[pdf.stylesheet(weasyprint, printed["css"], printed["static_folder"])],
        font_config=pdf.font_config(weasyprint),
    )
    boxes = []

    def walk(box):
        boxes.append(box)
        for child in getattr(box, "children", ()):
            walk(child)

    for page in document.pages:
        walk(page._page_box)
    tables = [
        box for box in boxes if isinstance(box, weasyprint.formatting_structure.boxes.TableBox)
    ]
    assert len(tables) == 3
    assert {table.style["table_layout"] for table in tables} == {"fixed"}
    grids = [box for box in boxes if "grid" in box.style["display"]]
    # The one grid left is the header's three facts, laid out once per report.
    assert [box.element.get("class") for box in grids] == ["header-facts"]
    floats = [box for box in boxes if box.style["float"] != "none"]
    assert {box.element.tag for box in floats} == {"dt", "dd"}


def test_pdf_without_weasyprint_is_503_and_points_to_the_html_report(logged_in, demo, monkeypatch):
    # As on a server without Pango: importing weasyprint fails.
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    response = logged_in.get("/atendimentos/1/relatorio.pdf")
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "não pôde ser gerado" in html and "libpango-1.0-0" in html
    assert 'href="/atendimentos/1/relatorio"' in html


@pytest.mark.parametrize("code", [1, 3])
def test_demo_tickets_print(logged_in, demo, code):
    html = _report(logged_in, code).get_data(as_text=True)
    assert f"Atendimento {code:06d}" in html
    assert "Maria Aparecida da Silva" in html


# --- at most PDF_CONCURRENCY renders at once, with real parallel requests ---------------


class LiveUser:
    """A logged-in browser-less user of a live server: its own cookie jar, plain HTTP."""

    def __init__(self, base_url: str, username: str = "atendente", password: str = "atendente123"):
        import http.cookiejar
        import urllib.request

        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        token = csrf_token_from(self.get("/entrar")[1])
        status, _ = self.post(
            "/entrar", {"username": username, "password": password, "csrf_token": token}
        )
        assert status == 200  # the redirect to the desk was followed

    def _open(self, request):
        import urllib.error

        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    def get(self, path: str) -> tuple[int, str]:
        import urllib.request

        return self._open(urllib.request.Request(self.base_url + path))

    def post(self, path: str, data: dict) -> tuple[int, str]:
        import urllib.parse
        import urllib.request

        body = urllib.parse.urlencode(data).encode()
        return self._open(urllib.request.Request(self.base_url + path, data=body))


@pytest.fixture
def live_server(app, demo):
    """The app served by Werkzeug on a free port, one thread per request, as in production."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


class SlowPrinter:
    """Stands in for WeasyPrint, slowed down: each render waits for `release` and counts how
    many run at once (a real render is too quick to hold a slot for a controlled time)."""

    def __init__(self, hold: float = 5.0):
        import threading

        self.lock = threading.Lock()
        self.running = 0
        self.most = 0
        self.started = threading.Semaphore(0)
        self.release = threading.Event()
        self.hold = hold

    def __call__(self, html, css, static_folder=None):
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        self.started.release()
        try:
            self.release.wait(self.hold)
            return b"%PDF-1.7 slow"
        finally:
            with self.lock:
                self.running -= 1


def test_pdf_beyond_the_bound_waits_briefly_then_gets_503(app, live_server, monkeypatch):
    import threading
    import time

    from isocrm.reports.pdf import PDF_BUSY_MESSAGE

    app.config.update(PDF_CONCURRENCY=1, PDF_SLOT_WAIT=0.3)
    printer = SlowPrinter()
    monkeypatch.setattr(pdf, "html_to_pdf", printer)
    first_user, second_user = LiveUser(live_server), LiveUser(live_server)

    first: dict = {}
    thread = threading.Thread(
        target=lambda: first.update(result=first_user.get("/atendimentos/1/relatorio.pdf"))
    )
    thread.start()
    assert printer.started.acquire(timeout=10), "the first render never started"

    started = time.monotonic()
    status, html = second_user.get("/atendimentos/1/relatorio.pdf")
    waited = time.monotonic() - started
    assert status == 503
    assert PDF_BUSY_MESSAGE in html
    assert 'href="/atendimentos/1/relatorio"' in html
    assert 0.3 <= waited < 5, waited  # it queued for the slot, then gave up
    assert printer.most == 1  # no second render was started

    printer.release.set()
    thread.join(10)
    assert first["result"][0] == 200
    # The slot is free again: the next request prints.
    assert second_user.get("/atendimentos/1/relatorio.pdf")[0] == 200


def test_pdf_requests_queue_for_the_slots_and_never_exceed_them(app, live_server, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    app.config.update(PDF_CONCURRENCY=2, PDF_SLOT_WAIT=10)
    printer = SlowPrinter(hold=0.25)  # each render takes a quarter of a second
    monkeypatch.setattr(pdf, "html_to_pdf", printer)
    users = [LiveUser(live_server) for _ in range(2)]
    with ThreadPoolExecutor(max_workers=5) as pool:
        results = list(
            pool.map(lambda i: users[i % 2].get("/atendimentos/1/relatorio.pdf")[0], range(5))
        )
    assert results == [200] * 5
    assert printer.most == 2
