"""Demo data: fixed records the tests rely on, a seeded realistic dataset, and a bulk
generator of millions of entities for speed tests.

- `load_fixed(session)`: the named records (users, catalogues, Maria Aparecida…); no commit.
- `load_demo(session, people)`: fixed records + Faker pt_BR with a fixed seed; commits.
- `generate_bulk_entities(session, company_id, count)`: Core executemany, commits per batch.
- `generate_bulk_tickets(session, company_id, tickets, details)`: COPY / executemany,
  commits per batch.
"""

from sqlalchemy.orm import Session

from isocrm.demo.bulk import generate_bulk_entities
from isocrm.demo.bulk_tickets import generate_bulk_tickets
from isocrm.demo.desk import load_desk
from isocrm.demo.fake import load_fake
from isocrm.demo.fixed import load_fixed
from isocrm.lots.demo import load_lot_watch
from isocrm.sla.demo import load_sla_demo


def load_demo(session: Session, people: int = 300) -> None:
    """Load the whole demo dataset; two runs on empty databases give identical rows."""
    fixed = load_fixed(session)
    load_fake(session, fixed, people=people)
    load_desk(session, fixed)
    load_lot_watch(session, fixed)  # recent complaints, dated from now: a lot warning shows
    load_sla_demo(session, fixed)  # last: the prazos of every ticket above
    session.commit()


__all__ = ["generate_bulk_entities", "generate_bulk_tickets", "load_demo", "load_fixed"]
