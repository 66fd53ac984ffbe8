"""Equipes: the rules the painel, Configurações › Equipes and the `teams` CLI share: how a
name is stored, and who may be a member (the users of the Empresa)."""

import sqlalchemy as sa

from isocrm.models import User
from isocrm.models.user import user_companies

TEAM_NAME_MAX = 80  # teams.name


def team_name(typed: str) -> str:
    """The name as stored: spaces collapsed and trimmed."""
    return " ".join(typed.split())


def company_users(company_id: int):
    """SELECT of the users of the Empresa: only they may be members of its equipes."""
    return (
        sa.select(User)
        .join(user_companies, user_companies.c.user_id == User.id)
        .where(user_companies.c.company_id == company_id)
    )
