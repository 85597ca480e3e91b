"""Collection over the API: units, member accounts, cases — including object-level authorisation
(a clerk of branch 02 cannot see or change a unit of branch 03) and the audited reveal."""

from __future__ import annotations

from typing import Any

from anju.bootstrap import Container
from anju.domain.security import Actor, Role
from anju.ids import credit_code_check_char, make_resident_id
from anju.services import cases
from anju.services.runner import run

RID = make_resident_id("41010219880808123").reveal()


def credit_code(n: int) -> str:
    body = f"91410100MA{n:07d}"
    return body + credit_code_check_char(body)


def unit_body(n: int, **overrides: Any) -> dict[str, Any]:
    body = {
        "name": f"安居接口测试{n}有限公司",
        "credit_code": credit_code(n),
        "economic_type": "160",
        "industry": "C13",
        "address": "安居市东风路 1 号",
        "handler_name": "周经办",
        "handler_phone": "13511112222",
        "bank_code": "105",
        "unit_ratio_percent": "10",
        "member_ratio_percent": "10",
        "payday": 15,
    }
    body.update(overrides)
    return body


def register(client: Any, n: int, **overrides: Any) -> dict[str, Any]:
    reply = client.post("/api/v1/units", unit_body(n, **overrides))
    assert reply.status_code == 201, reply.text
    return dict(reply.json())


def open_member(client: Any, unit_no: str, **overrides: Any) -> dict[str, Any]:
    body = {"unit_account_no": unit_no, "resident_id": RID, "name": "陈一", "wage_base": "30000.00"}
    body.update(overrides)
    reply = client.post("/api/v1/members", body)
    assert reply.status_code == 201, reply.text
    return dict(reply.json())


def test_register_a_unit_and_open_a_member_account(make_client: Any) -> None:
    clerk = make_client("clerk01")
    unit = register(clerk, 1)
    assert (unit["status"], unit["branch_code"], unit["unit_ratio_percent"]) == ("01", "02", "10")
    assert unit["handler_phone_masked"] == "135****2222"
    assert unit["suspense_balance"] == "0.00"
    no = unit["unit_account_no"]

    preview = clerk.get(f"/api/v1/units/{no}/contribution-preview", params={"wage_base": "1800.00"})
    assert preview.json() == {
        "declared": "1800.00",
        "wage_base": "2000.00",
        "bound": "floor",
        "unit_part": "200.00",
        "member_part": "200.00",
        "total": "400.00",
    }
    assert (
        clerk.get(f"/api/v1/units/{no}/contribution-preview", params={"wage_base": "1e3"}).status_code == 422
    )

    opened = open_member(clerk, no, phone="13612345678")
    account = opened["account"]
    assert opened["reused"] is False
    assert opened["parts"]["bound"] == "cap"
    assert (account["wage_base"], account["unit_monthly"], account["monthly_total"]) == (
        "27000.00",
        "2700.00",
        "5400.00",
    )
    assert account["resident_id"] == RID[:4] + "*" * 10 + RID[-4:]
    assert account["phone"] == "136****5678"
    assert RID not in str(opened)

    members = clerk.get(f"/api/v1/units/{no}/members").json()
    assert members["total"] == 1
    assert members["items"][0]["account_no"] == account["account_no"]
    case = clerk.get(f"/api/v1/cases/{opened['case_no']}").json()
    assert (case["kind"], case["state"], case["channel"]) == ("member_open", "done", "counter")
    assert [h["action"] for h in case["history"]] == ["accept", "finish"]

    found = clerk.post("/api/v1/members/lookup", {"resident_id": RID}).json()
    assert found["account"]["account_no"] == account["account_no"]


def test_refusals_come_back_with_their_code_and_rule(make_client: Any) -> None:
    clerk = make_client("clerk01")
    low = clerk.post("/api/v1/units", unit_body(2, unit_ratio_percent="4"))
    assert low.status_code == 422
    assert low.json()["code"] == "contribution_ratio_below_national"
    assert "第十八条" in low.json()["message"]
    assert clerk.post("/api/v1/units", unit_body(2, member_ratio_percent="12.5")).json()["code"] == (
        "contribution_ratio_outside_national"
    )
    assert clerk.post("/api/v1/units", unit_body(2, credit_code="91410100MA0000002Y")).json()["code"] == (
        "invalid_credit_code"
    )
    assert clerk.post("/api/v1/units", unit_body(2, unit_ratio_percent=12)).status_code == 422  # not a string
    unit = register(clerk, 2)
    again = clerk.post("/api/v1/units", unit_body(2))
    assert again.status_code == 409
    assert again.json()["code"] == "credit_code_exists"

    open_member(clerk, unit["unit_account_no"])
    twice = clerk.post(
        "/api/v1/members",
        {
            "unit_account_no": unit["unit_account_no"],
            "resident_id": RID,
            "name": "陈一",
            "wage_base": "9000.00",
        },
    )
    assert twice.status_code == 409
    assert twice.json()["code"] == "member_account_exists"
    bad_id = clerk.post(
        "/api/v1/members",
        {
            "unit_account_no": unit["unit_account_no"],
            "resident_id": RID[:-1] + ("0" if RID[-1] != "0" else "1"),
            "name": "陈一",
            "wage_base": "9000.00",
        },
    )
    assert bad_id.json()["code"] == "invalid_resident_id"


def test_a_clerk_of_branch_02_cannot_see_or_change_a_unit_of_branch_03(make_client: Any) -> None:
    east, west = make_client("clerk01"), make_client("clerk03")
    theirs = register(west, 3)
    assert theirs["branch_code"] == "03"
    account = open_member(west, theirs["unit_account_no"])["account"]["account_no"]
    no = theirs["unit_account_no"]

    for path in (f"/api/v1/units/{no}", f"/api/v1/units/{no}/members", f"/api/v1/members/{account}"):
        reply = east.get(path)
        assert reply.status_code == 403, path
        assert reply.json()["code"] == "outside_branch_scope"
    for path, body in (
        (f"/api/v1/units/{no}/changes", {"name": "被改名"}),
        (f"/api/v1/units/{no}/seal", {}),
        (f"/api/v1/members/{account}/seal", {}),
        (f"/api/v1/members/{account}/reveal", {"reason": "好奇"}),
        (f"/api/v1/members/{account}/freeze", {"document_no": "文书"}),
    ):
        reply = east.post(path, body)
        assert reply.status_code == 403, path
        assert reply.json()["code"] == "outside_branch_scope"
    assert east.get("/api/v1/units").json()["total"] == 0
    assert east.post("/api/v1/members/lookup", {"resident_id": RID}).status_code == 403
    assert west.get(f"/api/v1/units/{no}").json()["name"] == theirs["name"]  # unchanged
    assert make_client("reviewer1").get(f"/api/v1/units/{no}").status_code == 200  # centre-wide staff


def test_reveal_needs_a_reason_is_audited_and_never_replayed(make_client: Any) -> None:
    clerk = make_client("clerk01")
    unit = register(clerk, 4)
    account = open_member(clerk, unit["unit_account_no"], bank_card="6222020200112233445")["account"]
    path = f"/api/v1/members/{account['account_no']}/reveal"
    assert clerk.post(path, {"reason": ""}).status_code == 422
    shown = clerk.post(path, {"reason": "本人临柜核对"}, key="reveal-key-0001")
    assert shown.status_code == 200
    assert (shown.json()["resident_id"], shown.json()["bank_card"]) == (RID, "6222020200112233445")
    assert shown.json()["unmasked"] is True
    replay = clerk.post(path, {"reason": "本人临柜核对"}, key="reveal-key-0001")
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert RID not in replay.text
    assert make_client("reviewer1").post(path, {"reason": "看看"}).status_code == 403
    entries = make_client("auditadmin").get("/api/v1/audit", params={"action": "member.unmask"}).json()
    rows = entries["items"] if isinstance(entries, dict) else entries
    assert any(e["reason"] == "本人临柜核对" and e["actor"] == "clerk01" for e in rows)
    assert RID not in str(rows)


def test_seal_reuse_freeze_and_transfer(make_client: Any) -> None:
    clerk = make_client("clerk01")
    first, second = register(clerk, 5), register(clerk, 6)
    account = open_member(clerk, first["unit_account_no"])["account"]["account_no"]
    frozen = clerk.post(f"/api/v1/members/{account}/freeze", {"document_no": "（2026）豫0102执1号"})
    assert frozen.json()["status"] == "06"
    blocked = clerk.post(
        f"/api/v1/members/{account}/transfer", {"to_unit_account_no": second["unit_account_no"]}
    )
    assert blocked.status_code == 422
    assert blocked.json()["code"] == "member_account_frozen"
    clerk.post(f"/api/v1/members/{account}/unfreeze", {"document_no": "（2026）豫0102执1号之一"})
    assert clerk.post(f"/api/v1/members/{account}/seal", {"reason": "离职"}).json()["status"] == "02"
    reused = open_member(clerk, second["unit_account_no"], wage_base="6000.00")
    assert reused["reused"] is True
    assert reused["account"]["account_no"] == account
    assert reused["account"]["unit_account_no"] == second["unit_account_no"]
    moved = clerk.post(
        f"/api/v1/members/{account}/transfer", {"to_unit_account_no": first["unit_account_no"]}
    )
    assert moved.status_code == 200, moved.text
    assert [e["start_event"] for e in moved.json()["employments"]] == ["open", "unseal", "transfer_in"]


def test_case_decisions_over_the_api(make_client: Any, seeded: Container) -> None:
    clerk = make_client("clerk01")
    maker = Actor(username="clerk01", roles=frozenset({Role.COUNTER_CLERK}), all_branches=True)
    case = run(
        seeded.uow,
        lambda uow: cases.open_case(
            uow,
            maker,
            kind="member_merge",
            channel="counter",
            subject_type="member_account",
            subject_ref="x",
            summary="待审核",
            branch_id=None,
        ),
    )
    path = f"/api/v1/cases/{case.case_no}"
    assert clerk.post(f"{path}/decision", {"action": "review"}).status_code == 403
    reviewer, approver = make_client("reviewer1"), make_client("approver1")
    assert reviewer.post(f"{path}/decision", {"action": "review"}).json()["state"] == "reviewed"
    same = reviewer.post(f"{path}/decision", {"action": "approve"})
    assert (same.status_code, same.json()["code"]) == (403, "case_same_person")
    assert approver.post(f"{path}/decision", {"action": "approve"}).json()["state"] == "approved"
    done = clerk.post(f"{path}/finish", {})
    assert done.json()["state"] == "done"
    rated = clerk.post(f"{path}/rating", {"rating": 5})
    assert rated.json()["rating"] == 5
    listed = clerk.get("/api/v1/cases", params={"q": case.case_no}).json()
    assert [c["case_no"] for c in listed["items"]] == [case.case_no]
