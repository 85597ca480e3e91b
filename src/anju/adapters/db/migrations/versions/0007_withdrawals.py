"""Withdrawals (提取): applications, blacklist, recurring agreements, data-sharing consents and look-ups.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "withdrawal",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("withdrawal_no", sa.String(length=24), nullable=False, comment="提取业务编号"),
        sa.Column("case_no", sa.String(length=30), nullable=False, comment="办件编号"),
        sa.Column("member_account_no", sa.String(length=30), nullable=False, comment="个人账号"),
        sa.Column("member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("ledger_account_no", sa.String(length=30), nullable=False),
        sa.Column("branch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reason_code", sa.String(length=2), nullable=False, comment="提取原因 (policy code)"),
        sa.Column("standard_code", sa.String(length=2), nullable=False, comment="TQYY reported"),
        sa.Column("closes_account", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False, comment="principal to pay (FSE)"),
        sa.Column(
            "interest_fen",
            sa.BigInteger(),
            server_default="0",
            nullable=False,
            comment="closing interest (FSLXE)",
        ),
        sa.Column("limit_fen", sa.BigInteger(), nullable=True),
        sa.Column("payee_name", sa.String(length=60), nullable=False),
        sa.Column("payee_card_enc", sa.LargeBinary(), nullable=False, comment="收款银行卡号, SM4"),
        sa.Column("payee_bank_code", sa.String(length=12), nullable=False),
        sa.Column("property_ref", sa.String(length=80), nullable=True),
        sa.Column("evidence_json", sa.Text(), nullable=False),
        sa.Column("decision_json", sa.Text(), nullable=False),
        sa.Column("auto_approved", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_ref", sa.String(length=128), nullable=False),
        sa.Column("agreement_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column(
            "e2e_id", sa.String(length=40), nullable=True, comment="bank instruction of the current attempt"
        ),
        sa.Column("attempt", sa.Integer(), server_default="0", nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["branch_id"], ["branch.id"], name=op.f("fk_withdrawal_branch_id_branch")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_withdrawal")),
        sa.UniqueConstraint("source", "source_ref", name=op.f("uq_withdrawal_source_source_ref")),
        sa.UniqueConstraint("withdrawal_no", name=op.f("uq_withdrawal_withdrawal_no")),
        comment="Withdrawal applications (提取申请) and their payment",
    )
    op.create_table(
        "withdrawal_blacklist",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("member_account_no", sa.String(length=30), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("fraud_found_on", sa.Date(), nullable=True, comment="骗提查实日期"),
        sa.Column("added_by", sa.String(length=80), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_withdrawal_blacklist")),
        sa.UniqueConstraint("member_id", name=op.f("uq_withdrawal_blacklist_member_id")),
        comment="Persons barred from withdrawing (黑名单)",
    )
    op.create_table(
        "withdrawal_agreement",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("agreement_no", sa.String(length=24), nullable=False),
        sa.Column("member_account_no", sa.String(length=30), nullable=False),
        sa.Column("member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("branch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reason_code", sa.String(length=2), nullable=False),
        sa.Column("period_months", sa.Integer(), nullable=False, comment="1 monthly, 12 yearly"),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False, comment="per period"),
        sa.Column("next_due", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False, comment="active | ended"),
        sa.Column("evidence_json", sa.Text(), nullable=False),
        sa.Column("payee_name", sa.String(length=60), nullable=False),
        sa.Column("payee_card_enc", sa.LargeBinary(), nullable=False),
        sa.Column("payee_bank_code", sa.String(length=12), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branch.id"], name=op.f("fk_withdrawal_agreement_branch_id_branch")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_withdrawal_agreement")),
        sa.UniqueConstraint("agreement_no", name=op.f("uq_withdrawal_agreement_agreement_no")),
        comment="Recurring withdrawals by agreement (约定提取): rent, loan repayment",
    )
    op.create_table(
        "data_sharing_consent",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("scopes", sa.String(length=200), nullable=False, comment="comma-separated registries"),
        sa.Column("granted_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("document_ref", sa.String(length=80), nullable=False, comment="签字授权书或电子授权编号"),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_sharing_consent")),
        comment="A person's authorisation (授权) of data-sharing look-ups: scope and expiry",
    )
    op.create_table(
        "data_sharing_lookup",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("consent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("registry", sa.String(length=30), nullable=False),
        sa.Column("purpose", sa.String(length=60), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False, comment="found | not_found | refused"),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("looked_up_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_sharing_lookup")),
        comment="Every data-sharing look-up (数据共享查询日志)",
    )
    op.create_index("ix_withdrawal_member_id_state", "withdrawal", ["member_id", "state"], unique=False)
    op.create_index("ix_withdrawal_e2e_id", "withdrawal", ["e2e_id"], unique=False)
    op.create_index("ix_withdrawal_state", "withdrawal", ["state"], unique=False)
    op.create_index(
        "ix_withdrawal_agreement_state_next_due", "withdrawal_agreement", ["state", "next_due"], unique=False
    )
    op.create_index("ix_data_sharing_consent_member_id", "data_sharing_consent", ["member_id"], unique=False)
    op.create_index("ix_data_sharing_lookup_member_id", "data_sharing_lookup", ["member_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_withdrawal_member_id_state", table_name="withdrawal")
    op.drop_index("ix_withdrawal_e2e_id", table_name="withdrawal")
    op.drop_index("ix_withdrawal_state", table_name="withdrawal")
    op.drop_index("ix_withdrawal_agreement_state_next_due", table_name="withdrawal_agreement")
    op.drop_index("ix_data_sharing_consent_member_id", table_name="data_sharing_consent")
    op.drop_index("ix_data_sharing_lookup_member_id", table_name="data_sharing_lookup")
    op.drop_table("data_sharing_lookup")
    op.drop_table("data_sharing_consent")
    op.drop_table("withdrawal_agreement")
    op.drop_table("withdrawal_blacklist")
    op.drop_table("withdrawal")
