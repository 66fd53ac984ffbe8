"""One stamp per Empresa that changes after every committed change to its tickets (see
isocrm.desk.stamp): the painel's counts answer 304 while it has not changed."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from isocrm.models.base import Base


class DeskStamp(Base):
    __tablename__ = "desk_stamps"

    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    stamp: Mapped[int] = mapped_column(sa.BigInteger)
