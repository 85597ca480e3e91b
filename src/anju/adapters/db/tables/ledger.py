"""Ledger tables: chart, ledger accounts with floors, GL balances, vouchers, postings; the
business calendar and end-of-day runs. Plus the triggers that make vouchers and postings immutable
and (on PostgreSQL) refuse at commit a voucher whose postings do not balance.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

from anju.adapters.db.ddl import DialectDDL, register_ddl
from anju.adapters.db.schema import BigId, Fen, metadata

gl_account = Table(
    "gl_account",
    metadata,
    Column("code", String(19), primary_key=True, comment="科目编号 KMBH"),
    Column("name_zh", String(80), nullable=False, comment="科目名称 KMMC"),
    Column("name_en", String(120), nullable=False),
    Column("category", String(16), nullable=False, comment="asset|liability|net_assets|income|expense"),
    Column("normal_side", String(1), nullable=False, comment="科目余额方向 KMYEFX: D|C"),
    Column("parent_code", String(19), ForeignKey("gl_account.code"), nullable=True),
    Column("postable", Boolean, nullable=False),
    Column("subledger_kind", String(20), nullable=True),
    CheckConstraint("normal_side IN ('D', 'C')", name="side"),
    CheckConstraint("category IN ('asset', 'liability', 'net_assets', 'income', 'expense')", name="category"),
    comment="Chart of accounts (科目), seeded from anju.ledger.chart",
)

LEDGER_ACCOUNT_KINDS = "('gl', 'member_deposit', 'unit_suspense', 'loan', 'bank')"

ledger_account = Table(
    "ledger_account",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("account_no", String(19), nullable=False, unique=True, comment="LedgerAccountNo"),
    Column("gl_code", String(19), ForeignKey("gl_account.code"), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("owner_type", String(40), nullable=True, comment="member|unit|loan|centre_bank_account|..."),
    Column("owner_id", BigInteger, nullable=True),
    Column("branch_id", BigInteger, nullable=True, comment="distribution key; 管理部"),
    Column("floor_fen", Fen, nullable=True, comment="lowest allowed balance (normal side); NULL: none"),
    Column("balance_fen", Fen, nullable=False, server_default="0", comment="signed by normal side"),
    Column("opening_balance_fen", Fen, nullable=False, server_default="0"),
    Column("status", String(10), nullable=False, server_default="open"),
    Column("opened_on", Date, nullable=False),
    Column("closed_on", Date, nullable=True),
    # Deposit interest (积数法, domain/interest.py): the two buckets of the balance and a running
    # daily product per bucket, kept by the posting path. Only interest-bearing accounts (member
    # deposits) have accrued_through; the others keep zeros.
    Column("current_year_fen", Fen, nullable=False, server_default="0", comment="当年归集余额 GRZHDNGJYE"),
    Column("carried_fen", Fen, nullable=False, server_default="0", comment="上年结转余额 GRZHSNJZYE"),
    Column(
        "balance_days_current",
        BigInteger,
        nullable=False,
        server_default="0",
        comment="当年归集积数 fen·days",
    ),
    Column(
        "balance_days_carried",
        BigInteger,
        nullable=False,
        server_default="0",
        comment="上年结转积数 fen·days",
    ),
    Column(
        "accrued_through", Date, nullable=True, comment="first day not yet in the products; NULL: no interest"
    ),
    Column("interest_settled_on", Date, nullable=True, comment="30 June of the last annual settlement"),
    CheckConstraint("floor_fen IS NULL OR balance_fen >= floor_fen", name="floor"),
    CheckConstraint(
        "accrued_through IS NULL OR balance_fen = current_year_fen + carried_fen", name="interest_buckets"
    ),
    CheckConstraint("current_year_fen >= 0 AND carried_fen >= 0", name="interest_buckets_not_negative"),
    CheckConstraint(f"kind IN {LEDGER_ACCOUNT_KINDS}", name="kind"),
    CheckConstraint("status IN ('open', 'closed')", name="status"),
    # Target of posting's composite foreign key: a posting's gl_code is its account's gl_code.
    UniqueConstraint("id", "gl_code", name="uq_ledger_account_id_gl_code"),
    Index("ix_ledger_account_owner", "owner_type", "owner_id"),
    Index("ix_ledger_account_gl_code", "gl_code"),
    # A GL leaf without a many-account sub-ledger has exactly one ledger account.
    Index(
        "uq_ledger_account_single_per_gl",
        "gl_code",
        unique=True,
        sqlite_where=text("kind IN ('gl', 'bank')"),
        postgresql_where=text("kind IN ('gl', 'bank')"),
    ),
    comment="Ledger accounts (明细账户): balances with a CHECK floor, updated with every posting",
    # Room on each page keeps balance updates HOT (no index churn): every posting updates a row.
    postgresql_with={"fillfactor": 80},
)

gl_balance = Table(
    "gl_balance",
    metadata,
    Column("gl_code", String(19), ForeignKey("gl_account.code"), primary_key=True),
    Column("balance_fen", Fen, nullable=False, server_default="0", comment="Σ ledger account balances"),
    Column("debit_fen", Fen, nullable=False, server_default="0", comment="Σ debit postings"),
    Column("credit_fen", Fen, nullable=False, server_default="0", comment="Σ credit postings"),
    comment="General-ledger balance per postable code, kept in the posting transaction",
)

voucher = Table(
    "voucher",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("voucher_no", String(19), nullable=False, unique=True, comment="记账凭证号 JZPZH"),
    Column("source", String(40), nullable=False),
    Column("source_ref", String(128), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("business_date", Date, nullable=False, comment="记账日期 JZRQ"),
    Column("value_date", Date, nullable=False, comment="起息日"),
    Column("memo", String(255), nullable=False, comment="摘要 ZhaiYao"),
    Column("branch_id", BigInteger, nullable=True),
    Column("created_by", String(80), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("reverses_voucher_id", BigId, ForeignKey("voucher.id"), nullable=True, unique=True),
    Column("total_fen", Fen, nullable=False),
    Column("posting_count", Integer, nullable=False),
    UniqueConstraint("source", "source_ref"),
    CheckConstraint("total_fen > 0", name="total_positive"),
    CheckConstraint("posting_count >= 2", name="posting_count"),
    Index("ix_voucher_business_date", "business_date"),
    comment="Vouchers (记账凭证): immutable; corrected only by a linked reversal",
)

posting = Table(
    "posting",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("voucher_id", BigId, ForeignKey("voucher.id"), nullable=False),
    Column("line_no", Integer, nullable=False),
    Column("ledger_account_id", BigId, nullable=False),
    # No FK of its own to gl_account: the composite key below pins it to the account's code,
    # which references gl_account (one RI check per posting fewer on a 5,000-line voucher).
    Column("gl_code", String(19), nullable=False),
    Column("side", String(1), nullable=False),
    Column("amount_fen", Fen, nullable=False),
    Column("business_type", String(4), nullable=True, comment="业务类型 (GJHTQYWLX)"),
    Column("value_date", Date, nullable=False),
    # On a member deposit account: how the amount divides between the buckets (DNGJFSE /
    # SNJZFSE, unsigned parts of amount_fen), and any interest paid with it (FSLXE).
    Column("current_year_fen", Fen, nullable=True, comment="当年归集发生额 DNGJFSE"),
    Column("carried_fen", Fen, nullable=True, comment="上年结转发生额 SNJZFSE"),
    Column("interest_fen", Fen, nullable=True, comment="发生利息额 FSLXE"),
    ForeignKeyConstraint(
        ["ledger_account_id", "gl_code"],
        ["ledger_account.id", "ledger_account.gl_code"],
        name="fk_posting_ledger_account",
    ),
    UniqueConstraint("voucher_id", "line_no"),
    CheckConstraint("side IN ('D', 'C')", name="side"),
    CheckConstraint("amount_fen > 0", name="amount_positive"),
    CheckConstraint("line_no >= 1", name="line_no"),
    CheckConstraint(
        "(current_year_fen IS NULL AND carried_fen IS NULL) OR (current_year_fen >= 0 "
        "AND carried_fen >= 0 AND current_year_fen + carried_fen = amount_fen)",
        name="bucket_split",
    ),
    CheckConstraint("interest_fen IS NULL OR interest_fen >= 0", name="interest_not_negative"),
    Index("ix_posting_account", "ledger_account_id", "id"),
    comment="Postings (分录): immutable",
)

business_calendar = Table(
    "business_calendar",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("business_date", Date, nullable=False, comment="会计日期"),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("id = 1", name="single_row"),
    comment="The one business date of the centre; moved only by end of day",
)

eod_run = Table(
    "eod_run",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("business_date", Date, nullable=False),
    Column("step", String(60), nullable=False),
    Column("state", String(12), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("message", Text, nullable=True),
    UniqueConstraint("business_date", "step"),
    CheckConstraint("state IN ('running', 'done', 'failed')", name="state"),
    comment="End-of-day steps per business date: a rerun skips the ones done",
)


def _sqlite_immutable(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS trg_{table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'ledger_immutable: {table} rows cannot be changed'); END"
        for op in ("UPDATE", "DELETE")
    ]


_SQLITE = [
    *_sqlite_immutable("voucher"),
    *_sqlite_immutable("posting"),
    # A posting's line number must fall inside its voucher's declared line count, so no line can be
    # slipped into a voucher after the fact (its slots 1..posting_count are all taken).
    "CREATE TRIGGER IF NOT EXISTS trg_posting_line_in_voucher BEFORE INSERT ON posting "
    "WHEN NEW.line_no > (SELECT posting_count FROM voucher WHERE id = NEW.voucher_id) "
    "BEGIN SELECT RAISE(ABORT, 'posting_outside_voucher: line number beyond the voucher'); END",
]

_PG = [
    """
    CREATE OR REPLACE FUNCTION anju_ledger_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'ledger_immutable: % on % refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION anju_voucher_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        debit_fen bigint;
        credit_fen bigint;
        lines integer;
    BEGIN
        SELECT COALESCE(SUM(amount_fen) FILTER (WHERE side = 'D'), 0),
               COALESCE(SUM(amount_fen) FILTER (WHERE side = 'C'), 0),
               COUNT(*)
          INTO debit_fen, credit_fen, lines
          FROM posting WHERE voucher_id = NEW.id;
        IF lines < 2 OR debit_fen <> credit_fen OR lines <> NEW.posting_count
           OR debit_fen <> NEW.total_fen THEN
            RAISE EXCEPTION 'voucher_unbalanced: voucher % has % postings, debit %, credit %',
                NEW.voucher_no, lines, debit_fen, credit_fen
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION anju_posting_line_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM new_postings p JOIN voucher v ON v.id = p.voucher_id
                    WHERE p.line_no > v.posting_count) THEN
            RAISE EXCEPTION 'posting_outside_voucher: line number beyond the voucher'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END
    $$
    """,
    "DROP TRIGGER IF EXISTS trg_voucher_immutable ON voucher",
    "CREATE TRIGGER trg_voucher_immutable BEFORE UPDATE OR DELETE ON voucher "
    "FOR EACH STATEMENT EXECUTE FUNCTION anju_ledger_immutable()",
    "DROP TRIGGER IF EXISTS trg_voucher_no_truncate ON voucher",
    "CREATE TRIGGER trg_voucher_no_truncate BEFORE TRUNCATE ON voucher "
    "FOR EACH STATEMENT EXECUTE FUNCTION anju_ledger_immutable()",
    "DROP TRIGGER IF EXISTS trg_posting_immutable ON posting",
    "CREATE TRIGGER trg_posting_immutable BEFORE UPDATE OR DELETE ON posting "
    "FOR EACH STATEMENT EXECUTE FUNCTION anju_ledger_immutable()",
    "DROP TRIGGER IF EXISTS trg_posting_no_truncate ON posting",
    "CREATE TRIGGER trg_posting_no_truncate BEFORE TRUNCATE ON posting "
    "FOR EACH STATEMENT EXECUTE FUNCTION anju_ledger_immutable()",
    # Checked once per voucher at COMMIT (not per posting: a 5,000-line remittance stays linear).
    "DROP TRIGGER IF EXISTS trg_voucher_balanced ON voucher",
    "CREATE CONSTRAINT TRIGGER trg_voucher_balanced AFTER INSERT ON voucher "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION anju_voucher_balanced()",
    "DROP TRIGGER IF EXISTS trg_posting_line_guard ON posting",
    "CREATE TRIGGER trg_posting_line_guard AFTER INSERT ON posting "
    "REFERENCING NEW TABLE AS new_postings FOR EACH STATEMENT "
    "EXECUTE FUNCTION anju_posting_line_guard()",
]

register_ddl(DialectDDL(name="ledger", sqlite=_SQLITE, postgresql=_PG))
