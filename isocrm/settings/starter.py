"""A new Empresa with what the desk needs before its first ticket, for a company that
installs the desk without the demo data (`flask --app isocrm create-company`).

What the code relies on is created here: the papéis Cliente and Parceiro (by code), a
default situação in each category, and the usual canais. The rest (Motivos → Ocorrências
→ Causas, Unidades, Equipes, Produtos, users) is set up in Configurações by its admin."""

import sqlalchemy as sa
from sqlalchemy.orm import Session

from isocrm import brdocs
from isocrm.models import Channel, Company, Role, Status, Unit
from isocrm.models.catalog import (
    ROLE_CODE_CUSTOMER,
    ROLE_CODE_PARTNER,
    STATUS_CANCELLED,
    STATUS_DONE,
    STATUS_IN_PROGRESS,
    STATUS_OPEN,
    STATUS_WAITING,
)

STARTER_ROLES = ((ROLE_CODE_CUSTOMER, "Cliente"), (ROLE_CODE_PARTNER, "Parceiro"))
# (name, category); the first is where new tickets start.
STARTER_STATUSES = (
    ("Aberto", STATUS_OPEN),
    ("Em andamento", STATUS_IN_PROGRESS),
    ("Aguardando cliente", STATUS_WAITING),
    ("Concluído", STATUS_DONE),
    ("Cancelado", STATUS_CANCELLED),
)
STARTER_CHANNELS = ("Telefone", "E-mail", "WhatsApp")


class StarterError(ValueError):
    """What is wrong with the Empresa asked for, in Portuguese."""


def create_company(
    session: Session, name: str, document: str | None = None, unit_name: str | None = None
) -> Company:
    """Add the Empresa and its starter catalogue, and flush; the caller commits."""
    name = " ".join((name or "").split())
    if not name or len(name) > 120:
        raise StarterError("Informe o nome da Empresa (até 120 caracteres).")
    if session.scalar(sa.select(Company.id).where(sa.func.lower(Company.name) == name.lower())):
        raise StarterError(f"Já existe uma Empresa chamada {name!r}.")
    if document:
        document = brdocs.normalize(document)
        if len(document) != 14 or not brdocs.is_valid(document):
            raise StarterError("CNPJ inválido: confira os dígitos.")
        if session.scalar(sa.select(Company.id).where(Company.document == document)):
            raise StarterError("Já existe uma Empresa com este CNPJ.")
    company = Company(name=name, document=document or None)
    session.add(company)
    session.flush()
    session.add_all(Role(company_id=company.id, code=c, name=n) for c, n in STARTER_ROLES)
    session.add_all(
        Status(company_id=company.id, name=n, category=c, position=i, is_default=i == 0)
        for i, (n, c) in enumerate(STARTER_STATUSES)
    )
    session.add_all(Channel(company_id=company.id, name=n) for n in STARTER_CHANNELS)
    if unit_name:
        session.add(Unit(company_id=company.id, name=unit_name[:120], document=document or None))
    session.flush()
    return company
