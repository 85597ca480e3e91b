"""All counter pages, one router per feature; the app mounts this beside the JSON API."""

from __future__ import annotations

from fastapi import APIRouter

from anju.web import audit, auth, calculator, home, ledger, operators, org, policy


def web_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)
    for module in (auth, home, org, policy, ledger, audit, operators, calculator):
        router.include_router(module.router)
    return router
