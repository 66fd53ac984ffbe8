"""Entrar, sair e trocar de Empresa."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from isocrm.auth import views  # noqa: E402,F401
