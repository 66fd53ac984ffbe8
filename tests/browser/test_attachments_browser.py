"""Anexos on the ticket screen in real Chromium at 1366x768: the file field, a drop of files
on the drop zone (a DataTransfer, as the browser builds for a real drag), the thumbnail
loaded from the server, a refusal by the field, Reload and Back; axe and the Nu HTML Checker
on those states, and on the composer offering the attachments."""

import base64
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.browser.test_accessibility import AXE, AXE_RUN, AXE_TAGS, BLOCKING
from tests.sample_files import PDF_SMALL, PNG_1PX, png
from tests.screens import vnu_command, vnu_errors

pytestmark = pytest.mark.browser

DROP = """([selector, name, type, data]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, {type}));
  const zone = document.querySelector(selector);
  for (const kind of ["dragenter", "dragover", "drop"]) {
    zone.dispatchEvent(new DragEvent(kind, {bubbles: true, cancelable: true,
                                            dataTransfer: transfer}));
  }
}"""


def _axe(page, name: str) -> list[str]:
    found = page.evaluate(AXE_RUN, AXE_TAGS)
    return [f"{name}: {v['id']} {v['targets']}" for v in found if v["impact"] in BLOCKING]


def _refuse(section):
    section.get_by_label("Anexar arquivos").set_input_files(
        [{"name": "pagina.pdf", "mimeType": "application/pdf", "buffer": b"<html></html>"}]
    )
    section.get_by_role("button", name="Anexar", exact=True).click()


def test_attach_by_field_and_by_drop_see_the_thumbnail_reload_and_back(page, demo):
    ticket = demo["ticket_3"]
    detail_id = ticket.details[0].id
    url = f"/atendimentos/{ticket.code}?detalhe=1"
    login(page)
    page.goto("/atendimentos/")
    page.goto(url)
    section = page.locator(f"#attachments-{detail_id}")
    expect(section.get_by_text("Nenhum arquivo anexado a este detalhe.")).to_be_visible()

    # The plain file field and Anexar: htmx swaps the detail's list, the thumbnail loads.
    photo = png(96, 64, (200, 60, 40))
    section.get_by_label("Anexar arquivos").set_input_files(
        [{"name": "embalagem rasgada.png", "mimeType": "image/png", "buffer": photo}]
    )
    section.get_by_role("button", name="Anexar", exact=True).click()
    section = page.locator(f"#attachments-{detail_id}")
    expect(section.get_by_text("1 arquivo anexado.")).to_be_visible()
    expect(section.get_by_role("link", name="embalagem rasgada.png")).to_be_visible()
    thumbnail = section.locator("img.attachment-thumb")
    expect(thumbnail).to_have_count(1)
    page.wait_for_function(
        "() => { const i = document.querySelector('img.attachment-thumb');"
        " return i && i.complete && i.naturalWidth === 96; }"
    )
    assert page.url.endswith(url)  # swapped in place, not a new page

    # Files dropped on the zone are sent at once.
    page.evaluate(
        DROP,
        [
            f"#attachments-{detail_id} [data-drop-zone]",
            "nota fiscal.pdf",
            "application/pdf",
            base64.b64encode(PDF_SMALL).decode(),
        ],
    )
    section = page.locator(f"#attachments-{detail_id}")
    expect(section.get_by_text("1 arquivo anexado.")).to_be_visible()
    expect(section.get_by_role("link", name="nota fiscal.pdf")).to_be_visible()
    expect(section.locator("li")).to_have_count(2)
    if os.environ.get("ISOCRM_SCREENSHOTS"):
        shots = Path(__file__).parents[2] / "docs" / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        section.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "ticket-attachments.png"))

    # A file that is not of an accepted kind: refused by the field, nothing added.
    _refuse(section)
    section = page.locator(f"#attachments-{detail_id}")
    expect(section.get_by_role("alert")).to_contain_text("pagina.pdf")
    expect(section.get_by_label("Anexar arquivos")).to_have_attribute("aria-invalid", "true")
    expect(section.locator("li:not(.field-errors li)")).to_have_count(2)

    # Reload, then Back and Forward: the list is the server's, both files, once each.
    page.reload()
    section = page.locator(f"#attachments-{detail_id}")
    expect(section.locator(".attachment-list li")).to_have_count(2)
    expect(section.get_by_role("alert")).to_have_count(0)
    page.go_back()
    expect(page).to_have_url(re.compile(r"/atendimentos/$"))
    page.go_forward()
    section = page.locator(f"#attachments-{detail_id}")
    expect(section.locator(".attachment-list li")).to_have_count(2)
    expect(section.get_by_role("link", name="nota fiscal.pdf")).to_be_visible()

    # The composer offers both, to be checked.
    page.goto(f"/atendimentos/{ticket.code}/email?detalhe=1")
    offered = page.get_by_role("group", name="Anexar ao e-mail")
    expect(offered.get_by_role("checkbox")).to_have_count(2)
    expect(offered.get_by_label(re.compile("embalagem rasgada.png"))).not_to_be_checked()

    # Remover, back on the ticket: the list swapped without the file.
    page.go_back()
    section = page.locator(f"#attachments-{detail_id}")
    section.get_by_role("button", name="Remover o anexo nota fiscal.pdf").click()
    section = page.locator(f"#attachments-{detail_id}")
    expect(section.get_by_text("Anexo nota fiscal.pdf removido.")).to_be_visible()
    expect(section.locator(".attachment-list li")).to_have_count(1)


def test_attachment_states_pass_axe_and_the_html_checker(browser, live_server, demo, tmp_path):
    """The list with a thumbnail, a refusal by the field, the composer's checkboxes."""
    from tests.browser.test_accessibility import _context

    ticket = demo["ticket_3"]
    detail_id = ticket.details[0].id
    context, page, errors = _context(browser, live_server)
    login(page)
    page.goto(f"/atendimentos/{ticket.code}?detalhe=1")
    section = page.locator(f"#attachments-{detail_id}")
    section.get_by_label("Anexar arquivos").set_input_files(
        [{"name": "foto.png", "mimeType": "image/png", "buffer": PNG_1PX}]
    )
    section.get_by_role("button", name="Anexar", exact=True).click()
    expect(page.locator(f"#attachments-{detail_id} img.attachment-thumb")).to_have_count(1)
    out = tmp_path / "html"
    out.mkdir()
    page.evaluate(AXE)
    violations = _axe(page, "attached")
    (out / "attached.html").write_text(page.content())
    _refuse(page.locator(f"#attachments-{detail_id}"))
    expect(page.locator(f"#attachments-{detail_id}").get_by_role("alert")).to_be_visible()
    violations += _axe(page, "refused")
    (out / "refused.html").write_text(page.content())
    page.goto(f"/atendimentos/{ticket.code}/email?detalhe=1")
    page.evaluate(AXE)
    violations += _axe(page, "composer")
    (out / "composer.html").write_text(page.content())
    context.close()
    assert violations == [] and errors == []
    assert vnu_errors(out, vnu_command()) == []
