"""Form fields and validators every feature shares: selects whose choices the view sets,
text limits, and dates as Brazilians type them (dd/mm/aaaa), checked on the server.

Dates are plain text inputs, not the browser's date pickers: a picker silently sends ""
for a half-typed date and lets a year like 0202 through, so the server could neither warn
nor round-trip the value. Here the server sees exactly what was typed.
"""

import re
import unicodedata
from datetime import date, datetime
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import Field, RadioField, SelectChoice, SelectField, SelectMultipleField
from wtforms.validators import Length, ValidationError
from wtforms.widgets import Select, TextInput

from isocrm import brdocs, phones
from isocrm.localtime import local_zone
from isocrm.models.entity import KIND_PERSON

MIN_YEAR, MAX_YEAR = 1900, 2100
CHOOSE_FROM_LIST = _l("Escolha uma opção da lista.")
CHOOSE_ONE = _l("Escolha uma das opções.")
DATE_MESSAGE = _l("Data inválida: use o formato dd/mm/aaaa (ano entre 1900 e 2100).")
DATETIME_MESSAGE = _l("Data inválida: use o formato dd/mm/aaaa hh:mm (ano entre 1900 e 2100).")
DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
DATETIME_FORMATS = ["%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y"]


# WTForms fills in %(max)d (the lazy text is formatted when the message is made).
TOO_LONG_MESSAGE = _l("Texto longo demais (máximo de %(max)d caracteres).")


def max_length(size: int) -> Length:
    return Length(max=size, message=TOO_LONG_MESSAGE)


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


_INVISIBLE_MARKS = set("\u200b\u2060\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff")


def local_to_utc(value: datetime) -> datetime:
    """A date and time typed at the desk (America/Sao_Paulo) as an aware datetime."""
    return value.replace(tzinfo=local_zone())


MAX_PAGE = 100_000


def page_number(value) -> int:
    """A ?page= of a list: 1 when missing or unreadable, never past MAX_PAGE (a number too
    big to read is a page past the end too, which the lists show as their last page)."""
    number = bounded_int(value)
    if number is None and isinstance(value, str) and re.fullmatch(r"\+?[0-9]+", value.strip()):
        return MAX_PAGE
    return 1 if number is None else min(max(number, 1), MAX_PAGE)


# Row ids, codes and versions are INTEGER columns: 32 bits on PostgreSQL (which refuses a
# bigger parameter, "integer out of range"), 64 on SQLite (OverflowError beyond). A number
# past the smaller one can name no row on either, so it never reaches the database.
MAX_ROW_ID = 2**31 - 1


def bounded_int(value, minimum: int = -MAX_ROW_ID, maximum: int = MAX_ROW_ID) -> int | None:
    """An integer sent as text (ASCII digits, an optional sign), within [minimum, maximum];
    None for anything else: "²", "1e3" or 10**19 never reach int() or the database."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        return None
    return number if minimum <= number <= maximum else None


_INTEGER = re.compile(r"[+-]?0*[0-9]{1,19}")  # a bounded int() of ASCII digits


def row_id(value) -> int | None:
    """A positive row id or code from a query string or form; None when it cannot be one."""
    return bounded_int(value, 1, MAX_ROW_ID)


def optional_id(value) -> int | None:
    """Select values come as text; '' means none chosen; anything else non-numeric is -1."""
    if value in (None, "", "None"):
        return None
    number = bounded_int(value)
    # -1 is never a valid choice: the select reports its message.
    return -1 if number is None else number


# ?detalhe= on the ticket screen and the e-mail composer: "novo" is past the last detail.
NEW_DETAIL = 10**9


def detail_number(value: str | None) -> int | None:
    """Which detail a link asks for: a number from 1, or NEW_DETAIL for "novo"; junk is
    None (the screen shows the last one)."""
    if value == "novo":
        return NEW_DETAIL
    number = optional_id(value)
    return number if number is not None and 0 < number < NEW_DETAIL else None


_OPTION, _OPTION_SELECTED = Markup('<option value="'), Markup('<option selected value="')
_OPTION_LABEL, _END, _NOTHING = Markup('">'), Markup("</option>"), Markup("")


class FastSelect(Select):
    """WTForms' Select, writing the same HTML for a plain option without html_params (per
    option, and with a signature check per select, it was the largest part of rendering the
    ticket screen, whose selects hold every Informação of a Motivo on each line)."""

    @classmethod
    def _dispatch_render_option(cls):
        return cls.render_option

    @classmethod
    def render_option(cls, choice, **kwargs):
        value = choice.value
        if kwargs or choice.render_kw or isinstance(value, bool | Markup):
            return super().render_option(choice, **kwargs)
        # Markup.join escapes the value and the label; only the constant parts are markup.
        start = _OPTION_SELECTED if choice.selected else _OPTION
        return _NOTHING.join((start, str(value), _OPTION_LABEL, choice.label or str(value), _END))


class ChoiceField(SelectField):
    """A select whose choices the view sets (as (value, label) pairs, None for "none"); a
    value outside them gets a message in Portuguese."""

    widget = FastSelect()

    def __init__(self, label, invalid_message=CHOOSE_FROM_LIST, **kwargs):
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
            raise ValidationError(str(self.invalid_message))


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
            raise ValueError(str(self.message))
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
    placeholder = _l("dd/mm/aaaa")

    def _parse(self, text: str) -> date | None:
        value = super()._parse(text)
        return value.date() if value else None


class BrDateTimeField(_TypedDateBase):
    """dd/mm/aaaa hh:mm (a bare date means 00:00), years 1900–2100, naive local time."""

    formats = DATETIME_FORMATS
    display_format = "%d/%m/%Y %H:%M"
    message = DATETIME_MESSAGE
    placeholder = _l("dd/mm/aaaa hh:mm")


class RadioChoiceField(RadioField):
    """A radio group whose "not one of the options" message is in Portuguese (WTForms' own
    says "Not a valid choice.")."""

    def __init__(self, label=None, invalid_message=CHOOSE_ONE, **kwargs):
        super().__init__(label, **kwargs)
        self.invalid_message = invalid_message

    def pre_validate(self, form):
        if self.data not in {
            c.value if isinstance(c, SelectChoice) else c[0] for c in self.choices
        }:
            raise ValidationError(str(self.invalid_message))


# --- contacts as Brazilians write them -------------------------------------------------------

PHONE_MESSAGE = _l(
    "Telefone inválido: informe DDD e número, como (11) 98765-4321, 4004-0001 ou 0800 123 4567."
)
WHATSAPP_MESSAGE = _l("WhatsApp inválido: informe um celular com DDD, como (11) 98765-4321.")
ZIP_MESSAGE = _l("CEP inválido: use 8 dígitos, como 01310-100.")
SITE_MESSAGE = _l("Site inválido: use um endereço como https://www.exemplo.com.br.")


# fmt: off
UFS = ("AC", "AL", "AP", "AM", "BA", "CE", "DF", "ES", "GO", "MA", "MT", "MS", "MG", "PA",
       "PB", "PR", "PE", "PI", "RJ", "RN", "RS", "RO", "RR", "SC", "SP", "SE", "TO")
# fmt: on


def validate_document(kind: str, document: str) -> str | None:
    """The message for a CPF/CNPJ that does not fit the kind or its check digits,
    else None: Cadastro's forms and the CSV import say the same."""
    normalized = brdocs.normalize(document)
    if kind == KIND_PERSON:
        if not brdocs.is_valid_cpf(normalized):
            return _("CPF inválido: confira os 11 dígitos.")
    elif not brdocs.is_valid_cnpj(normalized):
        return _("CNPJ inválido: confira os 14 caracteres (letras e números) e os dígitos.")
    return None


def phone_number(text: str | None) -> str:
    """The digits of a Brazilian phone number, or a ValidationError in Portuguese."""
    digits = phones.normalize(text)
    if digits is None:
        raise ValidationError(str(PHONE_MESSAGE))
    return digits


def zip_code(text: str | None) -> str | None:
    """A CEP's 8 digits (None when empty); 00000-000 and other non-CEPs are refused."""
    text = (text or "").strip()
    if not text:
        return None
    digits = "".join(c for c in text if c.isdigit())
    if len(digits) != 8 or not re.fullmatch(r"\d{5}-?\d{3}|\d{2}\.\d{3}-?\d{3}", text):
        raise ValidationError(str(ZIP_MESSAGE))
    if digits == "0" * 8 or digits.startswith("00000"):
        raise ValidationError(_("CEP inválido: 00000-000 não é um CEP."))
    return digits


def email_address(text: str | None) -> str:
    """One address an SMTP server can deliver to (no "Nome <...>", no lists, no accents
    before the @), normalised; international domains are accepted (sent in IDNA)."""
    text = (text or "").strip()
    if not text or any(c in text for c in ',;<>"') or len(text.split()) > 1:
        raise ValidationError(
            _(
                "E-mail inválido: informe um único endereço, como nome@dominio.com.br"
                " (sem nome nem vários endereços)."
            )
        )
    try:
        result = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        if any(ord(c) > 127 for c in text.split("@")[0]):
            raise ValidationError(
                _(
                    "E-mail inválido: letras acentuadas antes do @ não são entregues pela"
                    " maioria dos servidores; confira o endereço com o cliente."
                )
            ) from error
        raise ValidationError(_("E-mail inválido: use o formato nome@dominio.com.br.")) from error
    check_smtp_limits(result.local_part, result.ascii_domain)
    return result.normalized


def check_smtp_limits(local_part: str, ascii_domain: str) -> None:
    """What SMTP servers refuse although the syntax allows it: a mailbox name over 64
    characters (RFC 5321) or a top-level domain of one letter."""
    if len(local_part) > 64:
        raise ValidationError(
            _(
                "E-mail inválido: a parte antes do @ passa de 64 caracteres, o que os servidores"
                " de e-mail recusam."
            )
        )
    top = ascii_domain.rsplit(".", 1)[-1]
    if len(top) < 2 or not (top.isalpha() or top.startswith("xn--")):
        raise ValidationError(_("E-mail inválido: confira o domínio depois do @ (ex.: .com.br)."))


def site_url(text: str | None) -> str:
    """A web address (http or https, a domain with a dot); "www.x.com.br" gets https://."""
    text = (text or "").strip()
    if text and "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    host = parts.hostname or ""
    if (
        parts.scheme not in ("http", "https")
        or "." not in host
        or any(c.isspace() for c in text)
        or not re.fullmatch(r"[\w.-]+", host)
        or host.startswith((".", "-"))
    ):
        raise ValidationError(str(SITE_MESSAGE))
    return text


def whatsapp_number(text: str | None) -> str:
    """WhatsApp is a mobile number: digits stored, shown as (11) 98765-4321."""
    digits = phones.normalize(text)
    if digits is None or not phones.is_mobile(digits):
        raise ValidationError(str(WHATSAPP_MESSAGE))
    return digits


class CheckboxesField(SelectMultipleField):
    """Papéis and Unidades: ids of the Empresa's rows, rendered as checkboxes by the template."""

    def __init__(self, label, **kwargs):
        super().__init__(
            label,
            coerce=int,
            invalid_value_message=_l("Escolha apenas opções da lista."),
            invalid_choice_message=_l("Escolha apenas opções da lista."),
            **kwargs,
        )

    def set_options(self, rows) -> None:
        self.choices = [SelectChoice(value=str(row.id), label=row.name) for row in rows]


def _well_formed_email(text: str) -> bool:
    """Whether email_address would pass the address's form (then only an SMTP limit, see
    check_smtp_limits, can refuse it)."""
    try:
        validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return False
    return not any(c in text for c in ',;<>"') and len(text.split()) == 1


class EmailAddress:
    """WTForms validator of a field holding one e-mail address, by email_address's rule
    (one deliverable address, no name, no list). A blank field passes (Optional or
    DataRequired decide on that).

    `message` replaces the rule's messages about the address's form, so each screen keeps
    the words its users know; an address well formed that SMTP servers still refuse (see
    check_smtp_limits) gets its own message everywhere. `ascii_domain`: the field keeps the
    address with an international domain in its ASCII (IDNA) form, as it is sent; without
    it the field keeps what was typed."""

    def __init__(self, message: str | None = None, ascii_domain: bool = False):
        self.message = message
        self.ascii_domain = ascii_domain

    def __call__(self, form, field) -> None:
        if not field.data:
            return
        try:
            address = email_address(field.data)
        except ValidationError as error:
            if self.message is None or _well_formed_email(field.data):
                raise
            raise ValidationError(self.message) from error
        if self.ascii_domain:
            field.data = validate_email(
                address, check_deliverability=False, allow_smtputf8=False
            ).ascii_email
