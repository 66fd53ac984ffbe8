"""Reading a CSV as it comes out of a spreadsheet: UTF-8 (with or without BOM) or, from
Excel in Brazil, Windows-1252/Latin-1 with a warning; `;` or `,` between the fields
(sniffed from the header line); numbers with a decimal comma; dates as dd/mm/aaaa.

Every cell goes through the same cleaning as a typed form value (no control characters,
no invisible marks), and the headers are matched by their folded words, so "Nome fantasia",
"NOME_FANTASIA" and "nome-fantasia" are one column."""

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from isocrm import text
from isocrm.fields import DATE_MESSAGE, MAX_YEAR, MIN_YEAR, strip_control_characters


def N_(message: str) -> str:
    """Marks a message for the catalogue (pybabel knows N_) and leaves it in Portuguese: the
    job that checks a file runs with no user, so its report keeps each message's Portuguese
    template and values, and the screen translates them for whoever looks (RowError,
    isocrm.imports.views.import_error)."""
    return message


def fill(template: str, values: dict | None) -> str:
    """The Portuguese text of a template with its values ("%(line)s"…)."""
    return template % values if values else template


LATIN1_WARNING = (
    "O arquivo não está em UTF-8: foi lido como Latin-1 (Windows-1252, o padrão do Excel). "
    'Confira os acentos na prévia; para evitar o aviso, salve como "CSV UTF-8".'
)
MAX_FIELD = 10_000  # characters in one cell: no column of ours takes more


class ImportFileError(Exception):
    """The file as a whole cannot be read (no header, unknown columns…): nothing imported.
    `template` % `values`: the Portuguese message (a msgid, translated where it is shown);
    `line`: where the problem is, when it is one line."""

    def __init__(self, template: str, values: dict | None = None, line: int = 1) -> None:
        super().__init__(fill(template, values))
        self.template, self.values, self.line = template, dict(values or {}), line


@dataclass
class Table:
    columns: dict[str, str]  # our column key -> the header as written in the file
    rows: list[tuple[int, dict[str, str]]]  # (line where the row starts, {key: cell})
    encoding: str
    delimiter: str
    warnings: list[str] = field(default_factory=list)


def header_key(name: str) -> str:
    """'Nome fantasia' / 'NOME_FANTASIA' / 'nome-fantasia' -> 'nome_fantasia'."""
    return "_".join(text.fold(name.replace("/", " ")).split())


# Bytes that begin a file that is not a CSV: a spreadsheet saved as .xlsx/.ods (a ZIP), an
# old .xls (OLE2), a PDF. Each message ends with what to do (save as CSV), written whole in
# each sentence so that each is one msgid.
NOT_CSV = (
    (
        b"PK\x03\x04",
        N_(
            "O arquivo é uma planilha (.xlsx ou .ods), não um CSV: abra-o na planilha e salve"
            ' como "CSV UTF-8" (ou "CSV separado por ponto e vírgula").'
        ),
    ),
    (
        b"\xd0\xcf\x11\xe0",
        N_(
            "O arquivo é uma planilha do Excel antigo (.xls), não um CSV: abra-o na planilha e"
            ' salve como "CSV UTF-8" (ou "CSV separado por ponto e vírgula").'
        ),
    ),
    (
        b"%PDF",
        N_(
            'O arquivo é um PDF, não um CSV: abra-o na planilha e salve como "CSV UTF-8" (ou'
            ' "CSV separado por ponto e vírgula").'
        ),
    ),
)
UTF16 = N_(
    "O arquivo está em UTF-16 (Unicode do Excel): abra-o na planilha e salve como"
    ' "CSV UTF-8" (ou "CSV separado por ponto e vírgula").'
)
NOT_TEXT = N_(
    'O arquivo não é um texto: abra-o na planilha e salve como "CSV UTF-8" (ou "CSV separado'
    ' por ponto e vírgula").'
)
MIXED_LATIN1 = N_(
    "O arquivo mistura codificações (a linha %(latin1)s tem acentos em Latin-1): os acentos"
    " sairiam trocados. Corrija a linha diferente das outras ou abra-o na planilha e salve"
    ' como "CSV UTF-8" (ou "CSV separado por ponto e vírgula").'
)
MIXED_BOTH = N_(
    "O arquivo mistura codificações (a linha %(utf8)s tem acentos em UTF-8 e a linha"
    " %(latin1)s tem acentos em Latin-1): os acentos sairiam trocados. Corrija a linha"
    ' diferente das outras ou abra-o na planilha e salve como "CSV UTF-8" (ou "CSV separado'
    ' por ponto e vírgula").'
)
# A UTF-8 sequence of two to four bytes (an accented letter): "ç" is C3 A7.
UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def decode(data: bytes) -> tuple[str, str, list[str]]:
    """(text, encoding name, warnings); ImportFileError for what is not a text file in
    UTF-8 or Latin-1."""
    for magic, message in NOT_CSV:
        if data.startswith(magic):
            raise ImportFileError(message)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(UTF16)
    head = data[:4096]
    controls = sum(1 for byte in head if byte < 9 or 13 < byte < 32)
    if controls > len(head) // 100 + 4:  # a stray one in a name is cleaned like any other
        raise ImportFileError(NOT_TEXT)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        name = "UTF-8 (BOM)"
    else:
        name = "UTF-8"
    try:
        return data.decode("utf-8"), name, []
    except UnicodeDecodeError as error:
        utf8 = UTF8_SEQUENCE.search(data)
        if name != "UTF-8" or utf8:
            # Accents written in UTF-8 *and* bytes that are not: read as Latin-1, every "ç"
            # already right would become "Ã§" and be imported so. Refused, with both lines.
            latin1_line = data.count(b"\n", 0, error.start) + 1
            if utf8:
                utf8_line = data.count(b"\n", 0, utf8.start()) + 1
                values = {"utf8": utf8_line, "latin1": latin1_line}
                raise ImportFileError(MIXED_BOTH, values, line=latin1_line) from error
            raise ImportFileError(
                MIXED_LATIN1, {"latin1": latin1_line}, line=latin1_line
            ) from error
    try:
        return data.decode("cp1252"), "Latin-1 (Windows-1252)", [LATIN1_WARNING]
    except UnicodeDecodeError:
        return data.decode("latin-1"), "Latin-1", [LATIN1_WARNING]


def sniff_delimiter(first_line: str) -> str:
    """`;` (Excel in Brazil), `,` or a tab: whichever the header line has most of."""
    counts = {d: first_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ";"))
    return best if counts[best] else ";"


def read_table(data: bytes, known: dict[str, str], required: dict[str, str]) -> Table:
    """Parse the file; `known` maps accepted header keys (aliases too) to column keys,
    `required` the keys every file must have to the header they are documented with."""
    content, encoding, warnings = decode(data)
    first_line = content.split("\n", 1)[0]
    if not first_line.strip():
        raise ImportFileError(N_("O arquivo está vazio ou a primeira linha não tem os cabeçalhos."))
    delimiter = sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as error:
        raise ImportFileError(N_("A primeira linha não tem os cabeçalhos das colunas.")) from error
    positions: dict[str, int] = {}
    columns: dict[str, str] = {}
    unknown = []
    for index, name in enumerate(header):
        cleaned = strip_control_characters(name).strip()
        key = known.get(header_key(cleaned))
        if key is None:
            if cleaned:
                unknown.append(cleaned)
            continue
        if key in positions:
            raise ImportFileError(
                N_('A coluna "%(column)s" aparece duas vezes no cabeçalho.'), {"column": cleaned}
            )
        positions[key] = index
        columns[key] = cleaned
    missing = [label for key, label in required.items() if key not in positions]
    if missing:
        raise ImportFileError(
            N_("Faltam colunas obrigatórias no cabeçalho: %(columns)s."),
            {"columns": ", ".join(missing)},
        )
    if unknown:
        warnings.append(
            "Colunas desconhecidas, ignoradas: " + ", ".join(f'"{u}"' for u in unknown) + "."
        )
    rows = []
    line = reader.line_num + 1
    try:
        for record in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue  # blank lines (Excel leaves some at the end)
            rows.append((start, _cells(record, positions)))
    except csv.Error as error:
        raise ImportFileError(
            N_("Linha %(line)s: o arquivo não é um CSV legível (%(error)s)."),
            {"line": line, "error": str(error)},
        ) from error
    return Table(columns, rows, encoding, delimiter, warnings)


def _cells(record: list[str], positions: dict[str, int]) -> dict[str, str]:
    return {
        key: strip_control_characters(record[index]).strip()[:MAX_FIELD]
        if index < len(record)
        else ""
        for key, index in positions.items()
    }


# --- values as a Brazilian spreadsheet writes them -----------------------------------------


class CellError(ValueError):
    """A cell that cannot be read; the message is in Portuguese, a msgid."""


TOO_LONG = N_("Texto longo demais (máximo de %(max)d caracteres).")  # as the forms say it
NUMBER_MESSAGE = N_("Número inválido: use vírgula para decimais, como 1.234,56.")


_BR_NUMBER = re.compile(r"-?\d{1,3}(\.\d{3})*(,\d+)?|-?\d+(,\d+)?")
_DOT_DECIMAL = re.compile(r"-?\d+(\.\d{1,4})?")


def decimal_value(cell: str) -> Decimal:
    """'1.234,56' (Excel-BR), '1234,56' or '1234.56' -> Decimal('1234.56')."""
    value = cell.replace("R$", "").replace(" ", "").replace("\u00a0", "")
    if _BR_NUMBER.fullmatch(value):
        value = value.replace(".", "").replace(",", ".")
    elif not _DOT_DECIMAL.fullmatch(value):
        raise CellError(NUMBER_MESSAGE)
    try:
        return Decimal(value)
    except InvalidOperation as error:  # pragma: no cover - the patterns above forbid it
        raise CellError(N_("Número inválido.")) from error


def date_value(cell: str) -> date:
    """dd/mm/aaaa (or aaaa-mm-dd), years 1900–2100, as in the forms."""
    for pattern, fmt in ((r"\d{2}/\d{2}/\d{4}", "%d/%m/%Y"), (r"\d{4}-\d{2}-\d{2}", "%Y-%m-%d")):
        if re.fullmatch(pattern, cell):
            try:
                parsed = datetime.strptime(cell, fmt).date()
            except ValueError:
                break
            if MIN_YEAR <= parsed.year <= MAX_YEAR:
                return parsed
            break
    raise CellError(str(DATE_MESSAGE))


def split_list(cell: str) -> Iterator[str]:
    """'Cliente, Consumidor' or 'Cliente|Consumidor' -> each name."""
    for part in re.split(r"[,|]", cell):
        if part.strip():
            yield part.strip()
