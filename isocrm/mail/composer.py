"""The Enviar e-mail composer of a ticket: whom it may go to, what it suggests, and the
screen that shows it (with the Empresa's "E-mail" Canal, under which it is recorded)."""

import json
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload

from isocrm import attachment_store, ticket_reads
from isocrm.attachment_store import AttachmentRefused
from isocrm.extensions import db
from isocrm.fields import detail_number, optional_id
from isocrm.htmx import render
from isocrm.mail import service
from isocrm.mail.forms import ComposeForm
from isocrm.mail.service import smtp_configured
from isocrm.models import Channel, Company, Entity, OutboxMessage, Relation, Ticket, TicketDetail
from isocrm.models.attachment import Attachment
from isocrm.security import current_company
from isocrm.tickets import service as ticket_service

EMAIL_CHANNEL = "E-mail"  # the Canal every e-mail sent from the desk is recorded under
NO_CHANNEL_MESSAGE = _l(
    "A Empresa não tem o canal “E-mail” cadastrado: peça a um supervisor para criá-lo "
    "antes de enviar e-mails (o envio fica registrado no atendimento com esse canal)."
)


@dataclass
class Recipient:
    econtact_id: int
    address: str
    label: str
    contact_entity_id: int | None  # a related person (the detail's Contato), or the entity


def recipient_options():
    """The entity's e-contacts and those of its "Relacionado com" people, in 4 queries."""
    entity = joinedload(Ticket.entity)
    related = entity.selectinload(Entity.relations)
    return (
        entity.selectinload(Entity.econtacts),
        related.joinedload(Relation.related_entity).selectinload(Entity.econtacts),
        related.joinedload(Relation.relation_type),
    )


def _emails_first_principal(entity: Entity):
    emails = [e for e in entity.econtacts if e.kind == "email"]
    return sorted(emails, key=lambda e: (not e.is_principal, e.id))


def recipients_of(entity: Entity) -> list[Recipient]:
    """Whom the ticket's e-mail may go to: the entity (Principal first), then its relations."""
    recipients = [
        Recipient(
            e.id,
            e.value,
            _("%(address)s (Principal)", address=e.value) if e.is_principal else e.value,
            None,
        )
        for e in _emails_first_principal(entity)
    ]
    for relation in entity.relations:
        person = relation.related_entity
        for e in _emails_first_principal(person):
            label = f"{e.value} — {person.name} ({relation.relation_type.name})"
            recipients.append(Recipient(e.id, e.value, label, person.id))
    return recipients


@dataclass
class _DetailOnScreen:
    description: str
    answer: str | None
    internal: bool


def _as_on_screen(ticket: Ticket, detail: TicketDetail | None):
    """The detail as the attendant has it on the ticket screen: what they typed and did not
    confirm yet (kept by the screen's autosave) is what the e-mail should talk about."""
    edit = ticket_service.unsaved_edit(db.session, ticket, current_user.id)
    if edit is None:
        return detail
    typed = dict(json.loads(edit.fields))
    if "description" not in typed or optional_id(typed.get("detail_id")) != (
        detail.id if detail else None
    ):
        return detail
    # Interno when marked on screen or saved so: on either side, nothing is quoted.
    return _DetailOnScreen(
        description=typed["description"].strip(),
        answer=typed.get("answer", "").strip() or None,
        internal="internal" in typed or (detail is not None and detail.internal),
    )


def _email_channel() -> Channel | None:
    return db.session.scalar(
        sa.select(Channel).where(
            Channel.company_id == current_company().id, Channel.name == EMAIL_CHANNEL
        )
    )


def _email_of_detail(detail: TicketDetail | None) -> OutboxMessage | None:
    if detail is None:
        return None
    return db.session.scalar(
        sa.select(OutboxMessage).where(
            OutboxMessage.detail_id == detail.id,
            OutboxMessage.company_id == current_company().id,
        )
    )


@dataclass
class Composer:
    """The composer of one ticket as the request found it: its form (with the recipients
    to choose from), the detail on screen and the Canal the e-mail is recorded under."""

    ticket: Ticket
    form: ComposeForm
    notice: str | None  # the Empresa was switched back to the one the e-mail was written in
    company: Company
    recipients: list[Recipient]
    page: ticket_reads.DetailPage
    channel: Channel | None
    # The ticket's attachments, offered as checkboxes; the chosen ones once checked.
    attachments: list[Attachment] = field(default_factory=list)
    chosen_attachments: list[Attachment] = field(default_factory=list)
    attachment_error: str | None = None
    checked_ids: set[int] = field(default_factory=set)  # checked as posted, shown again

    @classmethod
    def of(cls, ticket: Ticket, form: ComposeForm, notice: str | None) -> "Composer":
        recipients = recipients_of(ticket.entity)
        other = (
            _("— outro endereço (digite abaixo) —")
            if recipients
            else _("— nenhum e-mail cadastrado —")
        )
        form.recipient_id.choices = [(r.econtact_id, r.label) for r in recipients] + [(None, other)]
        number = detail_number(request.args.get("detalhe"))
        page = ticket_reads.detail_page(db.session, ticket, number)
        return cls(
            ticket,
            form,
            notice,
            current_company(),
            recipients,
            page,
            _email_channel(),
            attachment_store.attachments_of_ticket(ticket, for_customer=True),
        )

    def check_attachments(self) -> bool:
        """The checked attachments: the ticket's own, and not too big together."""
        raw = request.form.getlist("attachment_ids")
        self.checked_ids = {int(value) for value in raw if value.isdigit()}
        try:
            self.chosen_attachments = attachment_store.chosen_for_email(self.attachments, raw)
        except AttachmentRefused as refused:
            self.attachment_error = refused.message
            return False
        return True

    def recipient(self, econtact_id: int) -> Recipient:
        return next(r for r in self.recipients if r.econtact_id == econtact_id)

    def fill_new(self) -> None:
        """A new composer: to the first recipient, with the suggested subject and text."""
        form, ticket, company = self.form, self.ticket, self.company
        form.company_id.data, form.ticket_id.data = company.id, ticket.id
        form.send_key.data = service.new_send_key()
        form.recipient_id.data = self.recipients[0].econtact_id if self.recipients else None
        form.subject.data = f"Atendimento {ticket.code_display} - {company.name}"
        form.body.data = service.suggested_body(
            company=company,
            user=current_user,
            entity_name=ticket.entity.name,
            detail=_as_on_screen(ticket, self.page.detail),
            email_of_detail=_email_of_detail(self.page.detail),
        )

    def render(self, status: int = 200, error: str | None = None, duplicate=None):
        return render(
            "mail/compose.html",
            status=status,
            ticket=self.ticket,
            entity=self.ticket.entity,
            form=self.form,
            page=self.page,
            error=error or (None if self.channel else str(NO_CHANNEL_MESSAGE)),
            notice=self.notice,
            duplicate=duplicate,
            smtp_ready=smtp_configured(),
            body_max=service.BODY_MAX,
            attachments=self.attachments,
            chosen_attachment_ids=self.checked_ids,
            attachment_error=self.attachment_error,
        )
