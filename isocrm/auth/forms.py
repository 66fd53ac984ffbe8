from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


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
