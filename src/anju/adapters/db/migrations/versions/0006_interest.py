"""Deposit interest: buckets and daily products on ledger_account, bucket split and FSLXE on posting.

Member deposit accounts that exist already start their products on the later of their opening day
and the current business date (interest before the upgrade belongs to the system they came from)
with their whole balance as current-year collections.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BUCKETS = "accrued_through IS NULL OR balance_fen = current_year_fen + carried_fen"
BUCKETS_NOT_NEGATIVE = "current_year_fen >= 0 AND carried_fen >= 0"
BUCKET_SPLIT = (
    "(current_year_fen IS NULL AND carried_fen IS NULL) OR (current_year_fen >= 0 "
    "AND carried_fen >= 0 AND current_year_fen + carried_fen = amount_fen)"
)
INTEREST_NOT_NEGATIVE = "interest_fen IS NULL OR interest_fen >= 0"
_START_PRODUCTS = (
    "UPDATE ledger_account SET current_year_fen = balance_fen, accrued_through = "
    "COALESCE({later}(opened_on, (SELECT business_date FROM business_calendar WHERE id = 1)), opened_on) "
    "WHERE kind = 'member_deposit'"
)
START_PRODUCTS_SQLITE = _START_PRODUCTS.format(later="max")
START_PRODUCTS_PG = _START_PRODUCTS.format(later="GREATEST")


def _check(sqlite: bool, condition: str, name: str) -> tuple[sa.CheckConstraint, ...]:
    # SQLite cannot add a table constraint; a CHECK in the added column's definition may name
    # other columns and is tested against the existing rows (SQLite >= 3.37).
    return (sa.CheckConstraint(condition, name=op.f(name)),) if sqlite else ()


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    op.add_column(
        "ledger_account",
        sa.Column(
            "current_year_fen",
            sa.BigInteger(),
            comment="当年归集余额 GRZHDNGJYE",
            nullable=False,
            server_default="0",
        ),
    )
    op.add_column(
        "ledger_account",
        sa.Column(
            "carried_fen",
            sa.BigInteger(),
            comment="上年结转余额 GRZHSNJZYE",
            nullable=False,
            server_default="0",
        ),
    )
    op.add_column(
        "ledger_account",
        sa.Column(
            "balance_days_current",
            sa.BigInteger(),
            comment="当年归集积数 fen·days",
            nullable=False,
            server_default="0",
        ),
    )
    op.add_column(
        "ledger_account",
        sa.Column(
            "balance_days_carried",
            sa.BigInteger(),
            *_check(sqlite, BUCKETS_NOT_NEGATIVE, "ck_ledger_account_interest_buckets_not_negative"),
            comment="上年结转积数 fen·days",
            nullable=False,
            server_default="0",
        ),
    )
    op.add_column(
        "ledger_account",
        sa.Column(
            "interest_settled_on", sa.Date(), nullable=True, comment="30 June of the last annual settlement"
        ),
    )
    op.add_column(
        "ledger_account",
        sa.Column(
            "accrued_through",
            sa.Date(),
            *_check(sqlite, BUCKETS, "ck_ledger_account_interest_buckets"),
            nullable=True,
            comment="first day not yet in the products; NULL: no interest",
        ),
    )
    op.execute(START_PRODUCTS_SQLITE if sqlite else START_PRODUCTS_PG)
    op.add_column(
        "posting",
        sa.Column("current_year_fen", sa.BigInteger(), nullable=True, comment="当年归集发生额 DNGJFSE"),
    )
    op.add_column(
        "posting",
        sa.Column(
            "carried_fen",
            sa.BigInteger(),
            *_check(sqlite, BUCKET_SPLIT, "ck_posting_bucket_split"),
            nullable=True,
            comment="上年结转发生额 SNJZFSE",
        ),
    )
    op.add_column(
        "posting",
        sa.Column(
            "interest_fen",
            sa.BigInteger(),
            *_check(sqlite, INTEREST_NOT_NEGATIVE, "ck_posting_interest_not_negative"),
            nullable=True,
            comment="发生利息额 FSLXE",
        ),
    )
    if not sqlite:
        op.create_check_constraint(op.f("ck_ledger_account_interest_buckets"), "ledger_account", BUCKETS)
        op.create_check_constraint(
            "ck_ledger_account_interest_buckets_not_negative", "ledger_account", BUCKETS_NOT_NEGATIVE
        )
        op.create_check_constraint(op.f("ck_posting_bucket_split"), "posting", BUCKET_SPLIT)
        op.create_check_constraint(op.f("ck_posting_interest_not_negative"), "posting", INTEREST_NOT_NEGATIVE)


def downgrade() -> None:
    # Interest products are part of the books: restore a backup instead of dropping them.
    raise NotImplementedError("downgrade of deposit interest is refused; restore from a backup")
