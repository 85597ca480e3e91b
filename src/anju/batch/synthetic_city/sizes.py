"""How big a synthetic city is: persons, units, loans and months of remittance history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

BIG_UNITS: Final = 2  # one for the remittance benchmark through the services, one through the API


@dataclass(frozen=True, slots=True)
class CitySize:
    name: str
    persons: int  # people with a member account (one account per person for life)
    units: int  # employers (单位)
    loans: int  # housing loans, generated once the loan tables exist (see generate.LOAN_HOOK)
    big_unit_members: int  # BIG_UNITS units of exactly this many contributing members (0: none)
    history_months: int = 36  # months of remittance history before the business month


SIZES: Final[dict[str, CitySize]] = {
    # A few hundred persons: the integration tests (SQLite and PostgreSQL).
    "tiny": CitySize("tiny", persons=300, units=12, loans=0, big_unit_members=0),
    # `make run`: a living demo centre on SQLite in a few seconds.
    "small": CitySize("small", persons=2_000, units=100, loans=200, big_unit_members=0),
    # The size of a real city centre (`make bench`).
    "city": CitySize("city", persons=1_000_000, units=50_000, loans=100_000, big_unit_members=5_000),
    "large": CitySize("large", persons=5_000_000, units=250_000, loans=500_000, big_unit_members=5_000),
}


def city_size(name: str) -> CitySize:
    try:
        return SIZES[name]
    except KeyError:
        raise ValueError(f"unknown city size {name!r}: one of {', '.join(SIZES)}") from None
