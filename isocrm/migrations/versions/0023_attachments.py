"""attachments on ticket details (the bytes kept outside the database) and the ones each
outgoing e-mail carries

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30 01:50:00
"""

import sqlalchemy as sa
from alembic import op

import isocrm.models.base

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("detail_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", isocrm.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("size > 0", name=op.f("ck_attachments_size_positive")),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"],
            name=op.f("fk_attachments_company_id_companies"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["detail_id"], ["ticket_details.id"],
            name=op.f("fk_attachments_detail_id_ticket_details"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"],
            name=op.f("fk_attachments_ticket_id_tickets"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"],
            name=op.f("fk_attachments_uploaded_by_id_users"), ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.create_index("ix_attachments_detail_id", ["detail_id", "id"], unique=False)
        batch_op.create_index(
            "ix_attachments_company_ticket", ["company_id", "ticket_id", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_attachments_uploaded_by_id"), ["uploaded_by_id"], unique=False
        )

    op.create_table(
        "outbox_attachments",
        sa.Column("outbox_message_id", sa.Integer(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attachment_id"], ["attachments.id"],
            name=op.f("fk_outbox_attachments_attachment_id_attachments"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["outbox_message_id"], ["outbox_messages.id"],
            name=op.f("fk_outbox_attachments_outbox_message_id_outbox_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "outbox_message_id", "attachment_id", name=op.f("pk_outbox_attachments")
        ),
    )
    with op.batch_alter_table("outbox_attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbox_attachments_attachment_id"), ["attachment_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("outbox_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_attachments_attachment_id"))
    op.drop_table("outbox_attachments")
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachments_uploaded_by_id"))
        batch_op.drop_index("ix_attachments_company_ticket")
        batch_op.drop_index("ix_attachments_detail_id")
    op.drop_table("attachments")
