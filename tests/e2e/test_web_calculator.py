"""The public calculator page through HTTP (no browser): open to all, htmx fragments, no-JS fallback."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.e2e.conftest import BASE_URL

HTMX = {"HX-Request": "true"}
SCHEDULE_FORM = {
    "principal": "300000.00",
    "annual_rate": "",
    "term_years": "20",
    "method": "equal_instalment",
    "home": "first",
    "disbursement_date": "2024-06-20",
}
LIMIT_FORM = {
    "house_price": "1000000.00",
    "home": "first",
    "term_years": "30",
    "balance": "35000.00",
    "wage_base": "9000.00",
    "co_balance": "13000.00",
    "co_wage_base": "6000.00",
    "other_monthly_debt": "0.00",
}


@pytest.fixture
def visitor(app: FastAPI) -> TestClient:
    return TestClient(app, base_url=BASE_URL, raise_server_exceptions=False, follow_redirects=False)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_page_opens_without_login_in_chinese(visitor: TestClient) -> None:
    page = visitor.get("/calculator")
    assert page.status_code == 200
    html = page.text
    assert '<html lang="zh-CN">' in html
    assert 'name="viewport"' in html  # phones get a real layout
    assert "住房公积金贷款计算器" in html
    text = text_of(html)
    assert "首套住房 2.10% 2.60%" in text and "第二套住房 2.525% 3.075%" in text
    assert "2025-05-08 起执行" in text
    assert 'hx-post="/calculator/schedule"' in html and 'hx-post="/calculator/limit"' in html
    assert 'action="/calculator/schedule"' in html  # works without JavaScript too
    assert "csrf_token" not in html  # nothing to protect: it changes nothing
    assert "多子女家庭（上浮 20%）" in html
    assert "/static/vendor/htmx/htmx.min.js" in html


def test_the_login_page_links_to_it(visitor: TestClient) -> None:
    assert 'href="/calculator"' in visitor.get("/login").text


def test_schedule_fragment_for_htmx(visitor: TestClient) -> None:
    reply = visitor.post("/calculator/schedule", data=SCHEDULE_FORM, headers=HTMX)
    assert reply.status_code == 200
    assert "<html" not in reply.text  # a fragment, swapped into the page
    text = text_of(reply.text)
    assert "每月还款 1,604.36" in text  # Example 2c: the policy rate 2.60 % for 20 years
    assert "利息总额 85,047.73" in text
    assert "2.60%，首套住房5年以上" in text
    assert "查看全部 240 期还款计划" in text
    assert "2024-07-20" in text and "1,605.69" in text


def test_schedule_with_a_typed_rate_and_equal_principal(visitor: TestClient) -> None:
    form = {**SCHEDULE_FORM, "annual_rate": "2.85", "method": "equal_principal"}
    text = text_of(visitor.post("/calculator/schedule", data=form, headers=HTMX).text)
    assert "首月还款 1,962.50" in text and "利息总额 85,856.40" in text
    assert "2.85%（自行输入）" in text


def test_without_javascript_the_whole_page_comes_back_with_the_result(visitor: TestClient) -> None:
    reply = visitor.post("/calculator/schedule", data={**SCHEDULE_FORM, "principal": "123456.00"})
    assert reply.status_code == 200
    assert '<html lang="zh-CN">' in reply.text
    assert 'value="123456.00"' in reply.text  # the form keeps what was typed
    assert "利息总额" in reply.text


def test_bad_fields_are_named_in_chinese(visitor: TestClient) -> None:
    form = {**SCHEDULE_FORM, "principal": "３０万", "term_years": "二十", "annual_rate": "abc"}
    reply = visitor.post("/calculator/schedule", data=form, headers=HTMX)
    assert reply.status_code == 422
    text = text_of(reply.text)
    assert "贷款金额：金额格式不正确" in text
    assert "贷款期限：贷款期限应填写整数年数" in text
    assert "年利率：比例或利率格式不正确" in text
    too_long = visitor.post("/calculator/schedule", data={**SCHEDULE_FORM, "term_years": "31"}, headers=HTMX)
    assert too_long.status_code == 422
    assert "贷款期限 372 个月超出允许范围（1–360 个月）" in text_of(too_long.text)
    zero = visitor.post("/calculator/schedule", data={**SCHEDULE_FORM, "principal": "0"}, headers=HTMX)
    assert "贷款金额必须大于零" in text_of(zero.text)


def test_limit_fragment_names_each_rule_and_what_binds(visitor: TestClient) -> None:
    reply = visitor.post("/calculator/limit", data=LIMIT_FORM, headers=HTMX)
    assert reply.status_code == 200
    text = text_of(reply.text)
    assert "最高可贷额度 720,000.00" in text
    assert "额度由 账户余额倍数 决定" in text
    for rule in ("最高贷款额度", "贷款成数", "账户余额倍数", "还款能力"):
        assert rule in text
    assert "（35,000.00 + 13,000.00）元 × 15 倍" in text
    assert "住房公积金管理委员会确定的最高贷款额度" in text  # the source, not just the number
    assert "按此额度每月还款（等额本息） 2,882.45" in text


def test_limit_for_a_single_borrower_with_an_uplift(visitor: TestClient) -> None:
    form = {
        **LIMIT_FORM,
        "co_balance": "",
        "co_wage_base": "",
        "balance": "80000.00",
        "uplifts": ["multi_child"],
    }
    text = text_of(visitor.post("/calculator/limit", data=form, headers=HTMX).text)
    assert "单方缴存、首套住房最高贷款额度 600,000.00 元；多子女家庭上浮 20%" in text
    assert "最高可贷额度 720,000.00" in text  # 600,000 × 1.2, below 80 % of the price


def test_limit_errors(visitor: TestClient) -> None:
    reply = visitor.post(
        "/calculator/limit", data={**LIMIT_FORM, "balance": "", "wage_base": "9,000"}, headers=HTMX
    )
    assert reply.status_code == 422
    text = text_of(reply.text)
    assert "借款人账户余额：借款人账户余额不能为空" in text
    assert "借款人缴存基数：金额格式不正确" in text


def test_the_page_is_not_in_the_counter_navigation(visitor: TestClient, make_client: Any) -> None:
    # Logged-in staff see the same public page, without the counter shell.
    clerk = make_client("clerk01")
    page = clerk.get("/calculator")
    assert page.status_code == 200
    assert 'class="sidebar"' not in page.text
