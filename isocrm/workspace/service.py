"""Rules of the workspace screens that change data: scheduling an appointment."""

import secrets

import sqlalchemy as sa

from isocrm.extensions import db
from isocrm.models import Appointment, Company, Entity, Ticket, User

FORM_KEY_LENGTH = (20, 64)


def new_form_key() -> str:
    """A fresh key for an Agenda form being rendered."""
    return secrets.token_urlsafe(32)


def valid_form_key(value: str | None) -> bool:
    low, high = FORM_KEY_LENGTH
    return (
        bool(value)
        and low <= len(value) <= high
        and value.replace("-", "").replace("_", "").isalnum()
    )


def appointment_by_key(company: Company, form_key: str) -> Appointment | None:
    return db.session.scalar(
        sa.select(Appointment).where(
            Appointment.form_key == form_key, Appointment.company_id == company.id
        )
    )


def schedule(
    *,
    company: Company,
    entity: Entity,
    ticket: Ticket | None,
    user: User,
    form_key: str,
    starts_at,
    subject: str,
    notes: str | None,
) -> tuple[Appointment, bool]:
    """Save the appointment; (appointment, True), or (the one this same form already
    saved, False): a double click or Back + Agendar never schedules it twice."""
    existing = appointment_by_key(company, form_key)
    if existing is not None:
        return existing, False
    appointment = Appointment(
        company_id=company.id,
        entity_id=entity.id,
        ticket_id=ticket.id if ticket else None,
        starts_at=starts_at,
        subject=subject.strip(),
        notes=(notes or "").strip() or None,
        attendant_id=user.id,
        form_key=form_key,
    )
    try:
        db.session.add(appointment)
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()  # the same form, submitted at the same moment, won
        existing = appointment_by_key(company, form_key)
        if existing is None:
            raise
        return existing, False
    return appointment, True
