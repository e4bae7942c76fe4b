"""one coding per (segment, code, coder, span): merge duplicates, then a unique constraint

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 13:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

SAME = ("c1.segment_id = c2.segment_id AND c1.code_id = c2.code_id AND c1.coder_id = c2.coder_id "
        "AND c1.start_char = c2.start_char AND c1.end_char = c2.end_char")


def upgrade() -> None:
    # Duplicates made by concurrent writers before this revision: keep the oldest coding of each
    # (segment, code, coder, span), move the memos of the others to it, then drop the others.
    op.execute(sa.text(
        f"UPDATE memos SET coding_id = (SELECT MIN(c2.id) FROM codings c1 JOIN codings c2 ON {SAME} "
        "WHERE c1.id = memos.coding_id) WHERE coding_id IS NOT NULL"))
    op.execute(sa.text(
        "DELETE FROM codings WHERE id NOT IN (SELECT keep FROM (SELECT MIN(id) AS keep FROM codings "
        "GROUP BY segment_id, code_id, coder_id, start_char, end_char) AS firsts)"))
    with op.batch_alter_table('codings', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_codings_unit',
                                          ['segment_id', 'code_id', 'coder_id', 'start_char', 'end_char'])


def downgrade() -> None:
    with op.batch_alter_table('codings', schema=None) as batch_op:
        batch_op.drop_constraint('uq_codings_unit', type_='unique')
