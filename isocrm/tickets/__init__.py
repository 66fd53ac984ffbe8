"""Atendimento › Atendimentos: find the entity, see its tickets, open and work one."""

from flask import Blueprint

bp = Blueprint("tickets", __name__)

from isocrm.tickets import answer_views, recovery, views  # noqa: E402,F401
