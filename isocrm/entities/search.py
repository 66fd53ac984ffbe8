"""Find an entity by NOME/RAZÃO SOCIAL or CPF/CNPJ, fast on a registry of millions.

A name query is split into folded words; an entity matches when every query word is the
start of one of its words ("mar apa" finds "Maria Aparecida"). Two plans, chosen per query
by how many index rows the most selective word has:

- few candidates (<= CANDIDATE_LIMIT): take them from the word index (a B-tree range) and
  sort only those;
- many candidates: the matches are common, so walk the (company_id, search_name) index in
  the order shown and stop as soon as a page is full; nothing is sorted and the total is
  reported as "more than CANDIDATE_LIMIT".

A query of digits and punctuation is a CPF/CNPJ prefix (or an entity code); an
alphanumeric CNPJ is recognised by its digits. Both use the unique document index.
"""

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from isocrm import brdocs, text
from isocrm.models import Entity, EntitySearchWord

CANDIDATE_LIMIT = 5000
_DOCUMENT_LIKE = re.compile(r"^[\d.\-/\s]+$")
_ALNUM_CNPJ_LIKE = re.compile(r"^(?=(?:.*\d){2})[0-9A-Z]{6,14}$")


@dataclass
class SearchPage:
    query: str
    items: list[Entity]
    page: int
    per_page: int
    has_next: bool
    total: int | None  # None: more than CANDIDATE_LIMIT, not counted

    @property
    def count_limit(self) -> int:
        return CANDIDATE_LIMIT

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.per_page + 1


def _word_range(word: str):
    return sa.and_(
        EntitySearchWord.word >= word,
        EntitySearchWord.word < text.prefix_upper_bound(word),
    )


def _has_word_starting(company_id: int, word: str):
    return (
        sa.select(EntitySearchWord.entity_id)
        .where(
            EntitySearchWord.entity_id == Entity.id,
            EntitySearchWord.company_id == company_id,
            _word_range(word),
        )
        .exists()
    )


def _candidate_count(session: Session, company_id: int, word: str) -> int:
    bounded = (
        sa.select(EntitySearchWord.entity_id)
        .where(EntitySearchWord.company_id == company_id, _word_range(word))
        .limit(CANDIDATE_LIMIT + 1)
        .subquery()
    )
    return session.scalar(sa.select(sa.func.count()).select_from(bounded))


def _document_filter(query: str):
    """A where-clause for a document-looking query, or None when it is a name."""
    normalized = brdocs.normalize(query)
    if not normalized:
        return None
    if _DOCUMENT_LIKE.match(query.strip()):
        clauses = [
            sa.and_(
                Entity.document >= normalized,
                Entity.document < text.prefix_upper_bound(normalized),
            )
        ]
        if len(normalized) <= 9:
            clauses.append(Entity.id == int(normalized))
        return sa.or_(*clauses)
    if _ALNUM_CNPJ_LIKE.match(normalized) and " " not in query.strip():
        return sa.and_(
            Entity.document >= normalized,
            Entity.document < text.prefix_upper_bound(normalized),
        )
    return None


def search_entities(
    session: Session,
    company_id: int,
    query: str,
    page: int = 1,
    per_page: int = 20,
    extra_filter=None,
) -> SearchPage:
    """`extra_filter` narrows the matches further (e.g. only partners for the Local picker)."""
    page = max(page, 1)
    offset = (page - 1) * per_page
    scope = [Entity.company_id == company_id]
    if extra_filter is not None:
        scope.append(extra_filter)
    base = sa.select(Entity).where(*scope)
    total: int | None

    document_filter = _document_filter(query)
    if document_filter is not None:
        stmt = base.where(document_filter).order_by(Entity.document, Entity.id)
        total = session.scalar(
            sa.select(sa.func.count())
            .select_from(Entity)
            .where(*scope, document_filter)
        )
    else:
        query_words = text.words(query)
        if not query_words:
            return SearchPage(query, [], page, per_page, False, 0)
        counts = {w: _candidate_count(session, company_id, w) for w in set(query_words)}
        rarest = min(counts, key=counts.get)
        others = [w for w in set(query_words) if w != rarest]
        if counts[rarest] == 0:
            return SearchPage(query, [], page, per_page, False, 0)
        filters = [_has_word_starting(company_id, w) for w in others]
        if counts[rarest] <= CANDIDATE_LIMIT:
            candidates = sa.select(EntitySearchWord.entity_id).where(
                EntitySearchWord.company_id == company_id, _word_range(rarest)
            )
            filters.append(Entity.id.in_(candidates))
            total = session.scalar(
                sa.select(sa.func.count())
                .select_from(Entity)
                .where(*scope, *filters)
            )
        else:
            filters.append(_has_word_starting(company_id, rarest))
            total = None
        stmt = base.where(*filters).order_by(Entity.search_name, Entity.id)

    rows = list(
        session.scalars(
            stmt.options(selectinload(Entity.roles), selectinload(Entity.addresses))
            .limit(per_page + 1)
            .offset(offset)
        )
    )
    return SearchPage(query, rows[:per_page], page, per_page, len(rows) > per_page, total)
