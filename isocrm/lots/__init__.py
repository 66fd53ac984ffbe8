"""Lot watch: complaints grouped by product and lot, and a warning when one lot gathers
too many of them (what a food or pharma SAC uses to catch a bad batch)."""

from flask import Blueprint

bp = Blueprint("lots", __name__)

from isocrm.lots import views  # noqa: E402,F401


@bp.record_once
def _register_globals(state) -> None:
    from isocrm.lots.views import painel_lot_warnings

    # The painel includes templates/lots/_painel_warnings.html, which calls this itself:
    # no context processor runs on every other page.
    state.app.jinja_env.globals["lot_warnings_for_painel"] = painel_lot_warnings
