"""Add cover image to blog_post

Revision ID: 20260110_035505
Revises: 20260101_000000
Create Date: 2026-01-10 03:55:05.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = "20260110_035505"
down_revision: Union[str, None] = "20260101_000000"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("curso", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cover_image", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("curso", schema=None) as batch_op:
        batch_op.drop_column("cover_image")
