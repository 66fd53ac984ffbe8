"""tickets: partial indexes of the open tickets for the painel: one holding every column its
counts test (counted from the index alone), two in its default order (prazo), all and by
responsável

Revision ID: 0021
Revises: 0018
Create Date: 2026-11-29 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0018"
branch_labels = None
depends_on = None

# As isocrm.models.ticket.OPEN_DESK_COLUMNS when this was written.
COLUMNS = [
    "company_id",
    "status_id",  # second: the counts by situação read it in GROUP BY order
    "owner_id",
    "stage",
    "team_id",
    "resolution_due_at",
    "sla_paused_at",
    "first_answered_at",
    "first_answer_due_at",
    "closed_at",
]


INDEXES = {
    "ix_tickets_open_desk": COLUMNS,
    "ix_tickets_open_due": ["company_id", "resolution_due_at", "id"],
    "ix_tickets_open_owner_due": ["company_id", "owner_id", "resolution_due_at", "id"],
}


def upgrade():
    for name, columns in INDEXES.items():
        op.create_index(
            name,
            "tickets",
            columns,
            sqlite_where=sa.text("closed_at IS NULL"),
            postgresql_where=sa.text("closed_at IS NULL"),
        )


def downgrade():
    for name in INDEXES:
        op.drop_index(name, table_name="tickets")
