"""CSV for the spreadsheets of a Brazilian desk: what Excel in pt-BR opens with a double click.

';' separates the columns (a comma is the decimal separator there), the text is UTF-8 with
a BOM (without it Excel guesses Windows-1252 and breaks every accent), dates are dd/mm/aaaa,
date-times dd/mm/aaaa hh:mm in the desk's time zone as the screens show them, decimals have
a comma. Text a spreadsheet would run as a formula (CSV injection: a customer's name typed
as "=HYPERLINK(...)") is written with a leading apostrophe, which shows it as text.

`download_query` streams the rows of a query: a generator response that writes them in
chunks as the database hands them over, so an export of every ticket never sits in memory.
Numbers are written as numbers: the formula guard is for text (a negative amount is no
formula), so callers pass numbers as int or Decimal, not as text.
"""

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import Response
from sqlalchemy import Connection

from isocrm.extensions import db
from isocrm.localtime import local_today, local_zone

BOM = "\ufeff"
DELIMITER = ";"
# What a spreadsheet reads as the start of a formula (OWASP's list: = + - @ tab CR).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ROWS_PER_CHUNK = 500  # rows written per chunk sent: few, large writes to the socket
FETCH_ROWS = 1000  # rows fetched from the database at a time (yield_per)


def text_cell(value: str) -> str:
    """Text as a cell: a leading apostrophe when a spreadsheet would run it."""
    return "'" + value if value.startswith(FORMULA_START) else value


def decimal_text(value: Decimal | float) -> str:
    """1234.5 -> '1234,5': the decimal comma, no thousands separator (Excel reads both ways,
    but '1.234' alone would be read as one thousand two hundred thirty-four)."""
    number = value if isinstance(value, Decimal) else Decimal(repr(value))
    return format(number, "f").replace(".", ",")


def cell(value, zone: ZoneInfo) -> str:
    """One value as the screens show it. A naive datetime is UTC (what the database holds)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "sim" if value else "não"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(zone).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal | float):
        return decimal_text(value)
    return text_cell(str(value))


def lines(header: Sequence[str], rows: Iterable[Sequence], zone: ZoneInfo) -> Iterator[str]:
    """The file as text chunks: the BOM and the header first, then ROWS_PER_CHUNK rows each."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([text_cell(name) for name in header])
    for number, row in enumerate(rows, start=1):
        writer.writerow([cell(value, zone) for value in row])
        if number % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def desk_zone() -> ZoneInfo:
    return local_zone()


def to_bytes(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """A whole (small) file at once, for a member of a zip."""
    return "".join(lines(header, rows, desk_zone())).encode("utf-8")


def dated_filename(stem: str) -> str:
    """painel -> painel-2026-11-29.csv (today at the desk: names sort by date)."""
    return f"{stem}-{local_today():%Y-%m-%d}.csv"


def download(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> Response:
    """An attachment whose body is written as `rows` is read (a generator response)."""
    zone = desk_zone()
    response = Response(
        (chunk.encode("utf-8") for chunk in lines(header, rows, zone)), mimetype="text/csv"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    # The Empresa's data: kept by no shared cache, nor by the browser's own.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def download_query(
    filename: str,
    header: Sequence[str],
    rows_from: Callable[[Connection], Iterable[Sequence]],
) -> Response:
    """An attachment of the rows `rows_from(connection)` reads: its query runs now (an error
    is a 500, not a cut file) on a connection of its own, and its rows are read while the
    answer is sent, in chunks (yield_per). The connection is the stream's, not the request
    session's, which is closed when the view returns; it is closed after the last row, or
    when the answer is (a client gone halfway, a HEAD)."""
    connection = db.engine.connect()
    try:
        rows = rows_from(connection)
    except BaseException:
        connection.close()
        raise
    response = download(filename, header, _closing(rows, connection))
    response.call_on_close(connection.close)
    return response


def _closing(rows: Iterable[Sequence], connection: Connection) -> Iterator[Sequence]:
    try:
        yield from rows
    finally:
        connection.close()
