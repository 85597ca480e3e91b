"""Dialect-specific DDL that MetaData cannot express: immutability and balance triggers.

Each feature registers its statements; `create_schema` and the Alembic migrations both install
them from here, so tests and production get the same database rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.engine import Connection


@dataclass(frozen=True, slots=True)
class DialectDDL:
    name: str
    sqlite: list[str] = field(default_factory=list)
    postgresql: list[str] = field(default_factory=list)


DDL_REGISTRY: list[DialectDDL] = []


def register_ddl(ddl: DialectDDL) -> None:
    if all(existing.name != ddl.name for existing in DDL_REGISTRY):
        DDL_REGISTRY.append(ddl)


def install_ddl(conn: Connection, names: list[str] | None = None) -> None:
    """Install the registered DDL, or only the named entries (a migration names what it adds)."""
    from anju.adapters.db import tables  # noqa: F401 - registers every table and its DDL

    dialect = conn.dialect.name
    for ddl in DDL_REGISTRY:
        if names is not None and ddl.name not in names:
            continue
        for statement in ddl.sqlite if dialect == "sqlite" else ddl.postgresql:
            # psycopg reads % as a placeholder even with no parameters (plpgsql RAISE uses it).
            conn.exec_driver_sql(statement.replace("%", "%%") if dialect == "postgresql" else statement)


def create_schema(engine: Engine) -> None:
    """Create every table and install the DDL (tests and `anju init` on an empty database)."""
    from anju.adapters.db import tables  # noqa: F401 - registers every table and its DDL
    from anju.adapters.db.schema import metadata

    with engine.begin() as conn:
        metadata.create_all(conn)
        install_ddl(conn)
