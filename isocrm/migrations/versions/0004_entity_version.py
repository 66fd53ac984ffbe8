"""entity version: optimistic locking on entities and their rows, the revisions a stale save
is compared with, and one-time form keys

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 22:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

VERSIONED = ("entities", "addresses", "phones", "econtacts")


def upgrade():
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("version", sa.Integer(), server_default="1", nullable=False)
            )

    op.create_table(
        "entity_revisions",
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["entities.id"],
            name=op.f("fk_entity_revisions_entity_id_entities"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entity_id", "version", name=op.f("pk_entity_revisions")),
    )

    op.create_table(
        "form_submissions",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("result_url", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_form_submissions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_form_submissions")),
    )
    with op.batch_alter_table("form_submissions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_form_submissions_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_form_submissions_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("form_submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_submissions_user_id"))
        batch_op.drop_index(batch_op.f("ix_form_submissions_created_at"))
    op.drop_table("form_submissions")
    op.drop_table("entity_revisions")
    for table in reversed(VERSIONED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("version")
