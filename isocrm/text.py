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


# Word-pair keys share the word index with single words. They start with a character that
# sorts after every [a-z0-9] word, so a single-word prefix range never reaches them.
PAIR_MARK = "~"


def pair_key(first: str, second: str) -> str:
    """The index key of two words of one name, `first` before `second` in the name."""
    return f"{PAIR_MARK}{first} {second}"[:MAX_WORD]


def index_keys(*texts: str | None) -> set[str]:
    """Every word of each text, and every ordered pair of its distinct words. The pairs let
    two common words that are rare together ("maria aparecida") be found with one B-tree
    range instead of intersecting two ranges of tens of thousands of rows."""
    keys: set[str] = set()
    for value in texts:
        distinct = list(dict.fromkeys(words(value)))
        keys.update(distinct)
        for i, first in enumerate(distinct):
            for second in distinct[i + 1 :]:
                keys.add(pair_key(first, second))
    return keys
