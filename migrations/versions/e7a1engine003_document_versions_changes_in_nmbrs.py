"""document versions: changes in Nmbrs after import; run facts (RunAt, IsLocked)

Revision ID: e7a1engine003
Revises: e7a1engine002
Create Date: 2026-11-30 06:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'e7a1engine003'
down_revision = 'e7a1engine002'
branch_labels = None
depends_on = None

PENDING = sa.text("state = 'pending'")


def upgrade():
    with op.batch_alter_table('payroll_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nmbrs_run_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('nmbrs_locked', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('changed_in_nmbrs_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('journal_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fingerprint', sa.String(length=64), nullable=True))
    with op.batch_alter_table('tax_assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fingerprint', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('changed_in_nmbrs_at', sa.DateTime(), nullable=True))
    op.create_table(
        'document_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('administration_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('payroll_run_id', sa.Integer(), nullable=True),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('content', sa.JSON(), nullable=False),
        sa.Column('xml', sa.Text(), nullable=True),
        sa.Column('detected_at', sa.DateTime(), nullable=False),
        sa.Column('replaced_at', sa.DateTime(), nullable=True),
        sa.Column('replaced_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['administration_id'], ['administration.id'],
                                name=op.f('fk_document_version_administration_id_administration')),
        sa.ForeignKeyConstraint(['payroll_run_id'], ['payroll_run.id'],
                                name=op.f('fk_document_version_payroll_run_id_payroll_run')),
        sa.ForeignKeyConstraint(['replaced_by_id'], ['user.id'],
                                name=op.f('fk_document_version_replaced_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_document_version')),
    )
    with op.batch_alter_table('document_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_version_administration_id'),
                              ['administration_id'], unique=False)
        batch_op.create_index('ix_document_version_document', ['kind', 'document_id'],
                              unique=False)
        batch_op.create_index('uq_document_version_pending', ['kind', 'document_id'],
                              unique=True, sqlite_where=PENDING, postgresql_where=PENDING)


def downgrade():
    with op.batch_alter_table('document_version', schema=None) as batch_op:
        batch_op.drop_index('uq_document_version_pending', sqlite_where=PENDING,
                            postgresql_where=PENDING)
        batch_op.drop_index('ix_document_version_document')
        batch_op.drop_index(batch_op.f('ix_document_version_administration_id'))
    op.drop_table('document_version')
    with op.batch_alter_table('tax_assessment', schema=None) as batch_op:
        batch_op.drop_column('changed_in_nmbrs_at')
        batch_op.drop_column('fingerprint')
    with op.batch_alter_table('journal_entry', schema=None) as batch_op:
        batch_op.drop_column('fingerprint')
    with op.batch_alter_table('payroll_run', schema=None) as batch_op:
        batch_op.drop_column('changed_in_nmbrs_at')
        batch_op.drop_column('nmbrs_locked')
        batch_op.drop_column('nmbrs_run_at')
