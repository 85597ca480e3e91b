"""The one place that wires adapters to ports: settings -> engine, crypto, clock, units of work."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from anju.adapters.clock import SystemClock
from anju.adapters.crypto.provider import SoftwareCryptoProvider, load_master_key
from anju.adapters.db.engine import durability_problems, make_engine
from anju.adapters.db.unit_of_work import Deps, SqlUnitOfWork
from anju.errors import InvariantViolation
from anju.services.ports import Clock, UnitOfWork
from anju.settings import Settings, load_settings


@dataclass
class Container:
    settings: Settings
    engine: Engine
    clock: Clock
    crypto: SoftwareCryptoProvider

    def uow(self, *, read_only: bool = False) -> UnitOfWork:
        deps = Deps(clock=self.clock, crypto=self.crypto, centre_code=self.settings.centre_code)
        return SqlUnitOfWork(self.engine, deps, read_only=read_only)  # type: ignore[return-value]


def build(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    engine: Engine | None = None,
    check_durability: bool = True,
) -> Container:
    """Wire everything; refuses to start on failed crypto self-tests or unsafe durability."""
    settings = settings or load_settings()
    crypto = SoftwareCryptoProvider(
        load_master_key(settings), password_iterations=settings.password_iterations
    )
    crypto.self_test()  # known-answer tests (K1): raises InvariantViolation on a mismatch
    engine = engine or make_engine(settings.database_url)
    if check_durability:
        problems = durability_problems(engine)
        if problems:
            raise InvariantViolation("unsafe_durability", problems="; ".join(problems))
    return Container(settings=settings, engine=engine, clock=clock or SystemClock(), crypto=crypto)


def create_master_key_if_missing(settings: Settings) -> bool:
    """`anju init`: a new master key file, unless a key is configured already. True if created."""
    from anju.adapters.crypto.provider import create_master_key_file

    if settings.master_key_hex or settings.master_key_file.exists():
        return False
    create_master_key_file(settings.master_key_file)
    return True


def upgrade_schema(engine: Engine) -> None:
    from anju.adapters.db.migrate import upgrade

    upgrade(engine)


def schema_revision(engine: Engine) -> tuple[str | None, str | None]:
    """(current, head) Alembic revisions."""
    from anju.adapters.db.migrate import current_revision, head_revision

    return current_revision(engine), head_revision()
