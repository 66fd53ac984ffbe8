"""Settings read from ISOCRM_* environment variables."""

import os
from pathlib import Path

ENV_PREFIX = "ISOCRM_"


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(ENV_PREFIX + name)
    return value if value not in (None, "") else default


def _env_bool(name: str, default: bool = False) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "sim"}


def from_environment(instance_path: str) -> dict:
    """The configuration an operator sets with environment variables."""
    database_url = _env("DATABASE_URL") or "sqlite:///" + str(
        Path(instance_path) / "isocrm.sqlite3"
    )
    config = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _env_bool("SECURE_COOKIES"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _env_bool("SECURE_COOKIES"),
        "WTF_CSRF_TIME_LIMIT": None,  # an attendant keeps a ticket open all afternoon
        # Server-side sessions (isocrm/auth/sessions.py): ended after this long without a
        # request, and this long after login whatever happens.
        "SESSION_IDLE_MINUTES": int(_env("SESSION_IDLE_MINUTES", "30")),
        "SESSION_MAX_HOURS": int(_env("SESSION_MAX_HOURS", "12")),
        # Reverse proxies in front of the app; 0: X-Forwarded-* are the client's word, ignored.
        "PROXY_COUNT": int(_env("PROXY_COUNT", "0")),
        "TIMEZONE": _env("TIMEZONE", "America/Sao_Paulo"),
        "SEARCH_PAGE_SIZE": 20,
        # No screen posts more than a few hundred kB; anything bigger is refused (413).
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        # Real e-mail (seed §4). Without a host, messages wait in the Caixa de saída.
        "SMTP_HOST": _env("SMTP_HOST"),
        "SMTP_PORT": int(_env("SMTP_PORT", "25")),
        "SMTP_USERNAME": _env("SMTP_USERNAME"),
        "SMTP_PASSWORD": _env("SMTP_PASSWORD"),
        "SMTP_STARTTLS": _env_bool("SMTP_STARTTLS"),
        "SMTP_SSL": _env_bool("SMTP_SSL"),
        "SMTP_TIMEOUT": float(_env("SMTP_TIMEOUT", "10")),
        "MAIL_FROM": _env("MAIL_FROM", "sac@localhost"),
        "OUTBOX_PAGE_SIZE": 20,
    }
    secret = _env("SECRET_KEY")
    if secret:
        config["SECRET_KEY"] = secret
    return config
