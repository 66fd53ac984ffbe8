"""The desk: the painel every attendant opens on, and passing tickets between people."""

from flask import Blueprint

bp = Blueprint("desk", __name__)

from isocrm.desk import stamp, views  # noqa: E402,F401
