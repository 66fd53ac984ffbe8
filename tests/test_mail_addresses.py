"""isocrm.fields.EmailAddress: the one e-mail rule of every form (Enviar e-mail, Reply-To,
the user's e-mail), each with its own words for an address of the wrong form."""

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form, StringField

from isocrm.fields import EmailAddress

SCREEN_MESSAGE = "Mensagem da tela"


def _check(app, typed: str, **options):
    """(valid, errors, the field's data) of a form with one field under EmailAddress."""

    class OneAddress(Form):
        address = StringField(validators=[EmailAddress(**options)])

    with app.test_request_context():
        form = OneAddress(MultiDict({"address": typed}))
        valid = form.validate()
        return valid, [str(e) for e in form.address.errors], form.address.data


@pytest.mark.parametrize(
    "typed",
    [
        "maria@",
        "maria aparecida@example.com",
        "Maria <maria@example.com>",
        "maria@example.com, jose@example.com",
        "maria@example.com;jose@example.com",
        "joão@example.com.br",
    ],
)
def test_an_address_of_the_wrong_form_gets_the_screens_message(app, typed):
    assert _check(app, typed, message=SCREEN_MESSAGE) == (False, [SCREEN_MESSAGE], typed)


def test_without_a_message_the_rules_own_messages_say_why(app):
    valid, errors, _data = _check(app, "joão@example.com.br")
    assert not valid and "letras acentuadas" in errors[0]
    valid, errors, _data = _check(app, "Maria <maria@example.com>")
    assert not valid and "sem nome nem vários endereços" in errors[0]


@pytest.mark.parametrize(
    "typed, words",
    [("maria@example.c", "confira o domínio"), ("m" * 65 + "@example.com", "64 caracteres")],
)
def test_what_smtp_servers_refuse_says_so_on_every_screen(app, typed, words):
    valid, errors, _data = _check(app, typed, message=SCREEN_MESSAGE)
    assert not valid and words in errors[0] and SCREEN_MESSAGE not in errors[0]


def test_an_international_domain_is_kept_in_ascii_only_when_asked(app):
    typed = "maria@exã.com.br"
    assert _check(app, typed, ascii_domain=True) == (True, [], "maria@xn--ex-tia.com.br")
    assert _check(app, typed) == (True, [], typed)
    assert _check(app, "") == (True, [], "")
