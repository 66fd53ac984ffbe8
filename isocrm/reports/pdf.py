"""Print HTML to PDF in headless Chromium (Debian's package), driven by Playwright."""

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask

# The server has no business on the network: keep Chromium from dialling out at start.
CHROMIUM_ARGS = [
    "--no-sandbox",  # app servers and CI often run as root, where the sandbox refuses to start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 30_000


class PdfUnavailable(RuntimeError):
    """Chromium (or Playwright) is missing or could not print."""


class PdfBusy(RuntimeError):
    """Every render slot stayed busy for the whole wait."""


_slots_lock = threading.Lock()
_EXTENSION = "isocrm.pdf_slots"


def _slots(app: Flask) -> threading.BoundedSemaphore:
    """One semaphore per app in this process, sized by PDF_CONCURRENCY (made on first use, so
    a test's config is read)."""
    slots = app.extensions.get(_EXTENSION)
    if slots is None:
        with _slots_lock:
            slots = app.extensions.get(_EXTENSION)
            if slots is None:
                slots = threading.BoundedSemaphore(app.config["PDF_CONCURRENCY"])
                app.extensions[_EXTENSION] = slots
    return slots


@contextmanager
def render_slot(app: Flask) -> Iterator[None]:
    """Hold one of the app's render slots while printing. Each render starts a whole browser:
    a burst of requests must queue briefly (PDF_SLOT_WAIT) and then be turned away, not start
    one Chromium each and take the server's memory down."""
    slots = _slots(app)
    if not slots.acquire(timeout=app.config["PDF_SLOT_WAIT"]):
        raise PdfBusy(f"{app.config['PDF_CONCURRENCY']} PDF renders already running")
    try:
        yield
    finally:
        slots.release()


def chromium_path() -> str | None:
    return shutil.which("chromium")


def html_to_pdf(html: str, css: str) -> bytes:
    """An A4 PDF of `html` styled by `css`, with the sizes and margins of its @page rules."""
    executable = chromium_path()
    if executable is None:
        raise PdfUnavailable("chromium not found on PATH")
    try:
        # Lazy: Playwright is only needed by this endpoint (and the browser tests).
        from playwright.sync_api import Error, sync_playwright
    except ImportError as error:
        raise PdfUnavailable("playwright is not installed") from error

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
            )
            try:
                page = browser.new_page()
                page.set_default_timeout(TIMEOUT_MS)
                # The document is complete in itself: nothing in it (user text included) may
                # make the server's browser fetch anything.
                page.route("**/*", lambda route: route.abort())
                page.set_content(html, wait_until="load")
                page.add_style_tag(content=css)
                return page.pdf(print_background=True, prefer_css_page_size=True)
            finally:
                browser.close()
    except Error as error:
        raise PdfUnavailable(str(error)) from error
