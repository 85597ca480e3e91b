"""The public loan calculator API: no login, no Idempotency-Key, strict inputs, Chinese errors.

The seeded centre's business date is 2026-11-23, so "policy" means the rates of 2025-05-08
(first home > 5 years 2.60 %) and the reference policy (repayment-capacity coefficient 50 %).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from anju.adapters.db.tables.common import idempotency_record
from anju.adapters.db.tables.security import audit_log
from anju.bootstrap import Container

SCHEDULE = "/api/v1/loan-calculator/schedule"
LIMIT = "/api/v1/loan-calculator/limit"
CHINESE = re.compile(r"[\u4e00-\u9fff]")

EXAMPLE_2 = {
    "principal": "300000.00",
    "annual_rate": "2.85",
    "term_months": 240,
    "method": "equal_instalment",
    "disbursement_date": "2024-06-20",
}
EXAMPLE_3 = {
    "house_price": "1000000.00",
    "first_home": True,
    "borrower": {"balance": "35000.00", "wage_base": "9000.00"},
    "co_borrower": {"balance": "13000.00", "wage_base": "6000.00"},
    "term_months": 360,
}


def anonymous(make_client: Any) -> Any:
    """A caller with no session, no CSRF token and no Idempotency-Key."""
    return make_client()


def post(client: Any, path: str, body: Any, **headers: str) -> Any:
    return client.send("POST", path, body, key=None, csrf=None, headers=headers)


def test_example_2a_schedule_without_login(make_client: Any) -> None:
    reply = post(anonymous(make_client), SCHEDULE, EXAMPLE_2)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["summary"] == {
        "principal": "300000.00",
        "instalment": "1641.36",
        "first_payment": "1641.36",
        "last_payment": "1640.15",
        "total_interest": "93925.19",
        "total_paid": "393925.19",
        "term_months": 240,
        "maturity_date": "2044-06-20",
    }
    rows = body["instalments"]
    assert len(rows) == 240
    assert [(r["due_date"], r["interest"], r["principal"], r["balance"]) for r in rows[:3]] == [
        ("2024-07-20", "712.50", "928.86", "299071.14"),
        ("2024-08-20", "710.29", "931.07", "298140.07"),
        ("2024-09-20", "708.08", "933.28", "297206.79"),
    ]
    assert rows[-1]["payment"] == "1640.15"
    assert body["rate"] == {
        "annual_rate": "2.85",
        "from_policy": False,
        "source": None,
        "effective_from": None,
    }
    assert (body["method_label"], body["repayment_day"]) == ("等额本息", 20)
    assert "Idempotent-Replayed" not in reply.headers


def test_example_2b_equal_principal(make_client: Any) -> None:
    body = post(anonymous(make_client), SCHEDULE, {**EXAMPLE_2, "method": "equal_principal"}).json()
    assert (body["summary"]["instalment"], body["summary"]["total_interest"]) == ("1962.50", "85856.40")
    assert body["method_label"] == "等额本金"


def test_policy_rate_is_the_rate_in_force_for_the_home_and_the_term(make_client: Any) -> None:
    client = anonymous(make_client)
    first = post(client, SCHEDULE, {**EXAMPLE_2, "annual_rate": "policy"}).json()
    assert first["rate"]["annual_rate"] == "2.60"
    assert first["rate"]["from_policy"] is True
    assert first["rate"]["effective_from"] == "2025-05-08"
    assert "2025年5月7日" in first["rate"]["source"]["source"]
    assert "首套住房5年以上" in first["rate"]["source"]["label"]
    assert (first["summary"]["instalment"], first["summary"]["total_interest"]) == ("1604.36", "85047.73")
    second_short = post(
        client, SCHEDULE, {"principal": "100000.00", "term_months": 60, "first_home": False}
    ).json()
    assert second_short["rate"]["annual_rate"] == "2.525"
    assert second_short["disbursement_date"] == "2026-11-23"  # the business date by default
    assert second_short["instalments"][0]["due_date"] == "2026-12-23"


def test_example_3_limit_with_every_figure_and_its_source(make_client: Any) -> None:
    reply = post(anonymous(make_client), LIMIT, EXAMPLE_3)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["limit"] == "720000.00"
    assert (body["binding"], body["binding_rule"]) == ("balance_multiple", "账户余额倍数")
    figures = {f["key"]: f for f in body["figures"]}
    assert {k: f["amount"] for k, f in figures.items()} == {
        "city_max": "800000.00",
        "ltv": "800000.00",
        "balance_multiple": "720000.00",
        "repayment_capacity": "1873408.95",  # 7,500.00 (50 % of 15,000) × 249.787860…
    }
    assert figures["balance_multiple"]["binding"] is True
    assert all(f["rule"] and CHINESE.search(f["computation"]) and f["sources"] for f in body["figures"])
    assert figures["city_max"]["sources"][0]["source"].startswith("住房公积金管理委员会")
    assert "2025年5月7日" in figures["repayment_capacity"]["sources"][1]["source"]
    assert body["instalment_at_limit"] == "2882.45"
    assert body["rate"]["annual_rate"] == "2.60"
    assert body["rounding"]["source"].startswith("地方规定")
    assert all(c["passed"] for c in body["checks"])


def test_limit_where_repayment_capacity_binds(make_client: Any) -> None:
    body = post(anonymous(make_client), LIMIT, {**EXAMPLE_3, "other_monthly_debt": "5000.00"}).json()
    assert body["max_instalment"] == "2500.00"
    assert {f["key"]: f["amount"] for f in body["figures"]}["repayment_capacity"] == "624469.65"
    assert (body["limit"], body["binding"]) == ("624000.00", "repayment_capacity")


def test_uplifts_and_an_unknown_uplift(make_client: Any) -> None:
    client = anonymous(make_client)
    body = post(client, LIMIT, {**EXAMPLE_3, "uplifts": ["multi_child"]}).json()
    assert {f["key"]: f["amount"] for f in body["figures"]}["city_max"] == "960000.00"
    unknown = post(client, LIMIT, {**EXAMPLE_3, "uplifts": ["nobody"]})
    assert unknown.status_code == 422
    assert unknown.json()["code"] == "loan_uplift_unknown"
    assert "额度上浮项目 nobody 不存在" in unknown.json()["message"]


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"principal": 300000}, "principal", "field_amount_format"),
        ({"principal": 300000.5}, "principal", "field_amount_format"),
        ({"principal": "300000.001"}, "principal", "field_amount_format"),
        ({"principal": "3e5"}, "principal", "field_amount_format"),
        ({"principal": "３００００"}, "principal", "field_amount_format"),
        ({"principal": " 300000.00"}, "principal", "field_amount_format"),
        ({"principal": False}, "principal", "field_amount_format"),
        ({"term_months": 0}, "term_months", "field_out_of_range"),
        ({"term_months": 361}, "term_months", "field_out_of_range"),
        ({"term_months": "240"}, "term_months", "field_not_integer"),
        ({"method": "balloon"}, "method", "field_not_in_choices"),
        ({"first_home": "yes"}, "first_home", "field_not_boolean"),
        ({"disbursement_date": "2024/06/20"}, "disbursement_date", "field_not_date"),
        ({"surprise": 1}, "surprise", "field_not_allowed"),
    ],
)
def test_malformed_schedule_requests_are_refused_in_chinese(
    make_client: Any, change: dict[str, Any], field: str, code: str
) -> None:
    reply = post(anonymous(make_client), SCHEDULE, {**EXAMPLE_2, **change})
    assert reply.status_code == 422
    body = reply.json()
    assert body["code"] == "validation_error"
    (error,) = body["details"]["fields"]
    assert (error["field"], error["code"]) == (field, code)
    assert CHINESE.search(error["message"]) and CHINESE.search(body["message"])


@pytest.mark.parametrize(
    ("change", "code", "text"),
    [
        ({"principal": "0.00"}, "loan_principal_not_positive", "贷款金额必须大于零"),
        ({"principal": "-1.00"}, "loan_principal_not_positive", "贷款金额必须大于零"),
        ({"annual_rate": "abc"}, "invalid_rate", "利率格式不正确"),
        ({"annual_rate": " 2.85"}, "invalid_rate", "利率格式不正确"),
        ({"annual_rate": "25"}, "loan_rate_out_of_range", "年利率 25% 超出合理范围"),
        ({"annual_rate": "-1"}, "loan_rate_out_of_range", "超出合理范围"),
    ],
)
def test_rule_violations_name_the_rule_in_chinese(
    make_client: Any, change: dict[str, Any], code: str, text: str
) -> None:
    reply = post(anonymous(make_client), SCHEDULE, {**EXAMPLE_2, **change})
    assert reply.status_code == 422
    assert reply.json()["code"] == code
    assert text in reply.json()["message"]


def test_malformed_limit_requests_are_refused(make_client: Any) -> None:
    client = anonymous(make_client)
    number = post(client, LIMIT, {**EXAMPLE_3, "borrower": {"balance": 35000, "wage_base": "9000.00"}})
    assert number.status_code == 422
    assert number.json()["details"]["fields"][0]["field"] == "borrower.balance"
    assert number.json()["details"]["fields"][0]["code"] == "field_amount_format"
    price = post(client, LIMIT, {**EXAMPLE_3, "house_price": "0.00"})
    assert (price.status_code, price.json()["code"]) == (422, "house_price_not_positive")
    debt = post(client, LIMIT, {**EXAMPLE_3, "other_monthly_debt": "-1.00"})
    assert (debt.status_code, debt.json()["code"]) == (422, "loan_amount_negative")


def test_a_logged_in_operator_may_use_it_too_and_nothing_is_written(
    make_client: Any, seeded: Container
) -> None:
    def counts() -> tuple[int, int]:
        with seeded.engine.connect() as conn:
            return (
                conn.execute(select(func.count()).select_from(audit_log)).scalar_one(),
                conn.execute(select(func.count()).select_from(idempotency_record)).scalar_one(),
            )

    clerk = make_client("clerk01")
    before = counts()
    assert post(clerk, SCHEDULE, EXAMPLE_2).status_code == 200
    assert post(anonymous(make_client), LIMIT, EXAMPLE_3).status_code == 200
    # With an Idempotency-Key it is still just a query: nothing stored, nothing replayed.
    keyed = post(clerk, SCHEDULE, EXAMPLE_2, **{"Idempotency-Key": "calc-key-0001"})
    again = post(clerk, SCHEDULE, EXAMPLE_2, **{"Idempotency-Key": "calc-key-0001"})
    assert keyed.json() == again.json()
    assert "Idempotent-Replayed" not in again.headers
    assert counts() == before


def test_another_site_cannot_post_to_it(make_client: Any) -> None:
    reply = post(anonymous(make_client), SCHEDULE, EXAMPLE_2, Origin="https://evil.example")
    assert reply.status_code == 403
    assert reply.json()["code"] == "csrf_failed"


def test_calls_are_rate_limited_per_address(make_client: Any) -> None:
    client = anonymous(make_client)
    small = {"principal": "1000.00", "annual_rate": "2.60", "term_months": 1}
    for _ in range(60):
        assert post(client, SCHEDULE, small).status_code == 200
    refused = post(client, LIMIT, EXAMPLE_3)
    assert refused.status_code == 429
    assert refused.json()["code"] == "query_rate_limited"
    assert "查询过于频繁" in refused.json()["message"]


def test_the_calculator_is_documented_in_the_openapi(make_client: Any) -> None:
    clerk = make_client("clerk01")
    paths = clerk.get("/openapi.json").json()["paths"]
    assert set(paths[SCHEDULE]) == {"post"} and set(paths[LIMIT]) == {"post"}
