"""CPF and CNPJ: normalise, validate and format.

The CNPJ is alphanumeric since July 2026: twelve characters from 0-9 and A-Z followed by two
numeric check digits. Each character is worth its ASCII code minus 48 (so '0'..'9' keep their
value and 'A' is 17), and the check digits use the same modulo-11 weights as before. We keep
our own few lines because common libraries still accept repeated-digit CPFs like
111.111.111-11, which the Receita Federal never issues.
"""

import re

_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]")
_CPF = re.compile(r"^\d{11}$")
_CNPJ = re.compile(r"^[0-9A-Z]{12}\d{2}$")
_CNPJ_WEIGHTS = (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)


def normalize(document: str) -> str:
    """Drop punctuation and spaces, upper-case letters: the form we store and compare."""
    return _NOT_ALNUM.sub("", document or "").upper()


def _mod11_digit(total: int) -> int:
    rest = total % 11
    return 0 if rest < 2 else 11 - rest


def is_valid_cpf(document: str) -> bool:
    cpf = normalize(document)
    if not _CPF.match(cpf) or cpf == cpf[0] * 11:
        return False
    digits = [int(c) for c in cpf]
    for size in (9, 10):
        total = sum(d * w for d, w in zip(digits[:size], range(size + 1, 1, -1), strict=True))
        if _mod11_digit(total) != digits[size]:
            return False
    return True


def is_valid_cnpj(document: str) -> bool:
    cnpj = normalize(document)
    if not _CNPJ.match(cnpj) or cnpj == cnpj[0] * 14:
        return False
    values = [ord(c) - 48 for c in cnpj]
    for size in (12, 13):
        weights = _CNPJ_WEIGHTS[-size:]
        total = sum(v * w for v, w in zip(values[:size], weights, strict=True))
        if _mod11_digit(total) != values[size]:
            return False
    return True


def kind_of(document: str) -> str | None:
    """'PF' for a CPF-sized document, 'PJ' for a CNPJ-sized one, None otherwise."""
    size = len(normalize(document))
    return {11: "PF", 14: "PJ"}.get(size)


def is_valid(document: str) -> bool:
    kind = kind_of(document)
    if kind == "PF":
        return is_valid_cpf(document)
    if kind == "PJ":
        return is_valid_cnpj(document)
    return False


def format_cpf(document: str) -> str:
    d = normalize(document)
    return f"{d[:3]}.{d[3:6]}.{d[6:9]}-{d[9:]}"


def format_cnpj(document: str) -> str:
    d = normalize(document)
    return f"{d[:2]}.{d[2:5]}.{d[5:8]}/{d[8:12]}-{d[12:]}"


def format_document(document: str) -> str:
    kind = kind_of(document)
    if kind == "PF":
        return format_cpf(document)
    if kind == "PJ":
        return format_cnpj(document)
    return document


def cpf_check_digits(first_nine: str) -> str:
    """The two check digits of a CPF body: lets the demo make valid, varied CPFs."""
    digits = [int(c) for c in first_nine]
    for size in (9, 10):
        total = sum(d * w for d, w in zip(digits[:size], range(size + 1, 1, -1), strict=True))
        digits.append(_mod11_digit(total))
    return "".join(str(d) for d in digits[9:])


def cnpj_check_digits(first_twelve: str) -> str:
    values = [ord(c) - 48 for c in first_twelve.upper()]
    for size in (12, 13):
        weights = _CNPJ_WEIGHTS[-size:]
        values.append(_mod11_digit(sum(v * w for v, w in zip(values[:size], weights, strict=True))))
    return f"{values[12]}{values[13]}"
