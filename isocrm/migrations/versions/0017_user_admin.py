"""users.must_change_password: a temporary password set by an administrator (Usuários ›
Redefinir senha, Novo usuário) must be replaced at the next login

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 11:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
