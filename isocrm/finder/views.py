"""Busca: GET /busca?q= — one exact match goes straight to it, else the grouped results."""

from flask import current_app, redirect, request, url_for

from isocrm.extensions import db
from isocrm.fields import page_number
from isocrm.finder import bp
from isocrm.finder.search import find
from isocrm.htmx import render
from isocrm.permissions import ROLE_ATTENDANT, allow
from isocrm.security import current_company


@bp.get("/busca")
@allow(ROLE_ATTENDANT)
def search():
    """Tickets by code, words of their details or their entity's phone, e-mail or
    CPF/CNPJ, and entities by name, phone, e-mail or CPF/CNPJ, in the current Empresa."""
    typed = request.args.get("q", "").strip()[:100]
    page = page_number(request.args.get("page"))
    results = None
    if typed:
        per_page = current_app.config["SEARCH_PAGE_SIZE"]
        results = find(db.session, current_company().id, typed, page, per_page)
        if results.redirect is not None and page == 1:
            endpoint, values = results.redirect
            return redirect(url_for(endpoint, **values), 303)
    return render("finder/results.html", block="results", typed=typed, results=results)
