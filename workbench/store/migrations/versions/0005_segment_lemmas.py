"""each segment's tokens and lemmas, stored at ingest (lemmatised once)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 16:30:00

Segments ingested before this revision keep NULL here; ``workbench.ingest.ensure_lemmas`` fills
them in on first need.
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('segments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lemmas', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('lemma_lang', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('token_splits', sa.Text(), nullable=True))


def downgrade() -> None:
    import sqlite3

    if op.get_bind().dialect.name == "sqlite" and sqlite3.sqlite_version_info < (3, 35):
        # no DROP COLUMN before SQLite 3.35: rebuild the table (run with foreign keys off, as
        # Database.upgrade does, or the rebuild's DROP TABLE cascades to codings and memos)
        with op.batch_alter_table('segments', schema=None) as batch_op:
            batch_op.drop_column('token_splits')
            batch_op.drop_column('lemma_lang')
            batch_op.drop_column('lemmas')
        return
    for column in ('token_splits', 'lemma_lang', 'lemmas'):  # in place: nothing else is touched
        op.drop_column('segments', column)
