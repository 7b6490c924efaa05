"""user interface language; the operator's lock of the Nmbrs feature

Revision ID: e7a1locale001
Revises: d6a1imports001
Create Date: 2026-11-30 05:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e7a1locale001'
down_revision = 'd6a1imports001'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN (no batch copy): SQLite cannot drop the referenced portal/user tables.
    op.add_column('user', sa.Column('locale', sa.String(length=5), nullable=True))
    op.add_column('portal', sa.Column('nmbrs_locked', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    op.drop_column('portal', 'nmbrs_locked')
    op.drop_column('user', 'locale')
