"""Internal notes and Respostas prontas: ticket_details.internal (the whole detail is the
team's own) and ticket_details.internal_note (the part of a detail kept from the customer);
the table ready_answers (texts per Motivo/Ocorrência with placeholders).

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30 02:00:00
"""

import sqlalchemy as sa
from alembic import op


revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("ticket_details", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("internal", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("internal_note", sa.Text(), nullable=True))
    op.create_table(
        "ready_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("reason_id", sa.Integer(), nullable=True),
        sa.Column("occurrence_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=80), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "occurrence_id IS NULL OR reason_id IS NOT NULL",
            name=op.f("ck_ready_answers_occurrence_needs_reason"),
        ),
        sa.CheckConstraint("length(title) > 0", name=op.f("ck_ready_answers_title_not_empty")),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_ready_answers_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["occurrence_id", "reason_id"],
            ["occurrences.id", "occurrences.reason_id"],
            name=op.f("fk_ready_answers_occurrence_id_reason_id_occurrences"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["reason_id"],
            ["reasons.id"],
            name=op.f("fk_ready_answers_reason_id_reasons"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ready_answers")),
    )
    op.create_index(
        "ix_ready_answers_company_reason",
        "ready_answers",
        ["company_id", "reason_id", "occurrence_id"],
    )
    op.create_index("ix_ready_answers_reason_id", "ready_answers", ["reason_id"])
    op.create_index("ix_ready_answers_occurrence_id", "ready_answers", ["occurrence_id"])


def downgrade():
    op.drop_index("ix_ready_answers_occurrence_id", table_name="ready_answers")
    op.drop_index("ix_ready_answers_reason_id", table_name="ready_answers")
    op.drop_index("ix_ready_answers_company_reason", table_name="ready_answers")
    op.drop_table("ready_answers")
    with op.batch_alter_table("ticket_details", schema=None) as batch_op:
        batch_op.drop_column("internal_note")
        batch_op.drop_column("internal")
