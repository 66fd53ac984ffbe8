"""Entrar, sair, trocar de Empresa; a senha e a verificação em duas etapas da conta."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from isocrm.auth import account_views, throttle, totp, views  # noqa: E402,F401

# Bound here so every app built by create_app gets the limits and the enrollment guard.
bp.record_once(lambda state: throttle.init_app(state.app))
bp.before_app_request(totp.require_enrollment)
bp.before_app_request(account_views.require_password_change)
