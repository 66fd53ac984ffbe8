"""Importar CSV in real Chromium: a supervisor uploads an Excel-BR file with a bad row, reads
the warning and the error, uploads it fixed, watches the check's and the import's progress
bar, closes the tab while it imports, finds the import again in the list, and finds an
imported customer."""

import re

import pytest
from playwright.sync_api import expect

from isocrm.imports.sample import entity_file
from tests.browser.conftest import close_tab, login_supervisor_of

pytestmark = pytest.mark.browser


def page_origin(url: str) -> str:
    return re.match(r"https?://[^/]+", url).group(0)


ROWS = 40_000  # enough for the bars to be seen moving (a few seconds each)
SHOWN = "40.000"


def test_supervisor_imports_entities_from_excel(page, demo, tmp_path):
    good = entity_file(ROWS, newline="\r\n")
    bad = entity_file(300, newline="\r\n").replace(";Cliente;", ";Marciano;", 1)
    (tmp_path / "ruim.csv").write_bytes(bad.encode("cp1252"))
    (tmp_path / "bom.csv").write_bytes(good.encode("cp1252"))
    login_supervisor_of(page, demo["company"].name)

    page.get_by_role("link", name="Importar CSV").click()
    expect(page.get_by_role("heading", name="Importar CSV")).to_be_visible()
    page.get_by_label("Arquivo CSV").set_input_files(str(tmp_path / "ruim.csv"))
    page.get_by_role("button", name="Conferir arquivo").click()
    expect(page.get_by_role("heading", name="Prévia: ruim.csv")).to_be_visible()
    expect(page.get_by_text("foi lido como Latin-1")).to_be_visible()
    expect(page.get_by_text("1 erro(s): nada será importado")).to_be_visible()
    error = page.get_by_role("row").filter(has_text="Papel desconhecido")
    expect(error.get_by_role("cell").first).to_have_text("2")
    expect(page.get_by_role("button", name="Confirmar importação")).to_have_count(0)
    page.get_by_role("button", name="Descartar arquivo").click()
    expect(page.get_by_text("Arquivo descartado: nada foi importado.")).to_be_visible()

    # A big file: the check runs in the background, its bar fills, then the preview shows.
    page.get_by_label("Arquivo CSV").set_input_files(str(tmp_path / "bom.csv"))
    page.get_by_role("button", name="Conferir arquivo").click()
    expect(page.get_by_role("heading", name="Conferindo o arquivo…")).to_be_visible()
    progress = page.locator("#import-progress")
    # The job's process may take a while to start on a busy machine ("Iniciando…", "Lendo…").
    expect(progress).to_contain_text(
        re.compile(r"Conferindo: [\d.]+ de 40\.000 linhas"), timeout=30_000
    )
    page.screenshot(path="/tmp/isocrm-import-checking.png")
    expect(page.get_by_text(f"Nenhum erro: {SHOWN} linhas: {SHOWN} entidades novas")).to_be_visible(
        timeout=60_000
    )
    expect(page.get_by_role("cell", name="Luíza Silva Silva 4", exact=True)).to_be_visible()
    preview_url = page.url

    # Confirmar: the import's bar; the tab is closed while it writes.
    page.get_by_role("button", name="Confirmar importação").click()
    expect(page.get_by_role("heading", name="Importando…")).to_be_visible()
    page.screenshot(path="/tmp/isocrm-import-running.png")
    context = page.context
    close_tab(page)

    # Another tab: the list of the last day's files has it; its page has the result.
    other = context.new_page()
    other.set_default_timeout(10_000)
    other.goto("/importacao")
    link = other.get_by_role("link", name="bom.csv")
    expect(link).to_have_attribute("href", preview_url.split(page_origin(preview_url), 1)[1])
    link.click()
    expect(
        other.get_by_text(f"Importação concluída: {SHOWN} linhas: {SHOWN} entidades novas")
    ).to_be_visible(timeout=90_000)
    other.screenshot(path="/tmp/isocrm-import-done.png")
    # Back to the list: it says what was imported.
    other.goto("/importacao")
    expect(other.get_by_role("row").filter(has_text="bom.csv")).to_contain_text(
        f"Importado: {SHOWN} linhas"
    )

    # The imported customer is found by the search, accents and all.
    other.goto("/atendimentos/?q=luiza+conceicao+20")
    expect(other.get_by_text("Luíza Conceição Silva 20", exact=True)).to_be_visible()
