"""Documents the centre has printed (回单, 缴存证明, 个人明细): their verification codes.

Each printed document carries a verification code (校验码, the first 128 bits of the SM3 of its
canonical content). Keeping the code here, with what the document was about and who printed it
when, lets staff answer a bank or a court asking "did you issue this paper?" without keeping
the document itself (archives.md §5: hash algorithm and value as archive metadata).
"""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, ForeignKey, Index, String, Table

from anju.adapters.db.schema import BigId, metadata

issued_document = Table(
    "issued_document",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("verification_code", String(39), nullable=False, unique=True, comment="校验码"),
    Column("digest", String(64), nullable=False, comment="SM3 (hex) of the canonical content"),
    Column("kind", String(32), nullable=False, comment="remittance_receipt | contribution_certificate | ..."),
    Column(
        "subject_ref", String(60), nullable=False, comment="unit account no / month, or member account no"
    ),
    Column("title", String(200), nullable=False, comment="what the document states, without personal data"),
    Column("business_date", Date, nullable=False),
    Column("branch_id", BigId, ForeignKey("branch.id"), nullable=True),
    Column("issued_by", String(80), nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Index("ix_issued_document_subject_ref", "subject_ref"),
    comment="Printed documents and their verification codes (校验码)",
)
