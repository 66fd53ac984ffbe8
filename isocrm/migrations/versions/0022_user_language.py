"""users.language: the interface's language each user chose (Preferências): pt_BR, the
desk's, or en. Existing users keep Portuguese.

Revision ID: 0022
Revises: 0020
Create Date: 2026-11-29 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=8), server_default="pt_BR", nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_users_language_known"), "language IN ('pt_BR', 'en')"
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_language_known"), type_="check")
        batch_op.drop_column("language")
