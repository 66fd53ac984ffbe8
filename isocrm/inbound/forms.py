"""The mailbox's settings form (supervisors)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from isocrm.inbound.imap_names import has_control_characters
from isocrm.models.inbound import IMAP_PORT

PORT_MESSAGE = _l("A porta é um número de 1 a 65535.")
FOLDER_MESSAGE = _l(
    "O nome da pasta não pode ter quebras de linha, tabulações nem outros caracteres de controle."
)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _at_most(size: int) -> Length:
    return Length(max=size, message=_l("Use no máximo %(size)s caracteres.", size=size))


class MailboxForm(FlaskForm):
    host = StringField(
        _l("Servidor IMAP"),
        filters=[_strip],
        validators=[DataRequired(_l("Digite o endereço do servidor IMAP.")), _at_most(255)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    port = StringField(
        _l("Porta"),
        default=str(IMAP_PORT),
        filters=[_strip],
        validators=[DataRequired(_l("Digite a porta (993 é a do IMAP com TLS)."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    username = StringField(
        _l("Usuário"),
        filters=[_strip],
        validators=[DataRequired(_l("Digite o usuário da caixa de e-mail.")), _at_most(255)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    # Never rendered back: blank keeps the one saved.
    password = PasswordField(
        _l("Senha"),
        validators=[Optional(), _at_most(255)],
        render_kw={"autocomplete": "new-password"},
    )
    folder = StringField(
        _l("Pasta"),
        default="INBOX",
        filters=[_strip],
        validators=[
            DataRequired(_l("Digite a pasta (INBOX é a caixa de entrada).")),
            _at_most(255),
        ],
        render_kw={"spellcheck": "false"},
    )
    enabled = BooleanField(_l("Ler esta caixa (fetch-mail)"))

    def validate_folder(self, field):
        if has_control_characters(field.data or ""):
            raise ValidationError(FOLDER_MESSAGE)

    def validate_port(self, field):
        if not (field.data.isascii() and field.data.isdigit() and 1 <= int(field.data) <= 65535):
            raise ValidationError(PORT_MESSAGE)
