"""Enviar e-mail (seed §4): compose, send through SMTP or keep in the outbox."""

from flask import Blueprint

bp = Blueprint("mail", __name__)

from isocrm.mail import views  # noqa: E402,F401
