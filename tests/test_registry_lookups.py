"""CEP and CNPJ lookups of the registration forms, against a real HTTP server on 127.0.0.1
that answers as the provider does: found, 404, too slow, malformed, down."""

import json
import socket
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import escape

from isocrm.fields import UFS
from isocrm.registry import lookups
from tests.lookup_server import ACME, CNPJ, SE, serving_lookups

HX = {"HX-Request": "true"}
UNAVAILABLE = "Consulta indisponível; preencha à mão."


@pytest.fixture
def provider(app):
    # A timeout no healthy answer comes near, even on a busy CI machine (a malformed answer
    # read past it counted as "provider down" there and failed a test); the tests of slow
    # providers set a short one themselves.
    with serving_lookups(app, LOOKUP_TIMEOUT=3) as server:
        yield server


SHORT_TIMEOUT = 0.5  # for the tests of a provider slower than the timeout


def _cep(client, typed, field="cadastro-zip_code"):
    response = client.get(
        "/entidades/consulta/cep", query_string={"campo": field, field: typed}, headers=HX
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _cnpj(client, typed, field="document", **params):
    query = {"campo": field, field: typed, **params}
    response = client.get("/entidades/consulta/cnpj", query_string=query, headers=HX)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_cep_found_offers_its_address_and_is_cached(logged_in, provider):
    provider.answer("/cep/01001000", SE)
    body = _cep(logged_in, "01001-000")
    assert 'data-lookup-result="cep"' in body
    assert 'data-fill-street="Praça da Sé"' in body
    assert 'data-fill-district="Sé"' in body
    assert 'data-fill-city="São Paulo"' in body
    assert 'data-fill-state="SP"' in body
    assert "CEP 01001-000: Praça da Sé · Sé · São Paulo/SP." in body
    # Typed without the hyphen, in another address group: the same answer, from the cache.
    assert 'data-fill-street="Praça da Sé"' in _cep(logged_in, "01001000", "novo-endereco-zip_code")
    assert provider.hits["/cep/01001000"] == 1


def test_a_cep_not_found_says_so_and_is_cached_for_a_shorter_time(logged_in, provider, app):
    assert "CEP não encontrado na consulta" in _cep(logged_in, "99999-999")
    assert "CEP não encontrado na consulta" in _cep(logged_in, "99999999")
    assert provider.hits["/cep/99999999"] == 1
    # A "not found" is kept for LOOKUP_NOT_FOUND_CACHE_SECONDS only (here: not at all).
    app.config["LOOKUP_NOT_FOUND_CACHE_SECONDS"] = 0
    provider.answer("/cep/88888888", {**SE, "cep": "88888888"}, status=404)
    _cep(logged_in, "88888-888")
    _cep(logged_in, "88888-888")
    assert provider.hits["/cep/88888888"] == 2


def test_a_provider_slower_than_the_timeout_leaves_the_form_to_be_filled_by_hand(
    logged_in, provider, app
):
    app.config["LOOKUP_TIMEOUT"] = SHORT_TIMEOUT
    # The provider would answer after 10 s; the request gives up after LOOKUP_TIMEOUT (0.5 s).
    # The bound is loose on purpose: a busy CI machine may add a second, never eight.
    provider.answer("/cep/01001000", SE, delay=10)
    started = time.monotonic()
    body = _cep(logged_in, "01001-000")
    assert UNAVAILABLE in body
    assert time.monotonic() - started < 5, "the request waited for the provider"
    # Meanwhile the provider is left alone (LOOKUP_RETRY_SECONDS): not even asked.
    provider.answer("/cep/20040020", {**SE, "cep": "20040020"})
    assert UNAVAILABLE in _cep(logged_in, "20040-020")
    assert provider.hits["/cep/20040020"] == 0


def test_an_answer_trickling_past_the_timeout_is_not_waited_for(logged_in, provider, app):
    app.config["LOOKUP_TIMEOUT"] = SHORT_TIMEOUT
    # Each byte comes within the socket timeout, the whole answer only after ~14 s.
    provider.answer("/cep/01001000", SE, trickle=0.1)
    assert len(json.dumps(SE).encode()) * 0.1 > 10
    started = time.monotonic()
    assert UNAVAILABLE in _cep(logged_in, "01001-000")
    # Loose bound (LOOKUP_TIMEOUT is 0.5 s): a busy CI machine may add a second, never ten.
    assert time.monotonic() - started < 5, "the request waited for the trickling answer"


def test_after_the_retry_time_the_provider_is_asked_again(logged_in, provider, app):
    # Long enough that the second lookup surely comes within it, even on a busy machine.
    app.config["LOOKUP_RETRY_SECONDS"] = 2
    provider.answer("/cep/01001000", b"", status=503)
    assert UNAVAILABLE in _cep(logged_in, "01001-000")
    provider.answer("/cep/01001000", SE)
    assert UNAVAILABLE in _cep(logged_in, "01001-000")  # still within the retry time
    time.sleep(2.1)
    assert 'data-fill-city="São Paulo"' in _cep(logged_in, "01001-000")
    assert provider.hits["/cep/01001000"] == 2


def test_an_unreachable_provider_is_no_error(logged_in, app):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app.config["CEP_LOOKUP_URL"] = f"http://127.0.0.1:{port}/cep/{{cep}}"
    assert UNAVAILABLE in _cep(logged_in, "01001-000")


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe",
        b"[]",
        b"[" * 60000,  # deeper than the JSON reader goes
        b'{"cep": "01001000", "state": "XX", "city": "S\\u00e3o Paulo"}',  # not a UF
        b'{"cep": "01001000", "state": "SP", "city": ""}',  # no city
        b'{"cep": "01001000", "state": "SP", "city": 12}',  # not text
        b'{"cep": "01001000", "state": "SP", "city": "Sao Paulo", "street": "' + b"x" * 151 + b'"}',
        b'{"cep": "01001000", "state": "SP", "city": "S\\u0000o Paulo"}',  # a control character
        b'{"cep": "01001000", "state": "SP", "city": "S\\u202eo Paulo"}',  # a bidi override
        b'{"cep": "20040020", "state": "RJ", "city": "Rio de Janeiro"}',  # another CEP
    ],
)
def test_a_malformed_answer_is_not_shown_nor_cached(logged_in, provider, body):
    provider.answer("/cep/01001000", body)
    assert UNAVAILABLE in _cep(logged_in, "01001-000")
    provider.answer("/cep/01001000", SE)
    # Not a failure of the provider's availability: the next lookup asks again at once.
    assert 'data-fill-city="São Paulo"' in _cep(logged_in, "01001-000")
    assert provider.hits["/cep/01001000"] == 2


def test_the_answer_is_escaped(logged_in, provider):
    evil = '<img src=x onerror="alert(1)">'
    provider.answer("/cep/01001000", {**SE, "street": evil, "neighborhood": 'a" data-x="1'})
    body = _cep(logged_in, "01001-000")
    assert "<img" not in body and 'data-x="1"' not in body
    assert str(escape(evil)) in body


def test_an_incomplete_or_invalid_cep_asks_nothing(logged_in, provider):
    assert _cep(logged_in, "0100").strip() == ""
    assert "00000-000 não é um CEP" in _cep(logged_in, "00000-000")
    assert "CEP inválido" in _cep(logged_in, "0100-1000")
    assert sum(provider.hits.values()) == 0


def test_a_cnpj_found_is_offered_not_filled(logged_in, provider):
    provider.answer(f"/cnpj/{CNPJ}", ACME)
    body = _cnpj(logged_in, "11.222.333/0001-81")
    assert "Consulta do CNPJ 11.222.333/0001-81" in body
    assert "Usar estes dados" in body
    assert 'data-fill-name="ACME INDUSTRIA DE ALIMENTOS LTDA"' in body
    assert 'data-fill-trade-name="ACME ALIMENTOS"' in body
    assert 'data-fill-street="AVENIDA PAULISTA"' in body
    assert 'data-fill-zip-code="01310-100"' in body
    assert 'data-fill-number="1000"' in body
    assert "AVENIDA PAULISTA, 1000, ANDAR 10 · BELA VISTA · SAO PAULO/SP · CEP 01310-100" in body
    # A new entity has no address fields yet: the address is shown, not offered to fill.
    body = _cnpj(logged_in, CNPJ, endereco="0")
    assert "data-fill-street" not in body and "cadastre-o no cadastro completo" in body
    assert provider.hits[f"/cnpj/{CNPJ}"] == 1


def test_a_cnpj_without_a_usable_address_offers_the_names_only(logged_in, provider):
    provider.answer(f"/cnpj/{CNPJ}", {**ACME, "uf": "", "numero": 1000, "cep": 1310100})
    body = _cnpj(logged_in, CNPJ)
    assert 'data-fill-name="ACME INDUSTRIA DE ALIMENTOS LTDA"' in body
    assert "data-fill-street" not in body and "Endereço" not in body


def test_a_cnpj_not_found_or_unavailable(logged_in, provider):
    assert "CNPJ não encontrado na consulta" in _cnpj(logged_in, CNPJ)
    provider.answer("/cnpj/11444777000161", {**ACME, "cnpj": "11444777000161", "uf": "ZZ"})
    assert UNAVAILABLE in _cnpj(logged_in, "11.444.777/0001-61")


def test_a_cpf_or_a_cnpj_with_wrong_check_digits_asks_nothing(logged_in, provider):
    assert _cnpj(logged_in, "11.222.333/0001-82").strip() == ""
    assert _cnpj(logged_in, "529.982.247-25").strip() == ""
    assert _cnpj(logged_in, "11.222.333/00").strip() == ""
    assert sum(provider.hits.values()) == 0


def test_the_forms_offer_the_lookups_only_when_configured(logged_in, demo, app):
    maria = demo["maria"].id
    pages = (
        f"/entidades/{maria}/cadastro-simplificado",
        f"/entidades/{maria}/cadastro",
        "/entidades/nova",
    )
    for url in pages:
        body = logged_in.get(url).get_data(as_text=True)
        assert "/entidades/consulta/" not in body and "lookups.js" not in body, url
    assert _cep(logged_in, "01001-000").strip() == ""
    app.config.update(
        CEP_LOOKUP_URL="http://127.0.0.1:9/cep/{cep}",
        CNPJ_LOOKUP_URL="http://127.0.0.1:9/cnpj/{cnpj}",
    )
    quick = logged_in.get(pages[0]).get_data(as_text=True)
    assert 'id="cadastro-zip_code-lookup"' in quick and 'id="cadastro-document-lookup"' in quick
    assert "/entidades/consulta/cep?campo=cadastro-zip_code" in quick
    assert "lookups.js" in quick
    full = logged_in.get(pages[1]).get_data(as_text=True)
    assert 'id="novo-endereco-zip_code-lookup"' in full
    assert 'id="document-lookup"' in full and 'data-address-prefix="novo-endereco-"' in full
    new = logged_in.get(pages[2]).get_data(as_text=True)
    assert 'id="document-lookup"' in new and "endereco=0" in new
    assert "/entidades/consulta/cep" not in new  # no address on this page


def test_the_lookups_need_a_login(client, provider):
    response = client.get("/entidades/consulta/cep?campo=zip_code&zip_code=01001-000")
    assert response.status_code == 302
    assert sum(provider.hits.values()) == 0


def test_a_lookup_url_without_its_placeholder_or_not_http_is_unavailable(logged_in, app):
    app.config["CEP_LOOKUP_URL"] = "http://127.0.0.1:9/cep"
    assert UNAVAILABLE in _cep(logged_in, "01001-000")
    app.config["CEP_LOOKUP_URL"] = "file:///etc/passwd?{cep}"
    assert UNAVAILABLE in _cep(logged_in, "01001-000")


def test_the_cache_is_bounded(app):
    with app.app_context():
        cache = lookups._cache()
        for i in range(lookups.CACHE_ENTRIES + 10):
            cache.put(("t", str(i)), i, 60)
        assert cache.get(("t", "0")) is None
        assert cache.get(("t", str(lookups.CACHE_ENTRIES + 9))) == lookups.CACHE_ENTRIES + 9


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
_CEP_KEYS = st.sampled_from(["cep", "state", "city", "neighborhood", "street"])
_CNPJ_KEYS = st.sampled_from(list(ACME))
_PLAUSIBLE = st.one_of(st.sampled_from(["SP", "sp", "XX", "", CNPJ, "01001000", "Sé"]), _JSON)


@given(st.one_of(_JSON, st.dictionaries(_CEP_KEYS, _PLAUSIBLE)))
def test_any_cep_answer_is_either_a_sound_address_or_refused(data):
    try:
        found = lookups.parse_cep(data, "01001000")
    except lookups.MalformedAnswer:
        return
    assert found.state in UFS and 0 < len(found.city) <= 80
    assert len(found.street) <= 150 and len(found.district) <= 80
    assert all(c.isprintable() for c in found.street + found.district + found.city)


@given(st.one_of(_JSON, st.dictionaries(_CNPJ_KEYS, _PLAUSIBLE)))
def test_any_cnpj_answer_is_either_sound_data_or_refused(data):
    try:
        found = lookups.parse_cnpj(data, CNPJ)
    except lookups.MalformedAnswer:
        return
    assert 0 < len(found.name) <= 150 and len(found.trade_name) <= 150
    if found.address:
        assert found.address.state in UFS and found.address.city and found.address.street
        assert len(found.address.zip_code) in (0, 8) and len(found.address.number) <= 20
