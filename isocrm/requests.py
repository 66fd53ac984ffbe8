"""What every request is allowed to carry, decided once for all the routes.

- Path ids are row ids: a number beyond the INTEGER columns' range (fields.MAX_ROW_ID)
  matches no route (404) instead of overflowing the database driver (a 500).
- Submitted text never carries NUL, other control characters or invisible marks (bidi
  overrides, zero-width spaces): they are stripped from every form value and every query
  string value before any view or form sees it, so no path to the database (PostgreSQL
  refuses a NUL outright) or back into a page can carry them.
- No form field is bigger than MAX_FIELD_SIZE and no form has more than MAX_FORM_PARTS
  fields, url-encoded or multipart: 413 (Werkzeug checks field sizes of multipart only).
"""

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter
from werkzeug.utils import cached_property

from isocrm.fields import MAX_ROW_ID, strip_control_characters

# The longest text field takes 5000 characters and the ticket screen's hidden copy of the
# values it was built from a few kB; 100 000 is far beyond anything a screen sends.
MAX_FIELD_SIZE = 100_000


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
            limit = self.max_form_parts
            if (limit is not None and len(pairs) > limit) or any(
                len(value) > MAX_FIELD_SIZE for _, value in pairs
            ):
                raise RequestEntityTooLarge()
            self.__dict__["form"] = _clean(pairs)

    @cached_property
    def args(self) -> ImmutableMultiDict:
        return _clean(super().args.items(multi=True))
