"""htmx reads the data-hx-* attributes the templates use (valid HTML), and every htmx request
carries the CSRF token in its X-CSRFToken header (app.js, from <meta name="csrf-token">)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_an_htmx_post_without_a_token_field_is_accepted_by_its_header(page, demo):
    login(page)
    page.goto(f"/entidades/{demo['maria'].id}/agenda")
    row = page.locator("#agenda-list tr", has_text="Retornar contato sobre a entrega")
    form = row.locator("form.mark-done")
    assert form.get_attribute("data-hx-post") and form.get_attribute("hx-post") is None
    # Only the header can carry the token now: without it Flask-WTF answers 400.
    form.evaluate("f => f.querySelector('input[name=csrf_token]').remove()")
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    with page.expect_request(lambda r: r.method == "POST" and "realizado" in r.url) as posted:
        row.get_by_role("button", name=re.compile("Marcar como realizado")).click()
    headers = posted.value.all_headers()
    assert headers.get("hx-request") == "true" and headers.get("x-csrftoken") == token
    assert posted.value.response().status == 200
    # Swapped in place by htmx (data-hx-target), not a page load.
    expect(row.locator(".badge", has_text="Realizado")).to_be_visible()
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    assert page.url.endswith("/agenda")
