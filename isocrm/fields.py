"""Form fields and validators every feature shares: selects whose choices the view sets,
text limits, and dates as Brazilians type them (dd/mm/aaaa), checked on the server.

Dates are plain text inputs, not the browser's date pickers: a picker silently sends ""
for a half-typed date and lets a year like 0202 through, so the server could neither warn
nor round-trip the value. Here the server sees exactly what was typed.
"""

import re
import unicodedata
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from wtforms import Field, SelectChoice, SelectField
from wtforms.validators import Length, ValidationError
from wtforms.widgets import TextInput

MIN_YEAR, MAX_YEAR = 1900, 2100
DATE_MESSAGE = "Data inválida: use o formato dd/mm/aaaa (ano entre 1900 e 2100)."
DATETIME_MESSAGE = "Data inválida: use o formato dd/mm/aaaa hh:mm (ano entre 1900 e 2100)."
DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
DATETIME_FORMATS = ["%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y"]


def max_length(size: int) -> Length:
    return Length(max=size, message="Texto longo demais (máximo de %(max)d caracteres).")


def strip_control_characters(value):
    """NUL and other control characters never reach the database (tabs and newlines stay),
    nor the invisible marks that reorder or hide text (bidi overrides, BOM)."""
    if isinstance(value, str):
        return "".join(
            c
            for c in value
            if c in "\t\n\r" or (unicodedata.category(c) != "Cc" and c not in _INVISIBLE_MARKS)
        )
    return value


_INVISIBLE_MARKS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff")


def local_to_utc(value: datetime) -> datetime:
    """A date and time typed at the desk (America/Sao_Paulo) as an aware datetime."""
    return value.replace(tzinfo=ZoneInfo(current_app.config["TIMEZONE"]))


def local_today() -> date:
    """Today at the desk (America/Sao_Paulo), not in UTC."""
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()


def optional_id(value) -> int | None:
    """Select values come as text; '' means none chosen; anything else non-numeric is -1."""
    if value in (None, "", "None"):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return -1  # never a valid choice: the select reports its message
    # Beyond a 64-bit integer no row can have it; the database would raise instead.
    return number if -(2**63) < number < 2**63 else -1


class ChoiceField(SelectField):
    """A select whose choices the view sets (as (value, label) pairs, None for "none"); a
    value outside them gets a message in Portuguese."""

    def __init__(self, label, invalid_message="Escolha uma opção da lista.", **kwargs):
        super().__init__(label, coerce=optional_id, **kwargs)
        self.invalid_message = invalid_message

    @property
    def choices(self):
        return self._choices

    @choices.setter
    def choices(self, pairs):
        self._choices = (
            None
            if pairs is None
            else [
                pair
                if isinstance(pair, SelectChoice)
                else SelectChoice(value="" if pair[0] is None else pair[0], label=pair[1])
                for pair in pairs
            ]
        )

    def labels(self) -> dict:
        return {optional_id(c.value): c.label for c in self._choices or []}

    def pre_validate(self, form):
        if self.data is not None and self.data not in self.labels():
            raise ValidationError(self.invalid_message)


class _TypedDateBase(Field):
    """A text input holding a date as typed; `data` is None when empty or unreadable, and an
    unreadable value keeps its text and gets `message` (a half-typed date is an error)."""

    widget = TextInput()
    formats: list[str] = []
    display_format = ""
    message = ""

    def __init__(self, label=None, validators=None, message=None, **kwargs):
        kwargs.setdefault("render_kw", {})
        kwargs["render_kw"].setdefault("inputmode", "numeric")
        kwargs["render_kw"].setdefault("autocomplete", "off")
        kwargs["render_kw"].setdefault("placeholder", self.placeholder)
        super().__init__(label, validators, **kwargs)
        if message:
            self.message = message

    placeholder = ""

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.strftime(self.display_format) if self.data else ""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = " ".join(valuelist).strip()
        self.data = None
        if not text:
            return
        parsed = self._parse(text)
        if parsed is None or not (MIN_YEAR <= parsed.year <= MAX_YEAR):
            raise ValueError(self.message)
        self.data = parsed

    def _parse(self, text: str):
        for fmt in self.formats:
            # strptime is lenient ("1/2/202" is year 202, "10:1" is ten past one): every
            # part must be typed in full, two digits each and four for the year.
            if not re.fullmatch(_strict_pattern(fmt), text):
                continue
            try:
                return datetime.strptime(text, fmt)
            except ValueError:
                continue
        return None

    def pre_validate(self, form):
        # An empty field is fine unless a validator says otherwise; a bad one already failed.
        pass


def _strict_pattern(fmt: str) -> str:
    pattern = re.escape(fmt)
    for directive, digits in (("%Y", 4), ("%d", 2), ("%m", 2), ("%H", 2), ("%M", 2)):
        pattern = pattern.replace(re.escape(directive), rf"\d{{{digits}}}")
    return pattern


class BrDateField(_TypedDateBase):
    """dd/mm/aaaa (ISO yyyy-mm-dd accepted too), years 1900–2100."""

    formats = DATE_FORMATS
    display_format = "%d/%m/%Y"
    message = DATE_MESSAGE
    placeholder = "dd/mm/aaaa"

    def _parse(self, text: str) -> date | None:
        value = super()._parse(text)
        return value.date() if value else None


class BrDateTimeField(_TypedDateBase):
    """dd/mm/aaaa hh:mm (a bare date means 00:00), years 1900–2100, naive local time."""

    formats = DATETIME_FORMATS
    display_format = "%d/%m/%Y %H:%M"
    message = DATETIME_MESSAGE
    placeholder = "dd/mm/aaaa hh:mm"
