"""import summaries count under the document types' keys (one spelling of the document kinds)

Revision ID: e7a1summary01
Revises: e7a1nmbrsrest2
Create Date: 2026-12-06 20:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e7a1summary01'
down_revision = 'e7a1nmbrsrest2'
branch_labels = None
depends_on = None

# Written out: the migration must not change when the application's names do.
NEW_KEYS = {
    'journal entries': 'journal',
    'pay slips': 'payslips',
    'payroll tax assessments': 'tax_assessments',
    'annual statements': 'annual_statements',
    'employees created': 'employees_created',
    'employees updated': 'employees_updated',
    'changed in Nmbrs': 'changed_in_nmbrs',
    'WKR periods': 'wkr_periods',
}
import_run = sa.table('import_run', sa.column('id', sa.Integer), sa.column('summary', sa.JSON))


def _rename(keys):
    connection = op.get_bind()
    for row_id, summary in connection.execute(sa.select(import_run.c.id, import_run.c.summary)):
        if summary and any(key in keys for key in summary):
            renamed = {keys.get(key, key): count for key, count in summary.items()}
            connection.execute(import_run.update().where(import_run.c.id == row_id)
                               .values(summary=renamed))


def upgrade():
    _rename(NEW_KEYS)


def downgrade():
    _rename({new: old for old, new in NEW_KEYS.items()})
