"""Strict yuan amounts at the API boundary (DESIGN.md §3; reliability.md L5, F2)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from anju.api.schemas.common import ReplyModel, StrictModel, YuanAmount
from anju.http.errors import field_errors
from anju.money import Money


class AmountIn(StrictModel):
    amount: YuanAmount


class AmountOut(ReplyModel):
    amount: YuanAmount


def parse(raw_json: str) -> Money:
    """Validate as FastAPI does: JSON text -> Python objects -> model."""
    return AmountIn.model_validate(json.loads(raw_json)).amount


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ('"0"', 0),
        ('"0.01"', 1),
        ('"1234.56"', 123456),
        ('"1234.5"', 123450),
        ('"100"', 10000),
        ('"-5.00"', -500),
    ],
)
def test_accepts_a_yuan_string(text: str, fen: int) -> None:
    assert parse(f'{{"amount": {text}}}') == Money(fen)


@pytest.mark.parametrize(
    ("label", "value"),
    [
        ("a JSON number", "1234.56"),
        ("a JSON integer", "100"),
        ("false", "false"),
        ("true", "true"),
        ("null", "null"),
        ("an exponent", '"1e3"'),
        ("three decimals", '"0.001"'),
        ("full-width digits", '"１２３.４５"'),
        ("NaN as text", '"NaN"'),
        ("NaN literal", "NaN"),
        ("Infinity", '"Infinity"'),
        ("a leading plus", '"+1.00"'),
        ("leading zeros", '"007.00"'),
        ("a thousands separator", '"1,234.56"'),
        ("surrounding spaces", '" 12.00 "'),
        ("an empty string", '""'),
        ("a trailing dot", '"12."'),
        ("an object", '{"fen": 100}'),
        ("a list", '["1.00"]'),
        ("out of range", '"9999999999999999.00"'),
    ],
)
def test_refuses(label: str, value: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse(f'{{"amount": {value}}}')
    errors = field_errors(info.value.errors())
    assert errors == [
        {
            "location": "amount",
            "field": "amount",
            "code": "field_amount_format",
            "message": errors[0]["message"],
        }
    ], label
    assert "1234.56" in errors[0]["message"]  # tells the caller the expected form, in Chinese


def test_replies_carry_amounts_as_strings() -> None:
    dumped = AmountOut(amount=Money(123456)).model_dump(mode="json")
    assert dumped == {"amount": "1234.56"}
    assert AmountOut(amount=Money(-5)).model_dump_json() == '{"amount":"-0.05"}'


def test_openapi_schema_documents_a_string() -> None:
    schema = AmountIn.model_json_schema()["properties"]["amount"]
    assert schema["type"] == "string"
    assert "pattern" in schema


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_round_trip_through_the_api_is_exact(fen: int) -> None:
    text = json.dumps(AmountOut(amount=Money(fen)).model_dump(mode="json"))
    assert parse(text) == Money(fen)


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_no_float_is_ever_an_amount(value: float) -> None:
    with pytest.raises(ValidationError):
        AmountIn.model_validate({"amount": value})
