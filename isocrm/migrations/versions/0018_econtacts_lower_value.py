"""econtacts: an index on lower(value), so the global search finds an e-mail address
whatever the case it was stored or typed with

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29 11:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    # Compared byte by byte on PostgreSQL (isocrm.models.base.lower_binary): a prefix range
    # must not depend on the database's locale.
    if op.get_bind().dialect.name == "postgresql":
        expression = 'lower(value) COLLATE "C"'
    else:
        expression = "lower(value)"
    op.create_index("ix_econtacts_lower_value", "econtacts", [sa.text(expression)])


def downgrade():
    op.drop_index("ix_econtacts_lower_value", table_name="econtacts")
