"""texts stored by jobs as message id + parameters, shown in the reader's language

Revision ID: e7a1texts0001
Revises: e7a1nmbrsrest1
Create Date: 2026-12-06 16:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e7a1texts0001'
down_revision = 'e7a1nmbrsrest1'
branch_labels = None
depends_on = None


def upgrade():
    # {"title": {"msgid": ..., "params": {...}}, "message": {...}}; NULL on rows stored before
    # (their English title and message are shown as they are).
    op.add_column('task', sa.Column('texts', sa.JSON(), nullable=True))
    # [{"msgid": ..., "params": {...}}, ...]: what `error` says, translatable.
    op.add_column('import_run', sa.Column('error_texts', sa.JSON(), nullable=True))


def downgrade():
    op.drop_column('import_run', 'error_texts')
    op.drop_column('task', 'texts')
