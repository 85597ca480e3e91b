"""Staff accounts (操作员), their roles and sessions, and the append-only security audit log (审计日志).

Secrets never stored in the clear: passwords as PBKDF2-HMAC-SM3 hashes, TOTP secrets SM4-encrypted,
session tokens as their SM3 hash (a copy of this table cannot be replayed as a login).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    false,
)

from anju.adapters.db.ddl import DialectDDL, register_ddl
from anju.adapters.db.schema import BigId, metadata
from anju.domain.security import AUDIT_GENESIS_HASH

operator = Table(
    "operator",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("username", String(32), nullable=False, unique=True),
    Column("display_name", String(100), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("password_changed_at", DateTime(timezone=True), nullable=True, comment="NULL: initial password"),
    Column("totp_secret_enc", LargeBinary, nullable=False, comment="SM4-GCM, context totp_secret:<username>"),
    Column("totp_last_step", BigInteger, nullable=False, server_default="0", comment="replay guard"),
    Column("failed_logins", Integer, nullable=False, server_default="0"),
    Column("locked_until", DateTime(timezone=True), nullable=True),
    # The branch table belongs to the organisation slice; its foreign key is added there.
    Column("branch_id", BigId, nullable=True),
    Column("all_branches", Boolean, nullable=False, server_default=false()),
    Column("status", String(16), nullable=False, server_default="active"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_login_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("status IN ('active', 'disabled')", name="status"),
    CheckConstraint("failed_logins >= 0", name="failed_logins"),
    comment="Staff accounts (操作员)",
)

operator_role = Table(
    "operator_role",
    metadata,
    Column("operator_id", BigId, ForeignKey("operator.id"), nullable=False),
    Column("role", String(32), nullable=False),
    PrimaryKeyConstraint("operator_id", "role"),
    comment="Roles of each operator; read on every request, so a change takes effect at once",
)

staff_session = Table(
    "staff_session",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True, comment="SM3 of the token, hex"),
    Column("operator_id", BigId, ForeignKey("operator.id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("ip", String(64), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    comment="Staff sessions; the raw token lives only in the browser cookie",
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("seq", BigInteger, nullable=False, unique=True),
    Column("occurred_at", DateTime(timezone=True), nullable=False, index=True),
    Column("actor", String(120), nullable=False, index=True),
    Column("actor_id", BigInteger, nullable=True),
    Column("ip", String(64), nullable=True),
    Column("action", String(80), nullable=False, index=True),
    Column("object_type", String(64), nullable=False),
    Column("object_id", String(200), nullable=False),
    Column("result", String(16), nullable=False),
    Column("reason", Text, nullable=True),
    Column("details", Text, nullable=False, comment="canonical JSON"),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, comment="HMAC-SM3(audit_chain, prev_hash || row)"),
    CheckConstraint("result IN ('success', 'failure', 'denied')", name="result"),
    comment="Security audit log (审计日志): append-only, HMAC-SM3 hash chain",
)

audit_chain_head = Table(
    "audit_chain_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last_seq", BigInteger, nullable=False),
    Column("last_hash", String(64), nullable=False),
    CheckConstraint("id = 1", name="single_row"),
    comment="The one row every audit append locks, so concurrent appends form one chain",
)

_REFUSAL = "audit_log is append-only"
# The head row is seeded with the genesis hash, written in SQL below as 64 zeros.
assert AUDIT_GENESIS_HASH == "0" * 64

_SQLITE = [
    "CREATE TRIGGER IF NOT EXISTS trg_audit_log_no_update BEFORE UPDATE ON audit_log "
    f"BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END",
    "CREATE TRIGGER IF NOT EXISTS trg_audit_log_no_delete BEFORE DELETE ON audit_log "
    f"BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END",
    "CREATE TRIGGER IF NOT EXISTS trg_audit_chain_head_no_delete BEFORE DELETE ON audit_chain_head "
    "BEGIN SELECT RAISE(ABORT, 'audit_chain_head cannot be deleted'); END",
    "CREATE TRIGGER IF NOT EXISTS trg_audit_chain_head_forward BEFORE UPDATE ON audit_chain_head "
    "WHEN NEW.id <> OLD.id OR NEW.last_seq NOT IN (OLD.last_seq, OLD.last_seq + 1) "
    "BEGIN SELECT RAISE(ABORT, 'audit_chain_head only moves forward by one'); END",
    "INSERT OR IGNORE INTO audit_chain_head (id, last_seq, last_hash) VALUES (1, 0, hex(zeroblob(32)))",
]

_PG = [
    f"""
    CREATE OR REPLACE FUNCTION anju_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{_REFUSAL}: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION anju_audit_chain_head_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'UPDATE' OR NEW.id <> OLD.id
           OR NEW.last_seq NOT IN (OLD.last_seq, OLD.last_seq + 1) THEN
            RAISE EXCEPTION 'audit_chain_head only moves forward by one: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END
    $$
    """,
    "DROP TRIGGER IF EXISTS trg_audit_log_append_only ON audit_log",
    "CREATE TRIGGER trg_audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION anju_audit_log_append_only()",
    "DROP TRIGGER IF EXISTS trg_audit_log_no_truncate ON audit_log",
    "CREATE TRIGGER trg_audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION anju_audit_log_append_only()",
    "DROP TRIGGER IF EXISTS trg_audit_chain_head_guard ON audit_chain_head",
    "CREATE TRIGGER trg_audit_chain_head_guard BEFORE UPDATE OR DELETE ON audit_chain_head "
    "FOR EACH ROW EXECUTE FUNCTION anju_audit_chain_head_guard()",
    "DROP TRIGGER IF EXISTS trg_audit_chain_head_no_truncate ON audit_chain_head",
    "CREATE TRIGGER trg_audit_chain_head_no_truncate BEFORE TRUNCATE ON audit_chain_head "
    "FOR EACH STATEMENT EXECUTE FUNCTION anju_audit_log_append_only()",
    "INSERT INTO audit_chain_head (id, last_seq, last_hash) VALUES (1, 0, repeat('0', 64)) "
    "ON CONFLICT (id) DO NOTHING",
]

register_ddl(DialectDDL(name="security", sqlite=_SQLITE, postgresql=_PG))
