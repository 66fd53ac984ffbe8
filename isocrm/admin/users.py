"""Usuários: creating, editing, deactivating users and giving them a temporary password.

The rules live here, not only in the screens:

- an administrator manages every user of their Empresas; a supervisor only the atendentes,
  and may only make atendentes (`NotAllowed`, a 403 in the views);
- nobody lowers their own perfil nor deactivates themselves;
- an Empresa that has an active administrator keeps one: the change that would leave it
  without is refused. The active admins of the Empresas concerned are read with their rows
  locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite already holds its write lock, see
  isocrm/database.py), so two administrators demoting each other at the same moment cannot
  both succeed;
- the Empresas given are among the acting user's; the target's other Empresas (which the
  actor cannot see) are kept as they are.

Every change goes through the ORM in one transaction: isocrm.audit records the user row and
each Empresa link, and a new password or a deactivation ends the user's sessions in the same
transaction (isocrm/auth/sessions.py).
"""

import re
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from isocrm.auth import passwords
from isocrm.extensions import db
from isocrm.models import Company, User
from isocrm.models.user import ROLE_ADMIN, ROLE_ATTENDANT, USER_ROLE_LABELS, user_companies
from isocrm.permissions import ROLE_RANK, has_role

# Readable: no 0/o, 1/l/i look-alikes; three groups of four (about 59 bits).
TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{2,39}")

USERNAME_TAKEN = _l("Já existe um usuário com este nome de usuário.")
USERNAME_INVALID = _l(
    "Use de 3 a 40 letras sem acento, números, ponto, hífen ou sublinhado, "
    "começando por letra ou número."
)
COMPANIES_REQUIRED = _l("Escolha ao menos uma Empresa.")
COMPANIES_UNKNOWN = _l("Escolha apenas Empresas da lista.")
ROLE_ONLY_ADMIN = _l("Só um administrador pode dar o perfil de Supervisor ou Administrador.")
OWN_ROLE_LOWERED = _l("Você não pode diminuir o seu próprio perfil: peça a outro administrador.")
OWN_DEACTIVATION = _l("Você não pode desativar o seu próprio usuário.")
OWN_RESET = _l("Para trocar a sua própria senha, use Alterar senha.")
ONLY_ATTENDANTS = _l("Supervisores gerenciam apenas atendentes: peça a um administrador.")


def last_admin_message(user: str, company: str) -> str:
    return _(
        "%(user)s é o último administrador ativo de %(company)s: dê o perfil de Administrador "
        "a outro usuário dessa Empresa antes.",
        user=user,
        company=company,
    )


class NotAllowed(Exception):
    """The acting user may not manage this user at all (a 403)."""


@dataclass
class RuleBroken(Exception):
    """A change refused: the message, and the form field it belongs next to."""

    field: str
    message: str

    def __str__(self) -> str:
        return str(self.message)


def temporary_password() -> str:
    groups = ("".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(4)) for _ in range(3))
    return "-".join(groups)


def normalize_username(username: str | None) -> str:
    return passwords.normalize_username(username)


def may_manage(actor: User, user: User) -> bool:
    """An admin manages anyone; a supervisor the atendentes (not themselves: a supervisor)."""
    return has_role(actor, ROLE_ADMIN) or user.role == ROLE_ATTENDANT


def roles_for(actor: User) -> list[str]:
    """The perfis this user may give."""
    if has_role(actor, ROLE_ADMIN):
        return list(USER_ROLE_LABELS)
    return [ROLE_ATTENDANT]


def _require_manage(actor: User, user: User) -> None:
    if not may_manage(actor, user):
        raise NotAllowed(ONLY_ATTENDANTS)


def _check_role(actor: User, user: User | None, role: str) -> None:
    if role not in roles_for(actor):
        raise RuleBroken("role", ROLE_ONLY_ADMIN)
    if user is not None and user.id == actor.id and ROLE_RANK[role] < ROLE_RANK[user.role]:
        raise RuleBroken("role", OWN_ROLE_LOWERED)


def _chosen_companies(actor: User, company_ids) -> list[Company]:
    ids = set(company_ids or ())
    if not ids:
        raise RuleBroken("companies", COMPANIES_REQUIRED)
    mine = {company.id: company for company in actor.companies}
    if not ids <= mine.keys():
        raise RuleBroken("companies", COMPANIES_UNKNOWN)
    return [mine[i] for i in sorted(ids)]


def _check_admins_remain(user: User, *, role: str, active: bool, companies: list[Company]):
    """Refuse a change after which an Empresa with an active admin would have none."""
    if not (user.role == ROLE_ADMIN and user.active):
        return
    staying = {c.id for c in companies} if role == ROLE_ADMIN and active else set()
    left = [c for c in user.companies if c.id not in staying]
    if not left:
        return
    others = db.session.execute(
        sa.select(user_companies.c.company_id, User.id)
        .join(User, User.id == user_companies.c.user_id)
        .where(
            user_companies.c.company_id.in_([c.id for c in left]),
            User.role == ROLE_ADMIN,
            User.active.is_(True),
        )
        .with_for_update(of=User)
    ).all()
    covered = {company_id for company_id, user_id in others if user_id != user.id}
    for company in left:
        if company.id not in covered:
            raise RuleBroken(
                "role" if active else "active",
                last_admin_message(user.name, company.name),
            )


def username_taken(username: str, but: int | None = None) -> bool:
    query = sa.select(User.id).where(sa.func.lower(User.username) == username)
    if but is not None:
        query = query.where(User.id != but)
    return db.session.scalar(query.limit(1)) is not None


def create_user(
    actor: User, *, username: str, name: str, email: str | None, role: str, company_ids
) -> tuple[User, str]:
    """A new user with a temporary password (returned, shown once) to change at first login.
    Flushed, not committed: the caller commits."""
    username = normalize_username(username)
    if not USERNAME_PATTERN.fullmatch(username):
        raise RuleBroken("username", USERNAME_INVALID)
    if username_taken(username):
        raise RuleBroken("username", USERNAME_TAKEN)
    _check_role(actor, None, role)
    companies = _chosen_companies(actor, company_ids)
    password = temporary_password()
    user = User(
        username=username,
        name=name,
        email=email or None,
        role=role,
        companies=companies,
        must_change_password=True,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user, password


def update_user(
    actor: User, user: User, *, name: str, email: str | None, role: str, company_ids
) -> None:
    """Nome, e-mail, perfil and Empresas (among the actor's; the others are kept)."""
    _require_manage(actor, user)
    _check_role(actor, user, role)
    chosen = _chosen_companies(actor, company_ids)
    mine = {c.id for c in actor.companies}
    companies = sorted(
        [*chosen, *(c for c in user.companies if c.id not in mine)], key=lambda c: c.name
    )
    _check_admins_remain(user, role=role, active=user.active, companies=companies)
    user.name = name
    user.email = email or None
    user.role = role
    if {c.id for c in companies} != {c.id for c in user.companies}:
        user.companies = companies
    db.session.flush()


def change_role(actor: User, user: User, role: str) -> None:
    """Only the perfil (the list's quick change)."""
    _require_manage(actor, user)
    _check_role(actor, user, role)
    _check_admins_remain(user, role=role, active=user.active, companies=user.companies)
    user.role = role
    db.session.flush()


def set_active(actor: User, user: User, active: bool) -> None:
    """Desativar (cannot log in, sessions end; tickets keep them) or Reativar."""
    _require_manage(actor, user)
    if not active and user.id == actor.id:
        raise RuleBroken("active", OWN_DEACTIVATION)
    if not active:
        _check_admins_remain(user, role=user.role, active=False, companies=user.companies)
    user.active = active
    db.session.flush()


def reset_password(actor: User, user: User) -> str:
    """A new temporary password (returned, to be shown once); the user's sessions end and
    the next login leads to Alterar senha."""
    _require_manage(actor, user)
    if user.id == actor.id:
        raise RuleBroken("password", OWN_RESET)
    password = temporary_password()
    user.set_password(password)
    user.must_change_password = True
    db.session.flush()
    return password
