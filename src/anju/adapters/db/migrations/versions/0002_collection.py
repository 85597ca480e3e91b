"""Collection master data: unit, member, member_account, employment, service_case (+ its events).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("resident_id_enc", sa.LargeBinary(), nullable=False, comment="证件号码 ZJHM, SM4"),
        sa.Column("resident_id_idx", sa.String(length=64), nullable=False, comment="HMAC-SM3 blind index"),
        sa.Column(
            "id_type", sa.String(length=2), server_default="01", nullable=False, comment="证件类型 ZJLX"
        ),
        sa.Column("name", sa.String(length=60), nullable=False, comment="姓名 XINGMING"),
        sa.Column("gender", sa.String(length=1), nullable=False, comment="性别 XINGBIE GB/T 2261.1"),
        sa.Column("birth_date", sa.Date(), nullable=False, comment="出生年月 CSNY"),
        sa.Column("phone_enc", sa.LargeBinary(), nullable=True, comment="手机号码 SJHM, SM4"),
        sa.Column("phone_idx", sa.String(length=64), nullable=True),
        sa.Column("marital_status", sa.String(length=2), nullable=True, comment="婚姻状况 HYZK GB/T 2261.2"),
        sa.Column("address", sa.String(length=200), nullable=True, comment="家庭住址 JTZZ"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("gender IN ('0', '1', '2', '9')", name=op.f("ck_member_gender")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member")),
        sa.UniqueConstraint("resident_id_idx", name=op.f("uq_member_resident_id_idx")),
        comment="Persons (个人) who hold or held a member account; one row per person",
    )
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.create_index("ix_member_name", ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_member_phone_idx"), ["phone_idx"], unique=False)

    op.create_table(
        "service_case",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("case_no", sa.String(length=24), nullable=False, comment="办件编号"),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False, comment="渠道"),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("subject_type", sa.String(length=30), nullable=False),
        sa.Column("subject_ref", sa.String(length=40), nullable=False),
        sa.Column("branch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("applicant", sa.String(length=120), nullable=True, comment="申请人 (masked if a person)"),
        sa.Column("maker", sa.String(length=80), nullable=False, comment="受理人"),
        sa.Column("checker", sa.String(length=80), nullable=True, comment="审核人"),
        sa.Column("approver", sa.String(length=80), nullable=True, comment="审批人"),
        sa.Column("second_approver", sa.String(length=80), nullable=True, comment="复核审批人"),
        sa.Column("amount_fen", sa.BigInteger(), nullable=True),
        sa.Column("summary", sa.String(length=400), nullable=False),
        sa.Column("reason", sa.String(length=400), nullable=True, comment="退回/拒绝原因"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True, comment="好差评 1-5"),
        sa.Column("rating_comment", sa.String(length=400), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('accepted', 'reviewed', 'approved', 'done', 'returned', 'refused')",
            name=op.f("ck_service_case_state"),
        ),
        sa.CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name=op.f("ck_service_case_rating")),
        sa.ForeignKeyConstraint(["branch_id"], ["branch.id"], name=op.f("fk_service_case_branch_id_branch")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_case")),
        sa.UniqueConstraint("case_no", name=op.f("uq_service_case_case_no")),
        comment="Cases (办件): every business request, its workflow state, maker/checker/approver, rating",
    )
    with op.batch_alter_table("service_case", schema=None) as batch_op:
        batch_op.create_index("ix_service_case_branch_id_state", ["branch_id", "state"], unique=False)
        batch_op.create_index("ix_service_case_created_at", ["created_at"], unique=False)
        batch_op.create_index("ix_service_case_kind", ["kind"], unique=False)
        batch_op.create_index("ix_service_case_subject", ["subject_type", "subject_ref"], unique=False)

    op.create_table(
        "service_case_event",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "action", sa.String(length=20), nullable=False, comment="accept|review|approve|second_approve|..."
        ),
        sa.Column("from_state", sa.String(length=12), nullable=True),
        sa.Column("to_state", sa.String(length=12), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("reason", sa.String(length=400), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["service_case.id"], name=op.f("fk_service_case_event_case_id_service_case")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_case_event")),
        comment="State history of a case (办件流转记录): who moved it, from what to what, and why",
    )
    with op.batch_alter_table("service_case_event", schema=None) as batch_op:
        batch_op.create_index("ix_service_case_event_case_id", ["case_id"], unique=False)

    op.create_table(
        "unit",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("unit_account_no", sa.String(length=20), nullable=False, comment="单位账号 DWZH"),
        sa.Column("name", sa.String(length=200), nullable=False, comment="单位名称 DWMC"),
        sa.Column("credit_code", sa.String(length=18), nullable=False, comment="统一社会信用代码 TYSHXYDM"),
        sa.Column(
            "economic_type", sa.String(length=3), nullable=False, comment="单位经济类型 DWJJLX GB/T 12402"
        ),
        sa.Column("industry", sa.String(length=4), nullable=False, comment="单位所属行业 DWSSHY GB/T 4754"),
        sa.Column(
            "subordination", sa.String(length=2), nullable=True, comment="单位隶属关系 DWLSGX GB/T 12404"
        ),
        sa.Column("address", sa.String(length=200), nullable=False, comment="单位地址 DWDZ"),
        sa.Column("postcode", sa.String(length=6), nullable=True, comment="单位邮编 DWYB"),
        sa.Column("email", sa.String(length=120), nullable=True, comment="单位电子信箱 DWDZXX"),
        sa.Column("legal_rep_name", sa.String(length=60), nullable=True, comment="单位法人代表姓名 DWFRDBXM"),
        sa.Column("handler_name", sa.String(length=60), nullable=False, comment="经办人姓名 JBRXM"),
        sa.Column(
            "handler_phone_enc", sa.LargeBinary(), nullable=True, comment="经办人手机号码 JBRSJHM, SM4"
        ),
        sa.Column("handler_phone_idx", sa.String(length=64), nullable=True),
        sa.Column(
            "bank_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
            comment="受托银行",
        ),
        sa.Column(
            "collection_account_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
            comment="归集专户",
        ),
        sa.Column(
            "branch_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
            comment="管理部",
        ),
        sa.Column(
            "unit_ratio", sa.Numeric(precision=5, scale=4), nullable=False, comment="单位缴存比例 DWJCBL"
        ),
        sa.Column(
            "member_ratio", sa.Numeric(precision=5, scale=4), nullable=False, comment="个人缴存比例 GRJCBL"
        ),
        sa.Column("payday", sa.Integer(), nullable=False, comment="单位发薪日 DWFXR"),
        sa.Column("status", sa.String(length=2), nullable=False, comment="单位账户状态 DWZHZT"),
        sa.Column("established_on", sa.Date(), nullable=True, comment="单位设立日期 DWSLRQ"),
        sa.Column("opened_on", sa.Date(), nullable=False, comment="单位开户日期 DWKHRQ"),
        sa.Column("closed_on", sa.Date(), nullable=True, comment="单位销户日期 DWXHRQ"),
        sa.Column("close_reason", sa.String(length=2), nullable=True, comment="单位销户原因 DWXHYY"),
        sa.Column("paid_up_to", sa.String(length=6), nullable=True, comment="缴至年月 YYYYMM"),
        sa.Column(
            "suspense_account_no", sa.String(length=30), nullable=False, comment="暂收款明细账户 (GL 21901)"
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('01', '02', '03', '04', '05')", name=op.f("ck_unit_status")),
        sa.CheckConstraint("member_ratio > 0 AND member_ratio < 1", name=op.f("ck_unit_member_ratio")),
        sa.CheckConstraint("payday BETWEEN 1 AND 28", name=op.f("ck_unit_payday")),
        sa.CheckConstraint("unit_ratio > 0 AND unit_ratio < 1", name=op.f("ck_unit_unit_ratio")),
        sa.ForeignKeyConstraint(
            ["bank_id"], ["entrusted_bank.id"], name=op.f("fk_unit_bank_id_entrusted_bank")
        ),
        sa.ForeignKeyConstraint(["branch_id"], ["branch.id"], name=op.f("fk_unit_branch_id_branch")),
        sa.ForeignKeyConstraint(
            ["collection_account_id"],
            ["centre_bank_account.id"],
            name=op.f("fk_unit_collection_account_id_centre_bank_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_unit_credit_code")),
        sa.UniqueConstraint("unit_account_no", name=op.f("uq_unit_unit_account_no")),
        comment="Units (单位) contributing for their employees, with their unit account (单位账户)",
    )
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.create_index("ix_unit_branch_id_status", ["branch_id", "status"], unique=False)
        batch_op.create_index("ix_unit_name", ["name"], unique=False)

    op.create_table(
        "member_account",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("account_no", sa.String(length=20), nullable=False, comment="个人账号 GRZH"),
        sa.Column(
            "member_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
            comment="one account per person for life",
        ),
        sa.Column("ledger_account_no", sa.String(length=30), nullable=False, comment="GL 201 sub-account"),
        sa.Column(
            "unit_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
            comment="current unit; last unit if sealed",
        ),
        sa.Column("branch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=2), nullable=False, comment="个人账户状态 GRZHZT"),
        sa.Column("status_before_freeze", sa.String(length=2), nullable=True),
        sa.Column("freeze_document", sa.String(length=100), nullable=True, comment="冻结法律文书号"),
        sa.Column("wage_base_fen", sa.BigInteger(), nullable=False, comment="缴存基数 GRJCJS (clamped)"),
        sa.Column("unit_monthly_fen", sa.BigInteger(), nullable=False, comment="单位月缴存额 DWYJCE"),
        sa.Column("member_monthly_fen", sa.BigInteger(), nullable=False, comment="个人月缴存额 GRYJCE"),
        sa.Column("opened_on", sa.Date(), nullable=False, comment="开户日期 KHRQ"),
        sa.Column("closed_on", sa.Date(), nullable=True, comment="销户日期 XHRQ"),
        sa.Column("close_reason", sa.String(length=2), nullable=True, comment="销户原因 XHYY"),
        sa.Column("paid_up_to", sa.String(length=6), nullable=True, comment="缴至年月 YYYYMM"),
        sa.Column("bank_card_enc", sa.LargeBinary(), nullable=True, comment="个人银行卡号, SM4"),
        sa.Column("bank_card_idx", sa.String(length=64), nullable=True),
        sa.Column("bank_code", sa.String(length=3), nullable=True, comment="银行代码 YHDM"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('01', '02', '03', '04', '05', '06', '99')", name=op.f("ck_member_account_status")
        ),
        sa.CheckConstraint(
            "wage_base_fen >= 0 AND unit_monthly_fen >= 0 AND member_monthly_fen >= 0",
            name=op.f("ck_member_account_amounts"),
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branch.id"], name=op.f("fk_member_account_branch_id_branch")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_member_account_member_id_member")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_member_account_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_account")),
        sa.UniqueConstraint("account_no", name=op.f("uq_member_account_account_no")),
        sa.UniqueConstraint("ledger_account_no", name=op.f("uq_member_account_ledger_account_no")),
        sa.UniqueConstraint("member_id", name=op.f("uq_member_account_member_id")),
        comment="Member accounts (个人账户): one per person for life, reused across units",
    )
    with op.batch_alter_table("member_account", schema=None) as batch_op:
        batch_op.create_index("ix_member_account_branch_id", ["branch_id"], unique=False)
        batch_op.create_index("ix_member_account_unit_id_status", ["unit_id", "status"], unique=False)

    op.create_table(
        "employment",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("member_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("unit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("start_event", sa.String(length=16), nullable=False),
        sa.Column("end_event", sa.String(length=16), nullable=True),
        sa.CheckConstraint(
            "end_event IS NULL OR end_event IN ('seal', 'transfer_out', 'close')",
            name=op.f("ck_employment_end_event"),
        ),
        sa.CheckConstraint(
            "start_event IN ('open', 'transfer_in', 'unseal')", name=op.f("ck_employment_start_event")
        ),
        sa.ForeignKeyConstraint(
            ["member_account_id"],
            ["member_account.id"],
            name=op.f("fk_employment_member_account_id_member_account"),
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_employment_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employment")),
        comment="Which unit a member account contributed through, and when (在职/封存/转移 history)",
    )
    with op.batch_alter_table("employment", schema=None) as batch_op:
        batch_op.create_index("ix_employment_member_account_id", ["member_account_id"], unique=False)
        batch_op.create_index("ix_employment_unit_id", ["unit_id"], unique=False)


def downgrade() -> None:
    for name in ("service_case_event", "employment", "member_account", "service_case", "unit", "member"):
        op.drop_table(name)
