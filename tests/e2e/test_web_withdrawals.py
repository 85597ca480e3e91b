"""The withdrawal counter pages through HTTP: the form's pre-check listing every rule, acceptance
(a double click accepted once), review and approval by other people, the receipt, and the
blacklist on the customer-management page refusing the next application."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI

from anju.adapters.clock import FixedClock
from anju.bootstrap import Container
from anju.domain.security import Actor
from anju.services.runner import read
from anju.services.withdrawals import get_withdrawal
from tests.e2e.test_api_withdrawals import CARD, funded_member
from tests.e2e.test_web_collection import logged_in


def application(account_no: str, materials: list[str], **overrides: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "account_no": account_no,
        "reason_code": "01",
        "amount": "20000.00",
        "event_date": "2026-10-01",
        "cost": "300000.00",
        "property_ref": "豫(2026)安居市不动产权第0003号",
        "payee_card": CARD,
        "payee_bank_code": "102",
        "materials": materials,
        "token": "web-token-0001",
    }
    form.update(overrides)
    return form


def test_withdrawal_pages_render_for_the_roles(app: FastAPI, clock: FixedClock) -> None:
    clerk = logged_in(app, clock, "clerk01")
    for path in ("/withdrawals", "/withdrawals/new", "/withdrawals/admin"):
        reply = clerk.page(path)
        assert reply.status_code == 200, (path, reply.text[:300])
        assert "提取业务" in reply.text
    fragment = clerk.page("/withdrawals/materials?reason_code=03")
    assert "离退休证" in fragment.text and "提取后销户" in fragment.text
    reviewer = logged_in(app, clock, "reviewer1")
    assert reviewer.page("/withdrawals").status_code == 200
    assert reviewer.page("/withdrawals/new").status_code == 403
    assert "受理提取申请" not in reviewer.page("/withdrawals").text


def test_accept_review_approve_and_print_through_the_pages(
    app: FastAPI, clock: FixedClock, make_client: Any, seeded: Container
) -> None:
    api = make_client("clerk01")
    account_no = funded_member(api, seeded)
    materials = next(r for r in api.get("/api/v1/withdrawals/reasons").json() if r["code"] == "01")[
        "materials"
    ]
    clerk = logged_in(app, clock, "clerk01")  # one session per operator: the API client is done

    checked = clerk.submit(
        "/withdrawals/new",
        {**application(account_no, materials[:1]), "intent": "check"},
        csrf_from="/withdrawals/new",
    )
    assert checked.status_code == 200
    assert "不符合条件" in checked.text and "缺少申请材料" in checked.text

    form = {**application(account_no, materials), "intent": "submit"}
    accepted = clerk.submit("/withdrawals/new", form, csrf_from="/withdrawals/new")
    assert accepted.status_code == 303, accepted.text[:500]
    match = re.match(r"^/withdrawals/([0-9]+)\?done=accepted$", accepted.headers["location"])
    assert match
    no = match.group(1)
    again = clerk.submit("/withdrawals/new", form, csrf_from="/withdrawals/new")  # a double click
    assert again.headers["location"] == accepted.headers["location"]
    assert clerk.page("/withdrawals").text.count(f"/withdrawals/{no}") == 1

    page = clerk.page(f"/withdrawals/{no}")
    assert "已受理" in page.text and "审核通过" not in page.text  # the clerk cannot review
    reviewer = logged_in(app, clock, "reviewer1")
    # The generic case page shows where the case is handled instead of its own buttons.
    case_no = read(seeded.uow, lambda uow: get_withdrawal(uow, Actor.system("test"), no)).case_no
    case_page = reviewer.page(f"/cases/{case_no}")
    assert "此类办件请在提取业务（/withdrawals）办理" in case_page.text
    assert f"/cases/{case_no}/decision" not in case_page.text
    reviewed = reviewer.submit(
        f"/withdrawals/{no}/decision", {"action": "review"}, csrf_from=f"/withdrawals/{no}"
    )
    assert reviewed.status_code == 303
    approver = logged_in(app, clock, "approver1")
    approved = approver.submit(
        f"/withdrawals/{no}/decision", {"action": "approve"}, csrf_from=f"/withdrawals/{no}"
    )
    assert approved.headers["location"].endswith("done=paying")
    detail = approver.page(f"/withdrawals/{no}")
    assert "付款中" in detail.text and "已提交银行付款" not in detail.text
    pdf = clerk.page(f"/withdrawals/{no}/receipt")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_blacklisted_person_is_refused(
    app: FastAPI, clock: FixedClock, make_client: Any, seeded: Container
) -> None:
    api = make_client("clerk01")
    account_no = funded_member(api, seeded)
    materials = next(r for r in api.get("/api/v1/withdrawals/reasons").json() if r["code"] == "01")[
        "materials"
    ]
    approver = logged_in(app, clock, "approver1")
    listed = approver.submit(
        "/withdrawals/admin/blacklist",
        {"account_no": account_no, "reason": "骗提查实", "fraud_found_on": "2026-11-01"},
        csrf_from="/withdrawals/admin",
    )
    assert listed.status_code == 303
    assert account_no in approver.page("/withdrawals/admin").text
    clerk = logged_in(app, clock, "clerk01")
    assert "列入黑名单</button>" not in clerk.page("/withdrawals/admin").text  # the clerk only sees it
    refused = clerk.submit(
        "/withdrawals/new",
        {**application(account_no, materials), "intent": "submit"},
        csrf_from="/withdrawals/new",
    )
    assert refused.status_code == 422
    assert "黑名单" in refused.text


def test_authorisation_and_agreement_through_the_person_page(
    app: FastAPI, clock: FixedClock, make_client: Any, seeded: Container
) -> None:
    account_no = funded_member(make_client("clerk01"), seeded)
    clerk = logged_in(app, clock, "clerk01")
    page = f"/withdrawals/person?account={account_no}"
    assert "没有授权" in clerk.page(page).text
    consented = clerk.submit(
        "/withdrawals/person/consents",
        {
            "account_no": account_no,
            "scopes": ["property", "mortgage"],
            "expires_on": "2027-06-30",
            "document_ref": "SQ-9",
        },
        csrf_from=page,
    )
    assert consented.status_code == 303, consented.text[:400]
    assert "商业住房贷款信息、不动产登记信息" in clerk.page(page).text

    refused = clerk.submit(
        "/withdrawals/person/agreements",
        {
            "account_no": account_no,
            "reason_code": "L2",
            "amount": "1500.00",
            "monthly_rent": "1500.00",
            "period_months": "1",
            "first_due": "2026-11-23",
            "payee_card": CARD,
            "payee_bank_code": "102",
        },
        csrf_from=page,
    )
    assert refused.status_code == 422 and "缺少申请材料" in refused.text, re.findall(
        r"alert-error[^>]*>[^<]*", refused.text
    )
    agreed = clerk.submit(
        "/withdrawals/person/agreements",
        {
            "account_no": account_no,
            "reason_code": "L2",
            "amount": "1500.00",
            "monthly_rent": "1500.00",
            "period_months": "1",
            "first_due": "2026-11-23",
            "payee_card": CARD,
            "payee_bank_code": "102",
            "materials_complete": "yes",
        },
        csrf_from=page,
    )
    assert agreed.status_code == 303, agreed.text[:400]
    text = clerk.page(page).text
    assert "待审批" in text and "审批</button>" not in text  # the clerk cannot approve
    approver = logged_in(app, clock, "approver1")
    number = re.search(r"/withdrawals/agreements/([0-9]+)/approval", approver.page(page).text)
    assert number
    approved = approver.submit(
        f"/withdrawals/agreements/{number.group(1)}/approval", {"account_no": account_no}, csrf_from=page
    )
    assert approved.status_code == 303
    assert "执行中" in approver.page(page).text


def test_the_counter_approves_at_once_what_the_registries_prove(
    app: FastAPI, clock: FixedClock, make_client: Any, seeded: Container
) -> None:
    api = make_client("clerk01")
    account_no = funded_member(api, seeded, n=1)  # the simulator's home buyer
    materials = next(r for r in api.get("/api/v1/withdrawals/reasons").json() if r["code"] == "01")[
        "materials"
    ]
    clerk = logged_in(app, clock, "clerk01")
    page = f"/withdrawals/person?account={account_no}"
    consented = clerk.submit(
        "/withdrawals/person/consents",
        {
            "account_no": account_no,
            "scopes": ["property"],
            "expires_on": "2027-06-30",
            "document_ref": "SQ-10",
        },
        csrf_from=page,
    )
    assert consented.status_code == 303
    form = {
        "account_no": account_no,
        "reason_code": "01",
        "amount": "20000.00",
        "payee_card": CARD,
        "payee_bank_code": "102",
        "materials": materials,
        "token": "web-token-auto",
        "use_data_sharing": "yes",
        "intent": "submit",
    }
    done = clerk.submit("/withdrawals/new", form, csrf_from="/withdrawals/new")
    assert done.status_code == 303, re.findall(r"alert-error[^>]*>[^<]*", done.text)
    assert done.headers["location"].endswith("done=paying")
    detail = clerk.page(done.headers["location"])
    assert "付款中" in detail.text and "system:auto_approve" in detail.text
    assert "已查得" in clerk.page(page).text
