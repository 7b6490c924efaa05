"""one Nmbrs company is linked to at most one administration of a portal

Revision ID: f8a1complink01
Revises: e7a1locale001
Create Date: 2026-11-30 05:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f8a1complink01'
down_revision = 'e7a1locale001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('nmbrs_company_link', schema=None) as batch_op:
        batch_op.add_column(sa.Column('portal_id', sa.Integer(), nullable=True))
    op.execute(
        "UPDATE nmbrs_company_link SET portal_id = ("
        " SELECT domain.portal_id FROM administration"
        " JOIN domain ON domain.id = administration.domain_id"
        " WHERE administration.id = nmbrs_company_link.administration_id)")
    # Earlier a company could be linked twice: the oldest link stays; the other administration
    # is matched again by its next import, which names the administration that has the company.
    op.execute(
        "DELETE FROM nmbrs_company_link WHERE id NOT IN ("
        " SELECT keep FROM (SELECT MIN(id) AS keep FROM nmbrs_company_link"
        " GROUP BY portal_id, company_id) AS oldest)")
    with op.batch_alter_table('nmbrs_company_link', schema=None) as batch_op:
        batch_op.alter_column('portal_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_nmbrs_company_link_portal_id_portal'),
                                    'portal', ['portal_id'], ['id'])
        batch_op.create_unique_constraint(batch_op.f('uq_nmbrs_company_link_portal_id_company_id'),
                                          ['portal_id', 'company_id'])


def downgrade():
    with op.batch_alter_table('nmbrs_company_link', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_nmbrs_company_link_portal_id_company_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_nmbrs_company_link_portal_id_portal'),
                                 type_='foreignkey')
        batch_op.drop_column('portal_id')
