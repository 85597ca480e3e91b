"""Fixtures shared by the whole suite.

`db_url` runs a test on SQLite and, when `make test` has started a throwaway PostgreSQL
(ANJU_TEST_PG_URL), on PostgreSQL too. Each test gets a fresh database: a copy of a per-worker
SQLite template file, or a PostgreSQL database cloned from a per-worker template; both already
have the schema.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from anju.adapters.clock import FixedClock
from anju.adapters.db.ddl import create_schema
from anju.adapters.db.engine import make_engine
from anju.bootstrap import Container, build
from anju.settings import load_settings

PG_URL = os.environ.get("ANJU_TEST_PG_URL")
TEST_MASTER_KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f00123456789abcdeffedcba9876543210"
BACKENDS = ["sqlite", pytest.param("pg", marks=pytest.mark.pg)]


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _pg_url(database: str) -> str:
    assert PG_URL is not None
    base, _, query = PG_URL.partition("?")
    root = base.rsplit("/", 1)[0]
    return f"{root}/{database}?{query}" if query else f"{root}/{database}"


_templates: dict[str, str] = {}


def _pg_admin() -> Engine:
    return create_engine(_pg_url("postgres"), isolation_level="AUTOCOMMIT")


def _pg_template() -> str:
    name = f"anju_tmpl_{_worker()}"
    if name in _templates:
        return name
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = make_engine(_pg_url(name))
    create_schema(engine)
    engine.dispose()
    _templates[name] = name
    return name


_sqlite_templates: list[Path] = []


def _sqlite_template(tmp_path: Path) -> Path:
    """A SQLite file with the schema, made once per worker process and copied for each test.

    The schema is complete when the last connection closes (WAL checkpointed into the file), so a
    plain file copy of the closed template is a fresh database."""
    if not _sqlite_templates:
        path = tmp_path.parent / f"anju_template_{_worker()}_{uuid.uuid4().hex[:8]}.db"
        engine = make_engine(f"sqlite:///{path}")
        create_schema(engine)
        engine.dispose()
        _sqlite_templates.append(path)
    return _sqlite_templates[0]


def fresh_database_url(backend: str, tmp_path: Path) -> tuple[str, list[str]]:
    """A URL to an empty database with the schema, and what to drop afterwards."""
    if backend == "sqlite":
        target = tmp_path / "anju.db"
        shutil.copyfile(_sqlite_template(tmp_path), target)
        return f"sqlite:///{target}", []
    if PG_URL is None:
        pytest.skip("PostgreSQL not available (run through `make test`)")
    return _pg_copy(_pg_template())


def _pg_copy(template: str) -> tuple[str, list[str]]:
    name = f"anju_t_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    admin.dispose()
    return _pg_url(name), [name]


def copy_database(url: str, tmp_path: Path) -> tuple[str, list[str]]:
    """A copy of a database nobody is connected to (its engine disposed: on SQLite the WAL is
    then checkpointed into the file), and what to drop afterwards."""
    if url.startswith("sqlite:///"):
        target = tmp_path / "anju.db"
        shutil.copyfile(url.removeprefix("sqlite:///"), target)
        return f"sqlite:///{target}", []
    return _pg_copy(url.partition("?")[0].rsplit("/", 1)[1])


def drop_databases(names: list[str]) -> None:
    if not names:
        return
    admin = _pg_admin()
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))


@pytest.fixture
def container(backend: str, tmp_path: Path, clock: FixedClock) -> Iterator[Container]:
    """A wired application on a fresh database of the given backend."""
    with open_container(backend, tmp_path, clock) as c:
        yield c


@contextmanager
def open_container(
    backend: str, tmp_path: Path, clock: FixedClock, *, copy_of: str | None = None
) -> Iterator[Container]:
    """What the `container` fixture yields, for a test that needs several databases (one per
    Hypothesis example, say): a fresh one, or a copy of the database at `copy_of` (a URL, its
    engine disposed). `tmp_path` must be a directory of its own for each."""
    if copy_of is None:
        url, to_drop = fresh_database_url(backend, tmp_path)
    else:
        url, to_drop = copy_database(copy_of, tmp_path)
    settings = load_settings(
        {
            "ANJU_HOME": str(tmp_path / "home"),
            "ANJU_DATABASE_URL": url,
            "ANJU_MASTER_KEY": TEST_MASTER_KEY,
            "ANJU_CENTRE_CODE": "410100",
            "ANJU_PASSWORD_ITERATIONS": "2000",
        }
    )
    c = build(settings, clock=clock)
    try:
        yield c
    finally:
        c.engine.dispose()
        drop_databases(to_drop)


@pytest.fixture
def sqlite_container(tmp_path: Path, clock: FixedClock) -> Iterator[Container]:
    """SQLite only: for tests about behaviour that does not depend on the database."""
    url, _ = fresh_database_url("sqlite", tmp_path)
    settings = load_settings(
        {
            "ANJU_HOME": str(tmp_path / "home"),
            "ANJU_DATABASE_URL": url,
            "ANJU_MASTER_KEY": TEST_MASTER_KEY,
            "ANJU_PASSWORD_ITERATIONS": "2000",
        }
    )
    c = build(settings, clock=clock)
    yield c
    c.engine.dispose()
