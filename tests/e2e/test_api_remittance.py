"""Remittance over the JSON API: roster → confirm → payment (replayed), suspense and refund,
deferral with maker-checker, refusals with their codes, and the branch scope."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from anju.bootstrap import Container
from anju.ids import make_resident_id
from tests.e2e.test_api_collection import register


def member(client: Any, unit_no: str, n: int, wage: str) -> dict[str, Any]:
    body = {
        "unit_account_no": unit_no,
        "resident_id": make_resident_id(f"41010219850101{n:03d}").reveal(),
        "name": f"职工{n}",
        "wage_base": wage,
    }
    reply = client.post("/api/v1/members", body)
    assert reply.status_code == 201, reply.text
    return dict(reply.json())


def unit_with_members(client: Any, n: int) -> str:
    unit_no = register(client, n, unit_ratio_percent="12", member_ratio_percent="12")["unit_account_no"]
    member(client, unit_no, n * 10 + 1, "8000.00")
    member(client, unit_no, n * 10 + 2, "6000.00")
    return str(unit_no)


def test_roster_payment_and_replay_over_the_api(make_client: Any) -> None:
    clerk = make_client("clerk01")
    unit_no = unit_with_members(clerk, 41)
    roster = clerk.post(f"/api/v1/remittance/units/{unit_no}/rosters", {"month": "202611"})
    assert roster.status_code == 201, roster.text
    body = roster.json()
    assert (body["state"], body["headcount"], body["total"], body["unit_ratio_percent"]) == (
        "draft",
        2,
        "3360.00",
        "12",
    )
    roster_id = body["id"]
    lines = clerk.get(f"/api/v1/remittance/rosters/{roster_id}/lines").json()
    assert [line["amount"] for line in lines] == ["1920.00", "1440.00"]
    assert all("*" in line["member_name"] for line in lines)
    confirmed = clerk.post(f"/api/v1/remittance/rosters/{roster_id}/confirm")
    assert confirmed.json()["state"] == "confirmed"

    payment = {
        "unit_account_no": unit_no,
        "amount": "3360.00",
        "serial_no": "GM-API-1",
        "received_on": "2026-11-23",
    }
    first = clerk.post("/api/v1/remittance/payments", payment, key="remittance-pay-0000000001")
    assert first.status_code == 201, first.text
    assert (first.json()["state"], first.json()["roster_id"]) == ("matched", roster_id)
    again = clerk.post("/api/v1/remittance/payments", payment, key="remittance-pay-0000000001")
    assert again.json() == first.json() and again.headers.get("Idempotent-Replayed") == "true"
    # Another key, same bank serial: the payment is not booked twice.
    other = clerk.post("/api/v1/remittance/payments", payment, key="remittance-pay-0000000002")
    assert other.status_code == 201 and other.json()["voucher_no"] == first.json()["voucher_no"]
    assert clerk.get(f"/api/v1/remittance/rosters/{roster_id}").json()["state"] == "paid"
    assert clerk.get("/api/v1/remittance/payments/GM-API-1").json()["state"] == "matched"

    refused = clerk.post(f"/api/v1/remittance/units/{unit_no}/rosters", {"month": "202611"})
    assert refused.status_code == 422
    assert refused.json()["code"] == "roster_month_already_paid"
    assert "已经缴存" in refused.json()["message"]
    float_amount = clerk.post(
        "/api/v1/remittance/payments", {**payment, "amount": 3360.0, "serial_no": "GM-X"}
    )
    assert float_amount.status_code == 422  # amounts are strings, never JSON numbers


def test_suspense_allocation_and_refund_over_the_api(make_client: Any) -> None:
    clerk = make_client("clerk01")
    unit_no = unit_with_members(clerk, 42)
    roster_id = clerk.post(f"/api/v1/remittance/units/{unit_no}/rosters", {"month": "202611"}).json()["id"]
    clerk.post(f"/api/v1/remittance/rosters/{roster_id}/confirm")
    short = clerk.post(
        "/api/v1/remittance/payments",
        {
            "unit_account_no": unit_no,
            "amount": "3400.00",
            "serial_no": "GM-API-S",
            "received_on": "2026-11-23",
        },
    )
    assert short.json()["state"] == "suspense"
    suspense = clerk.get(f"/api/v1/remittance/units/{unit_no}/suspense").json()
    assert suspense["balance"] == "3400.00" and [r["id"] for r in suspense["confirmed_rosters"]] == [
        roster_id
    ]
    allocated = clerk.post(
        f"/api/v1/remittance/units/{unit_no}/suspense/allocations", {"roster_id": roster_id}
    )
    assert allocated.status_code == 200, allocated.text
    assert allocated.json()["state"] == "paid"
    refund = clerk.post(
        f"/api/v1/remittance/units/{unit_no}/suspense/refunds",
        {
            "amount": "40.00",
            "reason": "多缴",
            "payee_name": "安居接口测试42有限公司",
            "payee_account_no": "41050100000042",
        },
    )
    assert refund.status_code == 201, refund.text
    assert (refund.json()["state"], refund.json()["amount"]) == ("pending", "40.00")
    assert clerk.get(f"/api/v1/remittance/units/{unit_no}/suspense").json()["balance"] == "0.00"


def test_a_deferral_goes_through_three_people(make_client: Any, seeded: Container) -> None:
    clerk = make_client("clerk01")
    unit_no = unit_with_members(clerk, 43)
    applied = clerk.post(
        "/api/v1/remittance/deferrals",
        {
            "unit_account_no": unit_no,
            "kind": "ratio_reduction",
            "start_month": "202611",
            "end_month": "202612",
            "approving_body": "安居市住房公积金管理委员会",
            "document_no": "安公积金管委〔2026〕9号",
            "unit_ratio_percent": "5",
            "member_ratio_percent": "5",
        },
    )
    assert applied.status_code == 201, applied.text
    deferral_id = applied.json()["id"]
    assert clerk.post(f"/api/v1/remittance/deferrals/{deferral_id}/review").status_code == 403
    reviewer = make_client("reviewer1")
    assert (
        reviewer.post(f"/api/v1/remittance/deferrals/{deferral_id}/review").json()["case_state"] == "reviewed"
    )
    same = reviewer.post(f"/api/v1/remittance/deferrals/{deferral_id}/approve")
    assert same.status_code == 403 and same.json()["code"] == "case_same_person"
    approver = make_client("approver1")
    approved = approver.post(f"/api/v1/remittance/deferrals/{deferral_id}/approve")
    assert approved.json()["state"] == "active"
    roster = clerk.post(f"/api/v1/remittance/units/{unit_no}/rosters", {"month": "202611"}).json()
    assert (roster["unit_ratio_percent"], roster["total"]) == ("5", "1400.00")


def test_arrears_and_notices_over_the_api(make_client: Any, seeded: Container) -> None:
    clerk = make_client("clerk01")
    unit_no = unit_with_members(clerk, 44)
    refused = clerk.post(f"/api/v1/remittance/units/{unit_no}/notices", {"kind": "reminder"})
    assert refused.status_code == 422 and refused.json()["code"] == "unit_not_in_arrears"
    with seeded.engine.begin() as conn:  # a unit that joined Anju with history: opened in October
        conn.execute(
            text("UPDATE unit SET opened_on = '2026-10-09' WHERE unit_account_no = :n"), {"n": unit_no}
        )
    owed = clerk.get(f"/api/v1/remittance/units/{unit_no}/arrears").json()
    assert (owed["months"], owed["estimated_amount"]) == (["202610"], "3360.00")
    assert unit_no in [r["unit_account_no"] for r in clerk.get("/api/v1/remittance/arrears").json()["items"]]
    notice = clerk.post(f"/api/v1/remittance/units/{unit_no}/notices", {"kind": "reminder"})
    assert notice.status_code == 201, notice.text
    assert notice.json()["kind_label"] == "催缴通知书"
    assert clerk.get(f"/api/v1/remittance/notices/{notice.json()['notice_no']}").status_code == 200


def test_another_branch_cannot_see_or_pay_for_the_unit(make_client: Any) -> None:
    clerk = make_client("clerk01")
    unit_no = unit_with_members(clerk, 45)
    roster_id = clerk.post(f"/api/v1/remittance/units/{unit_no}/rosters", {"month": "202611"}).json()["id"]
    stranger = make_client("clerk03")
    assert stranger.get(f"/api/v1/remittance/rosters/{roster_id}").status_code in (403, 404)
    assert stranger.get(f"/api/v1/remittance/units/{unit_no}/suspense").status_code in (403, 404)
    paid = stranger.post(
        "/api/v1/remittance/payments",
        {
            "unit_account_no": unit_no,
            "amount": "1.00",
            "serial_no": "GM-STRANGER",
            "received_on": "2026-11-23",
        },
    )
    assert paid.status_code in (403, 404)
    assert stranger.post(f"/api/v1/remittance/rosters/{roster_id}/confirm").status_code in (403, 404)
