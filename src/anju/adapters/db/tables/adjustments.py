"""Contribution changes for a whole unit: the July wage-base adjustment (基数调整) from an uploaded
sheet, and a batch ratio change (缴存比例调整).

A change updates the stored base and parts of many member accounts at once; these tables keep
what each account had before and after, so the history survives the update (the account row
only holds the current values, and the audit line only counts).
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    UniqueConstraint,
)

from anju.adapters.db.schema import BigId, Fen, metadata

CHANGE_KINDS = "('wage_base_adjustment', 'ratio_change')"
Ratio = Numeric(5, 4)

contribution_change = Table(
    "contribution_change",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("case_no", String(24), nullable=False, unique=True, comment="办件编号"),
    Column("unit_id", BigId, ForeignKey("unit.id"), nullable=False),
    Column(
        "kind", String(24), nullable=False, comment="wage_base_adjustment 基数调整 | ratio_change 比例调整"
    ),
    Column("effective_month", String(6), nullable=False, comment="first month the new amounts apply to"),
    Column("contribution_year", Integer, nullable=True, comment="缴存年度 (its first calendar year)"),
    Column("old_unit_ratio", Ratio, nullable=True),
    Column("old_member_ratio", Ratio, nullable=True),
    Column("new_unit_ratio", Ratio, nullable=True),
    Column("new_member_ratio", Ratio, nullable=True),
    Column("headcount", Integer, nullable=False, comment="member accounts changed"),
    Column("file_sm3", String(64), nullable=True, comment="SM3 of the uploaded sheet"),
    Column("created_by", String(80), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint(f"kind IN {CHANGE_KINDS}", name="kind"),
    CheckConstraint("headcount >= 0", name="headcount"),
    Index("ix_contribution_change_unit_id_created_at", "unit_id", "created_at"),
    comment="Unit-wide contribution changes (基数调整, 比例调整), one per case",
)

contribution_change_line = Table(
    "contribution_change_line",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("change_id", BigId, ForeignKey("contribution_change.id"), nullable=False),
    Column("member_account_id", BigId, ForeignKey("member_account.id"), nullable=False),
    Column("declared_fen", Fen, nullable=True, comment="declared average monthly wage (基数调整)"),
    Column("bound", String(5), nullable=True, comment="floor | cap when the base was clamped"),
    Column("old_wage_base_fen", Fen, nullable=False),
    Column("new_wage_base_fen", Fen, nullable=False),
    Column("old_unit_monthly_fen", Fen, nullable=False),
    Column("new_unit_monthly_fen", Fen, nullable=False),
    Column("old_member_monthly_fen", Fen, nullable=False),
    Column("new_member_monthly_fen", Fen, nullable=False),
    UniqueConstraint("change_id", "member_account_id"),
    CheckConstraint("bound IS NULL OR bound IN ('floor', 'cap')", name="bound"),
    CheckConstraint(
        "new_wage_base_fen >= 0 AND new_unit_monthly_fen >= 0 AND new_member_monthly_fen >= 0", name="amounts"
    ),
    Index("ix_contribution_change_line_member_account_id", "member_account_id"),
    comment="One member account's base and parts before and after a unit-wide change",
)
