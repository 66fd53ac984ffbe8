"""Which alerts of an entity are active, and the priority that colours its Alertas icon (the
ticket screen and the Cadastro completo show the same colour)."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from isocrm.models import Alert


def highest_alert_priority(session: Session, entity_id: int, today: date) -> int | None:
    """The priority that colours the Alertas icon: the highest among active alerts."""
    return session.scalar(
        sa.select(sa.func.max(Alert.priority)).where(
            Alert.entity_id == entity_id, *active_alert(today)
        )
    )


def active_alert(today: date):
    return (
        Alert.resolved_at.is_(None),
        sa.or_(Alert.active_until.is_(None), Alert.active_until >= today),
    )
