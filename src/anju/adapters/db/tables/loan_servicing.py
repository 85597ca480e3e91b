"""Loan servicing (贷后管理): manual reclassification requests, term changes (展期/缩期), overdue
reminders, litigation records (诉讼) and the centre's SM2 key for signed applications."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
    text,
)

from anju.adapters.db.schema import BigId, Fen, metadata

loan_classification_change = Table(
    "loan_classification_change",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("loan_id", BigId, ForeignKey("loan.id"), nullable=False, index=True),
    Column("tier", String(2), nullable=True, comment="requested tier; NULL lifts the override"),
    Column("reason", String(500), nullable=False),
    Column("state", String(12), nullable=False, comment="pending | approved | refused"),
    Column("requested_by", String(80), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("decided_by", String(80), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("decision_note", String(400), nullable=True),
    comment="人工调整五级分类 requests, decided by a second person (maker-checker)",
)

loan_term_change = Table(
    "loan_term_change",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("loan_id", BigId, ForeignKey("loan.id"), nullable=False, index=True),
    Column("case_no", String(30), nullable=False, unique=True),
    Column("txn_type", String(2), nullable=False, comment="07 展期 | 08 缩期"),
    Column("remaining_before", Integer, nullable=False),
    Column("remaining_after", Integer, nullable=False),
    Column("reason", String(400), nullable=False),
    Column("state", String(12), nullable=False, comment="pending | executed | cancelled"),
    Column("requested_by", String(80), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("executed_on", Date, nullable=True),
    comment="展期 / 缩期 requests (a case each) and their execution",
)

loan_reminder = Table(
    "loan_reminder",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("loan_id", BigId, ForeignKey("loan.id"), nullable=False),
    Column("instalment_no", Integer, nullable=False),
    Column("reminder_date", Date, nullable=False),
    Column("kind", String(12), nullable=False, comment="before_due | overdue"),
    Column("sms_id", BigId, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("loan_id", "instalment_no", "reminder_date"),
    comment="催收短信: at most one per instalment and day",
)

loan_litigation = Table(
    "loan_litigation",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("loan_id", BigId, ForeignKey("loan.id"), nullable=False, index=True),
    Column("filed_on", Date, nullable=False, comment="起诉日期"),
    Column("court", String(120), nullable=False),
    Column("case_number", String(60), nullable=False, comment="案号"),
    Column("status", String(20), nullable=False),
    Column("claim_fen", Fen, nullable=False, comment="诉讼标的"),
    Column("awarded_fen", Fen, nullable=True, comment="判决金额"),
    Column("recovered_fen", Fen, nullable=False, server_default=text("0"), comment="执行回收"),
    Column("note", String(400), nullable=False),
    Column("created_by", String(80), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("loan_id", "case_number"),
    comment="诉讼记录 of a loan",
)

loan_signing_key = Table(
    "loan_signing_key",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("key_id", String(40), nullable=False, unique=True),
    Column("public_hex", String(200), nullable=False),
    Column("private_enc", LargeBinary, nullable=False, comment="SM4-GCM, context loan_signing_key"),
    Column("status", String(12), nullable=False, comment="active | retired"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    comment="The centre's SM2 key pairs for signing loan applications (K5)",
)
