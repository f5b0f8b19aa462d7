"""the learning record store

The LRS API's tables: the agent and activity indexes behind statement queries, canonical
activity definitions, attachment content, the State / Activity Profile / Agent Profile
documents, LRS client credentials (secrets hashed) and the forwarding outbox.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 07:12:21.197256

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "xapi_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.String(length=2048), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xapi_activity")),
        sa.UniqueConstraint("activity_id", name=op.f("uq_xapi_activity_activity_id")),
    )
    op.create_table(
        "xapi_attachment",
        sa.Column("sha2", sa.String(length=128), nullable=False),
        sa.Column("content_type", sa.String(length=255), nullable=False),
        sa.Column("length", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha2", name=op.f("pk_xapi_attachment")),
    )
    op.create_table(
        "xapi_client",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("secret_hash", sa.String(length=255), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("authority", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xapi_client")),
        sa.UniqueConstraint("name", name=op.f("uq_xapi_client_name")),
    )
    op.create_table(
        "xapi_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resource", sa.String(length=20), nullable=False),
        sa.Column("scope_key", sa.String(length=64), nullable=False),
        sa.Column("document_id", sa.String(length=1024), nullable=False),
        sa.Column("activity_id", sa.String(length=2048), nullable=True),
        sa.Column("agent_key", sa.String(length=1024), nullable=True),
        sa.Column("registration", sa.String(length=36), nullable=True),
        sa.Column("content_type", sa.String(length=255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("etag", sa.String(length=40), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xapi_document")),
        sa.UniqueConstraint("scope_key", "document_id", name="uq_xapi_document_scope_key"),
    )
    op.create_table(
        "xapi_outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("target", sa.String(length=255), nullable=False),
        sa.Column("statement_id", sa.String(length=36), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xapi_outbox")),
        sa.UniqueConstraint("target", "statement_id", name="uq_xapi_outbox_target"),
    )
    with op.batch_alter_table("xapi_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_xapi_outbox_pending", ["delivered", "next_attempt"], unique=False)

    op.create_table(
        "xapi_statement_activity",
        sa.Column(
            "statement_sequence",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("activity_id", sa.String(length=2048), nullable=False),
        sa.Column("direct", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["statement_sequence"],
            ["xapi_statement.sequence"],
            name=op.f("fk_xapi_statement_activity_statement_sequence_xapi_statement"),
        ),
        sa.PrimaryKeyConstraint(
            "statement_sequence", "activity_id", "direct", name=op.f("pk_xapi_statement_activity")
        ),
    )
    with op.batch_alter_table("xapi_statement_activity", schema=None) as batch_op:
        batch_op.create_index(
            "ix_xapi_statement_activity_activity_id", ["activity_id", "direct"], unique=False
        )

    op.create_table(
        "xapi_statement_agent",
        sa.Column(
            "statement_sequence",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("agent_key", sa.String(length=1024), nullable=False),
        sa.Column("direct", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["statement_sequence"],
            ["xapi_statement.sequence"],
            name=op.f("fk_xapi_statement_agent_statement_sequence_xapi_statement"),
        ),
        sa.PrimaryKeyConstraint(
            "statement_sequence", "agent_key", "direct", name=op.f("pk_xapi_statement_agent")
        ),
    )
    with op.batch_alter_table("xapi_statement_agent", schema=None) as batch_op:
        batch_op.create_index(
            "ix_xapi_statement_agent_agent_key", ["agent_key", "direct"], unique=False
        )

    # CPD credited from LMS statements: one credit per person, activity and attempt.
    with op.batch_alter_table("cpd_activity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("credit_key", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_cpd_activity_credit_key", ["credit_key"], unique=True)


def downgrade() -> None:

    with op.batch_alter_table("xapi_statement_agent", schema=None) as batch_op:
        batch_op.drop_index("ix_xapi_statement_agent_agent_key")

    op.drop_table("xapi_statement_agent")
    with op.batch_alter_table("xapi_statement_activity", schema=None) as batch_op:
        batch_op.drop_index("ix_xapi_statement_activity_activity_id")

    op.drop_table("xapi_statement_activity")
    with op.batch_alter_table("xapi_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_xapi_outbox_pending")

    op.drop_table("xapi_outbox")
    op.drop_table("xapi_document")
    op.drop_table("xapi_client")
    op.drop_table("xapi_attachment")
    op.drop_table("xapi_activity")
    with op.batch_alter_table("cpd_activity", schema=None) as batch_op:
        batch_op.drop_index("ix_cpd_activity_credit_key")
        batch_op.drop_column("credit_key")
