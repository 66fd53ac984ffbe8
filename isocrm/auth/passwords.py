"""Checking a login without telling who exists, and the rules for a new password.

An unknown or inactive user costs the same hash verification as a wrong password: without
it an unknown username answered in ~6 ms and a known one in ~117 ms, which let anyone
list the usernames. Every branch below verifies exactly one hash of the same method and cost
(scrypt in production; the app's PASSWORD_HASH_METHOD, which the test suite lowers).

The policy applies where a password is *set* (create-user, Alterar senha), never at login:
existing passwords, such as the demo's, keep working.
"""

import secrets
import unicodedata
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from isocrm.extensions import db
from isocrm.models import User
from isocrm.models.user import password_hash_method

MIN_LENGTH = 10
MAX_LENGTH = 128  # scrypt takes any length, but nobody types more; a cap bounds the work
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt")

TOO_SHORT = _l("A senha precisa ter ao menos %(n)s caracteres.", n=MIN_LENGTH)
TOO_LONG = _l("A senha pode ter no máximo %(n)s caracteres.", n=MAX_LENGTH)
TOO_COMMON = _l("Esta senha é comum demais e fácil de adivinhar: escolha outra.")
HAS_USERNAME = _l("A senha não pode conter o nome de usuário.")


@cache
def _dummy_hash(method: str) -> str:
    """A hash of a random secret nobody knows, made once per process and method. It uses the
    method User.set_password uses, so the dummy costs what a real check costs."""
    return generate_password_hash(secrets.token_hex(16), method=method)


def verify(password_hash: str, password: str) -> bool:
    """The one place login passwords are verified (tests count the calls)."""
    return check_password_hash(password_hash, password)


def find_user(username: str) -> User | None:
    return db.session.scalar(
        sa.select(User).where(sa.func.lower(User.username) == normalize_username(username))
    )


def normalize_username(username: str | None) -> str:
    return (username or "").strip().lower()


def authenticate(username: str, password: str) -> User | None:
    """The active user with this username and password, or None; the same work either way."""
    user = find_user(username)
    if user is None:
        verify(_dummy_hash(password_hash_method()), password)
        return None
    matches = verify(user.password_hash, password)
    # Checked after the hash, so an inactive account answers as slowly as an active one.
    # A system user (the Caixa de entrada's) has no usable password and is never active:
    # refused here too, whatever its row says.
    return user if matches and user.active and not user.is_system else None


def _fold(text: str) -> str:
    """Lower case without accents: "Señha" and "senha" are the same guess."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(_fold(line) for line in lines if line.strip() and not line.startswith("#"))


def password_problems(password: str, username: str = "") -> list[str]:
    """What is wrong with a new password, in the user's language; empty when it may be used."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(str(TOO_SHORT))
    if len(password) > MAX_LENGTH:
        problems.append(str(TOO_LONG))
    folded = _fold(password)
    if folded in common_passwords():
        problems.append(str(TOO_COMMON))
    name = _fold(username)
    # Very short usernames ("ab") would refuse half the dictionary for no gain.
    if len(name) >= 3 and name in folded:
        problems.append(str(HAS_USERNAME))
    return problems
