"""Find an entity by NOME/RAZÃO SOCIAL or CPF/CNPJ, fast on a registry of millions.

A name query is split into folded words; an entity matches when every query word is the
start of one of its words ("mar apa" finds "Maria Aparecida"). Results show the names that
begin with the first typed word first, then the others, each part in name order. Two plans,
chosen per query by how many index rows the most selective word (or all words together)
has:

- few candidates (<= CANDIDATE_LIMIT): take them from the word index (a B-tree range) and
  sort only those;
- many candidates: walk the (company_id, search_name) index in the order shown, first the
  range of names that begin with the word, then the rest, and stop as soon as a page is
  full; nothing is sorted and the total is reported as "more than CANDIDATE_LIMIT".

A query of digits and punctuation is a CPF/CNPJ prefix (or an entity code); an
alphanumeric CNPJ is recognised by its digits. Both use the unique document index.
"""

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from isocrm import brdocs, text
from isocrm.models import Entity, EntitySearchWord

CANDIDATE_LIMIT = 5000  # at most this many matches are sorted; more are read in name order
INTERSECT_LIMIT = 50_000  # a word with more index rows than this is too costly to intersect
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


def _has_word_starting(word: str):
    # No company_id here: the entity fixes it, and leaving it out steers both databases to
    # the (entity_id, word) index instead of scanning a whole word range per entity.
    return (
        sa.select(EntitySearchWord.entity_id)
        .where(EntitySearchWord.entity_id == Entity.id, _word_range(word))
        .exists()
    )


def _entities_with_word(company_id: int, word: str):
    return sa.select(EntitySearchWord.entity_id).where(
        EntitySearchWord.company_id == company_id, _word_range(word)
    )


def _bounded_count(session: Session, candidates, limit: int = CANDIDATE_LIMIT) -> int:
    """How many rows `candidates` has, counting no further than limit + 1."""
    bounded = candidates.limit(limit + 1).subquery()
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


def _starts_with(word: str):
    """The name itself begins with `word`: a range on the (company_id, search_name) index."""
    return sa.and_(Entity.search_name >= word, Entity.search_name < text.prefix_upper_bound(word))


def _fetch(session: Session, stmt, limit: int, offset: int) -> list[Entity]:
    return list(
        session.scalars(
            stmt.options(selectinload(Entity.roles), selectinload(Entity.addresses))
            .limit(limit)
            .offset(offset)
        )
    )


def _count(session: Session, scope, filters) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Entity).where(*scope, *filters))


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

    document_filter = _document_filter(query)
    if document_filter is not None:
        stmt = base.where(document_filter).order_by(Entity.document, Entity.id)
        rows = _fetch(session, stmt, per_page + 1, offset)
        total = _count(session, scope, [document_filter])
        return SearchPage(query, rows[:per_page], page, per_page, len(rows) > per_page, total)

    query_words = text.words(query)
    if not query_words:
        return SearchPage(query, [], page, per_page, False, 0)
    unique_words = sorted(set(query_words))
    counts = {
        w: _bounded_count(session, _entities_with_word(company_id, w), INTERSECT_LIMIT)
        for w in unique_words
    }
    rarest = min(unique_words, key=counts.get)
    if counts[rarest] == 0:
        return SearchPage(query, [], page, per_page, False, 0)
    # Names that begin with the first typed word come first, then the others; by name in each.
    leading = _starts_with(query_words[0])

    candidates = None
    filters = [_has_word_starting(w) for w in unique_words if w != rarest]
    if counts[rarest] <= CANDIDATE_LIMIT:
        candidates = _entities_with_word(company_id, rarest)
    else:
        # Every word is common, but together they may be rare ("luan fonseca"). Intersect
        # the words whose ranges are cheap to read; particles like "da" only filter.
        cheap = [w for w in unique_words if counts[w] <= INTERSECT_LIMIT]
        if len(cheap) > 1:
            every = sa.intersect(*(_entities_with_word(company_id, w) for w in cheap))
            if _bounded_count(session, sa.select(every.subquery())) <= CANDIDATE_LIMIT:
                candidates = every
                filters = [_has_word_starting(w) for w in unique_words if w not in cheap]

    if candidates is not None:
        # Few matches: sort them all.
        filters.append(Entity.id.in_(candidates))
        stmt = base.where(*filters).order_by(
            sa.case((leading, 0), else_=1), Entity.search_name, Entity.id
        )
        rows = _fetch(session, stmt, per_page + 1, offset)
        total = _count(session, scope, filters)
        return SearchPage(query, rows[:per_page], page, per_page, len(rows) > per_page, total)

    # Many matches: read them in display order from the name index and stop at a full page,
    # first the names that begin with the word (one index range), then the rest.
    filters.append(_has_word_starting(rarest))
    sections = [[*filters, leading], [*filters, sa.not_(leading)]]
    rows: list[Entity] = []
    skip = offset
    for section in sections:
        stmt = base.where(*section).order_by(Entity.search_name, Entity.id)
        got = _fetch(session, stmt, per_page + 1 - len(rows), skip)
        rows += got
        if len(rows) > per_page:
            break
        # This section ran out: what it held is behind us, so skip less in the next one.
        size = skip + len(got) if got else _count(session, scope, section)
        skip = max(0, skip - size)
    return SearchPage(query, rows[:per_page], page, per_page, len(rows) > per_page, None)
