"""A ticket to print (Maria's, with details and information lines) and the text and page
sizes of a PDF read back with poppler's pdftotext and pdfinfo: for the report tests, in
the test client and in the browser."""

import os
import re
import shutil
import subprocess
from datetime import date, timedelta

import pytest

from isocrm.models import DetailInfo, Ticket, TicketDetail
from isocrm.models.base import utcnow


def detail_description(number: int) -> str:
    return f"Descrição do detalhe número {number}: cliente relata biscoito quebrado."


def lot_number(detail: int, line: int) -> str:
    return f"LT{detail:02d}X{line}"


def make_report_ticket(db, demo, *, code: int = 100, details: int = 3, infos: int = 2) -> Ticket:
    """Maria's ticket with `details` details, each with `infos` information lines, committed."""
    start = utcnow() - timedelta(days=10)
    channels = list(demo["channels"].values())
    ticket = Ticket(
        company_id=demo["company"].id,
        code=code,
        entity=demo["maria"],
        role=demo["roles"]["cliente"],
        complementary_data="Cliente prefere contato à tarde.",
        related_ticket=demo["ticket_1"],
        reason=demo["reasons"]["Reclamação"],
        occurrence=demo["occurrences"]["Reclamação/Produto com defeito"],
        cause=demo["causes"]["Reclamação/Produto com defeito/Embalagem violada"],
        unit=demo["unit_sp"],
        location=demo["mercado"],
        location_note="Gôndola 7, perto do caixa.",
        status=demo["statuses"]["em_andamento"],
        opened_by=demo["atendente"],
        updated_by=demo["supervisor"],
        opened_at=start,
    )
    for n in range(1, details + 1):
        detail = TicketDetail(
            channel=channels[n % len(channels)],
            direction="ativo" if n % 2 == 0 else "receptivo",
            received_at=start + timedelta(hours=n) - timedelta(minutes=30),
            opened_at=start + timedelta(hours=n),
            answered_at=start + timedelta(hours=n, minutes=15),
            description=detail_description(n),
            answer=f"Resposta ao detalhe {n}: troca autorizada.",
            attendant=demo["atendente"],
            contact=demo["jose"] if n == 1 else None,
        )
        for line in range(1, infos + 1):
            detail.informations.append(
                DetailInfo(
                    product_info=demo["product_info"],
                    note=f"Observação {n}.{line}",
                    lot_number=lot_number(n, line),
                    serial_number=f"SN{n}{line}",
                    manufactured_on=date(2026, 4, line),
                    expires_on=date(2026, 10, line),
                )
            )
        ticket.details.append(detail)
    db.session.add(ticket)
    db.session.commit()
    return ticket


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} not found: install Debian's 'poppler-utils' to read PDFs back"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: a missing tool is a failure)")
        pytest.skip(message)
    return path


def pdf_page_lines(tmp_path, data: bytes, layout: bool = False) -> list[list[str]]:
    """Each page's non-blank text lines (a form feed between pages), whitespace inside each
    line collapsed; `layout` keeps the lines as placed on the page (pdftotext -layout), at
    the cost of table cells split across lines."""
    pdf_file = tmp_path / "report.pdf"
    pdf_file.write_bytes(data)
    result = subprocess.run(
        [
            _poppler("pdftotext"),
            *(["-layout"] if layout else []),
            "-enc",
            "UTF-8",
            str(pdf_file),
            "-",
        ],
        capture_output=True,
        check=True,
        timeout=60,
    )
    pages = result.stdout.decode("utf-8").split("\f")
    if pages and not pages[-1].strip():
        pages.pop()  # pdftotext ends the last page with a form feed too
    return [
        [" ".join(line.split()) for line in page.splitlines() if line.strip()] for page in pages
    ]


def pdf_pages_text(tmp_path, data: bytes) -> list[str]:
    """Each page's text as one string (a long line may wrap anywhere)."""
    return [" ".join(lines) for lines in pdf_page_lines(tmp_path, data)]


def pdf_page_sizes(tmp_path, data: bytes) -> list[str]:
    """pdfinfo's "Page N size" of every page, e.g. "595.276 x 841.89 pts (A4)"."""
    pdf_file = tmp_path / "sizes.pdf"
    pdf_file.write_bytes(data)
    result = subprocess.run(
        [_poppler("pdfinfo"), "-f", "1", "-l", "9999", str(pdf_file)],
        capture_output=True,
        check=True,
        timeout=60,
    )
    text = result.stdout.decode("utf-8")
    return re.findall(r"^Page\s+\d+ size:\s*(.+)$", text, flags=re.MULTILINE)
