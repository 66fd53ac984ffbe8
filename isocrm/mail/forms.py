"""Enviar e-mail: the recipient among the entity's e-mails, or one typed by the attendant."""

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Optional, ValidationError

from isocrm.fields import ChoiceField, max_length


class ComposeForm(FlaskForm):
    """The recipient's choices (e-contact ids) are set by the view from the entity."""

    recipient_id = ChoiceField(
        "Para", invalid_message="Escolha um dos e-mails da lista ou digite outro endereço."
    )
    other_address = StringField(
        "Ou outro endereço",
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            Optional(),
            max_length(254),
            Email(
                message="Endereço de e-mail inválido: use o formato nome@dominio.com.br.",
                allow_smtputf8=False,
            ),
        ],
    )
    subject = StringField(
        "Assunto", validators=[DataRequired("Informe o assunto."), max_length(200)]
    )
    body = TextAreaField(
        "Mensagem", validators=[DataRequired("Escreva a mensagem."), max_length(8000)]
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Optional() stops the field's own chain when it is blank, so the pair is checked here.
        if self.recipient_id.data is None and not self.other_address.data:
            self.other_address.errors.append(
                "Escolha um destinatário em Para ou digite um endereço."
            )
            valid = False
        return valid

    @property
    def typed_address(self) -> str | None:
        """The typed address wins over the list: the attendant wrote it on purpose."""
        return self.other_address.data or None

    def validate_subject(self, field):
        # A line break in a header would let the text forge other headers.
        if "\r" in field.data or "\n" in field.data:
            raise ValidationError("O assunto deve ter uma linha só.")
