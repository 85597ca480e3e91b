"""Four eyes on the cases that exist (reliability.md A4), through the API a page would use.

A checker cannot initiate; the maker cannot decide; the reviewer cannot also approve; a duplicate
pending application is blocked; an approver whose role is withdrawn between review and approval
is refused at once and the case stays where it was. (Above the threshold a second approver is
required: tests/integration/test_cases.py; the domain rules: tests/unit/test_workflow.py.)
"""

from __future__ import annotations

from typing import Any

from anju.bootstrap import Container
from anju.domain.security import Actor, Role
from anju.services import auth
from anju.services.runner import run
from tests.e2e.test_api_remittance import unit_with_members

SECADMIN = Actor(username="secadmin", roles=frozenset({Role.SECURITY_ADMIN}), all_branches=True)


def application(unit_no: str, start: str = "202611", end: str = "202612") -> dict[str, str]:
    return {
        "unit_account_no": unit_no,
        "kind": "ratio_reduction",
        "start_month": start,
        "end_month": end,
        "approving_body": "安居市住房公积金管理委员会",
        "document_no": "安公积金管委〔2026〕9号",
        "unit_ratio_percent": "5",
        "member_ratio_percent": "5",
    }


def test_four_eyes_on_a_deferral(make_client: Any, seeded: Container) -> None:
    clerk, reviewer, approver = make_client("clerk01"), make_client("reviewer1"), make_client("approver1")
    unit_no = unit_with_members(clerk, 61)

    checker_only = reviewer.post("/api/v1/remittance/deferrals", application(unit_no))
    assert checker_only.status_code == 403  # a checker cannot initiate

    applied = clerk.post("/api/v1/remittance/deferrals", application(unit_no))
    assert applied.status_code == 201, applied.text
    deferral_id, case_no = applied.json()["id"], applied.json()["case_no"]

    duplicate = clerk.post("/api/v1/remittance/deferrals", application(unit_no, "202612", "202701"))
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "deferral_overlaps"

    for path in (f"/api/v1/remittance/deferrals/{deferral_id}/review", f"/api/v1/cases/{case_no}/decision"):
        made = clerk.post(path, {"action": "review"} if "cases" in path else None)
        assert made.status_code == 403, (path, made.text)  # the maker cannot decide

    reviewed = reviewer.post(f"/api/v1/remittance/deferrals/{deferral_id}/review")
    assert reviewed.json()["case_state"] == "reviewed"
    same = reviewer.post(f"/api/v1/remittance/deferrals/{deferral_id}/approve")
    assert same.status_code == 403 and same.json()["code"] == "case_same_person"

    # The approver's role is withdrawn while the case waits: the approval is refused at once.
    run(seeded.uow, lambda uow: auth.set_roles(uow, SECADMIN, "approver1", {Role.AUDITOR}))
    late = approver.post(f"/api/v1/remittance/deferrals/{deferral_id}/approve")
    assert late.status_code in {401, 403}, late.text
    case = reviewer.get(f"/api/v1/cases/{case_no}").json()
    assert case["state"] == "reviewed"

    run(seeded.uow, lambda uow: auth.set_roles(uow, SECADMIN, "approver1", {Role.APPROVER}))
    approved = approver.post(f"/api/v1/remittance/deferrals/{deferral_id}/approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "active"
    history = reviewer.get(f"/api/v1/cases/{case_no}").json()
    assert (history["maker"], history["checker"], history["approver"]) == (
        "clerk01",
        "reviewer1",
        "approver1",
    )
