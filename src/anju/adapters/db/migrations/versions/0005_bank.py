"""Bank settlement: sign-in state, outbox, inbox, statement files, reconciliation reports.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = (
    "bank_reconciliation_item",
    "bank_reconciliation",
    "bank_instruction_event",
    "bank_batch_item",
    "bank_notice",
    "bank_statement_line",
    "bank_statement_file",
    "bank_instruction",
    "bank_account_reservation",
    "bank_session",
)


def upgrade() -> None:
    op.create_table(
        "bank_account_reservation",
        sa.Column("account_no", sa.String(length=30), nullable=False, comment="centre bank account (专户)"),
        sa.Column("reserved_fen", sa.BigInteger(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "reserved_fen >= 0", name=op.f("ck_bank_account_reservation_reserved_not_negative")
        ),
        sa.PrimaryKeyConstraint("account_no", name=op.f("pk_bank_account_reservation")),
        comment="Money of a centre account promised to instructions the bank has not settled yet",
    )
    op.create_table(
        "bank_session",
        sa.Column(
            "node", sa.String(length=12), nullable=False, comment="the platform node signed in to (D00000)"
        ),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column(
            "session_key_enc", sa.LargeBinary(), nullable=True, comment="HandKey ciphertext, SM4-sealed again"
        ),
        sa.Column("bdc_date", sa.Date(), nullable=True, comment="the platform's date at sign-in"),
        sa.Column("signed_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("state IN ('signed_in', 'signed_out')", name=op.f("ck_bank_session_state")),
        sa.PrimaryKeyConstraint("node", name=op.f("pk_bank_session")),
        comment="Sign-in state with the bank-settlement platform (BDC001 / BDC002)",
    )
    op.create_table(
        "bank_statement_file",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("account_no", sa.String(length=30), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False, comment="SHA-256 of the content"),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=120), server_default="", nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("opening_fen", sa.BigInteger(), nullable=True),
        sa.Column("closing_fen", sa.BigInteger(), nullable=True),
        sa.Column("new_lines", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "source IN ('bdc113', 'sbdc100', 'upload')", name=op.f("ck_bank_statement_file_source")
        ),
        sa.CheckConstraint("state IN ('importing', 'imported')", name=op.f("ck_bank_statement_file_state")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_statement_file")),
        sa.UniqueConstraint("account_no", "digest", name=op.f("uq_bank_statement_file_account_no_digest")),
        comment="Statement and account-change files received from the banks (imported once each)",
    )
    op.create_table(
        "bank_instruction",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column(
            "e2e_id", sa.String(length=24), nullable=False, comment="SendSeqNo of every send (端到端标识)"
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=30), nullable=False),
        sa.Column("bus_type", sa.String(length=2), nullable=False, comment="BusType of the platform"),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("bank_code", sa.String(length=3), nullable=False),
        sa.Column("centre_account_no", sa.String(length=30), nullable=False, comment="the centre's 专户"),
        sa.Column("centre_account_name", sa.String(length=255), nullable=False),
        sa.Column("counterparty_enc", sa.LargeBinary(), nullable=False, comment="payee / payer account, SM4"),
        sa.Column("counterparty_idx", sa.String(length=64), nullable=False),
        sa.Column("counterparty_name", sa.String(length=120), nullable=False),
        sa.Column("counterparty_bank_code", sa.String(length=20), server_default="", nullable=False),
        sa.Column("counterparty_bank_name", sa.String(length=100), server_default="", nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("ref_account_no", sa.String(length=30), server_default="", nullable=False),
        sa.Column("agreement_no", sa.String(length=40), server_default="", nullable=False),
        sa.Column("summary", sa.String(length=60), server_default="", nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_ref", sa.String(length=128), nullable=False),
        sa.Column(
            "send_date", sa.Date(), nullable=False, comment="SendDate of the first send: BDC110 asks by it"
        ),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("submit_voucher_no", sa.String(length=20), nullable=True),
        sa.Column("settle_voucher_no", sa.String(length=20), nullable=True),
        sa.Column("reverse_voucher_no", sa.String(length=20), nullable=True),
        sa.Column("host_serial", sa.String(length=40), nullable=True),
        sa.Column("rtn_code", sa.String(length=20), nullable=True),
        sa.Column("rtn_message", sa.String(length=200), nullable=True),
        sa.Column("sends", sa.Integer(), server_default="0", nullable=False),
        sa.Column("queries", sa.Integer(), server_default="0", nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("batch_no", sa.String(length=30), nullable=True),
        sa.Column("branch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('payment', 'receipt', 'transfer', 'batch_receipt')",
            name=op.f("ck_bank_instruction_kind"),
        ),
        sa.CheckConstraint(
            "state IN ('pending', 'unknown', 'processing', 'succeeded', 'failed', 'manual')",
            name=op.f("ck_bank_instruction_state"),
        ),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_bank_instruction_amount_positive")),
        sa.CheckConstraint("sends >= 0 AND queries >= 0", name=op.f("ck_bank_instruction_counters")),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branch.id"], name=op.f("fk_bank_instruction_branch_id_branch")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_instruction")),
        sa.UniqueConstraint("e2e_id", name=op.f("uq_bank_instruction_e2e_id")),
        sa.UniqueConstraint("source", "source_ref", name=op.f("uq_bank_instruction_source_source_ref")),
        comment="The outbox: payments, receipts and transfers sent through the settlement platform",
    )
    op.create_index(
        op.f("ix_bank_instruction_counterparty_idx"), "bank_instruction", ["counterparty_idx"], unique=False
    )
    op.create_index(
        op.f("ix_bank_instruction_host_serial"), "bank_instruction", ["host_serial"], unique=False
    )
    op.create_index(
        "ix_bank_instruction_open", "bank_instruction", ["state", "next_attempt_at"], unique=False
    )
    op.create_table(
        "bank_notice",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("account_no", sa.String(length=30), nullable=False, comment="centre bank account (专户)"),
        sa.Column("serial", sa.String(length=40), nullable=False, comment="bank host serial (银行流水号)"),
        sa.Column("bank_code", sa.String(length=3), nullable=False),
        sa.Column("tx_date", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False, comment="signed: + into the account, - out"),
        sa.Column("counterparty_enc", sa.LargeBinary(), nullable=True, comment="counterparty account, SM4"),
        sa.Column("counterparty_name", sa.String(length=120), server_default="", nullable=False),
        sa.Column("remark", sa.String(length=200), server_default="", nullable=False),
        sa.Column("summary", sa.String(length=200), server_default="", nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("state", sa.String(length=14), nullable=False),
        sa.Column("instruction_e2e_id", sa.String(length=24), nullable=True),
        sa.Column("voucher_no", sa.String(length=20), nullable=True),
        sa.Column("unit_account_no", sa.String(length=20), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("file_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("processed_by", sa.String(length=80), nullable=True),
        sa.CheckConstraint(
            "state IN ('posted', 'own', 'unidentified', 'unexplained', 'handled', 'exception')",
            name=op.f("ck_bank_notice_state"),
        ),
        sa.CheckConstraint("amount_fen <> 0", name=op.f("ck_bank_notice_amount_not_zero")),
        sa.ForeignKeyConstraint(
            ["file_id"], ["bank_statement_file.id"], name=op.f("fk_bank_notice_file_id_bank_statement_file")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_notice")),
        sa.UniqueConstraint("account_no", "serial", name=op.f("uq_bank_notice_account_no_serial")),
        comment="The inbox: each movement a bank reports on a centre account, booked at most once",
    )
    op.create_index("ix_bank_notice_state", "bank_notice", ["state"], unique=False)
    op.create_table(
        "bank_reconciliation",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("account_no", sa.String(length=30), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("run_no", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("bank_balance_fen", sa.BigInteger(), nullable=True),
        sa.Column("book_balance_fen", sa.BigInteger(), nullable=False),
        sa.Column("statement_total_fen", sa.BigInteger(), nullable=False),
        sa.Column("ledger_total_fen", sa.BigInteger(), nullable=False),
        sa.Column("summary_json", sa.Text(), nullable=False, comment="counts and sums per verdict"),
        sa.Column("message", sa.String(length=400), server_default="", nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('balanced', 'differences', 'no_statement')", name=op.f("ck_bank_reconciliation_state")
        ),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["bank_statement_file.id"],
            name=op.f("fk_bank_reconciliation_file_id_bank_statement_file"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_reconciliation")),
        sa.UniqueConstraint(
            "account_no",
            "business_date",
            "run_no",
            name=op.f("uq_bank_reconciliation_account_no_business_date_run_no"),
        ),
        comment="Daily reconciliation (对账) of one centre account: the statement against the books",
    )
    op.create_table(
        "bank_statement_line",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("file_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=40), nullable=False),
        sa.Column("tx_date", sa.Date(), nullable=False),
        sa.Column("tx_time", sa.String(length=6), server_default="", nullable=False),
        sa.Column("tx_code", sa.String(length=20), server_default="", nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("balance_fen", sa.BigInteger(), nullable=True),
        sa.Column("counterparty_name", sa.String(length=120), server_default="", nullable=False),
        sa.Column("remark", sa.String(length=200), server_default="", nullable=False),
        sa.Column("summary", sa.String(length=200), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["bank_statement_file.id"],
            name=op.f("fk_bank_statement_line_file_id_bank_statement_file"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_statement_line")),
        sa.UniqueConstraint("file_id", "seq", name=op.f("uq_bank_statement_line_file_id_seq")),
        comment="The lines of each statement file as received (duplicates kept: reconciliation sees them)",
    )
    op.create_table(
        "bank_batch_item",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("instruction_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("account_enc", sa.LargeBinary(), nullable=False, comment="payer account, SM4"),
        sa.Column("account_name", sa.String(length=120), nullable=False),
        sa.Column("ref_account_no", sa.String(length=30), server_default="", nullable=False),
        sa.Column("summary", sa.String(length=60), server_default="", nullable=False),
        sa.Column("state", sa.String(length=12), server_default="pending", nullable=False),
        sa.Column("host_serial", sa.String(length=40), nullable=True),
        sa.Column("code", sa.String(length=20), nullable=True),
        sa.Column("message", sa.String(length=200), nullable=True),
        sa.Column("voucher_no", sa.String(length=20), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'succeeded', 'failed')", name=op.f("ck_bank_batch_item_state")
        ),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_bank_batch_item_amount_positive")),
        sa.ForeignKeyConstraint(
            ["instruction_id"],
            ["bank_instruction.id"],
            name=op.f("fk_bank_batch_item_instruction_id_bank_instruction"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_batch_item")),
        sa.UniqueConstraint("instruction_id", "seq", name=op.f("uq_bank_batch_item_instruction_id_seq")),
        comment="Items of a batch receipt (BDC104) and their results (BDC108)",
    )
    op.create_table(
        "bank_instruction_event",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("instruction_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("seq_no", sa.String(length=24), nullable=True),
        sa.Column("answer", sa.String(length=12), nullable=True),
        sa.Column("code", sa.String(length=20), nullable=True),
        sa.Column("message", sa.String(length=200), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["instruction_id"],
            ["bank_instruction.id"],
            name=op.f("fk_bank_instruction_event_instruction_id_bank_instruction"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_instruction_event")),
        comment="Every send, query and answer of an instruction, in order (who, when, what came back)",
    )
    op.create_index(
        op.f("ix_bank_instruction_event_instruction_id"),
        "bank_instruction_event",
        ["instruction_id"],
        unique=False,
    )
    op.create_table(
        "bank_reconciliation_item",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("reconciliation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("serial", sa.String(length=40), nullable=True),
        sa.Column("line_seq", sa.Integer(), nullable=True),
        sa.Column("statement_amount_fen", sa.BigInteger(), nullable=True),
        sa.Column("voucher_no", sa.String(length=20), nullable=True),
        sa.Column("ledger_amount_fen", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.String(length=200), server_default="", nullable=False),
        sa.CheckConstraint(
            "verdict IN ('matched', 'missing', 'duplicate', 'amount_mismatch', 'unknown')",
            name=op.f("ck_bank_reconciliation_item_verdict"),
        ),
        sa.ForeignKeyConstraint(
            ["reconciliation_id"],
            ["bank_reconciliation.id"],
            name=op.f("fk_bank_reconciliation_item_reconciliation_id_bank_reconciliation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_reconciliation_item")),
        comment="One verdict per statement line and per unmatched posting",
    )
    op.create_index(
        op.f("ix_bank_reconciliation_item_reconciliation_id"),
        "bank_reconciliation_item",
        ["reconciliation_id"],
        unique=False,
    )


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
