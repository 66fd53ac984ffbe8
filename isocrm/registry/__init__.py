"""Cadastro da entidade: the simplified and the complete registration, and its Alertas."""

from flask import Blueprint

bp = Blueprint("registry", __name__)

from isocrm.registry import lookup_views, views  # noqa: E402,F401
