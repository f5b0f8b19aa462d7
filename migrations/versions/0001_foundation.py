"""foundation: statements, learners, roles, activities

The xAPI statement store (the record), learners keyed by the host's user reference, roles with
their annual target, and the cpd_activity read model projected from statements.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-21 05:43:20.095176

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "xapi_statement",
        sa.Column(
            "sequence",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("actor_key", sa.String(length=1024), nullable=False),
        sa.Column("verb_id", sa.String(length=2048), nullable=False),
        sa.Column("object_type", sa.String(length=20), nullable=False),
        sa.Column("object_key", sa.String(length=2048), nullable=False),
        sa.Column("registration", sa.String(length=36), nullable=True),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stored", sa.DateTime(timezone=True), nullable=False),
        sa.Column("authority_key", sa.String(length=1024), nullable=False),
        sa.Column("voided", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("sequence", name=op.f("pk_xapi_statement")),
        sa.UniqueConstraint("id", name=op.f("uq_xapi_statement_id")),
    )
    with op.batch_alter_table("xapi_statement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_xapi_statement_actor_key"), ["actor_key"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_xapi_statement_object_key"), ["object_key"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_xapi_statement_stored"), ["stored"], unique=False)
        batch_op.create_index(batch_op.f("ix_xapi_statement_verb_id"), ["verb_id"], unique=False)

    op.create_table(
        "cpd_learner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("org_unit", sa.String(length=255), nullable=True),
        sa.Column("line_manager_reference", sa.String(length=255), nullable=True),
        sa.Column("fte", sa.Numeric(precision=4, scale=3), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cpd_learner")),
        sa.UniqueConstraint("reference", name=op.f("uq_cpd_learner_reference")),
    )
    with op.batch_alter_table("cpd_learner", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cpd_learner_line_manager_reference"),
            ["line_manager_reference"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_cpd_learner_org_unit"), ["org_unit"], unique=False)

    op.create_table(
        "cpd_role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("annual_target_minutes", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "annual_target_minutes >= 0", name=op.f("ck_cpd_role_target_not_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cpd_role")),
        sa.UniqueConstraint("code", name=op.f("uq_cpd_role_code")),
    )
    op.create_table(
        "cpd_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.String(length=36), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("activity_date", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("reflection", sa.Text(), nullable=True),
        sa.Column("link", sa.String(length=2048), nullable=True),
        sa.Column("verification", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("minutes > 0", name=op.f("ck_cpd_activity_minutes_positive")),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["cpd_learner.id"], name=op.f("fk_cpd_activity_learner_id_cpd_learner")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cpd_activity")),
        sa.UniqueConstraint("statement_id", name=op.f("uq_cpd_activity_statement_id")),
    )
    with op.batch_alter_table("cpd_activity", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cpd_activity_learner_date", ["learner_id", "activity_date"], unique=False
        )

    op.create_table(
        "cpd_learner_role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["cpd_learner.id"],
            name=op.f("fk_cpd_learner_role_learner_id_cpd_learner"),
        ),
        sa.ForeignKeyConstraint(
            ["role_id"], ["cpd_role.id"], name=op.f("fk_cpd_learner_role_role_id_cpd_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cpd_learner_role")),
        sa.UniqueConstraint(
            "learner_id", "role_id", "started_on", name="uq_cpd_learner_role_period"
        ),
    )
    with op.batch_alter_table("cpd_learner_role", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cpd_learner_role_learner_id"), ["learner_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_cpd_learner_role_role_id"), ["role_id"], unique=False)

    op.create_table(
        "cpd_activity_role",
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["cpd_activity.id"],
            name=op.f("fk_cpd_activity_role_activity_id_cpd_activity"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["role_id"], ["cpd_role.id"], name=op.f("fk_cpd_activity_role_role_id_cpd_role")
        ),
        sa.PrimaryKeyConstraint("activity_id", "role_id", name=op.f("pk_cpd_activity_role")),
    )
    with op.batch_alter_table("cpd_activity_role", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cpd_activity_role_role_id"), ["role_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("cpd_activity_role", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cpd_activity_role_role_id"))

    op.drop_table("cpd_activity_role")
    with op.batch_alter_table("cpd_learner_role", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cpd_learner_role_role_id"))
        batch_op.drop_index(batch_op.f("ix_cpd_learner_role_learner_id"))

    op.drop_table("cpd_learner_role")
    with op.batch_alter_table("cpd_activity", schema=None) as batch_op:
        batch_op.drop_index("ix_cpd_activity_learner_date")

    op.drop_table("cpd_activity")
    op.drop_table("cpd_role")
    with op.batch_alter_table("cpd_learner", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cpd_learner_org_unit"))
        batch_op.drop_index(batch_op.f("ix_cpd_learner_line_manager_reference"))

    op.drop_table("cpd_learner")
    with op.batch_alter_table("xapi_statement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_xapi_statement_verb_id"))
        batch_op.drop_index(batch_op.f("ix_xapi_statement_stored"))
        batch_op.drop_index(batch_op.f("ix_xapi_statement_object_key"))
        batch_op.drop_index(batch_op.f("ix_xapi_statement_actor_key"))

    op.drop_table("xapi_statement")
