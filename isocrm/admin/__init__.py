"""Administração: the Empresa's settings (supervisor) and its users' roles (admin)."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from isocrm.admin import views  # noqa: E402,F401
