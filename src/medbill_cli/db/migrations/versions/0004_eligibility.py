"""eligibility requests and answers, prior authorizations, referrals

Revision ID: 0004
Revises: 0003
"""

# ruff: noqa: E501

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('auth_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payer_id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['payer_id'], ['payer.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('payer_id', 'code')
    )
    with op.batch_alter_table('auth_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auth_code_payer_id'), ['payer_id'], unique=False)

    op.create_table('prior_auth',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('payer_id', sa.Integer(), nullable=True),
    sa.Column('provider_npi', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('end', sa.Date(), nullable=False),
    sa.Column('visits', sa.Integer(), nullable=True),
    sa.Column('units', sa.Integer(), nullable=True),
    sa.Column('codes', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], ),
    sa.ForeignKeyConstraint(['payer_id'], ['payer.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'patient_id', 'number')
    )
    with op.batch_alter_table('prior_auth', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prior_auth_patient_id'), ['patient_id'], unique=False)

    op.create_table('eligibility_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trace', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('coverage_id', sa.Integer(), nullable=False),
    sa.Column('payer_id', sa.Integer(), nullable=False),
    sa.Column('date_of_service', sa.Date(), nullable=False),
    sa.Column('service_types', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('dependent', sa.Boolean(), nullable=False),
    sa.Column('isa_control', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['coverage_id'], ['coverage.id'], ),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], ),
    sa.ForeignKeyConstraint(['payer_id'], ['payer.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('eligibility_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_eligibility_request_date_of_service'), ['date_of_service'], unique=False)
        batch_op.create_index(batch_op.f('ix_eligibility_request_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_eligibility_request_trace'), ['trace'], unique=True)

    op.create_table('eligibility_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('patient_id', sa.Integer(), nullable=True),
    sa.Column('coverage_id', sa.Integer(), nullable=True),
    sa.Column('matched_by', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
    sa.Column('trace', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('payer_code', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('member_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('last_name', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('first_name', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('dob', sa.Date(), nullable=True),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('plan_name', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('copay_cents', sa.Integer(), nullable=True),
    sa.Column('summary', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('file_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('isa_control', sqlmodel.sql.sqltypes.AutoString(length=9), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['coverage_id'], ['coverage.id'], ),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], ),
    sa.ForeignKeyConstraint(['request_id'], ['eligibility_request.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('eligibility_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_eligibility_response_file_hash'), ['file_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_eligibility_response_patient_id'), ['patient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_eligibility_response_request_id'), ['request_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('eligibility_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_eligibility_response_request_id'))
        batch_op.drop_index(batch_op.f('ix_eligibility_response_patient_id'))
        batch_op.drop_index(batch_op.f('ix_eligibility_response_file_hash'))

    op.drop_table('eligibility_response')
    with op.batch_alter_table('eligibility_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_eligibility_request_trace'))
        batch_op.drop_index(batch_op.f('ix_eligibility_request_patient_id'))
        batch_op.drop_index(batch_op.f('ix_eligibility_request_date_of_service'))

    op.drop_table('eligibility_request')
    with op.batch_alter_table('prior_auth', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prior_auth_patient_id'))

    op.drop_table('prior_auth')
    with op.batch_alter_table('auth_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auth_code_payer_id'))

    op.drop_table('auth_code')
