"""The tables as SQLAlchemy Core objects, generated from the SQLModel models: do not edit.

Regenerate with ``python tools/regen_tables.py``; ``tests/test_tables.py`` fails when this file
and the models disagree. Hot paths (``charge add``) work on these with SQLAlchemy Core, which
spares a cold process the import of SQLModel and pydantic and the building of every model
class. Columns carry the models' Python-side defaults, so a Core insert fills a row as the ORM
would. Foreign keys, indexes and constraints live in the models and the migrations, not here.
Each table is built on first use (``tables.charge``), as building all of them costs a cold
process more than the few a command touches; ``load_all()`` builds every one.
"""

from __future__ import annotations

import datetime
import sys
from collections.abc import Callable

from sqlalchemy import Boolean, Column, Date, Integer, LargeBinary, MetaData, String, Table

from medbill_cli.db.models._base import utcnow
from medbill_cli.db.types import UTCDateTime

metadata = MetaData()


def _ack() -> Table:
    return Table(
        'ack', metadata,
        Column('id', Integer(), primary_key=True),
        Column('kind', String(5), nullable=False),
        Column('sender_id', String(15), nullable=False, default=''),
        Column('receiver_id', String(15), nullable=False, default=''),
        Column('isa_control', Integer(), nullable=False),
        Column('group_controls', String(200), nullable=False, default=''),
        Column('answers_batch_id', Integer()),
        Column('file_hash', String(64), nullable=False),
        Column('file_name', String()),
        Column('file_date', Date()),
        Column('claim_count', Integer(), nullable=False, default=0),
        Column('accepted_count', Integer(), nullable=False, default=0),
        Column('rejected_count', Integer(), nullable=False, default=0),
        Column('unmatched_count', Integer(), nullable=False, default=0),
        Column('flagged_count', Integer(), nullable=False, default=0),
        Column('summary', String(), nullable=False, default=''),
        Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
        Column('created_by', String()),
    )


def _ack_claim() -> Table:
    return Table(
        'ack_claim', metadata,
        Column('id', Integer(), primary_key=True),
        Column('ack_id', Integer(), nullable=False),
        Column('claim_id', Integer()),
        Column('pcn', String(38), nullable=False),
        Column('line', String(30)),
        Column('source', String(13), nullable=False),
        Column('category', String(3), nullable=False, default=''),
        Column('status_code', String(8), nullable=False, default=''),
        Column('entity_code', String(3), nullable=False, default=''),
        Column('outcome', String(10), nullable=False),
        Column('message', String(), nullable=False, default=''),
        Column('status_date', Date()),
        Column('payer_claim_number', String(50), nullable=False, default=''),
        Column('flagged', Boolean(), nullable=False, default=False),
        Column('previous_status', String(16)),
        Column('new_status', String(16)),
        Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
    )


def _ack_error() -> Table:
    return Table(
        'ack_error', metadata,
        Column('id', Integer(), primary_key=True),
        Column('ack_id', Integer(), nullable=False),
        Column('st_control', String(9), nullable=False, default=''),
        Column('segment_id', String(3), nullable=False, default=''),
        Column('position', String(10), nullable=False, default=''),
        Column('loop', String(6), nullable=False, default=''),
        Column('segment_code', String(3), nullable=False, default=''),
        Column('element', String(12), nullable=False, default=''),
        Column('element_ref', String(6), nullable=False, default=''),
        Column('element_code', String(3), nullable=False, default=''),
        Column('bad_value', String(), nullable=False, default=''),
        Column('message', String(), nullable=False, default=''),
    )


def _adjustment() -> Table:
    return Table(
        'adjustment', metadata,
        Column('id', Integer(), primary_key=True),
        Column('patient_id', Integer(), nullable=False),
        Column('charge_id', Integer()),
        Column('claim_id', Integer()),
        Column('coverage_id', Integer()),
        Column('party', String(10), nullable=False),
        Column('amount_cents', Integer(), nullable=False),
        Column('reason', String(20), nullable=False),
        Column('note', String()),
        Column('posted_on', Date(), nullable=False),
        Column('status', String(10), nullable=False, default='posted'),
        Column('reversed_reason', String()),
        Column('reversed_by', String()),
        Column('reversed_at', UTCDateTime()),
        Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
        Column('created_by', String()),
    )


def _audit_log() -> Table:
    return Table(
        'audit_log', metadata,
        Column('id', Integer(), primary_key=True),
        Column('at', UTCDateTime(), nullable=False, default=utcnow),
        Column('user', String(100), nullable=False),
        Column('action', String(40), nullable=False),
        Column('entity', String(40), nullable=False),
        Column('entity_id', String(40), nullable=False),
        Column('before', String()),
        Column('after', String()),
        Column('prev_hash', String(64), nullable=False),
        Column('hash', String(64), nullable=False),
    )


def _auth_code() -> Table:
    return Table(
        'auth_code', metadata,
        Column('id', Integer(), primary_key=True),
        Column('payer_id', Integer(), nullable=False),
        Column('code', String(5), nullable=False),
        Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
        Column('created_by', String()),
    )


def _batch() -> Table:
    return Table(
        'batch', metadata,
        Column('id', Integer(), primary_key=True),
        Column('format', String(5), nullable=False),
        Column('isa_control', Integer()),
        Column('gs_control', Integer()),
        Column('st_control', Integer()),
        Column('file_hash', String(64), nullable=False),
        Column('content', LargeBinary()),
        Column('content_encoding', String(10), nullable=False, default='zlib'),
        Column('size', Integer(), nullable=False, default=0),
        Column('file_name', String()),
        Column('claim_count', Integer(), nullable=False, default=0),
        Column('total_cents', Integer(), nullable=False, default=0),
        Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
        Column('created_by', String()),
    )


def _charge() -> Table:
    return Table(
        'charge', metadata,
        Column('id', Integer(), primary_key=True),
        Column('encounter_id', Integer(), nullable=False),
        Column('patient_id', Integer(), nullable=False),
        Column('date_of_service', Date(), nullable=False),
        Column('code', String(5), nullable=False),
        Column('modifiers', String(11), nullable=False, default=''),
        Column('units', Integer(), nullable=False, default=1),
        Column('fee_cents', Integer(), nullable=False),
        Column('amount_cents', Integer(), nullable=False),
        Column('dx_pointers', String(11), nullable=False),
        Column('provider_id', Integer()),
        Column('pos', String(2), nullable=False, default='11'),
        Column('ndc', String(11)),
        Column('ndc_unit', String(2)),
        Column('ndc_quantity', String(15)),
        Column('status', String(10), nullable=False, default='unbilled'),
        Column('void_reason', String()),
        Column('voided_by', String()),
        Column('voided_at', UTCDateTime()),
        Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
        Column('created_by', String()),
        Column('ordering_npi', String(10)),
        Column('ordering_name', String(60)),
    )


def _claim() -> Table:
    return Table(
        'claim', metadata,
        Column('id', Integer(), primary_key=True),
        Column('pcn', String(20), nullable=False),
        Column('patient_id', Integer(), nullable=False),
        Column('coverage_id', Integer()),
        Column('payer_id', Integer()),
        Column('provider_id', Integer()),
        Column('facility_id', Integer()),
        Column('pos', String(2), nullable=False, default='11'),
        Column('status', String(16), nullable=False, default='draft'),
        Column('frequency', String(1), nullable=False, default='1'),
        Column('original_claim_id', Integer()),
        Column('payer_claim_number', String(50)),
        Column('total_cents', Integer(), nullable=False, default=0),
        Column('diagnoses', String(120), nullable=False, default=''),
        Column('first_dos', Date()),
        Column('last_dos', Date()),
        Column('batch_id', Integer()),
        Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
        Column('created_by', String()),
        Column('submitted_at', UTCDateTime()),
    )


def _claim_finding() -> Table:
    return Table(
        'claim_finding', metadata,
        Column('id', Integer(), primary_key=True),
        Column('claim_id', Integer(), nullable=False),
        Column('edit', String(40), nullable=False),
        Column('severity', String(7), nullable=False),
        Column('line', Integer()),
        Column('message', String(), nullable=False),
        Column('fix', String()),
        Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
    )


def _claim_line() -> Table:
    return Table(
        'claim_line', metadata,
        Column('id', Integer(), primary_key=True),
        Column('claim_id', Integer(), nullable=False),
        Column('line_number', Integer(), nullable=False),
        Column('charge_id', Integer(), nullable=False),
        Column('dx_pointers', String(11), nullable=False, default=''),
    )


def _code() -> Table:
    return Table(
        'code', metadata,
        Column('id', Integer(), primary_key=True),
        Column('system', String(12), nullable=False),
        Column('code', String(10), nullable=False),
        Column('short_description', String()),
        Column('long_description', String(), nullable=False),
        Column('billable', Boolean(), nullable=False, default=True),
        Column('parent', String(10)),
        Column('effective', Date(), nullable=False, default=datetime.date(1900, 1, 1)),
        Column('termination', Date()),
        Column('version', String(40), nullable=False),
        Column('notes', String()),
        Column('terms', String()),
    )


def _code_set() -> Table:
    return Table(
        'code_set', metadata,
        Column('id', Integer(), primary_key=True),
        Column('system', String(12), nullable=False),
        Column('version', String(40), nullable=False),
        Column('source', String()),
        Column('file_hash', String(64)),
        Column('row_count', Integer(), nullable=False, default=0),
        Column('loaded_at', UTCDateTime(), nullable=False, default=utcnow),
        Column('loaded_by', String()),
    )


def _code_word() -> Table:
    return Table(
        'code_word', metadata,
        Column('word', String(60), primary_key=True),
        Column('first', String(1), nullable=False),
        Column('length', Integer(), nullable=False),
        Column('df', Integer(), nullable=False),
    )


def _collection() -> Table:
    return Table(
        'collection', metadata,
        Column('id', Integer(), primary_key=True),
        Column('patient_id', Integer(), nullable=False),
        Column('adjustment_id', Integer(), nullable=False),
        Column('amount_cents', Integer(), nullable=False),
        Column('reason', String(), nullable=False),
        Column('sent_on', Date(), nullable=False),
        Column('status', String(10), nullable=False, default='active'),
        Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
        Column('created_by', String(100), nullable=False, default=''),
    )


def _coverage() -> Table:
    return Table(
        'coverage', metadata,
        Column('id', Integer(), primary_key=True),
        Column('patient_id', Integer(), nullable=False),
        Column('payer_id', Integer(), nullable=False),
        Column('priority', String(10), nullable=False, default='primary'),
        Column('member_id', String(80), nullable=False),
        Column('group_number', String(50)),
        Column('relationship', String(10), nullable=False, default='self'),
        Column('subscriber_first_name', String()),
        Column('subscriber_last_name', String()),
        Column('subscriber_middle_name', String()),
        Column('subscriber_dob', Date()),
        Column('subscriber_sex', String(1)),
        Column('effective', Date()),
        Column('termination', Date()),
        Column('copay_cents', Integer()),
        Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
        Column('benefits_assigned', Boolean(), nullable=False, default=True),
        Column('insurance_type', String(2)),
    )


def _day_close() -> Table:
    return Table(
        'day_close', metadata,
        Column('id', Integer(), primary_key=True),
        Column('date', Date(), nullable=False),
        Column('closed_at', UTCDateTime(), nullable=False, default=utcnow),
        Column('closed_by', String(100), nullable=False),
        Column('forced', Boolean(), nullable=False, default=False),
        Column('reason', String()),
        Column('snapshot', String(), nullable=False),
        Column('snapshot_hash', String(64), nullable=False),
        Column('reopened_at', UTCDateTime()),
        Column('reopened_by', String(100)),
        Column('reopen_reason', String()),
    )


def _denial() -> Table:
    return Table(
        'denial', metadata,
        Column('id', Integer(), primary_key=True),
        Column('claim_id', Integer(), nullable=False),
        Column('era_claim_id', Integer(), nullable=False),
        Column('era_line_id', Integer()),
        Column('charge_id', Integer()),
        Column('payer_id', Integer()),
        Column('group_code', String(2), nullable=False),
        Column('carc', String(5), nullable=False),
        Column('rarc', String(200), nullable=False, default=''),
        Column('amount_cents', Integer(), nullable=False),
        Column('status', String(10), nullable=False, default='open'),
        Column('note', String()),
        Column('opened_on', Date(), nullable=False),
        Column('worked_at', UTCDateTime()),
        Column('worked_by', String()),
        Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
    )


def _eligibility_request() -> Table:
    return Table(
        'eligibility_request', metadata,
        Column('id', Integer(), primary_key=True),
        Column('trace', String(30), nullable=False),
        Column('patient_id', Integer(), nullable=False),
        Column('coverage_id', Integer(), nullable=False),
        Column('payer_id', Integer(), nullable=False),
        Column('date_of_service', Date(), nullable=False),
        Column('service_types', String(40), nullable=False, default='30'),
        Column('dependent', Boolean(), nullable=False, default=False),
        Column('isa_control', Integer(), nullable=False),
        Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
        Column('created_by', String()),
    )


def _eligibility_response() -> Table:
    return Table(
        'eligibility_response', metadata,
        Column('id', Integer(), primary_key=True),
        Column('request_id', Integer()),
        Column('patient_id', Integer()),
        Column('coverage_id', Integer()),
        Column('matched_by', String(10)),
        Column('trace', String(30)),
        Column('payer_code', String(80)),
        Column('member_id', String(80)),
        Column('last_name', String()),
        Column('first_name', String()),
        Column('dob', Date()),
        Column('on_date', Date(), nullable=False),
        Column('status', String(10), nullable=False),
        Column('plan_name', String()),
        Column('copay_cents', Integer()),
        Column('summary', String(), nullable=False),
        Column('file_hash', String(64), nullable=False),
        Column('isa_control', String(9)),
        Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
        Column('created_by', String()),
    )


def _encounter() -> Table:
    return Table(
        'encounter', metadata,
        Column('id', Integer(), primary_key=True),
        Column('patient_id', Integer(), nullable=False),
        Column('date_of_service', Date(), nullable=False),
        Column('provider_id', Integer()),
        Column('facility_id', Integer()),
        Column('pos', String(2), nullable=False, default='11'),
        Column('form_number', String(30)),
        Column('form_charges_cents', Integer()),
        Column('form_collected_cents', Integer()),
        Column('source', String(10), nullable=False, default='form'),
        Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
        Column('created_by', String()),
        Column('referring_npi', String(10)),
        Column('referring_name', String(60)),
        Column('onset_date', Date()),
        Column('accident', String(10)),
        Column('accident_date', Date()),
        Column('accident_state', String(2)),
        Column('supervising_npi', String(10)),
        Column('supervising_name', String(60)),
    )


def _encounter_diagnosis() -> Table:
    return Table(
        'encounter_diagnosis', metadata,
        Column('id', Integer(), primary_key=True),
        Column('encounter_id', Integer(), nullable=False),
        Column('seq', Integer(), nullable=False),
        Column('code', String(8), nullable=False),
    )


def _era() -> Table:
    return Table(
        'era', metadata,
        Column('id', Integer(), primary_key=True),
        Column('payer_key', String(80), nullable=False),
        Column('trace_number', String(80), nullable=False),
        Column('payer_id', Integer()),
        Column('payer_name', String(), nullable=False, default=''),
        Column('handling', String(2), nullable=False, default=''),
        Column('method', String(3), nullable=False, default=''),
        Column('total_cents', Integer(), nullable=False, default=0),
        Column('plb_cents', Integer(), nullable=False, default=0),
        Column('payment_date', Date()),
        Column('production_date', Date()),
        Column('posted_on', Date(), nullable=False),
        Column('claim_count', Integer(), nullable=False, default=0),
        Column('unmatched_count', Integer(), nullable=False, default=0),
        Column('file_name', String()),
        Column('file_hash', String(64), nullable=False, default=''),
        Column('st_control', String(9), nullable=False, default=''),
        Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
        Column('created_by', String()),
    )


def _era_adjustment() -> Table:
    return Table(
        'era_adjustment', metadata,
        Column('id', Integer(), primary_key=True),
        Column('era_claim_id', Integer(), nullable=False),
        Column('era_line_id', Integer()),
        Column('group_code', String(2), nullable=False),
        Column('carc', String(5), nullable=False),
        Column('rarc', String(200), nullable=False, default=''),
        Column('amount_cents', Integer(), nullable=False),
        Column('quantity', String(15)),
    )


def _era_claim() -> Table:
    return Table(
        'era_claim', metadata,
        Column('id', Integer(), primary_key=True),
        Column('era_id', Integer(), nullable=False),
        Column('claim_id', Integer()),
        Column('pcn', String(38), nullable=False),
        Column('status_code', String(2), nullable=False),
        Column('outcome', String(10), nullable=False),
        Column('payer_sequence', Integer(), nullable=False, default=0),
        Column('charge_cents', Integer(), nullable=False, default=0),
        Column('paid_cents', Integer(), nullable=False, default=0),
        Column('patient_resp_cents', Integer(), nullable=False, default=0),
        Column('payer_claim_number', String(50), nullable=False, default=''),
        Column('member_id', String(80), nullable=False, default=''),
        Column('service_date', Date()),
        Column('remarks', String(200), nullable=False, default=''),
        Column('unmatched_reason', String()),
        Column('previous_status', String(16)),
        Column('reverses_id', Integer()),
        Column('reversed_by_id', Integer()),
        Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
        Column('coverage_id', Integer()),
        Column('crossover', Boolean(), nullable=False, default=False),
    )


def _era_line() -> Table:
    return Table(
        'era_line', metadata,
        Column('id', Integer(), primary_key=True),
        Column('era_claim_id', Integer(), nullable=False),
        Column('seq', Integer(), nullable=False),
        Column('claim_line_id', Integer()),
        Column('charge_id', Integer()),
        Column('code', String(48), nullable=False, default=''),
        Column('modifiers', String(11), nullable=False, default=''),
        Column('charge_cents', Integer(), nullable=False, default=0),
        Column('paid_cents', Integer(), nullable=False, default=0),
        Column('allowed_cents', Integer()),
        Column('units', String(15)),
        Column('service_date', Date()),
        Column('remarks', String(200), nullable=False, default=''),
    )


def _era_plb() -> Table:
    return Table(
        'era_plb', metadata,
        Column('id', Integer(), primary_key=True),
        Column('era_id', Integer(), nullable=False),
        Column('provider_id', String(50), nullable=False, default=''),
        Column('fiscal_date', Date()),
        Column('reason', String(2), nullable=False),
        Column('reference', String(50), nullable=False, default=''),
        Column('amount_cents', Integer(), nullable=False),
    )


def _facility() -> Table:
    return Table(
        'facility', metadata,
        Column('id', Integer(), primary_key=True),
        Column('name', String(), nullable=False),
        Column('npi', String(10)),
        Column('address', String(), nullable=False),
        Column('city', String(), nullable=False),
        Column('state', String(2), nullable=False),
        Column('zip', String(9), nullable=False),
        Column('pos', String(2), nullable=False, default='11'),
        Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
    )


def _fee() -> Table:
    return Table(
        'fee', metadata,
        Column('id', Integer(), primary_key=True),
        Column('code', String(5), nullable=False),
        Column('modifier', String(2), nullable=False, default=''),
        Column('amount_cents', Integer(), nullable=False),
        Column('effective', Date(), nullable=False, default=datetime.date(1900, 1, 1)),
        Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
    )


def _history_entry() -> Table:
    return Table(
        'history_entry', metadata,
        Column('id', Integer(), primary_key=True),
        Column('patient_id', Integer(), nullable=False),
        Column('kind', String(10), nullable=False),
        Column('code', String(8)),
        Column('onset', Date()),
        Column('status', String(10)),
        Column('text', String()),
        Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
    )


def _ledger_entry() -> Table:
    return Table(
        'ledger_entry', metadata,
        Column('id', Integer(), primary_key=True),
        Column('patient_id', Integer(), nullable=False),
        Column('charge_id', Integer()),
        Column('coverage_id', Integer()),
        Column('party', String(10), nullable=False),
        Column('payer_id', Integer()),
        Column('kind', String(20), nullable=False),
        Column('amount_cents', Integer(), nullable=False),
        Column('posted_on', Date(), nullable=False),
        Column('service_date', Date()),
        Column('source_type', String(12), nullable=False),
        Column('source_id', Integer(), nullable=False),
        Column('reverses_id', Integer()),
        Column('group_code', String(2)),
        Column('carc', String(5)),
        Column('created_by', String(100), nullable=False, default=''),
        Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
    )


def _mue_edit() -> Table:
    return Table(
        'mue_edit', metadata,
        Column('id', Integer(), primary_key=True),
        Column('code', String(5), nullable=False),
        Column('mue', Integer(), nullable=False),
        Column('mai', Integer(), nullable=False),
        Column('rationale', String()),
        Column('effective', Date()),
        Column('version', String(40), nullable=False),
    )


def _patient() -> Table:
    return Table(
        'patient', metadata,
        Column('id', Integer(), primary_key=True),
        Column('account', String(20)),
        Column('first_name', String(), nullable=False),
        Column('last_name', String(), nullable=False),
        Column('middle_name', String()),
        Column('dob', Date(), nullable=False),
        Column('sex', String(1), nullable=False),
        Column('address', String()),
        Column('address2', String()),
        Column('city', String()),
        Column('state', String(2)),
        Column('zip', String(9)),
        Column('phone', String(10)),
        Column('email', String()),
        Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
        Column('updated_at', UTCDateTime(), nullable=False, default=utcnow),
        Column('release_of_info', String(1), nullable=False, default='Y'),
        Column('signature_date', Date()),
    )


def _payer() -> Table:
    return Table(
        'payer', metadata,
        Column('id', Integer(), primary_key=True),
        Column('payer_id', String(80), nullable=False),
        Column('name', String(), nullable=False),
        Column('filing_indicator', String(2), nullable=False, default='CI'),
        Column('timely_filing_days', Integer(), nullable=False, default=365),
        Column('address', String()),
        Column('city', String()),
        Column('state', String(2)),
        Column('zip', String(9)),
        Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
        Column('accept_assignment', Boolean(), nullable=False, default=True),
        Column('forwards_claims', Boolean(), nullable=False, default=False),
    )


def _payment() -> Table:
    return Table(
        'payment', metadata,
        Column('id', Integer(), primary_key=True),
        Column('patient_id', Integer(), nullable=False),
        Column('encounter_id', Integer()),
        Column('claim_id', Integer()),
        Column('date', Date(), nullable=False),
        Column('amount_cents', Integer(), nullable=False),
        Column('method', String(5), nullable=False),
        Column('kind', String(12), nullable=False, default='copay'),
        Column('reference', String(50)),
        Column('status', String(10), nullable=False, default='posted'),
        Column('reversed_reason', String()),
        Column('reversed_by', String()),
        Column('reversed_at', UTCDateTime()),
        Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
        Column('created_by', String()),
    )


def _payment_plan() -> Table:
    return Table(
        'payment_plan', metadata,
        Column('id', Integer(), primary_key=True),
        Column('patient_id', Integer(), nullable=False),
        Column('monthly_cents', Integer(), nullable=False),
        Column('start_on', Date(), nullable=False),
        Column('balance_cents', Integer(), nullable=False),
        Column('status', String(10), nullable=False, default='active'),
        Column('ended_on', Date()),
        Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
        Column('created_by', String(100), nullable=False, default=''),
    )


def _period() -> Table:
    return Table(
        'period', metadata,
        Column('id', Integer(), primary_key=True),
        Column('through', Date(), nullable=False),
        Column('closed_at', UTCDateTime(), nullable=False, default=utcnow),
        Column('closed_by', String(100), nullable=False),
    )


def _practice() -> Table:
    return Table(
        'practice', metadata,
        Column('id', Integer(), primary_key=True),
        Column('name', String(), nullable=False),
        Column('npi', String(10), nullable=False),
        Column('tin', String(9), nullable=False),
        Column('taxonomy', String(10)),
        Column('address', String(), nullable=False),
        Column('address2', String()),
        Column('city', String(), nullable=False),
        Column('state', String(2), nullable=False),
        Column('zip', String(9), nullable=False),
        Column('phone', String(10)),
        Column('submitter_id', String()),
        Column('submitter_name', String()),
        Column('contact_name', String()),
        Column('contact_phone', String(10)),
        Column('contact_email', String()),
        Column('receiver_id', String()),
        Column('receiver_name', String()),
        Column('remit_name', String()),
        Column('remit_address', String()),
        Column('remit_city', String()),
        Column('remit_state', String(2)),
        Column('remit_zip', String(9)),
        Column('pay_url', String()),
        Column('dunning_second_days', Integer(), nullable=False, default=30),
        Column('dunning_final_days', Integer(), nullable=False, default=60),
        Column('dunning_collections_days', Integer(), nullable=False, default=90),
        Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
        Column('updated_at', UTCDateTime(), nullable=False, default=utcnow),
    )


def _prior_auth() -> Table:
    return Table(
        'prior_auth', metadata,
        Column('id', Integer(), primary_key=True),
        Column('kind', String(10), nullable=False),
        Column('patient_id', Integer(), nullable=False),
        Column('payer_id', Integer()),
        Column('provider_npi', String(10)),
        Column('number', String(50), nullable=False),
        Column('start', Date(), nullable=False),
        Column('end', Date(), nullable=False),
        Column('visits', Integer()),
        Column('units', Integer()),
        Column('codes', String(200), nullable=False, default=''),
        Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
        Column('created_by', String()),
    )


def _provider() -> Table:
    return Table(
        'provider', metadata,
        Column('id', Integer(), primary_key=True),
        Column('npi', String(10), nullable=False),
        Column('first_name', String(), nullable=False),
        Column('last_name', String(), nullable=False),
        Column('middle_name', String()),
        Column('credential', String()),
        Column('taxonomy', String(10)),
        Column('active', Boolean(), nullable=False, default=True),
        Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
    )


def _ptp_edit() -> Table:
    return Table(
        'ptp_edit', metadata,
        Column('id', Integer(), primary_key=True),
        Column('column1', String(5), nullable=False),
        Column('column2', String(5), nullable=False),
        Column('effective', Date(), nullable=False),
        Column('deletion', Date()),
        Column('modifier_indicator', String(1), nullable=False),
        Column('rationale', String()),
        Column('version', String(40), nullable=False),
    )


def _refund() -> Table:
    return Table(
        'refund', metadata,
        Column('id', Integer(), primary_key=True),
        Column('patient_id', Integer(), nullable=False),
        Column('amount_cents', Integer(), nullable=False),
        Column('method', String(5), nullable=False),
        Column('reference', String(50)),
        Column('reason', String()),
        Column('posted_on', Date(), nullable=False),
        Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
        Column('created_by', String()),
    )


def _setting() -> Table:
    return Table(
        'setting', metadata,
        Column('key', String(60), primary_key=True),
        Column('value', String(), nullable=False),
    )


def _statement_item() -> Table:
    return Table(
        'statement_item', metadata,
        Column('id', Integer(), primary_key=True),
        Column('run_id', Integer(), nullable=False),
        Column('patient_id', Integer(), nullable=False),
        Column('level', String(12), nullable=False),
        Column('cycle_start', Date(), nullable=False),
        Column('due_cents', Integer(), nullable=False),
        Column('plan_due_cents', Integer()),
        Column('plan_id', Integer()),
        Column('current_cents', Integer(), nullable=False, default=0),
        Column('days_31_60_cents', Integer(), nullable=False, default=0),
        Column('days_61_90_cents', Integer(), nullable=False, default=0),
        Column('days_over_90_cents', Integer(), nullable=False, default=0),
        Column('pages', Integer(), nullable=False, default=0),
    )


def _statement_run() -> Table:
    return Table(
        'statement_run', metadata,
        Column('id', Integer(), primary_key=True),
        Column('as_of', Date(), nullable=False),
        Column('min_balance_cents', Integer(), nullable=False, default=0),
        Column('file', String()),
        Column('statements', Integer(), nullable=False, default=0),
        Column('proposed', Integer(), nullable=False, default=0),
        Column('total_cents', Integer(), nullable=False, default=0),
        Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
        Column('created_by', String(100), nullable=False, default=''),
    )


_BUILD: dict[str, Callable[[], Table]] = {
    'ack': _ack,
    'ack_claim': _ack_claim,
    'ack_error': _ack_error,
    'adjustment': _adjustment,
    'audit_log': _audit_log,
    'auth_code': _auth_code,
    'batch': _batch,
    'charge': _charge,
    'claim': _claim,
    'claim_finding': _claim_finding,
    'claim_line': _claim_line,
    'code': _code,
    'code_set': _code_set,
    'code_word': _code_word,
    'collection': _collection,
    'coverage': _coverage,
    'day_close': _day_close,
    'denial': _denial,
    'eligibility_request': _eligibility_request,
    'eligibility_response': _eligibility_response,
    'encounter': _encounter,
    'encounter_diagnosis': _encounter_diagnosis,
    'era': _era,
    'era_adjustment': _era_adjustment,
    'era_claim': _era_claim,
    'era_line': _era_line,
    'era_plb': _era_plb,
    'facility': _facility,
    'fee': _fee,
    'history_entry': _history_entry,
    'ledger_entry': _ledger_entry,
    'mue_edit': _mue_edit,
    'patient': _patient,
    'payer': _payer,
    'payment': _payment,
    'payment_plan': _payment_plan,
    'period': _period,
    'practice': _practice,
    'prior_auth': _prior_auth,
    'provider': _provider,
    'ptp_edit': _ptp_edit,
    'refund': _refund,
    'setting': _setting,
    'statement_item': _statement_item,
    'statement_run': _statement_run,
}

NAMES = tuple(_BUILD)


def __getattr__(name: str) -> Table:
    build = _BUILD.get(name)
    if build is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    table = globals()[name] = build()
    return table


def load_all() -> MetaData:
    """Build every table; returns the metadata holding them."""
    module = sys.modules[__name__]
    for name in NAMES:
        getattr(module, name)
    return metadata
