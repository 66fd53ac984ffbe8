"""Print HTML to PDF in headless Chromium (Debian's package), driven by Playwright."""

import shutil

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
