"""Agenda form: a new appointment for the entity."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Optional
from wtforms.widgets import TextInput

from isocrm.fields import BrDateField, local_to_utc, max_length, optional_id
from isocrm.models.base import utcnow


class AppointmentForm(FlaskForm):
    # InputRequired (not DataRequired) on date and time: a value typed wrong keeps its
    # "invalid" message; only an empty one is told to fill it in.
    starts_on = BrDateField(_l("Data"), validators=[InputRequired(_l("Informe a data."))])
    starts_time = TimeField(
        _l("Hora"),
        format=["%H:%M", "%H:%M:%S"],
        validators=[InputRequired(_l("Informe a hora."))],
        invalid_value_message=_l("Hora inválida: use o formato hh:mm."),
        # Typed as text, like the date: a picker sends "" for a half-typed time.
        widget=TextInput(),
        render_kw={"inputmode": "numeric", "autocomplete": "off", "placeholder": "hh:mm"},
    )
    subject = StringField(
        _l("Assunto"), validators=[DataRequired(_l("Informe o assunto.")), max_length(200)]
    )
    notes = TextAreaField(_l("Observações"), validators=[Optional(), max_length(5000)])
    # The code of the ticket the appointment was scheduled from, if any.
    ticket = HiddenField()
    # Generated when the form is rendered: submitting the same form twice schedules once.
    form_key = HiddenField()
    # The Empresa the form was opened in: after a switch in another tab, Agendar is refused
    # with what was typed kept (the entity is not found in the other Empresa).
    company_id = HiddenField(filters=[optional_id])

    @property
    def starts_at(self) -> datetime | None:
        """The date and time typed at the desk, as an aware datetime (None if incomplete)."""
        if self.starts_on.data is None or self.starts_time.data is None:
            return None
        return local_to_utc(datetime.combine(self.starts_on.data, self.starts_time.data))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        starts_at = self.starts_at
        if starts_at is not None and starts_at < utcnow():
            # An appointment is something still to do: a start in the past is a typo.
            today = utcnow().astimezone(starts_at.tzinfo).date()
            if self.starts_on.data < today:
                self.starts_on.errors.append(_l("A data já passou: agende para hoje ou depois."))
            else:
                self.starts_time.errors.append(
                    _l("Esse horário de hoje já passou: escolha um horário a partir de agora.")
                )
            valid = False
        return valid
