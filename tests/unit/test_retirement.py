"""Statutory retirement age under the 2024 NPC decision: exact cases from the annexed tables."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anju.domain.retirement import (
    Gender,
    RetirementAge,
    RetirementCategory,
    statutory_retirement_age,
    statutory_retirement_date,
)


@pytest.mark.parametrize(
    ("birth", "age", "retires"),
    [
        (date(1964, 12, 15), RetirementAge(60, 0), date(2024, 12, 15)),  # before the reform
        (date(1965, 1, 10), RetirementAge(60, 1), date(2025, 2, 10)),  # first delayed month
        (date(1965, 4, 30), RetirementAge(60, 1), date(2025, 5, 30)),
        (date(1965, 5, 1), RetirementAge(60, 2), date(2025, 7, 1)),
        (date(1970, 1, 1), RetirementAge(61, 4), date(2031, 5, 1)),  # 16th step
        (date(1976, 8, 1), RetirementAge(62, 11), date(2039, 7, 1)),
        (date(1976, 9, 1), RetirementAge(63, 0), date(2039, 9, 1)),  # first at the full 63
        (date(1990, 5, 20), RetirementAge(63, 0), date(2053, 5, 20)),  # example 3, borrower A
    ],
)
def test_men(birth: date, age: RetirementAge, retires: date) -> None:
    assert statutory_retirement_age(birth, Gender.MALE) == age
    assert statutory_retirement_date(birth, "male") == retires


@pytest.mark.parametrize(
    ("birth", "age", "retires"),
    [
        (date(1969, 12, 1), RetirementAge(55, 0), date(2024, 12, 1)),
        (date(1970, 1, 1), RetirementAge(55, 1), date(2025, 2, 1)),
        (date(1971, 4, 1), RetirementAge(55, 4), date(2026, 8, 1)),
        (date(1981, 8, 1), RetirementAge(57, 11), date(2039, 7, 1)),
        (date(1981, 9, 1), RetirementAge(58, 0), date(2039, 9, 1)),
    ],
)
def test_women_cadres(birth: date, age: RetirementAge, retires: date) -> None:
    assert statutory_retirement_age(birth, Gender.FEMALE, RetirementCategory.CADRE) == age
    assert statutory_retirement_date(birth, "female", "cadre") == retires


@pytest.mark.parametrize(
    ("birth", "age", "retires"),
    [
        (date(1974, 12, 1), RetirementAge(50, 0), date(2024, 12, 1)),
        (date(1975, 1, 1), RetirementAge(50, 1), date(2025, 2, 1)),
        (date(1975, 2, 1), RetirementAge(50, 1), date(2025, 3, 1)),
        (date(1975, 3, 1), RetirementAge(50, 2), date(2025, 5, 1)),
        (date(1984, 10, 31), RetirementAge(54, 11), date(2039, 9, 30)),  # 31 Sept does not exist
        (date(1984, 11, 1), RetirementAge(55, 0), date(2039, 11, 1)),
    ],
)
def test_women_workers(birth: date, age: RetirementAge, retires: date) -> None:
    assert statutory_retirement_age(birth, Gender.FEMALE, RetirementCategory.WORKER) == age
    assert statutory_retirement_date(birth, "female", "worker") == retires


def test_a_woman_needs_a_category_and_codes_map_to_genders() -> None:
    with pytest.raises(ValueError, match="category"):
        statutory_retirement_date(date(1980, 1, 1), Gender.FEMALE)
    assert Gender.from_code("1") is Gender.MALE
    assert Gender.from_code("2") is Gender.FEMALE
    assert RetirementAge(60, 1).label() == "60岁1个月"
    assert RetirementAge(63, 0).label() == "63岁"


@given(
    first=st.dates(min_value=date(1950, 1, 1), max_value=date(2000, 12, 31)),
    second=st.dates(min_value=date(1950, 1, 1), max_value=date(2000, 12, 31)),
    category=st.sampled_from(["male", "cadre", "worker"]),
)
def test_later_birth_never_retires_earlier_and_the_delay_is_bounded(
    first: date, second: date, category: str
) -> None:
    gender = "male" if category == "male" else "female"
    cat = None if category == "male" else category
    early, late = sorted((first, second))
    assert statutory_retirement_date(early, gender, cat) <= statutory_retirement_date(late, gender, cat)
    age = statutory_retirement_age(late, gender, cat)
    base, cap = {"male": (60, 63), "cadre": (55, 58), "worker": (50, 55)}[category]
    assert RetirementAge(base, 0) <= age <= RetirementAge(cap, 0)
