"""Enviar histórico: to which of the entity's e-mails, and when the customer asked."""

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import InputRequired, ValidationError

from isocrm.fields import BrDateField, ChoiceField, local_today


def _not_in_the_future(form, field):
    if field.data and field.data > local_today():
        raise ValidationError("A data da solicitação não pode ser no futuro.")


class RequestDateForm(FlaskForm):
    requested_on = BrDateField(
        "Solicitado pelo cliente em",
        validators=[
            InputRequired("Informe quando o cliente pediu o histórico."),
            _not_in_the_future,
        ],
    )


class PrintForm(RequestDateForm):
    """Its fields are prefixed ("impressao-"): the page shows it beside the e-mail form."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="impressao", **kwargs)


class EmailForm(RequestDateForm):
    """The recipient's choices (the entity's e-mail e-contacts) are set by the view."""

    recipient_id = ChoiceField(
        "Enviar para", invalid_message="Escolha um dos e-mails cadastrados da entidade."
    )
    # Made when the form is rendered: a second submit finds the first message, never sends
    # the history twice (the Caixa de saída's unique send key).
    send_key = HiddenField()

    def validate_recipient_id(self, field):
        if field.data is None:
            raise ValidationError("Escolha um dos e-mails cadastrados da entidade.")
