"""an index on the documents' imported_at: the dashboard counts what arrived this month

Revision ID: e7a1perf00001
Revises: e7a1texts0001
Create Date: 2026-12-06 17:45:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e7a1perf00001'
down_revision = 'e7a1texts0001'
branch_labels = None
depends_on = None

TABLES = ('journal_entry', 'pay_slip', 'tax_assessment', 'annual_statement')


def upgrade():
    for table in TABLES:
        op.create_index(f'ix_{table}_imported_at', table, ['imported_at'], unique=False)


def downgrade():
    for table in TABLES:
        op.drop_index(f'ix_{table}_imported_at', table_name=table)
