"""Forms of the ticket screen. Choices that depend on the Empresa, the entity or a parent
select are set by the view (see views._fill_choices) before validation."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Optional, ValidationError

from isocrm.fields import (
    BrDateField,
    BrDateTimeField,
    ChoiceField,
    RadioChoiceField,
    local_to_utc,
    max_length,
    strip_control_characters,
)
from isocrm.localtime import local_today
from isocrm.models.base import utcnow
from isocrm.models.ticket import DIRECTIONS
from isocrm.tickets.service import TICKET_FIELDS

MAX_INFO_LINES = 50
INTERNAL_ON = "1"  # what the Interno checkbox posts when marked
CLEAN = [strip_control_characters]  # no NUL or other control characters reach the database


class InfoLineForm(Form):
    """One Informação do detalhe line; a line left blank is ignored."""

    product_info_id = ChoiceField(
        _l("Informação"),
        invalid_message=_l("Escolha uma informação do motivo e da ocorrência selecionados."),
    )
    note = StringField(_l("Observação"), filters=CLEAN, validators=[Optional(), max_length(500)])
    lot_number = StringField(_l("Nr. Lote"), filters=CLEAN, validators=[Optional(), max_length(40)])
    serial_number = StringField(
        _l("Nr. Série"), filters=CLEAN, validators=[Optional(), max_length(60)]
    )
    manufactured_on = BrDateField(_l("Data fabricação"))
    expires_on = BrDateField(_l("Data validade"))

    def is_blank(self) -> bool:
        return not any(
            (
                self.product_info_id.data,
                self.note.data,
                self.lot_number.data,
                self.serial_number.data,
                self.manufactured_on.data,
                self.expires_on.data,
                self.manufactured_on.raw_data and self.manufactured_on.raw_data[0],
                self.expires_on.raw_data and self.expires_on.raw_data[0],
            )
        )

    def validate_manufactured_on(self, field):
        if field.data and field.data > local_today():
            raise ValidationError(_("A data de fabricação não pode estar no futuro."))

    def validate_expires_on(self, field):
        if field.data and self.manufactured_on.data and field.data < self.manufactured_on.data:
            raise ValidationError(
                _("A data de validade não pode ser anterior à data de fabricação.")
            )

    def validate_product_info_id(self, field):
        if field.data is None and not self.is_blank():
            raise ValidationError(_("Escolha a informação desta linha."))


class DetailFields:
    """Fields of a Detalhe do atendimento, shared by the new-ticket form and the detail form."""

    channel_id = ChoiceField(_l("Canal"))
    direction = RadioChoiceField(
        _l("Ativo/Receptivo"),
        invalid_message=_l("Escolha Ativo ou Receptivo."),
        choices=[SelectChoice(value=key, label=label) for key, label in DIRECTIONS.items()],
        default="receptivo",
        validators=[InputRequired(_l("Informe se o contato é ativo ou receptivo."))],
    )
    received_at = BrDateTimeField(_l("Data de recebimento"))
    description = TextAreaField(
        _l("Descrição"),
        filters=CLEAN,
        validators=[DataRequired(_l("Descreva o que o cliente informou.")), max_length(10_000)],
    )
    answer = TextAreaField(
        _l("Resposta"), filters=CLEAN, validators=[Optional(), max_length(10_000)]
    )
    contact_entity_id = ChoiceField(
        _l("Contato"), invalid_message=_l("Escolha um contato entre os relacionados da entidade.")
    )
    # Never shown to the customer (e-mail, histórico, the customer's report): the whole
    # detail (Interno) or the part of it the team keeps to itself (Nota interna).
    internal = BooleanField(_l("Interno (só a equipe vê este detalhe)"))
    internal_note = TextAreaField(
        _l("Nota interna"), filters=CLEAN, validators=[Optional(), max_length(10_000)]
    )
    infos = FieldList(FormField(InfoLineForm), min_entries=0, max_entries=MAX_INFO_LINES)
    detail_id = HiddenField()  # the saved detail being edited; empty for a new one
    detail_version = HiddenField()
    entry_key = HiddenField()  # a new detail's key: submitted twice, it is saved once

    def validate_received_at(self, field):
        if field.data and local_to_utc(field.data) > utcnow():
            raise ValidationError(_("A data de recebimento não pode estar no futuro."))

    def validate_internal(self, field):
        # The checkbox posts "1" or nothing: anything else was not sent by the screen.
        if field.raw_data and field.raw_data != [INTERNAL_ON]:
            raise ValidationError(_("Marque ou desmarque “Interno”."))

    def validate_channel_id(self, field):
        if field.data is None:
            raise ValidationError(_("Escolha o canal."))


class TicketFields:
    role_id = ChoiceField(_l("Papel"), invalid_message=_l("Escolha um dos papéis da entidade."))
    complementary_data = TextAreaField(
        _l("Dados Complementares"), filters=CLEAN, validators=[Optional(), max_length(5000)]
    )
    related_ticket_id = ChoiceField(
        _l("SAC Relacionado"),
        invalid_message=_l("Escolha outro atendimento desta Empresa (não o próprio)."),
    )
    reason_id = ChoiceField(_l("Motivo"))
    occurrence_id = ChoiceField(
        _l("Ocorrência"), invalid_message=_l("Escolha uma ocorrência do motivo selecionado.")
    )
    cause_id = ChoiceField(
        _l("Causa"), invalid_message=_l("Escolha uma causa da ocorrência selecionada.")
    )
    unit_id = ChoiceField(
        _l("Unidade"), invalid_message=_l("Escolha uma unidade vinculada à entidade.")
    )
    location_entity_id = ChoiceField(
        _l("Local"), invalid_message=_l("Escolha um parceiro (entidade com papel Parceiro).")
    )
    location_note = TextAreaField(
        _l("Observação do local"), filters=CLEAN, validators=[Optional(), max_length(2000)]
    )
    status_id = ChoiceField(_l("Situação"))
    # The record the screen was opened for: a submit acts on it or is refused, never
    # retargeted (ticket codes repeat across Empresas).
    ticket_id = HiddenField()
    company_id = HiddenField()
    typed_by = HiddenField()  # who the screen was shown to (see tickets/recovery.py)
    version = HiddenField()
    base = HiddenField()  # the values the attendant saw, to tell apart who changed what

    def validate_role_id(self, field):
        if field.data is None:
            raise ValidationError(_("Escolha o papel."))

    def validate_status_id(self, field):
        if field.data is None:
            raise ValidationError(_("Escolha a situação."))


class TicketForm(TicketFields, FlaskForm):
    """The ticket's own fields (Confirmar)."""


class DetailForm(DetailFields, FlaskForm):
    """The detail shown on the screen (saved with Confirmar, or alone with Salvar detalhe)."""

    def is_blank(self) -> bool:
        """A new detail nobody started: nothing to save and nothing to ask for."""
        return not any(
            (
                self.channel_id.data,
                (self.description.data or "").strip(),
                (self.answer.data or "").strip(),
                (self.internal_note.data or "").strip(),
                self.contact_entity_id.data,
                self.received_at.raw_data and self.received_at.raw_data[0].strip(),
            )
        ) and all(line.form.is_blank() for line in self.infos)


def screen_field_name(name: str) -> bool:
    """Names the ticket screen posts (what its autosave may keep)."""
    if name.startswith("infos-"):
        parts = name.split("-")
        return (
            len(parts) == 3
            and parts[1].isdecimal()
            and len(parts[1]) <= 3
            and int(parts[1]) < MAX_INFO_LINES
            and parts[2] in INFO_LINE_FIELDS
        )
    return name in SCREEN_FIELDS


INFO_LINE_FIELDS = {
    name for name, value in vars(InfoLineForm).items() if hasattr(value, "field_class")
}
DETAIL_SCREEN_FIELDS = {
    name
    for name, value in vars(DetailFields).items()
    if hasattr(value, "field_class") and name != "infos"
}
SCREEN_FIELDS = {
    name
    for cls in (TicketFields, DetailFields)
    for name, value in vars(cls).items()
    if hasattr(value, "field_class") and name != "infos"
} | {"resolve-" + name for name in TICKET_FIELDS}
