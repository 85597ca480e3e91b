"""Alembic environment: runs on the connection `anju migrate` hands over, or on ANJU_DATABASE_URL."""

from __future__ import annotations

from alembic import context

from anju.adapters.db import tables  # noqa: F401 - registers every table
from anju.adapters.db.engine import make_engine
from anju.adapters.db.schema import metadata
from anju.settings import load_settings

config = context.config


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or load_settings().database_url)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
