"""Statutory retirement age (法定退休年龄) under the 2024 NPC decision, as data.

The NPC Standing Committee's decision of 2024-09-13 (关于实施渐进式延迟法定退休年龄的决定) and the
State Council measures annexed to it raise the statutory retirement age from 2025-01-01 over
15 years: men 60 → 63 and women cadres (original age 55) 55 → 58, one month more for every four
months of birth; women workers (original age 50) 50 → 55, one month more for every two months of
birth. The annexed tables (对照表) are exactly this arithmetic: a man born in January–April 1965
retires at 60 years 1 month (February–May 2025); one born in September 1976 or later at 63.

HPF uses the date for retirement withdrawals (提取原因 03) and the loan age rule (age at maturity
≤ retirement + N years, rules.md §5.4). Flexible early or late retirement (弹性退休) is a personal
choice recorded elsewhere; this is the statutory date.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import Final

from anju.dates import YearMonth

SOURCE: Final = (
    "《全国人民代表大会常务委员会关于实施渐进式延迟法定退休年龄的决定》（2024年9月13日）"
    "及所附《国务院关于渐进式延迟法定退休年龄的办法》第二条与附件对照表"
)


class Gender(enum.Enum):
    MALE = "male"
    FEMALE = "female"

    @classmethod
    def from_code(cls, code: str) -> Gender:
        """GB/T 2261.1 性别代码: 1 male, 2 female (other codes carry no retirement age)."""
        if code == "1":
            return cls.MALE
        if code == "2":
            return cls.FEMALE
        raise ValueError(f"no statutory retirement age for sex code {code!r}")


class RetirementCategory(enum.Enum):
    """For women: the original statutory age that applied to the post."""

    CADRE = "cadre"  # 原法定退休年龄为五十五周岁的女职工 (managerial and technical posts)
    WORKER = "worker"  # 原法定退休年龄为五十周岁的女职工


@dataclass(frozen=True, slots=True)
class RetirementSchedule:
    """One phased increase: born from `first_delayed_birth`, +1 month per step, up to a maximum."""

    original_age_years: int
    first_delayed_birth: YearMonth  # the first birth month whose original retirement fell in 2025
    birth_months_per_step: int
    max_delay_months: int

    def delay_months(self, birth: YearMonth) -> int:
        if birth < self.first_delayed_birth:
            return 0
        step = self.first_delayed_birth.months_until(birth) // self.birth_months_per_step
        return min(step + 1, self.max_delay_months)


SCHEDULES: Final[dict[tuple[Gender, RetirementCategory | None], RetirementSchedule]] = {
    (Gender.MALE, None): RetirementSchedule(60, YearMonth(1965, 1), 4, 36),
    (Gender.FEMALE, RetirementCategory.CADRE): RetirementSchedule(55, YearMonth(1970, 1), 4, 36),
    (Gender.FEMALE, RetirementCategory.WORKER): RetirementSchedule(50, YearMonth(1975, 1), 2, 60),
}


@dataclass(frozen=True, slots=True, order=True)
class RetirementAge:
    years: int
    months: int

    @property
    def total_months(self) -> int:
        return self.years * 12 + self.months

    def label(self) -> str:
        """ "60岁1个月", "63岁" for pages."""
        return f"{self.years}岁{self.months}个月" if self.months else f"{self.years}岁"


def _schedule(gender: Gender | str, category: RetirementCategory | str | None) -> RetirementSchedule:
    sex = Gender(gender)
    if sex is Gender.MALE:
        return SCHEDULES[(sex, None)]
    if category is None:
        raise ValueError("a woman's retirement age depends on her category (cadre or worker)")
    return SCHEDULES[(sex, RetirementCategory(category))]


def statutory_retirement_age(
    birth_date: date, gender: Gender | str, category: RetirementCategory | str | None = None
) -> RetirementAge:
    """The statutory retirement age for a birth date (the category matters for women only)."""
    schedule = _schedule(gender, category)
    total = schedule.original_age_years * 12 + schedule.delay_months(YearMonth.of(birth_date))
    return RetirementAge(total // 12, total % 12)


def statutory_retirement_date(
    birth_date: date, gender: Gender | str, category: RetirementCategory | str | None = None
) -> date:
    """The day the person reaches the statutory retirement age (day clamped to the month's end)."""
    age = statutory_retirement_age(birth_date, gender, category)
    month = YearMonth.of(birth_date).add(age.total_months)
    return month.day(birth_date.day)
