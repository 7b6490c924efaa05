"""one import at a time per administration; import attempts

Revision ID: e7a1engine001
Revises: e7a1security01
Create Date: 2026-11-30 05:15:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'e7a1engine001'
down_revision = 'e7a1security01'
branch_labels = None
depends_on = None

ACTIVE = sa.text("status IN ('queued', 'running')")


def upgrade():
    with op.batch_alter_table('import_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.drop_index('uq_import_run_active', sqlite_where=ACTIVE, postgresql_where=ACTIVE)
        batch_op.create_index('uq_import_run_active', ['administration_id'], unique=True,
                              sqlite_where=ACTIVE, postgresql_where=ACTIVE)


def downgrade():
    with op.batch_alter_table('import_run', schema=None) as batch_op:
        batch_op.drop_index('uq_import_run_active', sqlite_where=ACTIVE, postgresql_where=ACTIVE)
        batch_op.create_index('uq_import_run_active', ['administration_id', 'kind'], unique=True,
                              sqlite_where=ACTIVE, postgresql_where=ACTIVE)
        batch_op.drop_column('attempts')
