"""payroll tax assessments keep Nmbrs' serial number (the human key with company, year, period)

Revision ID: e7a1nmbrsrest2
Revises: e7a1perf00001
Create Date: 2026-12-06 17:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e7a1nmbrsrest2'
down_revision = 'e7a1perf00001'
branch_labels = None
depends_on = None


def upgrade():
    # Nullable: assessments imported before are mapped with the serial SOAP still answers.
    with op.batch_alter_table('tax_assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('serial_number', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('tax_assessment', schema=None) as batch_op:
        batch_op.drop_column('serial_number')
