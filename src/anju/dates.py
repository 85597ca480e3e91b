"""Business dates: year-months, the interest year (1 July – 30 June), day counts.

Nothing here reads a clock: the business date (会计日期) is owned by the database and passed in.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from anju.errors import RuleViolation

_YM_RE = re.compile(r"^([12][0-9]{3})(0[1-9]|1[0-2])$")
_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class DateInputError(RuleViolation):
    """A date or year-month given by a caller is not valid."""


@dataclass(frozen=True, slots=True, order=True)
class YearMonth:
    """A calendar month, e.g. the month a contribution is for (汇补缴年月) or 缴至年月."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not (1 <= self.month <= 12 and 1000 <= self.year <= 9999):
            raise DateInputError("invalid_year_month", value=f"{self.year}{self.month:02d}")

    @classmethod
    def parse(cls, text: str) -> YearMonth:
        """Parse "YYYYMM" (the data standard's format) or "YYYY-MM"."""
        cleaned = text.strip().replace("-", "")
        match = _YM_RE.match(cleaned)
        if not match:
            raise DateInputError("invalid_year_month", value=text[:20])
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> YearMonth:
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year}{self.month:02d}"

    def label(self) -> str:
        """ "2024年07月" for pages."""
        return f"{self.year}年{self.month:02d}月"

    def add(self, months: int) -> YearMonth:
        index = self.year * 12 + (self.month - 1) + months
        return YearMonth(index // 12, index % 12 + 1)

    def months_until(self, other: YearMonth) -> int:
        """How many months from self to other (other - self)."""
        return (other.year * 12 + other.month) - (self.year * 12 + self.month)

    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def day(self, day_of_month: int) -> date:
        """The given day of this month, clamped to the month's last day."""
        last = calendar.monthrange(self.year, self.month)[1]
        return date(self.year, self.month, min(day_of_month, last))

    def range_to(self, last: YearMonth) -> Iterator[YearMonth]:
        """Months from self to last, both included."""
        current = self
        while current <= last:
            yield current
            current = current.add(1)


def parse_date(text: str) -> date:
    """Parse an ISO date given by a caller; a clear Chinese error otherwise."""
    cleaned = text.strip()
    if not _DATE_RE.match(cleaned):
        raise DateInputError("invalid_date", value=text[:20])
    try:
        return date.fromisoformat(cleaned)
    except ValueError as exc:
        raise DateInputError("invalid_date", value=text[:20]) from exc


def add_months(day: date, months: int, day_of_month: int | None = None) -> date:
    """The same day-of-month `months` later (or `day_of_month`), clamped to the month's end."""
    target = YearMonth.of(day).add(months)
    return target.day(day_of_month if day_of_month is not None else day.day)


def days_between(start: date, end: date) -> int:
    """Days from start to end, counting the first day and not the last (算头不算尾)."""
    return (end - start).days


@dataclass(frozen=True, slots=True)
class InterestYear:
    """The interest year (计息年度): 1 July to 30 June; settlement on 30 June (rules.md §3.2)."""

    start: date  # 1 July
    end: date  # 30 June of the next calendar year, included

    @classmethod
    def containing(cls, day: date) -> InterestYear:
        first_year = day.year if day.month >= 7 else day.year - 1
        return cls(date(first_year, 7, 1), date(first_year + 1, 6, 30))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def label(self) -> str:
        return f"{self.start.year}—{self.end.year}年度"

    def next(self) -> InterestYear:
        return InterestYear.containing(self.end + timedelta(days=1))


def is_settlement_day(day: date) -> bool:
    """30 June: the annual interest settlement runs at this day's end."""
    return day.month == 6 and day.day == 30


def contribution_year_start(day: date) -> date:
    """1 July of the contribution year (缴存年度) that contains `day` ([L] default July–June)."""
    return InterestYear.containing(day).start


def age_on(birth: date, day: date) -> int:
    """Full years of age on a day."""
    years = day.year - birth.year
    if (day.month, day.day) < (birth.month, birth.day):
        years -= 1
    return years
