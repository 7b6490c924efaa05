"""journal entries lose their description: an English text, stored and shown nowhere

Revision ID: e7a1jdesc0001
Revises: e7a1summary01
Create Date: 2026-12-06 23:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e7a1jdesc0001'
down_revision = 'e7a1summary01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('journal_entry') as batch_op:
        batch_op.drop_column('description')


def downgrade():
    with op.batch_alter_table('journal_entry') as batch_op:
        batch_op.add_column(sa.Column('description', sa.String(length=200), nullable=False,
                                      server_default=''))
