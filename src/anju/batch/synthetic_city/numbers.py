"""Business numbers and resident IDs in bulk: the same numbers `anju.ids` composes, a million at a time.

`BusinessNumber.compose` validates what it builds (a second Luhn pass) and `make_resident_id`
parses the date back: right for one number at the counter, a minute of CPU for a city. These
helpers compute the same check characters from partial sums; every batch is checked against the
slow path on its first and last numbers, so a drift between the two cannot go unnoticed.
"""

from __future__ import annotations

from datetime import date
from functools import cache

from anju.ids import BusinessNumber, ResidentId, make_resident_id

_LOW_DIGITS = 5  # the sequence's low digits come from one table of 10^5 partial sums


def _luhn_partial(digits: str, first_position: int) -> int:
    """Luhn sum of `digits` whose rightmost digit sits `first_position` places from the right
    of the whole body (position 0, the last digit before the check digit, is doubled)."""
    total = 0
    for offset, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if (first_position + offset) % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total


@cache
def _low_table() -> tuple[int, ...]:
    return tuple(_luhn_partial(f"{n:0{_LOW_DIGITS}d}", 0) for n in range(10**_LOW_DIGITS))


def compose_many(kind: type[BusinessNumber], centre_code: str, first_seq: int, count: int) -> list[str]:
    """`kind.compose(centre_code, seq).value` for seq = first_seq .. first_seq + count - 1."""
    if count <= 0:
        return []
    width = kind.SEQ_WIDTH
    block = 10**_LOW_DIGITS
    head = f"{kind.PREFIX}{centre_code}"
    head_sum = _luhn_partial(head, width)
    low_sums, low_text = _low_table(), _low_text()
    numbers: list[str] = []
    seq, end = first_seq, first_seq + count
    while seq < end:
        high, rest = divmod(seq, block)
        stop = min(end, (high + 1) * block)
        high_text = f"{high:0{width - _LOW_DIGITS}d}"
        prefix = head + high_text
        base = head_sum + _luhn_partial(high_text, _LOW_DIGITS)
        numbers.extend(
            prefix + low_text[r] + _CHECK_DIGITS[(base + low_sums[r]) % 10]
            for r in range(rest, rest + stop - seq)
        )
        seq = stop
    for index in (0, count - 1):  # the slow path must agree
        expected = kind.compose(centre_code, first_seq + index).value
        if numbers[index] != expected:
            raise AssertionError(f"bulk {kind.__name__} {numbers[index]} != {expected}")
    return numbers


_CHECK_DIGITS = tuple(str((10 - total) % 10) for total in range(10))


@cache
def _low_text() -> tuple[str, ...]:
    return tuple(f"{n:0{_LOW_DIGITS}d}" for n in range(10**_LOW_DIGITS))


# GB 11643: weight of the i-th of the first 17 characters is 2^(17 - i) mod 11; check "10X98765432".
_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_ID_CHECK = "10X98765432"


def _weighted(digits: str, first: int) -> int:
    return sum((ord(c) - 48) * w for c, w in zip(digits, _ID_WEIGHTS[first:], strict=False))


_TAIL_TEXT = tuple(f"{seq:03d}" for seq in range(1000))
_TAIL_SUM = tuple(
    sum((ord(c) - 48) * w for c, w in zip(t, _ID_WEIGHTS[14:], strict=True)) for t in _TAIL_TEXT
)


class ResidentIds:
    """Unique resident ID numbers: region + birth date + a sequence whose parity is the gender."""

    def __init__(self) -> None:
        self._next: dict[tuple[str, int, bool], int] = {}
        self._regions: dict[str, int] = {}
        self._days: dict[int, tuple[str, int]] = {}
        self.checked = False

    def make(self, region: str, born: date, male: bool) -> str:
        day = born.toordinal()
        key = (region, day, male)
        k = self._next.get(key, 0)
        if k >= 500:
            raise ValueError("more than 500 people of one sex born on one day in one region")
        self._next[key] = k + 1
        seq = 2 * k + (1 if male else 0)
        region_sum = self._regions.get(region)
        if region_sum is None:
            region_sum = self._regions[region] = _weighted(region, 0)
        born_text = self._days.get(day)
        if born_text is None:
            text = f"{born.year:04d}{born.month:02d}{born.day:02d}"
            born_text = self._days[day] = (text, _weighted(text, 6))
        total = region_sum + born_text[1] + _TAIL_SUM[seq]
        value = region + born_text[0] + _TAIL_TEXT[seq] + _ID_CHECK[total % 11]
        if not self.checked:  # once per generator: the slow path must agree
            if make_resident_id(value[:17]).reveal() != value or ResidentId(value).gender != (
                "male" if male else "female"
            ):
                raise AssertionError("bulk resident id disagrees with anju.ids")
            self.checked = True
        return value
