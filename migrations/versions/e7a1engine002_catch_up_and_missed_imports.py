"""automatic import catch-up state; missed imports of a portal-wide cause

Revision ID: e7a1engine002
Revises: e7a1engine001
Create Date: 2026-11-30 05:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'e7a1engine002'
down_revision = 'e7a1engine001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'automatic_import_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('administration_id', sa.Integer(), nullable=False),
        sa.Column('complete_through', sa.Date(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['administration_id'], ['administration.id'],
                                name=op.f('fk_automatic_import_state_administration_id_administration')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_automatic_import_state')),
        sa.UniqueConstraint('administration_id',
                            name=op.f('uq_automatic_import_state_administration_id')),
    )
    op.create_table(
        'missed_import',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('portal_id', sa.Integer(), nullable=False),
        sa.Column('administration_id', sa.Integer(), nullable=False),
        sa.Column('cause', sa.String(length=200), nullable=False),
        sa.Column('first_missed', sa.Date(), nullable=False),
        sa.Column('last_missed', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['administration_id'], ['administration.id'],
                                name=op.f('fk_missed_import_administration_id_administration')),
        sa.ForeignKeyConstraint(['portal_id'], ['portal.id'],
                                name=op.f('fk_missed_import_portal_id_portal')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_missed_import')),
        sa.UniqueConstraint('administration_id', 'cause',
                            name=op.f('uq_missed_import_administration_id_cause')),
    )
    with op.batch_alter_table('missed_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_missed_import_portal_id'), ['portal_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('missed_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_missed_import_portal_id'))
    op.drop_table('missed_import')
    op.drop_table('automatic_import_state')
