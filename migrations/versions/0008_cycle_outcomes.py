"""cycle outcomes

``cpd_cycle_outcome``: how each person's cycle in a role ended (met, met within an extension,
not met with the rules unmet, or exempt), projected from the ``judged-cycle`` statements the
daily job records when a cycle's due date passes, and those of leads who judge a cycle again.
The first daily run after the upgrade records the cycles that have already ended.
``cpd_standing`` gains the last recorded outcome of each person in each role (for the leads'
"last cycle" filter), filled by the next standings pass. ``cpd_activity.minutes`` may be 0,
for a record that is not a length of time (a reflective account). ``cpd_allowance`` gains the
first and last days of an exemption for a period.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08 01:01:09.940538

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from xapi.models import UTCDateTime

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cpd_cycle_outcome",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("role_id", sa.Integer(), nullable=False),
        sa.Column("cycle_start", sa.Date(), nullable=False),
        sa.Column("cycle_end", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("unmet", sa.Text(), nullable=False),
        sa.Column("judged_by", sa.String(length=255), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("statement_id", sa.String(length=36), nullable=False),
        sa.Column("judged_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("outcome IN ('met', 'met-late', 'not-met', 'exempt')",
                           name=op.f("ck_cpd_cycle_outcome_outcome_known")),
        sa.ForeignKeyConstraint(["learner_id"], ["cpd_learner.id"],
                                name=op.f("fk_cpd_cycle_outcome_learner_id_cpd_learner")),
        sa.ForeignKeyConstraint(["role_id"], ["cpd_role.id"],
                                name=op.f("fk_cpd_cycle_outcome_role_id_cpd_role")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cpd_cycle_outcome")),
        sa.UniqueConstraint("learner_id", "role_id", "cycle_start",
                            name="uq_cpd_cycle_outcome_cycle"),
    )
    with op.batch_alter_table("cpd_cycle_outcome", schema=None) as batch_op:
        batch_op.create_index("ix_cpd_cycle_outcome_role_end", ["role_id", "cycle_end"],
                              unique=False)
    # An exemption may be for a period inside its cycle.
    with op.batch_alter_table("cpd_allowance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("starts_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("ends_on", sa.Date(), nullable=True))
    # A record that is not a length of time (a kind with duration: false) has no minutes.
    with op.batch_alter_table("cpd_activity", schema=None) as batch_op:
        batch_op.drop_constraint("ck_cpd_activity_minutes_positive", type_="check")
        batch_op.create_check_constraint(op.f("ck_cpd_activity_minutes_not_negative"),
                                         "minutes >= 0")
    with op.batch_alter_table("cpd_standing", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_outcome", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("last_cycle_end", sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f("ix_cpd_standing_last_outcome"), ["last_outcome"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cpd_allowance", schema=None) as batch_op:
        batch_op.drop_column("ends_on")
        batch_op.drop_column("starts_on")
    with op.batch_alter_table("cpd_activity", schema=None) as batch_op:
        batch_op.drop_constraint("ck_cpd_activity_minutes_not_negative", type_="check")
        batch_op.create_check_constraint(op.f("ck_cpd_activity_minutes_positive"),
                                         "minutes > 0")
    with op.batch_alter_table("cpd_standing", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cpd_standing_last_outcome"))
        batch_op.drop_column("last_cycle_end")
        batch_op.drop_column("last_outcome")
    with op.batch_alter_table("cpd_cycle_outcome", schema=None) as batch_op:
        batch_op.drop_index("ix_cpd_cycle_outcome_role_end")
    op.drop_table("cpd_cycle_outcome")
