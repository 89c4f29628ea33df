"""Adviser console: a second factor (TOTP) per account, with one-time recovery codes.

``advisers`` gets the encrypted TOTP secret, when it was confirmed, the last time
step accepted (a code is never accepted twice) and a count of wrong codes in a row;
``recovery_codes`` holds the argon2 hashes of the recovery codes, one row per code,
deleted when it is used.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the second factor's columns to ``advisers`` and create ``recovery_codes``."""
    with op.batch_alter_table("advisers") as batch:
        batch.add_column(sa.Column("totp_secret", sa.String(255), nullable=True))
        batch.add_column(sa.Column("totp_confirmed_at", sa.DateTime, nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("failed_codes", sa.Integer, nullable=False, server_default="0"))
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "adviser_id",
            sa.Integer,
            sa.ForeignKey("advisers.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("code_hash", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    """Drop ``recovery_codes`` and the second factor's columns."""
    op.drop_table("recovery_codes")
    with op.batch_alter_table("advisers") as batch:
        batch.drop_column("failed_codes")
        batch.drop_column("totp_last_step")
        batch.drop_column("totp_confirmed_at")
        batch.drop_column("totp_secret")
