"""Accounting tables (会计核算): the period lock, closed periods, manual vouchers with maker-checker.

`period_lock` is one row: the last day of the last closed period. The posting path reads it by
primary key before every voucher (one cheap look-up) and refuses a business date on or before it.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from anju.adapters.db.ddl import DialectDDL, register_ddl
from anju.adapters.db.schema import BigId, Fen, metadata

period_lock = Table(
    "period_lock",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("closed_through", Date, nullable=False, comment="nothing posts on or before this date"),
    CheckConstraint("id = 1", name="single_row"),
    comment="The period lock (结账): last day of the last closed accounting period",
)

accounting_period = Table(
    "accounting_period",
    metadata,
    Column("period", String(6), primary_key=True, comment="YYYYMM"),
    Column("closed_on", Date, nullable=False),
    Column("closed_at", DateTime(timezone=True), nullable=False),
    Column("closed_by", String(80), nullable=False),
    Column("year_end", Boolean, nullable=False),
    Column("closing_voucher_no", String(19), nullable=True, comment="year-end carry-forward voucher"),
    comment="Closed accounting periods (月结 / 年结); a closed period is never reopened",
)

manual_voucher = Table(
    "manual_voucher",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("period", String(6), nullable=False, comment="YYYYMM: numbering period"),
    Column("seq", Integer, nullable=False, comment="凭证号 within the period"),
    Column("kind", String(12), nullable=False),
    Column("state", String(10), nullable=False),
    Column("memo", String(200), nullable=False, comment="摘要"),
    Column("value_date", Date, nullable=True),
    Column("total_fen", Fen, nullable=False),
    Column("maker", String(80), nullable=False, comment="制单"),
    Column("made_at", DateTime(timezone=True), nullable=False),
    Column("reviewer", String(80), nullable=True, comment="复核"),
    Column("reviewed_at", DateTime(timezone=True), nullable=True),
    Column("poster", String(80), nullable=True, comment="记账"),
    Column("posted_at", DateTime(timezone=True), nullable=True),
    Column("voucher_no", String(19), nullable=True, unique=True, comment="ledger voucher once posted"),
    Column("reverses", String(19), nullable=True, comment="错账调整: voucher to reverse"),
    Column("reason", String(200), nullable=True),
    UniqueConstraint("period", "seq"),
    CheckConstraint("state IN ('draft', 'reviewed', 'posted', 'rejected')", name="state"),
    CheckConstraint("kind IN ('manual', 'correction')", name="kind"),
    # Maker-checker in the database too: the reviewer is never the maker.
    CheckConstraint("reviewer IS NULL OR reviewer <> maker", name="maker_checker"),
    CheckConstraint("state <> 'posted' OR voucher_no IS NOT NULL", name="posted_has_voucher"),
    Index("ix_manual_voucher_state", "state", "period"),
    comment="Manual vouchers (手工凭证) by finance: draft -> reviewed (复核) -> posted",
)

manual_voucher_line = Table(
    "manual_voucher_line",
    metadata,
    Column("manual_voucher_id", BigId, ForeignKey("manual_voucher.id"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("gl_code", String(19), ForeignKey("gl_account.code"), nullable=False),
    Column("account_no", String(19), nullable=True),
    Column("side", String(1), nullable=False),
    Column("amount_fen", Fen, nullable=False),
    CheckConstraint("side IN ('D', 'C')", name="side"),
    CheckConstraint("amount_fen > 0", name="amount_positive"),
    comment="Lines of a manual voucher as keyed in",
)

# The period lock in the database too (defence in depth): any path that writes a voucher —
# the posting path checks first and says why; bulk paths such as the 30 June settlement write
# vouchers themselves — is refused a business date on or before the lock. One primary-key read
# per voucher, not per posting.
_SQLITE = [
    "CREATE TRIGGER IF NOT EXISTS trg_voucher_period_lock BEFORE INSERT ON voucher "
    "WHEN NEW.business_date <= (SELECT closed_through FROM period_lock WHERE id = 1) "
    "BEGIN SELECT RAISE(ABORT, 'period_closed: the voucher falls in a closed period'); END",
]

_PG = [
    """
    CREATE OR REPLACE FUNCTION anju_period_lock() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.business_date <= (SELECT closed_through FROM period_lock WHERE id = 1) THEN
            RAISE EXCEPTION 'period_closed: voucher % dated % falls in a closed period',
                NEW.voucher_no, NEW.business_date USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END
    $$
    """,
    "DROP TRIGGER IF EXISTS trg_voucher_period_lock ON voucher",
    "CREATE TRIGGER trg_voucher_period_lock BEFORE INSERT ON voucher "
    "FOR EACH ROW EXECUTE FUNCTION anju_period_lock()",
]

register_ddl(DialectDDL(name="accounting", sqlite=_SQLITE, postgresql=_PG))

time_deposit_book = Table(
    "time_deposit_book",
    metadata,
    Column("bank_account_no", String(30), primary_key=True, comment="the current account (专户)"),
    Column("gl_code", String(19), ForeignKey("gl_account.code"), nullable=False, unique=True),
    comment="The 101xx leaf holding the time and notice deposits placed from one centre account",
)

time_deposit = Table(
    "time_deposit",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("deposit_no", String(40), nullable=False, unique=True, comment="the bank's certificate no"),
    Column("bank_account_no", String(30), nullable=False),
    Column("kind", String(8), nullable=False, comment="time 定期 | notice 通知"),
    Column("principal_fen", Fen, nullable=False),
    Column("rate", String(12), nullable=False, comment="annual rate as agreed, e.g. 1.45 (%)"),
    Column("term_months", Integer, nullable=True),
    Column("placed_on", Date, nullable=False),
    Column("placed_voucher_no", String(19), nullable=False),
    Column("state", String(8), nullable=False),
    Column("drawn_on", Date, nullable=True),
    Column("interest_fen", Fen, nullable=True),
    Column("drawn_voucher_no", String(19), nullable=True),
    CheckConstraint("kind IN ('time', 'notice')", name="kind"),
    CheckConstraint("state IN ('placed', 'drawn')", name="state"),
    CheckConstraint("principal_fen > 0", name="principal_positive"),
    comment="Time and notice deposits (定期、通知存款) of the fund, placed and drawn from bank advices",
)
