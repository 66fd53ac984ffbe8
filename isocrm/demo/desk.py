"""The desk's demo: more attendants, two Equipes, and open tickets spread across people,
teams and nobody, some waiting on the customer, some late and some not.

The rest of the demo is dated before REFERENCE_NOW and stays the same on every load. A
painel is looked at *now*, though: a prazo is late or not against the clock of the day the
demo is loaded. So the passes of the existing tickets are dated before REFERENCE_NOW like
everything else, while a handful of new open tickets are opened relative to the moment of
loading (hours to three weeks before it): their prazos fall on both sides of "now". Those
moments are the only thing that differs between two loads; names, codes, owners, teams and
notes are the same.

Prazos are not set here: the demo loader computes every ticket's with the SLA clock
(isocrm/sla/demo.py) once all demo tickets exist."""

import random
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from isocrm.demo.fixed import REFERENCE_NOW
from isocrm.desk.assignment import Holder, assign
from isocrm.models import Entity, Team, Ticket, TicketDetail, TicketEvent, User
from isocrm.models.base import utcnow
from isocrm.models.ticket import STAGE_CONFIRMED

SEED = 11034

# (username, name, password)
ATTENDANTS = [
    ("atendente2", "Bruno Barros", "atendente2123"),
    ("atendente3", "Carla Correia", "atendente3123"),
]
# Equipe -> members (usernames)
TEAMS = {
    "Qualidade": ["atendente", "atendente2"],
    "Logística": ["atendente3", "supervisor"],
}
PASS_NOTES = [
    "Cliente pediu retorno no fim da tarde.",
    "Precisa de análise do lote pela Qualidade.",
    "Entrega com a transportadora: acompanhar o rastreio.",
    "Cliente prefere contato por WhatsApp.",
    "Sem retorno do cliente; tentar de novo amanhã.",
]
# Hours before the moment of loading at which the new open tickets were opened, and how
# they are held: (hours ago, situação category, owner username or None, equipe or None).
# With 7 days to resolve, the ones opened more than 168 hours ago are late.
FRESH_TICKETS = [
    (2, "aberto", None, None),
    (5, "aberto", "atendente", None),
    (20, "em_andamento", "atendente2", "Qualidade"),
    (30, "aguardando", "atendente", None),
    (50, "em_andamento", None, "Logística"),
    (75, "em_andamento", "atendente3", "Logística"),
    (100, "aguardando", "atendente2", None),
    (140, "em_andamento", None, "Qualidade"),
    (160, "aberto", "atendente", "Qualidade"),
    (190, "em_andamento", "atendente", None),
    (220, "aguardando", None, None),
    (260, "em_andamento", "atendente3", None),
    (330, "em_andamento", None, "Qualidade"),
    (500, "aberto", "atendente2", "Logística"),
]
FRESH_TEXTS = [
    "Cliente relata produto com sabor alterado; pede troca.",
    "Pedido não chegou na data combinada.",
    "Cobrança em duplicidade no cartão.",
    "Dúvida sobre alergênicos do Biscoito Integral 200g.",
    "Produto chegou com a embalagem violada, amassada e aberta.",
    "Pede o prazo para troca de um produto vencido.",
]


def load_desk(session: Session, fixed: dict[str, Any], now: datetime | None = None) -> None:
    """Add the desk's demo to the main Empresa; flushes, never commits."""
    now = now or utcnow()
    rng = random.Random(SEED)
    company = fixed["company"]
    users = {u.username: u for u in session.scalars(sa.select(User))}
    for username, name, password in ATTENDANTS:
        user = User(
            username=username,
            name=name,
            role="atendente",
            email=f"{username}@example.com.br",
            companies=[company],
            created_at=REFERENCE_NOW - timedelta(days=200),
        )
        user.set_password(password)
        session.add(user)
        users[username] = user
    teams = {
        name: Team(company_id=company.id, name=name, members=[users[m] for m in members])
        for name, members in TEAMS.items()
    }
    session.add_all(teams.values())
    session.flush()

    # Every ticket is its opener's until passed on (as migration 0010 did for old rows).
    session.execute(
        sa.update(Ticket)
        .where(Ticket.owner_id.is_(None))
        .values(owner_id=Ticket.opened_by_id)
        .execution_options(synchronize_session=False)
    )
    session.expire_all()
    _pass_open_tickets(session, company.id, users, teams, rng)
    _add_fresh_tickets(session, fixed, users, teams, rng, now)
    session.flush()


def _pass_open_tickets(session, company_id, users, teams, rng) -> None:
    """The open tickets of the generated history: some passed on (dated before
    REFERENCE_NOW), to a colleague, an equipe, or back to nobody."""
    tickets = session.scalars(
        sa.select(Ticket)
        .where(
            Ticket.company_id == company_id,
            Ticket.stage == STAGE_CONFIRMED,
            Ticket.closed_at.is_(None),
        )
        .order_by(Ticket.code)
    ).all()
    plans = [
        None,  # stays with who opened it
        Holder(users["atendente2"], None),
        Holder(None, teams["Qualidade"]),
        Holder(None, None),
        Holder(users["atendente3"], teams["Logística"]),
        Holder(users["atendente"], teams["Qualidade"]),
    ]
    for index, ticket in enumerate(tickets):
        holder = plans[index % len(plans)]
        if holder is None:
            continue
        note = rng.choice(PASS_NOTES) if rng.random() < 0.7 else None
        event = assign(session, ticket, holder, by_user_id=ticket.opened_by_id, note=note)
        if event is not None:
            span = max(int((REFERENCE_NOW - ticket.opened_at).total_seconds()), 120)
            event.at = ticket.opened_at + timedelta(seconds=rng.randrange(60, span))
            ticket.updated_at = max(ticket.updated_at, event.at)
    session.flush()


def _add_fresh_tickets(session, fixed, users, teams, rng, now) -> None:
    company = fixed["company"]
    statuses = fixed["statuses"]
    entities = [
        e
        for e in session.scalars(
            sa.select(Entity).where(Entity.company_id == company.id).order_by(Entity.id)
        )
        if e.roles
    ]
    chains = [
        ("Reclamação", "Produto com defeito"),
        ("Reclamação", "Atraso na entrega"),
        ("Reclamação", "Cobrança indevida"),
        ("Dúvida", "Informação sobre produto"),
    ]
    openers = [users["atendente"], users["atendente2"], users["atendente3"], users["supervisor"]]
    code = company.last_ticket_code
    waiting = []
    for hours, category, owner, team in sorted(FRESH_TICKETS, key=lambda t: -t[0]):
        code += 1
        opened_at = now - timedelta(hours=hours)
        opener = rng.choice(openers)
        entity = rng.choice(entities)
        reason, occurrence = rng.choice(chains)
        ticket = Ticket(
            company_id=company.id,
            code=code,
            entity=entity,
            role=entity.roles[0],
            reason_id=fixed["reasons"][reason].id,
            occurrence_id=fixed["occurrences"][f"{reason}/{occurrence}"].id,
            status=statuses["em_andamento" if category == "aguardando" else category],
            opened_by=opener,
            updated_by=opener,
            owner=users[owner] if owner else None,
            team=teams[team] if team else None,
            opened_at=opened_at,
            updated_at=opened_at,
            details=[
                TicketDetail(
                    channel=fixed["channels"][rng.choice(["Telefone", "WhatsApp", "E-mail"])],
                    direction="receptivo",
                    opened_at=opened_at,
                    attendant=opener,
                    description=rng.choice(FRESH_TEXTS),
                    answer="Registrado; retornaremos em breve." if hours > 4 else None,
                    answered_at=opened_at + timedelta(minutes=15) if hours > 4 else None,
                )
            ],
        )
        session.add(ticket)
        if category == "aguardando":
            waiting.append((ticket, opened_at + timedelta(hours=hours * 0.4)))
    company.last_ticket_code = code
    session.flush()
    # Waiting on the customer: the situação changes after opening, so the ticket's history
    # has the change (written by the before_flush listener) and the clock is paused.
    for ticket, since in waiting:
        ticket.status, ticket.status_id = statuses["aguardando"], statuses["aguardando"].id
        ticket.sla_paused_at = ticket.updated_at = since
    session.flush()
    for ticket, since in waiting:
        session.execute(
            sa.update(TicketEvent)
            .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "situacao")
            .values(at=since)
        )
