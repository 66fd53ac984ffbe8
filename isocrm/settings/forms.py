"""The forms of Configurações: the name of an entry of the tree (Motivo, Ocorrência, Causa)
and the entries of the flat catalogues (Canais, Situações…)."""

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from isocrm.desk.teams_cli import TEAM_NAME_MAX, team_name
from isocrm.models.catalog import STATUS_CATEGORIES
from isocrm.registry.forms import UFS, CheckboxesField

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


def _blank_to_none(value):
    return value or None


class UnitForm(FlaskForm):
    """A Unidade: its name, and where it is (both optional)."""

    name = name_field(120)
    city = StringField(
        "Cidade",
        filters=[_strip, _blank_to_none],
        validators=[Optional(), Length(max=80, message="Use no máximo 80 caracteres.")],
    )
    state = SelectField(
        "UF",
        choices=[SelectChoice("", "—")] + [SelectChoice(uf, uf) for uf in UFS],
        filters=[_blank_to_none],
        validate_choice=False,
    )

    def validate_state(self, field):
        if field.data and field.data not in UFS:
            raise ValidationError("Escolha uma UF da lista.")


class RoleForm(FlaskForm):
    """A Papel: its name, and the code the system and the imports know it by."""

    name = name_field(60)
    code = StringField(
        "Código",
        filters=[_strip, lambda value: value.lower() if isinstance(value, str) else value],
        validators=[
            DataRequired("Digite o código."),
            Length(max=30, message="Use no máximo 30 caracteres."),
            Regexp(
                r"^[a-z0-9_]+$",
                message="Use só letras sem acento, números e _ (ex.: fornecedor).",
            ),
        ],
    )


class TeamForm(FlaskForm):
    """An Equipe: its name (spaces collapsed, as the teams CLI) and its members, among the
    Empresa's users (the view sets the options)."""

    name = StringField(
        "Nome",
        filters=[lambda value: team_name(value) if isinstance(value, str) else value],
        validators=[
            DataRequired("Digite o nome."),
            Length(max=TEAM_NAME_MAX, message=f"Use no máximo {TEAM_NAME_MAX} caracteres."),
        ],
    )
    members = CheckboxesField("Membros")
