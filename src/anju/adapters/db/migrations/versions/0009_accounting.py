"""Accounting (会计核算) and reports: period lock, closed periods, manual vouchers.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from anju.adapters.db.ddl import install_ddl

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "period_lock",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column(
            "closed_through", sa.Date(), nullable=False, comment="nothing posts on or before this date"
        ),
        sa.CheckConstraint("id = 1", name=op.f("ck_period_lock_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period_lock")),
        comment="The period lock (结账): last day of the last closed accounting period",
    )
    op.create_table(
        "accounting_period",
        sa.Column("period", sa.String(length=6), nullable=False, comment="YYYYMM"),
        sa.Column("closed_on", sa.Date(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(length=80), nullable=False),
        sa.Column("year_end", sa.Boolean(), nullable=False),
        sa.Column(
            "closing_voucher_no",
            sa.String(length=19),
            nullable=True,
            comment="year-end carry-forward voucher",
        ),
        sa.PrimaryKeyConstraint("period", name=op.f("pk_accounting_period")),
        comment="Closed accounting periods (月结 / 年结); a closed period is never reopened",
    )
    op.create_table(
        "manual_voucher",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("period", sa.String(length=6), nullable=False, comment="YYYYMM: numbering period"),
        sa.Column("seq", sa.Integer(), nullable=False, comment="凭证号 within the period"),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("memo", sa.String(length=200), nullable=False, comment="摘要"),
        sa.Column("value_date", sa.Date(), nullable=True),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("maker", sa.String(length=80), nullable=False, comment="制单"),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewer", sa.String(length=80), nullable=True, comment="复核"),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("poster", sa.String(length=80), nullable=True, comment="记账"),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("voucher_no", sa.String(length=19), nullable=True, comment="ledger voucher once posted"),
        sa.Column("reverses", sa.String(length=19), nullable=True, comment="错账调整: voucher to reverse"),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "state IN ('draft', 'reviewed', 'posted', 'rejected')", name=op.f("ck_manual_voucher_state")
        ),
        sa.CheckConstraint("kind IN ('manual', 'correction')", name=op.f("ck_manual_voucher_kind")),
        sa.CheckConstraint(
            "reviewer IS NULL OR reviewer <> maker", name=op.f("ck_manual_voucher_maker_checker")
        ),
        sa.CheckConstraint(
            "state <> 'posted' OR voucher_no IS NOT NULL", name=op.f("ck_manual_voucher_posted_has_voucher")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_manual_voucher")),
        sa.UniqueConstraint("period", "seq", name=op.f("uq_manual_voucher_period_seq")),
        sa.UniqueConstraint("voucher_no", name=op.f("uq_manual_voucher_voucher_no")),
        comment="Manual vouchers (手工凭证) by finance: draft -> reviewed (复核) -> posted",
    )
    op.create_index("ix_manual_voucher_state", "manual_voucher", ["state", "period"], unique=False)
    op.create_table(
        "manual_voucher_line",
        sa.Column("manual_voucher_id", BigId, nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("gl_code", sa.String(length=19), nullable=False),
        sa.Column("account_no", sa.String(length=19), nullable=True),
        sa.Column("side", sa.String(length=1), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("side IN ('D', 'C')", name=op.f("ck_manual_voucher_line_side")),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_manual_voucher_line_amount_positive")),
        sa.ForeignKeyConstraint(
            ["gl_code"], ["gl_account.code"], name=op.f("fk_manual_voucher_line_gl_code_gl_account")
        ),
        sa.ForeignKeyConstraint(
            ["manual_voucher_id"],
            ["manual_voucher.id"],
            name=op.f("fk_manual_voucher_line_manual_voucher_id_manual_voucher"),
        ),
        sa.PrimaryKeyConstraint("manual_voucher_id", "line_no", name=op.f("pk_manual_voucher_line")),
        comment="Lines of a manual voucher as keyed in",
    )
    op.create_table(
        "time_deposit_book",
        sa.Column(
            "bank_account_no", sa.String(length=30), nullable=False, comment="the current account (专户)"
        ),
        sa.Column("gl_code", sa.String(length=19), nullable=False),
        sa.ForeignKeyConstraint(
            ["gl_code"], ["gl_account.code"], name=op.f("fk_time_deposit_book_gl_code_gl_account")
        ),
        sa.PrimaryKeyConstraint("bank_account_no", name=op.f("pk_time_deposit_book")),
        sa.UniqueConstraint("gl_code", name=op.f("uq_time_deposit_book_gl_code")),
        comment="The 101xx leaf holding the time and notice deposits placed from one centre account",
    )
    op.create_table(
        "time_deposit",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("deposit_no", sa.String(length=40), nullable=False, comment="the bank's certificate no"),
        sa.Column("bank_account_no", sa.String(length=30), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False, comment="time 定期 | notice 通知"),
        sa.Column("principal_fen", sa.BigInteger(), nullable=False),
        sa.Column(
            "rate", sa.String(length=12), nullable=False, comment="annual rate as agreed, e.g. 1.45 (%)"
        ),
        sa.Column("term_months", sa.Integer(), nullable=True),
        sa.Column("placed_on", sa.Date(), nullable=False),
        sa.Column("placed_voucher_no", sa.String(length=19), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("drawn_on", sa.Date(), nullable=True),
        sa.Column("interest_fen", sa.BigInteger(), nullable=True),
        sa.Column("drawn_voucher_no", sa.String(length=19), nullable=True),
        sa.CheckConstraint("kind IN ('time', 'notice')", name=op.f("ck_time_deposit_kind")),
        sa.CheckConstraint("state IN ('placed', 'drawn')", name=op.f("ck_time_deposit_state")),
        sa.CheckConstraint("principal_fen > 0", name=op.f("ck_time_deposit_principal_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_deposit")),
        sa.UniqueConstraint("deposit_no", name=op.f("uq_time_deposit_deposit_no")),
        comment="Time and notice deposits (定期、通知存款) of the fund, placed and drawn from bank advices",
    )
    install_ddl(op.get_bind(), names=["accounting"])


def downgrade() -> None:
    bind = op.get_bind()
    bind.exec_driver_sql(
        "DROP TRIGGER IF EXISTS trg_voucher_period_lock"
        + (" ON voucher" if bind.dialect.name == "postgresql" else "")
    )
    op.drop_table("time_deposit")
    op.drop_table("time_deposit_book")
    op.drop_table("manual_voucher_line")
    op.drop_index("ix_manual_voucher_state", table_name="manual_voucher")
    op.drop_table("manual_voucher")
    op.drop_table("accounting_period")
    op.drop_table("period_lock")
