"""Brazilian phone numbers as people write them: (11) 98765-4321, +55 11 98765-4321,
(11) 3333-4444, 4004-0001 (national numbers without DDD), 0800 123 4567 (free numbers).

Stored as digits without the country code; shown back the way they are written."""

import re

# The DDDs in use (Anatel); 00, 10, 20, 23, 25, 26, 29, 30, 36, 39, 40, 50, 52, 56–60, 70,
# 72, 76, 78, 80 and 90 do not exist.
# fmt: off
DDDS = frozenset({
    "11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "22", "24", "27", "28",
    "31", "32", "33", "34", "35", "37", "38", "41", "42", "43", "44", "45", "46", "47",
    "48", "49", "51", "53", "54", "55", "61", "62", "63", "64", "65", "66", "67", "68",
    "69", "71", "73", "74", "75", "77", "79", "81", "82", "83", "84", "85", "86", "87",
    "88", "89", "91", "92", "93", "94", "95", "96", "97", "98", "99",
})
# fmt: on
FREE_PREFIXES = ("0800", "0300", "0500", "0900")
NATIONAL_PREFIXES = ("300", "400")  # 3003-xxxx, 4004-xxxx: one number for every capital
_ALLOWED = re.compile(r"^\+?[\d\s().\-]+$")


def normalize(text: str | None) -> str | None:
    """The digits to store, or None when this is not a Brazilian phone number."""
    text = (text or "").strip()
    if not text or not _ALLOWED.match(text):
        return None
    digits = re.sub(r"\D", "", text)
    if text.startswith("+"):
        if not digits.startswith("55"):
            return None  # a foreign number: not a phone the desk can call
        digits = digits[2:]
    elif len(digits) in (12, 13) and digits.startswith("55") and digits[2:4] in DDDS:
        digits = digits[2:]
    if len(digits) == 11 and digits.startswith(FREE_PREFIXES):
        return digits
    if len(digits) == 8 and digits.startswith(NATIONAL_PREFIXES):
        return digits
    if len(digits) not in (10, 11) or digits[:2] not in DDDS:
        return None
    if len(digits) == 11 and digits[2] != "9":
        return None  # an 11-digit number is a mobile: 9 after the DDD
    if len(digits) == 10 and digits[2] not in "2345":
        return None  # landlines start with 2 to 5 (mobiles have the extra 9)
    return digits


def display(digits: str | None) -> str:
    """Stored digits as they are written."""
    digits = digits or ""
    if len(digits) == 11 and digits.startswith(FREE_PREFIXES):
        return f"{digits[:4]} {digits[4:7]} {digits[7:]}"
    if len(digits) == 8:
        return f"{digits[:4]}-{digits[4:]}"
    if len(digits) == 11:
        return f"({digits[:2]}) {digits[2:7]}-{digits[7:]}"
    if len(digits) == 10:
        return f"({digits[:2]}) {digits[2:6]}-{digits[6:]}"
    return digits


def is_mobile(digits: str | None) -> bool:
    return bool(digits) and len(digits) == 11 and digits[:2] in DDDS and digits[2] == "9"
