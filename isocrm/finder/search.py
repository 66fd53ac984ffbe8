"""The global search: what was typed is classified (a ticket code, a CPF/CNPJ, a phone, an
e-mail or words) and each kind is looked up through an index, always inside one Empresa.

- Código: digits, with any number of leading zeros or a '#' ("000198", "00000000198",
  "#198") -> the ticket's code. Eleven digits may also be a CPF or a phone: each kind that
  fits is looked up, and both groups are shown when more than one finds something.
- CPF/CNPJ with valid check digits -> the entity's document (the unique index).
- Phone: 8 to 13 digits with any punctuation. Stored numbers hold the DDD, so a number
  typed without it is looked up as each DDD followed by it: a few dozen seeks of the
  phones' number index instead of a scan for a suffix.
- E-mail: contains '@'; the address as typed and in lower case, else a prefix ("maria@").
- Words: entity names through the entity search, and the tickets whose details
  (descriptions and answers) hold every word, the last one as a prefix, through the
  ticket word index (isocrm.models.ticket_search).

Every lookup reads a bounded number of index entries: at most CANDIDATE_LIMIT per word.
"""

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, joinedload

from isocrm import brdocs, phones, text
from isocrm.entity_search import search_entities
from isocrm.fields import MAX_ROW_ID
from isocrm.models import EContact, Entity, Phone, Ticket, TicketDetail, TicketSearchWord
from isocrm.models.base import lower_binary
from isocrm.models.ticket import STAGE_DISCARDED
from isocrm.models.ticket_search import MAX_WORD, MIN_WORD, query_word

CANDIDATE_LIMIT = 2000  # tickets read for one word at most; more are "refine the search"
ENTITY_LIMIT = 10  # entities shown; the entity search lists the rest
OWNER_LIMIT = 50  # entities whose tickets a phone or e-mail lists
PREFIX_READ = 1000  # addresses read for an e-mail prefix ("maria@"), of every Empresa
SNIPPET_WIDTH = 160

_CODE = re.compile(r"^#?\s*0*(\d{1,10})$")
_DOCUMENT = re.compile(r"^[\d.\-/\s]+$|^[0-9A-Za-z.\-/\s]{14,18}$")
_PHONE = re.compile(r"^\+?[\d\s().\-]+$")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass
class Query:
    """What the typed text may be: every kind it fits (digits may be a code and a phone)."""

    text: str
    code: int | None = None
    document: str | None = None
    phone_numbers: set[str] = field(default_factory=set)
    email: str | None = None
    words: list[str] = field(default_factory=list)

    @property
    def kinds(self) -> list[str]:
        named = [
            (_("Código"), self.code is not None),
            (_("CPF/CNPJ"), self.document is not None),
            (_("Telefone"), bool(self.phone_numbers)),
            (_("E-mail"), self.email is not None),
            (_("Palavras"), bool(self.words)),
        ]
        return [name for name, present in named if present]


# Dashes a phone pasted from a document, a PDF or WhatsApp may carry instead of "-".
_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-"})


def phone_numbers(typed: str) -> set[str]:
    """The stored forms (digits with DDD) a typed phone may be, or an empty set."""
    typed = typed.strip().translate(_DASHES)
    digits = re.sub(r"\D", "", typed)
    if not _PHONE.match(typed) or not 8 <= len(digits) <= 13:
        return set()
    found = set()
    normalized = phones.normalize(typed)
    if normalized:
        found.add(normalized)
    if len(digits) == 10 and digits[:2] in phones.DDDS and digits[2] in "6789":
        found.add(digits[:2] + "9" + digits[2:])  # a mobile written before its ninth digit
    if typed.startswith("+"):
        return found
    if digits.startswith("0") and len(digits) in (11, 12) and not digits.startswith("0800"):
        again = phones.normalize(digits[1:])  # the long-distance 0 before the DDD
        if again:
            found.add(again)
    if len(digits) == 9 and digits[0] == "9":  # a mobile without its DDD
        found |= {ddd + digits for ddd in phones.DDDS}
    if len(digits) == 8:  # a landline without its DDD, an old mobile, a 4004 number
        found |= {ddd + digits for ddd in phones.DDDS}
        if digits[0] in "6789":
            found |= {ddd + "9" + digits for ddd in phones.DDDS}
        found.add(digits)
    return found


def classify(typed: str) -> Query:
    typed = typed.strip()
    query = Query(typed)
    if not typed:
        return query
    if "@" in typed:
        query.email = typed
        return query
    code = _CODE.match(typed)
    if code and 0 < int(code[1]) <= MAX_ROW_ID:
        query.code = int(code[1])
    normalized = brdocs.normalize(typed)
    if _DOCUMENT.match(typed) and brdocs.is_valid(normalized):
        query.document = normalized
    query.phone_numbers = phone_numbers(typed)
    if query.code is None and query.document is None and not query.phone_numbers:
        query.words = [w for w in text.words(typed)]
    return query


@dataclass
class TicketHit:
    ticket: Ticket
    snippet: list[tuple[str, bool]]  # (text, is a match), rendered escaped, matches in <mark>


@dataclass
class Results:
    query: Query
    tickets: list[TicketHit]
    entities: list[Entity]
    page: int
    per_page: int
    has_next: bool
    ticket_total: int | None  # None: more than CANDIDATE_LIMIT, not counted
    entity_total: int | None
    entities_more: bool = False
    redirect: tuple[str, dict] | None = None  # (endpoint, values): one exact match

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def count_limit(self) -> int:
        return CANDIDATE_LIMIT

    @property
    def too_deep(self) -> bool:
        """A page past the newest tickets walked: the user is asked to refine."""
        return self.page > 1 and not self.tickets and self.ticket_total is None


def _ticket_options(stmt):
    return stmt.options(
        joinedload(Ticket.entity), joinedload(Ticket.reason), joinedload(Ticket.status)
    )


def _visible(company_id: int):
    return sa.and_(Ticket.company_id == company_id, Ticket.stage != STAGE_DISCARDED)


def _entities_by_ids(session: Session, company_id: int, ids: list[int]) -> list[Entity]:
    """The entities in this order, with the principal phone (one statement)."""
    if not ids:
        return []
    rows = session.scalars(
        sa.select(Entity)
        .options(joinedload(Entity.main_phone))
        .where(Entity.company_id == company_id, Entity.id.in_(ids))
    ).all()
    found = {e.id: e for e in rows}
    return [found[i] for i in ids if i in found]


def _of_company(company_id: int):
    """The entity belongs to the Empresa, written so that no index serves it: the phone or
    e-mail index must lead (SQLite otherwise walks every entity of the Empresa by the
    (company_id, document) key and looks each one's contacts up)."""
    return (Entity.company_id + 0) == company_id


def _seek_each(session: Session, owner, column, values: list[str], *where):
    """Owners (entity ids) of the rows whose `column` equals one of `values`, one index seek
    per value. PostgreSQL gets the values as an array joined laterally, each probe its own
    index scan: with an IN list of a few dozen numbers (one per DDD) it preferred a scan of
    the whole table while the table was small, a plan that would change as it grows."""
    if session.get_bind().dialect.name != "postgresql":
        return sa.select(owner.label("entity_id")).where(column.in_(values), *where)
    given = (
        sa.func.unnest(sa.bindparam(None, values, type_=postgresql.ARRAY(sa.String)))
        .table_valued("value")
        .render_derived(name="given")
    )
    found = (
        sa.select(owner.label("entity_id"))
        .where(column == given.c.value, *where)
        .limit(OWNER_LIMIT)
        .lateral("found")
    )
    return sa.select(found.c.entity_id).select_from(given).join(found, sa.true())


def _owners_of_phone(session: Session, company_id: int, numbers: set[str]) -> list[int]:
    listed = sorted(numbers)
    # WhatsApp numbers are stored as typed in the form, with or without the country code.
    whatsapp = sorted({*listed, *("55" + n for n in listed)})
    by_phone = _seek_each(session, Phone.entity_id, Phone.number, listed)
    by_whatsapp = _seek_each(
        session, EContact.entity_id, EContact.value, whatsapp, EContact.kind == "whatsapp"
    )
    union = sa.union(by_phone, by_whatsapp).subquery()
    # The Empresa is checked per owner found (its primary key), never walked.
    of_company = sa.exists().where(Entity.id == union.c.entity_id, Entity.company_id == company_id)
    return list(
        session.scalars(
            sa.select(union.c.entity_id)
            .where(of_company)
            .order_by(union.c.entity_id)
            .limit(OWNER_LIMIT)
        )
    )


def _owners_of_email(session: Session, company_id: int, typed: str) -> list[int]:
    """Entities with this e-mail in any case (the lower(value) index), else those whose
    addresses begin with what was typed."""
    typed = typed.strip().lower()
    folded = lower_binary(EContact.value)
    exact = list(
        session.scalars(
            sa.select(EContact.entity_id)
            .join(Entity, Entity.id == EContact.entity_id)
            .where(_of_company(company_id), EContact.kind == "email", folded == typed)
            .distinct()
            .limit(OWNER_LIMIT)
        )
    )
    if exact:
        return exact
    # The first PREFIX_READ addresses of the range, then their Empresa: a subquery with its
    # own LIMIT, so no planner starts from the Empresa's entities (SQLite did, believing a
    # range of the value index unselective) and the reading stays bounded however common
    # the prefix is ("contato@").
    window = (
        sa.select(EContact.entity_id)
        .where(
            EContact.kind == "email",
            folded >= typed,
            folded < text.prefix_upper_bound(typed),
        )
        .order_by(folded)
        .limit(PREFIX_READ)
        .subquery()
    )
    found = session.scalars(
        sa.select(window.c.entity_id)
        .where(sa.exists().where(Entity.id == window.c.entity_id, Entity.company_id == company_id))
        .distinct()
        .limit(OWNER_LIMIT)
    )
    return list(dict.fromkeys(found))[:OWNER_LIMIT]


def _tickets_of(session, company_id, entity_ids, page, per_page) -> tuple[list[Ticket], bool]:
    if not entity_ids:
        return [], False
    stmt = (
        sa.select(Ticket)
        .where(_visible(company_id), Ticket.entity_id.in_(entity_ids))
        .order_by(Ticket.opened_at.desc(), Ticket.id.desc())
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
    )
    rows = list(session.scalars(_ticket_options(stmt)).unique())
    return rows[:per_page], len(rows) > per_page


# Ticket words -------------------------------------------------------------------------


def _terms(words: list[str]) -> list[tuple[str, bool]]:
    """(word, is a prefix): every word whole but the last, which is being typed."""
    usable = [query_word(w) for w in words if len(w) >= MIN_WORD]
    terms: dict[str, bool] = {}
    for i, word in enumerate(usable):
        prefix = i == len(usable) - 1
        terms[word] = terms.get(word, False) or prefix
    # "emb embalagem": a prefix that another typed word begins adds nothing.
    return [
        (w, p)
        for w, p in terms.items()
        if not (p and any(o != w and o.startswith(w) for o in terms))
    ]


def _matches(column, word: str, prefix: bool):
    if prefix:
        return sa.and_(column >= word, column < text.prefix_upper_bound(word))
    return column == word


_OTHER = sa.orm.aliased(TicketSearchWord, name="other_word")


def _has_term(ticket_id_column, word: str, prefix: bool):
    """The ticket has the word: the (ticket_id, word) index, no company (the ticket fixes it)."""
    return (
        sa.select(_OTHER.ticket_id)
        .where(_OTHER.ticket_id == ticket_id_column, _matches(_OTHER.word, word, prefix))
        .exists()
    )


def _term_rows(company_id: int, word: str, prefix: bool):
    return sa.select(TicketSearchWord.ticket_id).where(
        TicketSearchWord.company_id == company_id, _matches(TicketSearchWord.word, word, prefix)
    )


def search_ticket_text(
    session: Session, company_id: int, words: list[str], page: int, per_page: int
) -> tuple[list[int], bool, int | None]:
    """(ticket ids of the page, has a next page, total or None when more than the limit):
    tickets with every word in their details, newest first; those whose last word is a
    whole word before those where it only begins one."""
    terms = _terms(words)
    if not terms:
        return [], False, 0
    limit = CANDIDATE_LIMIT
    # Every word counted (up to the limit) in one statement: a round trip each cost more
    # than the counting on PostgreSQL.
    bounded = [
        sa.select(sa.func.count())
        .select_from(_term_rows(company_id, word, prefix).limit(limit + 1).subquery())
        .scalar_subquery()
        for word, prefix in terms
    ]
    counts = dict(zip(terms, session.execute(sa.select(*bounded)).one(), strict=True))
    if 0 in counts.values():
        return [], False, 0
    rarest = min(terms, key=lambda t: counts[t])
    others = [_has_term(TicketSearchWord.ticket_id, w, p) for w, p in terms if (w, p) != rarest]
    offset = (page - 1) * per_page
    if counts[rarest] <= limit:
        # Few: every candidate is checked and sorted (rank, newest first), counted on the way.
        candidates = _term_rows(company_id, *rarest).where(*others).distinct().subquery()
        last_word, last_prefix = terms[-1]
        rank = (
            sa.case((_has_term(Ticket.id, last_word, False), 0), else_=1)
            if last_prefix
            else sa.literal(0)
        )
        stmt = (
            sa.select(Ticket.id, sa.func.count().over())
            .where(_visible(company_id), Ticket.id.in_(sa.select(candidates.c.ticket_id)))
            .order_by(rank, Ticket.id.desc())
            .limit(per_page + 1)
            .offset(offset)
        )
        got = session.execute(stmt).all()
        ids = [row[0] for row in got]
        total = got[0][1] if got else 0
        return ids[:per_page], len(ids) > per_page, total
    # Many: the newest `limit` index entries of the rarest word are walked, newest first,
    # keeping those with the other words; the walk stops at a full page or at the limit.
    word, prefix = rarest
    order = (
        (TicketSearchWord.word.desc(), TicketSearchWord.ticket_id.desc())
        if prefix
        else (TicketSearchWord.ticket_id.desc(),)
    )
    window = (
        _term_rows(company_id, word, prefix)
        .add_columns(TicketSearchWord.word)
        .order_by(*order)
        .limit(limit)
        .subquery()
    )
    others = [_has_term(window.c.ticket_id, w, p) for w, p in terms if (w, p) != rarest]
    # Each entry's ticket is checked by its primary key as the walk meets it: a scalar
    # subquery, which PostgreSQL runs per row (an EXISTS it may join by hashing every ticket
    # of the Empresa, its cheaper plan while the table is small).
    visible = (
        sa.select(sa.literal(1))
        .where(Ticket.id == window.c.ticket_id, _visible(company_id))
        .scalar_subquery()
        .is_not(None)
    )
    rows = session.scalars(
        sa.select(window.c.ticket_id).where(*others, visible).limit(offset + 2 * per_page + 1)
    ).all()
    ids = list(dict.fromkeys(rows))[offset:]
    return ids[:per_page], len(ids) > per_page, None


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """One character as isocrm.text.fold folds it in a text: an accent alone disappears,
    whatever is neither a letter nor a digit separates words."""
    if unicodedata.combining(char):
        return ""
    return text.fold(char) or " "


def _fold_map(original: str) -> tuple[str, list[int]]:
    """The folded text (as isocrm.text.fold, character by character) and, for each of its
    characters, the index of the original character it came from."""
    folded: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(original):
        part = _fold_char(char)
        folded.append(part)
        origin.extend([i] * len(part))
    return "".join(folded), origin


def snippet(original: str, terms: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """A piece of `original` around its first match, split into (text, is a match)."""
    folded, origin = _fold_map(original)
    spans = []
    for found in _WORD.finditer(folded):
        word = found.group()[: len(found.group())]
        if any(word.startswith(t) if p else query_word(word) == t for t, p in terms):
            spans.append((origin[found.start()], origin[found.end() - 1] + 1))
    start = max(0, spans[0][0] - 50) if spans else 0
    end = min(len(original), start + SNIPPET_WIDTH)
    if start > 0 and (space := original.find(" ", start, spans[0][0] if spans else end)) != -1:
        start = space + 1
    parts: list[tuple[str, bool]] = [("…", False)] if start > 0 else []
    at = start
    for low, high in spans:
        if high <= start or low >= end:
            continue
        if low > at:
            parts.append((original[at:low], False))
        parts.append((original[max(low, at) : min(high, end)], True))
        at = min(high, end)
    if at < end:
        parts.append((original[at:end], False))
    if end < len(original):
        parts.append(("…", False))
    return parts


def _snippets(session: Session, ids: list[int], words: list[str]) -> dict[int, list]:
    """For each ticket, the newest detail text that holds every word (else any)."""
    if not ids:
        return {}
    terms = _terms(words)
    rows = session.execute(
        sa.select(TicketDetail.ticket_id, TicketDetail.description, TicketDetail.answer)
        .where(TicketDetail.ticket_id.in_(ids))
        .order_by(TicketDetail.opened_at.desc(), TicketDetail.id.desc())
    ).all()
    # A term as a regular expression over a folded text (words separated by one space):
    # at a word's start, and a whole word unless it is a prefix or as long as index words
    # are cut (a longer word is stored cut, so it matches too).
    patterns = [
        re.compile(r"(?:^| )" + re.escape(t) + ("" if p or len(t) >= MAX_WORD else r"(?= |$)"))
        for t, p in terms
    ]
    best: dict[int, tuple[int, str]] = {}
    for ticket_id, description, answer in rows:
        for value in (description, answer):
            if not value:
                continue
            folded = text.fold(value)
            score = sum(1 for pattern in patterns if pattern.search(folded))
            if ticket_id not in best or score > best[ticket_id][0]:
                best[ticket_id] = (score, value)
    return {i: snippet(value, terms) for i, (score, value) in best.items() if score}


def _tickets_by_ids(session: Session, ids: list[int]) -> list[Ticket]:
    if not ids:
        return []
    rows = session.scalars(_ticket_options(sa.select(Ticket).where(Ticket.id.in_(ids)))).unique()
    found = {t.id: t for t in rows}
    return [found[i] for i in ids if i in found]


def find(session: Session, company_id: int, typed: str, page: int = 1, per_page: int = 20):
    query = classify(typed[:100])
    results = Results(query, [], [], page, per_page, False, 0, 0)
    if not query.kinds:
        return results
    code_ticket = None
    if query.code is not None:
        code_ticket = session.scalar(
            _ticket_options(
                sa.select(Ticket).where(_visible(company_id), Ticket.code == query.code)
            )
        )
    owners: list[int] = []
    document_owner = None
    if query.document is not None:
        document_owner = session.scalar(
            sa.select(Entity.id).where(
                Entity.company_id == company_id, Entity.document == query.document
            )
        )
        owners += [document_owner] if document_owner else []
    if query.phone_numbers:
        owners += [i for i in _owners_of_phone(session, company_id, query.phone_numbers)]
    if query.email is not None:
        owners += _owners_of_email(session, company_id, query.email)
    owners = list(dict.fromkeys(owners))

    if code_ticket is not None and not owners:
        results.redirect = ("tickets.edit", {"code": code_ticket.code})
        return results
    if document_owner is not None and code_ticket is None and len(owners) == 1:
        results.redirect = ("tickets.entity_tickets", {"entity_id": document_owner})
        return results

    if query.words:
        entity_page = search_entities(
            session, company_id, typed, 1, ENTITY_LIMIT, loads=(joinedload(Entity.main_phone),)
        )
        results.entities = list(entity_page.items)
        results.entity_total = entity_page.total
        results.entities_more = entity_page.has_next
        ticket_ids, results.has_next, results.ticket_total = search_ticket_text(
            session, company_id, query.words, page, per_page
        )
        if page > 1 and not ticket_ids and results.ticket_total is not None:
            # A page past the end (an old link, a typed number): the last page, as the
            # entity search does. Past the end the count reads 0; page 1 counts them all.
            total = search_ticket_text(session, company_id, query.words, 1, per_page)[2]
            return find(session, company_id, typed, _last_page(total or 0, per_page), per_page)
        texts = _snippets(session, ticket_ids, query.words)
        results.tickets = [
            TicketHit(t, texts.get(t.id, [])) for t in _tickets_by_ids(session, ticket_ids)
        ]
        return results

    results.entities = _entities_by_ids(session, company_id, owners[:ENTITY_LIMIT])
    results.entity_total = len(owners)
    results.entities_more = len(owners) > ENTITY_LIMIT
    tickets: list[Ticket] = []
    if code_ticket is not None and page == 1:
        tickets.append(code_ticket)
    of_owners, results.has_next = _tickets_of(session, company_id, owners, page, per_page)
    if page > 1 and not of_owners:  # a page past the end: the last page
        total = session.scalar(
            sa.select(sa.func.count()).where(_visible(company_id), Ticket.entity_id.in_(owners))
        )
        return find(session, company_id, typed, _last_page(total or 0, per_page), per_page)
    tickets += [t for t in of_owners if code_ticket is None or t.id != code_ticket.id]
    results.tickets = [TicketHit(t, []) for t in tickets]
    results.ticket_total = None if results.has_next else len(tickets) + (page - 1) * per_page
    return results


def _last_page(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))
