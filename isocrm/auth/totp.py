"""Optional second factor: time-based one-time codes (RFC 6238, pyotp), 6 digits every 30 s.


A code is accepted in its own 30 s window and the one before or after (clocks of phones
drift), and only once: the last accepted time step is stored on the user and claimed with a
single conditional UPDATE, so even two app servers racing on the same code accept it once.
"""

import hmac
import time

import pyotp
import sqlalchemy as sa
from flask import current_app, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from isocrm.extensions import db
from isocrm.models import User

STEP_SECONDS = 30
DIGITS = 6
CODE_INVALID = _l("Código inválido ou expirado: digite o código que o aplicativo mostra agora.")
CODE_USED = _l("Este código já foi usado. Espere o próximo código no aplicativo.")
# What a user who must enroll may still reach: the enrollment itself and the way out.
ENROLLMENT_ENDPOINTS = {"auth.enroll_totp", "auth.logout", "auth.login", "static"}


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(
        name=username, issuer_name=current_app.config["TOTP_ISSUER"]
    )


def matching_step(secret: str, code: str | None, now: float | None = None) -> int | None:
    """The time step whose code this is (now, one before or one after), or None."""
    code = (code or "").replace(" ", "").strip()
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = int(time.time() if now is None else now) // STEP_SECONDS
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def needs_code(user: User) -> bool:
    return bool(user.totp_secret)


def must_enroll(user) -> bool:
    return bool(user.totp_required and not user.totp_secret)


def use_code(user: User, code: str | None) -> str | None:
    """Accept the user's code once: None when accepted (and committed), else the message."""
    step = matching_step(user.totp_secret, code)
    if step is None:
        return str(CODE_INVALID)
    claimed = db.session.execute(
        sa.update(User)
        .where(
            User.id == user.id,
            sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return None if claimed == 1 else str(CODE_USED)


def enroll(user: User, secret: str, code: str | None) -> str | None:
    """Turn the second factor on once the app shows a right code; None when done."""
    step = matching_step(secret, code)
    if step is None:
        return str(CODE_INVALID)
    user.totp_secret = secret
    user.totp_last_step = step  # the confirming code is spent too
    db.session.commit()
    return None


def require_enrollment():
    """before_request: a user required to have the second factor and not yet enrolled can
    do nothing but enroll (or leave)."""
    if not current_user.is_authenticated or not must_enroll(current_user):
        return None
    if request.endpoint in ENROLLMENT_ENDPOINTS:
        return None
    target = url_for("auth.enroll_totp")
    if request.headers.get("HX-Request") == "true":
        return "", 403, {"HX-Redirect": target}
    return redirect(target)
