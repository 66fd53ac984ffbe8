"""Caixa de entrada: the Empresa's IMAP mailbox (mailboxes), the messages read from it
(inbound_messages, unique per Empresa and Message-ID), the user each Empresa's mailbox
writes in the name of (users.is_system) and the Message-ID each outgoing
e-mail is sent with (outbox_messages.message_id), to recognise the customers' replies.

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-30 02:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def _stamp():
    return sa.DateTime(timezone=True)


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_system", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "mailboxes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("port", sa.Integer(), server_default="993", nullable=False),
        sa.Column("username", sa.String(length=255), nullable=False),
        sa.Column("password", sa.String(length=255), nullable=False),
        sa.Column("folder", sa.String(length=255), server_default="INBOX", nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", _stamp(), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=True),
        sa.Column("last_uid", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("last_polled_at", _stamp(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.CheckConstraint("port BETWEEN 1 AND 65535", name=op.f("ck_mailboxes_port_valid")),
        sa.CheckConstraint("last_uid >= 0", name=op.f("ck_mailboxes_last_uid_not_negative")),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_mailboxes_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_mailboxes_updated_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailboxes")),
        sa.UniqueConstraint("company_id", name=op.f("uq_mailboxes_company_id")),
    )
    op.create_index(op.f("ix_mailboxes_updated_by_id"), "mailboxes", ["updated_by_id"])

    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("uid", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("from_address", sa.String(length=254), nullable=True),
        sa.Column("from_name", sa.String(length=200), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("received_at", _stamp(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("raw", sa.LargeBinary(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("detail_id", sa.Integer(), nullable=True),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.Column("quoted_ticket_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _stamp(), nullable=False),
        sa.CheckConstraint(
            "status IN ('importado', 'sem_cadastro', 'vinculado', 'descartado', 'falhou')",
            name=op.f("ck_inbound_messages_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_inbound_messages_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_inbound_messages_ticket_id_tickets"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["quoted_ticket_id"],
            ["tickets.id"],
            name=op.f("fk_inbound_messages_quoted_ticket_id_tickets"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["detail_id"],
            ["ticket_details.id"],
            name=op.f("fk_inbound_messages_detail_id_ticket_details"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["entities.id"],
            name=op.f("fk_inbound_messages_entity_id_entities"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["handled_by_id"],
            ["users.id"],
            name=op.f("fk_inbound_messages_handled_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_messages")),
        sa.UniqueConstraint(
            "company_id", "message_id", name=op.f("uq_inbound_messages_company_id_message_id")
        ),
    )
    for column in (
        "ticket_id",
        "detail_id",
        "entity_id",
        "handled_by_id",
        "quoted_ticket_id",
    ):
        op.create_index(op.f(f"ix_inbound_messages_{column}"), "inbound_messages", [column])
    op.create_index(
        "ix_inbound_messages_company_status_received",
        "inbound_messages",
        ["company_id", "status", "received_at", "id"],
    )

    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_id", sa.String(length=255), nullable=True))
        batch_op.create_index("ix_outbox_messages_company_message_id", ["company_id", "message_id"])


def downgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_messages_company_message_id")
        batch_op.drop_column("message_id")
    op.drop_table("inbound_messages")
    op.drop_table("mailboxes")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("is_system")
