"""frameworks and compliance

Requirement frameworks and their versions (roles now take their rules from a framework, so the
foundation's single annual target goes), the activity facts the rules look at (kind,
participatory, named item, impact), leads' exemptions and extensions, approved absences, and
the indexes the force-wide compliance aggregate needs.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 06:08:33.852375

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cpd_framework",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("vocabulary", sa.JSON(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cpd_framework")),
        sa.UniqueConstraint("code", name=op.f("uq_cpd_framework_code")),
    )
    op.create_table(
        "cpd_absence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.String(length=36), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=False),
        sa.Column("approved_by", sa.String(length=255), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_cpd_absence_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["cpd_learner.id"], name=op.f("fk_cpd_absence_learner_id_cpd_learner")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cpd_absence")),
        sa.UniqueConstraint("statement_id", name=op.f("uq_cpd_absence_statement_id")),
    )
    with op.batch_alter_table("cpd_absence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cpd_absence_learner_id"), ["learner_id"], unique=False)

    op.create_table(
        "cpd_framework_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("framework_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("checksum", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["framework_id"],
            ["cpd_framework.id"],
            name=op.f("fk_cpd_framework_version_framework_id_cpd_framework"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cpd_framework_version")),
        sa.UniqueConstraint("framework_id", "version", name="uq_cpd_framework_version_label"),
    )
    with op.batch_alter_table("cpd_framework_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cpd_framework_version_framework_id"), ["framework_id"], unique=False
        )

    op.create_table(
        "cpd_allowance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.String(length=36), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("cycle_start", sa.Date(), nullable=False),
        sa.Column("extended_to", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("granted_by", sa.String(length=255), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('exemption', 'extension')", name=op.f("ck_cpd_allowance_kind_known")
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["cpd_learner.id"], name=op.f("fk_cpd_allowance_learner_id_cpd_learner")
        ),
        sa.ForeignKeyConstraint(
            ["role_id"], ["cpd_role.id"], name=op.f("fk_cpd_allowance_role_id_cpd_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cpd_allowance")),
        sa.UniqueConstraint("statement_id", name=op.f("uq_cpd_allowance_statement_id")),
    )
    with op.batch_alter_table("cpd_allowance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cpd_allowance_learner_id"), ["learner_id"], unique=False
        )

    with op.batch_alter_table("cpd_activity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("participatory", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("item", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("impact", sa.Text(), nullable=True))
        batch_op.create_index("ix_cpd_activity_date", ["activity_date"], unique=False)
        batch_op.create_index(
            "ix_cpd_activity_item", ["item", "learner_id", "activity_date"], unique=False
        )

    with op.batch_alter_table("cpd_learner_role", schema=None) as batch_op:
        batch_op.add_column(sa.Column("accredited_on", sa.Date(), nullable=True))

    with op.batch_alter_table("cpd_role", schema=None) as batch_op:
        batch_op.add_column(sa.Column("framework_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_cpd_role_framework_id"), ["framework_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_cpd_role_framework_id_cpd_framework"),
            "cpd_framework",
            ["framework_id"],
            ["id"],
        )
        batch_op.drop_constraint(batch_op.f("ck_cpd_role_target_not_negative"), type_="check")
        batch_op.drop_column("annual_target_minutes")


def downgrade() -> None:
    with op.batch_alter_table("cpd_role", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("annual_target_minutes", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_cpd_role_target_not_negative"), "annual_target_minutes >= 0"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_cpd_role_framework_id_cpd_framework"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_cpd_role_framework_id"))
        batch_op.drop_column("framework_id")

    with op.batch_alter_table("cpd_learner_role", schema=None) as batch_op:
        batch_op.drop_column("accredited_on")

    with op.batch_alter_table("cpd_activity", schema=None) as batch_op:
        batch_op.drop_index("ix_cpd_activity_item")
        batch_op.drop_index("ix_cpd_activity_date")
        batch_op.drop_column("impact")
        batch_op.drop_column("item")
        batch_op.drop_column("participatory")
        batch_op.drop_column("kind")

    with op.batch_alter_table("cpd_allowance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cpd_allowance_learner_id"))

    op.drop_table("cpd_allowance")
    with op.batch_alter_table("cpd_framework_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cpd_framework_version_framework_id"))

    op.drop_table("cpd_framework_version")
    with op.batch_alter_table("cpd_absence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cpd_absence_learner_id"))

    op.drop_table("cpd_absence")
    op.drop_table("cpd_framework")
