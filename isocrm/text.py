"""Folding text for search: lower case, no accents, words of letters and digits."""

import re
import unicodedata

_NOT_WORD = re.compile(r"[^a-z0-9]+")
MAX_WORD = 60


def fold(text: str | None) -> str:
    """'José  d'Ávila-Neto' -> 'jose d avila neto'."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", stripped.lower()).strip()


def words(text: str | None) -> list[str]:
    return [w[:MAX_WORD] for w in fold(text).split()]


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string after every string that starts with `prefix` (for [a-z0-9A-Z])."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
