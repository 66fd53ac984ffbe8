"""The forms of Configurações: the name of an entry of the tree (Motivo, Ocorrência, Causa)
and the entries of the flat catalogues (Canais, Situações…)."""

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from isocrm.models.catalog import STATUS_CATEGORIES

NAME_MAX = 80  # reasons.name, occurrences.name, causes.name


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def name_field(size: int) -> StringField:
    """The required name of an entry, trimmed, of at most `size` characters (its column)."""
    return StringField(
        "Nome",
        filters=[_strip],
        validators=[
            DataRequired("Digite o nome."),
            Length(max=size, message=f"Use no máximo {size} caracteres."),
        ],
    )


class NameForm(FlaskForm):
    """Add or rename: every form of the tree posts one `name` (ids differ per form)."""

    name = name_field(NAME_MAX)


class ChannelForm(FlaskForm):
    """A Canal: its name (channels.name)."""

    name = name_field(60)


class StatusForm(ChannelForm):
    """A Situação: its name and category (the category decides open or closed)."""

    category = SelectField(
        "Categoria",
        choices=[SelectChoice("", "—")]
        + [SelectChoice(value, label) for value, label in STATUS_CATEGORIES.items()],
        validators=[DataRequired("Escolha a categoria.")],
        validate_choice=False,
    )

    def validate_category(self, field):
        if field.data and field.data not in STATUS_CATEGORIES:
            raise ValidationError("Escolha uma categoria da lista.")
