"""The ticket word index rows of bulk-written details (isocrm.demo.bulk_tickets): the
bulk writer bypasses the ORM hook that keeps ticket_search_words in step."""

from collections import defaultdict
from functools import lru_cache

from isocrm.models.ticket_search import ticket_words

WORDS_TABLE = "ticket_search_words"
WORD_COLUMNS = ["company_id", "word", "ticket_id"]


@lru_cache(maxsize=4096)
def _words(value: str | None) -> frozenset[str]:
    # Generated texts come from a small pool of sentences: fold each once.
    return frozenset(ticket_words((value,)))


def ticket_word_rows(company_id: int, columns: list[str], details: list[tuple]) -> list[tuple]:
    """(company_id, word, ticket_id) rows for detail rows laid out as `columns`; every detail
    of a ticket must be among `details` (the generator writes a ticket's details together)."""
    at_ticket = columns.index("ticket_id")
    at_description = columns.index("description")
    at_answer = columns.index("answer")
    found: dict[int, set[str]] = defaultdict(set)
    for row in details:
        words = found[row[at_ticket]]
        words |= _words(row[at_description])
        words |= _words(row[at_answer])
    return [(company_id, word, ticket) for ticket, words in found.items() for word in words]
