"""Online-hall accounts (网厅账户), their sessions, SMS verification codes and the SMS outbox.

A hall account is not staff: it logs in to the hall realm only, with a password and a one-time
code sent by SMS to the phone the counter registered. Secrets are never stored in the clear:
the password as PBKDF2-HMAC-SM3, session tokens and codes as SM3 hashes, phones and message
texts SM4-encrypted (a blind index finds a phone without decrypting).
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
)

from anju.adapters.db.schema import BigId, metadata

hall_account = Table(
    "hall_account",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False, comment="unit | person | developer"),
    Column(
        "login",
        String(80),
        nullable=False,
        unique=True,
        comment="unit:<单位账号> | person:<ID blind index> | developer:<统一社会信用代码>",
    ),
    Column("unit_id", BigId, ForeignKey("unit.id"), nullable=True, index=True),
    Column("member_id", BigId, ForeignKey("member.id"), nullable=True, index=True),
    Column("developer_id", BigId, ForeignKey("loan_developer.id"), nullable=True, index=True),
    Column("display_name", String(100), nullable=False, comment="经办人姓名"),
    Column("phone_enc", LargeBinary, nullable=False, comment="SM4-GCM, context hall_phone:<login>"),
    Column("phone_index", String(64), nullable=False, index=True, comment="HMAC-SM3 blind index"),
    Column("password_hash", String(200), nullable=False),
    Column("password_changed_at", DateTime(timezone=True), nullable=True, comment="NULL: initial"),
    Column("failed_logins", Integer, nullable=False, server_default="0"),
    Column("locked_until", DateTime(timezone=True), nullable=True),
    Column("status", String(16), nullable=False, server_default="active"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("last_login_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("kind IN ('unit', 'person', 'developer')", name="kind"),
    # pending: a depositor registering online, until the SMS code proves the phone.
    CheckConstraint("status IN ('pending', 'active', 'disabled')", name="status"),
    CheckConstraint("failed_logins >= 0", name="failed_logins"),
    CheckConstraint("kind <> 'unit' OR unit_id IS NOT NULL", name="unit_scope"),
    CheckConstraint("kind <> 'person' OR member_id IS NOT NULL", name="member_scope"),
    CheckConstraint("kind <> 'developer' OR developer_id IS NOT NULL", name="developer_scope"),
    comment="Online-hall accounts (网厅账户)",
)

# One pending login per account: the password was right, the SMS code is awaited.
hall_challenge = Table(
    "hall_challenge",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("hall_account_id", BigId, ForeignKey("hall_account.id"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True, comment="SM3 of the challenge token"),
    Column("code_hash", String(64), nullable=False, comment="SM3 of token + code"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("used_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("attempts >= 0", name="attempts"),
    comment="SMS verification codes of hall logins (single use, short-lived, attempt-limited)",
)

hall_session = Table(
    "hall_session",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True, comment="SM3 of the token, hex"),
    Column("hall_account_id", BigId, ForeignKey("hall_account.id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("ip", String(64), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    comment="Online-hall sessions; the raw token lives only in the browser cookie",
)

sms_message = Table(
    "sms_message",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("phone_index", String(64), nullable=False, index=True),
    Column("phone_enc", LargeBinary, nullable=False, comment="SM4-GCM, context sms_phone"),
    Column("text_enc", LargeBinary, nullable=False, comment="SM4-GCM, context sms_text"),
    Column("purpose", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("status", String(16), nullable=False, server_default="queued"),
    CheckConstraint("status IN ('queued', 'sent', 'failed')", name="status"),
    comment="SMS outbox (12329 短信): written in the business transaction, delivered by the SMS port",
)
