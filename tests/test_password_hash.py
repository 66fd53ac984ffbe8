"""PASSWORD_HASH_METHOD: production hashes with scrypt; the suite's cheap method
(tests/conftest.py) changes only new hashes, and the login's dummy hash follows it."""

import pytest
from werkzeug.security import generate_password_hash

from isocrm import create_app
from isocrm.auth import passwords
from isocrm.extensions import db as _db
from isocrm.models import User
from tests.conftest import TEST_HASH_METHOD, IsolatedClient, csrf_token_from


def login(client, username, password):
    token = csrf_token_from(client.get("/entrar").get_data(as_text=True))
    return client.post(
        "/entrar", data={"username": username, "password": password, "csrf_token": token}
    )


@pytest.fixture
def production_app(database_url, tmp_path):
    """The app as a deployment builds it: no PASSWORD_HASH_METHOD override."""
    app = create_app({"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": database_url})
    app.instance_path = str(tmp_path / "production-instance")
    app.test_client_class = IsolatedClient
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def test_production_hashes_with_scrypt_and_its_dummy_hash_is_scrypt_too(
    production_app, demo, monkeypatch
):
    assert production_app.config["PASSWORD_HASH_METHOD"] == "scrypt"
    seen = []
    real = passwords.check_password_hash

    def recording(password_hash, password):
        seen.append(password_hash.split("$", 1)[0])
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "check_password_hash", recording)
    with production_app.app_context():
        user = _db.session.get(User, demo["atendente"].id)
        user.set_password("uma-senha-de-producao")
        _db.session.commit()
        kind = user.password_hash.split("$", 1)[0]
    assert kind.startswith("scrypt:"), kind
    client = production_app.test_client()
    # An unknown user costs one hash of the same kind as a real one: the equal-time property.
    assert login(client, "ninguem-com-este-nome", "qualquer-coisa").status_code == 422
    assert seen == [kind]
    seen.clear()
    assert login(client, "atendente", "uma-senha-de-producao").status_code == 302
    assert seen == [kind]


def test_the_suite_hashes_cheaply_and_an_existing_scrypt_hash_still_verifies(app, db, demo, client):
    assert app.config["PASSWORD_HASH_METHOD"] == TEST_HASH_METHOD != "scrypt"
    assert demo["supervisor"].password_hash.startswith(TEST_HASH_METHOD + "$")
    # A password hashed under production's scrypt before the setting changed.
    demo["atendente"].password_hash = generate_password_hash("atendente123", method="scrypt")
    db.session.commit()
    assert login(client, "atendente", "senha-errada-1").status_code == 422
    assert login(client, "atendente", "atendente123").status_code == 302
