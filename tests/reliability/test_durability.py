"""Durability configuration guard (reliability.md R3): the service refuses to start on settings
that could lose an acknowledged commit, and the settings it runs with are the safe ones."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import create_engine, event

from anju.adapters.db.engine import durability_problems
from anju.bootstrap import Container, build
from anju.errors import InvariantViolation


def test_the_running_database_is_durable(container: Container) -> None:
    assert durability_problems(container.engine) == []


def test_start_up_refuses_unsafe_sqlite_settings(sqlite_container: Container) -> None:
    url = sqlite_container.settings.database_url
    unsafe = create_engine(url)

    @event.listens_for(unsafe, "connect")
    def _relaxed(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA synchronous=NORMAL")

    try:
        with pytest.raises(InvariantViolation) as refused:
            build(sqlite_container.settings, engine=unsafe)
        assert refused.value.code == "unsafe_durability"
        assert "synchronous" in str(refused.value.details)
    finally:
        unsafe.dispose()


def test_start_up_refuses_postgres_without_synchronous_commit(container: Container, backend: str) -> None:
    if backend != "pg":
        pytest.skip("PostgreSQL settings")
    url = container.settings.database_url
    relaxed = create_engine(
        url.replace("postgresql://", "postgresql+psycopg://", 1),
        connect_args={"options": "-c synchronous_commit=off"},
    )
    try:
        assert any("synchronous_commit" in p for p in durability_problems(relaxed))
        with pytest.raises(InvariantViolation):
            build(container.settings, engine=relaxed)
    finally:
        relaxed.dispose()
