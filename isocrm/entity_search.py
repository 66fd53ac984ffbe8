"""Find an entity by NOME/RAZÃO SOCIAL or CPF/CNPJ, fast on a registry of millions.

A name query is split into folded words; an entity matches when every query word is the
start of one of its words ("mar apa" finds "Maria Aparecida"). Two plans, chosen per query
by how many entities the rarest pair of typed words (from the pair keys) or the rarest
word has, counted in the database no further than CANDIDATE_LIMIT + 1:

- few candidates (<= CANDIDATE_LIMIT): the database sorts them by a computed key in
  display order, keeping only the page in its sorter: the names that begin with the typed
  words, then those with every typed word as a whole word, then those that begin with the
  first word, then the rest, each by name; the count is exact;
- many candidates: the names that begin with the typed words (a range of the name index),
  then the rest in the order of the rarest pair's index keys (when they are a few ranges)
  or the rarest word's, whole words first; every read stops at a full page, nothing is
  sorted and the total is reported as "more than CANDIDATE_LIMIT".

A query of digits and punctuation is a CPF/CNPJ prefix (or an entity code); an
alphanumeric CNPJ is recognised by its digits. Both use the unique document index.
"""

import json
import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, selectinload

from isocrm import brdocs, text
from isocrm.models import Entity, EntitySearchWord

CANDIDATE_LIMIT = 5000  # at most this many matches are sorted; more are read in name order
# A query word is expanded into the whole words of the index it begins ("jos" -> jose,
# josefa, ...) to look its pairs up; a shorter, vaguer word with more than this is not.
EXPAND_LIMIT = 40
# Uncounted results ("more than CANDIDATE_LIMIT") are read in name order, skipping the pages
# before; past this page the reading would grow without end, so the user is asked to refine.
MAX_UNCOUNTED_PAGE = 5
# A pair of typed words with at most this many matches is sorted at once without looking
# for a rarer pair among the other words.
GOOD_ENOUGH = 200
# Many matches are walked through the pair keys only when they lie in this many ranges at most.
WALK_RANGES = 8
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
    too_deep: bool = False  # a page past MAX_UNCOUNTED_PAGE: "refine your search"

    @property
    def count_limit(self) -> int:
        return CANDIDATE_LIMIT

    @property
    def max_page(self) -> int:
        return MAX_UNCOUNTED_PAGE

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.per_page + 1


# An alias, made once (making one costs more than a query): the outer query may itself
# read the word index (see _walk).
_OWN_WORD = sa.orm.aliased(EntitySearchWord, name="own_word")


def _word_range(word: str):
    return sa.and_(
        EntitySearchWord.word >= word,
        EntitySearchWord.word < text.prefix_upper_bound(word),
    )


def _has_word_starting(word: str):
    # No company_id here: the entity fixes it, and leaving it out steers both databases to
    # the (entity_id, word) index instead of scanning a whole word range per entity.
    own = _OWN_WORD
    return (
        sa.select(own.entity_id)
        .where(
            own.entity_id == Entity.id, own.word >= word, own.word < text.prefix_upper_bound(word)
        )
        .correlate(Entity)
        .exists()
    )


def _section(phrase: str, words: list[str], first: str):
    """The section of a candidate in the display order, as SQL: 0 the name begins with the
    typed words, 1 it has every typed word as a whole word, 2 it begins with the first
    word, 3 the rest. Folded names hold only [a-z0-9 ], so " word " inside " name " is a
    whole word."""
    name = Entity.search_name
    padded = " " + name + " "
    return sa.case(
        (sa.and_(name >= phrase, name < phrase + "!"), 0),
        (sa.and_(*[padded.contains(f" {w} ") for w in words]), 1),
        (_starts_with(first), 2),
        else_=3,
    )


def _entities_with_word(company_id: int, word: str):
    return sa.select(EntitySearchWord.entity_id).where(
        EntitySearchWord.company_id == company_id, _word_range(word)
    )


def _bounded_count(session: Session, candidates, limit: int = CANDIDATE_LIMIT) -> int:
    """How many rows `candidates` has, counting no further than limit + 1."""
    bounded = candidates.limit(limit + 1).subquery()
    return session.scalar(sa.select(sa.func.count()).select_from(bounded))


def _document_filters(query: str):
    """Where-clauses (document range, entity code or None) for a document-looking query,
    or None when it is a name."""
    normalized = brdocs.normalize(query)
    if not normalized:
        return None
    document = sa.and_(
        Entity.document >= normalized,
        Entity.document < text.prefix_upper_bound(normalized),
    )
    if _DOCUMENT_LIKE.match(query.strip()):
        # Only bare digits may be a Código too: "16.651" or "529 982" is a document being
        # typed, and Código 16651 first would hide the CNPJ the attendant is reading out.
        bare = query.strip().isdigit() and len(normalized) <= 9
        code = Entity.id == int(normalized) if bare else None
        return document, code
    if _ALNUM_CNPJ_LIKE.match(normalized) and " " not in query.strip():
        return document, None
    return None


def _starts_with(word: str):
    """The name itself begins with `word`: a range on the (company_id, search_name) index."""
    return sa.and_(Entity.search_name >= word, Entity.search_name < text.prefix_upper_bound(word))


def list_loads() -> tuple:
    """What the search page shows of each entity: its papéis and addresses."""
    return (selectinload(Entity.roles), selectinload(Entity.addresses))


def _fetch(session: Session, stmt, limit: int, offset: int) -> list[Entity]:
    return list(session.scalars(stmt.limit(limit).offset(offset)).unique())


def _id_in(session: Session, ids):
    """Entity.id among `ids`: a select, or a list of ids read beforehand. A list is one
    parameter: an array for PostgreSQL, a JSON array read by json_each for SQLite. Thousands
    of separate parameters cost more to render, bind and plan than the query costs to run."""
    if not isinstance(ids, list) or len(ids) <= 20:
        return Entity.id.in_(ids)
    if session.get_bind().dialect.name == "postgresql":
        return Entity.id == sa.any_(sa.bindparam(None, ids, type_=postgresql.ARRAY(sa.Integer)))
    listed = sa.func.json_each(json.dumps(ids)).table_valued("value")
    return Entity.id.in_(sa.select(listed.c.value))


def _has(session: Session, stmt) -> bool:
    return session.scalar(sa.select(stmt.exists())) is True


def _count(session: Session, scope, filters) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(Entity).where(*scope, *filters))


def search_entities(
    session: Session,
    company_id: int,
    query: str,
    page: int = 1,
    per_page: int = 20,
    extra_filter=None,
    within=None,
    loads: tuple | None = None,
) -> SearchPage:
    """`extra_filter` narrows the matches further; `within`, a select of entity ids, too
    (e.g. only partners for the Local picker), and when it holds few ids they are the
    candidates, so a common name among few partners is not looked for among millions.
    `loads`: the loader options of the listed entities (by default `list_loads()`); the
    global search lists the principal phone instead, in the same statement."""
    page = max(page, 1)
    offset = (page - 1) * per_page
    scope = [Entity.company_id == company_id]
    if extra_filter is not None:
        scope.append(extra_filter)
    if within is not None:
        # Few ids are read once and sent as a list: PostgreSQL cannot tell from a join on
        # the role how few they are, and would plan the subquery for a million.
        ids = list(session.scalars(within.limit(CANDIDATE_LIMIT + 1)))
        if len(ids) <= CANDIDATE_LIMIT:
            within = ids
        scope.append(_id_in(session, within))
    base = sa.select(Entity).where(*scope).options(*(list_loads() if loads is None else loads))

    document_filters = _document_filters(query)
    if document_filters is not None:
        # The entity whose code was typed comes first, then the documents that begin with
        # the digits in document order: two separate index reads, each stopping at a page
        # (one OR would make SQLite gather and sort every match of a prefix like "6").
        document, code = document_filters
        in_scope = sa.select(Entity.id).where(*scope)
        exact = _fetch(session, base.where(code), 1, 0) if code is not None and offset == 0 else []
        stmt = base.where(document).order_by(Entity.document, Entity.id)
        if code is not None:
            stmt = stmt.where(sa.not_(code))
        has_code = code is not None and _has(session, in_scope.where(code))
        skip = max(0, offset - (1 if has_code else 0))
        rows = exact + _fetch(session, stmt, per_page + 1 - len(exact), skip)
        limit = CANDIDATE_LIMIT
        total = _bounded_count(session, sa.select(Entity.id).where(*scope, document), limit)
        if code is not None:
            total += _bounded_count(
                session, sa.select(Entity.id).where(*scope, code, sa.not_(document)), 1
            )
        return SearchPage(
            query,
            rows[:per_page],
            page,
            per_page,
            len(rows) > per_page,
            total if total <= limit else None,
        )

    query_words = text.words(query)
    if not query_words:
        return SearchPage(query, [], page, per_page, False, 0)
    # A word that begins another typed word adds nothing ("mar maria"); leaving it out also
    # makes every two remaining words two different words of the name, as pairs are stored.
    unique_words = list(dict.fromkeys(query_words))
    unique_words = [
        w for w in unique_words if not any(o != w and o.startswith(w) for o in unique_words)
    ]
    limit = CANDIDATE_LIMIT
    phrase = " ".join(query_words)
    # Names that begin with the typed words as whole words come first ("ana" -> "Ana Souza"
    # before "Anabela Lima"), then those that begin with the first word, then the others.
    # One range, the name itself or followed by a space (" " sorts right before "!", and
    # folded names hold only [a-z0-9 ]): an OR of the two made PostgreSQL read every match
    # of "maria eduarda" (a bitmap of thousands of pages) and sort them for one page.
    whole = sa.and_(Entity.search_name >= phrase, Entity.search_name < phrase + "!")

    candidates = None
    known_total = None
    covered: tuple[str, ...] = ()
    walk: list[tuple[str, str]] | None = None  # the index ranges read for "many matches"
    if isinstance(within, list):
        if not within:
            return SearchPage(query, [], page, per_page, False, 0)
        candidates = within
    elif len(unique_words) > 1:
        # Two typed words are looked up together through their pair keys, one short index
        # range each, however common each word is ("maria aparecida"); the rarest pair
        # gives the candidates.
        expanded: dict[str, list[str] | None] = {}
        best = None
        # Neighbours first (the way names are typed); stop at a pair few enough to sort
        # at once, every lookup costs a statement.
        couples = list(zip(unique_words, unique_words[1:], strict=False))
        couples += [(a, b) for i, a in enumerate(unique_words) for b in unique_words[i + 2 :]]
        for first, second in couples:
            ranges = _pair_ranges(session, company_id, first, second, expanded)
            if ranges is None:
                continue
            # A later pair is counted only as far as it could still be the rarest.
            cap = limit if best is None else min(limit, best[0])
            size, pairs = _pair_candidates(session, company_id, ranges, cap)
            if best is None or size < best[0]:
                best = (size, pairs, (first, second), ranges)
            if size <= GOOD_ENOUGH:
                break
        if best is not None and best[0] == 0:
            return SearchPage(query, [], page, per_page, False, 0)
        if best is not None and best[0] <= limit:
            candidates, covered = best[1], best[2]
            if set(covered) == set(unique_words) and extra_filter is None and within is None:
                known_total = best[0]  # distinct ids, each with both words: no count needed
        elif best is not None:
            # Even the rarest pair has too many: so has every word, no need to count them.
            # The rest is walked in the order of that pair's keys; a pair of short, vague
            # words ("da s": dozens of ranges) through its longer word instead, checking
            # the other: building a statement of dozens of ranges cost five times the
            # reading, and counting the words to find the rarer cost more than the walk.
            walk, covered = best[3], best[2]
            if len(walk) > WALK_RANGES:
                word = max(covered, key=len)
                walk, covered = [(word, text.prefix_upper_bound(word))], (word,)
    if candidates is None and walk is None:
        counts = {
            w: _bounded_count(session, _entities_with_word(company_id, w), limit)
            for w in unique_words
        }
        rarest = min(unique_words, key=counts.get)
        if counts[rarest] == 0:
            return SearchPage(query, [], page, per_page, False, 0)
        if counts[rarest] <= limit:
            candidates, covered = _entities_with_word(company_id, rarest), (rarest,)
        else:
            walk, covered = [(rarest, text.prefix_upper_bound(rarest))], (rarest,)
    filters = [_has_word_starting(w) for w in unique_words if w not in covered]

    if candidates is not None:
        # Few matches: sort them all, in display order: the names that begin with the typed
        # words, then those that have every typed word as a whole word ("da silva": "Maria
        # da Silva" before "Daniel Silva"), then those that begin with the first word, then
        # the others, each by name. The first section alone is a plain range of the name
        # index (such a name has every typed word): when it fills the page and the count
        # is known, the candidates are not read ("maria eduarda": thousands of matches).
        if known_total is not None:
            stmt = base.where(whole).order_by(Entity.search_name, Entity.id)
            rows = _fetch(session, stmt, per_page + 1, offset)
            if len(rows) > per_page:
                return SearchPage(query, rows[:per_page], page, per_page, True, known_total)
        # The database sorts the candidates by a computed key (section, name, id): no index
        # gives that order, so both databases read the candidates and keep the top rows in
        # their sorter (C), and PostgreSQL cannot pick the name index and test each name
        # against the candidates (ten thousand "jose…" for one "José Carlos"). Reading the
        # names into Python to sort them cost more than the database's reading (2-3 ms per
        # thousand candidates on SQLite).
        matching = [*filters, _id_in(session, candidates)]
        order = (_section(phrase, unique_words, query_words[0]), Entity.search_name, Entity.id)
        stmt = base.where(*matching).order_by(*order)
        if known_total is not None:
            rows, total = _fetch(session, stmt, per_page + 1, offset), known_total
        else:
            # The count rides along (a window over the same read); a page past the end has
            # no row to carry it.
            got = (
                session.execute(
                    stmt.add_columns(sa.func.count().over()).limit(per_page + 1).offset(offset)
                )
                .unique()
                .all()
            )
            rows = [entity for entity, _total in got]
            total = got[0][1] if got else _count(session, scope, matching)
        return SearchPage(query, rows[:per_page], page, per_page, len(rows) > per_page, total)

    # Many matches, not counted. Pages past MAX_UNCOUNTED_PAGE are refused (refine the
    # search): every page skips the rows before it, so the reading grows with the page.
    if page > MAX_UNCOUNTED_PAGE:
        return SearchPage(query, [], page, per_page, False, None, too_deep=True)
    # First the names that begin with what was typed, in name order: one range of the
    # (company_id, search_name) index where every row matches. Then the rest in the order
    # of the rarest word's index range (word, entity): the whole word before longer ones
    # ("silva" before "silveira"), then by code, which has nothing to do with the other
    # words, so they are found at their share of the range. Both stop at a full page,
    # nothing is sorted. (A walk in name order checking the other words would meet them
    # in clusters: "ana julia" sits behind twenty thousand "ana c…".)
    begins = _starts_with(phrase)
    # Ids first, the entities (with their roles and addresses) once at the end: one round
    # of eager loads instead of two when the leading names do not fill the page.
    leading = sa.select(Entity.id).where(*scope, begins).order_by(Entity.search_name, Entity.id)
    ids = list(session.scalars(leading.limit(per_page + 1).offset(offset)))
    if len(ids) <= per_page:
        # The leading names ran out: what they held is behind us, so skip less in the rest.
        skip = 0 if ids else max(0, offset - _count(session, scope, [begins]))
        others = [_has_word_starting(w) for w in unique_words if w not in covered]
        wanted = skip + per_page + 1 - len(ids)
        ids += _walk(session, scope, company_id, walk, [*others, sa.not_(begins)], wanted)[skip:]
    more, ids = len(ids) > per_page, ids[:per_page]
    found = {e.id: e for e in _fetch(session, base.where(Entity.id.in_(ids)), len(ids), 0)}
    last = page == MAX_UNCOUNTED_PAGE
    return SearchPage(
        query,
        [found[i] for i in ids],
        page,
        per_page,
        more and not last,
        None,
        too_deep=more and last,
    )


def _walk(session: Session, scope, company_id: int, ranges, filters, wanted: int) -> list[int]:
    """The first `wanted` entities (ids, in order) that pass `filters`, in the order of the
    word-index keys of `ranges`: the whole word before longer ones ("silva" before
    "silveira"), then by code, which has nothing to do with the other words, so they are
    found at their share of the range. An entity with several keys comes once, at its
    first. Each range is read in index order and stops at n rows (one statement, UNION
    ALL, merged here); when duplicates leave the answer unsure, the ranges are read
    further."""
    n = wanted
    while True:
        branches = [
            sa.select(EntitySearchWord.word, EntitySearchWord.entity_id)
            .join(Entity, Entity.id == EntitySearchWord.entity_id)
            .where(
                EntitySearchWord.company_id == company_id,
                EntitySearchWord.word >= low,
                EntitySearchWord.word < high,
                *scope,
                *filters,
            )
            .order_by(EntitySearchWord.word, EntitySearchWord.entity_id)
            .limit(n)
            .subquery()
            for low, high in ranges
        ]
        union = sa.union_all(*(sa.select(b.c.word, b.c.entity_id) for b in branches))
        rows = sorted(tuple(row) for row in session.execute(union))
        # A range cut at n rows may have keys, not read, below another range's last ones:
        # the order is sure only up to the lowest last key of the cut ranges.
        cut = [
            inside[-1]
            for low, high in ranges
            if len(inside := [r for r in rows if low <= r[0] < high]) >= n
        ]
        sure = min(cut) if cut else None
        ids: list[int] = []
        seen: set[int] = set()
        for key in rows:
            if sure is not None and key > sure:
                break
            if key[1] not in seen:
                seen.add(key[1])
                ids.append(key[1])
        if len(ids) >= wanted or sure is None or n >= 16 * wanted:
            return ids[:wanted]
        n *= 4


def _whole_words(
    session: Session, company_id: int, prefix: str, cache: dict[str, list[str] | None]
) -> list[str] | None:
    """The distinct words of the index that begin with `prefix` ("jos" -> jose, josefa…),
    one index seek each, or None when there are more than EXPAND_LIMIT."""
    if prefix in cache:
        return cache[prefix]
    # A skip scan in one statement: each step is one seek to the next distinct word.
    rows = (
        session.execute(
            _EXPAND_SQL,
            {
                "c": company_id,
                "p": prefix,
                "u": text.prefix_upper_bound(prefix),
                "n": EXPAND_LIMIT + 1,
            },
        )
        .scalars()
        .all()
    )
    found = None if len(rows) > EXPAND_LIMIT else list(rows)
    cache[prefix] = found
    return found


_EXPAND_SQL = sa.text(
    "WITH RECURSIVE found(word) AS ("
    " SELECT (SELECT word FROM entity_search_words WHERE company_id = :c"
    "  AND word >= :p AND word < :u ORDER BY word LIMIT 1)"
    " UNION ALL"
    " SELECT (SELECT w.word FROM entity_search_words AS w WHERE w.company_id = :c"
    "  AND w.word > found.word AND w.word < :u ORDER BY w.word LIMIT 1)"
    " FROM found WHERE found.word IS NOT NULL"
    ") SELECT word FROM found WHERE word IS NOT NULL LIMIT :n"
)


def _pair_ranges(session: Session, company_id: int, a: str, b: str, cache):
    """The pair-key ranges of entities with a word beginning with `a` and another beginning
    with `b`, in either order; None when a typed word is too vague to expand. The ranges
    never overlap: each key holds a whole first word followed by a space."""
    ranges: list[tuple[str, str]] = []
    for first, second in ((a, b), (b, a)):
        whole = _whole_words(session, company_id, first, cache)
        if whole is None:
            return None
        for word in whole:
            key = text.pair_key(word, second)
            ranges.append((key, text.prefix_upper_bound(key)))
    return ranges


def _ranges_sql(ranges: list[tuple[str, str]], params: dict, columns: str, tail: str) -> str:
    """One `SELECT columns FROM entity_search_words` per range, each with `tail` (ORDER BY,
    LIMIT), joined by UNION ALL. Plain SQL: the ORM would spend longer compiling the dozens
    of ranges than the database spends reading them. Only parameter names built from the
    loop's integer go into the text; every value typed by the user is a bound parameter
    (bandit cannot see that, hence the nosec)."""
    branches = []
    for i, (low, high) in enumerate(ranges):
        params[f"l{i}"], params[f"h{i}"] = low, high
        branches.append(
            f"SELECT * FROM (SELECT {columns} FROM entity_search_words WHERE company_id = :c"
            f" AND word >= :l{i} AND word < :h{i} {tail}) AS r{i}"  # nosec B608
        )
    return " UNION ALL ".join(branches)


def _pair_candidates(session: Session, company_id: int, ranges, limit: int):
    """(how many entities the pair ranges hold, counting no further than limit + 1; their
    ids as a select). The count is made in the database: fetching thousands of ids only to
    learn that there are too many cost more than the rest of a search."""
    if not ranges:
        return 0, []
    params = {"c": company_id, "n": limit + 1}
    union = _ranges_sql(ranges, params, "entity_id", "LIMIT :n")
    distinct = f"SELECT DISTINCT entity_id FROM ({union}) AS pairs LIMIT :n"  # nosec B608
    size = session.scalar(sa.text(f"SELECT count(*) FROM ({distinct}) AS c"), params)  # nosec B608
    # The ids stay in the database: a select to be used as `Entity.id IN (...)`.
    pairs = sa.text(distinct).bindparams(**params).columns(sa.column("entity_id", sa.Integer))
    return size, sa.select(pairs.subquery().c.entity_id)
