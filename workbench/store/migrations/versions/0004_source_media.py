"""a source's recording: a reference (path) to the media file beside the transcript

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 15:55:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.add_column(sa.Column('media', sa.String(length=1000), nullable=True))


def downgrade() -> None:
    # SQLite >= 3.35 drops a column in place; recreating the table would, with foreign keys on,
    # cascade-delete every segment and coding of the sources
    with op.batch_alter_table('sources', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('media')
