"""The loan counter pages through HTTP: every page renders for those who may see it, the
application is checked (额度核定 with each figure and its source) and accepted, then reviewed,
approved, contracted and mortgaged through the pages; developers and projects are admitted."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI

from anju.adapters.clock import FixedClock
from anju.bootstrap import Container
from tests.e2e.test_api_loans import application, eligible_member
from tests.e2e.test_web_collection import logged_in


def test_loan_pages_render_by_permission(app: FastAPI, clock: FixedClock) -> None:
    clerk = logged_in(app, clock, "clerk01")
    for path in ("/loans", "/loans/new", "/loans/developers"):
        reply = clerk.page(path)
        assert reply.status_code == 200, (path, reply.text[:300])
        assert "贷款业务" in reply.text
    auditor = logged_in(app, clock, "auditor1")
    assert auditor.page("/loans").status_code == 200
    assert auditor.page("/loans/new").status_code == 403
    assert "受理贷款申请" not in auditor.page("/loans").text


def test_application_through_the_pages(
    app: FastAPI, clock: FixedClock, seeded: Container, make_client: Any
) -> None:
    account_no = eligible_member(make_client("clerk01"), seeded)
    clerk = logged_in(app, clock, "clerk01")
    form = {k: str(v) for k, v in application(account_no).items()}
    checked = clerk.submit("/loans/new", form | {"intent": "check"}, csrf_from="/loans/new")
    assert checked.status_code == 200
    assert "额度与条件" in checked.text and "符合条件" in checked.text
    assert "住房公积金账户余额" in checked.text or "余额" in checked.text
    accepted = clerk.submit("/loans/new", form | {"intent": "submit"}, csrf_from="/loans/new")
    assert accepted.status_code == 303, accepted.text[:500]
    match = re.match(r"^/loans/(DK[0-9]+)\?done=accepted$", accepted.headers["location"])
    assert match
    loan_no = match.group(1)
    page = clerk.page(f"/loans/{loan_no}")
    assert page.status_code == 200 and "已受理" in page.text
    reviewer = logged_in(app, clock, "reviewer1")
    reply = reviewer.submit(f"/loans/{loan_no}/decision", {"action": "review"}, csrf_from=f"/loans/{loan_no}")
    assert reply.status_code == 303
    approver = logged_in(app, clock, "approver1")
    approver.submit(f"/loans/{loan_no}/decision", {"action": "approve"}, csrf_from=f"/loans/{loan_no}")
    assert clerk.submit(f"/loans/{loan_no}/contract", {}, csrf_from=f"/loans/{loan_no}").status_code == 303
    assert "打印合同" in clerk.page(f"/loans/{loan_no}").text
    assert clerk.page(f"/loans/{loan_no}/contract.pdf").content.startswith(b"%PDF")
    reply = clerk.submit(
        f"/loans/{loan_no}/mortgage",
        {"mortgage_no": "M-1", "registered_on": "2026-11-23", "certificates": "不动产登记证明"},
        csrf_from=f"/loans/{loan_no}",
    )
    assert reply.status_code == 303
    assert "已抵押登记" in clerk.page(f"/loans/{loan_no}").text


def test_admission_through_the_pages(app: FastAPI, clock: FixedClock) -> None:
    clerk = logged_in(app, clock, "clerk01")
    reply = clerk.submit(
        "/loans/developers",
        {
            "code": "KF9",
            "name": "安居置业",
            "credit_code": "91410100MA00000099",
            "guarantee_terms": "阶段性担保",
        },
        csrf_from="/loans/developers",
    )
    assert reply.status_code == 303
    reply = clerk.submit(
        "/loans/projects",
        {
            "developer_code": "KF9",
            "name": "安居花园",
            "address": "建设路 8 号",
            "presale_permit": "预售2026-9",
            "planning_permit": "规2026-9",
            "construction_permit": "施2026-9",
            "land_use_permit": "土2026-9",
            "buildings": "1号楼，2号楼",
        },
        csrf_from="/loans/developers",
    )
    assert reply.status_code == 303
    page = clerk.page("/loans/developers").text
    assert "安居花园" in page and "预售2026-9" in page
