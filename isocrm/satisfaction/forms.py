"""The public survey's form: a rating from 1 to 5 and an optional comment."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice

from isocrm.fields import RadioChoiceField, max_length, strip_control_characters
from isocrm.satisfaction.service import COMMENT_MAX

RATINGS = [
    SelectChoice(value="1", label=_l("1 – Muito insatisfeito")),
    SelectChoice(value="2", label=_l("2 – Insatisfeito")),
    SelectChoice(value="3", label=_l("3 – Nem satisfeito nem insatisfeito")),
    SelectChoice(value="4", label=_l("4 – Satisfeito")),
    SelectChoice(value="5", label=_l("5 – Muito satisfeito")),
]


def _clean(value):
    if not isinstance(value, str):
        return value
    return strip_control_characters(value.replace("\r\n", "\n")).strip()


class AnswerForm(FlaskForm):
    rating = RadioChoiceField(
        _l("De 1 a 5, quanto você ficou satisfeito com o atendimento?"),
        choices=RATINGS,
        invalid_message=_l("Escolha uma nota de 1 a 5."),
    )
    comment = TextAreaField(
        _l("Comentário (opcional)"), filters=[_clean], validators=[max_length(COMMENT_MAX)]
    )
