"""Audit trail: entries cannot be deleted either, except through a sanctioned deletion.

The trail refused updates (0001) but not deletes. Now a trigger refuses a DELETE
on ``case_events`` (SQLite and PostgreSQL; on PostgreSQL TRUNCATE too) unless the
same transaction holds a row in ``trail_deletions``: the case log's service writes
one, with the reason, for the two deletions the privacy rules require (a professional
deletes their conversation; ``make purge`` replaces old cases by counts) and removes
it before the transaction commits, so no other transaction ever sees it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

APPEND_ONLY = "case_events is append-only"


def upgrade() -> None:
    """Create ``trail_deletions`` and the triggers that refuse other deletes."""
    op.create_table(
        "trail_deletions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("reason", sa.String(32), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION case_events_no_delete() RETURNS trigger AS $$ BEGIN "
            "IF NOT EXISTS (SELECT 1 FROM trail_deletions) THEN "
            f"RAISE EXCEPTION '{APPEND_ONLY}'; END IF; "
            "IF TG_LEVEL = 'ROW' THEN RETURN OLD; END IF; RETURN NULL; END; "
            "$$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events "
            "FOR EACH ROW EXECUTE FUNCTION case_events_no_delete()"
        )
        op.execute(
            "CREATE TRIGGER case_events_no_truncate BEFORE TRUNCATE ON case_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION case_events_append_only()"
        )
    else:
        op.execute(
            "CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events "
            "WHEN NOT EXISTS (SELECT 1 FROM trail_deletions) "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )


def downgrade() -> None:
    """Drop the delete triggers and ``trail_deletions``."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS case_events_no_truncate ON case_events")
        op.execute("DROP TRIGGER IF EXISTS case_events_no_delete ON case_events")
        op.execute("DROP FUNCTION IF EXISTS case_events_no_delete()")
    else:
        op.execute("DROP TRIGGER IF EXISTS case_events_no_delete")
    op.drop_table("trail_deletions")
