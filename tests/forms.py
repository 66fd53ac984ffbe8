"""Reading a page's forms as a browser submits them, for tests that post a screen back.

One small HTML parser instead of a regex per test: it knows that a control belongs to the
form it sits in or the one its `form` attribute names, that disabled controls and
unchecked boxes are not sent, that a select sends its selected option (or its first), and
that a textarea sends its text. Values come back unescaped, as the server receives them.
"""

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, form_id: str | None):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.pairs: list[tuple[str, str]] = []
        self._form_stack: list[str | None] = []  # ids of the <form>s we are inside
        self._select: dict | None = None
        self._option: dict | None = None
        self._textarea: dict | None = None

    def _belongs(self, attrs: dict) -> bool:
        if "disabled" in attrs or not attrs.get("name"):
            return False
        if self.form_id is None:
            return True
        owner = attrs.get("form") or (self._form_stack[-1] if self._form_stack else None)
        return owner == self.form_id

    def handle_starttag(self, tag, attrs):
        attrs = {name: (value if value is not None else "") for name, value in attrs}
        if tag == "form":
            self._form_stack.append(attrs.get("id"))
        elif tag == "input":
            kind = attrs.get("type", "text").lower()
            if not self._belongs(attrs) or kind in ("submit", "button", "reset", "image", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            default = "on" if kind in ("checkbox", "radio") else ""
            self.pairs.append((attrs["name"], attrs.get("value", default)))
        elif tag == "select":
            self._select = {"attrs": attrs, "options": [], "chosen": None}
        elif tag == "option" and self._select is not None:
            self._option = {"attrs": attrs, "text": ""}
        elif tag == "textarea":
            self._textarea = {"attrs": attrs, "text": ""}

    def handle_data(self, data):
        if self._option is not None:
            self._option["text"] += data
        if self._textarea is not None:
            self._textarea["text"] += data

    def _close_option(self):
        if self._option is None:
            return
        attrs = self._option["attrs"]
        value = attrs["value"] if "value" in attrs else self._option["text"].strip()
        self._select["options"].append(value)
        if "selected" in attrs:
            self._select["chosen"] = value
        self._option = None

    def handle_endtag(self, tag):
        if tag == "form" and self._form_stack:
            self._form_stack.pop()
        elif tag == "option":
            self._close_option()
        elif tag == "select" and self._select is not None:
            self._close_option()
            select = self._select
            self._select = None
            if self._belongs(select["attrs"]):
                chosen = select["chosen"]
                if chosen is None and "multiple" not in select["attrs"] and select["options"]:
                    chosen = select["options"][0]
                if chosen is not None:
                    self.pairs.append((select["attrs"]["name"], chosen))
        elif tag == "textarea" and self._textarea is not None:
            textarea = self._textarea
            self._textarea = None
            if self._belongs(textarea["attrs"]):
                # The parser keeps the line break a browser drops right after <textarea>
                # (WTForms writes one, as \r\n).
                text = textarea["text"]
                text = text[2:] if text.startswith("\r\n") else text.removeprefix("\n")
                self.pairs.append((textarea["attrs"]["name"], text))


def form_pairs(html: str, form_id: str | None = None) -> list[tuple[str, str]]:
    """(name, value) of every control the form `form_id` sends, in page order; without an
    id, of every control on the page."""
    reader = _FormReader(form_id)
    reader.feed(html)
    reader.close()
    return reader.pairs


def form_values(html: str, form_id: str | None = None) -> dict[str, str]:
    """The form's values by name; a name sent twice keeps its first value."""
    values: dict[str, str] = {}
    for name, value in form_pairs(html, form_id):
        values.setdefault(name, value)
    return values
