"""LGPD: everything held about a titular (CPF/CNPJ), exported, and its anonymisation.

Supervisors only (isocrm.permissions). Each titular is looked up in the current Empresa; an
entity of another Empresa is as missing (404), for export and anonymisation alike.
"""

from flask import Blueprint

bp = Blueprint("privacy", __name__, url_prefix="/privacidade")

from isocrm.privacy import views  # noqa: E402,F401
