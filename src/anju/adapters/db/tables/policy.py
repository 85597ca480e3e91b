"""Policy versions (政策参数版本): effective-dated, approved, superseded and never overwritten.

A row is the whole local policy in force from `effective_date` until the next row's date. The
content is the canonical JSON of `anju.domain.policy.policy_to_dict`, with its SM3 digest beside
it so a changed byte is detected on read. The database refuses UPDATE, DELETE and TRUNCATE, so a
past decision can always be explained with the policy that was in force when it was made.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, ForeignKey, String, Table, Text

from anju.adapters.db.ddl import DialectDDL, register_ddl
from anju.adapters.db.schema import BigId, metadata

policy_version = Table(
    "policy_version",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("effective_date", Date, nullable=False, unique=True, comment="生效日期 (business date)"),
    Column("content", Text, nullable=False, comment="canonical JSON of the policy"),
    Column("content_sm3", String(64), nullable=False, comment="SM3 hex of `content` (UTF-8)"),
    Column("document_no", String(100), nullable=False, comment="文号 of the approving document"),
    Column("approved_by", String(100), nullable=False, comment="批准机关或批准人"),
    Column("imported_by", String(80), nullable=False, comment="username, or system:<job>"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column(
        "supersedes_id",
        BigId,
        ForeignKey("policy_version.id"),
        nullable=True,
        comment="the version in force just before effective_date",
    ),
    comment="Versions of the local policy (DESIGN.md §6); rows are immutable",
)

_SQLITE = [
    f"CREATE TRIGGER IF NOT EXISTS trg_policy_version_no_{op.lower()} BEFORE {op} ON policy_version "
    "BEGIN SELECT RAISE(ABORT, 'policy_immutable: policy_version rows cannot be changed'); END"
    for op in ("UPDATE", "DELETE")
]

_PG = [
    """
    CREATE OR REPLACE FUNCTION anju_policy_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'policy_immutable: % on % refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'P0001';
    END $$
    """,
    "DROP TRIGGER IF EXISTS trg_policy_version_immutable ON policy_version",
    "CREATE TRIGGER trg_policy_version_immutable BEFORE UPDATE OR DELETE ON policy_version "
    "FOR EACH STATEMENT EXECUTE FUNCTION anju_policy_immutable()",
    "DROP TRIGGER IF EXISTS trg_policy_version_no_truncate ON policy_version",
    "CREATE TRIGGER trg_policy_version_no_truncate BEFORE TRUNCATE ON policy_version "
    "FOR EACH STATEMENT EXECUTE FUNCTION anju_policy_immutable()",
]

register_ddl(DialectDDL(name="policy", sqlite=_SQLITE, postgresql=_PG))
