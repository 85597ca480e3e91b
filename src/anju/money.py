"""Money as integer fen, rates as Decimal, and the one rounding function.

Why integers: every amount the centre books is a whole number of fen; binary floats cannot hold
0.1 yuan exactly, so a float anywhere in a money path is a defect (it raises here).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import ClassVar

from anju.errors import RuleViolation

# Plain ASCII digits only: full-width digits and exponents are refused on purpose (L5, F2).
_YUAN_RE = re.compile(r"^-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,2})?$")
_RATE_RE = re.compile(r"^-?[0-9]{1,6}(\.[0-9]{1,12})?$")
MAX_FEN = 10**17  # one hundred trillion yuan: far above any real figure, far below int64


class MoneyInputError(RuleViolation):
    """An amount or rate given by a caller is not a well-formed value."""


class RoundingRule(enum.Enum):
    """Local rounding rules for a product of money and a rate (rules.md §2.1, [L])."""

    FEN_HALF_UP = "fen_half_up"  # 0.01 yuan, 四舍五入 (the default)
    YUAN_HALF_UP = "yuan_half_up"  # whole yuan, 四舍五入
    YUAN_UP = "yuan_up"  # whole yuan, rounded up (进位)


@dataclass(frozen=True, slots=True, order=True)
class Money:
    """An amount of RMB in integer fen (分)."""

    fen: int
    ZERO: ClassVar[Money]

    def __post_init__(self) -> None:
        # bool is an int subclass; `False` as an amount is a bug, not zero.
        if type(self.fen) is not int:
            raise TypeError(f"Money needs int fen, got {type(self.fen).__name__}")
        if not -MAX_FEN < self.fen < MAX_FEN:
            raise MoneyInputError("amount_out_of_range", value=str(self.fen))

    @classmethod
    def of(cls, value: int | str | Decimal) -> Money:
        """Build from int fen, or from a yuan amount given as str or Decimal."""
        raw: object = value  # callers are typed, but JSON and forms are not: check at run time
        if isinstance(raw, bool | float):
            raise TypeError("Money cannot be built from bool or float")
        if isinstance(value, int):
            return cls(value)
        if isinstance(value, str):
            return cls.from_yuan(value)
        if isinstance(value, Decimal):
            return cls.from_yuan(value)
        raise TypeError(f"Money cannot be built from {type(value).__name__}")

    @classmethod
    def from_yuan(cls, value: str | Decimal) -> Money:
        """Parse a yuan amount with at most two decimals ("1234.56"); anything else is refused."""
        raw: object = value
        if isinstance(raw, float):
            raise TypeError("Money cannot be built from float")
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise MoneyInputError("invalid_amount", value=str(value))
            text = format(value, "f")
        elif isinstance(value, str):
            text = value.strip()
        else:
            raise TypeError(f"yuan amount must be str or Decimal, got {type(value).__name__}")
        if not _YUAN_RE.match(text):
            raise MoneyInputError("invalid_amount", value=text[:40])
        whole, _, frac = text.lstrip("-").partition(".")
        fen = int(whole) * 100 + int((frac + "00")[:2])
        return cls(-fen if text.startswith("-") else fen)

    @classmethod
    def yuan(cls, whole_yuan: int) -> Money:
        return cls(whole_yuan * 100)

    def to_yuan(self) -> Decimal:
        return (Decimal(self.fen) / 100).quantize(Decimal("0.01"))

    def __str__(self) -> str:
        """Yuan with two decimals, as the API carries it: "-1234.56"."""
        sign = "-" if self.fen < 0 else ""
        whole, frac = divmod(abs(self.fen), 100)
        return f"{sign}{whole}.{frac:02d}"

    def format_cn(self) -> str:
        """Yuan with thousands separators for pages and receipts: "1,234.56"."""
        sign = "-" if self.fen < 0 else ""
        whole, frac = divmod(abs(self.fen), 100)
        return f"{sign}{whole:,}.{frac:02d}"

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.fen + other.fen)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.fen - other.fen)

    def __neg__(self) -> Money:
        return Money(-self.fen)

    def __abs__(self) -> Money:
        return Money(abs(self.fen))

    def __mul__(self, factor: int) -> Money:
        # Only whole-number multiples: a product with a rate must go through `times` (one rounding).
        if type(factor) is not int:
            return NotImplemented
        return Money(self.fen * factor)

    __rmul__ = __mul__

    def times(self, rate: Rate | Decimal, rule: RoundingRule = RoundingRule.FEN_HALF_UP) -> Money:
        """This amount times a rate, rounded once by the rule."""
        factor = rate.value if isinstance(rate, Rate) else rate
        return round_fen(Decimal(self.fen) * factor, rule)

    @property
    def is_zero(self) -> bool:
        return self.fen == 0

    @property
    def is_positive(self) -> bool:
        return self.fen > 0

    @property
    def is_negative(self) -> bool:
        return self.fen < 0


Money.ZERO = Money(0)


def total(amounts: list[Money] | tuple[Money, ...]) -> Money:
    return Money(sum(m.fen for m in amounts))


def round_fen(value_fen: Decimal, rule: RoundingRule = RoundingRule.FEN_HALF_UP) -> Money:
    """The one rounding function: an exact amount in fen (a Decimal) to whole Money by the rule.

    Every product of money and a rate (contributions, interest, penalties, instalments) ends here,
    so a centre that changes its rounding rule changes it in one place, through policy.
    """
    if not value_fen.is_finite():
        raise MoneyInputError("invalid_amount", value=str(value_fen))
    if rule is RoundingRule.FEN_HALF_UP:
        return Money(int(value_fen.quantize(Decimal(1), rounding=ROUND_HALF_UP)))
    yuan = value_fen / 100
    if rule is RoundingRule.YUAN_HALF_UP:
        return Money(int(yuan.quantize(Decimal(1), rounding=ROUND_HALF_UP)) * 100)
    if rule is RoundingRule.YUAN_UP:
        return Money(int(yuan.quantize(Decimal(1), rounding=ROUND_CEILING)) * 100)
    raise ValueError(rule)  # pragma: no cover - the enum is closed


def floor_to(amount: Money, unit: Money) -> Money:
    """Round an amount down to a multiple of `unit` (loan limits floor to RMB 1,000, rules.md §5.3)."""
    if unit.fen <= 0:
        raise ValueError("unit must be positive")
    return Money((amount.fen // unit.fen) * unit.fen)


@dataclass(frozen=True, slots=True, order=True)
class Rate:
    """A rate as an exact Decimal fraction (0.015 is 1.5 %). Built from strings, never floats."""

    value: Decimal

    def __post_init__(self) -> None:
        if not isinstance(self.value, Decimal) or not self.value.is_finite():
            raise TypeError("Rate needs a finite Decimal")

    @classmethod
    def of(cls, value: str | Decimal) -> Rate:
        raw: object = value
        if isinstance(raw, float | bool | int):
            raise TypeError("Rate must be built from str or Decimal")
        if isinstance(value, Decimal):
            return cls(value)
        text = value.strip()
        if not _RATE_RE.match(text):
            raise MoneyInputError("invalid_rate", value=text[:40])
        try:
            return cls(Decimal(text))
        except InvalidOperation as exc:  # pragma: no cover - the regex already guards
            raise MoneyInputError("invalid_rate", value=text[:40]) from exc

    @classmethod
    def percent(cls, value: str) -> Rate:
        """ "12" -> 0.12, "1.5" -> 0.015."""
        return cls(cls.of(value).value / 100)

    def as_percent(self) -> str:
        """ "1.5" for 0.015: how staff read rates."""
        return format((self.value * 100).normalize(), "f")

    def __str__(self) -> str:
        return format(self.value.normalize(), "f")

    def __mul__(self, other: Decimal | int) -> Rate:
        if isinstance(other, float | bool):
            return NotImplemented
        return Rate(self.value * Decimal(other))


def floor_decimal(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_FLOOR))
