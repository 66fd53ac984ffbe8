"""The fast select writes what WTForms' own Select writes, escaping included."""

from werkzeug.datastructures import MultiDict
from wtforms import Form
from wtforms.widgets import Select

from isocrm.fields import ChoiceField


class _Form(Form):
    pick = ChoiceField("Escolha")


def test_fast_select_escapes_values_and_labels_like_wtforms():
    hostile = '"><script>alert(1)</script>'
    form = _Form(MultiDict({"pick": "2"}))
    form.pick.choices = [(None, "—"), (1, hostile), (2, "Ação & <b>negrito</b>"), (3, "")]
    fast = str(form.pick())
    assert "<script>" not in fast and "<b>" not in fast
    assert "&lt;script&gt;" in fast and "&amp;" in fast
    assert '<option selected value="2">' in fast
    assert fast == str(Select()(form.pick))  # the same HTML as WTForms' own widget
