"""CEP and CNPJ lookups for the registration forms, read on the server from a provider that
answers BrasilAPI-style JSON (CEP_LOOKUP_URL, CNPJ_LOOKUP_URL; empty: no lookup offered).

The browser never calls the provider. Each answer is validated (types, lengths, UF) before
anything of it is shown; found answers are cached for LOOKUP_CACHE_SECONDS, "not found" (404)
for LOOKUP_NOT_FOUND_CACHE_SECONDS. A provider that fails (timeout, refused connection, 5xx,
malformed JSON) is left alone for LOOKUP_RETRY_SECONDS, so a provider that is down costs one
timeout per process meanwhile instead of one per keystroke; the form is filled by hand then.
"""

import json
import logging
import re
import threading
import time
import unicodedata
import urllib.error
import urllib.request
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from http.client import HTTPException
from urllib.parse import quote, urlsplit

from flask import current_app

from isocrm import brdocs
from isocrm.fields import UFS

log = logging.getLogger(__name__)

FOUND, NOT_FOUND, UNAVAILABLE = "found", "not_found", "unavailable"
# Nothing a CEP or CNPJ answer holds comes near this; a bigger body is not the provider.
MAX_BODY_BYTES = 64 * 1024
CACHE_ENTRIES = 5000


@dataclass(frozen=True)
class FoundAddress:
    zip_code: str = ""  # 8 digits, or empty
    street: str = ""
    number: str = ""
    complement: str = ""
    district: str = ""
    city: str = ""
    state: str = ""

    @property
    def zip_display(self) -> str:
        return f"{self.zip_code[:5]}-{self.zip_code[5:]}" if self.zip_code else ""

    @property
    def one_line(self) -> str:
        street = ", ".join(p for p in (self.street, self.number, self.complement) if p)
        place = f"{self.city}/{self.state}" if self.city else self.state
        parts = [street, self.district, place, self.zip_display and f"CEP {self.zip_display}"]
        return " · ".join(p for p in parts if p)


@dataclass(frozen=True)
class FoundCompany:
    document: str
    name: str
    trade_name: str
    address: FoundAddress | None


@dataclass(frozen=True)
class Lookup:
    status: str  # FOUND, NOT_FOUND or UNAVAILABLE
    value: FoundAddress | FoundCompany | None = None


class ProviderUnavailable(Exception):
    """The provider did not give a usable answer (the reason is logged, never shown)."""


class MalformedAnswer(ProviderUnavailable):
    pass


class _Cache:
    """An in-process TTL cache, bounded (oldest out first), safe across request threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self._items: OrderedDict = OrderedDict()
        self._down_until: dict[str, float] = {}

    def get(self, key):
        now = time.monotonic()
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            expires, value = item
            if expires <= now:
                del self._items[key]
                return None
            return value

    def put(self, key, value, seconds: float) -> None:
        if seconds <= 0:
            return
        with self._lock:
            self._items[key] = (time.monotonic() + seconds, value)
            self._items.move_to_end(key)
            while len(self._items) > CACHE_ENTRIES:
                self._items.popitem(last=False)

    def is_down(self, provider: str) -> bool:
        with self._lock:
            return self._down_until.get(provider, 0.0) > time.monotonic()

    def mark_down(self, provider: str, seconds: float) -> None:
        if seconds <= 0:
            return
        with self._lock:
            self._down_until[provider] = time.monotonic() + seconds


def _cache() -> _Cache:
    # One per app (each test builds its own), shared by the app's request threads.
    return current_app.extensions.setdefault("isocrm_lookups", _Cache())


def cep_enabled() -> bool:
    return bool(current_app.config.get("CEP_LOOKUP_URL"))


def cnpj_enabled() -> bool:
    return bool(current_app.config.get("CNPJ_LOOKUP_URL"))


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise ProviderUnavailable(f"redirect to {urlsplit(newurl).scheme!r} refused")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_HttpOnlyRedirects)
# urllib's timeout bounds each socket wait, not the name lookup (DNS) before them: the fetch
# runs here and the request waits for it LOOKUP_TIMEOUT at most, whatever hangs.
_FETCHERS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="isocrm-lookup")


def _fetch_json(url: str, timeout: float):
    """The provider's JSON for url, None for a 404; ProviderUnavailable for anything else."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ProviderUnavailable("the lookup URL must be http or https")
    request = urllib.request.Request(
        url, headers={"Accept": "application/json", "User-Agent": "isoCRM-SAC"}
    )
    deadline = time.monotonic() + timeout
    try:
        # The scheme is checked above (and on redirects): no file:// or ftp:// here.
        with _OPENER.open(request, timeout=timeout) as response:  # nosec B310
            chunks, size = [], 0
            # `timeout` bounds each socket wait; the deadline bounds a trickling answer too.
            while chunk := response.read(8192):
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise MalformedAnswer("answer too big")
                if time.monotonic() > deadline:
                    raise ProviderUnavailable("answer slower than the timeout")
                chunks.append(chunk)
    except urllib.error.HTTPError as error:
        error.close()
        if error.code == 404:
            return None
        raise ProviderUnavailable(f"HTTP {error.code}") from None
    except (urllib.error.URLError, HTTPException, OSError, ValueError) as error:
        raise ProviderUnavailable(type(error).__name__) from None
    try:
        return json.loads(b"".join(chunks).decode("utf-8"))
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested beyond reason
        raise MalformedAnswer("not JSON") from None


def _fetch_in_time(url: str, timeout: float):
    future = _FETCHERS.submit(_fetch_json, url, timeout)
    try:
        return future.result(timeout=timeout + 0.1)
    except FutureTimeout:
        future.cancel()
        raise ProviderUnavailable("no answer within the timeout") from None


def _lookup(kind: str, template_key: str, value: str, parse) -> Lookup:
    config = current_app.config
    template = config.get(template_key) or ""
    placeholder = "{" + kind + "}"
    if not template:
        return Lookup(UNAVAILABLE)
    cache = _cache()
    key = (template, value)
    cached = cache.get(key)
    if cached is not None:
        return cached
    if cache.is_down(template):
        return Lookup(UNAVAILABLE)
    if placeholder not in template:
        log.error("%s has no %s: lookup disabled", template_key, placeholder)
        return Lookup(UNAVAILABLE)
    url = template.replace(placeholder, quote(value, safe=""))
    try:
        data = _fetch_in_time(url, float(config.get("LOOKUP_TIMEOUT", 2)))
        if data is None:
            result = Lookup(NOT_FOUND)
            cache.put(key, result, float(config.get("LOOKUP_NOT_FOUND_CACHE_SECONDS", 600)))
            return result
        result = Lookup(FOUND, parse(data, value))
    except ProviderUnavailable as error:
        log.warning("%s lookup at %s failed: %s", kind.upper(), urlsplit(template).netloc, error)
        if not isinstance(error, MalformedAnswer):
            cache.mark_down(template, float(config.get("LOOKUP_RETRY_SECONDS", 30)))
        return Lookup(UNAVAILABLE)
    cache.put(key, result, float(config.get("LOOKUP_CACHE_SECONDS", 86400)))
    return result


# --- reading the provider's answer ------------------------------------------------------------


def _text(data: dict, key: str, max_length: int, *, required=False) -> str:
    value = data.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise MalformedAnswer(f"{key} is not text")
    value = " ".join(value.split())
    # Control, format (bidi overrides, zero-width), private-use or unassigned characters.
    if len(value) > max_length or any(unicodedata.category(c)[0] == "C" for c in value):
        raise MalformedAnswer(f"{key} is not a plausible value")
    if required and not value:
        raise MalformedAnswer(f"{key} is missing")
    return value


def _code(data: dict, key: str, size: int) -> str:
    """A numeric code (CEP, número) the provider may send as text or as a JSON number."""
    value = data.get(key)
    if isinstance(value, bool):
        raise MalformedAnswer(f"{key} is not a code")
    if isinstance(value, int):
        value = str(value).zfill(size) if value >= 0 else "x"
    return _text({key: value}, key, size + 4)


def _uf(data: dict, key: str, *, required: bool) -> str:
    uf = _text(data, key, 2, required=required).upper()
    if uf and uf not in UFS:
        raise MalformedAnswer(f"{key} {uf!r} is not a UF")
    return uf


def _zip(text: str) -> str:
    digits = re.sub(r"[.\-\s]", "", text)
    if not digits:
        return ""
    if not re.fullmatch(r"\d{8}", digits) or digits.startswith("00000"):
        raise MalformedAnswer("cep is not a CEP")
    return digits


def parse_cep(data, cep: str) -> FoundAddress:
    """BrasilAPI /cep/v1: {"cep", "state", "city", "neighborhood", "street"}."""
    if not isinstance(data, dict):
        raise MalformedAnswer("not an object")
    answered = _zip(_code(data, "cep", 8))
    if answered and answered != cep:
        raise MalformedAnswer("the answer is about another CEP")
    return FoundAddress(
        zip_code=cep,
        street=_text(data, "street", 150),
        district=_text(data, "neighborhood", 80),
        city=_text(data, "city", 80, required=True),
        state=_uf(data, "state", required=True),
    )


def parse_cnpj(data, cnpj: str) -> FoundCompany:
    """BrasilAPI /cnpj/v1: razao_social, nome_fantasia and the address of the Receita."""
    if not isinstance(data, dict):
        raise MalformedAnswer("not an object")
    answered = brdocs.normalize(_text(data, "cnpj", 18))
    if answered and answered != cnpj:
        raise MalformedAnswer("the answer is about another CNPJ")
    street = _text(data, "logradouro", 150)
    street_type = _text(data, "descricao_tipo_de_logradouro", 30)
    if street and street_type and not street.upper().startswith(street_type.upper()):
        street = f"{street_type} {street}"[:150]
    address = FoundAddress(
        zip_code=_zip(_code(data, "cep", 8)),
        street=street,
        number=_code(data, "numero", 16)[:20],
        complement=_text(data, "complemento", 80),
        district=_text(data, "bairro", 80),
        city=_text(data, "municipio", 80),
        state=_uf(data, "uf", required=False),
    )
    return FoundCompany(
        document=cnpj,
        name=_text(data, "razao_social", 150, required=True),
        trade_name=_text(data, "nome_fantasia", 150),
        # An address is offered only when it has what the form requires of one.
        address=address if address.street and address.city and address.state else None,
    )


def lookup_cep(cep: str) -> Lookup:
    """The address of a CEP (its 8 digits, already checked)."""
    return _lookup("cep", "CEP_LOOKUP_URL", cep, parse_cep)


def lookup_cnpj(cnpj: str) -> Lookup:
    """Razão social, nome fantasia and address of a CNPJ (normalised, check digits valid)."""
    return _lookup("cnpj", "CNPJ_LOOKUP_URL", cnpj, parse_cnpj)
