"""merge the two heads; add an index

Revision ID: 3c1f0d2e9a7b
Revises: ae1027a6acf, 27c6a30d7c24
Create Date: 2026-01-01 00:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = '3c1f0d2e9a7b'
down_revision: Union[str, Sequence[str], None] = ("ae1027a6acf", '27c6a30d7c24',)
branch_labels: Union[str, Sequence[str], None] = ['feature']
depends_on = None


def upgrade() -> None:
    revision = "not-this-one"
    op.create_index("ix", "t", ["c"])


def downgrade() -> None:
    op.drop_index("ix", table_name="t")
