"""The test client gives each request its own app context (and so its own `g` and
database session), as production does, even while the test holds one open."""

from flask import g

from isocrm.extensions import db as _db


def test_a_request_does_not_share_the_tests_app_context(app, client):
    seen = {}

    @app.before_request
    def look():
        seen["marker"] = g.get("marker")
        seen["session"] = _db.session()

    with app.app_context():
        g.marker = "the test's"
        test_session = _db.session()
        client.get("/entrar")

    assert seen["marker"] is None
    assert seen["session"] is not test_session
