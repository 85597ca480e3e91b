"""Business dates: year-months, the interest year, day counts."""

from __future__ import annotations

from datetime import date

import pytest

from anju.dates import (
    InterestYear,
    YearMonth,
    add_months,
    age_on,
    days_between,
    is_settlement_day,
    parse_date,
)
from anju.errors import RuleViolation


def test_year_month_parse_and_arithmetic() -> None:
    ym = YearMonth.parse("202407")
    assert ym == YearMonth(2024, 7) == YearMonth.parse("2024-07")
    assert str(ym.add(6)) == "202501"
    assert str(ym.add(-7)) == "202312"
    assert ym.months_until(YearMonth(2025, 6)) == 11
    assert [str(m) for m in YearMonth(2024, 11).range_to(YearMonth(2025, 2))] == [
        "202411",
        "202412",
        "202501",
        "202502",
    ]
    assert YearMonth(2024, 2).last_day() == date(2024, 2, 29)
    assert YearMonth(2025, 2).day(31) == date(2025, 2, 28)


@pytest.mark.parametrize("text", ["202413", "2024", "20240", "abcdef", "202400", "２０２４０７"])
def test_bad_year_months_refused(text: str) -> None:
    with pytest.raises(RuleViolation) as info:
        YearMonth.parse(text)
    assert info.value.code == "invalid_year_month"


def test_interest_year_runs_july_to_june() -> None:
    year = InterestYear.containing(date(2025, 3, 15))
    assert (year.start, year.end) == (date(2024, 7, 1), date(2025, 6, 30))
    assert year.days == 365  # example 1b
    assert InterestYear.containing(date(2025, 7, 1)).start == date(2025, 7, 1)
    assert year.next().start == date(2025, 7, 1)
    assert is_settlement_day(date(2025, 6, 30))
    assert not is_settlement_day(date(2025, 6, 29))


def test_days_count_first_not_last() -> None:
    # 2025-03-15 .. 2025-06-30 inclusive is 108 days (example 1b): 算头不算尾 to 07-01.
    assert days_between(date(2025, 3, 15), date(2025, 7, 1)) == 108
    assert days_between(date(2025, 4, 20), date(2025, 5, 12)) == 22  # example 4


def test_add_months_clamps() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 6, 20), 1) == date(2024, 7, 20)
    assert add_months(date(2024, 6, 30), 1, day_of_month=28) == date(2024, 7, 28)


def test_age_and_parse_date() -> None:
    assert age_on(date(1990, 5, 10), date(2026, 5, 9)) == 35
    assert age_on(date(1990, 5, 10), date(2026, 5, 10)) == 36
    assert parse_date("2026-02-28") == date(2026, 2, 28)
    with pytest.raises(RuleViolation):
        parse_date("2026-02-30")
