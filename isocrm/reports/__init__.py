"""Imprimir relatório: the print-ready ticket report."""

from flask import Blueprint

bp = Blueprint("reports", __name__)
