"""What every request is allowed to carry, decided once for all the routes.

- Path ids are row ids: a number beyond the INTEGER columns' range (fields.MAX_ROW_ID)
  matches no route (404) instead of overflowing the database driver (a 500).
- Submitted text never carries NUL, other control characters or invisible marks (bidi
  overrides, zero-width spaces): they are stripped from every form value and every query
  string value before any view or form sees it, so no path to the database (PostgreSQL
  refuses a NUL outright) or back into a page can carry them.
- No form field is bigger than MAX_FORM_MEMORY_SIZE (500 kB) and no form has more than
  MAX_FORM_PARTS (1000) fields, url-encoded or multipart: 413. Werkzeug checks only
  multipart; a url-encoded post could bring one 2 MB field, stripped and validated in full.
"""

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter
from werkzeug.utils import cached_property

from isocrm.fields import MAX_ROW_ID, strip_control_characters


class RowIdConverter(IntegerConverter):
    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(map, *args, **kwargs)


def _clean(pairs) -> ImmutableMultiDict:
    return ImmutableMultiDict(
        [(strip_control_characters(k), strip_control_characters(v)) for k, v in pairs]
    )


class CleanRequest(Request):
    def _load_form_data(self) -> None:
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form:
            pairs = list(form.items(multi=True))
            parts, size = self.max_form_parts, self.max_form_memory_size
            # A paste longer than a field takes (5000 characters) is still a message next to
            # the field with the text kept; only what no screen could send is refused.
            if (parts is not None and len(pairs) > parts) or (
                size is not None and any(len(value) > size for _, value in pairs)
            ):
                raise RequestEntityTooLarge()
            self.__dict__["form"] = _clean(pairs)

    @cached_property
    def args(self) -> ImmutableMultiDict:
        return _clean(super().args.items(multi=True))
