"""server-side sessions; domain names unique per portal; one administration per name and code

Revision ID: e7a1security01
Revises: f8a1complink01
Create Date: 2026-11-30 05:30:00

Issue 12: `user_session` holds one row per signed-in browser (logout deletes it, so a copied
cookie stops working); a domain name is unique within its portal instead of across all portals;
a domain has each (administration name, relation code) once.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e7a1security01'
down_revision = 'f8a1complink01'
branch_labels = None
depends_on = None


def _foreign_keys(enabled: bool):
    """SQLite recreates a table to change its constraints; with foreign keys on, dropping the old
    table fails while other rows point at it. The rows stay the same, so switch them off."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"PRAGMA foreign_keys={'ON' if enabled else 'OFF'}")


def upgrade():
    _foreign_keys(False)
    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_session_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_session_token_hash'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('domain', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_domain_name'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_domain_portal_id_name'),
                                          ['portal_id', 'name'])

    with op.batch_alter_table('administration', schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f('uq_administration_domain_id_name_relation_code'),
            ['domain_id', 'name', 'relation_code'])
    _foreign_keys(True)


def downgrade():
    _foreign_keys(False)
    with op.batch_alter_table('administration', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_administration_domain_id_name_relation_code'),
                                 type_='unique')

    with op.batch_alter_table('domain', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_domain_portal_id_name'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_domain_name'), ['name'])

    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))

    op.drop_table('user_session')
    _foreign_keys(True)
