"""Busca: one search box for everything (the header), tickets and entities alike."""

from flask import Blueprint

bp = Blueprint("finder", __name__)

from isocrm.finder import views  # noqa: E402,F401
