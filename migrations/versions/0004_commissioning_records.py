"""Commissioning records: a shortlist saved from a search, with frozen snapshots of the inputs, the band
and each provider's public facts, and the commissioner's notes.

Revision ID: 0004_commissioning_records
Revises: 0003_provider_search
Create Date: 2026-11-25

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_commissioning_records'
down_revision = '0003_provider_search'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('commissioning_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('council_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('status', sa.Enum('open', 'closed', name='record_status', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('inputs', sa.JSON(), nullable=False),
    sa.Column('band', sa.JSON(), nullable=False),
    sa.Column('in_house_considered', sa.Text(), nullable=True),
    sa.Column('why_these', sa.Text(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_commissioning_records_closed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['council_id'], ['councils.id'], name=op.f('fk_commissioning_records_council_id_councils')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_commissioning_records_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commissioning_records'))
    )
    with op.batch_alter_table('commissioning_records', schema=None) as batch_op:
        batch_op.create_index('ix_commissioning_records_council_created', ['council_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_commissioning_records_status'), ['status'], unique=False)

    op.create_table('record_providers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_record_providers_provider_id_providers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['record_id'], ['commissioning_records.id'], name=op.f('fk_record_providers_record_id_commissioning_records'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_providers')),
    sa.UniqueConstraint('record_id', 'position', name='uq_record_providers_record_position')
    )
    with op.batch_alter_table('record_providers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_record_providers_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_record_providers_record_id'), ['record_id'], unique=False)


def downgrade():
    with op.batch_alter_table('record_providers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_record_providers_record_id'))
        batch_op.drop_index(batch_op.f('ix_record_providers_provider_id'))

    op.drop_table('record_providers')
    with op.batch_alter_table('commissioning_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commissioning_records_status'))
        batch_op.drop_index('ix_commissioning_records_council_created')

    op.drop_table('commissioning_records')
