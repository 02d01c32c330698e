"""meetings: meetings, programme, breakout set-up and tables, registrations, assignment log,
joint actions (hand-written, reviewed)

Revision ID: 0003_meetings
Revises: 0002_matching
"""
from alembic import op
import sqlalchemy as sa


revision = "0003_meetings"
down_revision = "0002_matching"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("title_ko", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("venue_ko", sa.String(length=200), nullable=False),
        sa.Column("venue_en", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("registration_opens_at", sa.DateTime(), nullable=True),
        sa.Column("registration_closes_at", sa.DateTime(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("per_organisation_limit", sa.Integer(), nullable=False),
        sa.Column("seats_version", sa.Integer(), nullable=False),
        sa.Column("assignment_summary", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["network_id"], ["networks.id"],
                                name=op.f("fk_meetings_network_id_networks"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
    )
    with op.batch_alter_table("meetings") as batch_op:
        batch_op.create_index(batch_op.f("ix_meetings_network_id"), ["network_id"], unique=False)

    op.create_table(
        "meeting_programme_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("item_ko", sa.String(length=200), nullable=False),
        sa.Column("item_en", sa.String(length=200), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"],
                                name=op.f("fk_meeting_programme_items_meeting_id_meetings"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_programme_items")),
    )
    with op.batch_alter_table("meeting_programme_items") as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_programme_items_meeting_id"), ["meeting_id"], unique=False)

    op.create_table(
        "meeting_breakouts",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.Column("tables", sa.Integer(), nullable=False),
        sa.Column("seats_per_table", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["cluster_id"], ["clusters.id"],
                                name=op.f("fk_meeting_breakouts_cluster_id_clusters"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"],
                                name=op.f("fk_meeting_breakouts_meeting_id_meetings"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("meeting_id", "cluster_id", name=op.f("pk_meeting_breakouts")),
    )

    op.create_table(
        "breakout_tables",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["cluster_id"], ["clusters.id"],
                                name=op.f("fk_breakout_tables_cluster_id_clusters"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"],
                                name=op.f("fk_breakout_tables_meeting_id_meetings"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_breakout_tables")),
        sa.UniqueConstraint("meeting_id", "cluster_id", "number", name="uq_breakout_tables_number"),
    )
    with op.batch_alter_table("breakout_tables") as batch_op:
        batch_op.create_index(batch_op.f("ix_breakout_tables_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_breakout_tables_cluster_id"), ["cluster_id"], unique=False)

    op.create_table(
        "meeting_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attendees", sa.Integer(), nullable=False),
        sa.Column("attendee_names", sa.JSON(), nullable=False),
        sa.Column("preferred_cluster_id", sa.Integer(), nullable=True),
        sa.Column("accessibility", sa.String(length=500), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("checkin_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("promoted_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(), nullable=True),
        sa.Column("checked_in_by_id", sa.Integer(), nullable=True),
        sa.Column("table_id", sa.Integer(), nullable=True),
        sa.Column("table_locked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"],
                                name=op.f("fk_meeting_registrations_meeting_id_meetings"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_meeting_registrations_organisation_id_organisations"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["preferred_cluster_id"], ["clusters.id"],
                                name=op.f("fk_meeting_registrations_preferred_cluster_id_clusters"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["checked_in_by_id"], ["users.id"],
                                name=op.f("fk_meeting_registrations_checked_in_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["table_id"], ["breakout_tables.id"],
                                name=op.f("fk_meeting_registrations_table_id_breakout_tables"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_registrations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_meeting_registrations_token_hash")),
        sa.UniqueConstraint("checkin_hash", name=op.f("uq_meeting_registrations_checkin_hash")),
    )
    with op.batch_alter_table("meeting_registrations") as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_registrations_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_meeting_registrations_organisation_id"), ["organisation_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_meeting_registrations_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_meeting_registrations_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_meeting_registrations_table_id"), ["table_id"], unique=False)
        batch_op.create_index(
            "uq_meeting_registrations_active", ["meeting_id", "organisation_id"], unique=True,
            sqlite_where=sa.text("status <> 'cancelled'"), postgresql_where=sa.text("status <> 'cancelled'"),
        )

    op.create_table(
        "meeting_assignment_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("from_table_id", sa.Integer(), nullable=True),
        sa.Column("to_table_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"],
                                name=op.f("fk_meeting_assignment_changes_meeting_id_meetings"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["registration_id"], ["meeting_registrations.id"],
                                name=op.f("fk_meeting_assignment_changes_registration_id_meeting_registrations"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["actor_user_id"], ["users.id"],
                                name=op.f("fk_meeting_assignment_changes_actor_user_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["from_table_id"], ["breakout_tables.id"],
                                name=op.f("fk_meeting_assignment_changes_from_table_id_breakout_tables"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["to_table_id"], ["breakout_tables.id"],
                                name=op.f("fk_meeting_assignment_changes_to_table_id_breakout_tables"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_assignment_changes")),
    )
    with op.batch_alter_table("meeting_assignment_changes") as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_assignment_changes_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_meeting_assignment_changes_registration_id"), ["registration_id"],
                              unique=False)

    op.create_table(
        "joint_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("table_id", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("lead_organisation_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["network_id"], ["networks.id"],
                                name=op.f("fk_joint_actions_network_id_networks"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"],
                                name=op.f("fk_joint_actions_meeting_id_meetings"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["table_id"], ["breakout_tables.id"],
                                name=op.f("fk_joint_actions_table_id_breakout_tables"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["cluster_id"], ["clusters.id"],
                                name=op.f("fk_joint_actions_cluster_id_clusters"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["lead_organisation_id"], ["organisations.id"],
                                name=op.f("fk_joint_actions_lead_organisation_id_organisations"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_joint_actions")),
        sa.UniqueConstraint("table_id", name=op.f("uq_joint_actions_table_id")),
    )
    with op.batch_alter_table("joint_actions") as batch_op:
        batch_op.create_index(batch_op.f("ix_joint_actions_network_id"), ["network_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_joint_actions_meeting_id"), ["meeting_id"], unique=False)

    op.create_table(
        "joint_action_goals",
        sa.Column("joint_action_id", sa.Integer(), nullable=False),
        sa.Column("goal_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["joint_action_id"], ["joint_actions.id"],
                                name=op.f("fk_joint_action_goals_joint_action_id_joint_actions"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["goal_number"], ["goals.number"],
                                name=op.f("fk_joint_action_goals_goal_number_goals")),
        sa.PrimaryKeyConstraint("joint_action_id", "goal_number", name=op.f("pk_joint_action_goals")),
    )
    op.create_table(
        "joint_action_partners",
        sa.Column("joint_action_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["joint_action_id"], ["joint_actions.id"],
                                name=op.f("fk_joint_action_partners_joint_action_id_joint_actions"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_joint_action_partners_organisation_id_organisations"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("joint_action_id", "organisation_id", name=op.f("pk_joint_action_partners")),
    )


def downgrade():
    op.drop_table("joint_action_partners")
    op.drop_table("joint_action_goals")
    with op.batch_alter_table("joint_actions") as batch_op:
        batch_op.drop_index(batch_op.f("ix_joint_actions_meeting_id"))
        batch_op.drop_index(batch_op.f("ix_joint_actions_network_id"))
    op.drop_table("joint_actions")
    with op.batch_alter_table("meeting_assignment_changes") as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_assignment_changes_registration_id"))
        batch_op.drop_index(batch_op.f("ix_meeting_assignment_changes_meeting_id"))
    op.drop_table("meeting_assignment_changes")
    with op.batch_alter_table("meeting_registrations") as batch_op:
        batch_op.drop_index(
            "uq_meeting_registrations_active",
            sqlite_where=sa.text("status <> 'cancelled'"), postgresql_where=sa.text("status <> 'cancelled'"),
        )
        batch_op.drop_index(batch_op.f("ix_meeting_registrations_table_id"))
        batch_op.drop_index(batch_op.f("ix_meeting_registrations_created_at"))
        batch_op.drop_index(batch_op.f("ix_meeting_registrations_status"))
        batch_op.drop_index(batch_op.f("ix_meeting_registrations_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_meeting_registrations_meeting_id"))
    op.drop_table("meeting_registrations")
    with op.batch_alter_table("breakout_tables") as batch_op:
        batch_op.drop_index(batch_op.f("ix_breakout_tables_cluster_id"))
        batch_op.drop_index(batch_op.f("ix_breakout_tables_meeting_id"))
    op.drop_table("breakout_tables")
    op.drop_table("meeting_breakouts")
    with op.batch_alter_table("meeting_programme_items") as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_programme_items_meeting_id"))
    op.drop_table("meeting_programme_items")
    with op.batch_alter_table("meetings") as batch_op:
        batch_op.drop_index(batch_op.f("ix_meetings_network_id"))
    op.drop_table("meetings")
