"""One way to answer htmx: the whole page, or just the block it asked for."""

import re

from flask import make_response, render_template, request
from jinja2_fragments.flask import render_block, render_blocks

# The id of a combobox's listbox, sent by static/js/combobox.js: the prefix of its options' ids.
LISTBOX_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,80}")


def is_partial_request() -> bool:
    """htmx asked, and not to rebuild a page from history (that needs the full page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(
    template: str,
    block: str | None = None,
    status: int = 200,
    *,
    blocks: list[str] | None = None,
    **context,
):
    """Render `block` of `template` for htmx, the whole template otherwise. `blocks` answers
    several blocks one after the other (a dialog and an out-of-band swap, say); it is always
    an htmx answer, so the blocks are rendered whoever asked."""
    if blocks:
        body = render_blocks(template, blocks, **context)
    elif block and is_partial_request():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def render_listbox(choices) -> object:
    """The options of a combobox's listbox (macros/combobox.html) for `choices`, the
    (value, label) pairs found; their ids start with the listbox's id the request names."""
    listbox = request.args.get("listbox", "")
    if not LISTBOX_ID.fullmatch(listbox):
        listbox = "combobox"
    return render("macros/_combobox_options.html", choices=choices, listbox=listbox)
