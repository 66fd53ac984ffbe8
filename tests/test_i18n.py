"""The screens in English for a user who chose it (Preferências), Portuguese for everyone
else; the catalogue in isocrm/translations up to date with the strings marked in the code."""

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.conftest import AuthActions, choose_language, csrf_token_from, login_client, page_html

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "isocrm" / "translations"
POT = TRANSLATIONS / "messages.pot"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
MO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo"


def _include(client, entity_id):
    """Incluir a ticket for the entity; its screen's address and its code."""
    token = csrf_token_from(page_html(client, f"/entidades/{entity_id}/atendimentos"))
    included = client.post(f"/entidades/{entity_id}/atendimentos", data={"csrf_token": token})
    assert included.status_code == 303, included.status_code
    url = included.headers["Location"]
    return url, int(url.rsplit("/", 1)[1])


def test_a_user_who_chose_english_sees_english_and_the_others_portuguese(app, db, demo):
    english = login_client(app, "atendente", "atendente123")
    portuguese = login_client(app, "supervisor", "supervisor123")

    chosen = choose_language(english, "en")
    assert chosen.status_code == 303
    db.session.expire_all()
    assert demo["atendente"].language == "en"
    assert demo["supervisor"].language == "pt_BR"
    assert "Preferences saved." in page_html(english, "/preferencias")

    # Header, side menu and the painel.
    painel = page_html(english, "/")
    assert '<html lang="en">' in painel
    for text in (
        "Skip to content",
        "Log out",
        "Change password",
        "Dashboard",
        "Tickets",
        "Outbox",
        "Mine",
        "Unassigned",
        "Dashboard filters",
        "By status:",
    ):
        assert text in painel, text
    for text in ("Pular para o conteúdo", ">Sair<", "Alterar senha", "Meus rascunhos"):
        assert text not in painel, text

    # A filter refused beside its field, in English.
    refused = page_html(english, "/?motivo=999999", 422)
    assert "Choose a reason from the list." in refused
    assert "Escolha um motivo da lista." not in refused

    # The search page: its text, the count of what it found and the column headers.
    search = page_html(english, "/atendimentos/?q=maria")
    assert "Search for the entity by NAME/COMPANY NAME or CPF/CNPJ" in search
    assert "found; showing" in search
    assert "NAME/COMPANY NAME" in search and "City" in search
    assert "Cidade" not in search
    finder = page_html(english, "/busca?q=biscoito")
    assert "Search results" in finder and "Searching “biscoito” as: Words." in finder

    # A form's own messages (Alterar senha, nothing typed).
    token = csrf_token_from(page_html(english, "/conta/senha"))
    response = english.post("/conta/senha", data={"csrf_token": token})
    assert response.status_code == 422
    assert "Enter the current password." in response.get_data(as_text=True)

    # The other user, at the same time, still in Portuguese.
    other = page_html(portuguese, "/")
    assert '<html lang="pt-BR">' in other
    for text in ("Pular para o conteúdo", "Sair", "Alterar senha", "Painel", "Atendimentos"):
        assert text in other, text
    assert "Log out" not in other and "Dashboard" not in other
    other_refused = page_html(portuguese, "/?motivo=999999", 422)
    assert "Escolha um motivo da lista." in other_refused


def test_the_ticket_screen_in_english_and_in_portuguese_at_the_same_time(app, db, demo):
    english = login_client(app, "atendente", "atendente123")
    portuguese = login_client(app, "supervisor", "supervisor123")
    assert choose_language(english, "en").status_code == 303

    # A ticket of Maria's (Incluir: a draft at once): its panel titles and Confirmar.
    url, code = _include(english, demo["maria"].id)
    screen = page_html(english, url)
    for text in (
        f"Ticket {code:06d} · ",
        "Ticket details",
        "Ticket category",
        "Ticket data",
        "Detail information",
        "Detail 1 of 1",
        "Protocol number <strong>",
        'title="Confirm (Ctrl+Enter)">Confirm</button>',
        'aria-label="Ticket status and buttons"',
    ):
        assert text in screen, text
    for text in ("Detalhes do atendimento", "Categoria do atendimento", ">Confirmar</button>"):
        assert text not in screen, text

    # A flash message from the view, in English too.
    token = csrf_token_from(screen)
    response = english.post(
        f"/atendimentos/{code}/alteracoes/descartar",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert "Unconfirmed changes discarded." in response.get_data(as_text=True)

    # The supervisor, at the same time and in the same Empresa, sees that screen in Portuguese.
    token = csrf_token_from(page_html(portuguese, "/"))
    switch = {"company_id": demo["company"].id, "next": "/", "csrf_token": token}
    assert portuguese.post("/empresa", data=switch).status_code == 303
    other = page_html(portuguese, url)
    for text in (
        f"Atendimento {code:06d} · ",
        "Detalhes do atendimento",
        "Categoria do atendimento",
        "Dados do atendimento",
        'title="Confirmar (Ctrl+Enter)">Confirmar</button>',
    ):
        assert text in other, text
    for text in ("Ticket details", "Ticket category", ">Confirm</button>"):
        assert text not in other, text


def test_the_choice_survives_logout_andlogin_client(app, db, demo):
    client = login_client(app, "atendente", "atendente123")
    assert choose_language(client, "en").status_code == 303
    token = csrf_token_from(page_html(client, "/"))
    assert client.post("/sair", data={"csrf_token": token}).status_code == 302
    # Logged out: the login page is the desk's, in Portuguese.
    assert '<html lang="pt-BR">' in page_html(client, "/entrar")
    assert AuthActions(client).login("atendente", "atendente123").status_code == 302
    painel = page_html(client, "/")
    assert '<html lang="en">' in painel and "Log out" in painel

    # And back to Portuguese.
    assert choose_language(client, "pt_BR").status_code == 303
    assert "Preferências salvas." in page_html(client, "/preferencias")
    assert '<html lang="pt-BR">' in page_html(client, "/")


def test_an_unknown_language_is_refused_beside_the_field(app, db, demo):
    client = login_client(app, "atendente", "atendente123")
    response = choose_language(client, "fr")
    assert response.status_code == 422
    assert "Escolha um dos idiomas." in response.get_data(as_text=True)
    db.session.expire_all()
    assert demo["atendente"].language == "pt_BR"


def test_dates_stay_brazilian_in_both_languages(app, db, demo):
    maria = demo["maria"]
    client = login_client(app, "atendente", "atendente123")
    url = f"/entidades/{maria.id}/atendimentos"
    # Maria's first ticket was opened on 12 May 2026 at 09:12 (São Paulo).
    assert "12/05/2026 09:12" in page_html(client, url)
    assert choose_language(client, "en").status_code == 303
    page = page_html(client, url)
    assert "Opening date" in page
    assert "12/05/2026 09:12" in page


def test_new_users_get_portuguese(app, db, demo):
    assert demo["atendente"].language == "pt_BR"


# --- the catalogue ---------------------------------------------------------------------------


def _key(value):
    """A msgid or msgstr as a dict key: plural ones are tuples (lists, read from a .mo)."""
    return value if isinstance(value, str) else tuple(value)


def _ids(catalog) -> set:
    return {_key(message.id) for message in catalog if message.id}


def test_the_catalogue_has_every_string_marked_in_the_code(tmp_path):
    """Extraction as README.md says, into a temporary file: the committed .pot and .po must
    hold every msgid it finds (run the commands of README.md "Translations" when not)."""
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--no-location",
            "--sort-output",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with fresh.open("rb") as f:
        marked = _ids(read_po(f))
    with POT.open("rb") as f:
        committed = _ids(read_po(f))
    with PO.open("rb") as f:
        english = _ids(read_po(f))
    assert len(marked) > 300
    assert not marked - committed, f"messages.pot lacks {sorted(marked - committed)[:10]}"
    assert not marked - english, f"en/messages.po lacks {sorted(marked - english)[:10]}"
    assert not committed - marked, (
        f"messages.pot has strings no longer marked: {committed - marked}"
    )


def test_every_english_string_is_translated_and_compiled():
    with PO.open("rb") as f:
        catalog = read_po(f, locale="en")
    untranslated = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(s and s.strip() for s in strings) or message.fuzzy:
            untranslated.append(message.id)
    assert not untranslated, untranslated[:10]
    # The compiled file (what the app reads) says the same as the .po.
    with MO.open("rb") as f:
        compiled = read_mo(f)
    po_pairs = {_key(m.id): _key(m.string) for m in catalog if m.id}
    mo_pairs = {_key(m.id): _key(m.string) for m in compiled if m.id}
    assert po_pairs == mo_pairs, "messages.mo is stale: pybabel compile -d isocrm/translations"
