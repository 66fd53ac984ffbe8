"""The catalogue tree of the current Empresa: loading it, and the rules of its changes
(names unique per parent whatever the accents and case, order by subir/descer, a used entry
is deactivated and never deleted)."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import Session, selectinload

from isocrm.loaders import catalog_entries
from isocrm.models import Cause, Occurrence, ProductInfo, ReadyAnswer, Reason, Ticket
from isocrm.settings import words
from isocrm.text import fold


@dataclass(frozen=True)
class Level:
    """One level of the tree, as its URLs name it (/configuracoes/<slug>/<id>/…)."""

    slug: str
    model: type
    parent_column: str  # siblings share this column's value
    child: str | None  # slug of the level below, None for causes
    # The sentences about one entry (isocrm.settings.words): "Já existe a ocorrência “X”
    # neste motivo." (names are unique under the same parent), "Causa “X” incluída."…
    words: dict

    def taken(self, name: str) -> str:
        """The message beside a name another entry of the same list already has."""
        return self.say("taken", name=name)

    def say(self, key: str, **values) -> str:
        """'Causa “Embalagem” incluída.' from say("added", name="Embalagem")."""
        return words.say(self.words, key, **values)


LEVELS = {
    "motivos": Level("motivos", Reason, "company_id", "ocorrencias", words.MOTIVOS_WORDS),
    "ocorrencias": Level("ocorrencias", Occurrence, "reason_id", "causas", words.OCORRENCIAS_WORDS),
    "causas": Level("causas", Cause, "occurrence_id", None, words.CAUSAS_WORDS),
}


def level_of(slug: str) -> Level:
    level = LEVELS.get(slug)
    if level is None:
        abort(404)
    return level


def tree(session: Session, company_id: int) -> list[Reason]:
    """Every Motivo of the Empresa with its Ocorrências and Causas, active or not, in the
    order the attendants' lists show them (three queries)."""
    return list(
        session.scalars(
            sa.select(Reason)
            .where(Reason.company_id == company_id)
            .order_by(Reason.position, Reason.name)
            .options(selectinload(Reason.occurrences).selectinload(Occurrence.causes))
        )
    )


def _references(level: Level, item_id) -> list:
    """What refers to the entry (item_id: a number, or the id column for every entry): a
    ticket, a product's informação or a Resposta pronta."""
    if level.model is Reason:
        return [
            Ticket.reason_id == item_id,
            ProductInfo.reason_id == item_id,
            ReadyAnswer.reason_id == item_id,
        ]
    if level.model is Occurrence:
        return [
            Ticket.occurrence_id == item_id,
            ProductInfo.occurrence_id == item_id,
            ReadyAnswer.occurrence_id == item_id,
        ]
    return [Ticket.cause_id == item_id]


def _referred(level: Level, item_id):
    return sa.or_(*(sa.exists().where(ref) for ref in _references(level, item_id)))


def used_ids(session: Session, company_id: int) -> dict[str, set[int]]:
    """Per level, the ids a ticket or a product's informação refers to: those are kept
    (deactivated) rather than deleted, so old tickets keep their labels. One query a level."""
    return {
        slug: set(
            session.scalars(
                catalog_entries(level.model, company_id)
                .with_only_columns(level.model.id)
                .where(_referred(level, level.model.id))
            )
        )
        for slug, level in LEVELS.items()
    }


def children_of(level: Level, item) -> list:
    if level.model is Reason:
        return item.occurrences
    if level.model is Occurrence:
        return item.causes
    return []


def is_used(session: Session, level: Level, item) -> bool:
    """A ticket, a product's informação or an entry below refers to it."""
    if children_of(level, item):
        return True
    return bool(session.scalar(sa.select(_referred(level, item.id))))


def siblings(session: Session, level: Level, parent_id: int) -> list:
    """The entries under the same parent (the Empresa for Motivos), in their order."""
    model = level.model
    return list(
        session.scalars(
            sa.select(model)
            .where(getattr(model, level.parent_column) == parent_id)
            .order_by(model.position, model.name, model.id)
        )
    )


def name_taken(session: Session, level: Level, parent_id: int, name: str, item_id=None) -> bool:
    """Another entry under the same parent has this name, accents and case aside
    ("Reclamacao" and "reclamação" are one name to an attendant reading the list)."""
    wanted = fold(name)
    return any(
        fold(other.name) == wanted
        for other in siblings(session, level, parent_id)
        if other.id != item_id
    )


def next_position(session: Session, level: Level, parent_id: int) -> int:
    """A new entry goes to the end of its list."""
    model = level.model
    last = session.scalar(
        sa.select(sa.func.max(model.position)).where(
            getattr(model, level.parent_column) == parent_id
        )
    )
    return (last or 0) + 1


def move(session: Session, level: Level, item, step: int) -> bool:
    """Subir (-1) or descer (+1) one place among its siblings; False at either end. The
    list is numbered 1..n first: rows that never moved all share position 0."""
    row = siblings(session, level, getattr(item, level.parent_column))
    index = next(i for i, sibling in enumerate(row) if sibling.id == item.id)
    target = index + step
    if not 0 <= target < len(row):
        return False
    row[index], row[target] = row[target], row[index]
    for position, sibling in enumerate(row, start=1):
        if sibling.position != position:
            sibling.position = position
    return True
