"""Contribution rules (缴存): wage base and monthly parts, ratio checks, account status rules.

Pure: the caller passes the `ContributionPolicy` in force on the business date. Every refusal
names the rule and where it comes from, so the clerk can tell the unit or the member why.

Wage base out of bounds: the reference policy CLAMPS it (rules.md §2.1: base = clamp(declared,
floor, cap)) and never refuses; the result says which bound applied so the counter can show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from anju.domain.policy import ContributionPolicy
from anju.errors import RuleViolation
from anju.money import Money, Rate

# The legal envelope of a normal ratio: each ≥ 5 % ([N] 条例第十八条) and ≤ 12 % ([P] 建金管〔2005〕5号).
# Only an approved ratio reduction (Art. 20, collection-B's deferral) goes below the floor.
NATIONAL_RATIO_MIN: Final = Rate.percent("5")
NATIONAL_RATIO_MAX: Final = Rate.percent("12")
NATIONAL_RATIO_MIN_SOURCE: Final = "《住房公积金管理条例》第十八条：缴存比例不得低于5%"
NATIONAL_RATIO_MAX_SOURCE: Final = "建金管〔2005〕5号：单位和职工缴存比例不应高于12%"
PAYDAY_MIN: Final = 1
PAYDAY_MAX: Final = 28  # a day every month has, so the remittance due date is always defined


class ContributionRuleViolation(RuleViolation):
    """A contribution or account-status rule refuses the request."""


# --- wage base and monthly parts ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContributionParts:
    """What one member contributes each month, as stored on the account (never derived later)."""

    declared: Money  # the previous-year average monthly wage the unit declared
    wage_base: Money  # 缴存基数 after the floor and cap
    bound: str | None  # "floor" | "cap" when clamped, else None
    unit_part: Money  # 单位月缴存额
    member_part: Money  # 个人月缴存额

    @property
    def total(self) -> Money:
        """月缴存额 = unit part + member part."""
        return self.unit_part + self.member_part

    @property
    def clamped(self) -> bool:
        return self.bound is not None


def contribution_parts(
    policy: ContributionPolicy, declared: Money, *, unit_ratio: Rate, member_ratio: Rate
) -> ContributionParts:
    """Clamp the declared wage to the policy's floor and cap, then round each part by its rule."""
    if not declared.is_positive:
        raise ContributionRuleViolation("wage_base_not_positive", value=str(declared))
    base = policy.clamp_wage_base(declared)
    bound = None if base == declared else ("cap" if base < declared else "floor")
    return ContributionParts(
        declared=declared,
        wage_base=base,
        bound=bound,
        unit_part=policy.monthly_part(base, unit_ratio),
        member_part=policy.monthly_part(base, member_ratio),
    )


# --- ratios and payday -------------------------------------------------------------------------


def check_ratios(
    policy: ContributionPolicy, *, unit_ratio: Rate, member_ratio: Rate, reduction_approved: bool = False
) -> None:
    """Refuse a unit or member ratio outside 5–12 % or the local bounds (or not whole, if required).

    `reduction_approved`: the unit holds an approved ratio reduction (降低缴存比例, Art. 20), so the
    5 % floor and the local minimum do not apply; the 12 % ceiling still does.
    """
    for party, ratio in (("unit", unit_ratio), ("member", member_ratio)):
        label = "单位" if party == "unit" else "个人"
        if ratio.value <= 0 or ratio > NATIONAL_RATIO_MAX:
            raise ContributionRuleViolation(
                "contribution_ratio_outside_national",
                party=label,
                ratio=ratio.as_percent(),
                source=NATIONAL_RATIO_MAX_SOURCE,
            )
        if reduction_approved:
            continue
        if ratio < NATIONAL_RATIO_MIN:
            raise ContributionRuleViolation(
                "contribution_ratio_below_national",
                party=label,
                ratio=ratio.as_percent(),
                source=NATIONAL_RATIO_MIN_SOURCE,
            )
        policy.check_ratio(ratio, party=party)


def check_payday(payday: int) -> None:
    if not PAYDAY_MIN <= payday <= PAYDAY_MAX:
        raise ContributionRuleViolation("payday_out_of_range", value=payday, min=PAYDAY_MIN, max=PAYDAY_MAX)


# --- account states ----------------------------------------------------------------------------


class UnitStatus:
    """DWZHZT 单位账户状态 (data-standard.md §4.1)."""

    NORMAL: Final = "01"
    OPENING: Final = "02"
    DEFERRED: Final = "03"
    CLOSED: Final = "04"
    SEALED: Final = "05"


UNIT_STATUS_LABELS: Final = {
    "01": "正常",
    "02": "开户",
    "03": "缓缴",
    "04": "销户",
    "05": "封存",
    "99": "其他",
}


class MemberStatus:
    """GRZHZT 个人账户状态 (data-standard.md §4.1)."""

    NORMAL: Final = "01"
    SEALED: Final = "02"
    CLOSED_MERGED: Final = "03"
    CLOSED_TRANSFERRED: Final = "04"
    CLOSED_WITHDRAWN: Final = "05"
    FROZEN: Final = "06"
    OTHER: Final = "99"


MEMBER_STATUS_LABELS: Final = {
    "01": "正常",
    "02": "封存",
    "03": "合并销户",
    "04": "外部转出销户",
    "05": "提取销户",
    "06": "冻结",
    "99": "其他",
}
MEMBER_CLOSED: Final = frozenset({"03", "04", "05"})
# Accounts that count as "in the unit" (on its roster, blocking its cancellation).
MEMBER_ACTIVE: Final = frozenset({MemberStatus.NORMAL, MemberStatus.FROZEN})


@dataclass(frozen=True, slots=True)
class Transition:
    """Which statuses an action may start from, and the status it leaves (None: unchanged)."""

    label: str
    allowed_from: frozenset[str]
    to: str | None


_N, _S, _F = MemberStatus.NORMAL, MemberStatus.SEALED, MemberStatus.FROZEN

# A frozen account (judicial freeze or loan security) keeps receiving contributions and can have
# its personal data corrected, but nothing leaves it and it cannot move: no seal, transfer,
# withdrawal or merge until unfrozen. A closed account accepts nothing at all.
MEMBER_TRANSITIONS: Final[dict[str, Transition]] = {
    "change": Transition("变更个人信息", frozenset({_N, _S, _F}), None),
    "adjust_wage_base": Transition("调整缴存基数", frozenset({_N, _F}), None),
    "contribute": Transition("汇缴入账", frozenset({_N, _F}), None),
    "seal": Transition("封存", frozenset({_N}), _S),
    "unseal": Transition("启封", frozenset({_S}), _N),
    "transfer": Transition("市内转移", frozenset({_N}), _N),
    "freeze": Transition("冻结", frozenset({_N, _S}), _F),
    "unfreeze": Transition("解冻", frozenset({_F}), None),  # back to status_before_freeze
    "merge_from": Transition("合并（被合并账户）", frozenset({_N, _S}), MemberStatus.CLOSED_MERGED),
    "merge_into": Transition("合并（保留账户）", frozenset({_N, _S}), None),
    "withdraw": Transition("提取", frozenset({_N, _S}), None),
    "close_withdrawal": Transition("销户提取", frozenset({_N, _S}), MemberStatus.CLOSED_WITHDRAWN),
    "transfer_out": Transition("异地转出", frozenset({_N, _S}), MemberStatus.CLOSED_TRANSFERRED),
    # One account per person for life: someone whose account was closed by a closing withdrawal
    # or a transfer out to another city, and who joins a unit here again, gets it back.
    "reopen": Transition(
        "重新启用", frozenset({MemberStatus.CLOSED_WITHDRAWN, MemberStatus.CLOSED_TRANSFERRED}), _N
    ),
}

_U = UnitStatus
UNIT_TRANSITIONS: Final[dict[str, Transition]] = {
    "change": Transition("变更单位信息", frozenset({_U.NORMAL, _U.OPENING, _U.DEFERRED, _U.SEALED}), None),
    "add_member": Transition("职工开户", frozenset({_U.NORMAL, _U.OPENING, _U.DEFERRED}), None),
    "seal": Transition("单位封存", frozenset({_U.NORMAL, _U.OPENING}), _U.SEALED),
    "resume": Transition("单位启封", frozenset({_U.SEALED}), _U.NORMAL),
    "defer": Transition("缓缴", frozenset({_U.NORMAL}), _U.DEFERRED),
    "end_deferral": Transition("缓缴到期", frozenset({_U.DEFERRED}), _U.NORMAL),
    "remit": Transition("汇缴", frozenset({_U.NORMAL, _U.OPENING, _U.DEFERRED}), None),
    "cancel": Transition("单位销户", frozenset({_U.NORMAL, _U.OPENING, _U.DEFERRED, _U.SEALED}), _U.CLOSED),
}


def member_transition(status: str, action: str) -> str:
    """The status after `action`, or a refusal naming the action and the current status."""
    rule = MEMBER_TRANSITIONS[action]
    if status not in rule.allowed_from:
        code = "member_account_frozen" if status == MemberStatus.FROZEN else "member_account_status_forbids"
        raise ContributionRuleViolation(
            code, action=rule.label, status=MEMBER_STATUS_LABELS.get(status, status)
        )
    return rule.to if rule.to is not None else status


def unfreeze_target(status_before_freeze: str | None) -> str:
    """Unfreezing restores what the account was before; a freeze only ever starts from 01 or 02."""
    if status_before_freeze in (MemberStatus.NORMAL, MemberStatus.SEALED):
        return status_before_freeze
    return MemberStatus.NORMAL


def unit_transition(status: str, action: str) -> str:
    rule = UNIT_TRANSITIONS[action]
    if status not in rule.allowed_from:
        raise ContributionRuleViolation(
            "unit_status_forbids", action=rule.label, status=UNIT_STATUS_LABELS.get(status, status)
        )
    return rule.to if rule.to is not None else status


# --- merging duplicate accounts ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MergeParty:
    """What the merge rule needs to know about one of the two accounts."""

    account_no: str
    status: str
    name: str
    birth_date_iso: str


def check_merge(duplicate: MergeParty, surviving: MergeParty) -> None:
    """合并: two accounts of ONE person (legacy data) become one; the duplicate closes (03).

    Refused when they are the same account, when either is frozen or closed, or when the name and
    birth date differ (the person must be the same; a mistyped ID number is what makes duplicates).
    """
    if duplicate.account_no == surviving.account_no:
        raise ContributionRuleViolation("merge_same_account", account=duplicate.account_no)
    member_transition(duplicate.status, "merge_from")
    member_transition(surviving.status, "merge_into")
    if duplicate.name != surviving.name or duplicate.birth_date_iso != surviving.birth_date_iso:
        raise ContributionRuleViolation(
            "merge_not_same_person", duplicate=duplicate.account_no, surviving=surviving.account_no
        )
