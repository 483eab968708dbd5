"""share preparation: a share's copy is made in the background; why it failed, if it
did; whether the owner kept the sound; the same for a feed post's clip

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 20:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failure", sa.String(length=300), nullable=True))
        batch_op.add_column(
            sa.Column("with_audio", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("feed_posts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("clip_with_audio", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("clip_failure", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feed_posts", schema=None) as batch_op:
        batch_op.drop_column("clip_failure")
        batch_op.drop_column("clip_with_audio")
    with op.batch_alter_table("shares", schema=None) as batch_op:
        batch_op.drop_column("with_audio")
        batch_op.drop_column("failure")
