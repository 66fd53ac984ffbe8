"""global search: the words of every ticket's details (descriptions and answers)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 08:00:00

The search box in the header finds tickets by words of their details. ticket_search_words
holds one row per distinct folded word (2 to 40 characters) of a ticket's details; this
fills it for the tickets that exist (the ORM hook and the bulk generator write it for new
ones). The words are folded here as isocrm.text does, copied so that this migration keeps
its meaning when that module changes.
"""

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_NOT_WORD = re.compile(r"[^a-z0-9]+")
BATCH = 2_000  # tickets per read


def _words(value):
    if not value:
        return []
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return [w[:40] for w in _NOT_WORD.sub(" ", stripped.lower()).strip().split() if len(w) >= 2]


def upgrade():
    op.create_table(
        "ticket_search_words",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column(
            "word",
            sa.String(length=40).with_variant(sa.String(length=40, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_ticket_search_words_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_search_words_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", "word", "ticket_id", name=op.f("pk_ticket_search_words")),
    )
    connection = op.get_bind()
    words = sa.table(
        "ticket_search_words", sa.column("company_id"), sa.column("word"), sa.column("ticket_id")
    )
    last_id = 0
    while True:
        ids = connection.execute(
            sa.text("SELECT id, company_id FROM tickets WHERE id > :last ORDER BY id LIMIT :n"),
            {"last": last_id, "n": BATCH},
        ).all()
        if not ids:
            break
        companies = dict(ids)
        found = {ticket_id: set() for ticket_id in companies}
        rows = connection.execute(
            sa.text(
                "SELECT ticket_id, description, answer FROM ticket_details"
                " WHERE ticket_id > :low AND ticket_id <= :high"
            ),
            {"low": last_id, "high": ids[-1][0]},
        )
        for ticket_id, description, answer in rows:
            found[ticket_id].update(_words(description))
            found[ticket_id].update(_words(answer))
        values = [
            {"company_id": companies[t], "word": w, "ticket_id": t}
            for t in sorted(found)
            for w in sorted(found[t])
        ]
        if values:
            connection.execute(words.insert(), values)
        last_id = ids[-1][0]
    # The index after the rows: one sorted build instead of a row-by-row insert.
    with op.batch_alter_table("ticket_search_words", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ticket_search_words_ticket_word", ["ticket_id", "word"], unique=False
        )


def downgrade():
    with op.batch_alter_table("ticket_search_words", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_search_words_ticket_word")
    op.drop_table("ticket_search_words")
