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
    developer_hall_accounts,  # the counter opens developer hall accounts (issue 10)
    documents,
    hall,
    hall_accounts,
    hall_developer,  # the developer web hall (开发商网厅, issue 10)
    hall_requests,  # unit web hall requests and the counter's processing (issue 10)
    home,
    ledger,
    loan_servicing,  # housing loans: 贷后管理 (issue 8)
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
        hall_developer,  # the developer web hall (开发商网厅, issue 10), before hall's /hall/{...}
        hall_requests,  # unit web hall requests (issue 10), before hall's /hall/{...}
        hall,
        developer_hall_accounts,  # before loans' /loans/{loan_no}/... (issue 10)
        dashboard,
        withdrawals,  # withdrawals (提取, issue 7)
        loans,  # housing loans (个人住房贷款, issue 8)
        loan_servicing,  # housing loans: 贷后管理 (issue 8)
    ):
        router.include_router(module.router)
    return router
