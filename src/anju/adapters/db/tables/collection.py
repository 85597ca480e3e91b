"""Collection (归集) master data: units, persons, their accounts, employment history, and the
generic case (办件) every capability opens.

Field names follow JGJ/T 320 tables 4.0.2 (单位基本信息), 4.0.3 (个人基本信息), 5.0.2/5.0.3
(单位/个人账户信息). Personal data is never stored in plaintext: `<kind>_enc` holds the SM4
ciphertext and `<kind>_idx` the HMAC-SM3 blind index (anju.adapters.crypto.fields.seal).
Contribution amounts are stored, never derived later: a policy change must not silently rewrite
what a unit was billed.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Table,
)

from anju.adapters.db.schema import BigId, Fen, metadata

# DWZHZT 单位账户状态
UNIT_STATUSES = ("01", "02", "03", "04", "05")
# GRZHZT 个人账户状态
MEMBER_ACCOUNT_STATUSES = ("01", "02", "03", "04", "05", "06", "99")
CASE_STATES = ("accepted", "reviewed", "approved", "done", "returned", "refused")

unit = Table(
    "unit",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("unit_account_no", String(20), nullable=False, unique=True, comment="单位账号 DWZH"),
    Column("name", String(200), nullable=False, comment="单位名称 DWMC"),
    Column("credit_code", String(18), nullable=False, unique=True, comment="统一社会信用代码 TYSHXYDM"),
    Column("economic_type", String(3), nullable=False, comment="单位经济类型 DWJJLX GB/T 12402"),
    Column("industry", String(4), nullable=False, comment="单位所属行业 DWSSHY GB/T 4754"),
    Column("subordination", String(2), nullable=True, comment="单位隶属关系 DWLSGX GB/T 12404"),
    Column("address", String(200), nullable=False, comment="单位地址 DWDZ"),
    Column("postcode", String(6), nullable=True, comment="单位邮编 DWYB"),
    Column("email", String(120), nullable=True, comment="单位电子信箱 DWDZXX"),
    Column("legal_rep_name", String(60), nullable=True, comment="单位法人代表姓名 DWFRDBXM"),
    Column("handler_name", String(60), nullable=False, comment="经办人姓名 JBRXM"),
    Column("handler_phone_enc", LargeBinary, nullable=True, comment="经办人手机号码 JBRSJHM, SM4"),
    Column("handler_phone_idx", String(64), nullable=True),
    Column("bank_id", BigId, ForeignKey("entrusted_bank.id"), nullable=False, comment="受托银行"),
    Column(
        "collection_account_id",
        BigId,
        ForeignKey("centre_bank_account.id"),
        nullable=False,
        comment="归集专户",
    ),
    Column("branch_id", BigId, ForeignKey("branch.id"), nullable=False, comment="管理部"),
    Column("unit_ratio", Numeric(5, 4), nullable=False, comment="单位缴存比例 DWJCBL"),
    Column("member_ratio", Numeric(5, 4), nullable=False, comment="个人缴存比例 GRJCBL"),
    Column("payday", Integer, nullable=False, comment="单位发薪日 DWFXR"),
    Column("status", String(2), nullable=False, comment="单位账户状态 DWZHZT"),
    Column("established_on", Date, nullable=True, comment="单位设立日期 DWSLRQ"),
    Column("opened_on", Date, nullable=False, comment="单位开户日期 DWKHRQ"),
    Column("closed_on", Date, nullable=True, comment="单位销户日期 DWXHRQ"),
    Column("close_reason", String(2), nullable=True, comment="单位销户原因 DWXHYY"),
    Column("paid_up_to", String(6), nullable=True, comment="缴至年月 YYYYMM"),
    Column("suspense_account_no", String(30), nullable=False, comment="暂收款明细账户 (GL 21901)"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint(f"status IN {UNIT_STATUSES!r}", name="status"),
    CheckConstraint("payday BETWEEN 1 AND 28", name="payday"),
    CheckConstraint("unit_ratio > 0 AND unit_ratio < 1", name="unit_ratio"),
    CheckConstraint("member_ratio > 0 AND member_ratio < 1", name="member_ratio"),
    Index("ix_unit_branch_id_status", "branch_id", "status"),
    Index("ix_unit_name", "name"),
    comment="Units (单位) contributing for their employees, with their unit account (单位账户)",
)

member = Table(
    "member",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("resident_id_enc", LargeBinary, nullable=False, comment="证件号码 ZJHM, SM4"),
    Column("resident_id_idx", String(64), nullable=False, unique=True, comment="HMAC-SM3 blind index"),
    Column("id_type", String(2), nullable=False, server_default="01", comment="证件类型 ZJLX"),
    Column("name", String(60), nullable=False, comment="姓名 XINGMING"),
    Column("gender", String(1), nullable=False, comment="性别 XINGBIE GB/T 2261.1"),
    Column("birth_date", Date, nullable=False, comment="出生年月 CSNY"),
    Column("phone_enc", LargeBinary, nullable=True, comment="手机号码 SJHM, SM4"),
    Column("phone_idx", String(64), nullable=True, index=True),
    Column("marital_status", String(2), nullable=True, comment="婚姻状况 HYZK GB/T 2261.2"),
    Column("address", String(200), nullable=True, comment="家庭住址 JTZZ"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("gender IN ('0', '1', '2', '9')", name="gender"),
    Index("ix_member_name", "name"),
    comment="Persons (个人) who hold or held a member account; one row per person",
)

member_account = Table(
    "member_account",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("account_no", String(20), nullable=False, unique=True, comment="个人账号 GRZH"),
    Column(
        "member_id",
        BigId,
        ForeignKey("member.id"),
        nullable=False,
        unique=True,
        comment="one account per person for life",
    ),
    Column("ledger_account_no", String(30), nullable=False, unique=True, comment="GL 201 sub-account"),
    Column(
        "unit_id", BigId, ForeignKey("unit.id"), nullable=True, comment="current unit; last unit if sealed"
    ),
    Column("branch_id", BigId, ForeignKey("branch.id"), nullable=False),
    Column("status", String(2), nullable=False, comment="个人账户状态 GRZHZT"),
    Column("status_before_freeze", String(2), nullable=True),
    Column("freeze_document", String(100), nullable=True, comment="冻结法律文书号"),
    Column("wage_base_fen", Fen, nullable=False, comment="缴存基数 GRJCJS (clamped)"),
    Column("unit_monthly_fen", Fen, nullable=False, comment="单位月缴存额 DWYJCE"),
    Column("member_monthly_fen", Fen, nullable=False, comment="个人月缴存额 GRYJCE"),
    Column("opened_on", Date, nullable=False, comment="开户日期 KHRQ"),
    Column("closed_on", Date, nullable=True, comment="销户日期 XHRQ"),
    Column("close_reason", String(2), nullable=True, comment="销户原因 XHYY"),
    Column("paid_up_to", String(6), nullable=True, comment="缴至年月 YYYYMM"),
    Column("bank_card_enc", LargeBinary, nullable=True, comment="个人银行卡号, SM4"),
    Column("bank_card_idx", String(64), nullable=True),
    Column("bank_code", String(3), nullable=True, comment="银行代码 YHDM"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint(f"status IN {MEMBER_ACCOUNT_STATUSES!r}", name="status"),
    CheckConstraint(
        "wage_base_fen >= 0 AND unit_monthly_fen >= 0 AND member_monthly_fen >= 0", name="amounts"
    ),
    Index("ix_member_account_unit_id_status", "unit_id", "status"),
    Index("ix_member_account_branch_id", "branch_id"),
    comment="Member accounts (个人账户): one per person for life, reused across units",
)

employment = Table(
    "employment",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("member_account_id", BigId, ForeignKey("member_account.id"), nullable=False),
    Column("unit_id", BigId, ForeignKey("unit.id"), nullable=False),
    Column("started_on", Date, nullable=False),
    Column("ended_on", Date, nullable=True),
    Column("start_event", String(16), nullable=False),
    Column("end_event", String(16), nullable=True),
    CheckConstraint("start_event IN ('open', 'transfer_in', 'unseal')", name="start_event"),
    CheckConstraint("end_event IS NULL OR end_event IN ('seal', 'transfer_out', 'close')", name="end_event"),
    Index("ix_employment_member_account_id", "member_account_id"),
    Index("ix_employment_unit_id", "unit_id"),
    comment="Which unit a member account contributed through, and when (在职/封存/转移 history)",
)

service_case = Table(
    "service_case",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("case_no", String(24), nullable=False, unique=True, comment="办件编号"),
    Column("kind", String(40), nullable=False),
    Column("channel", String(20), nullable=False, comment="渠道"),
    Column("state", String(12), nullable=False),
    Column("subject_type", String(30), nullable=False),
    Column("subject_ref", String(40), nullable=False),
    Column("branch_id", BigId, ForeignKey("branch.id"), nullable=True),
    Column("applicant", String(120), nullable=True, comment="申请人 (masked if a person)"),
    Column("maker", String(80), nullable=False, comment="受理人"),
    Column("checker", String(80), nullable=True, comment="审核人"),
    Column("approver", String(80), nullable=True, comment="审批人"),
    Column("second_approver", String(80), nullable=True, comment="复核审批人"),
    Column("amount_fen", Fen, nullable=True),
    Column("summary", String(400), nullable=False),
    Column("reason", String(400), nullable=True, comment="退回/拒绝原因"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("rating", Integer, nullable=True, comment="好差评 1-5"),
    Column("rating_comment", String(400), nullable=True),
    Column("rated_at", DateTime(timezone=True), nullable=True),
    CheckConstraint(f"state IN {CASE_STATES!r}", name="state"),
    CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating"),
    Index("ix_service_case_subject", "subject_type", "subject_ref"),
    Index("ix_service_case_branch_id_state", "branch_id", "state"),
    Index("ix_service_case_kind", "kind"),
    Index("ix_service_case_created_at", "created_at"),
    comment="Cases (办件): every business request, its workflow state, maker/checker/approver, rating",
)

service_case_event = Table(
    "service_case_event",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("case_id", BigId, ForeignKey("service_case.id"), nullable=False),
    Column("action", String(20), nullable=False, comment="accept|review|approve|second_approve|..."),
    Column("from_state", String(12), nullable=True),
    Column("to_state", String(12), nullable=False),
    Column("actor", String(80), nullable=False),
    Column("reason", String(400), nullable=True),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Index("ix_service_case_event_case_id", "case_id"),
    comment="State history of a case (办件流转记录): who moved it, from what to what, and why",
)
