"""The Alembic migrations build exactly the schema the table definitions describe, with the DDL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from anju.adapters.db import tables  # noqa: F401
from anju.adapters.db.engine import make_engine
from anju.adapters.db.migrate import current_revision, head_revision, upgrade
from anju.adapters.db.schema import metadata
from tests.conftest import PG_URL, _pg_admin, _pg_url, drop_databases


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> object:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    if PG_URL is None:
        pytest.skip("PostgreSQL not available (run through `make test`)")
    name = f"anju_mig_{tmp_path.name[-8:].lower().replace('-', '_')}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    yield _pg_url(name)
    drop_databases([name])


def test_upgrade_matches_the_table_definitions(empty_url: str) -> None:
    engine = make_engine(empty_url)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == [], diff
    # The rules the database enforces arrived too: the same triggers as the test schema has.
    assert _triggers(engine) >= {"posting", "voucher", "audit_log", "policy_version"}
    engine.dispose()


def _triggers(engine: object) -> set[str]:
    """Tables that carry at least one trigger."""
    with engine.connect() as conn:  # type: ignore[attr-defined]
        if conn.dialect.name == "sqlite":
            rows = conn.execute(text("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger'"))
        else:
            rows = conn.execute(
                text(
                    "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                    "WHERE NOT t.tgisinternal"
                )
            )
        return {r[0] for r in rows}


def test_upgrade_twice_changes_nothing(empty_url: str) -> None:
    engine = make_engine(empty_url)
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()
