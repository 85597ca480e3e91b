"""The loan limit (贷款额度) and the eligibility checks (贷款条件), each naming its rule and source.

rules.md §5.3: the limit is the minimum of the city maximum (single or couple contributors, first
or second home, uplifts stacked up to a ceiling), price × maximum loan-to-value, a multiple of the
borrowers' HPF balances, and the present value of the largest instalment they can bear, floored
to the policy's unit. The decision lists every figure with its rule name in Chinese, how it was
computed and the policy value(s) it rests on, and marks the one that binds, so staff (or the
public calculator) can explain the amount. §5.2 and §5.4 give the eligibility checks: each
returns a pass/fail line with the rule and its source.

Every number comes from the `LoanPolicy` the caller loaded for the day; nothing here knows a city.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Final

from anju.dates import add_months
from anju.domain.loans.combination import CommercialPart
from anju.domain.loans.schedule import equal_instalment_amount, present_value
from anju.domain.policy import LoanPolicy, Sourced, percent_text
from anju.domain.retirement import (
    SOURCE as RETIREMENT_SOURCE,
)
from anju.domain.retirement import (
    Gender,
    RetirementCategory,
    statutory_retirement_age,
    statutory_retirement_date,
)
from anju.errors import RuleViolation
from anju.money import Money, Rate, floor_to, total

CITY_MAX: Final = "city_max"
LTV: Final = "ltv"
BALANCE_MULTIPLE: Final = "balance_multiple"
REPAYMENT_CAPACITY: Final = "repayment_capacity"


class LoanRuleViolation(RuleViolation):
    """A loan request breaks an eligibility or limit rule."""


@dataclass(frozen=True, slots=True)
class RuleSource:
    """One policy value a figure or check rests on: what it is, its document, its tag."""

    label: str
    source: str
    tag: str

    @classmethod
    def of(cls, label: str, value: Sourced[Any]) -> RuleSource:
        return cls(label, value.source, value.tag)


# --- the limit -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Contributor:
    """A borrower or co-borrower as the limit sees them: HPF balance and monthly wage base."""

    balance: Money
    wage_base: Money


@dataclass(frozen=True, slots=True)
class LimitRequest:
    """What the limit depends on. `co_borrower` is the contributing spouse (夫妻双方缴存)."""

    house_price: Money
    first_home: bool
    term_months: int
    annual_rate: Rate
    borrower: Contributor
    co_borrower: Contributor | None = None
    other_monthly_debt: Money = Money.ZERO
    uplifts: tuple[str, ...] = ()
    commercial: CommercialPart | None = None
    rate_source: RuleSource | None = None  # where the rate comes from (the policy row), if known

    @property
    def couple(self) -> bool:
        return self.co_borrower is not None

    @property
    def contributors(self) -> tuple[Contributor, ...]:
        return (self.borrower,) if self.co_borrower is None else (self.borrower, self.co_borrower)


@dataclass(frozen=True, slots=True)
class LimitFigure:
    """One constraint: its rule (Chinese), how it was computed, the amount, its sources."""

    key: str
    rule: str
    computation: str
    amount: Money
    sources: tuple[RuleSource, ...]
    binding: bool = False


@dataclass(frozen=True, slots=True)
class CheckLine:
    """One pass/fail check with the rule, the figures (Chinese) and its source."""

    key: str
    rule: str
    passed: bool
    detail: str
    source: str
    tag: str


@dataclass(frozen=True, slots=True)
class LimitDecision:
    limit: Money
    minimum: Money  # the smallest figure before flooring
    figures: tuple[LimitFigure, ...]
    rounding: RuleSource
    rounding_unit: Money
    max_instalment: Money  # 月还款能力: wage bases × coefficient − other monthly debt
    instalment_at_limit: Money  # equal instalment over the term at the rate, for the limit
    annual_rate: Rate
    term_months: int
    checks: tuple[CheckLine, ...] = field(default=())

    @property
    def binding(self) -> LimitFigure:
        return next(figure for figure in self.figures if figure.binding)

    def figure(self, key: str) -> LimitFigure:
        return next(figure for figure in self.figures if figure.key == key)


def loan_limit(policy: LoanPolicy, request: LimitRequest) -> LimitDecision:
    """The loan limit of rules.md §5.3 (Example 3)."""
    if not request.house_price.is_positive:
        raise LoanRuleViolation("house_price_not_positive")
    for amount in (*(c.balance for c in request.contributors), *(c.wage_base for c in request.contributors)):
        if amount.is_negative:
            raise LoanRuleViolation("loan_amount_negative", value=str(amount))
    if request.other_monthly_debt.is_negative:
        raise LoanRuleViolation("loan_amount_negative", value=str(request.other_monthly_debt))
    max_instalment, capacity = _capacity(policy, request)
    figures = [
        _city_max(policy, request),
        _ltv(policy, request),
        _balance_multiple(policy, request),
        capacity,
    ]
    minimum = min(figure.amount for figure in figures)
    figures = [
        LimitFigure(f.key, f.rule, f.computation, f.amount, f.sources, binding=f.amount == minimum)
        for f in figures
    ]
    unit = policy.limit_rounding_unit.value
    limit = floor_to(minimum, unit) if minimum.is_positive else Money.ZERO
    instalment = (
        equal_instalment_amount(limit, request.annual_rate, request.term_months)
        if limit.is_positive
        else Money.ZERO
    )
    return LimitDecision(
        limit=limit,
        minimum=minimum,
        figures=tuple(figures),
        rounding=RuleSource.of("可贷额度取整单位", policy.limit_rounding_unit),
        rounding_unit=unit,
        max_instalment=max_instalment,
        instalment_at_limit=instalment,
        annual_rate=request.annual_rate,
        term_months=request.term_months,
        checks=(
            _instalment_check(policy, instalment, max_instalment),
            _down_payment_check(policy, request.house_price, limit, request.commercial, request.first_home),
        ),
    )


def _city_max(policy: LoanPolicy, request: LimitRequest) -> LimitFigure:
    cap = policy.city_max_rule(couple=request.couple, first_home=request.first_home)
    who = "夫妻双方缴存" if request.couple else "单方缴存"
    home = "首套住房" if request.first_home else "第二套住房"
    sources = [RuleSource.of(f"最高贷款额度（{who}）", cap)]
    computation = f"{who}、{home}最高贷款额度 {cap.value.format_cn()} 元"
    amount = cap.value
    chosen = [policy.uplift(code) for code in dict.fromkeys(request.uplifts)]
    if chosen:
        ceiling = policy.limit_uplift_ceiling
        assert ceiling is not None  # parse_policy refuses uplifts without a ceiling
        stacked = sum((rule.percent.value for rule in chosen), Decimal(0))
        applied = min(stacked, ceiling.value.value)
        amount = cap.value + cap.value.times(applied)
        parts = "、".join(f"{rule.name}上浮 {rule.percent.as_percent()}%" for rule in chosen)
        capped = f"（叠加上限 {ceiling.value.as_percent()}%）" if applied < stacked else ""
        computation += (
            f"；{parts}，合计上浮 {Rate(applied).as_percent()}%{capped}，即 {amount.format_cn()} 元"
        )
        sources += [RuleSource(f"额度上浮：{rule.name}", rule.source, rule.tag) for rule in chosen]
        sources.append(RuleSource.of("额度上浮叠加上限", ceiling))
    return LimitFigure(CITY_MAX, "最高贷款额度", computation, amount, tuple(sources))


def _ltv(policy: LoanPolicy, request: LimitRequest) -> LimitFigure:
    ltv = policy.max_ltv_rule(first_home=request.first_home)
    home = "首套住房" if request.first_home else "第二套住房"
    price = request.house_price
    amount = price.times(ltv.value)
    computation = f"房屋价格 {price.format_cn()} 元 × {home}最高贷款成数 {ltv.value.as_percent()}%"
    if request.commercial is not None:
        # Combined loan-to-value: the HPF part gets what the commercial part leaves.
        amount = max(Money.ZERO, amount - request.commercial.amount)
        computation += f" − 组合贷款中的商业贷款 {request.commercial.amount.format_cn()} 元"
    return LimitFigure(
        LTV,
        "贷款成数（房价 × 最高贷款比例）",
        f"{computation} = {amount.format_cn()} 元",
        amount,
        (RuleSource.of(f"{home}最高贷款成数", ltv),),
    )


def _balance_multiple(policy: LoanPolicy, request: LimitRequest) -> LimitFigure:
    multiple = policy.balance_multiple
    balances = [c.balance for c in request.contributors]
    amount = total(balances) * multiple.value
    return LimitFigure(
        BALANCE_MULTIPLE,
        "账户余额倍数",
        f"住房公积金账户余额{_sum_text(balances)} × {multiple.value} 倍 = {amount.format_cn()} 元",
        amount,
        (RuleSource.of("贷款额度与账户余额的倍数", multiple),),
    )


def _capacity(policy: LoanPolicy, request: LimitRequest) -> tuple[Money, LimitFigure]:
    coefficient = policy.repayment_capacity
    wages = [c.wage_base for c in request.contributors]
    income = total(wages).times(coefficient.value)
    debt = request.other_monthly_debt
    commercial = request.commercial.first_payment() if request.commercial is not None else Money.ZERO
    max_instalment = max(Money.ZERO, income - debt - commercial)
    rate, n = request.annual_rate, request.term_months
    amount = present_value(max_instalment, rate, n) if max_instalment.is_positive else Money.ZERO
    computation = f"月还款能力 = 缴存基数{_sum_text(wages)} × {coefficient.value.as_percent()}%"
    if debt.is_positive:
        computation += f" − 其他月还款 {debt.format_cn()} 元"
    if commercial.is_positive:
        computation += f" − 商业贷款月供 {commercial.format_cn()} 元"
    computation += (
        f" = {max_instalment.format_cn()} 元；按年利率 {percent_text(rate)}%、{n} 期折现"
        f" = {amount.format_cn()} 元"
    )
    sources = [RuleSource.of("还款能力系数", coefficient)]
    if request.rate_source is not None:
        sources.append(request.rate_source)
    figure = LimitFigure(REPAYMENT_CAPACITY, "还款能力", computation, amount, tuple(sources))
    return max_instalment, figure


def _sum_text(amounts: list[Money]) -> str:
    """ " 35,000.00 元" for one person, "（35,000.00 + 13,000.00）元" for two."""
    if len(amounts) == 1:
        return f" {amounts[0].format_cn()} 元"
    return "（" + " + ".join(a.format_cn() for a in amounts) + "）元"


def _instalment_check(policy: LoanPolicy, instalment: Money, max_instalment: Money) -> CheckLine:
    coefficient = policy.repayment_capacity
    return CheckLine(
        "instalment_within_capacity",
        "月还款额不超过还款能力",
        instalment <= max_instalment,
        f"按可贷额度等额本息月还款额 {instalment.format_cn()} 元，月还款能力 {max_instalment.format_cn()} 元",
        coefficient.source,
        coefficient.tag,
    )


def _down_payment_check(
    policy: LoanPolicy, price: Money, hpf_amount: Money, commercial: CommercialPart | None, first_home: bool
) -> CheckLine:
    """首付款 ≥ price × (1 − LTV); a combination loan counts both parts (combined LTV)."""
    ltv = policy.max_ltv_rule(first_home=first_home)
    borrowed = hpf_amount + (commercial.amount if commercial is not None else Money.ZERO)
    down = price - borrowed
    required = price.times(Decimal(1) - ltv.value.value)
    minimum_share = Rate(Decimal(1) - ltv.value.value).as_percent()
    parts = f"住房公积金贷款 {hpf_amount.format_cn()} 元"
    if commercial is not None:
        parts += f"、商业贷款 {commercial.amount.format_cn()} 元"
    return CheckLine(
        "down_payment",
        "首付款比例",
        down >= required,
        f"房屋价格 {price.format_cn()} 元，{parts}，首付款 {down.format_cn()} 元，"
        f"最低首付款 {minimum_share}% 即 {required.format_cn()} 元",
        ltv.source,
        ltv.tag,
    )


# --- eligibility ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ApplicantFacts:
    """What eligibility needs to know about a borrower or co-borrower."""

    continuous_months: int  # months contributed continuously and in full (连续足额缴存)
    contribution_normal: bool = True  # the account is in normal status (正常缴存)


@dataclass(frozen=True, slots=True)
class BirthFacts:
    """The borrower's birth date, sex and (for women) category, for the age rule."""

    birth_date: date
    gender: Gender
    category: RetirementCategory | None = None


@dataclass(frozen=True, slots=True)
class EligibilityFacts:
    application_date: date
    term_months: int
    house_price: Money
    loan_amount: Money
    first_home: bool
    borrower: ApplicantFacts
    borrower_birth: BirthFacts
    co_borrower: ApplicantFacts | None = None
    has_unsettled_loan: bool = False  # the borrower or spouse owes on an HPF loan
    family_loans_used: int = 0  # HPF loans the family has had before this one
    commercial: CommercialPart | None = None


@dataclass(frozen=True, slots=True)
class EligibilityResult:
    lines: tuple[CheckLine, ...]

    @property
    def passed(self) -> bool:
        return all(line.passed for line in self.lines)

    @property
    def failures(self) -> tuple[CheckLine, ...]:
        return tuple(line for line in self.lines if not line.passed)

    def require(self) -> None:
        """Refuse with the first failed rule, its figures and its source (for the workflow)."""
        for line in self.failures:
            raise LoanRuleViolation(
                "loan_not_eligible", rule=line.rule, detail=line.detail, source=line.source
            )


def check_eligibility(policy: LoanPolicy, facts: EligibilityFacts) -> EligibilityResult:
    """The eligibility checks of rules.md §5.2 and §5.4, each a pass/fail line with its source."""
    lines = [_contribution_line("借款人", policy, facts.borrower)]
    if facts.co_borrower is not None:
        lines.append(_contribution_line("共同借款人", policy, facts.co_borrower))
    unsettled = policy.no_unsettled_loan
    if unsettled is not None and unsettled.value:
        lines.append(
            CheckLine(
                "no_unsettled_loan",
                "无未结清的住房公积金贷款",
                not facts.has_unsettled_loan,
                "借款人家庭有未结清的住房公积金贷款"
                if facts.has_unsettled_loan
                else "借款人家庭无未结清的住房公积金贷款",
                unsettled.source,
                unsettled.tag,
            )
        )
    most = policy.max_loans_per_family
    nth = facts.family_loans_used + 1
    lines.append(
        CheckLine(
            "family_loan_count",
            "家庭住房公积金贷款次数",
            nth <= most.value,
            f"本次为该家庭第 {nth} 次使用住房公积金贷款，最多 {most.value} 次",
            most.source,
            most.tag,
        )
    )
    lines.append(_term_line(policy, facts.term_months))
    lines.append(_age_line(policy, facts))
    lines.append(
        _down_payment_check(policy, facts.house_price, facts.loan_amount, facts.commercial, facts.first_home)
    )
    return EligibilityResult(tuple(lines))


def check_amount_within_limit(decision: LimitDecision, amount: Money) -> CheckLine:
    """The amount asked for against the limit, citing the binding rule."""
    binding = decision.binding
    primary = binding.sources[0]
    return CheckLine(
        "amount_within_limit",
        "贷款金额不超过可贷额度",
        amount <= decision.limit,
        f"申请 {amount.format_cn()} 元，可贷额度 {decision.limit.format_cn()} 元（由{binding.rule}决定）",
        primary.source,
        primary.tag,
    )


def _contribution_line(who: str, policy: LoanPolicy, facts: ApplicantFacts) -> CheckLine:
    need = policy.min_continuous_months
    passed = facts.continuous_months >= need.value and facts.contribution_normal
    status = "" if facts.contribution_normal else "，缴存状态不正常"
    return CheckLine(
        "continuous_contribution",
        f"{who}连续足额缴存",
        passed,
        f"{who}已连续足额缴存 {facts.continuous_months} 个月{status}，须满 {need.value} 个月且正常缴存",
        need.source,
        need.tag,
    )


def _term_line(policy: LoanPolicy, term_months: int) -> CheckLine:
    most = policy.max_term_months
    return CheckLine(
        "term",
        "贷款期限",
        1 <= term_months <= most.value,
        f"贷款期限 {term_months} 个月，最长 {most.value} 个月",
        most.source,
        most.tag,
    )


def _age_line(policy: LoanPolicy, facts: EligibilityFacts) -> CheckLine:
    """Age at maturity ≤ statutory retirement age + N years (rules.md §5.4, Example 3)."""
    birth = facts.borrower_birth
    retirement = statutory_retirement_date(birth.birth_date, birth.gender, birth.category)
    age = statutory_retirement_age(birth.birth_date, birth.gender, birth.category)
    latest = policy.latest_maturity(retirement)
    maturity = add_months(facts.application_date, facts.term_months)
    beyond = policy.max_years_beyond_retirement
    return CheckLine(
        "age_at_maturity",
        "贷款到期时年龄",
        maturity <= latest,
        f"借款人 {birth.birth_date.year}年{birth.birth_date.month}月出生，法定退休年龄 {age.label()}"
        f"（{retirement.isoformat()}），贷款到期日 {maturity.isoformat()}，"
        f"须不晚于退休后 {beyond.value} 年即 {latest.isoformat()}",
        f"{beyond.source}；{RETIREMENT_SOURCE}",
        beyond.tag,
    )
