"""Forms of the registration (Cadastro completo and simplificado) and of the Alertas.

Choices that depend on the Empresa (papéis, unidades, tipos de relação) are set by the view
before validation, as on the ticket screen."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Optional, ValidationError

from isocrm import brdocs
from isocrm.fields import (  # noqa: F401  (validate_document is used from here too)
    CHOOSE_FROM_LIST,
    UFS,
    BrDateField,
    CheckboxesField,
    ChoiceField,
    RadioChoiceField,
    email_address,
    max_length,
    phone_number,
    site_url,
    validate_document,
    whatsapp_number,
    zip_code,
)
from isocrm.localtime import local_today
from isocrm.models.engagement import ALERT_PRIORITIES
from isocrm.models.entity import ECONTACT_KINDS, KIND_COMPANY, KIND_PERSON, PHONE_KINDS


def _text_or_none(value):
    return None if value in (None, "", "None") else str(value)


class TextChoiceField(ChoiceField):
    """A ChoiceField whose values are text (UF, tipo de telefone…), not ids."""

    def __init__(self, label, choices, invalid_message=CHOOSE_FROM_LIST, **kwargs):
        super().__init__(label, invalid_message=invalid_message, **kwargs)
        self.coerce = _text_or_none
        self.choices = choices

    def labels(self) -> dict:
        return {_text_or_none(c.value): c.label for c in self._choices or []}


class DocumentFields:
    """Nome and CPF/CNPJ, shared by the complete and the simplified registration."""

    name = StringField(
        _l("Nome/Razão social"),
        validators=[DataRequired(_l("Informe o nome ou a razão social.")), max_length(150)],
    )
    trade_name = StringField(_l("Nome fantasia"), validators=[Optional(), max_length(150)])
    document = StringField("CPF/CNPJ", validators=[Optional(), max_length(20)])

    def document_kind(self) -> str:
        """PF or PJ: the form's own choice, or what the document's size says."""
        return brdocs.kind_of(self.document.data or "") or KIND_PERSON

    def validate_document(self, field):
        if not (field.data or "").strip():
            return
        message = validate_document(self.document_kind(), field.data)
        if message:
            raise ValidationError(message)


class EntityForm(DocumentFields, FlaskForm):
    """Dados, Papéis and Unidades of Cadastro completo (and of a new entity)."""

    kind = RadioChoiceField(
        _l("Tipo"),
        choices=[
            SelectChoice(value=KIND_PERSON, label=_l("Pessoa física (CPF)")),
            SelectChoice(value=KIND_COMPANY, label=_l("Pessoa jurídica (CNPJ)")),
        ],
        default=KIND_PERSON,
        invalid_message=_l("Escolha pessoa física ou jurídica."),
        validators=[DataRequired(_l("Escolha pessoa física ou jurídica."))],
    )
    birth_date = BrDateField(_l("Data de nascimento"))
    notes = TextAreaField(_l("Observações"), validators=[Optional(), max_length(5000)])
    roles = CheckboxesField(_l("Papéis"))
    units = CheckboxesField(_l("Unidades"))
    # The version the page showed (optimistic locking; see registry.service.merge).
    version = HiddenField()
    # Cadastrar: another entity of the Empresa has this name and no CPF/CNPJ tells them apart.
    same_name_ok = BooleanField(_l("É outra entidade com o mesmo nome: cadastrar mesmo assim"))
    # Cadastro completo: a papel or unidade used by open tickets is removed only when confirmed.
    confirm_removal = BooleanField(
        _l("Remover mesmo assim (os atendimentos abertos guardam o papel e a unidade que já têm)")
    )

    def document_kind(self) -> str:
        return self.kind.data if self.kind.data in (KIND_PERSON, KIND_COMPANY) else KIND_PERSON

    def validate_kind(self, field):
        if field.data not in (KIND_PERSON, KIND_COMPANY):
            raise ValidationError(_("Escolha pessoa física ou jurídica."))

    def validate_birth_date(self, field):
        if field.data is None:
            return
        if self.kind.data == KIND_COMPANY:
            raise ValidationError(
                _(
                    "Pessoa jurídica não tem data de nascimento: apague a data ou escolha pessoa"
                    " física."
                )
            )
        if field.data > local_today():
            raise ValidationError(_("A data de nascimento não pode estar no futuro."))


class AddressForm(FlaskForm):
    zip_code = StringField(_l("CEP"), validators=[Optional(), max_length(10)])
    street = StringField(
        _l("Logradouro"), validators=[DataRequired(_l("Informe o logradouro.")), max_length(150)]
    )
    number = StringField(_l("Número"), validators=[Optional(), max_length(20)])
    complement = StringField(_l("Complemento"), validators=[Optional(), max_length(80)])
    district = StringField(_l("Bairro"), validators=[Optional(), max_length(80)])
    city = StringField(
        _l("Cidade"), validators=[DataRequired(_l("Informe a cidade.")), max_length(80)]
    )
    state = TextChoiceField(
        _l("UF"), [(None, "—")] + [(uf, uf) for uf in UFS], _l("Escolha uma UF da lista.")
    )
    is_principal = BooleanField(_l("Principal"))
    version = HiddenField()

    def validate_zip_code(self, field):
        zip_code(field.data)

    def validate_state(self, field):
        if field.data is None:
            raise ValidationError(_("Escolha a UF."))


class PhoneForm(FlaskForm):
    kind = TextChoiceField(_l("Tipo"), list(PHONE_KINDS.items()), _l("Escolha um tipo da lista."))
    number = StringField(
        _l("Telefone"), validators=[DataRequired(_l("Informe o telefone com DDD.")), max_length(20)]
    )
    is_principal = BooleanField(_l("Principal"))
    version = HiddenField()

    def validate_kind(self, field):
        _require_kind(field)

    def validate_number(self, field):
        phone_number(field.data)


class EContactForm(FlaskForm):
    kind = TextChoiceField(
        _l("Tipo"), list(ECONTACT_KINDS.items()), _l("Escolha um tipo da lista.")
    )
    value = StringField(
        _l("E-contact"), validators=[DataRequired(_l("Informe o e-contact.")), max_length(200)]
    )
    is_principal = BooleanField(_l("Principal"))
    version = HiddenField()

    def validate_kind(self, field):
        _require_kind(field)

    def validate_value(self, field):
        econtact_value(self.kind.data, field.data)


def _require_kind(field) -> None:
    """A phone's or e-contact's Tipo is chosen, never assumed: a request without one (the
    form always sends it) would otherwise store the model's default kind, and an
    e-contact's value would skip the check of the kind it ends up with."""
    if field.data is None:
        raise ValidationError(_("Escolha um tipo da lista."))


def econtact_value(kind: str | None, value: str | None) -> str:
    """The value to store for an e-contact of this kind (e-mail, site and WhatsApp checked
    and normalised), or a ValidationError in Portuguese."""
    value = (value or "").strip()
    if kind == "email":
        return email_address(value)
    if kind == "site":
        return site_url(value)
    if kind == "whatsapp":
        return whatsapp_number(value)
    return value


class RelationForm(FlaskForm):
    """Relacionado com: an existing entity of the Empresa, or a person created on the spot."""

    mode = RadioChoiceField(
        _l("Relacionar"),
        invalid_message=_l("Escolha como relacionar."),
        choices=[
            SelectChoice(value="existente", label=_l("Entidade já cadastrada")),
            SelectChoice(value="nova", label=_l("Cadastrar pessoa agora")),
        ],
        default="existente",
    )
    related_entity_id = ChoiceField(
        _l("Entidade"), invalid_message=_l("Escolha uma entidade desta Empresa (não a própria).")
    )
    # No Optional() here: it would stop the chain before validate_new_name on an empty name.
    new_name = StringField(_l("Nome da pessoa"), validators=[max_length(150)])
    same_name_ok = BooleanField(_l("É outra pessoa com o mesmo nome: cadastrar mesmo assim"))
    new_document = StringField(_l("CPF (opcional)"), validators=[Optional(), max_length(20)])
    relation_type_id = ChoiceField(
        _l("Tipo de relação"), invalid_message=_l("Escolha um tipo da lista.")
    )

    def validate_relation_type_id(self, field):
        if field.data is None:
            raise ValidationError(_("Escolha o tipo de relação."))

    def validate_related_entity_id(self, field):
        if self.mode.data != "nova" and field.data is None:
            raise ValidationError(_("Busque e escolha a entidade relacionada."))

    def validate_new_name(self, field):
        if self.mode.data == "nova" and not (field.data or "").strip():
            raise ValidationError(_("Informe o nome da pessoa."))

    def validate_new_document(self, field):
        if self.mode.data == "nova" and (field.data or "").strip():
            message = validate_document(KIND_PERSON, field.data)
            if message:
                raise ValidationError(message)

    def validate_mode(self, field):
        if field.data not in ("existente", "nova"):
            raise ValidationError(_("Escolha como relacionar."))


class QuickEditForm(DocumentFields, FlaskForm):
    """Cadastro simplificado: the main fields and the Principal address, phone and e-contact.
    A group emptied removes that Principal row; a group with anything typed must be complete."""

    zip_code = StringField(_l("CEP"), validators=[Optional(), max_length(10)])
    # Logradouro and Cidade without Optional(), so validate_street/city see them empty.
    street = StringField(_l("Logradouro"), validators=[max_length(150)])
    number = StringField(_l("Número"), validators=[Optional(), max_length(20)])
    complement = StringField(_l("Complemento"), validators=[Optional(), max_length(80)])
    district = StringField(_l("Bairro"), validators=[Optional(), max_length(80)])
    city = StringField(_l("Cidade"), validators=[max_length(80)])
    state = TextChoiceField(
        _l("UF"), [(None, "—")] + [(uf, uf) for uf in UFS], _l("Escolha uma UF da lista.")
    )
    phone_kind = TextChoiceField(
        _l("Tipo de telefone"), list(PHONE_KINDS.items()), _l("Escolha um tipo da lista.")
    )
    phone_number = StringField(_l("Telefone"), validators=[Optional(), max_length(20)])
    econtact_kind = TextChoiceField(
        _l("Tipo de e-contact"), list(ECONTACT_KINDS.items()), _l("Escolha um tipo da lista.")
    )
    econtact_value = StringField(_l("E-contact"), validators=[Optional(), max_length(200)])
    # What the form was filled from (optimistic locking, see views._quick_conflicts).
    version = HiddenField()
    rows_seen = HiddenField()

    ADDRESS_FIELDS = ("zip_code", "street", "number", "complement", "district", "city", "state")

    def address_filled(self) -> bool:
        return any((self[name].data or "").strip() for name in self.ADDRESS_FIELDS)

    def validate_zip_code(self, field):
        zip_code(field.data)

    def validate_street(self, field):
        if self.address_filled() and not (field.data or "").strip():
            raise ValidationError(_("Informe o logradouro."))

    def validate_city(self, field):
        if self.address_filled() and not (field.data or "").strip():
            raise ValidationError(_("Informe a cidade."))

    def validate_state(self, field):
        if self.address_filled() and field.data is None:
            raise ValidationError(_("Escolha a UF."))

    def validate_phone_kind(self, field):
        if (self.phone_number.data or "").strip():
            _require_kind(field)

    def validate_phone_number(self, field):
        if (field.data or "").strip():
            phone_number(field.data)

    def validate_econtact_kind(self, field):
        if (self.econtact_value.data or "").strip():
            _require_kind(field)

    def validate_econtact_value(self, field):
        if (field.data or "").strip() and self.econtact_kind.data is not None:
            econtact_value(self.econtact_kind.data, field.data)


class AlertForm(FlaskForm):
    message = TextAreaField(
        _l("Mensagem"),
        validators=[DataRequired(_l("Escreva a mensagem do alerta.")), max_length(2000)],
    )
    # Média, as the model's default, on every new form (also the one shown after a save).
    priority = ChoiceField(
        _l("Prioridade"), invalid_message=_l("Escolha uma prioridade da lista."), default=2
    )
    active_until = BrDateField(_l("Ativo até"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.priority.choices = list(ALERT_PRIORITIES.items())

    def validate_active_until(self, field):
        today = local_today()
        if field.data and field.data < today:
            raise ValidationError(_("A data não pode estar no passado."))

    def validate_priority(self, field):
        if field.data is None:
            raise ValidationError(_("Escolha a prioridade."))
