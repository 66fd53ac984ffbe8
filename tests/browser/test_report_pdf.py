"""Imprimir relatório: print the report in real Chromium (the browser's own print, as the
Imprimir button does) and fetch the server's PDF (WeasyPrint) from the logged-in browser,
reading the text of both back."""

import os
import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.report_tickets import detail_description, lot_number, make_report_ticket

pytestmark = pytest.mark.browser

DETAILS, INFOS = 3, 2


def _pdftotext(tmp_path, data: bytes) -> str:
    """The PDF's text, whitespace collapsed (a long line may wrap anywhere)."""
    path = shutil.which("pdftotext")
    if path is None:
        message = "pdftotext not found: install Debian's 'poppler-utils' to read PDFs back"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: a missing tool is a failure)")
        pytest.skip(message)
    pdf_file = tmp_path / "report.pdf"
    pdf_file.write_bytes(data)
    result = subprocess.run(
        [path, "-enc", "UTF-8", str(pdf_file), "-"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return " ".join(result.stdout.decode("utf-8").split())


def _assert_whole_ticket(text: str, demo) -> None:
    assert "Atendimento 000100" in text
    assert "Maria Aparecida da Silva" in text
    assert demo["maria"].document_display in text
    assert demo["mercado"].name in text
    for n in range(1, DETAILS + 1):
        assert detail_description(n) in text, n
        assert f"Resposta ao detalhe {n}: troca autorizada." in text, n
        for line in range(1, INFOS + 1):
            assert lot_number(n, line) in text, (n, line)
    # The screen-only toolbar is not printed; the @page margin boxes number the pages.
    assert "Baixar PDF" not in text and "Voltar ao atendimento" not in text
    assert "Página 1 de" in text


@pytest.fixture
def report_ticket(db, demo):
    return make_report_ticket(db, demo, code=100, details=DETAILS, infos=INFOS)


def test_report_printed_by_the_browser_has_every_detail(page, demo, report_ticket, tmp_path):
    login(page)
    page.goto("/atendimentos/100/relatorio")
    expect(page.get_by_role("heading", name="Atendimento 000100")).to_be_visible()
    expect(page.locator("article.detail")).to_have_count(DETAILS)
    # Chromium prints the page with its print stylesheet, as the print dialog would.
    data = page.pdf(prefer_css_page_size=True, print_background=True)
    assert data.startswith(b"%PDF-")
    _assert_whole_ticket(_pdftotext(tmp_path, data), demo)


def test_imprimir_opens_the_print_dialog(page, demo, report_ticket):
    login(page)
    page.goto("/atendimentos/100/relatorio")
    # Stand in for the dialog, which headless Chromium cannot show.
    page.evaluate("window.print = () => { document.body.dataset.printed = 'yes'; }")
    page.get_by_role("link", name="Imprimir").click()
    expect(page.locator("body")).to_have_attribute("data-printed", "yes")
    assert page.url.endswith("/atendimentos/100/relatorio")


def test_report_opens_from_the_ticket_icon(page, demo, report_ticket):
    login(page)
    page.goto("/atendimentos/100")
    page.get_by_role("link", name="Imprimir relatório").click()
    expect(page.get_by_role("heading", name="Atendimento 000100")).to_be_visible()


def test_pdf_endpoint_prints_the_whole_ticket_on_the_server(page, demo, report_ticket, tmp_path):
    login(page)
    # The request shares the logged-in browser's cookies; the server lays the PDF out with
    # WeasyPrint, no browser of its own.
    response = page.request.get("/atendimentos/100/relatorio.pdf", timeout=60_000)
    assert response.status == 200, response.text()
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'inline; filename="atendimento-000100.pdf"'
    data = response.body()
    assert data.startswith(b"%PDF-")
    _assert_whole_ticket(_pdftotext(tmp_path, data), demo)


def _pdf_pages(tmp_path, data: bytes) -> list[list[str]]:
    """Each page's text lines, in layout order, without the @page footer."""
    _pdftotext(tmp_path, data)  # skips (or fails on CI) without pdftotext
    pdf_file = tmp_path / "pages.pdf"
    pdf_file.write_bytes(data)
    result = subprocess.run(
        [shutil.which("pdftotext"), "-layout", "-enc", "UTF-8", str(pdf_file), "-"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    pages = []
    for page_text in result.stdout.decode("utf-8").split("\f"):
        lines = [" ".join(line.split()) for line in page_text.splitlines()]
        lines = [
            line
            for line in lines
            if line and "Relatório de atendimento" not in line and not line.startswith("Página ")
        ]
        if lines:
            pages.append(lines)
    return pages


def test_long_report_never_ends_a_page_with_a_detail_heading(page, db, demo, tmp_path):
    ticket = make_report_ticket(db, demo, code=101, details=6, infos=1)
    long_text = "\n".join(f"Linha {n} do relato do cliente sobre o produto." for n in range(70))
    for n, detail in enumerate(ticket.details):
        detail.description = long_text if n % 2 == 0 else detail_description(n + 1)
        detail.answer = "\n".join(f"Resposta linha {k}." for k in range(4 + 9 * n))
    db.session.commit()
    login(page)
    page.goto("/atendimentos/101/relatorio")
    data = page.pdf(prefer_css_page_size=True, print_background=True)
    pages = _pdf_pages(tmp_path, data)
    assert len(pages) >= 3, pages
    for number, lines in enumerate(pages[:-1], start=1):
        last = lines[-1]
        assert last not in ("Descrição", "Resposta"), (number, lines[-5:])
        assert not last.startswith("Detalhe "), (number, lines[-5:])
        assert pages[number][0] != "Resposta", (number + 1, pages[number][:3])
    # A long detail starts right after the one before it, not on a page of its own: the
    # first page has the first detail's heading and the start of its Descrição.
    assert any(line.startswith("Detalhe 1 de 6") for line in pages[0]), pages[0]
    assert "Linha 0 do relato do cliente sobre o produto." in pages[0], pages[0]
