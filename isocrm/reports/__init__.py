"""Imprimir relatório: the print-ready ticket report."""

from flask import Blueprint

bp = Blueprint("reports", __name__)

from isocrm.reports import views  # noqa: E402,F401
