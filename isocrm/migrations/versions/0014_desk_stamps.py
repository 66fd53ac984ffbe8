"""desk stamps: one stamp per Empresa, changed after every committed change to its tickets,
so the painel's counts can answer 304 Not Modified with one query

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 07:57:29
"""

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "desk_stamps",
        sa.Column("company_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("stamp", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_desk_stamps_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_desk_stamps")),
    )


def downgrade():
    op.drop_table("desk_stamps")
