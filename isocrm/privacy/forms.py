"""Forms of the LGPD screen: find a titular by CPF/CNPJ, confirm an anonymisation."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, ValidationError

from isocrm import brdocs, text
from isocrm.fields import max_length


class DocumentSearchForm(FlaskForm):
    """A GET form: a search changes nothing, and no CSRF token belongs in the URL."""

    class Meta:
        csrf = False

    documento = StringField(
        _l("CPF/CNPJ do titular"),
        validators=[DataRequired(_l("Informe o CPF ou o CNPJ.")), max_length(30)],
    )

    def validate_documento(self, field):
        if not brdocs.is_valid(field.data or ""):
            raise ValidationError(_("CPF/CNPJ inválido: confira os dígitos."))

    @property
    def document(self) -> str:
        return brdocs.normalize(self.documento.data)


class AnonymizeForm(FlaskForm):
    confirmacao = StringField(
        _l("Para confirmar, digite o nome ou o CPF/CNPJ do titular"),
        validators=[
            DataRequired(_l("Digite o nome ou o CPF/CNPJ para confirmar.")),
            max_length(200),
        ],
    )

    def confirms(self, name: str, document: str | None) -> bool:
        """The name as registered (case, accents and spaces aside), or the document with or
        without punctuation."""
        typed = self.confirmacao.data or ""
        if text.fold(typed) and text.fold(typed) == text.fold(name):
            return True
        return bool(document) and brdocs.normalize(typed) == document
