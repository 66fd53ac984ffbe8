import sqlalchemy as sa
from flask import current_app, redirect, request, url_for
from sqlalchemy.orm import joinedload, selectinload

from isocrm.entities.search import search_entities
from isocrm.extensions import db
from isocrm.htmx import render
from isocrm.loaders import get_entity
from isocrm.models import Entity, Ticket
from isocrm.security import current_company
from isocrm.tickets import bp


@bp.get("/")
def home():
    """The desk opens on the search for an entity."""
    return redirect(url_for("tickets.index"))


@bp.get("/atendimentos/")
def index():
    """Atendimentos: search an entity by NOME/RAZÃO SOCIAL or CPF/CNPJ to open a ticket."""
    query = request.args.get("q", "").strip()[:100]
    page = request.args.get("page", 1, type=int) or 1
    results = None
    if query:
        results = search_entities(
            db.session,
            current_company().id,
            query,
            page=page,
            per_page=current_app.config["SEARCH_PAGE_SIZE"],
        )
    return render("tickets/index.html", block="results", query=query, results=results)


@bp.get("/entidades/<int:entity_id>/atendimentos")
def entity_tickets(entity_id: int):
    """The entity's tickets, newest first (seed §1: opened from the SAC icon)."""
    entity: Entity = get_entity(
        entity_id,
        selectinload(Entity.roles),
        selectinload(Entity.addresses),
        selectinload(Entity.phones),
        selectinload(Entity.econtacts),
    )
    tickets = db.session.scalars(
        sa.select(Ticket)
        .where(Ticket.entity_id == entity.id, Ticket.company_id == current_company().id)
        .options(
            joinedload(Ticket.reason),
            joinedload(Ticket.status),
            joinedload(Ticket.opened_by),
            joinedload(Ticket.role),
        )
        .order_by(Ticket.opened_at.desc(), Ticket.id.desc())
    ).all()
    return render("tickets/entity_tickets.html", entity=entity, tickets=tickets)
