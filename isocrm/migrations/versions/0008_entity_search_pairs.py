"""entity search: word-pair keys in the word index ("~maria aparecida")

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 03:35:00

Two common words that are rare together ("maria aparecida") made the search intersect or
walk tens of thousands of rows. Each entity now also has a key per ordered pair of its
distinct words, in the same table, so such a query is one B-tree range. No schema change:
this fills the pairs of the entities that exist (the ORM hook and the bulk generator write
them for new ones). The words are folded here as isocrm.text does, copied so that this
migration keeps its meaning when that module changes.
"""

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_NOT_WORD = re.compile(r"[^a-z0-9]+")
BATCH = 5_000


def _words(value):
    if not value:
        return []
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return [w[:60] for w in _NOT_WORD.sub(" ", stripped.lower()).strip().split()]


def _pairs(*values):
    keys = set()
    for value in values:
        distinct = list(dict.fromkeys(_words(value)))
        for i, first in enumerate(distinct):
            for second in distinct[i + 1 :]:
                keys.add(f"~{first} {second}"[:60])
    return keys


def upgrade():
    connection = op.get_bind()
    words = sa.table(
        "entity_search_words",
        sa.column("company_id"),
        sa.column("word"),
        sa.column("entity_id"),
    )
    last_id = 0
    while True:
        rows = connection.execute(
            sa.text(
                "SELECT id, company_id, name, trade_name FROM entities"
                " WHERE id > :last ORDER BY id LIMIT :batch"
            ),
            {"last": last_id, "batch": BATCH},
        ).all()
        if not rows:
            break
        inserts = [
            {"company_id": company_id, "word": key, "entity_id": entity_id}
            for entity_id, company_id, name, trade_name in rows
            for key in _pairs(name, trade_name)
        ]
        if inserts:
            connection.execute(sa.insert(words), inserts)
        last_id = rows[-1][0]


def downgrade():
    op.execute("DELETE FROM entity_search_words WHERE word LIKE '~%'")
