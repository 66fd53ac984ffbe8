"""Pesquisa de satisfação: the invitation a concluded ticket sends its customer and the
public page (no login) where the customer rates the atendimento."""

from flask import Blueprint

bp = Blueprint("satisfaction", __name__)

from isocrm.satisfaction import views  # noqa: E402,F401
