"""Housing-loan servicing: class overrides, term changes, reminders, litigation, signed applications.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "loan_signing_key",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("key_id", sa.String(length=40), nullable=False),
        sa.Column("public_hex", sa.String(length=200), nullable=False),
        sa.Column(
            "private_enc", sa.LargeBinary(), nullable=False, comment="SM4-GCM, context loan_signing_key"
        ),
        sa.Column("status", sa.String(length=12), nullable=False, comment="active | retired"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_signing_key")),
        sa.UniqueConstraint("key_id", name=op.f("uq_loan_signing_key_key_id")),
        comment="The centre's SM2 key pairs for signing loan applications (K5)",
    )
    op.create_table(
        "loan_classification_change",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("loan_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "tier", sa.String(length=2), nullable=True, comment="requested tier; NULL lifts the override"
        ),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False, comment="pending | approved | refused"),
        sa.Column("requested_by", sa.String(length=80), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.String(length=400), nullable=True),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loan.id"], name=op.f("fk_loan_classification_change_loan_id_loan")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_classification_change")),
        comment="人工调整五级分类 requests, decided by a second person (maker-checker)",
    )
    op.create_index(
        op.f("ix_loan_classification_change_loan_id"), "loan_classification_change", ["loan_id"], unique=False
    )
    op.create_table(
        "loan_litigation",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("loan_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False, comment="起诉日期"),
        sa.Column("court", sa.String(length=120), nullable=False),
        sa.Column("case_number", sa.String(length=60), nullable=False, comment="案号"),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("claim_fen", sa.BigInteger(), nullable=False, comment="诉讼标的"),
        sa.Column("awarded_fen", sa.BigInteger(), nullable=True, comment="判决金额"),
        sa.Column(
            "recovered_fen", sa.BigInteger(), server_default=sa.text("0"), nullable=False, comment="执行回收"
        ),
        sa.Column("note", sa.String(length=400), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["loan_id"], ["loan.id"], name=op.f("fk_loan_litigation_loan_id_loan")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_litigation")),
        sa.UniqueConstraint("loan_id", "case_number", name=op.f("uq_loan_litigation_loan_id_case_number")),
        comment="诉讼记录 of a loan",
    )
    op.create_index(op.f("ix_loan_litigation_loan_id"), "loan_litigation", ["loan_id"], unique=False)
    op.create_table(
        "loan_reminder",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("loan_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("instalment_no", sa.Integer(), nullable=False),
        sa.Column("reminder_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False, comment="before_due | overdue"),
        sa.Column("sms_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["loan_id"], ["loan.id"], name=op.f("fk_loan_reminder_loan_id_loan")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_reminder")),
        sa.UniqueConstraint(
            "loan_id",
            "instalment_no",
            "reminder_date",
            name=op.f("uq_loan_reminder_loan_id_instalment_no_reminder_date"),
        ),
        comment="催收短信: at most one per instalment and day",
    )
    op.create_table(
        "loan_term_change",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("loan_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_no", sa.String(length=30), nullable=False),
        sa.Column("txn_type", sa.String(length=2), nullable=False, comment="07 展期 | 08 缩期"),
        sa.Column("remaining_before", sa.Integer(), nullable=False),
        sa.Column("remaining_after", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=400), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False, comment="pending | executed | cancelled"),
        sa.Column("requested_by", sa.String(length=80), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("executed_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["loan_id"], ["loan.id"], name=op.f("fk_loan_term_change_loan_id_loan")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_term_change")),
        sa.UniqueConstraint("case_no", name=op.f("uq_loan_term_change_case_no")),
        comment="展期 / 缩期 requests (a case each) and their execution",
    )
    op.create_index(op.f("ix_loan_term_change_loan_id"), "loan_term_change", ["loan_id"], unique=False)
    op.add_column(
        "loan",
        sa.Column(
            "override_tier", sa.String(length=2), nullable=True, comment="人工调整的五级分类 (only worse)"
        ),
    )
    op.add_column("loan", sa.Column("override_reason", sa.String(length=500), nullable=True))
    op.add_column(
        "loan",
        sa.Column(
            "application_signature", sa.Text(), nullable=True, comment="SM2 signature of the application"
        ),
    )
    op.add_column(
        "loan",
        sa.Column("signature_key_id", sa.String(length=40), nullable=True, comment="loan_signing_key.key_id"),
    )
    op.add_column(
        "loan_instalment",
        sa.Column(
            "penalty_accrued_fen",
            sa.BigInteger(),
            server_default=sa.text("0"),
            nullable=False,
            comment="罚息 accrued",
        ),
    )
    op.add_column(
        "loan_instalment",
        sa.Column("penalty_accrued_to", sa.Date(), nullable=True, comment="罚息 accrued up to this day"),
    )


def downgrade() -> None:
    with op.batch_alter_table("loan_instalment") as batch:
        batch.drop_column("penalty_accrued_to")
        batch.drop_column("penalty_accrued_fen")
    with op.batch_alter_table("loan") as batch:
        batch.drop_column("signature_key_id")
        batch.drop_column("application_signature")
        batch.drop_column("override_reason")
        batch.drop_column("override_tier")
    for table in ("loan_term_change", "loan_reminder", "loan_litigation", "loan_classification_change"):
        op.drop_table(table)
    op.drop_table("loan_signing_key")
