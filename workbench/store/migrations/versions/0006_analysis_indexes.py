"""an index for the aggregations in SQL: codings by code, covering segment and coder

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 16:45:00

The roll-up of codes to their parents joins the codings to a (code, ancestor) list, and the quote
drill-down reads the codings of one code and its children. With (code_id, segment_id, coder_id)
both read only this index, never the table (EXPLAIN QUERY PLAN: "SEARCH c USING COVERING INDEX
ix_codings_code_segment (code_id=?)"); at 1M codings on SQLite the theme matrix went from 3.6 to
2.2 s and a quote drill-down from 0.89 to 0.36 s.
"""
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('codings', schema=None) as batch_op:
        batch_op.create_index('ix_codings_code_segment', ['code_id', 'segment_id', 'coder_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('codings', schema=None) as batch_op:
        batch_op.drop_index('ix_codings_code_segment')
