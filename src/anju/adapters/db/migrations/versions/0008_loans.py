"""Housing loans (个人住房贷款): developers, projects, buildings, loans, parties, schedules, detail.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "loan_developer",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("code", sa.String(length=20), nullable=False, comment="开发商编号"),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False, comment="统一社会信用代码"),
        sa.Column(
            "status", sa.String(length=12), nullable=False, comment="admitted | suspended (准入 / 暂停)"
        ),
        sa.Column("guarantee_terms", sa.String(length=400), nullable=False, comment="阶段性担保条款"),
        sa.Column("branch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branch.id"], name=op.f("fk_loan_developer_branch_id_branch")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_developer")),
        sa.UniqueConstraint("code", name=op.f("uq_loan_developer_code")),
        comment="开发商 admitted for cooperation (准入)",
    )
    op.create_table(
        "loan_project",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("developer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False, comment="楼盘名称"),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("presale_permit", sa.String(length=60), nullable=False, comment="商品房预售许可证号"),
        sa.Column("planning_permit", sa.String(length=60), nullable=False, comment="建设工程规划许可证号"),
        sa.Column("construction_permit", sa.String(length=60), nullable=False, comment="施工许可证号"),
        sa.Column("land_use_permit", sa.String(length=60), nullable=False, comment="国有土地使用证号"),
        sa.Column("guarantee_terms", sa.String(length=400), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["developer_id"], ["loan_developer.id"], name=op.f("fk_loan_project_developer_id_loan_developer")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_project")),
        sa.UniqueConstraint("developer_id", "name", name=op.f("uq_loan_project_developer_id_name")),
        comment="楼盘 of an admitted developer, with its permits",
    )
    op.create_table(
        "loan_building",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("project_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False, comment="楼栋号"),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["loan_project.id"], name=op.f("fk_loan_building_project_id_loan_project")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_building")),
        sa.UniqueConstraint("project_id", "name", name=op.f("uq_loan_building_project_id_name")),
        comment="Buildings (楼栋) of a project admitted for loans",
    )
    op.create_table(
        "loan",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("loan_no", sa.String(length=20), nullable=False, comment="贷款编号 (申请编号)"),
        sa.Column("case_no", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("branch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("borrower_account_no", sa.String(length=20), nullable=False, comment="借款人个人账号"),
        sa.Column("borrower_member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "co_borrower_account_no",
            sa.String(length=20),
            nullable=True,
            comment="共同借款人（配偶）个人账号",
        ),
        sa.Column(
            "co_borrower_member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "house_kind", sa.String(length=12), nullable=False, comment="new 新房 | second_hand 二手房"
        ),
        sa.Column("project_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("building_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("house_address", sa.String(length=200), nullable=False),
        sa.Column("house_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("appraisal_fen", sa.BigInteger(), nullable=True, comment="评估价 (二手房)"),
        sa.Column("down_payment_fen", sa.BigInteger(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("first_home", sa.Boolean(), nullable=False),
        sa.Column("annual_rate", sa.Numeric(precision=8, scale=6), nullable=False),
        sa.Column("limit_fen", sa.BigInteger(), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False, comment="JSON: figures, checks and their sources"),
        sa.Column("seller_name", sa.String(length=60), nullable=False),
        sa.Column("seller_account_no", sa.String(length=32), nullable=False),
        sa.Column("seller_bank_code", sa.String(length=12), nullable=False),
        sa.Column("repayment_account_no", sa.String(length=32), nullable=False, comment="还款银行账号"),
        sa.Column(
            "offset_agreement", sa.Boolean(), server_default=sa.false(), nullable=False, comment="冲还贷协议"
        ),
        sa.Column("commercial_bank", sa.String(length=60), nullable=True),
        sa.Column("commercial_amount_fen", sa.BigInteger(), nullable=True),
        sa.Column("commercial_rate", sa.Numeric(precision=8, scale=6), nullable=True),
        sa.Column("commercial_term_months", sa.Integer(), nullable=True, comment="组合贷款商业贷款期限"),
        sa.Column("contract_no", sa.String(length=30), nullable=True),
        sa.Column("contract_signed_on", sa.Date(), nullable=True),
        sa.Column("mortgage_no", sa.String(length=60), nullable=True, comment="不动产登记证明号"),
        sa.Column("mortgage_registered_on", sa.Date(), nullable=True),
        sa.Column("certificates", sa.String(length=400), nullable=True, comment="权证保管"),
        sa.Column("ledger_account_no", sa.String(length=20), nullable=True),
        sa.Column("overdue_account_no", sa.String(length=20), nullable=True, comment="逾期贷款分户 (122)"),
        sa.Column("disbursement_e2e_id", sa.String(length=40), nullable=True),
        sa.Column("disbursed_on", sa.Date(), nullable=True),
        sa.Column("repayment_day", sa.Integer(), nullable=True),
        sa.Column(
            "level_fen",
            sa.BigInteger(),
            nullable=True,
            comment="月供 (等额本息) or monthly principal (等额本金) in force",
        ),
        sa.Column("risk_tier", sa.String(length=20), nullable=False, comment="五级分类"),
        sa.Column("days_past_due", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("settled_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_loan_amount_positive")),
        sa.ForeignKeyConstraint(["branch_id"], ["branch.id"], name=op.f("fk_loan_branch_id_branch")),
        sa.ForeignKeyConstraint(
            ["building_id"], ["loan_building.id"], name=op.f("fk_loan_building_id_loan_building")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["loan_project.id"], name=op.f("fk_loan_project_id_loan_project")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan")),
        sa.UniqueConstraint("case_no", name=op.f("uq_loan_case_no")),
        sa.UniqueConstraint("contract_no", name=op.f("uq_loan_contract_no")),
        sa.UniqueConstraint("ledger_account_no", name=op.f("uq_loan_ledger_account_no")),
        sa.UniqueConstraint("loan_no", name=op.f("uq_loan_loan_no")),
        sa.UniqueConstraint("overdue_account_no", name=op.f("uq_loan_overdue_account_no")),
        comment="Housing loans from application (受理) to settlement (结清)",
    )
    op.create_index("ix_loan_borrower_member_id", "loan", ["borrower_member_id"], unique=False)
    op.create_index("ix_loan_state", "loan", ["state"], unique=False)
    op.create_table(
        "loan_party",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("loan_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False, comment="borrower | co_borrower"),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["loan_id"], ["loan.id"], name=op.f("fk_loan_party_loan_id_loan")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_party")),
        comment="Persons bound by a loan; at most one active loan per person (C4)",
    )
    op.create_index("ix_loan_party_loan_id", "loan_party", ["loan_id"], unique=False)
    op.create_index(
        "uq_loan_party_active_member",
        "loan_party",
        ["member_id"],
        unique=True,
        sqlite_where=sa.text("active"),
        postgresql_where=sa.text("active"),
    )
    op.create_table(
        "loan_instalment",
        sa.Column("loan_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("instalment_no", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("annual_rate", sa.Numeric(precision=8, scale=6), nullable=False),
        sa.Column("opening_fen", sa.BigInteger(), nullable=False),
        sa.Column("principal_fen", sa.BigInteger(), nullable=False),
        sa.Column("interest_fen", sa.BigInteger(), nullable=False),
        sa.Column("closing_fen", sa.BigInteger(), nullable=False),
        sa.Column("interest_days", sa.Integer(), nullable=True),
        sa.Column("paid_principal_fen", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("paid_interest_fen", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("paid_penalty_fen", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "overdue_fen",
            sa.BigInteger(),
            server_default=sa.text("0"),
            nullable=False,
            comment="principal held in 122",
        ),
        sa.Column("settled_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["loan_id"], ["loan.id"], name=op.f("fk_loan_instalment_loan_id_loan")),
        sa.PrimaryKeyConstraint("loan_id", "instalment_no", name=op.f("pk_loan_instalment")),
        comment="The schedule in force (还款计划) and what was received per instalment",
    )
    op.create_index("ix_loan_instalment_due_date", "loan_instalment", ["due_date"], unique=False)
    op.create_table(
        "loan_txn",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("loan_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("txn_type", sa.String(length=2), nullable=False, comment="贷款业务明细类型 DKYWMXLX"),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("principal_fen", sa.BigInteger(), nullable=False),
        sa.Column("interest_fen", sa.BigInteger(), nullable=False),
        sa.Column("penalty_fen", sa.BigInteger(), nullable=False),
        sa.Column("voucher_no", sa.String(length=30), nullable=True),
        sa.Column("source_ref", sa.String(length=128), nullable=False),
        sa.Column("memo", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["loan_id"], ["loan.id"], name=op.f("fk_loan_txn_loan_id_loan")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_txn")),
        sa.UniqueConstraint("loan_id", "source_ref", name=op.f("uq_loan_txn_loan_id_source_ref")),
        comment="贷款业务明细: disbursement, repayments, prepayments, repricing, write-off",
    )


def downgrade() -> None:
    op.drop_table("loan_txn")
    op.drop_table("loan_instalment")
    op.drop_table("loan_party")
    op.drop_table("loan")
    op.drop_table("loan_building")
    op.drop_table("loan_project")
    op.drop_table("loan_developer")
