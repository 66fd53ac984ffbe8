"""Agenda form: a new appointment for the entity."""

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, Optional


def max_length(size: int) -> Length:
    return Length(max=size, message="Texto longo demais (máximo de %(max)d caracteres).")


class AppointmentForm(FlaskForm):
    # InputRequired (not DataRequired) on date and time: a value typed wrong keeps its
    # "invalid" message; only an empty one is told to fill it in.
    starts_on = DateField(
        "Data",
        format=["%Y-%m-%d", "%d/%m/%Y"],
        validators=[InputRequired("Informe a data.")],
        invalid_value_message="Data inválida: use o formato dd/mm/aaaa.",
    )
    starts_time = TimeField(
        "Hora",
        format=["%H:%M", "%H:%M:%S"],
        validators=[InputRequired("Informe a hora.")],
        invalid_value_message="Hora inválida: use o formato hh:mm.",
    )
    subject = StringField(
        "Assunto", validators=[DataRequired("Informe o assunto."), max_length(200)]
    )
    notes = TextAreaField("Observações", validators=[Optional(), max_length(5000)])
    # The code of the ticket the appointment was scheduled from, if any.
    ticket = HiddenField()
