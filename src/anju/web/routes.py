"""All counter pages, one router per feature; the app mounts this beside the JSON API."""

from __future__ import annotations

from fastapi import APIRouter

from anju.web import (
    accounting,  # accounting (issue 9)
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
    loans,  # housing loans (个人住房贷款, issue 8)
    members,
    operators,
    org,
    policy,
    remittance,
    sheets,
    units,
    withdrawals,  # withdrawals (提取, issue 7)
)


def web_router() -> APIRouter:
    router = APIRouter(include_in_schema=False)
    for module in (
        auth,
        home,
        org,
        policy,
        ledger,
        accounting,  # accounting (issue 9)
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
        withdrawals,  # withdrawals (提取, issue 7)
        loans,  # housing loans (个人住房贷款, issue 8)
    ):
        router.include_router(module.router)
    return router
