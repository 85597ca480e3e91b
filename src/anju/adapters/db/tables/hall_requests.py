"""Hall requests (网厅申请): the data a unit operator submitted in the unit web hall, beside the
case (办件) that the counter processes. The data may hold an ID number, so it is SM4-encrypted
as a whole, bound to its case number."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, LargeBinary, String, Table

from anju.adapters.db.schema import BigId, metadata

hall_request = Table(
    "hall_request",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("case_no", String(24), ForeignKey("service_case.case_no"), nullable=False, unique=True),
    Column("unit_id", BigId, ForeignKey("unit.id"), nullable=False, index=True),
    Column("request_type", String(24), nullable=False, comment="open | wage_base | seal | ..."),
    Column(
        "payload_enc", LargeBinary, nullable=False, comment="SM4-GCM JSON, context hall_request:<case_no>"
    ),
    Column("result_ref", String(80), nullable=True, comment="what the counter's approval produced"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    comment="Requests submitted in the unit web hall (单位网厅申请)",
)
