"""The entity's workspace: Histórico, Agenda, Vendas, Notas and Pesquisas."""

from flask import Blueprint

bp = Blueprint("workspace", __name__)

from isocrm.workspace import views  # noqa: E402,F401
