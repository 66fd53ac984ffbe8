"""The desk with the keyboard only, in real Chromium at 1366×768: a ticket opened from the
search page in a few keys, the shortcuts and their help overlay, and where the focus lands
after a page load, an htmx swap and a failed Confirmar."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from isocrm.models import Ticket
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

KEY_BUDGET = 25  # the limit, typed text aside


class Keys:
    """Presses keys and counts them; typed text is counted apart."""

    def __init__(self, page):
        self.page = page
        self.pressed: list[str] = []
        self.typed = 0

    def press(self, key: str):
        self.pressed.append(key)
        self.page.keyboard.press(key)

    def type(self, text: str):
        self.typed += len(text)
        self.page.keyboard.type(text)


def _focused(page) -> str:
    return page.evaluate(
        "(() => { const el = document.activeElement;"
        " return el ? (el.id || el.getAttribute('aria-label') || el.tagName) : ''; })()"
    )


def _in_view(page, selector: str) -> bool:
    return page.evaluate(
        """selector => { const r = document.querySelector(selector).getBoundingClientRect();
           return r.top >= 0 && r.bottom <= innerHeight; }""",
        selector,
    )


def test_a_ticket_for_maria_is_opened_with_the_keyboard_only(page, demo, db):
    login(page)
    page.goto("/atendimentos/")
    keys = Keys(page)
    expect(page.locator("#entity-search")).to_be_focused()
    keys.type("maria aparecida")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    keys.press("ArrowDown")  # into the results
    expect(page.locator("#results a.sac")).to_be_focused()
    with page.expect_navigation():
        keys.press("Enter")  # the entity's tickets
    expect(page.get_by_role("button", name=re.compile("Incluir"))).to_be_focused()
    with page.expect_navigation():
        keys.press("i")  # Incluir
    channel = page.locator("#channel_id")
    expect(channel).to_be_focused()
    assert _in_view(page, "#channel_id") and _in_view(page, "#description")
    keys.press("t")  # Telefone
    expect(channel).to_have_value(str(demo["channels"]["Telefone"].id))
    keys.press("Tab")
    expect(page.locator("#description")).to_be_focused()
    description = "Embalagem violada no pacote de biscoito"
    keys.type(description)
    with page.expect_navigation():
        keys.press("Control+Enter")  # Confirmar
    expect(page.locator(".flash.success")).to_contain_text("confirmado")
    total = len(keys.pressed)
    print(
        f"\nkeyboard only: {total} keys ({' '.join(keys.pressed)}) "
        f"plus {keys.typed} typed characters, from the search page to a confirmed ticket"
    )
    assert total <= KEY_BUDGET
    code = int(page.locator("#ticket-code").inner_text())
    db.session.rollback()  # a fresh read of what the server wrote
    ticket = db.session.scalar(
        sa.select(Ticket).where(Ticket.entity_id == demo["maria"].id, Ticket.code == code)
    )
    assert ticket.stage == "confirmado"
    assert [d.description for d in ticket.details] == [description]
    assert ticket.details[0].channel_id == demo["channels"]["Telefone"].id


def test_a_failed_confirmar_puts_the_focus_on_the_first_field_to_fix(page):
    login(page)
    page.goto("/entidades/1/atendimentos")
    with page.expect_navigation():
        page.keyboard.press("i")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")  # nothing typed
    expect(page.get_by_role("alert").first).to_contain_text("Confira os campos marcados")
    channel = page.locator("#channel_id")
    expect(channel).to_be_focused()
    expect(channel).to_have_attribute("aria-invalid", "true")
    # Its message is linked to it, for a screen reader.
    assert (
        "Escolha o canal"
        in page.locator("#" + channel.get_attribute("aria-describedby")).inner_text()
    )
    assert _in_view(page, "#channel_id")


def test_shortcuts_new_detail_and_paging_move_the_focus_sensibly(page):
    login(page)
    page.goto("/atendimentos/1")  # the focus starts on the page title
    page.keyboard.press("Alt+n")
    expect(page.locator("#detail-page-label")).to_contain_text("Novo detalhe")
    expect(page.locator("#channel_id")).to_be_focused()  # the new detail's first field
    page.keyboard.press("Alt+PageUp")  # back to the last saved detail
    expect(page.locator("#detail-page-label")).to_contain_text(re.compile(r"Detalhe \d+ de \d+"))
    assert _focused(page) not in ("", "BODY")
    # ‹ pressed with Enter down to the first detail, where ‹ is gone: the focus holds on
    # "Detalhe 1 de N" instead of falling to the page's body.
    for _ in range(5):
        if page.locator("#detail-prev").count() == 0:
            break
        page.locator("#detail-prev").focus()
        page.keyboard.press("Enter")
        page.wait_for_timeout(300)
    expect(page.locator("#detail-page-label")).to_contain_text("Detalhe 1 de")
    expect(page.locator("#detail-page-label")).to_be_focused()
    # Said to a screen reader as well.
    expect(page.locator("#announcer")).to_contain_text("Detalhe 1 de")


def test_enter_in_a_one_line_field_does_not_confirm_the_ticket(page, demo, db):
    login(page)
    page.goto(f"/entidades/{demo['maria'].id}/atendimentos")
    with page.expect_navigation():
        page.keyboard.press("i")
    code = int(page.locator("#ticket-code").inner_text())
    page.keyboard.press("t")
    page.locator("#description").fill("Ligou sobre a entrega")
    page.locator("#received_at").fill("28/11/2026 10:00")
    page.locator("#received_at").press("Enter")
    page.wait_for_timeout(500)
    expect(page.locator(".badge.status-rascunho")).to_be_visible()  # still a draft
    db.session.rollback()
    ticket = db.session.scalar(
        sa.select(Ticket).where(Ticket.entity_id == demo["maria"].id, Ticket.code == code)
    )
    assert ticket.stage == "rascunho"
    # "/" from the Canal select still reaches the search box, and Ctrl+Enter there searches
    # instead of confirming the ticket.
    page.locator("#channel_id").focus()
    page.keyboard.press("/")
    expect(page.locator("#global-search")).to_be_focused()
    page.keyboard.type("529.982.247-25")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert f"/atendimentos/{code}" not in page.url  # searched (one match: her tickets)
    db.session.rollback()
    assert db.session.get(Ticket, ticket.id).stage == "rascunho"


def test_one_key_shortcuts_wait_while_the_attendant_types(page):
    login(page)
    page.goto("/entidades/1/atendimentos")
    search = page.locator("#global-search")
    page.keyboard.press("/")
    expect(search).to_be_focused()
    page.keyboard.type("i?")  # typed into the box: no Incluir, no help
    expect(search).to_have_value("i?")
    assert page.url.endswith("/entidades/1/atendimentos")
    expect(page.locator("#shortcut-help")).not_to_be_visible()


def test_the_help_overlay_lists_the_shortcuts_of_the_screen(page):
    login(page)
    page.goto("/atendimentos/1")
    page.locator("#ticket-form h2").first.click()
    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Atalhos do teclado")
    expect(help_dialog).to_be_visible()
    text = help_dialog.inner_text()
    for expected in ("Ctrl + Enter", "Confirmar", "Alt + N", "Novo detalhe", "/", "Buscar"):
        assert expected in text, expected
    page.screenshot(path="/tmp/isocrm-shortcut-help.png")
    page.keyboard.press("Escape")
    expect(help_dialog).not_to_be_visible()


def test_arrows_walk_the_results_and_back_to_the_box(page):
    login(page)
    page.goto("/atendimentos/?q=silva")
    box = page.locator("#entity-search")
    expect(box).to_be_focused()
    rows = page.locator("#results tbody tr")
    assert rows.count() >= 2
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    focused_row = page.evaluate("document.activeElement.closest('tr').rowIndex")
    assert focused_row == 2  # header row is 0
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(box).to_be_focused()


def test_what_htmx_changes_is_said_in_a_live_region(page):
    login(page)
    page.goto("/atendimentos/")
    page.keyboard.type("maria aparecida")
    expect(page.locator("#announcer")).to_have_text(re.compile(r"1 entidade encontrada"))
    page.goto("/atendimentos/1")
    page.get_by_role("link", name="Alertas").click()
    dialog = page.locator("dialog[open]")
    dialog.get_by_label("Mensagem").fill("Cliente prefere contato à tarde")
    dialog.get_by_label("Prioridade").select_option(label="Crítica")  # Maria's highest was Alta
    dialog.get_by_role("button", name="Criar alerta").click()
    # Said inside the dialog: the page behind a modal dialog is inert, its region unheard.
    region = page.locator("dialog[open] [data-announcer]")
    expect(region).to_contain_text("Alerta criado")
    expect(region).to_contain_text("Alertas: prioridade crítica")


def test_an_htmx_save_with_an_error_puts_the_focus_on_the_field(page):
    login(page)
    page.goto("/atendimentos/1?detalhe=novo")
    page.locator("#description").fill("   ")
    page.get_by_role("button", name="Salvar só o detalhe").click()
    channel = page.locator("#channel_id")
    expect(channel).to_have_attribute("aria-invalid", "true")
    expect(channel).to_be_focused()
    # The htmx save did not leave the shortcuts thinking the page is leaving.
    page.locator("main h1").focus()
    page.keyboard.press("Alt+PageUp")
    expect(page.locator("#detail-page-label")).to_contain_text(re.compile(r"Detalhe \d+ de \d+"))


def test_the_icon_bar_names_its_icons_from_1280_px(page):
    login(page)
    page.goto("/atendimentos/1")
    bar = page.get_by_role("navigation", name="Ícones do atendimento")
    for name in ("Cadastro completo", "Notas", "Pesquisa", "Alertas"):
        expect(bar.locator(".icon-label", has_text=name)).to_be_visible()
    labels = bar.locator(".icon-label")
    page.set_viewport_size({"width": 1200, "height": 768})
    for n in range(labels.count()):
        expect(labels.nth(n)).to_be_hidden()
    # The names stay for assistive technology and as tooltips.
    expect(bar.get_by_role("link", name="Cadastro completo")).to_have_attribute(
        "title", "Cadastro completo"
    )
    # The three icons that looked alike are different drawings now.
    paths = [
        bar.get_by_role("link", name=name).locator("path").get_attribute("d")
        for name in ("Cadastro completo", "Notas", "Pesquisa")
    ]
    assert len(set(paths)) == 3


INITIAL_FOCUS = [
    ("/atendimentos/", "#entity-search"),  # the search box
    ("/entidades/1/atendimentos", "button[aria-keyshortcuts~='I']"),  # Incluir
    ("/entidades/nova?q=Ana+Paula", "#name"),  # a new entity starts at its name
    ("/", "main h1"),  # the painel: its title, so Tab goes on into the page
    ("/conta/senha", "#current_password"),
]


def test_every_screen_starts_with_the_focus_somewhere_sensible(page):
    page.goto("/entrar")
    expect(page.locator("#username")).to_be_focused()
    login(page)
    for url, selector in INITIAL_FOCUS:
        page.goto(url)
        expect(page.locator(selector)).to_be_focused()


def test_incluir_pressed_twice_or_held_opens_one_ticket(page, demo, db):
    login(page)
    page.goto(f"/entidades/{demo['maria'].id}/atendimentos")
    expect(page.get_by_role("button", name=re.compile("Incluir"))).to_be_focused()
    db.session.rollback()
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Ticket))
    with page.expect_navigation():
        page.keyboard.down("i")  # held: the browser repeats it
        page.keyboard.down("i")
        page.keyboard.up("i")
        page.wait_for_timeout(120)  # and pressed again, as a hurried double press
        page.keyboard.press("i")
    expect(page.locator("#channel_id")).to_be_focused()
    page.wait_for_timeout(500)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == before + 1


def test_a_papel_still_to_choose_comes_first_then_the_call(page, demo):
    """Mercado has two papéis (Cliente, Parceiro): none is chosen for the attendant."""
    login(page)
    page.goto(f"/entidades/{demo['mercado'].id}/atendimentos")
    with page.expect_navigation():
        page.keyboard.press("i")
    role = page.locator("#role_id")
    expect(role).to_be_focused()
    page.keyboard.press("c")  # Cliente
    page.keyboard.press("Tab")
    expect(page.locator("#channel_id")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#description")).to_be_focused()
    # The fields in the order of a call: Papel, Canal, Descrição, Contato, then the Categoria.
    order = page.evaluate(
        """["role_id", "channel_id", "description", "contact_entity_id", "reason_id"]
             .map(id => document.querySelector(`[name=${id}]`))
             .map((el, i, all) => i === 0 || (all[i - 1].compareDocumentPosition(el) & 4) !== 0)"""
    )
    assert all(order), order


def test_slash_reaches_the_search_from_a_checkbox(page):
    """A screen reader may leave the focus on a row's checkbox (Orca did, on the painel): a
    checkbox types nothing, so "/" still goes to the search box; in a text field it types."""
    login(page)
    page.goto("/?aba=todos")
    checkbox = page.locator("input[type=checkbox][name=ticket]").first
    checkbox.focus()
    page.keyboard.press("/")
    search = page.locator("#global-search")
    expect(search).to_be_focused()
    search.fill("")
    page.keyboard.press("/")
    expect(search).to_have_value("/")
