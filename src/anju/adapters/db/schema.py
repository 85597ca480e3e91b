"""The one SQLAlchemy MetaData every table module registers on.

Conventions: integer surrogate keys named `id` that never leave the system; money columns are
BIGINT named `*_fen`; business dates are DATE; audit timestamps are UTC (`*_at`); every large
table keeps `branch_id` as its distribution key (DESIGN.md §5).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, MetaData
from sqlalchemy.dialects import postgresql, sqlite

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# BIGINT everywhere on PostgreSQL; on SQLite an INTEGER PRIMARY KEY is the rowid (autoincrement).
BigId = BigInteger().with_variant(Integer(), "sqlite")
Fen = BigInteger()

__all__ = ["BigId", "Fen", "metadata", "postgresql", "sqlite"]
