from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Optional, ValidationError

from isocrm.fields import max_length
from isocrm.models.user import USER_ROLE_LABELS
from isocrm.registry.forms import CheckboxesField


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _email_address(message: str):
    def check(form, field):
        from isocrm.mail.service import valid_reply_to

        if field.data and not valid_reply_to(field.data):
            raise ValidationError(message)

    return check


_reply_to_address = _email_address(
    "Endereço de e-mail inválido: use o formato nome@dominio.com.br."
)


class MailSettingsForm(FlaskForm):
    reply_to = StringField(
        "Responder para (Reply-To)",
        filters=[_strip],
        validators=[Optional(), max_length(254), _reply_to_address],
        render_kw={"type": "email", "autocomplete": "off"},
    )


class RoleField(SelectField):
    def pre_validate(self, form):
        # WTForms' own message is English; anything but a known role is refused.
        if self.data not in USER_ROLE_LABELS:
            raise ValidationError("Escolha um dos perfis da lista.")


class UserRoleForm(FlaskForm):
    role = RoleField(
        "Perfil",
        choices=[SelectChoice(value=role, label=label) for role, label in USER_ROLE_LABELS.items()],
    )


class UserEditForm(FlaskForm):
    """Editar usuário: nome, e-mail, perfil and Empresas (among the acting user's)."""

    name = StringField(
        "Nome completo",
        filters=[_strip],
        validators=[DataRequired("Informe o nome."), max_length(120)],
        render_kw={"autocomplete": "off"},
    )
    email = StringField(
        "E-mail (opcional)",
        filters=[_strip],
        validators=[
            Optional(),
            max_length(200),
            _email_address("E-mail inválido: use o formato nome@dominio.com.br."),
        ],
        render_kw={"type": "email", "autocomplete": "off"},
    )
    role = RoleField("Perfil")
    companies = CheckboxesField("Empresas")

    def set_options(self, roles, companies) -> None:
        self.role.choices = [
            SelectChoice(value=role, label=USER_ROLE_LABELS[role]) for role in roles
        ]
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
        "Usuário (login)",
        filters=[_strip],
        validators=[DataRequired("Informe o nome de usuário."), max_length(40)],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
        description="Letras sem acento, números, ponto, hífen ou sublinhado.",
    )
