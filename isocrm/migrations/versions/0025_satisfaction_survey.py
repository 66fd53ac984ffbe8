"""Pesquisa de satisfação: survey_invitations (one per concluded ticket, only the token's
SHA-256 kept), survey_responses.ticket_id (the atendimento a response rated) and
companies.satisfaction_survey (an Empresa may turn the survey off).

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-30 02:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "satisfaction_survey", sa.Boolean(), server_default=sa.true(), nullable=False
            )
        )
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ticket_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_survey_responses_ticket_id"), ["ticket_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_survey_responses_ticket_id_tickets"),
            "tickets",
            ["ticket_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "survey_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("attendant_id", sa.Integer(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("response_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "rating IS NULL OR rating BETWEEN 1 AND 5",
            name=op.f("ck_survey_invitations_rating_range"),
        ),
        sa.CheckConstraint(
            "(answered_at IS NULL) = (rating IS NULL)",
            name=op.f("ck_survey_invitations_rated_when_answered"),
        ),
        sa.ForeignKeyConstraint(
            ["attendant_id"],
            ["users.id"],
            name=op.f("fk_survey_invitations_attendant_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_survey_invitations_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["entities.id"],
            name=op.f("fk_survey_invitations_entity_id_entities"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["survey_responses.id"],
            name=op.f("fk_survey_invitations_response_id_survey_responses"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_survey_invitations_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_invitations")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_survey_invitations_ticket_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_survey_invitations_token_hash")),
    )
    with op.batch_alter_table("survey_invitations", schema=None) as batch_op:
        for column in ("attendant_id", "entity_id", "response_id"):
            batch_op.create_index(f"ix_survey_invitations_{column}", [column], unique=False)
        batch_op.create_index(
            "ix_survey_invitations_company_answered", ["company_id", "answered_at"], unique=False
        )


def downgrade():
    op.drop_table("survey_invitations")
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_survey_responses_ticket_id_tickets"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_survey_responses_ticket_id"))
        batch_op.drop_column("ticket_id")
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.drop_column("satisfaction_survey")
