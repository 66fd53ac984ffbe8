import pytest

from isocrm import brdocs


@pytest.mark.parametrize(
    "cpf", ["529.982.247-25", "111.444.777-35", "935.411.347-80", "52998224725"]
)
def test_valid_cpf(cpf):
    assert brdocs.is_valid_cpf(cpf)
    assert brdocs.is_valid(cpf)


@pytest.mark.parametrize(
    "cpf",
    [
        "529.982.247-24",  # wrong check digit
        "111.111.111-11",  # repeated digits pass the arithmetic but are never issued
        "000.000.000-00",
        "529.982.247-2",  # too short
        "529.982.247-255",  # too long
        "52A.982.247-25",  # letters are not part of a CPF
        "",
    ],
)
def test_invalid_cpf(cpf):
    assert not brdocs.is_valid_cpf(cpf)


@pytest.mark.parametrize(
    "cnpj",
    [
        "11.222.333/0001-81",
        "12.ABC.345/01DE-35",  # alphanumeric, in force since July 2026
        "A8.7HB.ZHB/0001-61",
        "12abc34501de35",  # typed in lower case, without punctuation
    ],
)
def test_valid_cnpj(cnpj):
    assert brdocs.is_valid_cnpj(cnpj)
    assert brdocs.is_valid(cnpj)


@pytest.mark.parametrize(
    "cnpj",
    [
        "11.222.333/0001-80",
        "12.ABC.345/01DE-36",
        "12.ABC.345/01DE-3A",  # check digits are always numeric
        "11.111.111/1111-11",
        "00.000.000/0000-00",
        "11.222.333/0001-8",
    ],
)
def test_invalid_cnpj(cnpj):
    assert not brdocs.is_valid_cnpj(cnpj)


def test_a_cpf_is_not_a_cnpj():
    assert not brdocs.is_valid_cnpj("529.982.247-25")
    assert not brdocs.is_valid_cpf("11.222.333/0001-81")


def test_normalize_and_format_round_trip():
    assert brdocs.normalize(" 529.982.247-25 ") == "52998224725"
    assert brdocs.normalize("12.abc.345/01de-35") == "12ABC34501DE35"
    assert brdocs.format_document("52998224725") == "529.982.247-25"
    assert brdocs.format_document("12ABC34501DE35") == "12.ABC.345/01DE-35"
    assert brdocs.kind_of("11222333000181") == "PJ"
    assert brdocs.kind_of("123") is None


def test_check_digit_generators_agree_with_validation():
    assert brdocs.cpf_check_digits("529982247") == "25"
    assert brdocs.cnpj_check_digits("12ABC34501DE") == "35"
    assert brdocs.cnpj_check_digits("112223330001") == "81"
