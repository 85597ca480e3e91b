"""The synthetic city as data: who works where since when, what they earn, what each unit paid.

Everything is drawn from one `random.Random(seed)` in a fixed order, so a seed gives the same city
on every run and both databases. Nothing here touches a database; `load.py` writes the plan.

Shapes (all "realistic" is approximate, and documented in bench/README.md):
* unit sizes are heavy-tailed (log-normal: most units have 1–20 people, a few have thousands),
  and at the sizes that benchmark a remittance two units of exactly `big_unit_members` are planted;
* wages are log-normal around a city average (a unit effect times a person effect), declared for
  each contribution year with ~6 % yearly growth, and priced by the policy in force
  (`contribution_parts`: floor, cap and rounding are the policy's, not this module's);
* ages 20–60, sorted within a unit so that earlier joiners are older;
* each unit's workforce is first in, first out: joins and departures are drawn per person and then
  re-paired in order, so the members paying in any month are a contiguous run of the unit's
  positions — the posting loader numbers voucher lines from that without sorting millions of rows;
* people who left are sealed (封存, 02) in their last unit; about 2 % of units were sealed whole;
* accounts older than the history window bring a migrated opening balance (the bank accounts get
  the matching opening balance, so the trial balance balances).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from itertools import accumulate
from typing import NamedTuple

from anju.batch.synthetic_city import names as nm
from anju.batch.synthetic_city.numbers import ResidentIds, compose_many
from anju.batch.synthetic_city.sizes import BIG_UNITS, CitySize
from anju.dates import InterestYear, YearMonth
from anju.domain.contributions import contribution_parts
from anju.domain.policy import ContributionPolicy
from anju.ids import (
    LedgerAccountNo,
    MemberAccountNo,
    UnitAccountNo,
    VoucherNo,
    credit_code_check_char,
)
from anju.money import Money, Rate

NEVER = 1_000_000  # "has not left": a month index beyond any history
WAGE_GROWTH = 1.06  # declared wages rise ~6 % a contribution year
CITY_MEDIAN_WAGE = 7_000  # yuan a month; with the spread, the mean is ~8,000
LEAVE_SHARE = 0.22  # people who left their unit at some point (sealed accounts)
SEALED_UNIT_SHARE = 0.02
PUBLIC_SHARE = 0.08  # schools, hospitals, government offices
OPENING_FACTOR_PERCENT = 90  # migrated balance ≈ months before the window × 90 % of the first rate
PHONE_SHARE = 0.9
MAX_YEARS = 5  # contribution years the loader's plan table has room for (37 months touch ≤ 5)
BRANCH_WEIGHTS = (40, 25, 25, 10)  # head office, east, west, county (the demo branches, by code)
BANK_WEIGHTS = (35, 30, 20, 15)


@dataclass(frozen=True, slots=True)
class Branch:
    id: int
    code: str


@dataclass(frozen=True, slots=True)
class BankAccount:
    """A collection account (归集专户) and its 101xx ledger account."""

    bank_id: int
    bank_code: str
    account_id: int
    gl_code: str
    ledger_account_id: int


@dataclass(frozen=True, slots=True)
class CityInputs:
    size: CitySize
    seed: int
    business_date: date
    centre_code: str
    contribution: ContributionPolicy
    branches: tuple[Branch, ...]
    banks: tuple[BankAccount, ...]
    next_id: dict[str, int]  # table -> first free id
    next_seq: dict[str, int]  # number_sequence name -> first free value


@dataclass(slots=True)
class UnitPlan:
    index: int
    id: int
    account_no: str
    name: str
    credit_code: str
    economic_type: str
    industry: str
    subordination: str | None
    address: str
    postcode: str
    legal_rep_name: str
    handler_name: str
    handler_phone: str
    bank: BankAccount
    branch_id: int
    ratio_percent: int
    payday: int
    value_day: int  # the day of the month its money arrives (payday + a few days, ≤ 28)
    status: str
    established_on: date
    opened_on: date
    open_month: int  # window-relative month index (negative: before the window)
    sealed_month: int | None
    first: int  # global index of its first member
    count: int
    suspense_id: int
    suspense_no: str
    paid_up_to: str | None = None
    month_ords: list[int] = field(default_factory=list)  # value-date ordinals of months 0..35


class Members:
    """One list per attribute, indexed by the person's global index (a unit's people are contiguous)."""

    __slots__ = (
        "account_ids",
        "account_nos",
        "accrued_through",
        "amounts",
        "balance",
        "birth",
        "carried",
        "current",
        "days_carried",
        "days_current",
        "first_month",
        "ids",
        "last_month",
        "ledger_ids",
        "ledger_nos",
        "male",
        "name",
        "opened_on",
        "opening",
        "paid_up_to",
        "parts",
        "phone",
        "resident_id",
        "settled_on",
        "unit",
    )

    def __init__(self) -> None:
        self.unit: list[int] = []
        self.birth: list[date] = []
        self.male: list[bool] = []
        self.name: list[str] = []
        self.resident_id: list[str] = []
        self.phone: list[str | None] = []
        self.first_month: list[int] = []
        self.last_month: list[int] = []  # exclusive; NEVER while still employed
        self.amounts: list[list[int]] = []  # per contribution year: the monthly total in fen
        self.parts: list[tuple[int, int, int]] = []  # stored on the account: base, unit, member
        self.opened_on: list[date] = []
        self.opening: list[int] = []
        self.balance: list[int] = []
        self.current: list[int] = []
        self.carried: list[int] = []
        self.days_current: list[int] = []
        self.days_carried: list[int] = []
        self.accrued_through: list[date] = []
        self.settled_on: list[date | None] = []
        self.paid_up_to: list[str | None] = []
        self.ids: list[int] = []
        self.account_ids: list[int] = []
        self.ledger_ids: list[int] = []
        self.account_nos: list[str] = []
        self.ledger_nos: list[str] = []

    def __len__(self) -> int:
        return len(self.unit)


class Vouchers:
    """One remittance voucher per unit and month, in chronological (numbering) order."""

    __slots__ = ("hi", "ids", "lo", "month", "numbers", "total", "unit", "value_date", "year")

    def __init__(self) -> None:
        self.unit: list[int] = []
        self.month: list[int] = []
        self.lo: list[int] = []
        self.hi: list[int] = []
        self.year: list[int] = []
        self.value_date: list[date] = []
        self.total: list[int] = []
        self.ids: list[int] = []
        self.numbers: list[str] = []

    def __len__(self) -> int:
        return len(self.unit)


@dataclass(slots=True)
class CityPlan:
    inputs: CityInputs
    window_start: YearMonth  # month index 0; index 36 is the business month
    year_of_month: list[int]  # contribution-year index of months 0..36
    units: list[UnitPlan]
    members: Members
    vouchers: Vouchers
    interest_year_start: date
    postings: int = 0  # credit lines (one per member and month paid) + one debit line per voucher

    def month(self, index: int) -> YearMonth:
        return self.window_start.add(index)


# --- drawing ---------------------------------------------------------------------------------


PEOPLE_BATCH = 20_000
PeopleReady = Callable[["Members", int, int], None]


class _Identity(NamedTuple):
    name: str
    credit_code: str
    district: str
    economic_type: str
    industry: str
    subordination: str | None


class _Parts:
    """Contribution parts per (declared wage, ratio), priced once by the policy in force."""

    def __init__(self, policy: ContributionPolicy) -> None:
        self._policy = policy
        self.cache: dict[tuple[int, int], tuple[int, int, int]] = {}
        self._rates: dict[int, Rate] = {}

    def __call__(self, declared_yuan: int, percent: int) -> tuple[int, int, int]:
        key = (declared_yuan, percent)
        found = self.cache.get(key)
        if found is None:
            rate = self._rates.get(percent)
            if rate is None:
                rate = self._rates[percent] = Rate.percent(str(percent))
            declared = Money(declared_yuan * 100)
            parts = contribution_parts(self._policy, declared, unit_ratio=rate, member_ratio=rate)
            found = self.cache[key] = (parts.wage_base.fen, parts.unit_part.fen, parts.member_part.fen)
        return found


def _unit_sizes(rng: random.Random, size: CitySize) -> list[int]:
    """Heavy-tailed sizes summing to the persons; the planted big units (if any) come first."""
    planted = [size.big_unit_members] * BIG_UNITS if size.big_unit_members else []
    count = size.units - len(planted)
    people = size.persons - sum(planted)
    if count <= 0 or people < count:
        raise ValueError("a city needs at least one person per unit")
    raw = [rng.lognormvariate(math.log(4.5), 1.5) for _ in range(count)]
    scale = people / sum(raw)
    sizes = [max(1, round(r * scale)) for r in raw]
    by_size = sorted(range(count), key=lambda i: sizes[i], reverse=True)
    diff = people - sum(sizes)
    step = 1 if diff > 0 else -1
    cursor = 0
    while diff:
        i = by_size[cursor % count]
        if step > 0 or sizes[i] > 1:
            sizes[i] += step
            diff -= step
        cursor += 1
    return planted + sizes


def _weights(preferred: Sequence[int], count: int) -> list[int]:
    return list(preferred[:count]) + [10] * max(0, count - len(preferred))


class _Draw:
    """Fast draws from one `random.Random`: `int(random() * n)` instead of `choice` (a few
    hundred nanoseconds each instead of a microsecond), names and phones in one go."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.random = rng.random
        self.surnames = [s for s, _ in nm.SURNAMES]
        self.surname_cum = list(accumulate(w for _, w in nm.SURNAMES))

    def below(self, n: int) -> int:
        return int(self.random() * n)

    def between(self, low: int, high: int) -> int:
        """An integer in [low, high] (both included)."""
        return low + int(self.random() * (high - low + 1))

    def pick(self, items: Sequence[str]) -> str:
        return items[int(self.random() * len(items))]

    def names(self, males: Sequence[bool]) -> list[str]:
        rand, pick = self.random, self.pick
        surnames = self.rng.choices(self.surnames, cum_weights=self.surname_cum, k=len(males))
        out = []
        for surname, male in zip(surnames, males, strict=True):
            pool = nm.MALE_CHARS if male else nm.FEMALE_CHARS
            first = pick(pool) if rand() < 0.8 else pick(nm.NEUTRAL_CHARS)
            out.append(surname + first if rand() < 0.35 else surname + first + pick(pool))
        return out

    def name(self, male: bool) -> str:
        return self.names([male])[0]

    def phone(self) -> str:
        return self.pick(nm.MOBILE_PREFIXES) + f"{int(self.random() * 100_000_000):08d}"

    def region(self) -> str:
        roll = self.random()
        if roll < 0.6:
            return self.pick(nm.LOCAL_REGIONS)
        if roll < 0.9:
            return self.pick(nm.PROVINCE_REGIONS)
        return self.pick(nm.OTHER_REGIONS)


FIRST_MONTH = -300  # the earliest window-relative month any date here falls in


class _Planner:
    def __init__(self, inputs: CityInputs) -> None:
        self.inp = inputs
        self.rng = random.Random(inputs.seed)  # noqa: S311 - reproducible test data, not security
        self.draw = _Draw(self.rng)
        self.size = inputs.size
        self.now = self.size.history_months  # window index of the business month
        self.ws = YearMonth.of(inputs.business_date).add(-self.now)
        start = inputs.contribution.contribution_year_start.value
        years = []
        for m in range(self.now + 1):
            ym = self.ws.add(m)
            years.append(ym.year if (ym.month, 1) >= (start.month, start.day) else ym.year - 1)
        self.year_of_month = [y - years[0] for y in years]
        self.years = self.year_of_month[-1] + 1
        if self.years > MAX_YEARS:
            raise ValueError(f"history spans {self.years} contribution years; at most {MAX_YEARS}")
        # [first, end) window months of each contribution year, within the history (0..35)
        history = self.year_of_month[: self.now]
        self.year_segments = [
            (history.index(k), max(m + 1 for m, year in enumerate(history) if year == k))
            for k in range(self.years)
            if k in history
        ]
        self.interest_start = InterestYear.containing(inputs.business_date).start
        self.interest_first_month = self.ws.months_until(YearMonth.of(self.interest_start))
        # Month tables, indexed by window month - FIRST_MONTH: first day's ordinal and "YYYYMM".
        months = [self.ws.add(m) for m in range(FIRST_MONTH, self.now + 1)]
        self.first_ord = [ym.first_day().toordinal() for ym in months]
        self.month_str = [str(ym) for ym in months]
        self.ws_index = self.ws.year * 12 + self.ws.month - 1
        self.parts = _Parts(inputs.contribution)
        self.divisors = [WAGE_GROWTH ** (self.years - 1 - k) * 10 for k in range(self.years)]
        self.y0_ord = self.interest_start.toordinal()
        self.settled = self.interest_start - timedelta(days=1)  # the last 30 June settlement
        self.credits = 0
        self._dates: dict[int, date] = {}
        self.resident_ids = ResidentIds()
        self.units: list[UnitPlan] = []
        self.m = Members()
        self.names_seen: dict[str, int] = {}

    def is_big(self, index: int) -> bool:
        """A planted unit of exactly `big_unit_members` people, all contributing for years."""
        return self.size.big_unit_members > 0 and index < BIG_UNITS

    def dates(self, ordinal: int) -> date:
        """One shared `date` per day (a city has a few thousand distinct days, not millions)."""
        found = self._dates.get(ordinal)
        if found is None:
            found = self._dates[ordinal] = date.fromordinal(ordinal)
        return found

    def month_day(self, month: int, day: int) -> date:
        """Day `day` (1..28) of window month `month`."""
        return date.fromordinal(self.first_ord[month - FIRST_MONTH] + day - 1)

    # --- units ---------------------------------------------------------------------------------

    def _unit_identity(self, index: int) -> _Identity:
        d = self.draw
        district = d.pick(nm.DISTRICTS)
        if d.random() < PUBLIC_SHARE:
            weights = [w for *_, w in nm.PUBLIC_EMPLOYERS]
            prefix, industry, pattern, _ = self.rng.choices(nm.PUBLIC_EMPLOYERS, weights=weights)[0]
            road = d.pick(nm.ROADS).removesuffix("路")
            name = pattern.format(n=d.between(1, 120), d=district, road=road)
            body = f"{prefix}410100{index + 500_000_000:09d}"
            economic, subordination = "110", d.pick(("40", "50"))
        else:
            weights = [w for *_, w in nm.ENTERPRISE_FORMS]
            economic, form, _ = self.rng.choices(nm.ENTERPRISE_FORMS, weights=weights)[0]
            industry, trade = nm.ENTERPRISE_TRADES[d.below(len(nm.ENTERPRISE_TRADES))]
            brand = d.pick(nm.BRAND_CHARS) + d.pick(nm.BRAND_CHARS)
            name = f"安居{brand}{trade}{form}"
            body = f"91410100MA{index + 5_000_000:07d}"
            subordination = None
        seen = self.names_seen.get(name, 0)
        self.names_seen[name] = seen + 1
        if seen:
            name = f"{name}第{seen + 1}分公司" if "公司" in name else f"{name}（{seen + 1}）"
        code = body + credit_code_check_char(body)
        return _Identity(name[:200], code, district, economic, industry, subordination)

    def plan_units(self) -> None:
        rng, d, inp = self.rng, self.draw, self.inp
        sizes = _unit_sizes(rng, self.size)
        centre, seq = inp.centre_code, inp.next_seq
        numbers = compose_many(UnitAccountNo, centre, seq["unit_account_no"], len(sizes))
        suspense_nos = compose_many(LedgerAccountNo, centre, seq["ledger_account_no"], len(sizes))
        branches = sorted(inp.branches, key=lambda b: b.code)
        branch_weights = _weights(BRANCH_WEIGHTS, len(branches))
        bank_weights = _weights(BANK_WEIGHTS, len(inp.banks))
        first = 0
        for index, count in enumerate(sizes):
            big = self.is_big(index)
            who = self._unit_identity(index)
            if big:
                open_month, sealed = -150, None
            else:
                open_month = -d.between(1, 240) if d.random() < 0.85 else d.between(0, 35)
                sealed = None
                if open_month < 33 and d.random() < SEALED_UNIT_SHARE:
                    sealed = d.between(max(open_month + 2, 1), 35)
            opened_on = self.month_day(open_month, 1)
            payday = rng.choices(nm.PAYDAYS, weights=nm.PAYDAY_WEIGHTS)[0]
            unit = UnitPlan(
                index=index,
                id=inp.next_id["unit"] + index,
                account_no=numbers[index],
                name=who.name,
                credit_code=who.credit_code,
                economic_type=who.economic_type,
                industry=who.industry,
                subordination=who.subordination,
                address=f"安居市{who.district}{d.pick(nm.ROADS)}{d.between(1, 999)}号",
                postcode=f"4500{d.below(100):02d}",
                legal_rep_name=d.name(d.random() < 0.7),
                handler_name=d.name(d.random() < 0.4),
                handler_phone=d.phone(),
                bank=inp.banks[0] if big else rng.choices(inp.banks, weights=bank_weights)[0],
                branch_id=branches[0].id if big else rng.choices(branches, weights=branch_weights)[0].id,
                ratio_percent=12 if big else rng.choices(nm.RATIOS, weights=nm.RATIO_WEIGHTS)[0],
                payday=payday,
                value_day=min(payday + d.between(1, 5), 28),
                status="05" if sealed is not None else "01",
                established_on=opened_on - timedelta(days=d.between(0, 3650)),
                opened_on=opened_on,
                open_month=open_month,
                sealed_month=sealed,
                first=first,
                count=count,
                suspense_id=inp.next_id["ledger_account"] + index,
                suspense_no=suspense_nos[index],
            )
            base = self.first_ord[-FIRST_MONTH:]
            unit.month_ords = [base[m] + unit.value_day - 1 for m in range(self.now)]
            self.units.append(unit)
            first += count

    # --- people --------------------------------------------------------------------------------

    def _births(self, count: int, latest: int | None) -> list[int]:
        """Sorted birth-date ordinals, ages 20–60 (mode 35), none born after `latest`."""
        rng, d = self.rng, self.draw
        today = self.inp.business_date.toordinal()
        births = []
        for _ in range(count):
            born = today - int(rng.triangular(20, 60, 35) * 365.25)
            if latest is not None and born > latest:
                born = latest - d.below(61)
            births.append(born)
        births.sort()
        return births

    def _timeline(self, unit: UnitPlan) -> tuple[list[int], list[int]]:
        """Sorted join months and sorted leave months (exclusive, NEVER if still there)."""
        d, now = self.draw, self.now
        rand, between = d.random, d.between
        if self.is_big(unit.index):
            return sorted(between(-149, -1) for _ in range(unit.count)), [NEVER] * unit.count
        joins, leaves = [], []
        early = max(unit.open_month, -180)
        late = max(unit.open_month, 0)
        sealed = unit.sealed_month
        for _ in range(unit.count):
            join = between(early, -1) if unit.open_month < 0 and rand() < 0.7 else between(late, now)
            leave = NEVER
            if join < now and rand() < LEAVE_SHARE:
                leave = between(max(join + 1, -60), now)
            if sealed is not None:
                join = min(join, sealed - 1)
                leave = min(leave, sealed)
            joins.append(join)
            leaves.append(leave)
        joins.sort()
        leaves.sort()
        return joins, leaves

    def plan_people(self, on_people: PeopleReady | None) -> list[list[tuple[int, int, int] | None]]:
        """Everyone, unit by unit: who, since when, wages and parts, balances and interest state;
        returns each unit's vouchers by month as (first position, end position, total).
        `on_people(members, start, end)` hears of every PEOPLE_BATCH people planned (their
        personal data can be sealed while the rest is planned)."""
        per_unit = []
        announced = 0
        for unit in self.units:
            per_unit.append(self._plan_unit_people(unit))
            if on_people is not None and len(self.m) - announced >= PEOPLE_BATCH:
                on_people(self.m, announced, len(self.m))
                announced = len(self.m)
        if on_people is not None and len(self.m) > announced:
            on_people(self.m, announced, len(self.m))
        return per_unit

    def _plan_unit_people(self, unit: UnitPlan) -> list[tuple[int, int, int] | None]:  # noqa: PLR0915
        d, m, now, rng = self.draw, self.m, self.now, self.rng
        rand, between = d.random, d.between
        n = unit.count
        latest = None
        if unit.sealed_month is not None:  # 18 by the last month the unit paid
            y = self.ws.add(unit.sealed_month - 2)
            latest = date(y.year - 18, y.month, 1).toordinal()
        births = self._births(n, latest)
        joins, leaves = self._timeline(unit)
        males = [rand() < 0.52 for _ in range(n)]
        names = d.names(males)
        median = math.log(rng.lognormvariate(math.log(CITY_MEDIAN_WAGE), 0.3))
        percent = unit.ratio_percent
        parts_of, cache = self.parts, self.parts.cache
        divisors = self.divisors
        year_of_month, segments = self.year_of_month, self.year_segments
        year_now = year_of_month[now]
        first_ord, value_day = self.first_ord, unit.value_day
        ords = unit.month_ords
        ord_prefix = list(accumulate(ords, initial=0))
        y0_ord, y0_month, settled = self.y0_ord, self.interest_first_month, self.settled
        make_id, region, phone = self.resident_ids.make, d.region, d.phone
        today_day = self.inp.business_date.day
        unit_amounts: list[list[int]] = []
        fixed_joins: list[int] = []
        fixed_leaves: list[int] = []
        previous_join = previous_leave = -(10**9)
        for pos in range(n):
            born = date.fromordinal(births[pos])
            male = males[pos]
            adult = (born.year + 18) * 12 + born.month - self.ws_index
            join = max(joins[pos], adult)
            leave = leaves[pos] if leaves[pos] == NEVER else max(leaves[pos], join + 1)
            if join < previous_join or leave < previous_leave:
                raise AssertionError("a unit's timeline must stay first in, first out")
            previous_join, previous_leave = join, leave
            fixed_joins.append(join)
            fixed_leaves.append(leave)
            resident_id = make_id(region(), born, male)
            mobile = phone() if rand() < PHONE_SHARE else None
            wage = rng.lognormvariate(median, 0.4)
            by_year = []
            for divisor in divisors:
                key = (max(10, round(wage / divisor) * 10), percent)
                parts = cache.get(key)
                by_year.append(parts if parts is not None else parts_of(*key))
            amounts = [p[1] + p[2] for p in by_year]
            unit_amounts.append(amounts)
            if join == now:
                day = between(1, today_day)
            elif join >= 0:
                day = between(1, value_day)
            else:
                day = between(1, 28)
            opened_ord = first_ord[join - FIRST_MONTH] + day - 1
            # money: migrated opening balance, credits in the window, the interest year's buckets
            start, end = max(join, 0), min(leave, now)
            opening = (min(leave, 0) - join) * amounts[0] * OPENING_FACTOR_PERCENT // 100 if join < 0 else 0
            credits = current = days_sum = 0
            last_current = -1
            for k, (seg_start, seg_end) in enumerate(segments):
                a, b = max(start, seg_start), min(end, seg_end)
                if a < b:
                    credits += amounts[k] * (b - a)
                    ca = max(a, y0_month)
                    if ca < b:
                        current += amounts[k] * (b - ca)
                        days_sum += amounts[k] * (ord_prefix[b] - ord_prefix[ca])
                        last_current = b - 1
            before_year = opened_ord < y0_ord
            # products run to the last credit of the interest year, else from its start (or opening)
            accrued_ord = ords[last_current] if last_current >= 0 else y0_ord if before_year else opened_ord
            balance = opening + credits
            carried = balance - current
            last = end - 1
            m.unit.append(unit.index)
            m.birth.append(born)
            m.male.append(male)
            m.name.append(names[pos])
            m.resident_id.append(resident_id)
            m.phone.append(mobile)
            m.first_month.append(join)
            m.last_month.append(leave)
            m.amounts.append(amounts)
            m.parts.append(by_year[year_now if leave == NEVER else year_of_month[max(0, leave - 1)]])
            m.opened_on.append(self.dates(opened_ord))
            m.opening.append(opening)
            m.balance.append(balance)
            m.current.append(current)
            m.carried.append(carried)
            m.days_current.append(current * accrued_ord - days_sum)
            m.days_carried.append(carried * (accrued_ord - y0_ord) if before_year else 0)
            m.accrued_through.append(self.dates(accrued_ord))
            m.settled_on.append(settled if before_year else None)
            m.paid_up_to.append(self.month_str[last - FIRST_MONTH] if last >= join else None)
            self.credits += credits
        return self._unit_vouchers(fixed_joins, fixed_leaves, unit_amounts)

    def _unit_vouchers(
        self, joins: list[int], leaves: list[int], amounts: list[list[int]]
    ) -> list[tuple[int, int, int] | None]:
        """(first position, end position, total) of the unit's paying members, month by month."""
        n = len(joins)
        prefix = [list(accumulate((a[k] for a in amounts), initial=0)) for k in range(self.years)]
        months: list[tuple[int, int, int] | None] = [None] * self.now
        hi = lo = 0
        for month in range(self.now):
            while hi < n and joins[hi] <= month:
                hi += 1
            while lo < n and leaves[lo] <= month:
                lo += 1
            if hi > lo:
                totals = prefix[self.year_of_month[month]]
                months[month] = (lo, hi, totals[hi] - totals[lo])
        return months

    # --- money ---------------------------------------------------------------------------------

    def plan_vouchers(self, per_unit: list[list[tuple[int, int, int] | None]]) -> Vouchers:
        """Every unit's vouchers, month by month, in value-date order (their numbering order)."""
        rows = []
        in_order = sorted(self.units, key=lambda u: (u.value_day, u.index))
        for month in range(self.now):
            k = self.year_of_month[month]
            for unit in in_order:
                entry = per_unit[unit.index][month]
                if entry is not None:
                    rows.append((unit.index, month, entry[0], entry[1], k, unit.month_ords[month], entry[2]))
        v = Vouchers()
        if rows:
            columns = list(zip(*rows, strict=True))
            v.unit, v.month, v.lo, v.hi, v.year = (list(c) for c in columns[:5])
            v.value_date = [self.dates(o) for o in columns[5]]
            v.total = list(columns[6])
        inp = self.inp
        v.ids = list(range(inp.next_id["voucher"], inp.next_id["voucher"] + len(v)))
        v.numbers = compose_many(VoucherNo, inp.centre_code, inp.next_seq["voucher_no"], len(v))
        return v

    def number_people(self) -> None:
        inp, m = self.inp, self.m
        n = len(m)
        base_ledger = inp.next_id["ledger_account"] + len(self.units)
        m.ids = list(range(inp.next_id["member"], inp.next_id["member"] + n))
        m.account_ids = list(range(inp.next_id["member_account"], inp.next_id["member_account"] + n))
        m.ledger_ids = list(range(base_ledger, base_ledger + n))
        m.account_nos = compose_many(MemberAccountNo, inp.centre_code, inp.next_seq["member_account_no"], n)
        m.ledger_nos = compose_many(
            LedgerAccountNo, inp.centre_code, inp.next_seq["ledger_account_no"] + len(self.units), n
        )

    def unit_paid_up_to(self) -> None:
        m = self.m
        for unit in self.units:
            months = [p for p in m.paid_up_to[unit.first : unit.first + unit.count] if p is not None]
            unit.paid_up_to = max(months) if months else None


def plan_city(
    inputs: CityInputs,
    *,
    on_units: Callable[[list[UnitPlan]], None] | None = None,
    on_people: PeopleReady | None = None,
) -> CityPlan:
    """The whole city. `on_units` hears of the units once drawn, `on_people(members, start, end)`
    of each batch of people planned (final except for their numbers)."""
    planner = _Planner(inputs)
    planner.plan_units()
    if on_units is not None:
        on_units(planner.units)
    per_unit = planner.plan_people(on_people)
    planner.number_people()
    vouchers = planner.plan_vouchers(per_unit)
    planner.unit_paid_up_to()
    if planner.credits != sum(vouchers.total):
        raise AssertionError("members' credits and vouchers' totals differ")
    lines = sum(hi - lo for lo, hi in zip(vouchers.lo, vouchers.hi, strict=True))
    return CityPlan(
        inputs=inputs,
        window_start=planner.ws,
        year_of_month=planner.year_of_month,
        units=planner.units,
        members=planner.m,
        vouchers=vouchers,
        interest_year_start=planner.interest_start,
        postings=lines + len(vouchers),
    )


@lru_cache(maxsize=4096)
def morning_utc(day: date, hour_cst: int = 9) -> datetime:
    """A fixed wall-clock instant on a business day (9:00 in China), so runs are reproducible."""
    return datetime(day.year, day.month, day.day, hour_cst, tzinfo=UTC) - timedelta(hours=8)


def ratio(percent: int) -> Decimal:
    """Numeric(5,4) fraction of an integer percent: 12 -> 0.1200."""
    return (Decimal(percent) / 100).quantize(Decimal("0.0001"))
