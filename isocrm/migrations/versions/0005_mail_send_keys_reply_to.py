"""mail: idempotency keys for e-mails and appointments, the e-mail's detail, Reply-To

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 22:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("send_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("detail_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_outbox_messages_send_key"), ["send_key"])
        batch_op.create_index(batch_op.f("ix_outbox_messages_detail_id"), ["detail_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_messages_detail_id_ticket_details"),
            "ticket_details",
            ["detail_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mail_reply_to", sa.String(length=254), nullable=True))
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("form_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_appointments_form_key"), ["form_key"])


def downgrade():
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_appointments_form_key"), type_="unique")
        batch_op.drop_column("form_key")
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.drop_column("mail_reply_to")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_outbox_messages_detail_id_ticket_details"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_outbox_messages_detail_id"))
        batch_op.drop_constraint(batch_op.f("uq_outbox_messages_send_key"), type_="unique")
        batch_op.drop_column("detail_id")
        batch_op.drop_column("send_key")
