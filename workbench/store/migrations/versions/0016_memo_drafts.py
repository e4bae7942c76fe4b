"""an unsaved memo survives a reload of the page: memo_drafts

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-29 12:00:00

A memo being written in the app lived only in the Streamlit session, so reloading the page (a
new session) lost the text. ``coding.save_draft`` now keeps it here, one row per author and
target (``target``: ``coding:ID``, ``segment:ID``, ``source:ID`` or ``code:ID``, with that
target's foreign key, so a removed coding, turn or source takes its drafts along, and a code with
a draft is retired, never deleted, as one with a memo); saving the memo or discarding the draft
deletes the row.
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('memo_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=300), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('coding_id', sa.Integer(), nullable=True),
    sa.Column('segment_id', sa.Integer(), nullable=True),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('code_id', sa.String(length=200), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['code_id'], ['codes.id'], ),
    sa.ForeignKeyConstraint(['coding_id'], ['codings.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['segment_id'], ['segments.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('author_id', 'target', name='uq_memo_drafts_target')
    )


def downgrade() -> None:
    op.drop_table('memo_drafts')
