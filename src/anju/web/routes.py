"""All counter pages, one router per feature; the app mounts this beside the JSON API."""

from __future__ import annotations

from fastapi import APIRouter

from anju.web import (
    audit,
    auth,
    bank,
    batch,
    calculator,
    cases,
    dashboard,
    documents,
    hall,
    hall_accounts,
    home,
    ledger,
    members,
    operators,
    org,
    policy,
    remittance,
    sheets,
    units,
)


def web_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)
    for module in (
        auth,
        home,
        org,
        policy,
        ledger,
        units,
        members,
        cases,
        remittance,
        bank,
        batch,
        audit,
        operators,
        calculator,
        documents,
        sheets,
        hall_accounts,
        hall,
        dashboard,
    ):
        router.include_router(module.router)
    return router
