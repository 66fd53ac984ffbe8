"""What every request is allowed to carry, decided once for all the routes.

- Path ids are row ids: a number beyond a 64-bit integer matches no route (404) instead of
  overflowing the database driver (a 500).
- Submitted text never carries NUL, other control characters or invisible marks (bidi
  overrides, zero-width spaces): they are stripped from every form value before any view or
  form sees it, so no path to the database can store them.
"""

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

from isocrm.fields import strip_control_characters

MAX_ROW_ID = 2**63 - 1


class RowIdConverter(IntegerConverter):
    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(map, *args, **kwargs)


class CleanRequest(Request):
    def _load_form_data(self) -> None:
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form:
            self.__dict__["form"] = ImmutableMultiDict(
                [(key, strip_control_characters(value)) for key, value in form.items(multi=True)]
            )
