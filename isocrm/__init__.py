"""isoCRM SAC: the application factory."""

import logging
import os
import secrets
from pathlib import Path

import click
from flask import Flask

from isocrm import (
    catalogs,  # noqa: F401  (registers the catalogue version's flush hook)
    database,  # noqa: F401  (registers the SQLite connection settings)
)
from isocrm import config as configuration  # not "settings": isocrm.settings is a blueprint
from isocrm.extensions import babel, csrf, db, login_manager, migrate

MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")
log = logging.getLogger(__name__)


class MissingSecretKey(RuntimeError):
    pass


def create_app(config: dict | None = None) -> Flask:
    """Build the app. `config` overrides the ISOCRM_* environment (tests, the demo)."""
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_path=os.environ.get("ISOCRM_INSTANCE_PATH")
        or str(Path(__file__).resolve().parent.parent / "instance"),
    )
    app.config.from_mapping(configuration.from_environment(app.instance_path))
    if config:
        app.config.from_mapping(config)
    _ensure_secret_key(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    # Ids in URLs beyond the INTEGER columns cannot name a row: 404, not a database overflow.
    from isocrm.requests import CleanRequest, RowIdConverter

    app.url_map.converters["int"] = RowIdConverter
    app.request_class = CleanRequest

    if app.config.get("PROXY_COUNT"):
        # Behind N proxies the client is the Nth address from the right of X-Forwarded-For;
        # without any, that header is the client's own word and request.remote_addr the peer.
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    from isocrm.auth import sessions

    sessions.init_app(app)  # before CSRF: a session that ended is emptied before forms are judged
    csrf.init_app(app)
    login_manager.init_app(app)
    from isocrm import i18n

    babel.init_app(
        app,
        default_locale=i18n.DEFAULT_LOCALE,
        default_timezone=app.config["TIMEZONE"],
        locale_selector=i18n.select_locale,
    )
    app.jinja_env.globals["html_lang"] = i18n.html_lang

    from isocrm import audit, errors, security, templating

    security.init_app(app)
    errors.init_app(app)
    database.init_app(app)
    templating.init_app(app)
    audit.init_app(app)

    from isocrm.admin import bp as admin_bp
    from isocrm.attachments import bp as attachments_bp
    from isocrm.auth import bp as auth_bp
    from isocrm.customer_history import bp as customer_history_bp
    from isocrm.desk import bp as desk_bp
    from isocrm.desk.owner_views import bp as desk_owner_bp
    from isocrm.finder import bp as finder_bp
    from isocrm.imports import bp as imports_bp
    from isocrm.inbound import bp as inbound_bp
    from isocrm.lots import bp as lots_bp
    from isocrm.mail import bp as mail_bp
    from isocrm.privacy import bp as privacy_bp
    from isocrm.registry import bp as registry_bp
    from isocrm.reports import bp as reports_bp
    from isocrm.satisfaction import bp as satisfaction_bp
    from isocrm.satisfaction.service import send_committed
    from isocrm.settings import bp as settings_bp
    from isocrm.sla import bp as sla_bp
    from isocrm.tickets import bp as tickets_bp
    from isocrm.workspace import bp as workspace_bp

    for blueprint in (
        auth_bp,
        desk_bp,
        tickets_bp,
        registry_bp,
        workspace_bp,
        mail_bp,
        reports_bp,
        privacy_bp,
        admin_bp,
        desk_owner_bp,
        finder_bp,
        sla_bp,
        lots_bp,
        customer_history_bp,
        settings_bp,
        imports_bp,
        inbound_bp,
        attachments_bp,
        satisfaction_bp,
    ):
        app.register_blueprint(blueprint)
    app.after_request(send_committed)

    from isocrm import cli

    cli.init_app(app)
    return app


def _ensure_secret_key(app: Flask) -> None:
    """Production needs ISOCRM_SECRET_KEY; the demo, tests and CLI may use a local one."""
    if app.config.get("SECRET_KEY"):
        return
    development = (
        app.config.get("ALLOW_DEV_SECRET_KEY")
        or app.testing
        # A `flask ...` command (migrations, demo data, the dev server) is not production.
        or click.get_current_context(silent=True) is not None
    )
    if not development:
        raise MissingSecretKey(
            "ISOCRM_SECRET_KEY is not set. Production needs a long random secret, for example:\n"
            "  export ISOCRM_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')"
        )
    key_file = Path(app.instance_path) / "dev-secret-key"
    key_file.parent.mkdir(parents=True, exist_ok=True)
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    app.config["SECRET_KEY"] = key_file.read_text().strip()
