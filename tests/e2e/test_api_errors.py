"""Errors over HTTP: one JSON shape, Chinese messages, field-level validation, nothing leaked
(reliability.md F1, F2, G5), and the security headers on every response."""

from __future__ import annotations

import json
from typing import Any

import pytest

from anju.ids import VoucherNo
from anju.services import ledger

LEAKS = ("Traceback", 'File "', "sqlalchemy", "SELECT", "RuntimeError", "boom", "site-packages")


def line(gl_code: str, side: str, amount: Any) -> dict[str, Any]:
    return {"gl_code": gl_code, "side": side, "amount": amount}


def test_not_found_has_the_error_shape(make_client: Any) -> None:
    finance = make_client("finance1")
    number = VoucherNo.compose("410100", 999_999).value
    missing = finance.get(f"/api/v1/ledger/vouchers/{number}")
    assert missing.status_code == 404
    assert missing.json() == {
        "code": "voucher_not_found",
        "message": f"凭证不存在：{number}",
        "details": {"voucher_no": number},
    }
    malformed = finance.get("/api/v1/ledger/vouchers/12345")
    assert malformed.status_code == 422
    assert malformed.json()["code"] == "invalid_business_number"
    unknown = finance.get("/api/v1/no-such-thing")
    assert unknown.status_code == 404
    assert unknown.json() == {"code": "not_found", "message": "未找到该接口", "details": {"what": "该接口"}}
    wrong_method = finance.send("DELETE", "/api/v1/ledger/chart")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["code"] == "method_not_allowed"


def test_validation_errors_are_field_level_and_never_echo_input(make_client: Any) -> None:
    client = make_client()
    secret = "Sup3r#Secret-Password"
    reply = client.http.post(
        "/api/v1/auth/login", json={"username": "finance1", "password": [secret], "totp": 123456}
    )
    assert reply.status_code == 422
    body = reply.json()
    assert body["code"] == "validation_error"
    assert body["message"] == "请求内容不正确，请检查标出的字段"
    fields = {f["field"]: f for f in body["details"]["fields"]}
    assert fields["password"]["code"] == "field_not_string"
    assert fields["totp"]["code"] == "field_not_string"
    assert fields["password"]["message"] == "应为文本（字符串）"
    assert secret not in reply.text
    broken = client.http.post(
        "/api/v1/auth/login", content=b'{"username": "x", ', headers={"content-type": "application/json"}
    )
    assert broken.status_code == 422
    assert broken.json()["details"]["fields"][0]["code"] == "request_body_invalid_json"


@pytest.mark.parametrize(
    ("label", "amount"),
    [
        ("a JSON number", 1000),
        ("a JSON decimal", 1000.5),
        ("a boolean", True),
        ("an exponent", "1e3"),
        ("three decimals", "0.001"),
        ("full-width digits", "１０００.００"),
        ("NaN", "NaN"),
        ("a thousands separator", "1,000.00"),
    ],
)
def test_amounts_must_be_strict_yuan_strings(make_client: Any, label: str, amount: Any) -> None:
    finance = make_client("finance1")
    body = {"memo": label, "lines": [line("10101", "debit", amount), line("21999", "credit", "1000.00")]}
    reply = finance.post("/api/v1/accounting/vouchers", body)
    assert reply.status_code == 422, label
    assert reply.json()["code"] == "validation_error"
    [field] = reply.json()["details"]["fields"]
    assert field["field"] == "lines.0.amount"
    assert field["code"] == "field_amount_format"
    assert finance.get("/api/v1/accounting/vouchers").json() == []


def test_unknown_fields_are_refused_not_ignored(make_client: Any) -> None:
    finance = make_client("finance1")
    body = {
        "memo": "多余字段",
        "created_by": "someone_else",
        "lines": [line("10101", "debit", "5.00"), line("21999", "credit", "5.00")],
    }
    reply = finance.post("/api/v1/accounting/vouchers", body)
    assert reply.status_code == 422
    assert reply.json()["details"]["fields"][0] == {
        "location": "body",
        "field": "created_by",
        "code": "field_not_allowed",
        "message": "不允许提交该字段",
    }


def test_business_rule_errors_carry_code_message_and_details(make_client: Any) -> None:
    finance = make_client("finance1")
    body = {"memo": "不平", "lines": [line("10101", "debit", "100.00"), line("21999", "credit", "90.00")]}
    reply = finance.post("/api/v1/accounting/vouchers", body)
    assert reply.status_code == 422
    assert reply.json()["code"] == "voucher_unbalanced"
    assert reply.json()["message"] == "凭证借贷不平衡：借方 100.00，贷方 90.00"
    assert reply.json()["details"] == {"debit": "100.00", "credit": "90.00"}


def test_an_unexpected_error_is_a_bare_500(make_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    finance = make_client("finance1")

    def explode(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("boom: SELECT password_hash FROM operator")

    monkeypatch.setattr(ledger, "list_chart", explode)
    reply = finance.get("/api/v1/ledger/chart")
    assert reply.status_code == 500
    body = reply.json()
    assert body["code"] == "internal_error"
    assert set(body["details"]) == {"request_id"}
    assert (
        body["message"]
        == f"系统内部错误，请稍后重试或联系系统管理员（错误编号 {body['details']['request_id']}）"
    )
    for leak in LEAKS:
        assert leak not in reply.text
    assert reply.headers["X-Frame-Options"] == "DENY"
    page = finance.get("/ledger/chart")
    assert page.status_code == 500
    assert "系统内部错误" in page.text
    for leak in LEAKS:
        assert leak not in page.text


def test_security_headers_on_every_kind_of_response(make_client: Any) -> None:
    finance = make_client("finance1")
    for path in ("/api/v1/ledger/chart", "/ledger/chart", "/api/v1/nope", "/login", "/static/css/anju.css"):
        reply = finance.get(path)
        headers = reply.headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp
        assert "script-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        if path.startswith("/static/"):
            assert headers["Cache-Control"] == "no-cache"
        else:
            assert headers["Cache-Control"] == "no-store"


def test_front_end_libraries_are_served_by_the_app(make_client: Any) -> None:
    client = make_client()
    for path in ("/static/vendor/htmx/htmx.min.js", "/static/vendor/echarts/echarts.min.js"):
        reply = client.get(path)
        assert reply.status_code == 200, path
        assert "javascript" in reply.headers["content-type"]
    assert client.get("/static/vendor/htmx/../../../pyproject.toml").status_code == 404
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
    spec = client.get("/openapi.json").json()
    amount = spec["components"]["schemas"]["ManualVoucherLineIn"]["properties"]["amount"]
    assert amount["type"] == "string"
    assert json.dumps(spec).count("/api/v1/") > 20
