"""Withdrawals (提取): accept an application, decide it by the rules, move it through maker-checker
(受理 → 审核 → 审批, a second approver above the policy threshold), pay it through the bank port,
and close the account with its interest when the reason closes it.

Money moves only by vouchers on the ledger posting path:
* partial withdrawal (部分提取): `bank.submit_payment` books Dr 201 member (type 11) / Cr 21903;
  the member account's floor makes an overdraft impossible, whatever the concurrency;
* closing withdrawal (销户提取): `interest.pay_out_closing` books Dr 201 principal + Dr 41101
  closing interest / Cr 21999 pending payments (type 12, FSLXE = interest), then the payment
  books Dr 21999 / Cr 21903 (ADR 0010). A failed payment returns the money to 21999 and the
  withdrawal to the counter, where the clerk pays it again to a corrected card.

An open withdrawal earmarks its amount: the member row is locked while a new one is accepted,
so two applications for the whole balance cannot both be accepted (reliability.md C1).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date, datetime
from typing import Any, Final, cast

from anju.dates import YearMonth
from anju.domain import withdrawals as rules
from anju.domain.contributions import MemberStatus, member_transition
from anju.domain.documents import Document, IssuedBy, canonical_bytes, verification_code
from anju.domain.policy import PolicyRuleViolation, WithdrawalPolicy
from anju.domain.security import Actor, AuditEvent, Permission
from anju.domain.withdrawals import (
    AccountFacts,
    Decision,
    Evidence,
    PastWithdrawal,
    RuleOutcome,
    WithdrawalReceipt,
    WithdrawalRuleViolation,
)
from anju.errors import Conflict, NotFound, TransientConflict
from anju.ids import mask_bank_card, mask_name, validate_bank_card
from anju.ledger.entries import AccountRef
from anju.ledger.posting_rules import GL, BusinessType
from anju.money import Money
from anju.services import bank, cases, data_sharing, interest
from anju.services.calendar import current_business_date
from anju.services.documents import CHINA_STANDARD_TIME
from anju.services.policy import policy_in_force
from anju.services.ports import CentreBankAccountRecord, IssuedDocumentRecord, MemberAccountRecord, UnitOfWork
from anju.services.withdrawal_ports import (
    OPEN_STATES,
    BlacklistRecord,
    WithdrawalRecord,
    WithdrawalState,
)

CASE_KIND: Final = "withdrawal"
SOURCE: Final = "withdrawal"
SYSTEM: Final = Actor.system("withdrawals")
MAX_PAGE: Final = 200
HEIR_REASONS: Final = frozenset({"08"})  # 死亡或被宣告死亡: the heir or legatee is paid
# Where a closing payout waits for the bank (待付款项, ADR 0010): the payment then moves it to 21903.
PENDING_PAYMENTS: Final = AccountRef.gl(GL.PENDING_REFUNDS)

STATE_LABELS: Final = {
    WithdrawalState.ACCEPTED: "已受理",
    WithdrawalState.REVIEWED: "已审核",
    WithdrawalState.APPROVED: "已审批",
    WithdrawalState.PAYING: "付款中",
    WithdrawalState.PAID: "已办结",
    WithdrawalState.PAYMENT_FAILED: "付款失败（退回柜面）",
    WithdrawalState.REFUSED: "不予提取",
    WithdrawalState.RETURNED: "已退回",
}

cases.register_case_kind(CASE_KIND, "住房公积金提取", managed_at="提取业务（/withdrawals）")


class WithdrawalNotFound(NotFound):
    """No such withdrawal, or not one the actor may see."""


class WithdrawalConflict(Conflict):
    """The same submission key with another request, or a state that moved meanwhile."""


# Other slices tell whether a person has an overdue HPF loan (loans registers its check here).
OverdueLoanCheck = Callable[[UnitOfWork, int], bool]
_OVERDUE_CHECKS: list[OverdueLoanCheck] = []


def register_overdue_loan_check(check: OverdueLoanCheck) -> None:
    """`check(uow, member_id)` is True when the person has an overdue HPF loan (loans slice)."""
    if check not in _OVERDUE_CHECKS:
        _OVERDUE_CHECKS.append(check)


def has_overdue_loan(uow: UnitOfWork, member_id: int) -> bool:
    """What the registered checks say (False while no loans slice is installed)."""
    return any(check(uow, member_id) for check in _OVERDUE_CHECKS)


# --- inputs and views ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WithdrawalRequest:
    account_no: str
    reason_code: str
    amount: Money | None = None  # None: the most the rules allow (closing: the whole balance)
    payee_card: str | None = None  # None: the member's card on file
    payee_bank_code: str | None = None
    payee_name: str | None = None  # None: the member (an heir's name for reason 08)
    materials: frozenset[str] = frozenset()
    event_date: date | None = None
    cost: Money | None = None
    amount_repaid: Money | None = None
    monthly_rent: Money | None = None
    rent_months: int = 1
    property_ref: str | None = None
    owns_home_in_city: bool | None = None
    channel: str = "counter"
    verified: frozenset[str] = field(default_factory=frozenset)  # set by data sharing, not by callers

    def evidence(self) -> Evidence:
        return Evidence(
            materials=frozenset(self.materials),
            event_date=self.event_date,
            cost=self.cost,
            amount_repaid=self.amount_repaid,
            monthly_rent=self.monthly_rent,
            rent_months=self.rent_months,
            property_ref=(self.property_ref or "").strip() or None,
            owns_home_in_city=self.owns_home_in_city,
            verified=self.verified,
        )


@dataclass(frozen=True, slots=True)
class ReasonView:
    code: str
    name: str
    standard_code: str
    closes_account: bool
    limit_rule: str
    limit_label: str
    materials: tuple[str, ...]
    frequency: str
    source: str
    tag: str


@dataclass(frozen=True, slots=True)
class WithdrawalView:
    withdrawal_no: str
    case_no: str
    member_account_no: str
    member_name_masked: str
    reason_code: str
    reason_name: str
    standard_code: str
    closes_account: bool
    state: str
    state_label: str
    amount: Money
    interest: Money
    limit: Money | None
    payee_name_masked: str
    payee_card_masked: str
    payee_bank_code: str
    outcomes: tuple[RuleOutcome, ...]
    auto_approved: bool
    channel: str
    business_date: date
    paid_on: date | None
    e2e_id: str | None
    note: str | None
    created_by: str
    case: cases.CaseView | None = None

    @property
    def total(self) -> Money:
        return self.amount + self.interest

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES or self.state == WithdrawalState.PAYING


@dataclass(frozen=True, slots=True)
class WithdrawalPage:
    items: list[WithdrawalView]
    total: int


LIMIT_LABELS: Final = {
    "full_balance": "账户全部余额（含销户结息）",
    "cost_borne": "不超过实际承担的费用",
    "amount_repaid": "不超过回溯期内实际偿还的本息",
    "rent_cap": "不超过实际房租与每人每月限额的较低者",
    "actual_rent": "按实际房租",
    "available_balance": "可用余额",
    "approved": "按审批金额",
}


def reasons(uow: UnitOfWork, actor: Actor) -> list[ReasonView]:
    """The reason configuration in force (提取原因配置), for the counter and the admin page."""
    actor.require(Permission.WITHDRAWAL_VIEW)
    policy = policy_in_force(uow, current_business_date(uow)).withdrawal
    out = []
    for r in policy.reasons:
        freq = []
        if r.min_interval_months:
            freq.append(f"间隔不少于 {r.min_interval_months} 个月")
        if r.max_times_per_year:
            freq.append(f"每年不超过 {r.max_times_per_year} 次")
        if r.once_per_property:
            freq.append("同一房产限一次")
        if r.window_months:
            freq.append(f"事项发生后 {r.window_months} 个月内")
        out.append(
            ReasonView(
                code=r.code,
                name=r.name,
                standard_code=r.standard_code,
                closes_account=r.closes_account,
                limit_rule=r.limit_rule.value,
                limit_label=LIMIT_LABELS.get(r.limit_rule.value, r.limit_rule.value),
                materials=rules.required_materials(policy, r),
                frequency="；".join(freq) or "不限",
                source=r.source,
                tag=r.tag,
            )
        )
    return out


def _outcomes_json(decision: Decision) -> str:
    return json.dumps([asdict(o) for o in decision.outcomes], ensure_ascii=False)


def _outcomes(text: str) -> tuple[RuleOutcome, ...]:
    return tuple(RuleOutcome(**o) for o in json.loads(text))


def evidence_json(ev: Evidence) -> str:
    def enc(value: Any) -> Any:
        if isinstance(value, Money):
            return str(value)
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, frozenset):
            return sorted(value)
        return value

    return json.dumps({f.name: enc(getattr(ev, f.name)) for f in fields(ev)}, ensure_ascii=False)


def evidence_of(text: str) -> Evidence:
    raw = json.loads(text)

    def money(key: str) -> Money | None:
        return None if raw.get(key) is None else Money.of(raw[key])

    return Evidence(
        materials=frozenset(raw.get("materials", ())),
        event_date=date.fromisoformat(raw["event_date"]) if raw.get("event_date") else None,
        cost=money("cost"),
        amount_repaid=money("amount_repaid"),
        monthly_rent=money("monthly_rent"),
        rent_months=int(raw.get("rent_months", 1)),
        property_ref=raw.get("property_ref"),
        owns_home_in_city=raw.get("owns_home_in_city"),
        verified=frozenset(raw.get("verified", ())),
    )


def _view(uow: UnitOfWork, r: WithdrawalRecord, *, with_case: bool = False) -> WithdrawalView:
    account = uow.members.account(r.member_account_no)
    name = account.person.name if account is not None else ""
    policy = policy_in_force(uow, r.business_date).withdrawal
    try:
        reason_name = policy.reason(r.reason_code).name
    except PolicyRuleViolation:  # a reason dropped by a later policy: show its code
        reason_name = r.reason_code
    case = None
    if with_case:
        case = cases.get_case(uow, SYSTEM, r.case_no, permission=None)
    return WithdrawalView(
        withdrawal_no=r.withdrawal_no,
        case_no=r.case_no,
        member_account_no=r.member_account_no,
        member_name_masked=mask_name(name),
        reason_code=r.reason_code,
        reason_name=reason_name,
        standard_code=r.standard_code,
        closes_account=r.closes_account,
        state=r.state,
        state_label=STATE_LABELS.get(r.state, r.state),
        amount=r.amount,
        interest=r.interest,
        limit=r.limit,
        payee_name_masked=mask_name(r.payee_name),
        payee_card_masked=mask_bank_card(r.payee_card),
        payee_bank_code=r.payee_bank_code,
        outcomes=_outcomes(r.decision_json),
        auto_approved=r.auto_approved,
        channel=r.channel,
        business_date=r.business_date,
        paid_on=r.paid_on,
        e2e_id=r.e2e_id,
        note=r.note,
        created_by=r.created_by,
        case=case,
    )


# --- facts ---------------------------------------------------------------------------------------


def _continuous_months(uow: UnitOfWork, account: MemberAccountRecord) -> int:
    """Months paid in the current employment, up to the month paid (缴至年月)."""
    if account.paid_up_to is None:
        return 0
    paid = YearMonth.parse(account.paid_up_to)
    jobs = uow.members.employments(account.id)
    start = max((j.started_on for j in jobs), default=account.opened_on)
    return max(0, YearMonth.of(start).months_until(paid) + 1)


def _sealed_since(uow: UnitOfWork, account: MemberAccountRecord) -> date | None:
    if account.status != MemberStatus.SEALED:
        return None
    ended = [j.ended_on for j in uow.members.employments(account.id) if j.ended_on is not None]
    return max(ended, default=account.updated_at.date())


def facts_of(uow: UnitOfWork, account: MemberAccountRecord, *, excluding: int | None = None) -> AccountFacts:
    black = uow.withdrawals.blacklist_entry(account.member_id)
    return AccountFacts(
        status=account.status,
        balance=uow.ledger.balance(account.ledger_account_no),
        pending=uow.withdrawals.pending_total(account.member_id, excluding=excluding),
        in_payment=uow.withdrawals.in_payment_total(account.member_id),
        continuous_months=_continuous_months(uow, account),
        sealed_since=_sealed_since(uow, account),
        has_overdue_loan=has_overdue_loan(uow, account.member_id),
        blacklist_reason=black.reason if black is not None else None,
        fraud_found_on=black.fraud_found_on if black is not None else None,
    )


def history_of(
    uow: UnitOfWork, member_id: int, *, excluding: int | None = None
) -> tuple[PastWithdrawal, ...]:
    return tuple(
        PastWithdrawal(h.reason_code, h.business_date, h.amount, h.property_ref)
        for h in uow.withdrawals.history(member_id, excluding=excluding)
    )


def policy_of(uow: UnitOfWork, day: date) -> WithdrawalPolicy:
    return policy_in_force(uow, day).withdrawal


def load_account(uow: UnitOfWork, actor: Actor, account_no: str, *, for_update: bool) -> MemberAccountRecord:
    record = uow.members.account(account_no.strip(), for_update=for_update)
    if record is None:
        raise WithdrawalNotFound("not_found", what=f"个人账户 {account_no.strip()[:20]}")
    actor.require_branch(record.branch_id)
    return record


def check_withdrawal(uow: UnitOfWork, actor: Actor, req: WithdrawalRequest) -> Decision:
    """预审: the decision the rules would give now, without recording anything."""
    actor.require(Permission.WITHDRAWAL_VIEW)
    day = current_business_date(uow)
    account = load_account(uow, actor, req.account_no, for_update=False)
    return rules.evaluate(
        policy_of(uow, day),
        req.reason_code,
        facts_of(uow, account),
        req.evidence(),
        history_of(uow, account.member_id),
        requested=req.amount,
        as_of=day,
    )


def refusal(decision: Decision) -> WithdrawalRuleViolation:
    return WithdrawalRuleViolation(
        "withdrawal_refused",
        reason=decision.reason_name,
        rules="；".join(o.detail_zh for o in decision.refusals),
        codes=",".join(o.code for o in decision.refusals),
    )


# --- accept (受理) ---------------------------------------------------------------------------------


def submit_withdrawal(
    uow: UnitOfWork,
    actor: Actor,
    req: WithdrawalRequest,
    *,
    source_ref: str,
    source: str = "counter",
    agreement_id: int | None = None,
) -> WithdrawalView:
    """受理: decide by the rules and, if they allow it, open the case (state accepted).

    Refused applications raise `withdrawal_refused` naming every failed rule in Chinese.
    Idempotent on (source, source_ref): the same request again returns the first result; the
    same key with a different request is a conflict. Auto-approved (秒批) applications are
    approved and paid at once (see `services.data_sharing`).
    """
    actor.require(Permission.WITHDRAWAL_MANAGE)
    ref = source_ref.strip()[:128]
    if not ref:
        raise WithdrawalRuleViolation("required_field", field="业务请求编号")
    existing = uow.withdrawals.by_source(source, ref)
    if existing is not None:
        return _replay(uow, existing, req)
    day = current_business_date(uow)
    # Lock the member row: applications of one person queue here, so the earmarks add up.
    account = load_account(uow, actor, req.account_no, for_update=True)
    policy = policy_of(uow, day)
    decision = rules.evaluate(
        policy,
        req.reason_code,
        facts_of(uow, account),
        req.evidence(),
        history_of(uow, account.member_id),
        requested=req.amount,
        as_of=day,
    )
    if not decision.approved:  # nothing is written: the refusal names every failed rule
        raise refusal(decision)
    card, bank_code, payee = payee_of(account, req)
    number = uow.withdrawals.next_withdrawal_no()
    case = cases.open_case(
        uow,
        actor,
        kind=CASE_KIND,
        channel=req.channel if req.channel in cases.CHANNELS else "counter",
        subject_type="member_account",
        subject_ref=account.account_no,
        summary=f"{decision.reason_name}提取 {decision.amount.format_cn()} 元（{number}）",
        amount=decision.amount,
        applicant=mask_name(account.person.name),
        branch_id=account.branch_id,
    )
    now = uow.now_utc()
    record = uow.withdrawals.insert(
        {
            "withdrawal_no": number,
            "case_no": case.case_no,
            "member_account_no": account.account_no,
            "member_id": account.member_id,
            "ledger_account_no": account.ledger_account_no,
            "branch_id": account.branch_id,
            "reason_code": decision.reason_code,
            "standard_code": decision.standard_code,
            "closes_account": decision.closes_account,
            "state": WithdrawalState.ACCEPTED,
            "amount": decision.amount,
            "interest": Money.ZERO,
            "limit": decision.limit,
            "payee_name": payee,
            "payee_card": card,
            "payee_bank_code": bank_code,
            "property_ref": req.evidence().property_ref,
            "evidence_json": evidence_json(req.evidence()),
            "decision_json": _outcomes_json(decision),
            "auto_approved": False,
            "channel": req.channel,
            "source": source,
            "source_ref": ref,
            "agreement_id": agreement_id,
            "business_date": day,
            "created_by": actor.username,
            "created_at": now,
            "updated_at": now,
        }
    )
    if record is None:  # lost a race on the same key: the retry replays it
        raise TransientConflict("transient_conflict")
    uow.audit.append(
        AuditEvent.by(
            actor,
            "withdrawal.accept",
            "withdrawal",
            number,
            details={
                "account": account.account_no,
                "reason": decision.reason_code,
                "amount": str(decision.amount),
                "case_no": case.case_no,
            },
        )
    )
    return _view(uow, record)


def _replay(uow: UnitOfWork, existing: WithdrawalRecord, req: WithdrawalRequest) -> WithdrawalView:
    same = existing.member_account_no == req.account_no.strip() and existing.reason_code == req.reason_code
    if req.amount is not None and not existing.closes_account:
        same = same and existing.amount == req.amount
    if not same:
        raise WithdrawalConflict("withdrawal_source_reused", source_ref=existing.source_ref[:40])
    return _view(uow, existing)


def payee_of(account: MemberAccountRecord, req: WithdrawalRequest) -> tuple[str, str, str]:
    card = (req.payee_card or account.bank_card or "").strip()
    if not card:
        raise WithdrawalRuleViolation("withdrawal_payee_card_required")
    card = validate_bank_card(card)
    bank_code = (req.payee_bank_code or account.bank_code or "").strip()
    if not bank_code:
        raise WithdrawalRuleViolation("required_field", field="收款银行")
    payee = (req.payee_name or account.person.name).strip()[:60]
    # Money goes to the member's own card; only on death (08) is it paid to an heir or legatee.
    if payee != account.person.name and req.reason_code not in HEIR_REASONS:
        raise WithdrawalRuleViolation("withdrawal_payee_not_member")
    return card, bank_code, payee


# --- review and approval (审核 / 审批) ------------------------------------------------------------


def _load(uow: UnitOfWork, actor: Actor, withdrawal_no: str, *, for_update: bool = False) -> WithdrawalRecord:
    record = uow.withdrawals.get(withdrawal_no.strip(), for_update=for_update)
    if record is None:
        raise WithdrawalNotFound("not_found", what=f"提取业务 {withdrawal_no.strip()[:30]}")
    actor.require_branch(record.branch_id)
    return record


_ACTION_STATES: Final = {
    "review": WithdrawalState.REVIEWED,
    "approve": WithdrawalState.APPROVED,
    "second_approve": WithdrawalState.APPROVED,
    "return": WithdrawalState.RETURNED,
    "refuse": WithdrawalState.REFUSED,
}


def threshold(uow: UnitOfWork, day: date) -> Money | None:
    rule = policy_of(uow, day).second_approval_threshold
    return None if rule is None else rule.value


def decide_withdrawal(
    uow: UnitOfWork, actor: Actor, withdrawal_no: str, action: str, reason: str | None = None
) -> WithdrawalView:
    """审核 review | 审批 approve | 复核审批 second_approve | 退回 return | 拒绝 refuse.

    Maker ≠ checker ≠ approver (≠ second approver), enforced by the case workflow from what is
    stored. Before an approval the rules are checked again (the balance or the history may have
    changed since acceptance). The last approval pays at once, in the same transaction.
    """
    actor.require(Permission.WITHDRAWAL_APPROVE)
    if action not in _ACTION_STATES:
        raise WithdrawalRuleViolation("case_action_unknown", action=action[:20])
    record = _load(uow, actor, withdrawal_no, for_update=True)
    if record.state not in (WithdrawalState.ACCEPTED, WithdrawalState.REVIEWED, WithdrawalState.APPROVED):
        raise WithdrawalRuleViolation(
            "withdrawal_state_forbids", state=STATE_LABELS.get(record.state, record.state)
        )
    limit = threshold(uow, record.business_date)
    if action in ("approve", "second_approve"):
        _recheck(uow, actor, record)
    case = cases.advance_case(
        uow,
        actor,
        record.case_no,
        action,
        reason,
        second_approval_threshold=limit,
        decision_permission=Permission.WITHDRAWAL_APPROVE,
        finish_permission=Permission.WITHDRAWAL_MANAGE,
    )
    new_state = _ACTION_STATES[action]
    uow.withdrawals.update(record.id, {"state": new_state, "note": case.reason}, uow.now_utc())
    uow.audit.append(
        AuditEvent.by(
            actor,
            f"withdrawal.{action}",
            "withdrawal",
            record.withdrawal_no,
            reason=(reason or "")[:200] or None,
            details={"from": record.state, "to": new_state},
        )
    )
    fully_approved = new_state == WithdrawalState.APPROVED and (
        case.second_approver is not None or not _needs_second(record.amount, limit)
    )
    updated = _load(uow, actor, withdrawal_no)
    if fully_approved:
        updated = _pay(uow, actor, updated)
    return _view(uow, updated, with_case=True)


def _needs_second(amount: Money, limit: Money | None) -> bool:
    return limit is not None and amount > limit


def _recheck(uow: UnitOfWork, actor: Actor, record: WithdrawalRecord) -> None:
    day = current_business_date(uow)
    account = load_account(uow, actor, record.member_account_no, for_update=True)
    decision = rules.evaluate(
        policy_of(uow, day),
        record.reason_code,
        facts_of(uow, account, excluding=record.id),
        evidence_of(record.evidence_json),
        history_of(uow, account.member_id, excluding=record.id),
        requested=None if record.closes_account else record.amount,
        as_of=day,
    )
    if not decision.approved:
        raise refusal(decision)


# --- payment (付款) -------------------------------------------------------------------------------


def _paying_account(uow: UnitOfWork, payee_bank_code: str) -> CentreBankAccountRecord:
    """The centre's collection account to pay from: at the payee's bank if there is one."""
    accounts = [
        a
        for a in uow.org.list_centre_bank_accounts()
        if a.purpose == "collection" and a.closed_on is None and a.ledger_account_no is not None
    ]
    if not accounts:
        raise WithdrawalRuleViolation("withdrawal_no_paying_account")
    same_bank = [a for a in accounts if a.bank_code == payee_bank_code]
    return (same_bank or accounts)[0]


def _pay(uow: UnitOfWork, actor: Actor, record: WithdrawalRecord) -> WithdrawalRecord:
    """Hand the payment to the bank (in this transaction; the dispatcher sends it after commit)."""
    day = current_business_date(uow)
    attempt = record.attempt + 1
    paying = _paying_account(uow, record.payee_bank_code)
    values: dict[str, Any] = {"state": WithdrawalState.PAYING, "attempt": attempt}
    memo = f"住房公积金提取 {record.withdrawal_no}"
    if record.closes_account and record.attempt == 0:
        account = load_account(uow, SYSTEM, record.member_account_no, for_update=True)
        member_transition(account.status, "close_withdrawal")
        payout = interest.pay_out_closing(
            uow,
            actor,
            account_no=record.ledger_account_no,
            bank=PENDING_PAYMENTS,
            closing_date=day,
            source=SOURCE,
            source_ref=record.withdrawal_no,
            memo=f"销户提取 {record.withdrawal_no}",
        )
        uow.members.update_account(
            account.id,
            {"status": MemberStatus.CLOSED_WITHDRAWN, "closed_on": day, "close_reason": record.standard_code},
            uow.now_utc(),
        )
        uow.members.end_employment(account.id, day, "close")
        values.update(amount=payout.principal, interest=payout.interest)
        total = payout.total
    elif record.closes_account:
        total = record.amount + record.interest
    else:
        total = record.amount
    if not total.is_positive:  # an empty account closed with no interest due: nothing to pay
        values.update(state=WithdrawalState.PAID, paid_on=day)
        uow.withdrawals.update(record.id, values, uow.now_utc())
        _finish_case(uow, record)
        return _load(uow, SYSTEM, record.withdrawal_no)
    instruction = bank.submit_payment(
        uow,
        actor,
        purpose="closing_withdrawal" if record.closes_account else "partial_withdrawal",
        amount=total,
        payee_account_no=record.payee_card,
        payee_name=record.payee_name,
        payee_bank_code=record.payee_bank_code,
        source_ref=f"{record.withdrawal_no}:{attempt}",
        source=SOURCE,
        debit_account=paying.account_no,
        charge=PENDING_PAYMENTS if record.closes_account else AccountRef.ledger(record.ledger_account_no),
        ref_account_no=record.member_account_no,
        business_type=None if record.closes_account else BusinessType.PARTIAL_WITHDRAWAL,
        memo=memo,
    )
    values["e2e_id"] = instruction.e2e_id
    uow.withdrawals.update(record.id, values, uow.now_utc())
    uow.audit.append(
        AuditEvent.by(
            actor,
            "withdrawal.pay",
            "withdrawal",
            record.withdrawal_no,
            details={"e2e_id": instruction.e2e_id, "amount": str(total), "attempt": attempt},
        )
    )
    return _load(uow, SYSTEM, record.withdrawal_no)


def _finish_case(uow: UnitOfWork, record: WithdrawalRecord) -> None:
    cases.advance_case(
        uow,
        SYSTEM,
        record.case_no,
        "finish",
        second_approval_threshold=threshold(uow, record.business_date),
        decision_permission=Permission.WITHDRAWAL_APPROVE,
        finish_permission=Permission.WITHDRAWAL_MANAGE,
    )


def on_payment_final(uow: UnitOfWork, instruction: bank.InstructionView) -> None:
    """The bank's final word: paid (办结), or back to the counter with the bank's message."""
    record = uow.withdrawals.by_e2e_id(instruction.e2e_id, for_update=True)
    if record is None or record.state != WithdrawalState.PAYING:
        return
    now = uow.now_utc()
    if instruction.state == "succeeded":
        uow.withdrawals.update(
            record.id, {"state": WithdrawalState.PAID, "paid_on": current_business_date(uow)}, now
        )
        _finish_case(uow, record)
        action = "paid"
    else:
        note = f"银行付款失败：{instruction.rtn_message or instruction.rtn_code or '未知原因'}"[:200]
        uow.withdrawals.update(record.id, {"state": WithdrawalState.PAYMENT_FAILED, "note": note}, now)
        action = "payment_failed"
    uow.audit.append(
        AuditEvent.by(
            SYSTEM,
            f"withdrawal.{action}",
            "withdrawal",
            record.withdrawal_no,
            details={"e2e_id": instruction.e2e_id},
        )
    )


bank.on_instruction_final("partial_withdrawal", on_payment_final)
bank.on_instruction_final("closing_withdrawal", on_payment_final)


def pay_again(
    uow: UnitOfWork,
    actor: Actor,
    withdrawal_no: str,
    *,
    payee_card: str | None = None,
    payee_bank_code: str | None = None,
    payee_name: str | None = None,
) -> WithdrawalView:
    """After a failed payment (退回柜面): pay again, to a corrected card if the clerk gives one."""
    actor.require(Permission.WITHDRAWAL_MANAGE)
    record = _load(uow, actor, withdrawal_no, for_update=True)
    if record.state != WithdrawalState.PAYMENT_FAILED:
        raise WithdrawalRuleViolation(
            "withdrawal_state_forbids", state=STATE_LABELS.get(record.state, record.state)
        )
    changes: dict[str, Any] = {}
    if payee_card:
        changes["payee_card"] = validate_bank_card(payee_card.strip())
    if payee_bank_code:
        changes["payee_bank_code"] = payee_bank_code.strip()[:12]
    if payee_name:
        changes["payee_name"] = payee_name.strip()[:60]
    if changes:
        uow.withdrawals.update(record.id, changes, uow.now_utc())
        record = _load(uow, actor, withdrawal_no)
    return _view(uow, _pay(uow, actor, record), with_case=True)


# --- queries -------------------------------------------------------------------------------------


def get_withdrawal(uow: UnitOfWork, actor: Actor, withdrawal_no: str) -> WithdrawalView:
    actor.require(Permission.WITHDRAWAL_VIEW)
    return _view(uow, _load(uow, actor, withdrawal_no), with_case=True)


def list_withdrawals(
    uow: UnitOfWork,
    actor: Actor,
    *,
    state: str | None = None,
    account_no: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> WithdrawalPage:
    actor.require(Permission.WITHDRAWAL_VIEW)
    scope = None if actor.all_branches else actor.branch_id
    ref = (account_no or "").strip() or None
    limit = max(1, min(limit, MAX_PAGE))
    items = uow.withdrawals.search(
        branch_id=scope, state=state or None, member_account_no=ref, limit=limit, offset=offset
    )
    total = uow.withdrawals.count(branch_id=scope, state=state or None, member_account_no=ref)
    return WithdrawalPage([_view(uow, r) for r in items], total)


# --- receipt (提取回单) -----------------------------------------------------------------------------

RECEIPT_KIND: Final = "withdrawal_receipt"


@dataclass(frozen=True, slots=True)
class PrintedReceipt:
    content: WithdrawalReceipt
    verification_code: str
    filename: str


def print_receipt(uow: UnitOfWork, actor: Actor, withdrawal_no: str) -> PrintedReceipt:
    """The receipt of a paid (or paying) withdrawal; recorded and audited like every printed paper."""
    actor.require(Permission.WITHDRAWAL_VIEW)
    record = _load(uow, actor, withdrawal_no)
    if record.state not in (WithdrawalState.PAYING, WithdrawalState.PAID):
        raise WithdrawalRuleViolation(
            "withdrawal_state_forbids", state=STATE_LABELS.get(record.state, record.state)
        )
    view = _view(uow, record)
    centre = uow.org.get_centre()
    branch = uow.org.branch_by_id(actor.branch_id) if actor.branch_id is not None else None
    issued = IssuedBy(
        centre_name=centre.name if centre else "住房公积金管理中心",
        branch_name=branch.name if branch else "",
        operator=actor.username,
        business_date=current_business_date(uow),
        printed_at=uow.now_utc().astimezone(CHINA_STANDARD_TIME).replace(microsecond=0),
    )
    content = WithdrawalReceipt(
        issued=issued,
        withdrawal_no=record.withdrawal_no,
        case_no=record.case_no,
        member_account_no=record.member_account_no,
        member_name_masked=view.member_name_masked,
        reason_name=view.reason_name,
        standard_code=record.standard_code,
        closing=record.closes_account,
        principal=record.amount,
        interest=record.interest,
        payee_name_masked=view.payee_name_masked,
        payee_card_masked=view.payee_card_masked,
        state_label=view.state_label,
        accepted_on=record.business_date,
        paid_on=record.paid_on,
    )
    body = canonical_bytes(RECEIPT_KIND, cast(Document, content))
    code = verification_code(uow.crypto.sm3, RECEIPT_KIND, cast(Document, content))
    uow.documents.record_issued(
        IssuedDocumentRecord(
            verification_code=code,
            digest=uow.crypto.sm3(body).hex(),
            kind=RECEIPT_KIND,
            subject_ref=record.member_account_no,
            title=f"提取回单 {record.withdrawal_no}",
            business_date=issued.business_date,
            branch_id=record.branch_id,
            issued_by=actor.username,
            issued_at=uow.now_utc(),
        )
    )
    uow.audit.append(
        AuditEvent.by(
            actor,
            f"documents.print_{RECEIPT_KIND}",
            "withdrawal",
            record.withdrawal_no,
            details={"verification_code": code},
        )
    )
    return PrintedReceipt(content, code, f"提取回单_{record.withdrawal_no}.pdf")


# --- customer management: blacklist (黑名单) ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BlacklistView:
    member_account_no: str
    member_name_masked: str
    reason: str
    fraud_found_on: date | None
    added_by: str
    added_at: datetime


def _black_view(uow: UnitOfWork, r: BlacklistRecord) -> BlacklistView:
    account = uow.members.account(r.member_account_no)
    return BlacklistView(
        member_account_no=r.member_account_no,
        member_name_masked=mask_name(account.person.name) if account else "",
        reason=r.reason,
        fraud_found_on=r.fraud_found_on,
        added_by=r.added_by,
        added_at=r.added_at,
    )


def add_to_blacklist(
    uow: UnitOfWork, actor: Actor, account_no: str, reason: str, fraud_found_on: date | None = None
) -> BlacklistView:
    """列入黑名单: the person cannot withdraw until removed (a confirmed fraud also blocks by date)."""
    actor.require(Permission.WITHDRAWAL_ADMIN)
    why = reason.strip()[:200]
    if not why:
        raise WithdrawalRuleViolation("required_field", field="列入原因")
    account = load_account(uow, actor, account_no, for_update=False)
    record = BlacklistRecord(
        account.member_id, account.account_no, why, fraud_found_on, actor.username, uow.now_utc()
    )
    if not uow.withdrawals.add_blacklist(record):
        raise WithdrawalConflict("withdrawal_blacklist_exists")
    uow.audit.append(
        AuditEvent.by(actor, "withdrawal.blacklist_add", "member_account", account.account_no, reason=why)
    )
    return _black_view(uow, record)


def remove_from_blacklist(uow: UnitOfWork, actor: Actor, account_no: str, reason: str) -> None:
    actor.require(Permission.WITHDRAWAL_ADMIN)
    why = reason.strip()[:200]
    if not why:
        raise WithdrawalRuleViolation("required_field", field="移出原因")
    account = load_account(uow, actor, account_no, for_update=False)
    if not uow.withdrawals.remove_blacklist(account.member_id):
        raise WithdrawalNotFound("withdrawal_blacklist_missing")
    uow.audit.append(
        AuditEvent.by(actor, "withdrawal.blacklist_remove", "member_account", account.account_no, reason=why)
    )


def list_blacklist(
    uow: UnitOfWork, actor: Actor, *, limit: int = 100, offset: int = 0
) -> list[BlacklistView]:
    actor.require(Permission.WITHDRAWAL_VIEW)
    return [_black_view(uow, r) for r in uow.withdrawals.blacklist(limit=min(limit, MAX_PAGE), offset=offset)]


# --- automatic approval (秒批) by data sharing ---------------------------------------------------------

# Two distinct system actors, so the case still shows a checker and an approver other than the maker.
AUTO_REVIEWER: Final = Actor.system("auto_review")
AUTO_APPROVER: Final = Actor.system("auto_approve")
AUTO_NOTE: Final = "数据共享核验一致，系统自动审批（秒批）"


def _proven_enough(reason_code: str, proven: data_sharing.ProvenFacts) -> bool:
    needed = data_sharing.AUTO_REGISTRIES.get(reason_code, ())
    if not needed or not set(needed) <= proven.verified:
        return False
    if reason_code == "01":
        return proven.cost is not None and proven.event_date is not None
    if reason_code == "03":
        return proven.retired is True
    if reason_code == "07":
        return proven.owns_home_in_city is False
    if reason_code == "L1":
        return proven.amount_repaid is not None
    return False  # pragma: no cover - every reason of AUTO_REGISTRIES is handled above


def look_up_for(
    uow: UnitOfWork, actor: Actor, req: WithdrawalRequest, *, source_ref: str, source: str = "counter"
) -> list[data_sharing.LookupResult] | None:
    """The look-ups an application by data sharing needs, in a transaction of their own (entry
    points call this first), so their log survives even when the application is then refused.
    None when there is nothing to look up, or the submission is a replay (no second look-up)."""
    actor.require(Permission.WITHDRAWAL_MANAGE)
    needed = data_sharing.AUTO_REGISTRIES.get(req.reason_code, ())
    if not needed or uow.withdrawals.by_source(source, source_ref.strip()[:128]) is not None:
        return None
    return data_sharing.lookup(uow, actor, req.account_no, needed, f"提取核验（{req.reason_code}）")


def submit_with_data_sharing(
    uow: UnitOfWork,
    actor: Actor,
    req: WithdrawalRequest,
    *,
    source_ref: str,
    source: str = "counter",
    results: list[data_sharing.LookupResult] | None = None,
) -> WithdrawalView:
    """受理 with the facts proved by the registries the person authorised; when they prove what the
    reason needs and the amount is within the single-approval threshold, the withdrawal is
    reviewed and approved by the system at once (秒批) and handed to the bank. Otherwise it is an
    ordinary application (typed evidence stays where a registry said nothing).

    `results` are the look-ups `look_up_for` made and committed; without them the look-ups are
    made here, and a refusal then rolls their log back with everything else."""
    actor.require(Permission.WITHDRAWAL_MANAGE)
    existing = uow.withdrawals.by_source(source, source_ref.strip()[:128])
    if existing is not None:
        return _replay(uow, existing, req)
    needed = data_sharing.AUTO_REGISTRIES.get(req.reason_code, ())
    if not needed:
        return submit_withdrawal(uow, actor, req, source_ref=source_ref, source=source)
    if results is None:
        results = data_sharing.lookup(uow, actor, req.account_no, needed, f"提取核验（{req.reason_code}）")
    proven = data_sharing.prove(req.reason_code, results, req.property_ref)
    enriched = replace(
        req,
        event_date=proven.event_date or req.event_date,
        cost=proven.cost if proven.cost is not None else req.cost,
        property_ref=proven.property_ref or req.property_ref,
        owns_home_in_city=proven.owns_home_in_city
        if proven.owns_home_in_city is not None
        else req.owns_home_in_city,
        amount_repaid=proven.amount_repaid if proven.amount_repaid is not None else req.amount_repaid,
        verified=proven.verified,
    )
    view = submit_withdrawal(uow, actor, enriched, source_ref=source_ref, source=source)
    if not _proven_enough(req.reason_code, proven) or _needs_second(
        view.amount, threshold(uow, view.business_date)
    ):
        return view
    decide_withdrawal(uow, AUTO_REVIEWER, view.withdrawal_no, "review", AUTO_NOTE)
    done = decide_withdrawal(uow, AUTO_APPROVER, view.withdrawal_no, "approve", AUTO_NOTE)
    record = _load(uow, SYSTEM, done.withdrawal_no)
    uow.withdrawals.update(record.id, {"auto_approved": True}, uow.now_utc())
    return _view(uow, _load(uow, SYSTEM, done.withdrawal_no), with_case=True)
