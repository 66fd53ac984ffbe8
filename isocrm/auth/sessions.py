"""Server-side sessions: the signed cookie only names a session, the `user_sessions` table
says whether it still lives.

At login the cookie session is made anew (auth.login) and gets a random token; the table
keeps only its SHA-256, with who, when, from where. Every request loads the user together
with that row in one indexed query, and refuses the cookie when the row has ended (logout,
a password change, a deactivation), has been idle too long (ISOCRM_SESSION_IDLE_MINUTES)
or is too old (ISOCRM_SESSION_MAX_HOURS). A refused cookie is emptied as logout empties it,
before the CSRF check runs, so what follows is exactly what follows a logout: the login
page, htmx's 401, and on the ticket screen the recovery of what was typed
(isocrm/tickets/recovery.py) — a copy of the cookie taken before logout opens nothing.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app, flash, g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import Session, joinedload

from isocrm import catalogs, logs
from isocrm.auth import signals
from isocrm.extensions import db, login_manager
from isocrm.fields import strip_control_characters
from isocrm.models import User, UserSession, utcnow
from isocrm.models.session import (
    ENDED_BY_AGE,
    ENDED_BY_DEACTIVATION,
    ENDED_BY_IDLE,
    ENDED_BY_LOGOUT,
    ENDED_BY_PASSWORD,
    ENDED_BY_TOTP,
)
from isocrm.security import CARRIED_OVER_LOGIN

SESSION_KEY = "sid"
# last_seen_at is written at most this often: the idle timeout needs no finer clock, and a
# page must not cost a write.
TOUCH_EVERY = timedelta(minutes=1)
# Rows (with their IP and browser) are forgotten this long after their last request.
KEPT_FOR = timedelta(days=90)
READING_METHODS = ("GET", "HEAD", "OPTIONS")

# Why the login page is back (the recovery of a ticket screen may add what follows).
_FLASHED = {
    ENDED_BY_IDLE: _l("Sua sessão expirou por inatividade."),
    ENDED_BY_AGE: _l("Sua sessão chegou ao limite de %(hours)s horas."),
    ENDED_BY_PASSWORD: _l("Sua senha foi alterada: entre com a senha nova."),
    ENDED_BY_TOTP: _l("A verificação em duas etapas foi ativada: entre de novo, com o código."),
}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def begin(user: User) -> None:
    """At login, once the cookie session is fresh: a new session row and its token."""
    username, now = user.username, utcnow()
    token = secrets.token_urlsafe(32)
    db.session.execute(sa.delete(UserSession).where(UserSession.last_seen_at < now - KEPT_FOR))
    db.session.add(
        UserSession(
            token_hash=_hash(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            ip=request.remote_addr,
            user_agent=strip_control_characters(request.user_agent.string)[:255] or None,
        )
    )
    db.session.commit()
    session[SESSION_KEY] = token
    logs.event("login_succeeded", user=username)


def end() -> None:
    """At logout, before the cookie session is emptied: every copy of the cookie is refused."""
    username = current_user.username if current_user.is_authenticated else None
    token = session.get(SESSION_KEY)
    if isinstance(token, str):
        db.session.execute(
            sa.update(UserSession)
            .where(UserSession.token_hash == _hash(token), UserSession.ended_at.is_(None))
            .values(ended_at=utcnow(), end_reason=ENDED_BY_LOGOUT)
        )
        db.session.commit()
    logs.event("logout", user=username)


def login_failed(username: str | None) -> None:
    """A refused login: the username as typed, never the password."""
    logs.event("login_failed", user=username or "")


def end_every_session(user: User, reason: str) -> int:
    """End all the open sessions of a user at once (and commit): how many there were."""
    ended = _end_all(db.session.connection(), user, reason)
    db.session.commit()
    return ended


# --- every request ----------------------------------------------------------------------------


# One statement for the user, the session row, the user's Empresas and the catalogue version
# (isocrm.catalogs), which so costs no query of its own. Built once: every request runs it.
_SESSION_USER = (
    sa.select(User, UserSession, catalogs.version_column)
    .join(UserSession, UserSession.user_id == User.id)
    .where(UserSession.token_hash == sa.bindparam("token_hash"), User.id == sa.bindparam("user_id"))
    .options(joinedload(User.companies))
)


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    """The user of a live session named by this cookie, or None (and the cookie is emptied)."""
    if g.get("session_refused"):
        return None
    token = session.get(SESSION_KEY)
    found = None
    if isinstance(token, str) and user_id.isdigit():
        found = (
            db.session.execute(_SESSION_USER, {"token_hash": _hash(token), "user_id": int(user_id)})
            .unique()
            .first()
        )
    if found is None:
        _refuse(None, None, "unknown")
        return None
    user, row, catalog_version = found
    catalogs.remember_version(catalog_version)
    now = utcnow()
    reason = _why_over(user, row, now)
    if reason:
        _refuse(user, row, reason, now)
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        _touch(row, now)
    return user


def _why_over(user: User, row: UserSession, now: datetime) -> str | None:
    if row.ended_at is not None:
        return row.end_reason or ENDED_BY_LOGOUT
    if not user.active:
        return ENDED_BY_DEACTIVATION
    config = current_app.config
    if now - row.created_at >= timedelta(hours=config["SESSION_MAX_HOURS"]):
        return ENDED_BY_AGE
    if now - row.last_seen_at >= timedelta(minutes=config["SESSION_IDLE_MINUTES"]):
        return ENDED_BY_IDLE
    return None


def _refuse(user: User | None, row: UserSession | None, reason: str, now=None) -> None:
    """Empty the cookie session as logout does; end the row if it was still open."""
    g.session_refused = reason
    if row is not None and row.ended_at is None:
        _write_now(
            sa.update(UserSession)
            .where(UserSession.id == row.id, UserSession.ended_at.is_(None))
            .values(ended_at=now, end_reason=reason)
        )
        logs.event("session_ended", user=user.username, reason=reason)
    else:
        # A copy of a cookie whose session had ended, or one from before this table.
        logs.event("session_refused", user=user.username if user else None, reason=reason)
    carried = {key: session[key] for key in CARRIED_OVER_LOGIN if key in session}
    session.clear()
    session.update(carried)
    if reason in _FLASHED:
        hours = current_app.config["SESSION_MAX_HOURS"]
        flash(str(_FLASHED[reason]) % {"hours": hours}, "warning")


def _touch(row: UserSession, now: datetime) -> None:
    if request.method in READING_METHODS:
        _write_now(sa.update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now))
    else:
        row.last_seen_at = now  # saved with what the request saves


def _write_now(statement) -> None:
    """Commit one small write at once. A request that changes data already holds SQLite's
    write lock in its own transaction (isocrm/database.py); a reading one writes on a
    connection of its own, since upgrading its read transaction could fail with "database is
    locked" and committing it would expire what the page has loaded."""
    if request.method in READING_METHODS:
        with db.engine.begin() as connection:
            connection.execute(statement)
    else:
        db.session.execute(statement)
        db.session.commit()


def _check_session() -> None:
    """before_request, ahead of the CSRF check: a refused session is emptied before a form
    is judged, so a form posted with it fails as one posted after logout does."""
    if request.endpoint != "static" and "_user_id" in session:
        current_user._get_current_object()  # loads the user through _load_user


# --- password changes and deactivations -------------------------------------------------------


def _end_all(connection, user: User, reason: str) -> int:
    result = connection.execute(
        sa.update(UserSession.__table__)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )
    if result.rowcount:
        logs.event("sessions_revoked", target=user.username, reason=reason, count=result.rowcount)
    return result.rowcount


@sa.event.listens_for(Session, "before_flush")
def _end_sessions_on_account_change(orm_session, _flush_context, _instances) -> None:
    """However a password or `active` changes (a screen, the CLI, a script), the user's
    sessions end in the same transaction."""
    for user in [obj for obj in orm_session.dirty if isinstance(obj, User)]:
        attrs = sa.inspect(user).attrs
        if attrs.password_hash.history.added:
            _end_all(orm_session.connection(), user, ENDED_BY_PASSWORD)
        elif attrs.active.history.added and not user.active:
            _end_all(orm_session.connection(), user, ENDED_BY_DEACTIVATION)


def _user_of(sender, extra: dict) -> User | None:
    user = extra.get("user", sender)
    return user if isinstance(user, User) else None


@signals.password_changed.connect
def _on_password_changed(sender, **extra) -> None:
    user = _user_of(sender, extra)
    if user is not None:
        end_every_session(user, ENDED_BY_PASSWORD)


@signals.user_deactivated.connect
def _on_user_deactivated(sender, **extra) -> None:
    user = _user_of(sender, extra)
    if user is not None:
        end_every_session(user, ENDED_BY_DEACTIVATION)


def init_app(app: Flask) -> None:
    """Call before csrf.init_app: the session check must run before the CSRF check."""
    login_manager.session_protection = None  # no binding to client-set headers (X-Forwarded-For)
    app.before_request(_check_session)
