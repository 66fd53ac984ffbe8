"""Demo data of the lot watch: thresholds on two products, and recent complaints about one
lot of the Biscoito Integral so the supervisors' warning shows on first start.

Unlike the rest of the demo history (dated before REFERENCE_NOW), these few tickets are
dated relative to the moment the demo is loaded (1 to 12 days before it): a warning about
"the last 30 days" must be true when the supervisor first logs in, whatever the date. They
come last, so ticket codes still follow the opening dates; their customers are generated
people (never Maria and the other fixed records the tests count on).
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from isocrm.demo.fake import HOT_LOT
from isocrm.models import DetailInfo, Entity, Ticket, TicketDetail
from isocrm.models.base import utcnow

# (product code, complaints, days): the hot lot's product is watched tightly.
THRESHOLDS = (("BIS-INT-200", 3, 30), ("CAF-TRA-500", 5, 30))
RECENT_COMPLAINTS = (1, 4, 8, 12)  # days before the load: four tickets, threshold three
COMPLAINT = (
    "Cliente relata sabor rançoso e embalagem estufada no Biscoito Integral 200g.",
    "Orientado a não consumir; solicitada foto do lote e aberta análise com a Qualidade.",
)


def _fixed_ids(fixed: dict) -> set[int]:
    return {v.id for v in fixed.values() if isinstance(v, Entity)}


def load_lot_watch(session: Session, fixed: dict, now: datetime | None = None) -> None:
    """Set the thresholds and add the recent complaints; flushes, never commits."""
    company = fixed["company"]
    now = (now or utcnow()).astimezone(UTC)
    for code, count, days in THRESHOLDS:
        product = fixed["products"][code]
        product.lot_alert_count, product.lot_alert_days = count, days
    info = fixed["product_info"]
    hot_code, hot_lot, hot_made = HOT_LOT
    if info.product.code != hot_code:
        raise ValueError("the demo's product_info is not the hot lot's product")
    people = [
        e
        for e in session.scalars(
            sa.select(Entity).where(Entity.company_id == company.id).order_by(Entity.id)
        )
        if e.id not in _fixed_ids(fixed) and e.roles
    ][: len(RECENT_COMPLAINTS)]
    if not people:
        people = [fixed["mercado"]]  # no generated people (people=0): the fixed partner
    attendant = fixed["atendente"]
    code = company.last_ticket_code
    tickets = []
    for position, days_ago in enumerate(sorted(RECENT_COMPLAINTS, reverse=True)):
        entity = people[position % len(people)]
        opened = (now - timedelta(days=days_ago)).replace(second=0, microsecond=0)
        code += 1
        tickets.append(
            Ticket(
                company_id=company.id,
                code=code,
                entity=entity,
                role=entity.roles[0],
                reason_id=info.reason_id,
                occurrence_id=info.occurrence_id,
                status=fixed["statuses"]["em_andamento"],
                opened_by=attendant,
                updated_by=attendant,
                owner=attendant,
                opened_at=opened,
                updated_at=opened + timedelta(minutes=12),
                details=[
                    TicketDetail(
                        channel=fixed["channels"]["Telefone"],
                        direction="receptivo",
                        opened_at=opened,
                        attendant=attendant,
                        description=COMPLAINT[0],
                        answer=COMPLAINT[1],
                        answered_at=opened + timedelta(minutes=12),
                        informations=[
                            DetailInfo(
                                product_info=info,
                                lot_number=hot_lot,
                                manufactured_on=hot_made,
                                expires_on=hot_made + timedelta(days=180),
                                note="Embalagem estufada.",
                            )
                        ],
                    )
                ],
            )
        )
    company.last_ticket_code = code
    session.add_all(tickets)
    session.flush()


__all__ = ["load_lot_watch"]
