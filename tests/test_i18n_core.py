"""English for the "core" screens and texts: Enviar e-mail, the holder panel (Passar
atendimento / Assumir), the scripts' texts (#js-texts), the labels the models give to what
they store; Portuguese, unchanged, for everyone else."""

import json
import re
from pathlib import Path

import pytest
from flask_babel import force_locale

from isocrm.models.catalog import STATUS_CATEGORIES
from isocrm.models.engagement import ALERT_PRIORITIES
from isocrm.models.outbox import OUTBOX_STATUSES
from isocrm.models.ticket import DIRECTIONS
from isocrm.templating import JS_TEXTS
from tests.conftest import choose_language, csrf_token_from, login_client, page_html

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def no_smtp(app):
    app.config["SMTP_HOST"] = None


def _switch_to_demo_company(client, demo):
    token = csrf_token_from(page_html(client, "/"))
    switch = {"company_id": demo["company"].id, "next": "/", "csrf_token": token}
    assert client.post("/empresa", data=switch).status_code == 303


def _english_and_portuguese(app, demo):
    english = login_client(app, "atendente", "atendente123")
    assert choose_language(english, "en").status_code == 303
    portuguese = login_client(app, "supervisor", "supervisor123")
    _switch_to_demo_company(portuguese, demo)
    return english, portuguese


def _js_texts(html):
    block = re.search(r'<template id="js-texts">(.*?)</template>', html, re.S)
    assert block, "no #js-texts block"
    return json.loads(block.group(1))


def _composer_data(client, html, **typed):
    def hidden(name):
        match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html)
        return match.group(1) if match else ""

    data = {
        "csrf_token": csrf_token_from(html),
        "company_id": hidden("company_id"),
        "ticket_id": hidden("ticket_id"),
        "send_key": hidden("send_key"),
        "recipient_id": "",
        "other_address": "maria@example.com.br",
        "subject": "Sua troca",
        "body": "Olá, Maria.",
    }
    data.update(typed)
    return data


def test_the_compose_screen_in_english_and_in_portuguese(app, db, demo, no_smtp):
    english, portuguese = _english_and_portuguese(app, demo)

    compose = page_html(english, "/atendimentos/1/email?detalhe=1")
    for text in (
        "<h1>Send e-mail</h1>",
        "text suggested from detail 1 of",
        "Sending e-mail is not set up on this server: the message will be pending",
        "Or another address",
        'placeholder="name@example.com"',
        "If filled in, the message goes to this address instead of the one chosen in To.",
        "Up to ",
        "characters; a longer text is not cut",
        'data-busy-label="Sending…"',
        "Back to the ticket",
        "— another address (type it below) —",
    ):
        assert text in compose, text
    for text in ("Enviar e-mail", "Voltar ao atendimento", "Ou outro endereço", "Se preenchido"):
        assert text not in compose, text

    # A validation message beside its field, in English.
    refused = english.post(
        "/atendimentos/1/email", data=_composer_data(english, compose, subject="")
    )
    assert refused.status_code == 422
    assert "Enter the subject." in refused.get_data(as_text=True)
    assert "Informe o assunto." not in refused.get_data(as_text=True)

    # Sent without SMTP: the flash on the ticket screen, then the outbox's situação.
    sent = english.post(
        "/atendimentos/1/email",
        data=_composer_data(english, compose),
        follow_redirects=True,
    )
    html = sent.get_data(as_text=True)
    assert (
        "Sending e-mail is not set up on this server (ISOCRM_SMTP_HOST): the message to "
        "maria@example.com.br is pending in the Outbox. The e-mail was recorded on the ticket."
    ) in html
    assert ">Pending</span>" in page_html(english, "/caixa-de-saida")

    # The same screens in Portuguese for the supervisor.
    other = page_html(portuguese, "/atendimentos/1/email?detalhe=1")
    for text in (
        "<h1>Enviar e-mail</h1>",
        "texto sugerido a partir do detalhe 1 de",
        "Voltar ao atendimento",
        'placeholder="nome@dominio.com.br"',
        "— outro endereço (digite abaixo) —",
    ):
        assert text in other, text
    assert "Send e-mail" not in other
    assert ">Pendente</span>" in page_html(portuguese, "/caixa-de-saida")


def test_a_composer_of_another_company_is_refused_in_english(app, db, demo, no_smtp):
    english, _ = _english_and_portuguese(app, demo)
    compose = page_html(english, "/atendimentos/1/email")
    data = _composer_data(english, compose, company_id="")
    refused = english.post("/atendimentos/1/email", data=data)
    assert refused.status_code == 409
    html = refused.get_data(as_text=True)
    assert "Nothing was sent: this form does not say which company" in html
    assert "<h1>Send e-mail</h1>" in html and "Nada foi enviado" not in html


def test_the_holder_panel_in_english(app, db, demo):
    english, portuguese = _english_and_portuguese(app, demo)
    form = page_html(english, "/atendimentos/1/responsavel")
    for text in ("Pass ticket", "— Unassigned —", "— No team —", "Cancel"):
        assert text in form, text
    assert "— Sem responsável —" not in form and "Passar atendimento" not in form

    # Assumir on a screen drawn before someone else changed the ticket: refused, in English.
    token = csrf_token_from(form)
    version = re.search(r'name="pass-version"[^>]*value="(\d+)"', form).group(1)
    ticket_id = re.search(r'name="pass-ticket_id"[^>]*value="(\d+)"', form).group(1)
    stale = {"csrf_token": token, "version": int(version) - 1, "ticket_id": ticket_id}
    refused = english.post("/atendimentos/1/assumir", data=stale)
    assert refused.status_code == 409
    assert "Nothing was changed: check and click Take over again." in refused.get_data(as_text=True)

    other = page_html(portuguese, "/atendimentos/1/responsavel")
    assert "Passar atendimento" in other and "— Sem responsável —" in other


def test_the_scripts_get_their_texts_in_the_users_language(app, db, demo):
    english, portuguese = _english_and_portuguese(app, demo)
    texts = _js_texts(page_html(english, "/"))
    assert set(texts) == set(JS_TEXTS)
    assert texts["Nenhum resultado"] == "No results"
    assert texts["1 resultado"] == "1 result"
    assert texts["%(count)s resultados"] == "%(count)s results"
    assert texts["Nada escolhido da lista."] == "Nothing chosen from the list."
    assert texts["Rascunho guardado às %(time)s"] == "Draft kept at %(time)s"
    assert texts["Este detalhe tem alterações que não foram salvas. Sair dele e descartá-las?"] == (
        "This detail has unsaved changes. Leave it and discard them?"
    )
    assert all(texts[key] != key for key in texts), "a script text left in Portuguese"

    same = _js_texts(page_html(portuguese, "/"))
    assert same == {key: key for key in JS_TEXTS}


def test_every_script_text_is_one_a_script_asks_for():
    scripts = {path.name: path.read_text("utf-8") for path in (ROOT / "static" / "js").glob("*.js")}
    every = "".join(scripts.values())
    for text in JS_TEXTS:
        assert f'"{text}"' in every, text
    # The texts said to the user are looked up (t("…")), no longer written out as they were.
    for old in (
        'join(" ou ")',
        "} resultados`",
        "`${input.value}: escolhido.`",
        '"Rascunho guardado às "',
    ):
        assert old not in every, old
    for text in ("Nenhum resultado", "Nada escolhido da lista.", "Sem alterações pendentes."):
        assert every.count(f'"{text}"') == every.count(f't("{text}"'), text


def test_the_ticket_screen_leftovers_in_english(app, db, demo):
    english, portuguese = _english_and_portuguese(app, demo)
    screen = page_html(english, "/atendimentos/1")
    assert "Outbound" in screen and "Inbound" in screen
    assert ">Receptivo<" not in screen
    assert "<kbd>↓</kbd> and <kbd>↑</kbd>" in screen
    painel = page_html(english, "/?aba=todos")
    assert 'aria-label="Tickets in the queue"' in painel

    other = page_html(portuguese, "/atendimentos/1")
    assert "Receptivo" in other and "<kbd>↓</kbd> e <kbd>↑</kbd>" in other
    assert 'aria-label="Atendimentos da fila"' in page_html(portuguese, "/?aba=todos")


def test_the_models_labels_follow_the_language(app):
    with app.test_request_context():
        with force_locale("en"):
            assert str(DIRECTIONS["ativo"]) == "Outbound"
            assert str(DIRECTIONS["receptivo"]) == "Inbound"
            assert str(ALERT_PRIORITIES[4]) == "Critical"
            assert str(STATUS_CATEGORIES["em_andamento"]) == "In progress"
            assert str(OUTBOX_STATUSES["falhou"]) == "Failed"
            from isocrm.tickets.views import STORED

            assert str(STORED["role_id"]) == "removed from the entity"
        with force_locale("pt_BR"):
            assert str(DIRECTIONS["ativo"]) == "Ativo"
            assert str(ALERT_PRIORITIES[4]) == "Crítica"
            assert str(STATUS_CATEGORIES["em_andamento"]) == "Em andamento"
