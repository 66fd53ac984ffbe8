"""Security events, one JSON line each on standard error: what happened, who, from which
address, when (UTC).

    {"time": "2026-11-29T03:00:00.123Z", "event": "login_failed", "user": "maria", "ip": "10.0.0.7"}

Logins, logouts, sessions that ended, refusals (403, 429) and admin commands are logged here
(logger `isocrm.events`, level INFO). No line carries a password, a token or a session id;
CPF and CNPJ are masked down to their last two digits wherever they appear; and since every
value is JSON-encoded (control characters and non-ASCII escaped), nothing a user types can
start a line of its own.
"""

import getpass
import json
import logging
import re
import sys
from datetime import UTC, datetime

from flask import has_request_context, request
from flask_login import current_user

from isocrm import brdocs

logger = logging.getLogger("isocrm.events")

# Field names that must never reach a line, whatever a caller passes.
SECRET_FIELDS = frozenset({"password", "token", "sid", "session", "session_id", "csrf_token"})
MAX_VALUE_LENGTH = 200

# A CPF (11 digits) or a CNPJ (14 characters, alphanumeric since July 2026), with or without
# punctuation, standing on its own.
_DOCUMENT = re.compile(
    r"(?<![0-9A-Za-z])"
    r"(?:\d{3}\.?\d{3}\.?\d{3}-?\d{2}"
    r"|[0-9A-Za-z]{2}\.?[0-9A-Za-z]{3}\.?[0-9A-Za-z]{3}/?[0-9A-Za-z]{4}-?\d{2})"
    r"(?![0-9A-Za-z])"
)


class _CurrentStderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is when the line is written (gunicorn, the demo server,
    a test capturing it), not to the one there was at import."""

    def __init__(self):
        super().__init__()

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def _configure() -> None:
    if not logger.handlers:
        handler = _CurrentStderr()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    # Its own line, once: not again through the root logger or Flask's handler on "isocrm".
    logger.propagate = False


_configure()


def mask_documents(text: str) -> str:
    """Every CPF/CNPJ in the text down to its last two digits: 529.982.247-25 → ***.***.***-25.
    Any 11- or 14-digit number counts (a mistyped CPF is still someone's); a 14-character
    code with letters only when it is a valid alphanumeric CNPJ (not a username like
    "supervisor1234")."""

    def hide(match: re.Match) -> str:
        found = match.group(0)
        plain = brdocs.normalize(found)
        if not (plain.isdigit() or brdocs.is_valid_cnpj(plain)):
            return found
        hidden = set([i for i, c in enumerate(found) if c.isalnum()][:-2])
        return "".join("*" if i in hidden else c for i, c in enumerate(found))

    return _DOCUMENT.sub(hide, text)


def _clean(value):
    if isinstance(value, str):
        if len(value) > MAX_VALUE_LENGTH:
            value = value[:MAX_VALUE_LENGTH] + "…"
        return mask_documents(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [_clean(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float):
        return value
    return _clean(str(value))


def _current_username() -> str | None:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.username
    return None


_UNSET = object()


def event(name: str, *, user=_UNSET, level: int = logging.INFO, **fields) -> None:
    """Log one event. `user` defaults to the logged-in user of the request (None outside one);
    the IP is the request's peer (see ISOCRM_PROXY_COUNT)."""
    line = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "event": name,
        "user": _current_username() if user is _UNSET else user,
        "ip": request.remote_addr if has_request_context() else None,
    }
    for key, value in fields.items():
        line[key] = "***" if key.lower() in SECRET_FIELDS else value
    logger.log(level, json.dumps(_clean(line), ensure_ascii=True, separators=(", ", ": ")))


def cli_event(name: str, **fields) -> None:
    """An admin action from the command line: the operator is the OS account that ran it."""
    try:
        operator = getpass.getuser()
    except (OSError, KeyError):  # a container's uid with no passwd entry
        operator = "?"
    event(name, user=f"cli:{operator}", **fields)
