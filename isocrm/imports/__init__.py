"""Importar CSV: entities (and more kinds later) from a spreadsheet, by the command line
(`flask --app isocrm import KIND FILE --company ID [--dry-run]`) or the upload screen with a
preview (supervisors)."""

from flask import Blueprint

bp = Blueprint("imports", __name__)

from isocrm.imports import views  # noqa: E402,F401
