"""Local policy (地方政策参数) as frozen data: every value with its source and provenance tag.

Policy is versioned business data, not configuration (DESIGN.md §6). A version is read from a
TOML/JSON mapping by `parse_policy`, which refuses anything doubtful (a float, a missing source, an
unknown key, a ratio outside its legal envelope) and names the field, so a bad import is caught
before it is stored. Domain functions receive a `Policy` and never branch on a city: every local
difference is a value here. Each value is a `Sourced` (value, source, tag), so a refusal can tell
the person at the counter which rule applies and where it comes from.

File conventions (policies/reference.toml): a parameter is a table
``{ value = ..., source = "...", tag = "P" }`` (optional ``note``). Money is a yuan string
("1500.00"), rates and ratios are percent strings ("1.50" means 1.50 %), counts are integers,
flags are booleans, dates are TOML dates or ISO strings. A TOML float is refused everywhere: a
binary float cannot hold 0.1 exactly, and "1.5" vs 1.5 is how a rate silently becomes 1.4999….
Effective-dated tables (deposit and loan rates) and withdrawal reasons are arrays of tables whose
rows carry their own ``source`` and ``tag``.

Provenance tags (rules.md §0): N national law, P national policy notice, L local, E engineering
convention; several may be joined with "/" ("P/L"), and a trailing "?" marks a value not verified
from a primary source.
"""

from __future__ import annotations

import enum
import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final, Generic, TypeVar

from anju.dates import YearMonth
from anju.domain.retirement import (  # noqa: F401 - re-exported: retirement age is policy too
    Gender,
    RetirementCategory,
    statutory_retirement_date,
)
from anju.errors import RuleViolation
from anju.money import Money, MoneyInputError, Rate, RoundingRule

T = TypeVar("T")

SCHEMA_VERSION: Final = 1

# Legal envelope of a configured ratio bound. The national floor is 5 % (Regulations Art. 18) and
# the ceiling 12 % (建金管〔2005〕5号), but a deferral or ratio-reduction approval (Art. 20) may go
# below 5 %, so the bounds themselves are data and only this outer envelope is fixed in code.
RATIO_BOUND_FLOOR: Final = Rate.percent("1")
RATIO_BOUND_CEILING: Final = Rate.percent("12")
RATE_SANITY_CEILING: Final = Rate.percent("20")  # no HPF deposit or loan rate comes near this

# 提取原因 (TQYY) codes of JGJ/T 320; local reasons map onto one of them for export.
STANDARD_REASON_CODES: Final = frozenset({"01", "02", "03", "04", "05", "06", "07", "08", "09", "99"})

# 贷款风险等级 (DKFXDJ) codes.
TIER_NORMAL: Final = "01"
TIER_SPECIAL_MENTION: Final = "02"
TIER_SUBSTANDARD: Final = "03"
TIER_DOUBTFUL: Final = "04"
TIER_LOSS: Final = "05"

_TAG_RE = re.compile(r"^[NPLE](/[NPLE])*\??$")
_CODE_RE = re.compile(r"^[0-9A-Z]{2}$")
_MONTH_DAY_RE = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")
_FACTOR_RE = re.compile(r"^[0-9]{1,3}(\.[0-9]{1,6})?$")
_UPLIFT_CODE_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


class PolicyRuleViolation(RuleViolation):
    """A policy document is invalid, or a request breaks a rule that policy sets."""


def _invalid(path: str, reason: str) -> PolicyRuleViolation:
    return PolicyRuleViolation("policy_invalid", field=path, reason=reason)


# ---------------------------------------------------------------------------------------------
# Value types
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sourced(Generic[T]):
    """A policy value with where it comes from: the rule (and its document) and its tag."""

    value: T
    source: str
    tag: str
    note: str = ""

    @property
    def unverified(self) -> bool:
        return self.tag.endswith("?")


@dataclass(frozen=True, slots=True, order=True)
class MonthDay:
    """A day of the year without a year: "07-01" (contribution year), "01-01" (repricing)."""

    month: int
    day: int

    @classmethod
    def parse(cls, text: str) -> MonthDay:
        match = _MONTH_DAY_RE.match(text.strip())
        if not match:
            raise ValueError(text)
        month, day = int(match.group(1)), int(match.group(2))
        date(2001, month, day)  # refuses 02-30 and 02-29 (a rule must fall every year)
        return cls(month, day)

    def __str__(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"

    def in_year(self, year: int) -> date:
        return date(year, self.month, self.day)

    def next_after(self, day: date) -> date:
        """The first occurrence strictly after `day` (a rate cut on 1 Jan reprices the next 1 Jan)."""
        candidate = self.in_year(day.year)
        return candidate if candidate > day else self.in_year(day.year + 1)


class RemittanceDue(enum.Enum):
    """When a month's remittance (汇缴) is due, for the arrears check (rules.md §2.3, [L])."""

    END_OF_MONTH = "end_of_month"  # due by the end of the month it is for (the default)
    DAYS_AFTER_PAYDAY = "days_after_payday"  # Art. 19: within N days of the unit's payday


class DayCount(enum.Enum):
    ACTUAL_360 = "actual/360"  # PBoC convention for deposit and loan interest (rules.md §3.3)
    ACTUAL_365 = "actual/365"

    @property
    def year_days(self) -> int:
        return 360 if self is DayCount.ACTUAL_360 else 365


class DebitOrder(enum.Enum):
    """Which bucket a withdrawal draws on first (rules.md §3.3, [E] (?))."""

    CURRENT_YEAR_FIRST = "current_year_first"  # 当年归集 first, then 上年结转
    CARRIED_FIRST = "carried_first"


class WithdrawalLimit(enum.Enum):
    """How the maximum amount of a withdrawal is set (rules.md §4)."""

    FULL_BALANCE = "full_balance"  # closing withdrawal: principal plus interest to date
    COST_BORNE = "cost_borne"  # ≤ the cost the member actually bore (price − loan, repair, medical)
    AMOUNT_REPAID = "amount_repaid"  # ≤ principal and interest actually repaid in the look-back
    RENT_CAP = "rent_cap"  # min(actual rent, rent cap per person per month × months)
    ACTUAL_RENT = "actual_rent"  # public rental housing (公租房): actual rent in full
    AVAILABLE_BALANCE = "available_balance"  # balance minus the minimum remaining balance
    APPROVED = "approved"  # the amount the approver sets (reason 99)


class PenaltyBase(enum.Enum):
    """What overdue penalty interest (罚息) is charged on (rules.md §5.9)."""

    PRINCIPAL_AND_INTEREST = "principal_and_interest"  # the default
    PRINCIPAL_ONLY = "principal_only"


class RiskReserveMethod(enum.Enum):
    """How the loan risk reserve (贷款风险准备金) provision is sized (rules.md §7.3, [P] (?))."""

    GREATER_OF_BOTH = "greater_of_both"  # max(share of VAI, share of year-end loan balance)
    VAI_SHARE = "vai_share"
    LOAN_BALANCE_SHARE = "loan_balance_share"


# ---------------------------------------------------------------------------------------------
# Field specifications: one declaration drives parsing, validation of types and dumping
# ---------------------------------------------------------------------------------------------


class _Kind(enum.Enum):
    MONEY = "money"
    PERCENT = "percent"
    FACTOR = "factor"
    INT = "int"
    BOOL = "bool"
    TEXT = "text"
    TEXT_LIST = "text_list"
    ENUM = "enum"
    DATE = "date"
    MONTH_DAY = "month_day"
    CODE = "code"
    TAG = "tag"
    TABLE = "table"
    ROWS = "rows"


@dataclass(frozen=True, slots=True)
class _Spec:
    kind: _Kind
    sourced: bool  # a {value, source, tag} table in the file, a Sourced in the model
    enum_type: type[enum.Enum] | None = None
    table_type: type | None = None


def _param(kind: _Kind, enum_type: type[enum.Enum] | None = None) -> dict[str, _Spec]:
    """Field metadata of a sourced parameter: { value = ..., source = "...", tag = "..." }."""
    return {"anju": _Spec(kind, sourced=True, enum_type=enum_type)}


def _plain(
    kind: _Kind, *, enum_type: type[enum.Enum] | None = None, table_type: type | None = None
) -> dict[str, _Spec]:
    """Field metadata of a plain value (a row's column, a sub-table)."""
    return {"anju": _Spec(kind, sourced=False, enum_type=enum_type, table_type=table_type)}


_SOURCE = _plain(_Kind.TEXT)
_TAG = _plain(_Kind.TAG)


# ---------------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContributionPolicy:
    """缴存: ratio bounds, wage-base cap and floor, rounding, remittance due (rules.md §2)."""

    member_ratio_min: Sourced[Rate] = field(metadata=_param(_Kind.PERCENT))
    member_ratio_max: Sourced[Rate] = field(metadata=_param(_Kind.PERCENT))
    unit_ratio_min: Sourced[Rate] = field(metadata=_param(_Kind.PERCENT))
    unit_ratio_max: Sourced[Rate] = field(metadata=_param(_Kind.PERCENT))
    integer_ratios_only: Sourced[bool] = field(metadata=_param(_Kind.BOOL))
    average_monthly_wage: Sourced[Money] = field(
        metadata=_param(_Kind.MONEY)
    )  # previous year, city, statistics bureau
    wage_base_cap_multiple: Sourced[int] = field(metadata=_param(_Kind.INT))
    wage_base_floor: Sourced[Money] = field(metadata=_param(_Kind.MONEY))  # local minimum wage
    monthly_amount_rounding: Sourced[RoundingRule] = field(metadata=_param(_Kind.ENUM, RoundingRule))
    contribution_year_start: Sourced[MonthDay] = field(metadata=_param(_Kind.MONTH_DAY))
    remittance_due: Sourced[RemittanceDue] = field(metadata=_param(_Kind.ENUM, RemittanceDue))
    remittance_days_after_payday: Sourced[int] = field(metadata=_param(_Kind.INT))
    arrears_grace_days: Sourced[int] = field(metadata=_param(_Kind.INT))

    def wage_base_cap(self) -> Money:
        """缴存基数上限 = multiple × previous-year city average monthly wage."""
        return self.average_monthly_wage.value * self.wage_base_cap_multiple.value

    def clamp_wage_base(self, declared: Money) -> Money:
        """The wage base: the declared previous-year average wage, held between floor and cap."""
        cap = self.wage_base_cap()
        floor = self.wage_base_floor.value
        if declared > cap:
            return cap
        if declared < floor:
            return floor
        return declared

    def monthly_part(self, base: Money, ratio: Rate) -> Money:
        """One part (unit or member) of the monthly amount, rounded by the local rule."""
        return base.times(ratio, self.monthly_amount_rounding.value)

    def monthly_amount_bounds(self) -> tuple[Money, Money]:
        """(月缴存额下限, 月缴存额上限) of JGJ/T 320 table 4.0.4: floor at minimum ratios, cap at maximum."""
        floor, cap = self.wage_base_floor.value, self.wage_base_cap()
        low = self.monthly_part(floor, self.unit_ratio_min.value) + self.monthly_part(
            floor, self.member_ratio_min.value
        )
        high = self.monthly_part(cap, self.unit_ratio_max.value) + self.monthly_part(
            cap, self.member_ratio_max.value
        )
        return low, high

    def check_ratio(self, ratio: Rate, *, party: str) -> None:
        """Refuse a unit or member ratio outside the bounds, naming the bound and its source.

        `party` is "unit" or "member". A ratio below the floor needs a ratio-reduction approval
        (Art. 20), which the contributions feature checks before calling this.
        """
        low, high = (
            (self.unit_ratio_min, self.unit_ratio_max)
            if party == "unit"
            else (self.member_ratio_min, self.member_ratio_max)
        )
        label = "单位" if party == "unit" else "个人"
        if not low.value <= ratio <= high.value:
            bound = low if ratio < low.value else high
            raise PolicyRuleViolation(
                "contribution_ratio_out_of_bounds",
                party=label,
                ratio=ratio.as_percent(),
                min=low.value.as_percent(),
                max=high.value.as_percent(),
                source=bound.source,
            )
        if self.integer_ratios_only.value and not _is_whole_percent(ratio):
            raise PolicyRuleViolation(
                "contribution_ratio_not_integer",
                party=label,
                ratio=ratio.as_percent(),
                source=self.integer_ratios_only.source,
            )

    def remittance_due_date(self, month: YearMonth, payday: int | None = None) -> date:
        """The last day a month's remittance may arrive before the unit is in arrears (欠缴)."""
        if self.remittance_due.value is RemittanceDue.DAYS_AFTER_PAYDAY and payday is not None:
            due = month.day(payday) + timedelta(days=self.remittance_days_after_payday.value)
        else:
            due = month.last_day()
        return due + timedelta(days=self.arrears_grace_days.value)


@dataclass(frozen=True, slots=True)
class DepositRateRow:
    """Deposit rates in force from a date: current-year collections and balance brought forward."""

    effective_from: date = field(metadata=_plain(_Kind.DATE))
    current_year: Rate = field(metadata=_plain(_Kind.PERCENT))  # 当年归集
    carried: Rate = field(metadata=_plain(_Kind.PERCENT))  # 上年结转
    source: str = field(metadata=_SOURCE)
    tag: str = field(metadata=_TAG)
    note: str = field(default="", metadata=_SOURCE)


@dataclass(frozen=True, slots=True)
class InterestPolicy:
    """计息与结息: deposit rates, day count, interest year, withdrawal treatment (rules.md §3)."""

    deposit_rates: tuple[DepositRateRow, ...] = field(metadata=_plain(_Kind.ROWS, table_type=DepositRateRow))
    day_count: Sourced[DayCount] = field(metadata=_param(_Kind.ENUM, DayCount))
    interest_year_start: Sourced[MonthDay] = field(metadata=_param(_Kind.MONTH_DAY))
    pay_interest_on_partial_withdrawal: Sourced[bool] = field(metadata=_param(_Kind.BOOL))
    withdrawal_debit_order: Sourced[DebitOrder] = field(metadata=_param(_Kind.ENUM, DebitOrder))
    # How many days before the business date a posting to a member's account may be valued
    # (倒起息): its interest is corrected by adjusting the account's daily product. Defaulted so
    # versions stored before the parameter existed still load.
    max_back_value_days: Sourced[int] = field(
        default=Sourced(30, "倒起息业务的起息日最多早于会计日期30天（中心内控惯例，rules.md §3.3）", "E"),
        metadata=_param(_Kind.INT),
    )

    def deposit_rates_on(self, day: date) -> DepositRateRow:
        row = _latest_row(self.deposit_rates, day)
        if row is None:
            raise PolicyRuleViolation(
                "policy_rate_not_found", what="住房公积金存款利率", date=day.isoformat()
            )
        return row


@dataclass(frozen=True, slots=True)
class WithdrawalReasonRule:
    """One withdrawal reason (提取原因) with its limits, frequency and required materials."""

    code: str = field(metadata=_plain(_Kind.CODE))
    name: str = field(metadata=_plain(_Kind.TEXT))
    standard_code: str = field(metadata=_plain(_Kind.CODE))  # the TQYY code this reason is reported as
    closes_account: bool = field(metadata=_plain(_Kind.BOOL))
    limit_rule: WithdrawalLimit = field(metadata=_plain(_Kind.ENUM, enum_type=WithdrawalLimit))
    materials: tuple[str, ...] = field(metadata=_plain(_Kind.TEXT_LIST))
    source: str = field(metadata=_SOURCE)
    tag: str = field(metadata=_TAG)
    lookback_months: int | None = field(
        default=None, metadata=_plain(_Kind.INT)
    )  # AMOUNT_REPAID: months back
    min_interval_months: int = field(default=0, metadata=_plain(_Kind.INT))  # 0: no interval required
    max_times_per_year: int | None = field(default=None, metadata=_plain(_Kind.INT))
    window_months: int | None = field(
        default=None, metadata=_plain(_Kind.INT)
    )  # apply within N months of the event
    min_contribution_months: int = field(
        default=0, metadata=_plain(_Kind.INT)
    )  # continuous months before applying
    once_per_property: bool = field(default=False, metadata=_plain(_Kind.BOOL))
    # --- withdrawals slice (issue 7): reason-specific eligibility ---
    min_sealed_months: int = field(default=0, metadata=_plain(_Kind.INT))  # account sealed ≥ N months
    no_home_in_city: bool = field(default=False, metadata=_plain(_Kind.BOOL))  # rent: no own home here
    note: str = field(default="", metadata=_SOURCE)

    @property
    def is_standard(self) -> bool:
        return self.code in STANDARD_REASON_CODES


@dataclass(frozen=True, slots=True)
class WithdrawalPolicy:
    """提取: reasons, generic controls and the rent cap (rules.md §4)."""

    decision_deadline_days: Sourced[int] = field(metadata=_param(_Kind.INT))
    unit_certificate_required: Sourced[bool] = field(metadata=_param(_Kind.BOOL))
    min_remaining_balance: Sourced[Money] = field(metadata=_param(_Kind.MONEY))
    rent_cap_per_person_month: Sourced[Money] = field(metadata=_param(_Kind.MONEY))
    reasons: tuple[WithdrawalReasonRule, ...] = field(
        metadata=_plain(_Kind.ROWS, table_type=WithdrawalReasonRule)
    )
    # --- withdrawals slice (issue 7): workflow and anti-fraud controls (absent: not applied) ---
    second_approval_threshold: Sourced[Money] | None = field(default=None, metadata=_param(_Kind.MONEY))
    fraud_block_years: Sourced[int] | None = field(default=None, metadata=_param(_Kind.INT))

    def reason(self, code: str) -> WithdrawalReasonRule:
        for rule in self.reasons:
            if rule.code == code:
                return rule
        raise PolicyRuleViolation("withdrawal_reason_unknown", code=code)


@dataclass(frozen=True, slots=True)
class LoanRateRow:
    """HPF loan rates from a date: first/second home × term ≤ 5 / > 5 years (rules.md §5.5)."""

    effective_from: date = field(metadata=_plain(_Kind.DATE))
    first_home_up_to_5y: Rate = field(metadata=_plain(_Kind.PERCENT))
    first_home_over_5y: Rate = field(metadata=_plain(_Kind.PERCENT))
    second_home_up_to_5y: Rate = field(metadata=_plain(_Kind.PERCENT))  # a floor (不低于) the city may raise
    second_home_over_5y: Rate = field(metadata=_plain(_Kind.PERCENT))
    source: str = field(metadata=_SOURCE)
    tag: str = field(metadata=_TAG)
    note: str = field(default="", metadata=_SOURCE)

    def pick(self, *, first_home: bool, long_term: bool) -> Rate:
        if first_home:
            return self.first_home_over_5y if long_term else self.first_home_up_to_5y
        return self.second_home_over_5y if long_term else self.second_home_up_to_5y


@dataclass(frozen=True, slots=True)
class ClassificationThresholds:
    """Five-tier classification (五级分类) by days past due of the oldest unpaid instalment."""

    normal_max_days: int = field(metadata=_plain(_Kind.INT))
    special_mention_max_days: int = field(metadata=_plain(_Kind.INT))
    substandard_max_days: int = field(metadata=_plain(_Kind.INT))
    doubtful_max_days: int = field(metadata=_plain(_Kind.INT))
    source: str = field(metadata=_SOURCE)
    tag: str = field(metadata=_TAG)
    note: str = field(default="", metadata=_SOURCE)

    def tier_for(self, days_past_due: int) -> str:
        """The DKFXDJ code: 01 normal … 05 loss."""
        if days_past_due < 0:
            raise ValueError("days past due cannot be negative")
        for limit, tier in (
            (self.normal_max_days, TIER_NORMAL),
            (self.special_mention_max_days, TIER_SPECIAL_MENTION),
            (self.substandard_max_days, TIER_SUBSTANDARD),
            (self.doubtful_max_days, TIER_DOUBTFUL),
        ):
            if days_past_due <= limit:
                return tier
        return TIER_LOSS


@dataclass(frozen=True, slots=True)
class LimitUplift:
    """A loan-limit uplift (额度上浮, rules.md §5.3): multi-child families, talent, green buildings.

    Uplifts raise the city maximum by their percentage; several stack, up to the policy's ceiling.
    """

    code: str = field(metadata=_plain(_Kind.TEXT))  # a local code such as "multi_child"
    name: str = field(metadata=_plain(_Kind.TEXT))
    percent: Rate = field(metadata=_plain(_Kind.PERCENT))
    source: str = field(metadata=_SOURCE)
    tag: str = field(metadata=_TAG)
    note: str = field(default="", metadata=_SOURCE)


@dataclass(frozen=True, slots=True)
class LoanPolicy:
    """个人住房贷款: eligibility, limits, term, rates, repricing, overdue (rules.md §5)."""

    min_continuous_months: Sourced[int] = field(metadata=_param(_Kind.INT))
    max_loans_per_family: Sourced[int] = field(metadata=_param(_Kind.INT))
    ltv_first_home: Sourced[Rate] = field(metadata=_param(_Kind.PERCENT))
    ltv_second_home: Sourced[Rate] = field(metadata=_param(_Kind.PERCENT))
    balance_multiple: Sourced[int] = field(metadata=_param(_Kind.INT))
    repayment_capacity: Sourced[Rate] = field(metadata=_param(_Kind.PERCENT))
    city_max_single: Sourced[Money] = field(metadata=_param(_Kind.MONEY))
    city_max_couple: Sourced[Money] = field(metadata=_param(_Kind.MONEY))
    limit_rounding_unit: Sourced[Money] = field(metadata=_param(_Kind.MONEY))
    max_term_months: Sourced[int] = field(metadata=_param(_Kind.INT))
    max_years_beyond_retirement: Sourced[int] = field(metadata=_param(_Kind.INT))
    decision_deadline_days: Sourced[int] = field(metadata=_param(_Kind.INT))
    rate_tier_boundary_months: Sourced[int] = field(
        metadata=_param(_Kind.INT)
    )  # ≤ 60 months is the "≤ 5 yr" tier
    rates: tuple[LoanRateRow, ...] = field(metadata=_plain(_Kind.ROWS, table_type=LoanRateRow))
    repricing_date: Sourced[MonthDay] = field(metadata=_param(_Kind.MONTH_DAY))
    repricing_min_term_months: Sourced[int] = field(
        metadata=_param(_Kind.INT)
    )  # terms longer than this reprice
    penalty_multiplier: Sourced[Decimal] = field(metadata=_param(_Kind.FACTOR))
    penalty_base: Sourced[PenaltyBase] = field(metadata=_param(_Kind.ENUM, PenaltyBase))
    grace_days: Sourced[int] = field(metadata=_param(_Kind.INT))
    repayment_day_max: Sourced[int] = field(metadata=_param(_Kind.INT))
    classification: ClassificationThresholds = field(
        metadata=_plain(_Kind.TABLE, table_type=ClassificationThresholds)
    )
    # Optional (absent in older versions): the no-unsettled-loan condition, second-home caps
    # (None: the first-home cap applies) and the limit uplifts with their stacking ceiling.
    no_unsettled_loan: Sourced[bool] | None = field(default=None, metadata=_param(_Kind.BOOL))
    city_max_second_home_single: Sourced[Money] | None = field(default=None, metadata=_param(_Kind.MONEY))
    city_max_second_home_couple: Sourced[Money] | None = field(default=None, metadata=_param(_Kind.MONEY))
    limit_uplifts: tuple[LimitUplift, ...] = field(
        default=(), metadata=_plain(_Kind.ROWS, table_type=LimitUplift)
    )
    limit_uplift_ceiling: Sourced[Rate] | None = field(default=None, metadata=_param(_Kind.PERCENT))
    # Loan workflow (issue 8): loans above this amount need a second approver (None: never).
    second_approval_threshold: Sourced[Money] | None = field(default=None, metadata=_param(_Kind.MONEY))
    # 展期/缩期 (issue 8): True re-tiers the rate (≤ 5 / > 5 years) on the new total term; absent
    # or False keeps the tier of the original contract term (rules.md §5.5, the default).
    retier_on_term_change: Sourced[bool] | None = field(default=None, metadata=_param(_Kind.BOOL))

    def rate_row_on(self, day: date) -> LoanRateRow:
        row = _latest_row(self.rates, day)
        if row is None:
            raise PolicyRuleViolation("policy_rate_not_found", what="个人住房贷款利率", date=day.isoformat())
        return row

    def rate_on(self, day: date, *, first_home: bool, term_months: int) -> Rate:
        if term_months <= 0:
            raise ValueError("term must be positive")
        long_term = term_months > self.rate_tier_boundary_months.value
        return self.rate_row_on(day).pick(first_home=first_home, long_term=long_term)

    def city_max_rule(self, *, couple: bool, first_home: bool = True) -> Sourced[Money]:
        """最高贷款额度 with its source: single or couple, and the second-home cap where one is set."""
        if not first_home:
            second = self.city_max_second_home_couple if couple else self.city_max_second_home_single
            if second is not None:
                return second
        return self.city_max_couple if couple else self.city_max_single

    def city_max(self, *, couple: bool, first_home: bool = True) -> Money:
        return self.city_max_rule(couple=couple, first_home=first_home).value

    def max_ltv_rule(self, *, first_home: bool) -> Sourced[Rate]:
        return self.ltv_first_home if first_home else self.ltv_second_home

    def max_ltv(self, *, first_home: bool) -> Rate:
        return self.max_ltv_rule(first_home=first_home).value

    def uplift(self, code: str) -> LimitUplift:
        for rule in self.limit_uplifts:
            if rule.code == code:
                return rule
        raise PolicyRuleViolation("loan_uplift_unknown", code=code[:40])

    def reprices(self, term_months: int) -> bool:
        """An existing loan reprices after a rate change only if its term exceeds the minimum."""
        return term_months > self.repricing_min_term_months.value

    def repricing_date_after(self, rate_change: date) -> date:
        """The day existing loans take a rate announced on `rate_change` (the next 1 January)."""
        return self.repricing_date.value.next_after(rate_change)

    def latest_maturity(self, retirement_date: date) -> date:
        """Age rule: the loan must mature by statutory retirement + N years."""
        years = self.max_years_beyond_retirement.value
        return YearMonth(retirement_date.year + years, retirement_date.month).day(retirement_date.day)


@dataclass(frozen=True, slots=True)
class AccountingPolicy:
    """会计核算: how value-added income provisions the loan risk reserve (rules.md §7.3)."""

    risk_reserve_method: Sourced[RiskReserveMethod] = field(metadata=_param(_Kind.ENUM, RiskReserveMethod))
    risk_reserve_vai_share: Sourced[Rate] = field(metadata=_param(_Kind.PERCENT))
    risk_reserve_loan_balance_share: Sourced[Rate] = field(metadata=_param(_Kind.PERCENT))


@dataclass(frozen=True, slots=True)
class Policy:
    """One version of the local policy, as loaded for the business date it is used on."""

    schema_version: int = field(metadata=_plain(_Kind.INT))
    title: str = field(metadata=_plain(_Kind.TEXT))
    contribution: ContributionPolicy = field(metadata=_plain(_Kind.TABLE, table_type=ContributionPolicy))
    interest: InterestPolicy = field(metadata=_plain(_Kind.TABLE, table_type=InterestPolicy))
    withdrawal: WithdrawalPolicy = field(metadata=_plain(_Kind.TABLE, table_type=WithdrawalPolicy))
    loan: LoanPolicy = field(metadata=_plain(_Kind.TABLE, table_type=LoanPolicy))
    accounting: AccountingPolicy = field(metadata=_plain(_Kind.TABLE, table_type=AccountingPolicy))

    def deposit_rate_on(self, day: date, *, carried: bool = False) -> Rate:
        """The deposit rate for current-year collections (or, carried=True, brought forward)."""
        row = self.interest.deposit_rates_on(day)
        return row.carried if carried else row.current_year

    def loan_rate_on(self, day: date, first_home: bool, term_months: int) -> Rate:
        """The HPF loan rate announced for loans accepted on `day` (the contract term picks the tier)."""
        return self.loan.rate_on(day, first_home=first_home, term_months=term_months)


# ---------------------------------------------------------------------------------------------
# Parsing and dumping
# ---------------------------------------------------------------------------------------------


def parse_policy(data: Mapping[str, Any]) -> Policy:
    """Build a Policy from a mapping (tomllib output or the stored JSON), validating everything.

    Raises PolicyRuleViolation("policy_invalid", field=..., reason=...) on the first problem.
    """
    _refuse_floats(data, "")
    policy = _parse_table(Policy, data, "")
    _validate(policy)
    return policy


def policy_to_dict(policy: Policy) -> dict[str, Any]:
    """The JSON-safe mapping of a Policy (dates as ISO strings); parse_policy reads it back."""
    return _dump_table(policy)


def _refuse_floats(value: Any, path: str) -> None:
    if isinstance(value, float):
        raise _invalid(path or "(根)", '不能使用浮点数：金额、比例和利率请写成带引号的字符串，如 "1.50"')
    if isinstance(value, Mapping):
        for key, item in value.items():
            _refuse_floats(item, _join(path, str(key)))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _refuse_floats(item, f"{path}[{index}]")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _parse_table(cls: type[T], data: Any, path: str) -> T:
    if not isinstance(data, Mapping):
        raise _invalid(path or "(根)", "应为一个表（table）")
    specs = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
    for key in data:
        if key not in specs:
            raise _invalid(_join(path, str(key)), "未知参数（请检查拼写）")
    kwargs: dict[str, Any] = {}
    for name, fld in specs.items():
        spec: _Spec = fld.metadata["anju"]
        where = _join(path, name)
        if name not in data:
            if fld.default is MISSING:
                raise _invalid(where, "缺少该参数")
            continue  # the dataclass default applies
        raw = data[name]
        kwargs[name] = _parse_sourced(spec, raw, where) if spec.sourced else _parse_value(spec, raw, where)
    return cls(**kwargs)


def _parse_sourced(spec: _Spec, raw: Any, path: str) -> Sourced[Any]:
    if not isinstance(raw, Mapping):
        raise _invalid(path, '应写成 { value = ..., source = "...", tag = "..." }')
    unknown = set(raw) - {"value", "source", "tag", "note"}
    if unknown:
        raise _invalid(_join(path, sorted(unknown)[0]), "未知参数（请检查拼写）")
    if "value" not in raw:
        raise _invalid(_join(path, "value"), "缺少该参数")
    source = _parse_value(_Spec(_Kind.TEXT, False), raw.get("source"), _join(path, "source"))
    tag = _parse_value(_Spec(_Kind.TAG, False), raw.get("tag"), _join(path, "tag"))
    note = raw.get("note", "")
    if not isinstance(note, str):
        raise _invalid(_join(path, "note"), "应为文字")
    return Sourced(_parse_value(spec, raw["value"], _join(path, "value")), source, tag, note)


def _parse_value(spec: _Spec, raw: Any, path: str) -> Any:  # noqa: PLR0911 - one branch per kind
    kind = spec.kind
    if kind is _Kind.TABLE:
        assert spec.table_type is not None
        return _parse_table(spec.table_type, raw, path)
    if kind is _Kind.ROWS:
        assert spec.table_type is not None
        if not isinstance(raw, list | tuple):
            raise _invalid(path, "应为表的数组（[[...]]）")
        return tuple(_parse_table(spec.table_type, item, f"{path}[{i}]") for i, item in enumerate(raw))
    if kind is _Kind.BOOL:
        if type(raw) is not bool:
            raise _invalid(path, "应为 true 或 false")
        return raw
    if kind is _Kind.INT:
        if type(raw) is not int:
            raise _invalid(path, "应为整数")
        if raw < 0:
            raise _invalid(path, "不能为负数")
        return raw
    if kind is _Kind.DATE:
        return _parse_date(raw, path)
    if kind is _Kind.TEXT_LIST:
        if not isinstance(raw, list | tuple) or not all(isinstance(x, str) and x.strip() for x in raw):
            raise _invalid(path, "应为非空文字的列表")
        return tuple(x.strip() for x in raw)
    if not isinstance(raw, str):
        raise _invalid(path, _STRING_REASONS.get(kind, "应为文字"))
    return _parse_text(spec, raw, path)


_STRING_REASONS = {
    _Kind.MONEY: '金额应写成以元为单位的字符串，如 "1500.00"',
    _Kind.PERCENT: '比例和利率应写成百分数的字符串，如 "1.50" 表示 1.50%',
    _Kind.FACTOR: '倍数应写成字符串，如 "1.5"',
}


def _parse_text(spec: _Spec, raw: str, path: str) -> Any:
    text = raw.strip()
    parser = _TEXT_PARSERS.get(spec.kind)
    if parser is not None:
        return parser(spec, text, path)
    if not text:
        raise _invalid(path, "不能为空")
    return text


def _parse_money(_spec: _Spec, text: str, path: str) -> Money:
    try:
        amount = Money.from_yuan(text)
    except MoneyInputError:
        raise _invalid(path, f"金额格式不正确：{text[:30]}") from None
    if amount.is_negative:
        raise _invalid(path, "不能为负数")
    return amount


def _parse_percent(_spec: _Spec, text: str, path: str) -> Rate:
    try:
        rate = Rate.percent(text)
    except MoneyInputError:
        raise _invalid(path, f"百分数格式不正确：{text[:30]}") from None
    if rate.value < 0:
        raise _invalid(path, "不能为负数")
    return rate


def _parse_factor(_spec: _Spec, text: str, path: str) -> Decimal:
    if not _FACTOR_RE.match(text):
        raise _invalid(path, f"倍数格式不正确：{text[:30]}")
    return Decimal(text)


def _parse_enum(spec: _Spec, text: str, path: str) -> enum.Enum:
    assert spec.enum_type is not None
    allowed = [str(m.value) for m in spec.enum_type]
    if text not in allowed:
        raise _invalid(path, f"应为以下之一：{'、'.join(allowed)}")
    return spec.enum_type(text)


def _parse_month_day(_spec: _Spec, text: str, path: str) -> MonthDay:
    try:
        return MonthDay.parse(text)
    except ValueError:
        raise _invalid(path, f"应为每年都有的月-日，如 07-01：{text[:20]}") from None


def _parse_code(_spec: _Spec, text: str, path: str) -> str:
    if not _CODE_RE.match(text):
        raise _invalid(path, f"代码应为两位数字或大写字母：{text[:20]}")
    return text


def _parse_tag(_spec: _Spec, text: str, path: str) -> str:
    if not _TAG_RE.match(text):
        raise _invalid(path, "来源标记应为 N、P、L、E（可用 / 组合，末尾 ? 表示未核实）")
    return text


_TEXT_PARSERS: dict[_Kind, Callable[[_Spec, str, str], Any]] = {
    _Kind.MONEY: _parse_money,
    _Kind.PERCENT: _parse_percent,
    _Kind.FACTOR: _parse_factor,
    _Kind.ENUM: _parse_enum,
    _Kind.MONTH_DAY: _parse_month_day,
    _Kind.CODE: _parse_code,
    _Kind.TAG: _parse_tag,
}


def _parse_date(raw: Any, path: str) -> date:
    if isinstance(raw, datetime):
        raise _invalid(path, "应为日期（不含时间）")
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise _invalid(path, "应为日期，如 2016-02-21")


def _dump_table(obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for fld in fields(obj):
        spec: _Spec = fld.metadata["anju"]
        value = getattr(obj, fld.name)
        if value is None:
            continue
        if spec.sourced:
            item: dict[str, Any] = {
                "value": _dump_value(spec, value.value),
                "source": value.source,
                "tag": value.tag,
            }
            if value.note:
                item["note"] = value.note
            out[fld.name] = item
        elif fld.name == "note" and not value:
            continue
        else:
            out[fld.name] = _dump_value(spec, value)
    return out


def _dump_value(spec: _Spec, value: Any) -> Any:  # noqa: PLR0911 - one branch per kind
    kind = spec.kind
    if kind is _Kind.TABLE:
        return _dump_table(value)
    if kind is _Kind.ROWS:
        return [_dump_table(row) for row in value]
    if kind is _Kind.MONEY:
        return str(value)
    if kind is _Kind.PERCENT:
        return percent_text(value)
    if kind in (_Kind.FACTOR, _Kind.MONTH_DAY):
        return str(value)
    if kind is _Kind.ENUM:
        return value.value
    if kind is _Kind.DATE:
        return value.isoformat()
    if kind is _Kind.TEXT_LIST:
        return list(value)
    return value


def percent_text(rate: Rate) -> str:
    """A rate as staff write it: "1.50" for 1.5 %, "3.025" for 3.025 %, "12.00" for 12 %."""
    pct = rate.value * 100
    exponent = pct.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -2:
        return format(pct.quantize(Decimal("0.01")), "f")
    return format(pct.normalize(), "f")


# ---------------------------------------------------------------------------------------------
# Validation across fields
# ---------------------------------------------------------------------------------------------


def _validate(policy: Policy) -> None:
    if policy.schema_version != SCHEMA_VERSION:
        raise _invalid("schema_version", f"本系统只支持第 {SCHEMA_VERSION} 版参数格式")
    _validate_contribution(policy.contribution)
    _validate_interest(policy.interest)
    _validate_withdrawal(policy.withdrawal)
    _validate_loan(policy.loan)
    _validate_accounting(policy.accounting)


def _validate_contribution(c: ContributionPolicy) -> None:
    p = "contribution"
    floor, ceiling = RATIO_BOUND_FLOOR.as_percent(), RATIO_BOUND_CEILING.as_percent()
    for name in ("member_ratio_min", "member_ratio_max", "unit_ratio_min", "unit_ratio_max"):
        ratio: Rate = getattr(c, name).value
        if not RATIO_BOUND_FLOOR <= ratio <= RATIO_BOUND_CEILING:
            raise _invalid(f"{p}.{name}", f"应在 {floor}%–{ceiling}% 之间，实为 {ratio.as_percent()}%")
        if c.integer_ratios_only.value and not _is_whole_percent(ratio):
            raise _invalid(f"{p}.{name}", "已规定缴存比例只能取整数，上下限也须为整数百分比")
    for party in ("member", "unit"):
        if getattr(c, f"{party}_ratio_min").value > getattr(c, f"{party}_ratio_max").value:
            raise _invalid(f"{p}.{party}_ratio_min", "下限不能高于上限")
    if not c.average_monthly_wage.value.is_positive:
        raise _invalid(f"{p}.average_monthly_wage", "必须大于零")
    if not 1 <= c.wage_base_cap_multiple.value <= 5:
        raise _invalid(f"{p}.wage_base_cap_multiple", "应在 1–5 倍之间")
    if not c.wage_base_floor.value.is_positive:
        raise _invalid(f"{p}.wage_base_floor", "必须大于零")
    if c.wage_base_floor.value > c.wage_base_cap():
        raise _invalid(f"{p}.wage_base_floor", f"不能高于缴存基数上限 {c.wage_base_cap()}")
    _check_range(c.remittance_days_after_payday.value, 0, 31, f"{p}.remittance_days_after_payday")
    _check_range(c.arrears_grace_days.value, 0, 31, f"{p}.arrears_grace_days")


def _validate_interest(i: InterestPolicy) -> None:
    p = "interest"
    _validate_dated_rows(i.deposit_rates, f"{p}.deposit_rates")
    for index, row in enumerate(i.deposit_rates):
        for name in ("current_year", "carried"):
            _check_rate(getattr(row, name), f"{p}.deposit_rates[{index}].{name}")
    if i.interest_year_start.value != MonthDay(7, 1):
        # dates.InterestYear (and the 30 June settlement) is built on 1 July; a policy that says
        # otherwise would be silently ignored, so it is refused until the code supports it.
        raise _invalid(f"{p}.interest_year_start", "目前只支持 07-01（计息年度 7月1日至次年6月30日）")
    _check_range(i.max_back_value_days.value, 0, 366, f"{p}.max_back_value_days")


def _validate_withdrawal(w: WithdrawalPolicy) -> None:
    p = "withdrawal"
    _check_range(w.decision_deadline_days.value, 1, 90, f"{p}.decision_deadline_days")
    if not w.rent_cap_per_person_month.value.is_positive:
        raise _invalid(f"{p}.rent_cap_per_person_month", "必须大于零")
    if not w.reasons:
        raise _invalid(f"{p}.reasons", "至少须有一个提取原因")
    seen: set[str] = set()
    for rule in w.reasons:
        where = f"{p}.reasons[{rule.code}]"
        if rule.code in seen:
            raise _invalid(where, "提取原因代码重复")
        seen.add(rule.code)
        if rule.standard_code not in STANDARD_REASON_CODES:
            raise _invalid(f"{where}.standard_code", "应为 JGJ/T 320 提取原因代码 01–09 或 99")
        if rule.is_standard and rule.standard_code != rule.code:
            raise _invalid(f"{where}.standard_code", "标准提取原因的上报代码须与本身代码相同")
        if rule.closes_account != (rule.limit_rule is WithdrawalLimit.FULL_BALANCE):
            raise _invalid(f"{where}.limit_rule", "销户提取须支取全部余额（full_balance），反之亦然")
        if rule.limit_rule is WithdrawalLimit.AMOUNT_REPAID and not rule.lookback_months:
            raise _invalid(f"{where}.lookback_months", "按已还款额限额时须规定回溯月数")
        if rule.max_times_per_year == 0:
            raise _invalid(f"{where}.max_times_per_year", "不能为 0（不限次数请省略该项）")


def _validate_loan(loan: LoanPolicy) -> None:
    p = "loan"
    for name in ("ltv_first_home", "ltv_second_home", "repayment_capacity"):
        rate: Rate = getattr(loan, name).value
        if not Decimal(0) < rate.value <= Decimal(1):
            raise _invalid(f"{p}.{name}", "应大于 0% 且不超过 100%")
    _check_range(loan.min_continuous_months.value, 0, 120, f"{p}.min_continuous_months")
    _check_range(loan.max_loans_per_family.value, 1, 10, f"{p}.max_loans_per_family")
    _check_range(loan.balance_multiple.value, 1, 100, f"{p}.balance_multiple")
    if not loan.city_max_single.value.is_positive:
        raise _invalid(f"{p}.city_max_single", "必须大于零")
    if loan.city_max_couple.value < loan.city_max_single.value:
        raise _invalid(f"{p}.city_max_couple", "夫妻双方最高额度不能低于单方最高额度")
    if not loan.limit_rounding_unit.value.is_positive:
        raise _invalid(f"{p}.limit_rounding_unit", "必须大于零")
    _check_range(loan.max_term_months.value, 12, 360, f"{p}.max_term_months")
    _check_range(loan.max_years_beyond_retirement.value, 0, 10, f"{p}.max_years_beyond_retirement")
    _check_range(loan.decision_deadline_days.value, 1, 90, f"{p}.decision_deadline_days")
    _check_range(loan.rate_tier_boundary_months.value, 12, 360, f"{p}.rate_tier_boundary_months")
    _validate_dated_rows(loan.rates, f"{p}.rates")
    for index, row in enumerate(loan.rates):
        where = f"{p}.rates[{index}]"
        for name in (
            "first_home_up_to_5y",
            "first_home_over_5y",
            "second_home_up_to_5y",
            "second_home_over_5y",
        ):
            _check_rate(getattr(row, name), f"{where}.{name}")
        if row.second_home_up_to_5y < row.first_home_up_to_5y:
            raise _invalid(f"{where}.second_home_up_to_5y", "二套房利率不能低于首套房利率")
        if row.second_home_over_5y < row.first_home_over_5y:
            raise _invalid(f"{where}.second_home_over_5y", "二套房利率不能低于首套房利率")
    if not Decimal("1.3") <= loan.penalty_multiplier.value <= Decimal("1.5"):
        raise _invalid(f"{p}.penalty_multiplier", "罚息应在合同利率基础上加收 30%–50%，即 1.3–1.5 倍")
    _check_range(loan.grace_days.value, 0, 31, f"{p}.grace_days")
    _check_range(loan.repayment_day_max.value, 1, 28, f"{p}.repayment_day_max")
    t = loan.classification
    bounds = [t.normal_max_days, t.special_mention_max_days, t.substandard_max_days, t.doubtful_max_days]
    if any(a >= b for a, b in itertools.pairwise(bounds)):
        raise _invalid(f"{p}.classification", "各档逾期天数上限须严格递增")
    _validate_second_home_caps(loan)
    _validate_uplifts(loan)


def _validate_second_home_caps(loan: LoanPolicy) -> None:
    p = "loan"
    single, couple = loan.city_max_second_home_single, loan.city_max_second_home_couple
    for name, cap in (("city_max_second_home_single", single), ("city_max_second_home_couple", couple)):
        if cap is not None and not cap.value.is_positive:
            raise _invalid(f"{p}.{name}", "必须大于零")
    if single is not None and couple is not None and couple.value < single.value:
        raise _invalid(f"{p}.city_max_second_home_couple", "夫妻双方最高额度不能低于单方最高额度")


def _validate_uplifts(loan: LoanPolicy) -> None:
    p = "loan"
    seen: set[str] = set()
    for rule in loan.limit_uplifts:
        where = f"{p}.limit_uplifts[{rule.code}]"
        if not _UPLIFT_CODE_RE.match(rule.code):
            raise _invalid(where, "上浮项目代码应为小写字母、数字和下划线，如 multi_child")
        if rule.code in seen:
            raise _invalid(where, "上浮项目代码重复")
        seen.add(rule.code)
        if not Decimal(0) < rule.percent.value <= Decimal(1):
            raise _invalid(f"{where}.percent", "应大于 0% 且不超过 100%")
    ceiling = loan.limit_uplift_ceiling
    if loan.limit_uplifts and ceiling is None:
        raise _invalid(f"{p}.limit_uplift_ceiling", "规定了额度上浮项目时须规定叠加上浮的上限")
    if ceiling is not None and not Decimal(0) < ceiling.value.value <= Decimal(1):
        raise _invalid(f"{p}.limit_uplift_ceiling", "应大于 0% 且不超过 100%")


def _validate_accounting(a: AccountingPolicy) -> None:
    for name in ("risk_reserve_vai_share", "risk_reserve_loan_balance_share"):
        rate: Rate = getattr(a, name).value
        if rate.value > 1:
            raise _invalid(f"accounting.{name}", "不能超过 100%")


def _validate_dated_rows(rows: tuple[DepositRateRow, ...] | tuple[LoanRateRow, ...], path: str) -> None:
    if not rows:
        raise _invalid(path, "至少须有一行")
    for index in range(1, len(rows)):
        if rows[index].effective_from <= rows[index - 1].effective_from:
            raise _invalid(f"{path}[{index}].effective_from", "须按生效日期从早到晚排列，且不能重复")


def _check_rate(rate: Rate, path: str) -> None:
    if rate > RATE_SANITY_CEILING:
        raise _invalid(path, f"利率 {rate.as_percent()}% 不合理（超过 {RATE_SANITY_CEILING.as_percent()}%）")


def _check_range(value: int, low: int, high: int, path: str) -> None:
    if not low <= value <= high:
        raise _invalid(path, f"应在 {low}–{high} 之间，实为 {value}")


def _is_whole_percent(rate: Rate) -> bool:
    return (rate.value * 100) % 1 == 0


_Dated = TypeVar("_Dated", DepositRateRow, LoanRateRow)


def _latest_row(rows: Iterable[_Dated], day: date) -> _Dated | None:
    """The row in force on `day`: the latest whose effective date is on or before it."""
    found: _Dated | None = None
    for row in rows:  # validated: sorted by effective_from
        if row.effective_from <= day:
            found = row
    return found
