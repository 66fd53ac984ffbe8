"""Enviar histórico: to which of the entity's e-mails, and when the customer asked."""

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import InputRequired, ValidationError

from isocrm.fields import BrDateField, ChoiceField
from isocrm.localtime import local_today


def earliest_request(today: date) -> date:
    """The oldest request date taken: one year before today (a request older than that is
    a typing mistake, not a customer still waiting: the deadline is 5 days)."""
    try:
        return today.replace(year=today.year - 1)
    except ValueError:  # 29/02
        return today.replace(year=today.year - 1, day=28)


def _not_in_the_future(form, field):
    if field.data and field.data > local_today():
        raise ValidationError(_("A data da solicitação não pode ser no futuro."))


def _not_too_old(form, field):
    earliest = earliest_request(local_today())
    if field.data and field.data < earliest:
        raise ValidationError(
            _(
                "A data da solicitação não pode ser anterior a %(date)s.",
                date=f"{earliest:%d/%m/%Y}",
            )
        )


class RequestDateForm(FlaskForm):
    requested_on = BrDateField(
        _l("Solicitado pelo cliente em"),
        validators=[
            InputRequired(_l("Informe quando o cliente pediu o histórico.")),
            _not_in_the_future,
            _not_too_old,
        ],
    )


class PrintForm(RequestDateForm):
    """Its fields are prefixed ("impressao-"): the page shows it beside the e-mail form."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="impressao", **kwargs)


class EmailForm(RequestDateForm):
    """The recipient's choices (the entity's e-mail e-contacts) are set by the view."""

    recipient_id = ChoiceField(
        _l("Enviar para"), invalid_message=_l("Escolha um dos e-mails cadastrados da entidade.")
    )
    # Made when the form is rendered: a second submit finds the first message, never sends
    # the history twice (the Caixa de saída's unique send key).
    send_key = HiddenField()

    def validate_recipient_id(self, field):
        if field.data is None:
            raise ValidationError(_("Escolha um dos e-mails cadastrados da entidade."))
