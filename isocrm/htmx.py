"""One way to answer htmx: the whole page, or just the block it asked for."""

from flask import make_response, render_template, request
from jinja2_fragments.flask import render_block


def is_partial_request() -> bool:
    """htmx asked, and not to rebuild a page from history (that needs the full page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(template: str, block: str | None = None, status: int = 200, **context):
    """Render `block` of `template` for htmx, the whole template otherwise."""
    if block and is_partial_request():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response
