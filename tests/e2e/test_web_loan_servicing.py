"""贷后管理 through the loan page: 冲还贷, bad-debt write-off (request → review → approve →
execute), manual reclassification, term change, litigation and the signature check, each by
the person allowed to do it; and the same services over the API (register, term change,
reclassification, litigation, signature)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import FastAPI
from sqlalchemy import text

from anju.adapters.clock import FixedClock
from anju.batch import loan_jobs
from anju.batch.runner import run_job
from anju.bootstrap import Container
from anju.domain.security import Actor
from tests.e2e.test_api_loans import active_loan
from tests.e2e.test_web_collection import logged_in


def _set_day(seeded: Container, day: str) -> None:
    with seeded.engine.begin() as conn:
        conn.execute(text("UPDATE business_calendar SET business_date = :d"), {"d": day})


def test_fund_repayment_and_write_off_through_the_page(
    app: FastAPI, clock: FixedClock, seeded: Container, make_client: Any
) -> None:
    _client, loan_no = active_loan(make_client, seeded, offset_agreement=True)
    page = f"/loans/{loan_no}"
    clerk = logged_in(app, clock, "clerk01")
    assert "公积金冲还贷" in clerk.page(page).text
    refused = clerk.submit(f"{page}/fund-repayment", {}, csrf_from=page)
    assert refused.status_code == 422 and "没有到期应还的款项" in refused.text
    _set_day(seeded, "2026-12-23")
    paid = clerk.submit(f"{page}/fund-repayment", {}, csrf_from=page)
    assert paid.status_code == 303 and paid.headers["location"].endswith("done=fund_repaid")
    assert "公积金冲还贷" in clerk.page(f"{page}?done=fund_repaid").text
    assert "1,250.00" in clerk.page(page).text  # the principal of the first 等额本金 instalment
    run_job(seeded.uow, loan_jobs.OVERDUE, date(2028, 3, 1), actor=Actor.system("test"))
    _set_day(seeded, "2028-03-01")
    text_ = clerk.page(page).text
    assert "逾期登记" in text_ and "损失" in text_ and "提出核销" in text_
    assert clerk.submit(f"{page}/write-off", {"reason": ""}, csrf_from=page).status_code == 422
    asked = clerk.submit(f"{page}/write-off", {"reason": "借款人死亡且无遗产"}, csrf_from=page)
    assert asked.status_code == 303
    assert "审核通过" not in clerk.page(page).text  # the clerk cannot decide
    reviewer = logged_in(app, clock, "reviewer1")
    assert (
        reviewer.submit(f"{page}/write-off/decision", {"action": "review"}, csrf_from=page).status_code == 303
    )
    approver = logged_in(app, clock, "approver1")
    assert (
        approver.submit(f"{page}/write-off/decision", {"action": "approve"}, csrf_from=page).status_code
        == 303
    )
    assert "执行核销" in reviewer.page(page).text
    done = reviewer.submit(f"{page}/write-off/execution", {}, csrf_from=page)
    assert done.status_code == 303, done.text[:400]
    assert "已核销" in clerk.page(page).text


def test_reclassification_term_change_litigation_and_signature_through_the_page(
    app: FastAPI, clock: FixedClock, seeded: Container, make_client: Any
) -> None:
    _client, loan_no = active_loan(make_client, seeded)
    page = f"/loans/{loan_no}"
    clerk = logged_in(app, clock, "clerk01")
    reply = clerk.submit(f"{page}/classification", {"tier": "02", "reason": "借款人失业"}, csrf_from=page)
    assert reply.status_code == 303
    assert "同意调整" not in clerk.page(page).text
    approver = logged_in(app, clock, "approver1")
    reply = approver.submit(f"{page}/classification/decision", {"action": "approve"}, csrf_from=page)
    assert reply.status_code == 303
    assert "人工调整为“关注”：借款人失业" in clerk.page(page).text
    _set_day(seeded, "2026-12-10")
    asked = clerk.submit(
        f"{page}/term-change", {"remaining_months": "120", "reason": "收入增加"}, csrf_from=page
    )
    assert asked.status_code == 303
    reviewer = logged_in(app, clock, "reviewer1")
    reviewer.submit(f"{page}/term-change/decision", {"action": "review"}, csrf_from=page)
    approver.submit(f"{page}/term-change/decision", {"action": "approve"}, csrf_from=page)
    done = clerk.submit(f"{page}/term-change/execution", {}, csrf_from=page)
    assert done.status_code == 303, done.text[:400]
    assert "缩期：240 期 → 120 期（已办理" in clerk.page(page).text
    form = {
        "filed_on": "2027-06-01",
        "court": "安居市人民法院",
        "case_number": "(2027)豫0101民初9号",
        "status": "filed",
        "claim": "290000.00",
    }
    assert clerk.submit(f"{page}/litigations", form, csrf_from=page).status_code == 303
    assert "(2027)豫0101民初9号" in clerk.page(page).text
    checked = clerk.submit(f"{page}/signature", {}, csrf_from=page)
    assert checked.headers["location"].endswith("done=signature_ok")
    auditor = logged_in(app, clock, "auditor1")
    assert auditor.page(page).status_code == 200
    assert "申请展期/缩期" not in auditor.page(page).text and "登记诉讼" not in auditor.page(page).text


def test_servicing_over_the_api(make_client: Any, seeded: Container) -> None:
    clerk, loan_no = active_loan(make_client, seeded)
    base = f"/api/v1/loans/{loan_no}"
    signature = clerk.get(f"{base}/signature").json()
    assert signature["signed"] and signature["valid"] and signature["algorithm"] == "SM2-with-SM3"
    _set_day(seeded, "2027-01-02")
    register = clerk.get(f"{base}/overdue-register").json()
    assert [(x["instalment_no"], x["days"]) for x in register] == [(1, 10)]
    assert register[0]["penalty_accrued"] != "0.00"
    asked = clerk.post(f"{base}/classification", {"tier": "03", "reason": "逾期且联系不上"})
    assert asked.status_code == 201 and asked.json()["state"] == "pending"
    decided = make_client("approver1").post(f"{base}/classification/decision", {"approve": True})
    assert decided.json()["risk_tier"] == "03" and decided.json()["override_tier"] == "03"
    refused = clerk.post(f"{base}/term-change", {"remaining_months": 100, "reason": "x"})
    assert refused.status_code == 422 and refused.json()["code"] == "loan_term_change_arrears"
    made = clerk.post(
        f"{base}/litigations",
        {
            "filed_on": "2027-06-01",
            "court": "安居市人民法院",
            "case_number": "A-1",
            "status": "filed",
            "claim": "1.00",
        },
    )
    assert made.status_code == 201, made.text
    assert [x["case_number"] for x in clerk.get(f"{base}/litigations").json()] == ["A-1"]
