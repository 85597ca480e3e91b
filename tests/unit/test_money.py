"""Money, rates and the one rounding function (reliability L5)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anju.errors import RuleViolation
from anju.money import Money, Rate, RoundingRule, floor_to, round_fen, total


def test_float_is_refused_everywhere() -> None:
    with pytest.raises(TypeError):
        Money(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money.of(0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money.from_yuan(0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Rate.of(0.015)  # type: ignore[arg-type]


def test_bool_is_not_zero() -> None:
    with pytest.raises(TypeError):
        Money(False)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money.of(True)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "fen"),
    [("0", 0), ("0.01", 1), ("1234.56", 123456), ("1234.5", 123450), ("-3.20", -320), ("1920", 192000)],
)
def test_yuan_strings_parse_exactly(text: str, fen: int) -> None:
    assert Money.from_yuan(text).fen == fen


@pytest.mark.parametrize(
    "text",
    [
        "1e3",
        "0.001",
        "NaN",
        "Infinity",
        "１２３",
        "12,000.00",
        "",
        " ",
        "01.00",
        "1.",
        ".5",
        "+1",
        "--1",
        "1000000000000000.00",
        "٣",
    ],
)
def test_malformed_yuan_strings_are_refused(text: str) -> None:
    with pytest.raises(RuleViolation) as info:
        Money.from_yuan(text)
    assert info.value.code == "invalid_amount"
    assert "金额格式不正确" in info.value.message


def test_str_and_cn_format() -> None:
    assert str(Money(123456)) == "1234.56"
    assert str(Money(-5)) == "-0.05"
    assert Money(123456789).format_cn() == "1,234,567.89"


def test_multiplication_by_a_rate_needs_times() -> None:
    with pytest.raises(TypeError):
        Money(100) * Decimal("0.5")  # type: ignore[operator]
    assert Money(100) * 3 == Money(300)


def test_example_1a_parts_round_to_the_fen() -> None:
    twelve = Rate.percent("12")
    assert Money.yuan(8000).times(twelve) == Money.from_yuan("960.00")
    assert Money.yuan(27000).times(twelve) == Money.from_yuan("3240.00")
    assert Money.yuan(2000).times(twelve) == Money.from_yuan("240.00")


def test_rounding_rules() -> None:
    assert round_fen(Decimal("12.5")) == Money(13)
    assert round_fen(Decimal("12.4999")) == Money(12)
    assert round_fen(Decimal("-12.5")) == Money(-13)  # half away from zero, as 四舍五入
    assert round_fen(Decimal("12350"), RoundingRule.YUAN_HALF_UP) == Money(12400)
    assert round_fen(Decimal("12349"), RoundingRule.YUAN_HALF_UP) == Money(12300)
    assert round_fen(Decimal("12301"), RoundingRule.YUAN_UP) == Money(12400)
    assert round_fen(Decimal("12300"), RoundingRule.YUAN_UP) == Money(12300)


def test_floor_to_thousand_yuan() -> None:
    assert floor_to(Money.from_yuan("624469.65"), Money.yuan(1000)) == Money.yuan(624000)


def test_rate_parsing() -> None:
    assert Rate.percent("1.50").value == Decimal("0.015")
    assert Rate.of("0.026").as_percent() == "2.6"
    with pytest.raises(RuleViolation):
        Rate.of("1e-2")


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_yuan_round_trip(fen: int) -> None:
    assert Money.from_yuan(str(Money(fen))) == Money(fen)


@given(st.integers(min_value=0, max_value=10**12), st.decimals(min_value=0, max_value=1, places=6))
def test_times_matches_decimal_reference(fen: int, factor: Decimal) -> None:
    expected = (Decimal(fen) * factor).quantize(Decimal(1), rounding="ROUND_HALF_UP")
    assert Money(fen).times(factor).fen == int(expected)


@given(st.lists(st.integers(min_value=-(10**12), max_value=10**12), max_size=50))
def test_total_is_exact(values: list[int]) -> None:
    assert total([Money(v) for v in values]).fen == sum(values)
