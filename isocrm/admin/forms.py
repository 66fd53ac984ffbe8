from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Optional, ValidationError

from isocrm.fields import max_length
from isocrm.models.user import USER_ROLE_LABELS


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _reply_to_address(form, field):
    from isocrm.mail.service import valid_reply_to

    if field.data and not valid_reply_to(field.data):
        raise ValidationError("Endereço de e-mail inválido: use o formato nome@dominio.com.br.")


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
