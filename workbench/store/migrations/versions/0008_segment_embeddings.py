"""segment embeddings: dense vectors of segments and their sentences, stored on first need

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 17:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('segment_embeddings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('segment_id', sa.Integer(), nullable=False),
    sa.Column('model', sa.String(length=100), nullable=False),
    sa.Column('start_char', sa.Integer(), nullable=False),
    sa.Column('end_char', sa.Integer(), nullable=False),
    sa.Column('text_hash', sa.String(length=40), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['segment_id'], ['segments.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('segment_id', 'model', 'start_char', 'end_char', name='uq_segment_embeddings_unit')
    )
    with op.batch_alter_table('segment_embeddings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_segment_embeddings_segment_id'), ['segment_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('segment_embeddings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_segment_embeddings_segment_id'))
    op.drop_table('segment_embeddings')
