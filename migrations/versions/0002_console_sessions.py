"""Adviser console: a session number per adviser, so logging out ends every session.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``advisers.session_epoch`` (0 for existing advisers)."""
    with op.batch_alter_table("advisers") as batch:
        batch.add_column(sa.Column("session_epoch", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    """Drop ``advisers.session_epoch``."""
    with op.batch_alter_table("advisers") as batch:
        batch.drop_column("session_epoch")
