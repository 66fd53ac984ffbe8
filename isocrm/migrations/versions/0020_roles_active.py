"""roles: active, so a supervisor can retire a papel (Configurações › Papéis) without losing
it on the entities and tickets that have it. Existing papéis are active.

Revision ID: 0020
Revises: 0021
Create Date: 2026-11-29 12:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("roles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("roles", schema=None) as batch_op:
        batch_op.drop_column("active")
