"""Engines for SQLite (embedded default) and PostgreSQL 15 (production), with safe settings.

SQLite: WAL, synchronous=FULL, foreign keys on, and every write transaction opened with
BEGIN IMMEDIATE, so two writers never both read and then collide at commit (SQLITE_BUSY_SNAPSHOT).
A unit of work opened read-only uses a deferred BEGIN instead, so readers never wait on writers.
PostgreSQL: Read Committed with ordered row locks and conditional updates (DESIGN.md §5).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.pool import QueuePool

READ_ONLY_OPTION = "anju_read_only"
SQLITE_POOL_SIZE = 8


def is_sqlite(engine: Engine | Connection) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url, echo=echo)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        isolation_level="READ COMMITTED",
    )


def _sqlite_engine(url: str, *, echo: bool) -> Engine:
    memory = url in {"sqlite://", "sqlite:///:memory:"}
    engine = create_engine(
        url,
        echo=echo,
        # Pooled: opening a connection and setting its PRAGMAs (journal_mode takes a lock) cost
        # more than a typical read. A pooled connection is used by one thread at a time; extra
        # connections beyond the pool (many concurrent readers) are opened and closed on demand.
        poolclass=QueuePool if not memory else None,
        **({} if memory else {"pool_size": SQLITE_POOL_SIZE, "max_overflow": -1}),
        connect_args={"check_same_thread": False, "timeout": 30},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so BEGIN is ours.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(READ_ONLY_OPTION):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def durability_problems(engine: Engine) -> list[str]:
    """Settings that would lose acknowledged commits (R3); empty when all is safe."""
    problems: list[str] = []
    with engine.connect() as conn:
        if is_sqlite(conn):
            mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            sync = conn.exec_driver_sql("PRAGMA synchronous").scalar()
            path = conn.exec_driver_sql("PRAGMA database_list").fetchone()
            in_memory = path is None or not path[2]
            if not in_memory and str(mode).lower() != "wal":
                problems.append(f"SQLite journal_mode={mode}, expected wal")
            if sync != 2:  # 2 = FULL
                problems.append(f"SQLite synchronous={sync}, expected FULL (2)")
        else:
            for name, expected in (
                ("fsync", "on"),
                ("full_page_writes", "on"),
                ("synchronous_commit", "on"),
                ("data_checksums", "on"),
            ):
                value = conn.exec_driver_sql(f"SHOW {name}").scalar()
                if str(value).lower() != expected:
                    problems.append(f"PostgreSQL {name}={value}, expected {expected}")
        conn.rollback()
    return problems
