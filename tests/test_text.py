import re
import unicodedata

from isocrm import text


def test_fold_drops_accents_case_and_punctuation():
    assert text.fold("José  d'Ávila-Neto") == "jose d avila neto"
    assert text.fold("CONCEIÇÃO") == "conceicao"
    assert text.fold(None) == ""


def test_prefix_upper_bound_closes_the_range():
    assert text.prefix_upper_bound("mar") == "mas"
    assert text.prefix_upper_bound("mar") > "maria"
    assert text.prefix_upper_bound("mar") <= "mas"


def _fold_by_normalizing(value: str) -> str:
    """fold as it was first written: the whole text normalized at once."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", stripped.lower()).strip()


def test_fold_character_by_character_equals_normalizing_the_whole_text():
    # Every character of the Basic Multilingual Plane, alone and between letters and
    # combining marks: stored word index rows were folded the old way and must still match.
    for start in range(0, 0x10000, 512):
        chunk = "".join(chr(c) for c in range(start, start + 512) if not 0xD800 <= c < 0xE000)
        for value in (chunk, "a" + chunk + "\u0301b", "Ç\u0327" + chunk[::-1]):
            assert text.fold(value) == _fold_by_normalizing(value)
    assert text.fold("ﬁm DA Ação İstanbul") == "fim da acao istanbul"
