"""Configurações: the supervisor's index of the Empresa's settings, and the catalogue tree
Motivo → Ocorrência → Causa edited in place."""

from flask import Blueprint

bp = Blueprint("settings", __name__)

from isocrm.settings import views  # noqa: E402,F401
