"""Enviar e-mail: the recipient among the entity's e-mails, or one typed by the attendant."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional, ValidationError

from isocrm.fields import ChoiceField, EmailAddress, max_length, optional_id
from isocrm.mail.service import BODY_MAX


def _normalize_newlines(value):
    # Browsers send a textarea's line breaks as CRLF: count (and store) each as one.
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", ".")


class ComposeForm(FlaskForm):
    """The recipient's choices (e-contact ids) are set by the view from the entity."""

    # What the composer was opened for, set when it is rendered and checked on submit:
    # the Empresa and the ticket (an Empresa switched in another tab never retargets it),
    # and a key naming this composer (a second submit finds the first, never sends again).
    company_id = HiddenField(filters=[optional_id])
    ticket_id = HiddenField(filters=[optional_id])
    send_key = HiddenField()

    recipient_id = ChoiceField(
        _l("Para"), invalid_message=_l("Escolha um dos e-mails da lista ou digite outro endereço.")
    )
    other_address = StringField(
        _l("Ou outro endereço"),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            Optional(),
            max_length(254),
            # Sent as typed, but an accented domain in its ASCII (IDNA) form, which every
            # SMTP server takes.
            EmailAddress(
                _l("Endereço de e-mail inválido: use o formato nome@dominio.com.br."),
                ascii_domain=True,
            ),
        ],
    )
    subject = StringField(
        _l("Assunto"), validators=[DataRequired(_l("Informe o assunto.")), max_length(200)]
    )
    # No Length validator: it would render maxlength, and the browser would cut a long
    # paste silently. The server says how long it is instead, and keeps every character.
    body = TextAreaField(
        _l("Mensagem"),
        filters=[_normalize_newlines],
        validators=[DataRequired(_l("Escreva a mensagem."))],
    )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Optional() stops the field's own chain when it is blank, so the pair is checked here.
        if self.recipient_id.data is None and not self.other_address.data:
            self.other_address.errors.append(
                _("Escolha um destinatário em Para ou digite um endereço.")
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
            raise ValidationError(_("O assunto deve ter uma linha só."))

    def validate_body(self, field):
        if len(field.data) > BODY_MAX:
            raise ValidationError(
                _(
                    "A mensagem tem %(length)s caracteres e o limite é %(max)s: encurte o "
                    "texto. Nada foi cortado nem enviado.",
                    length=_thousands(len(field.data)),
                    max=_thousands(BODY_MAX),
                )
            )
