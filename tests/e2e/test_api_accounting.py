"""Accounting over the API: maker-checker manual voucher, correction, reports as JSON, bank
advices posted once per serial, permissions."""

from __future__ import annotations

from typing import Any

from anju.bootstrap import Container
from anju.services.runner import read

VOUCHER = {
    "memo": "收到银行利息",
    "lines": [
        {"gl_code": "10101", "side": "debit", "amount": "1234.56"},
        {"gl_code": "40101", "side": "credit", "amount": "1234.56"},
    ],
}


def test_a_voucher_made_by_one_clerk_is_reviewed_and_posted_by_another(make_client: Any) -> None:
    maker = make_client("finance1")
    made = maker.post("/api/v1/accounting/vouchers", VOUCHER)
    assert made.status_code == 201, made.text
    number = made.json()["number"]
    assert made.json()["state"] == "draft" and made.json()["total"] == "1234.56"
    own = maker.post(f"/api/v1/accounting/vouchers/{number}/review")
    assert own.status_code == 422 and own.json()["code"] == "maker_cannot_review"

    checker = make_client("finance2")
    assert checker.post(f"/api/v1/accounting/vouchers/{number}/review").json()["state"] == "reviewed"
    posted = maker.post(f"/api/v1/accounting/vouchers/{number}/post").json()
    assert posted["state"] == "posted" and posted["voucher_no"]

    correction = maker.post(
        "/api/v1/accounting/corrections", {"voucher_no": posted["voucher_no"], "reason": "重复记账"}
    )
    assert correction.status_code == 201 and correction.json()["kind"] == "correction"

    sheet = maker.get("/api/v1/accounting/reports/balance-sheet").json()
    assert sheet["balanced"] is True
    assets = next(row for row in sheet["rows"] if row[1] == "资产合计")
    assert assets[2] == "1234.56"


def test_a_bank_advice_posts_once_per_serial(make_client: Any, seeded: Container) -> None:
    account = read(seeded.uow, lambda uow: uow.accounting.bank_books())[0].bank_account_no
    finance = make_client("finance1")
    advice = {"bank_account_no": account, "amount": "88.00", "serial_no": "B20261123001"}
    first = finance.post("/api/v1/accounting/funds/interest", advice)
    assert first.status_code == 201, first.text
    again = finance.post("/api/v1/accounting/funds/interest", advice)
    assert again.status_code == 409 and again.json()["code"] == "duplicate_source_ref"
    balances = finance.get("/api/v1/accounting/reports/bank-balances").json()
    assert balances["rows"][-1][-1] == "88.00"
    placed = finance.post(
        "/api/v1/accounting/funds/time-deposits",
        {
            "bank_account_no": account,
            "deposit_no": "TD-9",
            "kind": "notice",
            "amount": "80.00",
            "rate": "0.55",
        },
    )
    assert placed.status_code == 201, placed.text
    assert placed.json()["state"] == "placed" and placed.json()["principal"] == "80.00"
    drawn = finance.post("/api/v1/accounting/funds/time-deposits/TD-9/withdrawal", {"interest": "0.05"})
    assert drawn.status_code == 200 and drawn.json()["interest"] == "0.05"
    balances = finance.get("/api/v1/accounting/reports/bank-balances").json()
    assert balances["rows"][-1][-1] == "88.05"


def test_reports_need_the_reports_permission(make_client: Any) -> None:
    clerk = make_client("clerk01")
    assert clerk.get("/api/v1/accounting/reports/balance-sheet").status_code == 403
    auditor = make_client("auditor1")
    table = auditor.get("/api/v1/accounting/reports/collection-monthly?month=202611")
    assert table.status_code == 200 and table.json()["title"] == "住房公积金归集业务统计表"
    assert auditor.get("/api/v1/accounting/reports/nothing").status_code == 404
