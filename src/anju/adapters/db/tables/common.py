"""Tables shared by every feature: per-centre sequences and idempotency records."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, String, Table, Text, UniqueConstraint

from anju.adapters.db.schema import BigId, metadata

number_sequence = Table(
    "number_sequence",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("last_value", BigId, nullable=False),
    comment="Per-centre sequences for business numbers (单位账号, 个人账号, 凭证号 ...)",
)

idempotency_record = Table(
    "idempotency_record",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("principal", String(80), nullable=False),
    Column("key", String(128), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("response_status", Integer, nullable=True),
    Column("response_body", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("principal", "key"),
    comment="Commands from outside, unique per (caller, key), claimed in the command's transaction",
)
