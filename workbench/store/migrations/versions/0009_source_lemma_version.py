"""sources.lemma_version: the version of the lemma layer a source's stored lemmas were made with

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 10:00:00

Sources stored before this revision keep NULL (made before lemmas were versioned);
``workbench.ingest.ensure_lemmas`` analyses every source whose version is not
``workbench.nlp.LEMMA_VERSION`` again on first need.
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lemma_version', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sources', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('lemma_version')
