"""isocrm.htmx.render: the whole page, one block for htmx, or several blocks one after the other."""

import jinja2
import pytest

from isocrm.htmx import render

PAGE = (
    "<html>{% block first %}<p>first {{ word }}</p>{% endblock %}"
    "{% block second %}<p id='x' data-hx-swap-oob='true'>second {{ word }}</p>{% endblock %}"
    "</html>"
)
HTMX = {"HX-Request": "true"}


@pytest.fixture
def page_template(app, monkeypatch):
    loader = jinja2.ChoiceLoader([jinja2.DictLoader({"test_page.html": PAGE}), app.jinja_loader])
    monkeypatch.setattr(app.jinja_env, "loader", loader)
    app.jinja_env.cache.clear()
    return "test_page.html"


def _body(response) -> str:
    return response.get_data(as_text=True)


def test_the_whole_template_without_htmx(app, page_template):
    with app.test_request_context("/"):
        response = render(page_template, block="first", word="w")
    assert _body(response).startswith("<html><p>first w</p>")
    assert "HX-Request" in response.vary


def test_one_block_for_htmx(app, page_template):
    with app.test_request_context("/", headers=HTMX):
        response = render(page_template, block="first", word="w")
    assert _body(response) == "<p>first w</p>"


def test_several_blocks_in_order_with_one_context_and_the_status(app, page_template):
    with app.test_request_context("/", headers=HTMX):
        response = render(page_template, blocks=["second", "first"], status=409, word="w")
    assert _body(response) == "<p id='x' data-hx-swap-oob='true'>second w</p><p>first w</p>"
    assert response.status_code == 409
    assert "HX-Request" in response.vary


def test_a_history_restore_gets_the_page_not_the_block(app, page_template):
    headers = {**HTMX, "HX-History-Restore-Request": "true"}
    with app.test_request_context("/", headers=headers):
        response = render(page_template, block="first", word="w")
    assert _body(response).startswith("<html>")
