"""The ASGI factory uvicorn's workers import (`uvicorn bench.asgi:app --factory`): the real app on
the database named by ANJU_DATABASE_URL, wired exactly as `anju serve` wires it."""

from __future__ import annotations

from fastapi import FastAPI

from anju.api.app import create_app
from anju.bootstrap import build


def app() -> FastAPI:
    return create_app(build())
