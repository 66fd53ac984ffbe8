"""reasons.is_complaint: a Motivo says whether its tickets are complaints (the lot warnings
count only those); set on the existing Motivos whose name begins with "Reclama"

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 09:20:00
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def _is_complaint_name(name: str) -> bool:
    plain = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode()
    return plain.strip().lower().startswith("reclama")


def upgrade():
    with op.batch_alter_table("reasons", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_complaint", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    reasons = sa.table(
        "reasons", sa.column("id", sa.Integer), sa.column("name"), sa.column("is_complaint")
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(reasons.c.id, reasons.c.name)).all()
    ids = [row.id for row in rows if _is_complaint_name(row.name)]
    if ids:
        bind.execute(
            reasons.update().where(reasons.c.id.in_(ids)).values(is_complaint=sa.true())
        )


def downgrade():
    with op.batch_alter_table("reasons", schema=None) as batch_op:
        batch_op.drop_column("is_complaint")
