"""The SQL unit of work: one connection, one transaction, every repository bound to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Engine
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, OperationalError

from anju.adapters.db.engine import READ_ONLY_OPTION
from anju.errors import TransientConflict
from anju.services.ports import Clock

_TRANSIENT_PG_CODES = {"40001", "40P01", "55P03"}  # serialization, deadlock, lock not available


@dataclass(frozen=True, slots=True)
class Deps:
    """What repositories may need besides the connection."""

    clock: Clock
    crypto: Any  # anju.services.ports.CryptoProvider
    centre_code: str


RepositoryFactory = Callable[[Connection, Deps], Any]

# name on the unit of work -> factory. Each feature registers its repository here.
REPOSITORIES: dict[str, RepositoryFactory] = {}


def register(name: str, factory: RepositoryFactory) -> None:
    REPOSITORIES[name] = factory


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, OperationalError) and "database is locked" in str(exc):
        return True
    if isinstance(exc, DBAPIError):
        code = getattr(exc.orig, "sqlstate", None)
        return code in _TRANSIENT_PG_CODES
    return False


class SqlUnitOfWork:
    def __init__(self, engine: Engine, deps: Deps, *, read_only: bool = False) -> None:
        self._engine = engine
        self._deps = deps
        self._read_only = read_only
        self.crypto = deps.crypto

    def __enter__(self) -> Self:
        conn = self._engine.connect()
        if self._read_only:
            conn = conn.execution_options(**{READ_ONLY_OPTION: True})
            if conn.dialect.name == "postgresql":
                # A read sees ONE snapshot across all its statements (reliability C2): under Read
                # Committed each SELECT sees its own, and a report could catch half a transfer.
                # Read-only transactions never fail serialisation under REPEATABLE READ.
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
        self.conn = conn
        self._tx = conn.begin()
        for name, factory in REPOSITORIES.items():
            setattr(self, name, factory(conn, self._deps))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._tx.is_active:
                self._tx.rollback()
        finally:
            self.conn.close()
        if exc is not None and is_transient(exc):
            raise TransientConflict("transient_conflict") from exc

    def commit(self) -> None:
        try:
            self._tx.commit()
        except DBAPIError as exc:
            if is_transient(exc):
                raise TransientConflict("transient_conflict") from exc
            raise

    def rollback(self) -> None:
        self._tx.rollback()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        nested = self.conn.begin_nested()
        try:
            yield
        except BaseException:
            if nested.is_active:
                nested.rollback()
            raise
        else:
            nested.commit()

    def now_utc(self) -> datetime:
        return self._deps.clock.now_utc()


def _register_common() -> None:
    from anju.adapters.db.repositories.common import SqlIdempotencyRepository, SqlSequenceRepository

    register("sequences", lambda conn, _deps: SqlSequenceRepository(conn))
    register("idempotency", lambda conn, _deps: SqlIdempotencyRepository(conn))


_register_common()

# Feature repositories register themselves on import.
import anju.adapters.db.repositories  # noqa: E402, F401
