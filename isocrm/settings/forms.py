"""The one field of the catalogue tree: the name of a Motivo, Ocorrência or Causa."""

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

NAME_MAX = 80  # reasons.name, occurrences.name, causes.name


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class NameForm(FlaskForm):
    """Add or rename: every form of the tree posts one `name` (ids differ per form)."""

    name = StringField(
        "Nome",
        filters=[_strip],
        validators=[
            DataRequired("Digite o nome."),
            Length(max=NAME_MAX, message=f"Use no máximo {NAME_MAX} caracteres."),
        ],
    )
