"""roles and logins, pseudonyms, released quotes, settings

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 13:04:49.762603
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pseudonyms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('speaker_key', sa.String(length=800), nullable=False),
    sa.Column('actor_key', sa.String(length=100), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('actor_key', 'number'),
    sa.UniqueConstraint('speaker_key')
    )
    op.create_table('settings',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('released_quotes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('segment_id', sa.Integer(), nullable=False),
    sa.Column('code_id', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('speaker', sa.String(length=200), nullable=True),
    sa.Column('actor', sa.String(length=100), nullable=True),
    sa.Column('phase', sa.String(length=40), nullable=True),
    sa.Column('pilot', sa.String(length=100), nullable=True),
    sa.Column('released_by', sa.Integer(), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['code_id'], ['codes.id'], ),
    sa.ForeignKeyConstraint(['released_by'], ['users.id'], ),
    sa.ForeignKeyConstraint(['segment_id'], ['segments.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('segment_id', 'code_id')
    )
    with op.batch_alter_table('released_quotes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_released_quotes_segment_id'), ['segment_id'], unique=False)

    with op.batch_alter_table('speakers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('pseudonym_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_speakers_pseudonym_id', 'pseudonyms', ['pseudonym_id'], ['id'])

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_hash', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('email', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('disabled', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_unique_constraint('uq_users_email', ['email'])



def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint('uq_users_email', type_='unique')
        batch_op.drop_column('disabled')
        batch_op.drop_column('email')
        batch_op.drop_column('password_hash')

    with op.batch_alter_table('speakers', schema=None) as batch_op:
        batch_op.drop_constraint('fk_speakers_pseudonym_id', type_='foreignkey')
        batch_op.drop_column('pseudonym_id')
        batch_op.drop_column('name')

    with op.batch_alter_table('released_quotes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_released_quotes_segment_id'))

    op.drop_table('released_quotes')
    op.drop_table('settings')
    op.drop_table('pseudonyms')
