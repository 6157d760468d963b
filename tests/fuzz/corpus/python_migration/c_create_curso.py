'''Create curso table

Revision ID: 20260101_000000
Revises: 1736000000
Create Date: 2026-01-01 00:00:00.000000

'''
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '20260101_000000'
down_revision = '1736000000'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'curso',
        sa.Column('id', sa.String(length=26), nullable=False),
        sa.Column('nombre', sa.String(length=150), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade():
    op.drop_table('curso')
