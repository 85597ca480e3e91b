"""Documents and spreadsheets: printed documents' verification codes, unit-wide contribution
changes (基数调整, 比例调整) with every account's amounts before and after.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TABLES = ("contribution_change_line", "contribution_change", "issued_document")


def upgrade() -> None:
    op.create_table(
        "issued_document",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("verification_code", sa.String(length=39), nullable=False, comment="校验码"),
        sa.Column(
            "digest", sa.String(length=64), nullable=False, comment="SM3 (hex) of the canonical content"
        ),
        sa.Column(
            "kind",
            sa.String(length=32),
            nullable=False,
            comment="remittance_receipt | contribution_certificate | ...",
        ),
        sa.Column(
            "subject_ref",
            sa.String(length=60),
            nullable=False,
            comment="unit account no / month, or member account no",
        ),
        sa.Column(
            "title",
            sa.String(length=200),
            nullable=False,
            comment="what the document states, without personal data",
        ),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("branch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("issued_by", sa.String(length=80), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branch.id"], name=op.f("fk_issued_document_branch_id_branch")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_document")),
        sa.UniqueConstraint("verification_code", name=op.f("uq_issued_document_verification_code")),
        comment="Printed documents and their verification codes (校验码)",
    )
    op.create_index("ix_issued_document_subject_ref", "issued_document", ["subject_ref"], unique=False)
    op.create_table(
        "contribution_change",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("case_no", sa.String(length=24), nullable=False, comment="办件编号"),
        sa.Column("unit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "kind",
            sa.String(length=24),
            nullable=False,
            comment="wage_base_adjustment 基数调整 | ratio_change 比例调整",
        ),
        sa.Column(
            "effective_month",
            sa.String(length=6),
            nullable=False,
            comment="first month the new amounts apply to",
        ),
        sa.Column(
            "contribution_year", sa.Integer(), nullable=True, comment="缴存年度 (its first calendar year)"
        ),
        sa.Column("old_unit_ratio", sa.Numeric(precision=5, scale=4), nullable=True),
        sa.Column("old_member_ratio", sa.Numeric(precision=5, scale=4), nullable=True),
        sa.Column("new_unit_ratio", sa.Numeric(precision=5, scale=4), nullable=True),
        sa.Column("new_member_ratio", sa.Numeric(precision=5, scale=4), nullable=True),
        sa.Column("headcount", sa.Integer(), nullable=False, comment="member accounts changed"),
        sa.Column("file_sm3", sa.String(length=64), nullable=True, comment="SM3 of the uploaded sheet"),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('wage_base_adjustment', 'ratio_change')", name=op.f("ck_contribution_change_kind")
        ),
        sa.CheckConstraint("headcount >= 0", name=op.f("ck_contribution_change_headcount")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_contribution_change_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contribution_change")),
        sa.UniqueConstraint("case_no", name=op.f("uq_contribution_change_case_no")),
        comment="Unit-wide contribution changes (基数调整, 比例调整), one per case",
    )
    op.create_index(
        "ix_contribution_change_unit_id_created_at",
        "contribution_change",
        ["unit_id", "created_at"],
        unique=False,
    )
    op.create_table(
        "contribution_change_line",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("change_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("member_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "declared_fen", sa.BigInteger(), nullable=True, comment="declared average monthly wage (基数调整)"
        ),
        sa.Column(
            "bound", sa.String(length=5), nullable=True, comment="floor | cap when the base was clamped"
        ),
        sa.Column("old_wage_base_fen", sa.BigInteger(), nullable=False),
        sa.Column("new_wage_base_fen", sa.BigInteger(), nullable=False),
        sa.Column("old_unit_monthly_fen", sa.BigInteger(), nullable=False),
        sa.Column("new_unit_monthly_fen", sa.BigInteger(), nullable=False),
        sa.Column("old_member_monthly_fen", sa.BigInteger(), nullable=False),
        sa.Column("new_member_monthly_fen", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "bound IS NULL OR bound IN ('floor', 'cap')", name=op.f("ck_contribution_change_line_bound")
        ),
        sa.CheckConstraint(
            "new_wage_base_fen >= 0 AND new_unit_monthly_fen >= 0 AND new_member_monthly_fen >= 0",
            name=op.f("ck_contribution_change_line_amounts"),
        ),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["contribution_change.id"],
            name=op.f("fk_contribution_change_line_change_id_contribution_change"),
        ),
        sa.ForeignKeyConstraint(
            ["member_account_id"],
            ["member_account.id"],
            name=op.f("fk_contribution_change_line_member_account_id_member_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contribution_change_line")),
        sa.UniqueConstraint(
            "change_id",
            "member_account_id",
            name=op.f("uq_contribution_change_line_change_id_member_account_id"),
        ),
        comment="One member account's base and parts before and after a unit-wide change",
    )
    op.create_index(
        "ix_contribution_change_line_member_account_id",
        "contribution_change_line",
        ["member_account_id"],
        unique=False,
    )


def downgrade() -> None:
    for table in _TABLES:  # children first
        op.drop_table(table)
