"""mail pipeline: parsed fields on inbound messages, reply tokens, dedupe keys

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mail_keys",
        sa.Column("content_key", sa.String(length=64), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("inbound_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inbound_id"],
            ["inbound_messages.id"],
            name=op.f("fk_mail_keys_inbound_id_inbound_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_mail_keys_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("content_key", name=op.f("pk_mail_keys")),
    )
    with op.batch_alter_table("mail_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mail_keys_ticket_id"), ["ticket_id"], unique=False)

    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("subject", sa.String(length=998), nullable=True))
        batch_op.add_column(sa.Column("sender", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("html", sa.Text(), nullable=True))
        # Existing rows get empty lists; the default is dropped again below (the models set it).
        batch_op.add_column(
            sa.Column("attachments", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(
            sa.Column("notes", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(sa.Column("content_key", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("disposition_reason", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_inbound_messages_content_key"), ["content_key"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_inbound_messages_sender"), ["sender"], unique=False)

    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.alter_column("attachments", server_default=None)
        batch_op.alter_column("notes", server_default=None)

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reply_token", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("subject", sa.String(length=998), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_tickets_requester_email"), ["requester_email"], unique=False
        )
        batch_op.create_unique_constraint(batch_op.f("uq_tickets_reply_token"), ["reply_token"])


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_tickets_reply_token"), type_="unique")
        batch_op.drop_index(batch_op.f("ix_tickets_requester_email"))
        batch_op.drop_column("subject")
        batch_op.drop_column("reply_token")

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("claimed_at")

    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_messages_sender"))
        batch_op.drop_index(batch_op.f("ix_inbound_messages_content_key"))
        batch_op.drop_column("disposition_reason")
        batch_op.drop_column("content_key")
        batch_op.drop_column("notes")
        batch_op.drop_column("attachments")
        batch_op.drop_column("html")
        batch_op.drop_column("text")
        batch_op.drop_column("sender")
        batch_op.drop_column("subject")
        batch_op.drop_column("claimed_at")

    with op.batch_alter_table("mail_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_keys_ticket_id"))

    op.drop_table("mail_keys")
