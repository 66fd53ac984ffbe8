"""Equipes: groups of users of one Empresa that a ticket may be passed to."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from isocrm.models.base import Base
from isocrm.models.user import User

team_members = sa.Table(
    "team_members",
    Base.metadata,
    sa.Column("team_id", sa.ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)


class Team(Base):
    """Equipe: a name and its members; "Da minha equipe" on the painel lists its tickets."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(80))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    members: Mapped[list[User]] = relationship(secondary=team_members, order_by=User.name)

    __table_args__ = (sa.UniqueConstraint("company_id", "name"),)

    @property
    def member_names(self) -> str:
        return ", ".join(user.name for user in self.members) or "sem membros"

    def __repr__(self) -> str:
        return f"<Team {self.id} {self.name!r}>"
