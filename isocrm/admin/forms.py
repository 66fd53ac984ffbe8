from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Optional, ValidationError

from isocrm.fields import CheckboxesField, EmailAddress, max_length
from isocrm.models.user import ROLE_ADMIN, ROLE_ATTENDANT, ROLE_SUPERVISOR, USER_ROLE_LABELS

# The perfis as the screens name them: USER_ROLE_LABELS in the user's language.
ROLE_NAMES = {
    ROLE_ATTENDANT: _l("Atendente"),
    ROLE_SUPERVISOR: _l("Supervisor"),
    ROLE_ADMIN: _l("Administrador"),
}
assert ROLE_NAMES.keys() == USER_ROLE_LABELS.keys()


def _strip(value):
    return value.strip() if isinstance(value, str) else value


# One rule for every address (isocrm.fields.EmailAddress), with this screen's words.
INVALID_EMAIL_MESSAGE = _l("E-mail inválido: use o formato nome@dominio.com.br.")
INVALID_REPLY_TO_MESSAGE = _l("Endereço de e-mail inválido: use o formato nome@dominio.com.br.")


class MailSettingsForm(FlaskForm):
    reply_to = StringField(
        _l("Responder para (Reply-To)"),
        filters=[_strip],
        validators=[Optional(), max_length(254), EmailAddress(INVALID_REPLY_TO_MESSAGE)],
        render_kw={"type": "email", "autocomplete": "off"},
    )
    satisfaction_survey = BooleanField(
        _l("Enviar a pesquisa de satisfação ao cliente quando um atendimento for concluído")
    )


class RoleField(SelectField):
    def pre_validate(self, form):
        # WTForms' own message is English; anything but a known role is refused.
        if self.data not in USER_ROLE_LABELS:
            raise ValidationError(_l("Escolha um dos perfis da lista."))


class UserRoleForm(FlaskForm):
    role = RoleField(
        _l("Perfil"),
        choices=[SelectChoice(value=role, label=label) for role, label in ROLE_NAMES.items()],
    )


class UserEditForm(FlaskForm):
    """Editar usuário: nome, e-mail, perfil and Empresas (among the acting user's)."""

    name = StringField(
        _l("Nome completo"),
        filters=[_strip],
        validators=[DataRequired(_l("Informe o nome.")), max_length(120)],
        render_kw={"autocomplete": "off"},
    )
    email = StringField(
        _l("E-mail (opcional)"),
        filters=[_strip],
        validators=[
            Optional(),
            max_length(200),
            EmailAddress(INVALID_EMAIL_MESSAGE),
        ],
        render_kw={"type": "email", "autocomplete": "off"},
    )
    role = RoleField(_l("Perfil"))
    companies = CheckboxesField(_l("Empresas"))

    def set_options(self, roles, companies) -> None:
        self.role.choices = [SelectChoice(value=role, label=ROLE_NAMES[role]) for role in roles]
        self.companies.set_options(companies)

    def changes(self) -> dict:
        """What the service takes (isocrm.admin.users)."""
        return {
            "name": self.name.data,
            "email": self.email.data,
            "role": self.role.data,
            "company_ids": self.companies.data,
        }


class UserCreateForm(UserEditForm):
    username = StringField(
        _l("Usuário (login)"),
        filters=[_strip],
        validators=[DataRequired(_l("Informe o nome de usuário.")), max_length(40)],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
        description=_l("Letras sem acento, números, ponto, hífen ou sublinhado."),
    )
