"""Manual vouchers over the API the only way they post: made by one finance clerk, reviewed (复核)
by another, then posted (ADR 0011). Tests that need a posted voucher use these."""

from __future__ import annotations

from typing import Any

INTEREST_VOUCHER: dict[str, Any] = {
    "memo": "收到银行利息",
    "lines": [
        {"gl_code": "10101", "side": "debit", "amount": "1234.56"},
        {"gl_code": "40101", "side": "credit", "amount": "1234.56"},
    ],
}


def made_and_reviewed(maker: Any, checker: Any, body: dict[str, Any]) -> str:
    """The manual voucher's number (YYYYMM-NNNN), reviewed and ready to post."""
    made = maker.post("/api/v1/accounting/vouchers", body)
    assert made.status_code == 201, made.text
    number = str(made.json()["number"])
    reviewed = checker.post(f"/api/v1/accounting/vouchers/{number}/review")
    assert reviewed.status_code == 200, reviewed.text
    return number


def post_reviewed(maker: Any, checker: Any, body: dict[str, Any] = INTEREST_VOUCHER) -> str:
    """Make, review and post a manual voucher; returns the ledger voucher number."""
    number = made_and_reviewed(maker, checker, body)
    posted = maker.post(f"/api/v1/accounting/vouchers/{number}/post")
    assert posted.status_code == 200, posted.text
    return str(posted.json()["voucher_no"])


def correct(maker: Any, checker: Any, voucher_no: str, reason: str) -> str:
    """错账调整: the reviewed reversal of a posted voucher; returns the reversal's voucher number."""
    made = maker.post("/api/v1/accounting/corrections", {"voucher_no": voucher_no, "reason": reason})
    assert made.status_code == 201, made.text
    number = made.json()["number"]
    assert checker.post(f"/api/v1/accounting/vouchers/{number}/review").status_code == 200
    posted = maker.post(f"/api/v1/accounting/vouchers/{number}/post")
    assert posted.status_code == 200, posted.text
    return str(posted.json()["voucher_no"])
