"""The remittance counter pages through HTTP: generate, adjust and confirm a roster, take the money
(twice: posted once), suspense and refund, arrears with a printable notice, a deferral approved by
a reviewer and an approver."""

from __future__ import annotations

import re

from fastapi import FastAPI
from sqlalchemy import text

from anju.adapters.clock import FixedClock
from anju.bootstrap import Container
from anju.ids import make_resident_id
from tests.e2e.test_web_collection import logged_in, register
from tests.e2e.test_web_shell import Browser


def open_member(clerk: Browser, unit_no: str, n: int, wage: str) -> None:
    form = {
        "unit_account_no": unit_no,
        "resident_id": make_resident_id(f"41010219860101{n:03d}").reveal(),
        "name": f"页面职工{n}",
        "wage_base": wage,
    }
    reply = clerk.submit("/members/new", form, csrf_from="/members/new")
    assert reply.status_code == 303, reply.text[:500]


def unit_with_members(clerk: Browser, n: int) -> str:
    unit_no = register(clerk, n)
    open_member(clerk, unit_no, n * 10 + 1, "8000.00")
    open_member(clerk, unit_no, n * 10 + 2, "6000.00")
    return unit_no


def roster_id_of(location: str) -> str:
    match = re.match(r"^/remittance/rosters/([0-9]+)\?done=", location)
    assert match, location
    return match.group(1)


def test_every_remittance_page_renders(app: FastAPI, clock: FixedClock) -> None:
    clerk = logged_in(app, clock, "clerk01")
    for path in ("/remittance", "/remittance/payments/new", "/remittance/arrears", "/remittance/deferrals"):
        reply = clerk.page(path)
        assert reply.status_code == 200, (path, reply.text[:300])
        assert "归集业务" in reply.text
    reviewer = logged_in(app, clock, "reviewer1")
    assert reviewer.page("/remittance/arrears").status_code == 200
    assert reviewer.page("/remittance/payments/new").status_code == 403


def test_roster_and_payment_at_the_counter(app: FastAPI, clock: FixedClock) -> None:
    clerk = logged_in(app, clock, "clerk01")
    unit_no = unit_with_members(clerk, 51)
    unit_page = f"/remittance/units/{unit_no}"
    assert clerk.page(unit_page).status_code == 200
    made = clerk.submit(f"{unit_page}/rosters", {"month": "202611"}, csrf_from=unit_page)
    assert made.status_code == 303, made.text[:500]
    roster = f"/remittance/rosters/{roster_id_of(made.headers['location'])}"
    page = clerk.page(roster + "?done=generated")
    assert "清册已生成" in page.text and "3,360.00" in page.text
    bad = clerk.submit(f"{roster}/members/nobody/wage-base", {"wage_base": "abc"}, csrf_from=roster)
    assert bad.status_code in (404, 422)
    confirmed = clerk.submit(f"{roster}/confirm", {}, csrf_from=roster)
    assert confirmed.status_code == 303
    assert "已确认" in clerk.page(roster).text

    form_page = clerk.page(f"/remittance/payments/new?unit={unit_no}")
    serial = re.search(r'name="serial_no" value="([^"]+)"', form_page.text)
    assert serial
    payment = {
        "unit_account_no": unit_no,
        "amount": "3,360.00",
        "serial_no": serial.group(1),
        "received_on": "2026-11-23",
        "value_date": "",
    }
    paid = clerk.submit("/remittance/payments/new", payment, csrf_from="/remittance/payments/new")
    assert paid.status_code == 303, paid.text[:500]
    receipt = clerk.page(paid.headers["location"])
    assert "已按 202611 清册入账" in receipt.text
    twice = clerk.submit("/remittance/payments/new", payment, csrf_from="/remittance/payments/new")
    assert twice.headers["location"] == paid.headers["location"]  # the same receipt, posted once
    assert "已入账" in clerk.page(roster).text

    again = clerk.submit(f"{unit_page}/rosters", {"month": "202611"}, csrf_from=unit_page)
    assert again.status_code == 422
    assert "已经缴存" in again.text


def test_suspense_and_refund_pages(app: FastAPI, clock: FixedClock) -> None:
    clerk = logged_in(app, clock, "clerk01")
    unit_no = unit_with_members(clerk, 52)
    paid = clerk.submit(
        "/remittance/payments/new",
        {
            "unit_account_no": unit_no,
            "amount": "100.00",
            "serial_no": "GM-WEB-S1",
            "received_on": "2026-11-23",
        },
        csrf_from="/remittance/payments/new",
    )
    assert "暂收" in clerk.page(paid.headers["location"]).text
    suspense = f"/remittance/units/{unit_no}/suspense"
    assert "100.00" in clerk.page(suspense).text
    too_much = clerk.submit(
        f"{suspense}/refund",
        {"amount": "100.01", "reason": "多缴", "payee_name": "单位", "payee_account_no": "41050100000052"},
        csrf_from=suspense,
    )
    assert too_much.status_code == 422 and "超过" in too_much.text
    done = clerk.submit(
        f"{suspense}/refund",
        {"amount": "100.00", "reason": "多缴", "payee_name": "单位", "payee_account_no": "41050100000052"},
        csrf_from=suspense,
    )
    assert done.status_code == 303
    assert "待银行支付" in clerk.page(done.headers["location"]).text


def test_arrears_notice_and_deferral_pages(app: FastAPI, clock: FixedClock, seeded: Container) -> None:
    clerk = logged_in(app, clock, "clerk01")
    unit_no = unit_with_members(clerk, 53)
    with seeded.engine.begin() as conn:
        conn.execute(
            text("UPDATE unit SET opened_on = '2026-10-09' WHERE unit_account_no = :n"), {"n": unit_no}
        )
    arrears = clerk.page("/remittance/arrears")
    assert unit_no in arrears.text and "2026年10月" in arrears.text
    issued = clerk.submit(
        f"/remittance/units/{unit_no}/notices", {"kind": "reminder"}, csrf_from="/remittance/arrears"
    )
    assert issued.status_code == 303, issued.text[:500]
    notice = clerk.page(issued.headers["location"])
    assert "住房公积金催缴通知书" in notice.text and "第十九条" in notice.text

    applied = clerk.submit(
        "/remittance/deferrals",
        {
            "unit_account_no": unit_no,
            "kind": "deferral",
            "start_month": "202611",
            "end_month": "202612",
            "approving_body": "安居市住房公积金管理委员会",
            "document_no": "安公积金管委〔2026〕11号",
        },
        csrf_from="/remittance/deferrals",
    )
    assert applied.status_code == 303, applied.text[:500]
    detail = applied.headers["location"].split("?")[0]
    reviewer = logged_in(app, clock, "reviewer1")
    assert reviewer.submit(f"{detail}/review", {}, csrf_from=detail).status_code == 303
    approver = logged_in(app, clock, "approver1")
    assert approver.submit(f"{detail}/approve", {}, csrf_from=detail).status_code == 303
    assert "执行中" in clerk.page(detail).text
