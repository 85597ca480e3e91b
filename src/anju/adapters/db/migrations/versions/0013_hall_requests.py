"""Unit web hall requests (单位网厅申请): the submitted data beside the case the counter processes.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hall_request",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("case_no", sa.String(length=24), nullable=False),
        sa.Column("unit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "request_type", sa.String(length=24), nullable=False, comment="open | wage_base | seal | ..."
        ),
        sa.Column(
            "payload_enc",
            sa.LargeBinary(),
            nullable=False,
            comment="SM4-GCM JSON, context hall_request:<case_no>",
        ),
        sa.Column(
            "result_ref", sa.String(length=80), nullable=True, comment="what the counter's approval produced"
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_no"], ["service_case.case_no"], name=op.f("fk_hall_request_case_no_service_case")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_hall_request_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hall_request")),
        sa.UniqueConstraint("case_no", name=op.f("uq_hall_request_case_no")),
        comment="Requests submitted in the unit web hall (单位网厅申请)",
    )
    op.create_index(op.f("ix_hall_request_unit_id"), "hall_request", ["unit_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_hall_request_unit_id"), table_name="hall_request")
    op.drop_table("hall_request")
