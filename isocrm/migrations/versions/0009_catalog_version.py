"""catalogue version: one row bumped by every change to a catalogue, so each app process
knows when its cached copy of canais, situações, motivos… is stale

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 05:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "catalog_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), server_default="1", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_version")),
    )
    op.bulk_insert(table, [{"id": 1, "version": 1}])


def downgrade():
    op.drop_table("catalog_version")
