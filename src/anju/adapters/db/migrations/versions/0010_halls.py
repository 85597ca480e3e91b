"""Online halls (网厅): hall accounts, SMS login challenges, hall sessions, the SMS outbox.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sms_message",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("phone_index", sa.String(length=64), nullable=False),
        sa.Column("phone_enc", sa.LargeBinary(), nullable=False, comment="SM4-GCM, context sms_phone"),
        sa.Column("text_enc", sa.LargeBinary(), nullable=False, comment="SM4-GCM, context sms_text"),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="queued", nullable=False),
        sa.CheckConstraint("status IN ('queued', 'sent', 'failed')", name=op.f("ck_sms_message_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_message")),
        comment="SMS outbox (12329 短信): written in the business transaction, delivered by the SMS port",
    )
    op.create_index(op.f("ix_sms_message_phone_index"), "sms_message", ["phone_index"], unique=False)
    op.create_table(
        "hall_account",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("kind", sa.String(length=16), nullable=False, comment="unit | person"),
        sa.Column(
            "login", sa.String(length=80), nullable=False, comment="unit:<单位账号> | person:<ID blind index>"
        ),
        sa.Column("unit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("display_name", sa.String(length=100), nullable=False, comment="经办人姓名"),
        sa.Column(
            "phone_enc", sa.LargeBinary(), nullable=False, comment="SM4-GCM, context hall_phone:<login>"
        ),
        sa.Column("phone_index", sa.String(length=64), nullable=False, comment="HMAC-SM3 blind index"),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True, comment="NULL: initial"),
        sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind <> 'person' OR member_id IS NOT NULL", name=op.f("ck_hall_account_member_scope")
        ),
        sa.CheckConstraint("kind <> 'unit' OR unit_id IS NOT NULL", name=op.f("ck_hall_account_unit_scope")),
        sa.CheckConstraint("kind IN ('unit', 'person')", name=op.f("ck_hall_account_kind")),
        sa.CheckConstraint(
            "status IN ('pending', 'active', 'disabled')", name=op.f("ck_hall_account_status")
        ),
        sa.CheckConstraint("failed_logins >= 0", name=op.f("ck_hall_account_failed_logins")),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name=op.f("fk_hall_account_member_id_member")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_hall_account_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hall_account")),
        sa.UniqueConstraint("login", name=op.f("uq_hall_account_login")),
        comment="Online-hall accounts (网厅账户)",
    )
    op.create_index(op.f("ix_hall_account_member_id"), "hall_account", ["member_id"], unique=False)
    op.create_index(op.f("ix_hall_account_phone_index"), "hall_account", ["phone_index"], unique=False)
    op.create_index(op.f("ix_hall_account_unit_id"), "hall_account", ["unit_id"], unique=False)
    op.create_table(
        "hall_challenge",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("hall_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False, comment="SM3 of the challenge token"),
        sa.Column("code_hash", sa.String(length=64), nullable=False, comment="SM3 of token + code"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_hall_challenge_attempts")),
        sa.ForeignKeyConstraint(
            ["hall_account_id"],
            ["hall_account.id"],
            name=op.f("fk_hall_challenge_hall_account_id_hall_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hall_challenge")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_hall_challenge_token_hash")),
        comment="SMS verification codes of hall logins (single use, short-lived, attempt-limited)",
    )
    op.create_index(
        op.f("ix_hall_challenge_hall_account_id"), "hall_challenge", ["hall_account_id"], unique=False
    )
    op.create_table(
        "hall_session",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False, comment="SM3 of the token, hex"),
        sa.Column("hall_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["hall_account_id"],
            ["hall_account.id"],
            name=op.f("fk_hall_session_hall_account_id_hall_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hall_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_hall_session_token_hash")),
        comment="Online-hall sessions; the raw token lives only in the browser cookie",
    )
    op.create_index(
        op.f("ix_hall_session_hall_account_id"), "hall_session", ["hall_account_id"], unique=False
    )


def downgrade() -> None:
    for name in ("hall_session", "hall_challenge", "hall_account", "sms_message"):
        op.drop_table(name)
