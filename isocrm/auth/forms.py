from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from isocrm.auth.passwords import password_problems


class LoginForm(FlaskForm):
    username = StringField(
        "Usuário",
        validators=[DataRequired("Informe o usuário."), Length(max=40)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        "Senha",
        validators=[DataRequired("Informe a senha.")],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class CompanySwitchForm(FlaskForm):
    company_id = IntegerField("Empresa", validators=[DataRequired()])
    next = HiddenField()


class CodeForm(FlaskForm):
    """The second step of a login, and the confirmation of a new authenticator app."""

    code = StringField(
        "Código de verificação",
        validators=[DataRequired("Informe o código de 6 dígitos do aplicativo."), Length(max=12)],
        render_kw={
            "autocomplete": "one-time-code",
            "inputmode": "numeric",
            "autofocus": True,
        },
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Senha atual",
        validators=[DataRequired("Informe a senha atual.")],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        "Nova senha",
        validators=[DataRequired("Informe a nova senha.")],
        render_kw={"autocomplete": "new-password"},
        description="Ao menos 10 caracteres; nada de senhas comuns nem o seu usuário.",
    )
    confirm_password = PasswordField(
        "Repita a nova senha",
        validators=[
            DataRequired("Repita a nova senha."),
            EqualTo("new_password", "As duas senhas novas não são iguais."),
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
        "Senha atual",
        validators=[DataRequired("Informe a senha atual.")],
        render_kw={"autocomplete": "current-password", "autofocus": True},
    )
