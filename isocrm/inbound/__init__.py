"""Caixa de entrada: the Empresa's mailbox (IMAP) read by `flask fetch-mail`, its settings
(supervisors) and the messages nobody could be found for (Sem cadastro)."""

from flask import Blueprint

bp = Blueprint("inbound", __name__)

from isocrm.inbound import views  # noqa: E402,F401
