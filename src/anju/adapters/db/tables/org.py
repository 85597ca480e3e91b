"""Organisation (机构): the centre, its branches (管理部), entrusted banks and special accounts.

Small reference tables read on almost every request and changed a few times a year. A centre
bank account (专户, JGJ/T 320 table 9.0.3) is linked to its ledger account (the 101xx or 102 leaf
the ledger opens for it) by `ledger_account_no`, so the bank journal and the books meet.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    text,
)

from anju.adapters.db.schema import BigId, metadata

CENTRE_BANK_ACCOUNT_PURPOSES = ("collection", "loan", "value_added_income", "settlement")

centre = Table(
    "centre",
    metadata,
    Column("id", Integer, primary_key=True, comment="always 1: one centre per installation"),
    Column(
        "code", String(6), nullable=False, comment="机构代码: 6 digits, usually the city's GB/T 2260 code"
    ),
    Column("name", String(100), nullable=False),
    Column("region_code", String(6), nullable=False, comment="行政区划代码 GB/T 2260"),
    Column("address", String(200), nullable=False, server_default=""),
    Column("phone", String(40), nullable=False, server_default=""),
    CheckConstraint("id = 1", name="single_row"),
    comment="The HPF management centre (住房公积金管理中心) this installation serves",
)

branch = Table(
    "branch",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("code", String(20), nullable=False, unique=True, comment="管理部编码"),
    Column("name", String(100), nullable=False),
    Column("address", String(200), nullable=False, server_default=""),
    Column("phone", String(40), nullable=False, server_default=""),
    Column("status", String(10), nullable=False, server_default="active"),
    Column("is_head_office", Boolean, nullable=False, server_default=text("false")),
    CheckConstraint("status IN ('active', 'closed')", name="status"),
    # One head office (中心本部) at most.
    Index(
        "uq_branch_head_office",
        "is_head_office",
        unique=True,
        sqlite_where=text("is_head_office"),
        postgresql_where=text("is_head_office"),
    ),
    comment="Branches (管理部 / 分中心) of the centre; one set of books for all (条例第十条)",
)

entrusted_bank = Table(
    "entrusted_bank",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("code", String(3), nullable=False, unique=True, comment="银行代码 YHDM: CNAPS bank category"),
    Column("name", String(100), nullable=False, comment="银行名称 YHMC"),
    Column("node_no", String(20), nullable=False, server_default="", comment="settlement-platform node"),
    Column("status", String(10), nullable=False, server_default="active"),
    CheckConstraint("status IN ('active', 'closed')", name="status"),
    comment="Entrusted banks (受托银行) the centre deposits with and settles through",
)

centre_bank_account = Table(
    "centre_bank_account",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("bank_id", BigId, ForeignKey("entrusted_bank.id"), nullable=False),
    Column("branch_id", BigId, ForeignKey("branch.id"), nullable=True),
    Column("account_no", String(30), nullable=False, unique=True, comment="银行专户号码 YHZHHM"),
    Column("account_name", String(255), nullable=False, comment="银行专户名称 YHZHMC"),
    Column("purpose", String(24), nullable=False, comment="专户性质 ZHXZ"),
    Column("gl_code", String(19), nullable=False, comment="科目编号 KMBH: 101xx or 102"),
    Column(
        "ledger_account_no", String(20), nullable=True, comment="LedgerAccountNo of the 101xx/102 account"
    ),
    Column("opened_on", Date, nullable=False, comment="开户日期 KHRQ"),
    Column("closed_on", Date, nullable=True, comment="销户日期 XHRQ"),
    Column("status", String(10), nullable=False, server_default="active"),
    CheckConstraint(f"purpose IN {CENTRE_BANK_ACCOUNT_PURPOSES!r}", name="purpose"),
    CheckConstraint("status IN ('active', 'closed')", name="status"),
    comment="The centre's special accounts (专户) at entrusted banks (JGJ/T 320 table 9.0.3)",
)
