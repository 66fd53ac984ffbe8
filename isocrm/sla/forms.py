"""Forms of the Prazos configuration and report."""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, ValidationError

from isocrm.fields import BrDateField, max_length, strip_control_characters
from isocrm.models.sla import WEEKDAYS

_SPAN = re.compile(r"^(\d{1,2}):(\d{2})\s*(?:-|–|às|a)\s*(\d{1,2}):(\d{2})$")
HOURS_MESSAGE = _l("Use o formato 08:00-12:00, com vários intervalos separados por vírgula.")
# Business hours a Motivo may ask for: up to a year of full days.
MAX_TARGET_HOURS = 8760


def parse_spans(text: str) -> list[tuple[int, int]]:
    """'08:00-12:00, 13:00-18:00' → [(480, 720), (780, 1080)]; ValueError (Portuguese)
    for a bad format, a time that does not exist, closing before opening or an overlap."""
    spans = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        match = _SPAN.match(part)
        if not match:
            raise ValueError(str(HOURS_MESSAGE))
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
            raise ValueError(_("Horário inexistente em “%(span)s”.", span=part))
        opens, closes = h1 * 60 + m1, h2 * 60 + m2
        if closes <= opens:
            raise ValueError(_("Em “%(span)s”, o fim deve ser depois do início.", span=part))
        spans.append((opens, closes))
    spans.sort()
    for (_o1, c1), (o2, _c2) in zip(spans, spans[1:], strict=False):
        if o2 < c1:
            raise ValueError(
                _("Os intervalos se sobrepõem: cada horário deve começar depois do anterior.")
            )
    return spans


def format_spans(spans) -> str:
    return ", ".join(f"{o // 60:02d}:{o % 60:02d}-{c // 60:02d}:{c % 60:02d}" for o, c in spans)


class SpansField(StringField):
    def pre_validate(self, form):
        try:
            self.spans = parse_spans(self.data or "")
        except ValueError as error:
            self.spans = []
            raise ValidationError(str(error)) from error


class BusinessHoursForm(FlaskForm):
    """One text field per weekday; empty: closed that day."""

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if valid and not any(self[f"day{d}"].spans for d in range(7)):
            self.day0.errors.append(_("Informe o horário de ao menos um dia da semana."))
            return False
        return valid


# The days as the form names them (in the user's language), Monday first.
for _day, _label in enumerate(WEEKDAYS):
    setattr(
        BusinessHoursForm,
        f"day{_day}",
        SpansField(_label, filters=[strip_control_characters], validators=[max_length(200)]),
    )


class HolidayForm(FlaskForm):
    day = BrDateField(_l("Data"), validators=[InputRequired(_l("Informe a data do feriado."))])
    name = StringField(
        _l("Nome"),
        filters=[strip_control_characters, lambda v: v.strip() if isinstance(v, str) else v],
        validators=[InputRequired(_l("Informe o nome do feriado.")), max_length(80)],
    )


class PeriodForm(FlaskForm):
    class Meta:
        csrf = False  # a GET report

    de = BrDateField(_l("De"))
    ate = BrDateField(_l("Até"))

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if valid and self.de.data and self.ate.data and self.ate.data < self.de.data:
            self.ate.errors.append(_("A data final deve ser igual ou posterior à inicial."))
            return False
        return valid


def parse_target(text: str | None) -> int | None:
    """A Motivo's target in hours: empty is none; ValueError (Portuguese) otherwise."""
    text = (text or "").strip()
    if not text:
        return None
    if not text.isdecimal() or len(text) > 6:
        raise ValueError(_("Informe um número inteiro de horas úteis."))
    value = int(text)
    if not 1 <= value <= MAX_TARGET_HOURS:
        raise ValueError(_("Informe entre 1 e %(max)s horas úteis.", max=MAX_TARGET_HOURS))
    return value
