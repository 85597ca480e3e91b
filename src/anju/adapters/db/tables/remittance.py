"""Remittance (汇缴) tables: rosters and their lines, money received for units, deferrals and
ratio reductions, arrears notices and suspense refunds (collection_tables.md, collection-B).

Months are "YYYYMM" strings (汇补缴年月 HBJNY), so month order is string order on both databases.
Money is BIGINT fen. Ratios are Numeric(5,4) fractions (0.1200). Foreign keys name collection-A's
tables (unit, member_account) by table name.
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
    Numeric,
    String,
    Table,
    UniqueConstraint,
)

from anju.adapters.db.schema import BigId, Fen, metadata

ROSTER_KINDS = "('remittance', 'back_payment')"
ROSTER_STATES = "('draft', 'confirmed', 'paid', 'cancelled')"
PAYMENT_STATES = "('matched', 'suspense', 'allocated', 'refunded', 'partly_allocated')"
DEFERRAL_KINDS = "('deferral', 'ratio_reduction')"
DEFERRAL_STATES = "('accepted', 'approved', 'active', 'ended', 'refused')"
NOTICE_KINDS = "('reminder', 'order', 'court')"
REFUND_STATES = "('pending', 'paid')"
Ratio = Numeric(5, 4)

roster = Table(
    "roster",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("unit_id", BigId, ForeignKey("unit.id"), nullable=False),
    Column("month", String(6), nullable=False, comment="汇补缴年月 HBJNY (YYYYMM)"),
    Column("kind", String(16), nullable=False, comment="remittance 汇缴 | back_payment 补缴"),
    Column("state", String(12), nullable=False),
    Column("reason", String(200), nullable=True, comment="补缴原因 (back-payment only)"),
    Column("unit_ratio", Ratio, nullable=False, comment="单位缴存比例 used for this month"),
    Column("member_ratio", Ratio, nullable=False, comment="个人缴存比例 used for this month"),
    Column("headcount", Integer, nullable=False, comment="发生人数 FSRS"),
    Column("unit_total_fen", Fen, nullable=False),
    Column("member_total_fen", Fen, nullable=False),
    Column("total_fen", Fen, nullable=False, comment="发生额 FSE"),
    Column("created_by", String(80), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("confirmed_by", String(80), nullable=True),
    Column("confirmed_at", DateTime(timezone=True), nullable=True),
    Column("paid_voucher_no", String(20), nullable=True),
    Column("paid_on", Date, nullable=True),
    Column("case_no", String(24), nullable=True, comment="办件编号"),
    UniqueConstraint("unit_id", "month", "kind"),
    CheckConstraint(f"kind IN {ROSTER_KINDS}", name="kind"),
    CheckConstraint(f"state IN {ROSTER_STATES}", name="state"),
    CheckConstraint("total_fen = unit_total_fen + member_total_fen", name="total"),
    CheckConstraint("headcount >= 0 AND unit_total_fen >= 0 AND member_total_fen >= 0", name="non_negative"),
    CheckConstraint("kind = 'remittance' OR reason IS NOT NULL", name="back_payment_reason"),
    Index("ix_roster_state_unit", "state", "unit_id"),
    comment="Remittance rosters (汇缴清册 / 补缴清册): one per unit, month and kind",
)

roster_line = Table(
    "roster_line",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("roster_id", BigId, ForeignKey("roster.id"), nullable=False),
    Column("member_account_id", BigId, ForeignKey("member_account.id"), nullable=False),
    Column("wage_base_fen", Fen, nullable=False, comment="个人缴存基数 GRJCJS"),
    Column("unit_part_fen", Fen, nullable=False, comment="单位月缴存额 DWYJCE"),
    Column("member_part_fen", Fen, nullable=False, comment="个人月缴存额 GRYJCE"),
    UniqueConstraint("roster_id", "member_account_id"),
    CheckConstraint("wage_base_fen > 0 AND unit_part_fen >= 0 AND member_part_fen >= 0", name="amounts"),
    Index("ix_roster_line_member_account", "member_account_id"),
    comment="One member on a roster with the base and the two monthly parts",
)

unit_payment = Table(
    "unit_payment",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("unit_id", BigId, ForeignKey("unit.id"), nullable=False),
    Column("amount_fen", Fen, nullable=False),
    Column("serial_no", String(40), nullable=False, unique=True, comment="流水号: bank serial or receipt no"),
    Column("centre_bank_account_id", BigId, ForeignKey("centre_bank_account.id"), nullable=False),
    Column("received_on", Date, nullable=False),
    Column("value_date", Date, nullable=False, comment="起息日"),
    Column("state", String(16), nullable=False, comment="16, not 12: partly_allocated is 16 letters"),
    Column(
        "roster_id", BigId, ForeignKey("roster.id"), nullable=True, comment="the roster it paid on arrival"
    ),
    Column("voucher_no", String(20), nullable=True),
    Column("remaining_fen", Fen, nullable=False, comment="still in suspense from this payment"),
    Column("channel", String(20), nullable=False),
    Column("created_by", String(80), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint(f"state IN {PAYMENT_STATES}", name="state"),
    CheckConstraint("amount_fen > 0", name="amount_positive"),
    CheckConstraint("remaining_fen >= 0 AND remaining_fen <= amount_fen", name="remaining"),
    Index("ix_unit_payment_unit_state", "unit_id", "state"),
    comment="Money received for a unit (单位来款): matched to a roster or held in suspense",
)

deferral = Table(
    "deferral",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("unit_id", BigId, ForeignKey("unit.id"), nullable=False),
    Column("kind", String(20), nullable=False, comment="deferral 缓缴 | ratio_reduction 降低比例"),
    Column("start_month", String(6), nullable=False),
    Column("end_month", String(6), nullable=False),
    Column("approved_unit_ratio", Ratio, nullable=True),
    Column("approved_member_ratio", Ratio, nullable=True),
    Column("approving_body", String(120), nullable=False, comment="批准机构 (管委会)"),
    Column("document_no", String(80), nullable=False, comment="批准文号"),
    Column("state", String(12), nullable=False),
    Column("case_no", String(24), nullable=False),
    Column("created_by", String(80), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("ended_on", Date, nullable=True),
    CheckConstraint(f"kind IN {DEFERRAL_KINDS}", name="kind"),
    CheckConstraint(f"state IN {DEFERRAL_STATES}", name="state"),
    CheckConstraint("start_month <= end_month", name="months"),
    CheckConstraint(
        "(kind = 'deferral' AND approved_unit_ratio IS NULL AND approved_member_ratio IS NULL) OR "
        "(kind = 'ratio_reduction' AND approved_unit_ratio IS NOT NULL "
        "AND approved_member_ratio IS NOT NULL)",
        name="ratios",
    ),
    Index("ix_deferral_unit_state", "unit_id", "state"),
    comment="Deferral (缓缴) and ratio reduction (降低缴存比例) approvals (条例第二十条)",
)

arrears_notice = Table(
    "arrears_notice",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("notice_no", String(24), nullable=False, unique=True, comment="文书编号"),
    Column("unit_id", BigId, ForeignKey("unit.id"), nullable=False),
    Column(
        "kind", String(12), nullable=False, comment="reminder 催缴 | order 责令限期缴存 | court 申请强制执行"
    ),
    Column("issued_on", Date, nullable=False),
    Column("deadline", Date, nullable=True, comment="限期缴存截止日 (order)"),
    Column("first_month", String(6), nullable=False, comment="earliest month owed"),
    Column("last_month", String(6), nullable=False, comment="latest month owed"),
    Column("months_owed", Integer, nullable=False),
    Column("amount_fen", Fen, nullable=False, comment="estimated amount owed"),
    Column("previous_id", BigId, ForeignKey("arrears_notice.id"), nullable=True),
    Column("case_no", String(24), nullable=True),
    Column("created_by", String(80), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint(f"kind IN {NOTICE_KINDS}", name="kind"),
    CheckConstraint("months_owed > 0 AND amount_fen >= 0", name="owed"),
    Index("ix_arrears_notice_unit", "unit_id", "issued_on"),
    comment="Arrears enforcement notices (催缴 → 责令限期缴存 → 申请法院强制执行), rules.md §2.3",
)

suspense_refund = Table(
    "suspense_refund",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("unit_id", BigId, ForeignKey("unit.id"), nullable=False),
    Column("amount_fen", Fen, nullable=False),
    Column("reason", String(200), nullable=False),
    Column("payee_name", String(200), nullable=False, comment="收款单位名称"),
    Column("payee_account_no", String(40), nullable=False, comment="收款账号 (the unit's bank account)"),
    Column("voucher_no", String(20), nullable=False, comment="Dr 21901 / Cr pending refunds"),
    Column("state", String(12), nullable=False, comment="pending: the bank interface pays it"),
    Column("case_no", String(24), nullable=True),
    Column("paid_voucher_no", String(20), nullable=True),
    Column("created_by", String(80), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint(f"state IN {REFUND_STATES}", name="state"),
    CheckConstraint("amount_fen > 0", name="amount_positive"),
    Index("ix_suspense_refund_state", "state"),
    comment="Refunds of a unit's suspense money (多缴退款), waiting for the bank to pay them",
)
