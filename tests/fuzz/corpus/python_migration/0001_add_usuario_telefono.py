"""Add phone field to users

Revision ID: 20260125_120000
Revises: 20260110_035505
Create Date: 2026-01-25 12:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = "20260125_120000"
down_revision: Union[str, None] = "20260110_035505"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column("usuario", sa.Column("telefono", sa.String(length=20), nullable=True))


def downgrade() -> None:
    op.drop_column("usuario", "telefono")
