"""Settings read from ISOCRM_* environment variables."""

import os
from pathlib import Path

ENV_PREFIX = "ISOCRM_"
DEFAULT_PASSWORD_HASH_METHOD = "scrypt"


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
        # Anexos (isocrm/attachment_store.py): each file at most this big; kept under the
        # instance folder (or ATTACHMENTS_FOLDER), or in an S3-compatible bucket when
        # ATTACHMENTS_S3_BUCKET is set (boto3 needed: pip install isocrm-sac[s3]).
        "ATTACHMENT_MAX_BYTES": int(_env("ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024))),
        "ATTACHMENTS_FOLDER": _env("ATTACHMENTS_FOLDER"),
        "ATTACHMENTS_S3_BUCKET": _env("ATTACHMENTS_S3_BUCKET"),
        "ATTACHMENTS_S3_PREFIX": _env("ATTACHMENTS_S3_PREFIX", "attachments/"),
        "ATTACHMENTS_S3_ENDPOINT_URL": _env("ATTACHMENTS_S3_ENDPOINT_URL"),
        "ATTACHMENTS_S3_REGION": _env("ATTACHMENTS_S3_REGION"),
        "ATTACHMENTS_S3_ACCESS_KEY_ID": _env("ATTACHMENTS_S3_ACCESS_KEY_ID"),
        "ATTACHMENTS_S3_SECRET_ACCESS_KEY": _env("ATTACHMENTS_S3_SECRET_ACCESS_KEY"),
        # What the files checked in Enviar e-mail may add up to (most mail servers refuse
        # messages past 25 MB).
        "MAIL_ATTACHMENTS_MAX_BYTES": int(
            _env("MAIL_ATTACHMENTS_MAX_BYTES", str(20 * 1024 * 1024))
        ),
        "OUTBOX_PAGE_SIZE": 20,
        # Links sent to customers (the satisfaction survey) start with this address, e.g.
        # https://sac.example.com.br; empty: the address the request came in on.
        "PUBLIC_BASE_URL": _env("PUBLIC_BASE_URL", ""),
        # A satisfaction survey link works this many days after the ticket is concluded.
        "SATISFACTION_SURVEY_DAYS": int(_env("SATISFACTION_SURVEY_DAYS", "30")),
        # The public survey page, per client address (Flask-Limiter's notation).
        "SATISFACTION_RATE_LIMIT": _env("SATISFACTION_RATE_LIMIT", "30 per 10 minutes"),
        # Caixa de entrada (`flask fetch-mail`): each Empresa's IMAP mailbox over TLS, its
        # certificate checked against the system's CAs, or only the CAs in IMAP_CA_FILE.
        "IMAP_CA_FILE": _env("IMAP_CA_FILE"),
        "IMAP_TIMEOUT": float(_env("IMAP_TIMEOUT", "30")),
        # A larger message is recorded as failed (with its size) and never downloaded.
        "IMAP_MAX_BYTES": int(_env("IMAP_MAX_BYTES", str(25 * 1024 * 1024))),
        # At most this many new messages per mailbox and run; the next run goes on.
        "IMAP_BATCH": int(_env("IMAP_BATCH", "200")),
        # Each PDF is laid out by WeasyPrint in this process (a CPU core and tens of MB for a
        # long ticket): at most this many at once per process;
        # a request that finds every slot busy waits PDF_SLOT_WAIT seconds, then gets a 503.
        "PDF_CONCURRENCY": max(int(_env("PDF_CONCURRENCY", "2")), 1),
        "PDF_SLOT_WAIT": float(_env("PDF_SLOT_WAIT", "5")),
        # Login brute-force limits (isocrm.auth.throttle): failed attempts only, per typed
        # username and per client address, in Flask-Limiter's notation ("5 per 15 minutes").
        # Several gunicorn workers or app servers must share a storage (redis://host:6379),
        # or each counts alone (4 workers in memory: 4 x the limit).
        "LOGIN_FAILURES_PER_USERNAME": _env("LOGIN_FAILURES_PER_USERNAME", "5 per 15 minutes"),
        "LOGIN_FAILURES_PER_IP": _env("LOGIN_FAILURES_PER_IP", "30 per 15 minutes"),
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE", "memory://"),
        # Always explicit: Flask-Limiter keeps the last app's value when a key is missing.
        "RATELIMIT_ENABLED": _env_bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_HEADERS_ENABLED": False,
        # Redis down: count in this process's memory meanwhile, rather than refuse all logins.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # A moving window: no burst of 2 x 5 guesses across a window boundary.
        "RATELIMIT_STRATEGY": "moving-window",
        # TOTP second factor: the issuer shown in the authenticator app, and how long the
        # password step stays valid while the code is asked for.
        "TOTP_ISSUER": _env("TOTP_ISSUER", "isoCRM SAC"),
        "TOTP_PENDING_SECONDS": int(_env("TOTP_PENDING_SECONDS", "300")),
        # werkzeug's method for new password hashes (User.set_password) and for the login's
        # dummy hash. Deliberately not read from the environment: only the test suite
        # lowers it (to "pbkdf2:sha256:1000"), a deployment keeps scrypt.
        "PASSWORD_HASH_METHOD": DEFAULT_PASSWORD_HASH_METHOD,
        # CEP and CNPJ lookups in the registration forms (isocrm/registry/lookups.py): a
        # provider answering BrasilAPI-style JSON, e.g. https://brasilapi.com.br/api/cep/v1/{cep}
        # and https://brasilapi.com.br/api/cnpj/v1/{cnpj}. Empty: the forms offer no lookup.
        "CEP_LOOKUP_URL": _env("CEP_LOOKUP_URL", ""),
        "CNPJ_LOOKUP_URL": _env("CNPJ_LOOKUP_URL", ""),
        # An attendant is typing: a provider slower than this is not waited for.
        "LOOKUP_TIMEOUT": float(_env("LOOKUP_TIMEOUT", "2")),
        "LOOKUP_CACHE_SECONDS": float(_env("LOOKUP_CACHE_SECONDS", "86400")),
        "LOOKUP_NOT_FOUND_CACHE_SECONDS": float(_env("LOOKUP_NOT_FOUND_CACHE_SECONDS", "600")),
        # After a failure (timeout, connection refused, 5xx) the provider is not asked again
        # for this long: the attendant fills by hand meanwhile, without waiting each time.
        "LOOKUP_RETRY_SECONDS": float(_env("LOOKUP_RETRY_SECONDS", "30")),
    }
    secret = _env("SECRET_KEY")
    if secret:
        config["SECRET_KEY"] = secret
    return config
