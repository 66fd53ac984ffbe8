"""The lot report's filter and the thresholds of each product."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.validators import NumberRange, Optional, ValidationError
from wtforms.widgets import TextInput

from isocrm.fields import BrDateField, ChoiceField

MAX_COUNT, MAX_DAYS = 1000, 3650


class LotFilterForm(FlaskForm):
    """GET filter: no CSRF (it changes nothing), the same field messages as any form."""

    class Meta:
        csrf = False

    de = BrDateField(_l("De"))
    ate = BrDateField(_l("Até"))
    produto = ChoiceField(_l("Produto"))

    def validate_ate(self, field):
        if field.data and self.de.data and field.data < self.de.data:
            raise ValidationError(_l("A data final é anterior à inicial."))


class _Whole(Field):
    """A whole number as typed (a text input: the browser keeps what was typed); anything
    else gets a Portuguese message."""

    widget = TextInput()

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        self.raw_data = [text]
        if not text:
            self.data = None
            return
        if not text.isdigit() or len(text) > 6:
            self.data = None
            raise ValueError(_l("Digite um número inteiro maior que zero."))
        self.data = int(text)


class ThresholdForm(FlaskForm):
    """One product's row of the thresholds screen (prefix p<id>); both empty: not watched."""

    class Meta:
        csrf = False  # the screen's one form carries the token

    count = _Whole(
        _l("Reclamações"),
        validators=[
            Optional(),
            NumberRange(1, MAX_COUNT, _l("Use um número de 1 a %(max)s.", max=MAX_COUNT)),
        ],
    )
    days = _Whole(
        _l("Em quantos dias"),
        validators=[
            Optional(),
            NumberRange(1, MAX_DAYS, _l("Use um número de 1 a %(max)s.", max=MAX_DAYS)),
        ],
    )

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if valid and (self.count.data is None) != (self.days.data is None):
            empty = self.days if self.days.data is None else self.count
            empty.errors = [
                _l("Preencha os dois campos (reclamações e dias), ou deixe os dois em branco.")
            ]
            return False
        return valid
