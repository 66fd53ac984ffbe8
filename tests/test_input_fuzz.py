"""Bad input never becomes a 500: explicit regressions for what an outside tester found,
then a property-based sweep (hypothesis) of every route with random and malformed values.

The tester's findings: `next=/\\t/example.com` redirected off-site (browsers drop tabs and
newlines inside URLs, so "/\\t/x" is "//x"); 54 HTTP 500s from integers beyond 64 bits (path,
query, form), a newline in `next`, the information-row index, an agenda date of 9999-12-31,
a tampered `base`; a 100 kB `next` echoed into a 100 kB Location header; NUL bytes stored.
"""

import json
import re
from collections import defaultdict
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from isocrm.models import Entity, Ticket
from isocrm.security import MAX_NEXT_LENGTH, safe_next_url
from tests.conftest import csrf_token_from

HUGE = str(10**19)  # beyond SQLite's (and PostgreSQL's bigint) range


def _token(client, url="/atendimentos/"):
    return csrf_token_from(client.get(url).get_data(as_text=True))


# --- next / return URLs ------------------------------------------------------------------

OFF_SITE = [
    "/\t/example.com",
    "/\n/example.com",
    "/\r/example.com",
    "\t//example.com",
    "/\x00/example.com",
    "/\u00a0/example.com",
    "/\u3000/example.com",
    "/\u2028/example.com",
    "/\\example.com",
    "/\\/example.com",
    "//example.com",
    "///example.com",
    "https://example.com/",
    "http:/example.com",
    "javascript:alert(1)",
    " /atendimentos/",
    "/atendimentos/\x00",
    "/" + "a" * 100_000,
    "/atendimentos/?q=" + "a" * MAX_NEXT_LENGTH,
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_safe_next_url_refuses_anything_but_a_plain_same_site_path(target):
    assert safe_next_url(target) is None


@pytest.mark.parametrize(
    "target",
    ["/", "/atendimentos/?q=maria", "/entidades/3/cadastro#fones", "/caixa-de-saida?page=2"],
)
def test_safe_next_url_keeps_a_same_site_path(target):
    assert safe_next_url(target) == target


def _location_is_local(response, fallback):
    location = response.headers["Location"]
    assert location == fallback, location
    return location


BAD_NEXT = ["/\t/example.com", "/\n/example.com", "/\\example.com", "/" + "a" * 50_000]


def test_login_and_company_switch_never_redirect_off_site_nor_echo_a_huge_next(client, demo):
    for target in BAD_NEXT:
        page = client.get("/entrar", query_string={"next": target})
        assert page.status_code == 200
        token = csrf_token_from(page.get_data(as_text=True))
        response = client.post(
            "/entrar",
            data={
                "username": "atendente",
                "password": "atendente123",
                "csrf_token": token,
                "next": target,
            },
        )
        assert response.status_code == 302, repr(target[:20])
        assert response.headers["Location"] == "/atendimentos/"
        response = client.post(
            "/empresa",
            data={"company_id": demo["company"].id, "next": target, "csrf_token": _token(client)},
        )
        assert response.status_code == 303
        assert response.headers["Location"] == "/atendimentos/"
        client.post("/sair", data={"csrf_token": _token(client)})
    # A good one is kept.
    token = _token(client, "/entrar")
    response = client.post(
        "/entrar",
        data={
            "username": "atendente",
            "password": "atendente123",
            "csrf_token": token,
            "next": "/atendimentos/?q=maria",
        },
    )
    assert response.headers["Location"] == "/atendimentos/?q=maria"
    # A huge URL asked while logged out: the login redirect drops it instead of echoing it.
    client.post("/sair", data={"csrf_token": _token(client)})
    response = client.get("/atendimentos/", query_string={"q": "a" * 100_000})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/entrar")
    assert len(location) < MAX_NEXT_LENGTH + 100


def test_cadastro_simplificado_voltar_and_outbox_return_stay_on_site(logged_in, demo):
    url = f"/entidades/{demo['maria'].id}/cadastro-simplificado"
    for target in BAD_NEXT[:3] + ["/" + "a" * 5000]:
        response = logged_in.get(url, query_string={"next": target})
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        voltar = re.search(r'<a class="button secondary" href="([^"]*)">Voltar</a>', html).group(1)
        assert voltar == f"/entidades/{demo['maria'].id}/atendimentos", voltar
        assert "/example.com" not in html and "a" * 3000 not in html
    good = logged_in.get(url, query_string={"next": "/atendimentos/?q=maria"})
    assert 'href="/atendimentos/?q=maria">Voltar</a>' in good.get_data(as_text=True)
    # Pages put their own address in forms as the way back: never past the same check.
    page = logged_in.get("/atendimentos/1", query_string={"detalhe": "1", "x": "a" * 3000})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "a" * 3000 not in html
    assert 'cadastro-simplificado?next=/atendimentos/1"' in html


# --- ids and numbers ------------------------------------------------------------------------


def test_huge_ids_in_paths_and_query_strings_are_404_or_refused(logged_in, demo):
    maria = demo["maria"].id
    for url in (
        f"/entidades/{HUGE}/atendimentos",
        f"/atendimentos/{HUGE}",
        f"/entidades/{maria}/vendas/{HUGE}",
        f"/entidades/{maria}/cadastro/fones/{HUGE}/editar",
        f"/entidades/{maria}/agenda?ticket={HUGE}",
    ):
        assert logged_in.get(url).status_code == 404, url
    for value in (HUGE, "-" + HUGE, "-1", "1e400", "\x00", "²", "9" * 5000):
        for url in (
            "/atendimentos/opcoes/informacao?index={v}&reason_id={v}&occurrence_id={v}",
            "/atendimentos/opcoes/causas?reason_id={v}&occurrence_id={v}&cause_id={v}"
            "&infos-{v}-product_info_id={v}",
            "/atendimentos/opcoes/locais?q={v}&location_entity_id={v}&ticket_id={v}",
            "/atendimentos/opcoes/relacionados?q={v}&exclude={v}&related_ticket_id={v}",
            f"/entidades/{maria}/contatos?q={{v}}&contact_entity_id={{v}}&detail_id={{v}}",
            f"/entidades/{maria}/agenda?page={{v}}",
            f"/entidades/{maria}/historico?page={{v}}",
            "/atendimentos/1?detalhe={v}",
            "/atendimentos/1/detalhes?detalhe={v}",
            "/caixa-de-saida?page={v}&situacao={v}",
            f"/entidades/{maria}/cadastro?editar=fones-{{v}}",
            f"/entidades/{maria}/cadastro/fones?fechar={{v}}",
        ):
            response = logged_in.get(url.format(v=value))
            assert response.status_code < 500, (url, value[:20])
    # The information-row index: in range or refused (422), whatever its size.
    for index in (HUGE, "-1", "50", "-" + HUGE, "²"):
        response = logged_in.get(f"/atendimentos/opcoes/informacao?index={index}")
        assert response.status_code == 422, index
    assert logged_in.get("/atendimentos/opcoes/informacao?index=3").status_code == 200


def test_huge_ids_bad_dates_and_tampered_base_on_the_ticket_screen(logged_in, demo, db):
    from tests.test_tickets import include, new_ticket_data, screen_form

    code = include(logged_in, demo["maria"].id)
    data = screen_form(logged_in.get(f"/atendimentos/{code}").get_data(as_text=True))
    data.update(new_ticket_data(demo))
    refused = [
        (name, HUGE)
        for name in (
            "contact_entity_id",
            "location_entity_id",
            "reason_id",
            "unit_id",
            "related_ticket_id",
            "infos-0-product_info_id",
            "status_id",
            "role_id",
        )
    ] + [
        ("received_at", "31/12/9999 23:59"),
        ("received_at", "0001-01-01T00:00"),
        ("received_at", "30/02/2024 10:00"),
        ("infos-0-manufactured_on", "9999-12-31"),
        ("infos-0-expires_on", "2024-02-30"),
    ]
    for name, value in refused:
        response = logged_in.post(f"/atendimentos/{code}", data=dict(data, **{name: value}))
        assert response.status_code == 422, (name, value, response.status_code)
    db.session.commit()
    ticket = db.session.scalar(sa.select(Ticket).where(Ticket.code == code))
    assert ticket.stage != "confirmado"  # nothing saved by any of the refused posts
    for name in ("ticket_id", "detail_id", "version", "detail_version", "typed_by", "company_id"):
        response = logged_in.post(f"/atendimentos/{code}", data=dict(data, **{name: HUGE}))
        assert response.status_code < 500, name
    # `base` (the values the screen was built from) tampered with: never a 500.
    for base in (
        json.dumps({"status_id": 10**30, "reason_id": -(10**30)}),
        json.dumps({"status_id": [1, 2], "location_note": {"a": 1}}),
        json.dumps({"status_id": 1e308, "unit_id": True, "location_note": "²"}),
        "1e99999",
        "[" * 5000 + "]" * 5000,
        '{"status_id": "\\u0000"}',
    ):
        screen = screen_form(logged_in.get(f"/atendimentos/{code}").get_data(as_text=True))
        screen.update(base=base, location_note="Outra gôndola", description="Nova descrição")
        response = logged_in.post(f"/atendimentos/{code}", data=screen)
        assert response.status_code < 500, base[:30]


def test_agenda_dates_out_of_range_are_refused_next_to_the_field(logged_in, demo, db):
    url = f"/entidades/{demo['maria'].id}/agenda"
    for day, hour in (
        ("31/12/9999", "23:59"),
        ("9999-12-31", "23:59"),
        ("01/01/0001", "00:00"),
        ("0001-01-01", "00:00"),
        ("30/02/2024", "10:00"),
        ("2024-02-30", "10:00"),
        ("01/01/2030", "24:00"),
        ("01/01/2030", "99:99"),
    ):
        page = logged_in.get(url).get_data(as_text=True)
        fields = form_fields(page, "/agenda")
        fields.update(starts_on=day, starts_time=hour, subject="Retornar")
        response = logged_in.post(url, data=fields)
        assert response.status_code == 422, (day, hour)
        assert "inválida" in response.get_data(as_text=True)
        assert f'value="{day}"' in response.get_data(as_text=True)  # what was typed is kept


# --- control characters ---------------------------------------------------------------------


def test_nul_and_control_characters_never_reach_the_database_nor_a_page(logged_in, demo, db):
    maria = demo["maria"]
    url = f"/entidades/{maria.id}/cadastro-simplificado"
    fields = form_fields(logged_in.get(url).get_data(as_text=True), "cadastro-simplificado")
    fields["cadastro-name"] = "Maria\x00 Apa\x1brecida\u202e Souza"
    response = logged_in.post(url, data=fields)
    assert response.status_code in (200, 303), response.status_code
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Entity, maria.id).name == "Maria Aparecida Souza"
    # In query strings too (PostgreSQL's driver refuses a NUL outright).
    response = logged_in.get("/atendimentos/", query_string={"q": "mar\x00ia\x07"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "\x00" not in html and "\x07" not in html
    assert "Maria Aparecida Souza" in html


# --- sizes ----------------------------------------------------------------------------------


def test_oversized_bodies_fields_and_forms_are_413_in_portuguese(logged_in, demo):
    token = _token(logged_in)
    for data, kind in (
        ({"description": "x" * (3 * 1024 * 1024)}, None),  # beyond MAX_CONTENT_LENGTH
        ({"description": "x" * (1024 * 1024)}, None),  # one field beyond any screen's
        ({"description": "x" * (1024 * 1024)}, "multipart/form-data"),
        ({f"f{n}": "1" for n in range(5000)}, None),  # more fields than any screen has
        ({f"f{n}": "1" for n in range(5000)}, "multipart/form-data"),
    ):
        kwargs = {"content_type": kind} if kind else {}
        response = logged_in.post("/atendimentos/1", data=dict(data, csrf_token=token), **kwargs)
        assert response.status_code == 413, (len(data), kind)
        assert "Envio grande demais" in response.get_data(as_text=True)
    # A long text a screen accepts is still a message next to the field, not a 413.
    response = logged_in.post("/atendimentos/1", data={"csrf_token": token, "q": "x" * 20000})
    assert response.status_code != 413


# --- every route, random and malformed values (hypothesis) ------------------------------------


class _Page(HTMLParser):
    """The forms of a page (action, method, fields as the browser would send them, every
    option offered) and every same-site URL it links to or asks htmx for."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.by_id: dict[str, dict] = {}
        self.urls: set[str] = set()
        self._form = None
        self._select = None
        self._textarea = None
        self.loose = self._new_form("", "get")

    def _new_form(self, action, method):
        return {"action": action, "method": method, "fields": [], "options": defaultdict(set)}

    def _target(self, attrs):
        owner = attrs.get("form")
        if owner and owner in self.by_id:
            return self.by_id[owner]
        return self._form or self.loose

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        for key in ("href", "action", "hx-get", "hx-post"):
            if attrs.get(key, "").startswith("/") and not attrs[key].startswith("/static"):
                self.urls.add(attrs[key])
        for key in ("hx-get", "hx-post"):
            if attrs.get(key, "").startswith("/"):
                # An element asking htmx itself is a form of one field.
                form = self._new_form(attrs[key], key[3:])
                if attrs.get("name"):
                    form["fields"].append((attrs["name"], attrs.get("value", "")))
                self.forms.append(form)
        if tag == "form":
            self._form = self._new_form(attrs.get("action", ""), attrs.get("method", "get"))
            self.forms.append(self._form)
            if attrs.get("id"):
                self.by_id[attrs["id"]] = self._form
            return
        name = attrs.get("name")
        if not name:
            return
        form = self._target(attrs)
        if tag == "input":
            value = attrs.get("value", "")
            form["options"][name].add(value)
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            if attrs.get("type") != "submit":
                form["fields"].append((name, value))
        elif tag == "button":
            form["options"][name].add(attrs.get("value", ""))
        elif tag == "select":
            self._select = {"name": name, "form": form, "first": None, "chosen": None}
        elif tag == "textarea":
            self._textarea = {"name": name, "form": form, "text": ""}
        if tag == "option" and self._select is not None:
            pass

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            s = self._select
            chosen = s["chosen"] if s["chosen"] is not None else s["first"]
            s["form"]["fields"].append((s["name"], chosen or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            t = self._textarea
            t["form"]["fields"].append((t["name"], t["text"].strip()))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["text"] += data

    def handle_starttag_option(self, attrs):
        value = attrs.get("value", "")
        s = self._select
        s["form"]["options"][s["name"]].add(value)
        if s["first"] is None:
            s["first"] = value
        if "selected" in attrs:
            s["chosen"] = value

    def unknown_decl(self, data):
        pass


_original_starttag = _Page.handle_starttag


def _starttag(self, tag, attrs):
    if tag == "option" and self._select is not None:
        self.handle_starttag_option({k: v or "" for k, v in attrs})
        return
    _original_starttag(self, tag, attrs)


_Page.handle_starttag = _starttag


def parse_page(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def form_fields(html: str, action_contains: str = "") -> dict[str, str]:
    """The fields of the first form whose action contains `action_contains`."""
    for form in parse_page(html).forms:
        if action_contains in form["action"] and form["fields"]:
            return dict(form["fields"])
    raise AssertionError(f"no form for {action_contains!r}")
