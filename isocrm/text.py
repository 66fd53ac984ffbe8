"""Folding text for search: lower case, no accents, words of letters and digits."""

import re
import unicodedata

_NOT_WORD = re.compile(r"[^a-z0-9]+")
MAX_WORD = 60


class _Unaccented(dict):
    """str.translate table: a character -> its compatibility decomposition without the
    combining marks ('Á' -> 'A', 'ﬁ' -> 'fi'), computed once per character. NFKD works
    character by character (its reordering only moves combining marks, all dropped), so
    translating each character is the same as normalizing the whole text, in C."""

    LIMIT = 20_000  # characters remembered; a text of rarer ones is still folded right

    def __missing__(self, code: int) -> str:
        decomposed = unicodedata.normalize("NFKD", chr(code))
        plain = "".join(c for c in decomposed if not unicodedata.combining(c))
        if len(self) < self.LIMIT:
            self[code] = plain
        return plain


_UNACCENTED = _Unaccented()


def fold(text: str | None) -> str:
    """'José  d'Ávila-Neto' -> 'jose d avila neto'."""
    if not text:
        return ""
    return _NOT_WORD.sub(" ", text.translate(_UNACCENTED).lower()).strip()


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


def digits_only(value: str | None) -> str:
    """The ASCII digits of a typed number (CPF/CNPJ, CEP, phone), nothing else."""
    return re.sub(r"[^0-9]", "", value or "")
