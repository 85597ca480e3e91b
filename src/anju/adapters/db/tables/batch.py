"""Batch job runs: one row per (job, business date, parameters), with its checkpoint and counts."""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, ForeignKey, Integer, String, Table, Text, UniqueConstraint

from anju.adapters.db.schema import BigId, metadata

job_run = Table(
    "job_run",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("job_name", String(64), nullable=False),
    Column("business_date", Date, nullable=False),
    Column("params_key", String(200), nullable=False, comment="canonical JSON of the parameters"),
    Column("state", String(16), nullable=False, comment="running | succeeded | failed | stopped"),
    Column("total_items", Integer, nullable=False, server_default="0"),
    Column("done_items", Integer, nullable=False, server_default="0"),
    Column("failed_items", Integer, nullable=False, server_default="0"),
    Column("chunks", Integer, nullable=False, server_default="0"),
    Column("checkpoint", BigId, nullable=True, comment="last item key committed"),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("attempts", Integer, nullable=False, server_default="1"),
    Column("started_by", String(80), nullable=False),
    Column("message", Text, nullable=True),
    UniqueConstraint("job_name", "business_date", "params_key"),
)

job_item_failure = Table(
    "job_item_failure",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("job_run_id", BigId, ForeignKey("job_run.id"), nullable=False, index=True),
    Column("item_key", BigId, nullable=False),
    Column("code", String(64), nullable=False),
    Column("message", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("job_run_id", "item_key"),
)
