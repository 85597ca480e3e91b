"""Withdrawal rules (提取, rules.md §4): pure evaluation of one application against the policy.

Input: the reason's policy row and the generic controls (domain/policy.py), facts about the
account and the person, the withdrawal history and the evidence. Output: a `Decision` listing
every rule checked, whether it passed, a Chinese sentence the clerk can read to the applicant,
and the rule's source, so a refusal is always explainable (DESIGN.md §6). No I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Final

from anju.dates import add_months
from anju.domain.contributions import MEMBER_STATUS_LABELS, MemberStatus
from anju.domain.documents import IssuedBy
from anju.domain.policy import WithdrawalLimit, WithdrawalPolicy, WithdrawalReasonRule
from anju.errors import RuleViolation
from anju.ids import BusinessNumber
from anju.money import Money

# The employer's certificate (提取证明) becomes one more required material where policy asks for it.
UNIT_CERTIFICATE: Final = "单位出具的提取证明"
GENERIC_SOURCE: Final = "rules.md §4.2 通用提取控制"
STATUS_SOURCE: Final = (
    "GRZHZT 个人账户状态（data-standard.md）；rules.md §4.2：账户状态须为正常或封存且未冻结"
)


class WithdrawalRuleViolation(RuleViolation):
    """A withdrawal request cannot be taken as given (not the decision's refusals: those are data)."""


@dataclass(frozen=True, slots=True)
class PastWithdrawal:
    """A withdrawal already approved or paid for this person (refused ones do not count)."""

    reason_code: str
    day: date
    amount: Money
    property_ref: str | None = None


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """The account and the person on the day of the decision."""

    status: str
    balance: Money  # the ledger balance of the deposit account
    pending: Money = Money.ZERO  # open withdrawals not yet paid: already promised
    in_payment: Money = Money.ZERO  # handed to the bank, not yet confirmed (a failure returns it)
    continuous_months: int = 0  # months of continuous contribution up to now
    sealed_since: date | None = None
    has_overdue_loan: bool = False
    blacklist_reason: str | None = None  # 黑名单: the entry's reason, None when not listed
    fraud_found_on: date | None = None  # last confirmed fraudulent withdrawal (骗提)


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the applicant brought (or what data sharing verified)."""

    materials: frozenset[str] = frozenset()
    event_date: date | None = None  # contract, deed, invoice or diagnosis date
    cost: Money | None = None  # the cost the member actually bore
    amount_repaid: Money | None = None  # principal and interest repaid in the look-back
    monthly_rent: Money | None = None
    rent_months: int = 1
    property_ref: str | None = None  # the property (不动产权证号 / contract no): once per property
    owns_home_in_city: bool | None = None  # None: not established
    verified: frozenset[str] = field(default_factory=frozenset)  # facts confirmed by data sharing


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    code: str
    passed: bool
    detail_zh: str
    source: str


@dataclass(frozen=True, slots=True)
class Decision:
    reason_code: str
    reason_name: str
    standard_code: str  # TQYY reported
    closes_account: bool
    outcomes: tuple[RuleOutcome, ...]
    limit: Money | None  # the maximum the rules allow (None: no limit of its own)
    amount: Money  # what would be paid out of the balance (principal; interest is added on closing)

    @property
    def approved(self) -> bool:
        return all(o.passed for o in self.outcomes)

    @property
    def refusals(self) -> tuple[RuleOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.passed)

    def summary_zh(self) -> str:
        if self.approved:
            return f"符合“{self.reason_name}”提取条件，可提取 {self.amount.format_cn()} 元"
        return "；".join(o.detail_zh for o in self.refusals)


def required_materials(policy: WithdrawalPolicy, reason: WithdrawalReasonRule) -> tuple[str, ...]:
    extra = (UNIT_CERTIFICATE,) if policy.unit_certificate_required.value else ()
    return (*reason.materials, *extra)


def available_balance(policy: WithdrawalPolicy, facts: AccountFacts) -> Money:
    """What a partial withdrawal may still take: balance − open withdrawals − the minimum kept."""
    left = facts.balance - facts.pending - policy.min_remaining_balance.value
    return left if left.is_positive else Money.ZERO


class _Checks:
    def __init__(self) -> None:
        self.items: list[RuleOutcome] = []

    def add(self, code: str, passed: bool, ok_zh: str, refused_zh: str, source: str) -> None:
        self.items.append(RuleOutcome(code, passed, ok_zh if passed else refused_zh, source))


def evaluate(
    policy: WithdrawalPolicy,
    reason_code: str,
    facts: AccountFacts,
    evidence: Evidence,
    history: tuple[PastWithdrawal, ...] = (),
    *,
    requested: Money | None = None,
    as_of: date,
) -> Decision:
    """Check every rule of the reason; never raises for a refusal (the Decision says why)."""
    reason = policy.reason(reason_code)
    checks = _Checks()
    _generic(checks, policy, facts, as_of)
    _materials(checks, policy, reason, evidence)
    _eligibility(checks, reason, facts, evidence, as_of)
    _frequency(checks, reason, evidence, history, as_of)
    limit, amount = _amount(
        checks, policy, reason=reason, facts=facts, evidence=evidence, requested=requested
    )
    return Decision(
        reason_code=reason.code,
        reason_name=reason.name,
        standard_code=reason.standard_code,
        closes_account=reason.closes_account,
        outcomes=tuple(checks.items),
        limit=limit,
        amount=amount,
    )


def _generic(checks: _Checks, policy: WithdrawalPolicy, facts: AccountFacts, as_of: date) -> None:
    label = MEMBER_STATUS_LABELS.get(facts.status, facts.status)
    frozen = facts.status == MemberStatus.FROZEN
    checks.add(
        "account_not_frozen",
        not frozen,
        "账户未冻结",
        "账户已冻结，冻结期间不能提取，请先办理解冻",
        STATUS_SOURCE,
    )
    if not frozen:
        checks.add(
            "account_status",
            facts.status in (MemberStatus.NORMAL, MemberStatus.SEALED),
            f"账户状态为“{label}”，可以提取",
            f"账户状态为“{label}”，只有正常或封存的账户可以提取",
            STATUS_SOURCE,
        )
    checks.add(
        "not_blacklisted",
        facts.blacklist_reason is None,
        "未列入提取黑名单",
        f"已列入提取黑名单（{facts.blacklist_reason}），不能办理提取",
        "中心客户管理：黑名单（rules.md §4.2 通用控制：骗提记录阻止提取）",
    )
    years = policy.fraud_block_years
    if years is not None:
        blocked = facts.fraud_found_on is not None and as_of < add_months(
            facts.fraud_found_on, 12 * years.value
        )
        until = add_months(facts.fraud_found_on, 12 * years.value) if facts.fraud_found_on else None
        checks.add(
            "no_recent_fraud",
            not blocked,
            f"近{years.value}年无骗提记录",
            f"有骗提住房公积金记录，{until}前不能办理提取",
            years.source,
        )
    checks.add(
        "no_overdue_loan",
        not facts.has_overdue_loan,
        "无逾期住房公积金贷款",
        "有逾期未还的住房公积金贷款，请先归还逾期贷款",
        GENERIC_SOURCE,
    )


def _materials(
    checks: _Checks, policy: WithdrawalPolicy, reason: WithdrawalReasonRule, evidence: Evidence
) -> None:
    missing = [m for m in required_materials(policy, reason) if m not in evidence.materials]
    checks.add(
        "materials_complete",
        not missing,
        "申请材料齐全",
        "缺少申请材料：" + "、".join(missing),
        reason.source,
    )


def _eligibility(
    checks: _Checks, reason: WithdrawalReasonRule, facts: AccountFacts, evidence: Evidence, as_of: date
) -> None:
    if reason.min_contribution_months:
        n = reason.min_contribution_months
        checks.add(
            "min_contribution_months",
            facts.continuous_months >= n,
            f"已连续缴存 {facts.continuous_months} 个月（要求至少 {n} 个月）",
            f"连续缴存 {facts.continuous_months} 个月，不满 {n} 个月",
            reason.source,
        )
    if reason.min_sealed_months:
        n = reason.min_sealed_months
        ok = (
            facts.status == MemberStatus.SEALED
            and facts.sealed_since is not None
            and add_months(facts.sealed_since, n) <= as_of
        )
        checks.add(
            "min_sealed_months",
            ok,
            f"账户已封存满 {n} 个月",
            f"账户须封存满 {n} 个月才能办理（封存日期：{facts.sealed_since or '未封存'}）",
            reason.source,
        )
    if reason.no_home_in_city:
        checks.add(
            "no_home_in_city",
            evidence.owns_home_in_city is False,
            "本市无自有住房",
            "本市有自有住房或未能确认无房，不能按租房提取",
            reason.source,
        )
    if reason.window_months:
        n = reason.window_months
        day = evidence.event_date
        ok = day is not None and day <= as_of <= add_months(day, n)
        checks.add(
            "event_window",
            ok,
            f"在事项发生（{day}）后 {n} 个月内申请",
            f"须在事项发生后 {n} 个月内申请（事项日期：{day or '未提供'}）",
            reason.source,
        )


def _frequency(
    checks: _Checks,
    reason: WithdrawalReasonRule,
    evidence: Evidence,
    history: tuple[PastWithdrawal, ...],
    as_of: date,
) -> None:
    same = [h for h in history if h.reason_code == reason.code]
    if reason.once_per_property:
        used = evidence.property_ref is not None and any(
            h.property_ref == evidence.property_ref for h in same
        )
        checks.add(
            "once_per_property",
            evidence.property_ref is not None and not used,
            "该房产未曾用于同一事项提取",
            "同一房产已办理过该事项提取，不能重复提取" if used else "未提供房产（合同或不动产权证）编号",
            reason.source,
        )
    if reason.min_interval_months:
        n = reason.min_interval_months
        last = max((h.day for h in same), default=None)
        ok = last is None or add_months(last, n) <= as_of
        checks.add(
            "min_interval",
            ok,
            f"距上次同类提取已满 {n} 个月" if last else "此前无同类提取",
            f"距上次同类提取（{last}）不满 {n} 个月，{add_months(last, n) if last else ''}后可再次申请",
            reason.source,
        )
    if reason.max_times_per_year is not None:
        n = reason.max_times_per_year
        since = add_months(as_of, -12)
        count = sum(1 for h in same if h.day > since)
        checks.add(
            "max_times_per_year",
            count < n,
            f"近12个月已提取 {count} 次（上限 {n} 次）",
            f"近12个月已提取 {count} 次，已达上限 {n} 次",
            reason.source,
        )


def _limit(
    policy: WithdrawalPolicy, reason: WithdrawalReasonRule, facts: AccountFacts, evidence: Evidence
) -> tuple[Money | None, str | None]:
    """The reason's own ceiling and, when the evidence for it is missing, what is missing."""
    rule = reason.limit_rule
    if rule is WithdrawalLimit.COST_BORNE:
        return evidence.cost, None if evidence.cost is not None else "实际承担的费用"
    if rule is WithdrawalLimit.AMOUNT_REPAID:
        return evidence.amount_repaid, None if evidence.amount_repaid is not None else "实际还款金额"
    if rule in (WithdrawalLimit.RENT_CAP, WithdrawalLimit.ACTUAL_RENT):
        if evidence.monthly_rent is None or evidence.rent_months < 1:
            return None, "月租金及提取月数"
        per_month = evidence.monthly_rent
        if rule is WithdrawalLimit.RENT_CAP:
            cap = policy.rent_cap_per_person_month.value
            per_month = min(per_month, cap)
        return per_month * evidence.rent_months, None
    if rule is WithdrawalLimit.AVAILABLE_BALANCE:
        return available_balance(policy, facts), None
    return None, None  # FULL_BALANCE and APPROVED: no ceiling of their own


def _amount(
    checks: _Checks,
    policy: WithdrawalPolicy,
    *,
    reason: WithdrawalReasonRule,
    facts: AccountFacts,
    evidence: Evidence,
    requested: Money | None,
) -> tuple[Money | None, Money]:
    if reason.closes_account:
        open_total = facts.pending + facts.in_payment
        checks.add(
            "no_open_withdrawal",
            not open_total.is_positive,
            "无在途提取业务",
            f"尚有在办或付款中的提取业务（{open_total.format_cn()} 元），办结后才能销户提取",
            GENERIC_SOURCE,
        )
        return None, facts.balance
    limit, missing = _limit(policy, reason, facts, evidence)
    if missing is not None:
        checks.add("limit_evidence", False, "", f"缺少计算提取限额的依据：{missing}", reason.source)
    available = available_balance(policy, facts)
    ceiling = available if limit is None else min(limit, available)
    amount = requested if requested is not None else ceiling
    checks.add(
        "amount_positive",
        amount.is_positive,
        f"提取金额 {amount.format_cn()} 元",
        "提取金额须大于零" if requested is not None else "可提取金额为零",
        GENERIC_SOURCE,
    )
    if limit is not None:
        checks.add(
            "amount_limit",
            amount <= limit,
            f"提取金额不超过限额 {limit.format_cn()} 元",
            f"提取金额 {amount.format_cn()} 元超过该事项限额 {limit.format_cn()} 元",
            reason.source,
        )
    keep = policy.min_remaining_balance
    checks.add(
        "balance_available",
        amount <= available,
        f"提取后账户余额不低于 {keep.value.format_cn()} 元",
        f"可提取余额为 {available.format_cn()} 元（余额 {facts.balance.format_cn()} 元，"
        f"在办提取 {facts.pending.format_cn()} 元，须保留 {keep.value.format_cn()} 元），"
        f"不足 {amount.format_cn()} 元",
        keep.source,
    )
    return limit, amount


class WithdrawalNo(BusinessNumber):
    """提取业务编号: what receipts, pages and the API name a withdrawal by."""

    PREFIX = "70"
    KIND = "提取业务"
    SEQ_WIDTH = 9
    SEQUENCE = "withdrawal_no"


class AgreementNo(BusinessNumber):
    """约定提取协议编号."""

    PREFIX = "71"
    KIND = "约定提取协议"
    SEQ_WIDTH = 8
    SEQUENCE = "withdrawal_agreement_no"


@dataclass(frozen=True, slots=True)
class WithdrawalReceipt:
    """提取回单: what was paid to whom, masked; its SM3 verification code is kept by the centre."""

    issued: IssuedBy
    withdrawal_no: str
    case_no: str
    member_account_no: str
    member_name_masked: str
    reason_name: str
    standard_code: str
    closing: bool
    principal: Money
    interest: Money
    payee_name_masked: str
    payee_card_masked: str
    state_label: str
    accepted_on: date
    paid_on: date | None

    @property
    def total(self) -> Money:
        return self.principal + self.interest
