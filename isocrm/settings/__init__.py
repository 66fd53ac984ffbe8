"""Configurações: the supervisor's index of the Empresa's settings, the catalogue tree
Motivo → Ocorrência → Causa edited in place, and the flat catalogues (Canais, Situações…)."""

from flask import Blueprint
from werkzeug.routing import AnyConverter

bp = Blueprint("settings", __name__)


class CatalogueListConverter(AnyConverter):
    """<list:kind> matches only the slugs of the flat catalogues (isocrm.settings.lists), so
    their URLs never overlap the tree's /configuracoes/<level>/…"""

    def __init__(self, url_map):
        from isocrm.settings.lists import KINDS

        super().__init__(url_map, *KINDS)


@bp.record_once
def _register_converter(state):
    # Before the blueprint's rules are added: they are compiled with it.
    state.app.url_map.converters["list"] = CatalogueListConverter


from isocrm.settings import (  # noqa: E402,F401
    answer_views,
    company_views,
    info_views,
    list_views,
    views,
)
