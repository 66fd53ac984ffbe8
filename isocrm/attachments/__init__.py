"""Anexos: files on a ticket's detail, uploaded on the ticket screen, downloaded (and shown
as thumbnails) by the users of the ticket's Empresa only."""

from flask import Blueprint

bp = Blueprint("attachments", __name__)

from isocrm.attachments import views  # noqa: E402,F401
