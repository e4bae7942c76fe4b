"""personal data through the project's life: sources.delete_by, speakers.withdrawn

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 16:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delete_by', sa.String(length=10), nullable=True))
    with op.batch_alter_table('speakers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('speakers', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('withdrawn')
    with op.batch_alter_table('sources', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('delete_by')
