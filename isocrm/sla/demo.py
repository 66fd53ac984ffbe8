"""Prazos of the demo: a few Motivos with targets, a holiday of the demo Empresa, and every
demo ticket's prazo columns computed from them."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from isocrm.demo.fixed import REFERENCE_NOW
from isocrm.models import Holiday, Reason
from isocrm.sla.clock import recompute_all

# Motivo: (first answer, resolution), in business hours.
DEMO_TARGETS = {"Reclamação": (8, 40), "Dúvida": (4, 16)}
# A São Paulo state holiday (Revolução Constitucionalista), a Thursday in 2026.
DEMO_HOLIDAYS = ((date(2026, 7, 9), "Revolução Constitucionalista (SP)"),)


def load_sla_demo(session: Session, fixed: dict, now=None) -> int:
    """After the demo tickets exist: targets, holiday, then their prazos (open and closed).
    Returns how many tickets were recomputed."""
    company = fixed["company"]
    for reason in session.scalars(sa.select(Reason).where(Reason.company_id == company.id)):
        if reason.name in DEMO_TARGETS:
            reason.first_answer_hours, reason.resolution_hours = DEMO_TARGETS[reason.name]
    for day, name in DEMO_HOLIDAYS:
        session.add(Holiday(company_id=company.id, day=day, name=name))
    session.flush()
    return recompute_all(session, company.id, now or REFERENCE_NOW, closed=True)
