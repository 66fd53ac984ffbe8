from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import AnyOf, DataRequired, EqualTo, Length, ValidationError

from isocrm.auth.passwords import password_problems
from isocrm.i18n import LANGUAGES


class LoginForm(FlaskForm):
    username = StringField(
        _l("Usuário"),
        validators=[DataRequired(_l("Informe o usuário.")), Length(max=40)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        _l("Senha"),
        validators=[DataRequired(_l("Informe a senha."))],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class CompanySwitchForm(FlaskForm):
    company_id = IntegerField(_l("Empresa"), validators=[DataRequired()])
    next = HiddenField()


class CodeForm(FlaskForm):
    """The second step of a login, and the confirmation of a new authenticator app."""

    code = StringField(
        _l("Código de verificação"),
        validators=[
            DataRequired(_l("Informe o código de 6 dígitos do aplicativo.")),
            Length(max=12),
        ],
        render_kw={
            "autocomplete": "one-time-code",
            "inputmode": "numeric",
            "autofocus": True,
        },
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Senha atual"),
        validators=[DataRequired(_l("Informe a senha atual."))],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("Nova senha"),
        validators=[DataRequired(_l("Informe a nova senha."))],
        render_kw={"autocomplete": "new-password"},
        description=_l("Ao menos 10 caracteres; nada de senhas comuns nem o seu usuário."),
    )
    confirm_password = PasswordField(
        _l("Repita a nova senha"),
        validators=[
            DataRequired(_l("Repita a nova senha.")),
            EqualTo("new_password", _l("As duas senhas novas não são iguais.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )

    def __init__(self, username: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._username = username

    def validate_new_password(self, field):
        problems = password_problems(field.data, self._username)
        if problems:
            raise ValidationError(" ".join(problems))


class EnrollForm(CodeForm):
    """Turning on the second factor asks for the password too: someone at a colleague's
    unlocked screen must not tie the account to their own phone."""

    current_password = PasswordField(
        _l("Senha atual"),
        validators=[DataRequired(_l("Informe a senha atual."))],
        render_kw={"autocomplete": "current-password", "autofocus": True},
    )


class PreferencesForm(FlaskForm):
    """Preferências: the interface's language. Each language is named in itself."""

    language = SelectField(
        _l("Idioma"),
        choices=[SelectChoice(value=code, label=name) for code, name in LANGUAGES.items()],
        validate_choice=False,  # WTForms' own message is in English: AnyOf says it here
        validators=[AnyOf(list(LANGUAGES), message=_l("Escolha um dos idiomas."))],
    )
