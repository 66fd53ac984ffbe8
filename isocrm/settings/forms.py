"""The forms of Configurações: the name of an entry of the tree (Motivo, Ocorrência, Causa)
and the entries of the flat catalogues (Canais, Situações…)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from isocrm import brdocs
from isocrm.fields import UFS, CheckboxesField, ChoiceField, strip_control_characters
from isocrm.models.catalog import (
    STATUS_CANCELLED,
    STATUS_CATEGORIES,
    STATUS_DONE,
    STATUS_IN_PROGRESS,
    STATUS_OPEN,
    STATUS_WAITING,
)
from isocrm.models.ready_answer import BODY_MAX as READY_BODY_MAX
from isocrm.models.ready_answer import TITLE_MAX as READY_TITLE_MAX
from isocrm.ready_answers import PLACEHOLDERS, unknown_placeholders
from isocrm.teams import TEAM_NAME_MAX, team_name

NAME_MAX = 80  # reasons.name, occurrences.name, causes.name
# The categories of a situação as the screens name them (STATUS_CATEGORIES, translated).
CATEGORY_NAMES = {
    STATUS_OPEN: _l("Aberto"),
    STATUS_IN_PROGRESS: _l("Em andamento"),
    STATUS_WAITING: _l("Aguardando"),
    STATUS_DONE: _l("Concluído"),
    STATUS_CANCELLED: _l("Cancelado"),
}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def required_text(label: str, size: int, missing: str, *checks, filters=(_strip,)):
    """A required text field, trimmed, of at most `size` characters (its column)."""
    return StringField(
        label,
        filters=list(filters),
        validators=[
            DataRequired(missing),
            Length(max=size, message=_l("Use no máximo %(size)s caracteres.", size=size)),
            *checks,
        ],
    )


def name_field(size: int) -> StringField:
    """The required name of an entry."""
    return required_text(_l("Nome"), size, _l("Digite o nome."))


class NameForm(FlaskForm):
    """Add or rename: every form of the tree posts one `name` (ids differ per form)."""

    name = name_field(NAME_MAX)


class ChannelForm(FlaskForm):
    """A Canal: its name (channels.name)."""

    name = name_field(60)


class StatusForm(ChannelForm):
    """A Situação: its name and category (the category decides open or closed)."""

    category = SelectField(
        _l("Categoria"),
        choices=[SelectChoice("", "—")]
        + [SelectChoice(value, CATEGORY_NAMES[value]) for value in STATUS_CATEGORIES],
        validators=[DataRequired(_l("Escolha a categoria."))],
        validate_choice=False,
    )

    def validate_category(self, field):
        if field.data and field.data not in STATUS_CATEGORIES:
            raise ValidationError(_l("Escolha uma categoria da lista."))


def _blank_to_none(value):
    return value or None


class UnitForm(FlaskForm):
    """A Unidade: its name, and where it is (both optional)."""

    name = name_field(120)
    city = StringField(
        _l("Cidade"),
        filters=[_strip, _blank_to_none],
        validators=[
            Optional(),
            Length(max=80, message=_l("Use no máximo %(size)s caracteres.", size=80)),
        ],
    )
    state = SelectField(
        _l("UF"),
        choices=[SelectChoice("", "—")] + [SelectChoice(uf, uf) for uf in UFS],
        filters=[_blank_to_none],
        validate_choice=False,
    )

    def validate_state(self, field):
        if field.data and field.data not in UFS:
            raise ValidationError(_l("Escolha uma UF da lista."))


class RoleForm(FlaskForm):
    """A Papel: its name, and the code the system and the imports know it by."""

    name = name_field(60)
    code = required_text(
        _l("Código"),
        30,
        _l("Digite o código."),
        Regexp(
            r"^[a-z0-9_]+$",
            message=_l("Use só letras sem acento, números e _ (ex.: fornecedor)."),
        ),
        filters=(_strip, lambda value: value.lower() if isinstance(value, str) else value),
    )


class TeamForm(FlaskForm):
    """An Equipe: its name (spaces collapsed, as the teams CLI) and its members, among the
    Empresa's users (the view sets the options)."""

    name = required_text(
        _l("Nome"),
        TEAM_NAME_MAX,
        _l("Digite o nome."),
        filters=(lambda value: team_name(value) if isinstance(value, str) else value,),
    )
    members = CheckboxesField(_l("Membros"))


def _without_spaces(value):
    return ("".join(value.split()) or None) if isinstance(value, str) else value


class ProductForm(FlaskForm):
    """A Produto: its name, its code (unique in the Empresa) and its EAN (GTIN), if any."""

    name = name_field(120)
    code = required_text(_l("Código"), 30, _l("Digite o código."))
    ean = StringField(
        "EAN",
        filters=[_without_spaces],
        validators=[
            Optional(),
            Regexp(r"^(\d{8}|\d{12,14})$", message=_l("Use 8, 12, 13 ou 14 dígitos.")),
        ],
    )


class ProductInfoForm(FlaskForm):
    """An Informação of a product: the Motivo and Ocorrência it is offered under, and its
    text (the view sets the options: the Empresa's active Motivos, that Motivo's Ocorrências)."""

    reason_id = ChoiceField(_l("Motivo"), invalid_message=_l("Escolha um motivo da lista."))
    occurrence_id = ChoiceField(
        _l("Ocorrência"), invalid_message=_l("Escolha uma ocorrência da lista.")
    )
    description = required_text(_l("Informação"), 200, _l("Digite a informação."))

    def validate_reason_id(self, field):
        if field.data is None:
            raise ValidationError(_l("Escolha o motivo."))

    def validate_occurrence_id(self, field):
        if field.data is None:
            raise ValidationError(_l("Escolha a ocorrência."))


class CompanyForm(FlaskForm):
    """An Empresa: its name (unique in the system) and its CNPJ, if given."""

    name = name_field(120)
    document = StringField("CNPJ", filters=[_strip, _blank_to_none])

    def validate_document(self, field):
        if field.data is None:
            return
        field.data = brdocs.normalize(field.data)
        if not brdocs.is_valid_cnpj(field.data):
            raise ValidationError(
                _l("CNPJ inválido: confira os 14 caracteres (letras e números) e os dígitos.")
            )


class ReadyAnswerForm(FlaskForm):
    """A Resposta pronta: its title, where it applies (no Motivo: every ticket; a Motivo, and
    optionally one of its Ocorrências) and its text with placeholders (the view sets the
    options: the Empresa's Motivos, that Motivo's Ocorrências)."""

    title = required_text(
        _l("Título"),
        READY_TITLE_MAX,
        _l("Digite o título (é por ele que a resposta é achada)."),
        filters=(strip_control_characters, _strip),
    )
    reason_id = ChoiceField(_l("Motivo"), invalid_message=_l("Escolha um motivo da lista."))
    occurrence_id = ChoiceField(
        _l("Ocorrência"), invalid_message=_l("Escolha uma ocorrência do motivo escolhido.")
    )
    body = TextAreaField(
        _l("Texto"),
        filters=[strip_control_characters, _strip],
        validators=[
            DataRequired(_l("Digite o texto da resposta.")),
            Length(
                max=READY_BODY_MAX,
                message=_l("Use no máximo %(size)s caracteres.", size=READY_BODY_MAX),
            ),
        ],
    )

    def validate_body(self, field):
        unknown = unknown_placeholders(field.data)
        if unknown:
            names = ", ".join(f"{{{{ {name} }}}}" for name in unknown)
            known = ", ".join(f"{{{{ {name} }}}}" for name in PLACEHOLDERS)
            raise ValidationError(
                _l(
                    "Campo desconhecido: %(names)s. Use só %(known)s.",
                    names=names,
                    known=known,
                )
            )
