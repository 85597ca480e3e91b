"""The collection counter pages through HTTP: register a unit, open an account with the computed
parts, masked detail and the reasoned unmask, seal, the case history, and the branch scope."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI

from anju.adapters.clock import FixedClock
from anju.ids import credit_code_check_char, make_resident_id
from tests.e2e.test_web_shell import Browser

RID = make_resident_id("41010219790315234").reveal()


def logged_in(app: FastAPI, clock: FixedClock, username: str) -> Browser:
    browser = Browser(app, clock)
    assert browser.login(username).status_code == 303
    return browser


def unit_form(n: int, **overrides: str) -> dict[str, str]:
    body = f"91410100MA{n:07d}"
    form = {
        "name": f"安居页面测试{n}有限公司",
        "credit_code": body + credit_code_check_char(body),
        "economic_type": "150",
        "industry": "F51",
        "address": "安居市中山路 2 号",
        "handler_name": "吴经办",
        "handler_phone": "13322223333",
        "bank_code": "102",
        "unit_ratio": "12",
        "member_ratio": "12",
        "payday": "5",
    }
    form.update(overrides)
    return form


def register(browser: Browser, n: int) -> str:
    reply = browser.submit("/units/new", unit_form(n), csrf_from="/units/new")
    assert reply.status_code == 303, reply.text[:500]
    match = re.match(r"^/units/([0-9]+)\?done=created$", reply.headers["location"])
    assert match
    return match.group(1)


def test_every_collection_page_renders(app: FastAPI, clock: FixedClock) -> None:
    clerk = logged_in(app, clock, "clerk01")
    for path in ("/units", "/units/new", "/members", "/members/new", "/members/merge", "/cases"):
        reply = clerk.page(path)
        assert reply.status_code == 200, (path, reply.text[:300])
        assert "归集业务" in reply.text
    reviewer = logged_in(app, clock, "reviewer1")
    assert reviewer.page("/units").status_code == 200
    assert reviewer.page("/units/new").status_code == 403
    assert "单位登记开户" not in reviewer.page("/units").text  # no button without the permission


def test_register_open_reveal_seal_at_the_counter(app: FastAPI, clock: FixedClock) -> None:
    clerk = logged_in(app, clock, "clerk01")
    refused = clerk.submit("/units/new", unit_form(1, unit_ratio="4"), csrf_from="/units/new")
    assert refused.status_code == 422
    assert "第十八条" in refused.text
    assert 'value="安居页面测试1有限公司"' in refused.text  # the input is kept

    unit_no = register(clerk, 1)
    detail = clerk.page(f"/units/{unit_no}?done=created")
    assert "单位已登记开户" in detail.text
    assert "133****3333" in detail.text
    assert "13322223333" not in detail.text

    preview = clerk.page(f"/members/preview?unit_account_no={unit_no}&wage_base=30000")
    assert "27,000.00" in preview.text and "按上限" in preview.text
    assert "<html" not in preview.text  # a fragment

    opened = clerk.submit(
        "/members/new",
        {"unit_account_no": unit_no, "resident_id": RID, "name": "郑二", "wage_base": "8000.00"},
        csrf_from="/members/new",
    )
    assert opened.status_code == 303, opened.text[:500]
    account_path = opened.headers["location"].split("?")[0]
    page = clerk.page(opened.headers["location"])
    assert "个人账户已设立" in page.text
    assert RID not in page.text
    assert RID[:4] + "*" * 10 + RID[-4:] in page.text
    assert "1,920.00" in page.text

    again = clerk.submit(
        "/members/new",
        {"unit_account_no": unit_no, "resident_id": RID, "name": "郑二", "wage_base": "8000.00"},
        csrf_from="/members/new",
    )
    assert again.status_code == 409
    assert "不能重复开户" in again.text
    assert RID not in again.text  # never echoed back

    no_reason = clerk.submit(f"{account_path}/reveal", {"reason": ""}, csrf_from=account_path)
    assert no_reason.status_code == 422
    shown = clerk.submit(f"{account_path}/reveal", {"reason": "本人临柜"}, csrf_from=account_path)
    assert shown.status_code == 200
    assert RID in shown.text
    assert shown.headers["cache-control"] == "no-store"

    sealed = clerk.submit(f"{account_path}/seal", {"reason": "离职"}, csrf_from=account_path)
    assert sealed.status_code == 303
    assert "个人账户已封存" in clerk.page(sealed.headers["location"]).text

    members = clerk.page(f"/units/{unit_no}/members?page=1")
    assert account_path.rsplit("/", 1)[1] in members.text

    cases = clerk.page(f"/cases?q={account_path.rsplit('/', 1)[1]}")
    numbers = re.findall(r'href="/cases/([0-9]+)"', cases.text)
    assert len(numbers) == 2  # open, seal
    case = clerk.page(f"/cases/{numbers[0]}")
    assert "流转记录" in case.text and "办结" in case.text


def test_a_clerk_of_another_branch_gets_a_403_page(app: FastAPI, clock: FixedClock) -> None:
    east = logged_in(app, clock, "clerk01")
    unit_no = register(east, 2)
    west = logged_in(app, clock, "clerk03")
    reply = west.page(f"/units/{unit_no}")
    assert reply.status_code == 403
    assert "无权办理其他管理部的业务" in reply.text
    assert unit_no not in west.page("/units").text
    change: Any = west.submit(f"/units/{unit_no}/seal", {"reason": "x"}, csrf_from="/units")
    assert change.status_code == 403
    assert east.page(f"/units/{unit_no}").text.count("badge-ok") >= 1  # still normal
