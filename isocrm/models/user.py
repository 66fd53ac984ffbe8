"""Users of the desk: attendants, supervisors and administrators."""

from datetime import datetime

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from isocrm.config import DEFAULT_PASSWORD_HASH_METHOD
from isocrm.models.base import Base, UTCDateTime, utcnow
from isocrm.models.company import Company

ROLE_ATTENDANT = "atendente"
ROLE_SUPERVISOR = "supervisor"
ROLE_ADMIN = "admin"
USER_ROLES = (ROLE_ATTENDANT, ROLE_SUPERVISOR, ROLE_ADMIN)
USER_ROLE_LABELS = {  # stored role: its label on screens, in the user's language
    ROLE_ATTENDANT: _l("Atendente"),
    ROLE_SUPERVISOR: _l("Supervisor"),
    ROLE_ADMIN: _l("Administrador"),
}


def password_hash_method() -> str:
    """The app's PASSWORD_HASH_METHOD; scrypt outside an app (a script) as in production."""
    if has_app_context():
        return current_app.config.get("PASSWORD_HASH_METHOD", DEFAULT_PASSWORD_HASH_METHOD)
    return DEFAULT_PASSWORD_HASH_METHOD


user_companies = sa.Table(
    "user_companies",
    Base.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "company_id",
        sa.ForeignKey("companies.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str | None] = mapped_column(sa.String(200))
    # werkzeug's scrypt hash: salted, memory-hard, no extra dependency. The method is named
    # in the hash itself, so hashes made under another PASSWORD_HASH_METHOD still verify.
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(12), default=ROLE_ATTENDANT)
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Optional second factor (RFC 6238, see isocrm.auth.totp): the base32 secret once the
    # user confirmed a code from the app, whether an admin requires it, and the last time
    # step accepted, so a code seen over someone's shoulder cannot be used a second time.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_required: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    # A temporary password given by an administrator (Usuários › Redefinir senha): after
    # logging in with it the user can do nothing but choose a new one (isocrm.auth.views).
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # The interface's language (isocrm.i18n.LANGUAGES), chosen in Preferências.
    language: Mapped[str] = mapped_column(
        sa.String(8), default="pt_BR", server_default="pt_BR", nullable=False
    )

    # A user that stands for something other than a person (the Empresa's Caixa de entrada:
    # the drafts and details `flask fetch-mail` writes are in its name, never in a person's).
    # It has no usable password, is never active and belongs to no Empresa's user list, so it
    # cannot log in and is offered nowhere as a Responsável or a member of an equipe.
    is_system: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    companies: Mapped[list[Company]] = relationship(
        secondary=user_companies, order_by=Company.name, lazy="selectin"
    )

    __table_args__ = (
        sa.CheckConstraint("role IN ('atendente', 'supervisor', 'admin')", name="role_known"),
        sa.CheckConstraint("language IN ('pt_BR', 'en')", name="language_known"),
    )

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=password_hash_method())

    def check_password(self, password: str) -> bool:
        return not self.is_system and check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active and not self.is_system

    @property
    def is_supervisor(self) -> bool:
        return self.role in (ROLE_SUPERVISOR, ROLE_ADMIN)

    @property
    def role_label(self) -> str:
        return str(USER_ROLE_LABELS[self.role])

    def __repr__(self) -> str:
        return f"<User {self.username}>"


# The Caixa de entrada's user of an Empresa: "#" is refused in a person's username (the admin's
# form and the login normalise to [a-z0-9._-]), so it can never be taken by one.
# Its name is data, as a person's is: the same in every language of the interface.
MAILBOX_USER_NAME = "Caixa de entrada (e-mail)"
UNUSABLE_PASSWORD_HASH = "!"  # not a werkzeug hash: no password ever verifies against it


def mailbox_username(company_id: int) -> str:
    return f"#caixa-de-entrada-{company_id}"
