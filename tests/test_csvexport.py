"""The shared CSV writer: what Excel in pt-BR opens right (BOM, ';', dd/mm/aaaa, decimal
comma) and what it must not run (formula injection). The exports themselves are tested with
their screens (tests/test_desk_painel.py, tests/test_lots.py)."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from isocrm import csvexport

SP = ZoneInfo("America/Sao_Paulo")


def _parse(chunks) -> list[list[str]]:
    text = "".join(chunks)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "sim"),
        (False, "não"),
        (0, "0"),
        (-12, "-12"),  # a number is no formula
        (Decimal("1234.50"), "1234,50"),
        (Decimal("-0.5"), "-0,5"),
        (2.25, "2,25"),
        (date(2026, 3, 9), "09/03/2026"),
        # 02:30 UTC is still the day before in São Paulo (UTC−3): as the screens show it.
        (datetime(2026, 3, 10, 2, 30, tzinfo=UTC), "09/03/2026 23:30"),
        (datetime(2026, 3, 10, 2, 30), "09/03/2026 23:30"),  # naive: UTC, as stored
        ('Maria Aparecida; Filial "Sul"', 'Maria Aparecida; Filial "Sul"'),
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+5511987654321", "'+5511987654321"),
        ("-1+1", "'-1+1"),
        ("@SOMA(A1)", "'@SOMA(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("a=b", "a=b"),  # only the first character counts
    ],
)
def test_cells_as_the_screens_show_them(value, text):
    assert csvexport.cell(value, SP) == text


def test_a_file_is_bom_header_and_rows_in_chunks_that_parse_back(monkeypatch):
    monkeypatch.setattr(csvexport, "ROWS_PER_CHUNK", 2)
    rows = [(n, f"linha; {n}\ncom quebra", Decimal(n) / 4) for n in range(5)]
    chunks = list(csvexport.lines(("Nº", "Descrição", "Valor"), iter(rows), SP))
    assert len(chunks) == 3  # 2 + 2 + 1 rows: written while the rows are read
    parsed = _parse(chunks)
    assert parsed[0] == ["Nº", "Descrição", "Valor"]
    values = ["0", "0,25", "0,5", "0,75", "1"]
    assert parsed[1:] == [[str(n), f"linha; {n}\ncom quebra", values[n]] for n in range(5)]
    assert "".join(chunks).encode("utf-8").startswith(b"\xef\xbb\xbf")
    assert "\r\n" in chunks[0]  # the line ends Excel expects


def test_an_empty_export_is_still_a_file_with_its_header():
    assert _parse(csvexport.lines(("Código",), [], SP)) == [["Código"]]


def test_the_header_is_guarded_too():
    assert _parse(csvexport.lines(("=x",), [], SP)) == [["'=x"]]
