"""Real Chromium (Debian's package) driven by Playwright against a live server."""

import os
import re
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tests.smtp import SlowCollector

CHROMIUM_FLAGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # The machine has no network: keep Chromium from dialling out at start.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def pytest_collection_modifyitems(items):
    """A browser that closes a tab or a context drops its connections mid-answer; the dev
    server's thread then leaves a static file or a database connection for the garbage
    collector, which reports it later as an "unraisable" ResourceWarning. That is Werkzeug's
    test server meeting an aborted download, not the app: it must not fail a browser test."""
    for item in items:
        if "tests/browser/" in str(item.path).replace("\\", "/"):
            item.add_marker(
                pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
            )


@pytest.fixture(scope="session")
def browser():
    path = _chromium_path()
    if path is None:
        message = "Chromium not found: install Debian's 'chromium' package to run browser tests"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: a missing browser is a failure)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app, demo):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # Request threads are joined at the end (server_close): a request still running when the
    # test ends would otherwise keep a database connection past the engine's disposal.
    server.daemon_threads = False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server, locale="pt-BR", viewport={"width": 1366, "height": 768}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    # The live region a screen reader hears (#announcer, a dialog's [data-announcer]) repeats
    # a message for a few seconds after it appears; a test looks for the text where a person
    # sees it, so page.get_by_text leaves those regions out (else two elements, by timing).
    find_text = page.get_by_text
    not_announcer = page.locator(":not(#announcer, [data-announcer])")
    page.get_by_text = lambda *args, **kwargs: find_text(*args, **kwargs).and_(not_announcer)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: _record_console_error(message, errors))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors in the page: {errors}"


# Refusals the app answers on purpose (invalid input, an edit conflict, an ended session
# answering the autosave) are logged by
# Chromium as failed loads; they are not script errors.
_EXPECTED_REFUSALS = ("status of 401", "status of 409", "status of 422")


def _record_console_error(message, errors):
    if message.type != "error":
        return
    if message.text.startswith("Failed to load resource") and any(
        code in message.text for code in _EXPECTED_REFUSALS
    ):
        return
    errors.append(message.text)


@pytest.fixture
def smtp(smtp_server):
    """The real SMTP server of tests/conftest.py, already listening: a page sends at once."""
    smtp_server.start()
    return smtp_server


@pytest.fixture
def slow_smtp(smtp_server):
    """A server that takes its time to accept each message, as a busy one does."""
    smtp_server.handler = SlowCollector()
    smtp_server.start()
    return smtp_server


def close_tab(page):
    """Close a tab as a person does, once what it shows has loaded.

    Chromium can acknowledge a close that races a navigation commit and never close the
    target, and Playwright's page.close() then waits forever (microsoft/playwright#42366,
    #41900): a POST that redirects may still be committing when click() returns."""
    page.wait_for_load_state("load")
    page.close()


def login(page, username="atendente", password="atendente123"):
    page.goto("/entrar")
    page.get_by_label("Usuário").fill(username)
    page.get_by_label("Senha").fill(password)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url(lambda url: url.endswith("/"))  # the painel


def login_supervisor_of(page, company_name):
    """The supervisor (in two Empresas) looking at `company_name`."""
    from playwright.sync_api import expect

    login(page, "supervisor", "supervisor123")
    switch = page.get_by_label("Empresa")
    if switch.count():
        switch.select_option(label=company_name)
        page.get_by_role("button", name="Trocar").click()
        expect(page.get_by_label("Empresa")).to_have_value(re.compile(r"\d+"))
