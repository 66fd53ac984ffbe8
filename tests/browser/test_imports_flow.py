"""Importar CSV in real Chromium: a supervisor uploads an Excel-BR file with a bad row, reads
the warning and the error, uploads it fixed, confirms, and finds an imported customer."""

import pytest
from playwright.sync_api import expect

from isocrm.imports.sample import entity_file
from tests.browser.conftest import login_supervisor_of

pytestmark = pytest.mark.browser


def test_supervisor_imports_entities_from_excel(page, demo, tmp_path):
    good = entity_file(300, newline="\r\n")
    bad = good.replace(";Cliente;", ";Marciano;", 1)
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

    page.get_by_label("Arquivo CSV").set_input_files(str(tmp_path / "bom.csv"))
    page.get_by_role("button", name="Conferir arquivo").click()
    expect(page.get_by_text("Nenhum erro: 300 linhas: 300 entidades novas")).to_be_visible()
    expect(page.get_by_role("cell", name="Luíza Silva Silva 4")).to_be_visible()
    page.get_by_role("button", name="Confirmar importação").click()
    expect(
        page.get_by_text("Importação concluída: 300 linhas: 300 entidades novas")
    ).to_be_visible()
    page.screenshot(path="/tmp/isocrm-import-done.png")

    # The imported customer is found by the search, accents and all.
    page.goto("/atendimentos/?q=luiza+conceicao+20")
    expect(page.get_by_text("Luíza Conceição Silva 20")).to_be_visible()
