"""The entity's workspace: Histórico, Agenda, Vendas, Notas and Pesquisas."""

from flask import Blueprint

bp = Blueprint("workspace", __name__)
