"""reasons, occurrences, causes: position, the order a supervisor gives them (Configurações ›
Motivos, subir/descer); the lists follow position, then name. Existing rows get 0, so
they keep their alphabetical order until someone moves one.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 11:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TABLES = ("reasons", "occurrences", "causes")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("position", sa.Integer(), server_default="0", nullable=False)
            )


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("position")
