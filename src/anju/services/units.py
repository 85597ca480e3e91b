"""Units (单位): registration with the unit account, changes, sealing, cancellation, look-ups.

Registering a unit (缴存登记, 条例第十四条) opens its unit account and, in the same transaction,
its suspense sub-account under 21901 (暂收款), where money that cannot be matched to a roster
waits. Every command is a counter case (办件) and an audit event; a clerk acts only within the
branch (管理部) the unit belongs to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from anju.domain import codes
from anju.domain.contributions import (
    MEMBER_ACTIVE,
    MEMBER_STATUS_LABELS,
    UNIT_STATUS_LABELS,
    MemberStatus,
    UnitStatus,
    check_payday,
    check_ratios,
    contribution_parts,
    unit_transition,
)
from anju.domain.policy import ContributionPolicy
from anju.domain.security import Actor, AuditEvent, AuditValue, Permission
from anju.ids import mask_phone, validate_credit_code, validate_phone
from anju.ledger.posting_rules import UNIT_SUSPENSE_ACCOUNT
from anju.money import Money, Rate
from anju.services import collection as c
from anju.services.cases import record_counter_case
from anju.services.ledger import open_subledger_account
from anju.services.ports import (
    BranchRecord,
    CentreBankAccountRecord,
    EntrustedBankRecord,
    NewUnit,
    UnitOfWork,
    UnitRecord,
)

MAX_PAGE: Final = 500
_BATCH: Final = 1000  # member accounts re-priced per round trip on a ratio change


# --- commands' inputs ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UnitRegistration:
    """缴存登记: what the unit's handler fills in (JGJ/T 320 tables 4.0.2 and 5.0.2)."""

    name: str
    credit_code: str
    economic_type: str
    industry: str
    address: str
    handler_name: str
    handler_phone: str
    bank_code: str
    unit_ratio: Rate
    member_ratio: Rate
    payday: int
    subordination: str | None = None
    postcode: str | None = None
    email: str | None = None
    legal_rep_name: str | None = None
    collection_account_no: str | None = None  # default: the bank's collection account
    branch_code: str | None = None  # default: the clerk's own branch
    established_on: date | None = None


@dataclass(frozen=True, slots=True)
class UnitChanges:
    """单位信息变更: None leaves a field as it is; "" clears an optional text field."""

    name: str | None = None
    economic_type: str | None = None
    industry: str | None = None
    subordination: str | None = None
    address: str | None = None
    postcode: str | None = None
    email: str | None = None
    legal_rep_name: str | None = None
    handler_name: str | None = None
    handler_phone: str | None = None
    bank_code: str | None = None
    collection_account_no: str | None = None
    unit_ratio: Rate | None = None
    member_ratio: Rate | None = None
    payday: int | None = None
    established_on: date | None = None


# --- views --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UnitView:
    unit_account_no: str
    name: str
    credit_code: str
    economic_type: str
    economic_type_label: str
    industry: str
    industry_label: str
    subordination: str | None
    address: str
    postcode: str | None
    email: str | None
    legal_rep_name: str | None
    handler_name: str
    handler_phone_masked: str | None
    bank_code: str
    bank_name: str
    collection_account_no: str
    branch_code: str
    branch_name: str
    unit_ratio: Rate
    member_ratio: Rate
    payday: int
    status: str
    status_label: str
    established_on: date | None
    opened_on: date
    closed_on: date | None
    close_reason: str | None
    paid_up_to: str | None
    suspense_account_no: str
    suspense_balance: Money | None  # None in lists (not read there)
    member_counts: dict[str, int]  # by GRZHZT, accounts currently in the unit
    created_at: datetime
    updated_at: datetime
    case_no: str | None = None  # the case of the command that returned this view

    @property
    def active_members(self) -> int:
        return sum(n for status, n in self.member_counts.items() if status in MEMBER_ACTIVE)

    @property
    def sealed_members(self) -> int:
        return self.member_counts.get(MemberStatus.SEALED, 0)


@dataclass(frozen=True, slots=True)
class UnitPage:
    items: list[UnitView]
    total: int


@dataclass(frozen=True, slots=True)
class UnitMemberRow:
    account_no: str
    name: str
    status: str
    status_label: str
    wage_base: Money
    unit_monthly: Money
    member_monthly: Money
    paid_up_to: str | None
    opened_on: date


@dataclass(frozen=True, slots=True)
class UnitMembersPage:
    unit_account_no: str
    items: list[UnitMemberRow]
    total: int


def _view(
    r: UnitRecord,
    *,
    counts: dict[str, int] | None = None,
    balance: Money | None = None,
    case_no: str | None = None,
) -> UnitView:
    return UnitView(
        unit_account_no=r.unit_account_no,
        name=r.name,
        credit_code=r.credit_code,
        economic_type=r.economic_type,
        economic_type_label=codes.ECONOMIC_TYPES.get(r.economic_type, r.economic_type),
        industry=r.industry,
        industry_label=codes.industry_label(r.industry),
        subordination=r.subordination,
        address=r.address,
        postcode=r.postcode,
        email=r.email,
        legal_rep_name=r.legal_rep_name,
        handler_name=r.handler_name,
        handler_phone_masked=mask_phone(r.handler_phone) if r.handler_phone else None,
        bank_code=r.bank_code,
        bank_name=r.bank_name,
        collection_account_no=r.collection_account_no,
        branch_code=r.branch_code,
        branch_name=r.branch_name,
        unit_ratio=r.unit_ratio,
        member_ratio=r.member_ratio,
        payday=r.payday,
        status=r.status,
        status_label=UNIT_STATUS_LABELS.get(r.status, r.status),
        established_on=r.established_on,
        opened_on=r.opened_on,
        closed_on=r.closed_on,
        close_reason=r.close_reason,
        paid_up_to=r.paid_up_to,
        suspense_account_no=r.suspense_account_no,
        suspense_balance=balance,
        member_counts=dict(counts or {}),
        created_at=r.created_at,
        updated_at=r.updated_at,
        case_no=case_no,
    )


def _full_view(uow: UnitOfWork, r: UnitRecord, case_no: str | None = None) -> UnitView:
    balance = uow.ledger.balance(r.suspense_account_no) if r.suspense_account_no else None
    return _view(r, counts=uow.units.member_counts(r.id), balance=balance, case_no=case_no)


# --- look-ups shared with members ---------------------------------------------------------------


def load_unit(uow: UnitOfWork, actor: Actor, unit_account_no: str, *, for_update: bool = False) -> UnitRecord:
    """The unit, if the actor's branch scope covers it (403 outside_branch_scope otherwise)."""
    record = uow.units.get(unit_account_no.strip(), for_update=for_update)
    # Another unit is "not found" to a unit's hall account: it cannot even learn it exists.
    if record is None or not actor.can_access_unit(record.id):
        raise c.CollectionNotFound("not_found", what=f"单位 {unit_account_no.strip()[:20]}")
    actor.require_branch(record.branch_id)
    return record


def _branch(uow: UnitOfWork, actor: Actor, branch_code: str | None) -> BranchRecord:
    code = (branch_code or "").strip()
    if code:
        found = uow.org.branch_by_code(code)
        if found is None or found.status != "active":
            raise c.CollectionNotFound("not_found", what=f"管理部 {code[:20]}")
    else:
        if actor.branch_id is None:
            raise c.CollectionRuleViolation("required_field", field="管理部")
        found = uow.org.branch_by_id(actor.branch_id)
        if found is None:
            raise c.CollectionNotFound("not_found", what="管理部")
    actor.require_branch(found.id)
    return found


def _bank_and_account(
    uow: UnitOfWork, bank_code: str, account_no: str | None, branch_id: int
) -> tuple[EntrustedBankRecord, CentreBankAccountRecord]:
    code = bank_code.strip()
    bank = uow.org.bank_by_code(code)
    if bank is None or bank.status != "active":
        raise c.CollectionNotFound("not_found", what=f"受托银行 {code[:10]}")
    candidates = [
        a
        for a in uow.org.list_centre_bank_accounts()
        if a.bank_id == bank.id and a.purpose == "collection" and a.status == "active"
    ]
    wanted = (account_no or "").strip()
    if wanted:
        for account in candidates:
            if account.account_no == wanted:
                return bank, account
        raise c.CollectionRuleViolation("collection_account_mismatch", account_no=wanted[:30], bank_code=code)
    if not candidates:
        raise c.CollectionRuleViolation("collection_account_missing", bank_code=code)
    # Prefer the branch's own account, then a centre-wide one.
    candidates.sort(key=lambda a: (a.branch_id != branch_id, a.branch_id is not None, a.account_no))
    return bank, candidates[0]


# --- commands -----------------------------------------------------------------------------------


def register_unit(uow: UnitOfWork, actor: Actor, reg: UnitRegistration) -> UnitView:
    """缴存登记 and 单位开户: validate, store, open the 21901 suspense sub-account, record the case."""
    actor.require(Permission.COLLECTION_MANAGE)
    now_ = c.today(uow)
    name = c.required(reg.name, "单位名称", 200)
    credit_code = validate_credit_code(reg.credit_code)
    economic_type = codes.check_economic_type(reg.economic_type)
    industry = codes.check_industry(reg.industry)
    subordination = _FIELD_RULES["subordination"](reg.subordination or "")
    check_ratios(now_.policy, unit_ratio=reg.unit_ratio, member_ratio=reg.member_ratio)
    check_payday(reg.payday)
    branch = _branch(uow, actor, reg.branch_code)
    bank, account = _bank_and_account(uow, reg.bank_code, reg.collection_account_no, branch.id)
    existing = uow.units.by_credit_code(credit_code)
    if existing is not None:
        raise c.CollectionConflict(
            "credit_code_exists", credit_code=credit_code, unit_account_no=existing.unit_account_no
        )
    unit_account_no = uow.units.next_unit_account_no()
    unit_id = uow.units.insert(
        NewUnit(
            unit_account_no=unit_account_no,
            name=name,
            credit_code=credit_code,
            economic_type=economic_type,
            industry=industry,
            subordination=subordination,
            address=c.required(reg.address, "单位地址", 200),
            postcode=c.postcode(reg.postcode),
            email=c.email(reg.email),
            legal_rep_name=c.optional(reg.legal_rep_name, "法定代表人姓名", 60),
            handler_name=c.required(reg.handler_name, "经办人姓名", 60),
            handler_phone=validate_phone(reg.handler_phone),
            bank_id=bank.id,
            collection_account_id=account.id,
            branch_id=branch.id,
            unit_ratio=reg.unit_ratio,
            member_ratio=reg.member_ratio,
            payday=reg.payday,
            status=UnitStatus.NORMAL,
            established_on=reg.established_on,
            opened_on=now_.day,
        ),
        uow.now_utc(),
    )
    if unit_id is None:  # registered meanwhile by another counter
        raise c.CollectionConflict("credit_code_exists", credit_code=credit_code, unit_account_no="—")
    suspense_no = open_subledger_account(
        uow,
        UNIT_SUSPENSE_ACCOUNT,
        owner_type="unit",
        owner_id=unit_id,
        branch_id=branch.id,
        opened_on=now_.day,
    )
    uow.units.update(unit_id, {"suspense_account_no": suspense_no}, uow.now_utc())
    case = record_counter_case(
        uow,
        actor,
        kind="unit_register",
        subject_type="unit",
        subject_ref=unit_account_no,
        summary=f"单位缴存登记并开户：{name}",
        applicant=name[:120],
        branch_id=branch.id,
    )
    uow.audit.append(
        AuditEvent.by(
            actor,
            "unit.register",
            "unit",
            unit_account_no,
            details={
                "credit_code": credit_code,
                "branch": branch.code,
                "bank": bank.code,
                "unit_ratio": str(reg.unit_ratio),
                "member_ratio": str(reg.member_ratio),
                "case_no": case.case_no,
            },
        )
    )
    record = uow.units.get(unit_account_no)
    assert record is not None
    return _full_view(uow, record, case.case_no)


def change_unit(uow: UnitOfWork, actor: Actor, unit_account_no: str, changes: UnitChanges) -> UnitView:
    """单位信息变更: audited with before and after of every changed field (phone: changed only).

    A ratio change re-prices every active member's stored monthly parts in the same transaction.
    """
    actor.require(Permission.COLLECTION_MANAGE)
    unit = load_unit(uow, actor, unit_account_no, for_update=True)
    unit_transition(unit.status, "change")
    now_ = c.today(uow)
    values = _changed_values(uow, unit, changes)
    unit_ratio = values.get("unit_ratio", unit.unit_ratio)
    member_ratio = values.get("member_ratio", unit.member_ratio)
    if "unit_ratio" in values or "member_ratio" in values:
        check_ratios(now_.policy, unit_ratio=unit_ratio, member_ratio=member_ratio)
    if not values:
        raise c.CollectionRuleViolation("unit_change_empty")
    details: dict[str, AuditValue] = {}
    for key, after in values.items():
        if key == "handler_phone":
            details["handler_phone"] = "changed"
            continue
        before = getattr(unit, key, None)
        details[f"{key}.before"] = _audit_value(before)
        details[f"{key}.after"] = _audit_value(after)
    now = uow.now_utc()
    uow.units.update(unit.id, values, now)
    repriced = 0
    if "unit_ratio" in values or "member_ratio" in values:
        repriced = _reprice_members(
            uow,
            unit_id=unit.id,
            policy=now_.policy,
            unit_ratio=unit_ratio,
            member_ratio=member_ratio,
            now=now,
        )
        details["members_repriced"] = repriced
    case = record_counter_case(
        uow,
        actor,
        kind="unit_change",
        subject_type="unit",
        subject_ref=unit.unit_account_no,
        summary=f"单位信息变更：{'、'.join(sorted(k for k in values))}"[:400],
        applicant=unit.name[:120],
        branch_id=unit.branch_id,
    )
    details["case_no"] = case.case_no
    uow.audit.append(AuditEvent.by(actor, "unit.change", "unit", unit.unit_account_no, details=details))
    record = uow.units.get(unit.unit_account_no)
    assert record is not None
    return _full_view(uow, record, case.case_no)


def _audit_value(value: object) -> AuditValue:
    if value is None or isinstance(value, str | int | bool):
        return value
    return str(value)


_FIELD_RULES: Final[dict[str, Callable[[str], Any]]] = {
    "name": lambda v: c.required(v, "单位名称", 200),
    "economic_type": codes.check_economic_type,
    "industry": codes.check_industry,
    "subordination": lambda v: codes.check_subordination(v) if v.strip() else None,
    "address": lambda v: c.required(v, "单位地址", 200),
    "postcode": c.postcode,
    "email": c.email,
    "legal_rep_name": lambda v: c.optional(v, "法定代表人姓名", 60),
    "handler_name": lambda v: c.required(v, "经办人姓名", 60),
    "handler_phone": validate_phone,
}


def _changed_values(uow: UnitOfWork, unit: UnitRecord, ch: UnitChanges) -> dict[str, Any]:
    """The fields whose new value differs from the stored one, validated."""
    proposed: dict[str, Any] = {}
    for key, rule in _FIELD_RULES.items():
        value = getattr(ch, key)
        if value is not None:
            proposed[key] = rule(value)
    if ch.payday is not None:
        check_payday(ch.payday)
        proposed["payday"] = ch.payday
    for key in ("unit_ratio", "member_ratio", "established_on"):
        if getattr(ch, key) is not None:
            proposed[key] = getattr(ch, key)
    if ch.bank_code is not None or ch.collection_account_no is not None:
        bank, account = _bank_and_account(
            uow, ch.bank_code or unit.bank_code, ch.collection_account_no, unit.branch_id
        )
        proposed["bank_id"] = bank.id
        proposed["collection_account_id"] = account.id
    return {key: value for key, value in proposed.items() if getattr(unit, key, object()) != value}


def _reprice_members(
    uow: UnitOfWork,
    *,
    unit_id: int,
    policy: ContributionPolicy,
    unit_ratio: Rate,
    member_ratio: Rate,
    now: datetime,
) -> int:
    """New ratios apply to every account in the unit that contributes (01, 06): parts recomputed."""
    done = 0
    offset = 0
    while True:
        accounts = uow.members.accounts_of_unit(unit_id, statuses=MEMBER_ACTIVE, limit=_BATCH, offset=offset)
        if not accounts:
            return done
        parts = []
        for a in accounts:
            p = contribution_parts(policy, a.wage_base, unit_ratio=unit_ratio, member_ratio=member_ratio)
            parts.append((a.id, p.unit_part, p.member_part))
        uow.members.set_parts(parts, now)
        done += len(parts)
        offset += _BATCH


def seal_unit(uow: UnitOfWork, actor: Actor, unit_account_no: str, reason: str = "") -> UnitView:
    """单位封存 (05): the unit stops contributing; its normal member accounts are sealed with it.

    Refused while any of its accounts is frozen: a frozen account cannot be sealed.
    """
    actor.require(Permission.COLLECTION_MANAGE)
    unit = load_unit(uow, actor, unit_account_no, for_update=True)
    new_status = unit_transition(unit.status, "seal")
    frozen = uow.units.member_counts(unit.id).get(MemberStatus.FROZEN, 0)
    if frozen:
        raise c.CollectionRuleViolation("unit_has_frozen_members", count=frozen)
    day = c.today(uow).day
    now = uow.now_utc()
    sealed = uow.members.seal_unit_members(unit.id, day, now)
    uow.units.update(unit.id, {"status": new_status}, now)
    return _status_case(
        uow,
        actor,
        unit=unit,
        kind="unit_seal",
        label="单位封存",
        reason=reason,
        details={"members_sealed": sealed},
    )


def resume_unit(uow: UnitOfWork, actor: Actor, unit_account_no: str, reason: str = "") -> UnitView:
    """单位启封 (05 → 01). Its members come back one by one (启封 into the unit) as they rejoin."""
    actor.require(Permission.COLLECTION_MANAGE)
    unit = load_unit(uow, actor, unit_account_no, for_update=True)
    new_status = unit_transition(unit.status, "resume")
    uow.units.update(unit.id, {"status": new_status}, uow.now_utc())
    return _status_case(
        uow, actor, unit=unit, kind="unit_resume", label="单位启封", reason=reason, details={}
    )


def cancel_unit(uow: UnitOfWork, actor: Actor, unit_account_no: str, close_reason: str) -> UnitView:
    """单位销户 (04): only with no normal or frozen member left, an empty suspense account and no
    confirmed roster still unpaid. Closes the suspense sub-account too."""
    actor.require(Permission.COLLECTION_MANAGE)
    reason_code = codes.check_unit_close_reason(close_reason)
    unit = load_unit(uow, actor, unit_account_no, for_update=True)
    new_status = unit_transition(unit.status, "cancel")
    counts = uow.units.member_counts(unit.id)
    active = sum(n for status, n in counts.items() if status in MEMBER_ACTIVE)
    if active:
        raise c.CollectionRuleViolation("unit_has_active_members", count=active)
    balance = uow.ledger.balance(unit.suspense_account_no)
    if not balance.is_zero:
        raise c.CollectionRuleViolation("unit_suspense_not_zero", balance=str(balance))
    unpaid = uow.units.unpaid_confirmed_rosters(unit.id)
    if unpaid:
        raise c.CollectionRuleViolation("unit_has_unpaid_rosters", count=unpaid)
    day = c.today(uow).day
    uow.units.update(
        unit.id, {"status": new_status, "closed_on": day, "close_reason": reason_code}, uow.now_utc()
    )
    uow.ledger.close_account(unit.suspense_account_no, day)
    label = codes.UNIT_CLOSE_REASONS[reason_code]
    return _status_case(
        uow,
        actor,
        unit=unit,
        kind="unit_cancel",
        label="单位销户",
        reason=label,
        details={"close_reason": reason_code},
    )


def _status_case(
    uow: UnitOfWork,
    actor: Actor,
    *,
    unit: UnitRecord,
    kind: str,
    label: str,
    reason: str,
    details: dict[str, AuditValue],
) -> UnitView:
    why = (reason or "").strip()[:200] or None
    case = record_counter_case(
        uow,
        actor,
        kind=kind,
        subject_type="unit",
        subject_ref=unit.unit_account_no,
        summary=f"{label}：{unit.name}" + (f"（{why}）" if why else ""),
        applicant=unit.name[:120],
        branch_id=unit.branch_id,
    )
    record = uow.units.get(unit.unit_account_no)
    assert record is not None
    uow.audit.append(
        AuditEvent.by(
            actor,
            f"unit.{kind.removeprefix('unit_')}",
            "unit",
            unit.unit_account_no,
            reason=why,
            details={"from": unit.status, "to": record.status, "case_no": case.case_no, **details},
        )
    )
    return _full_view(uow, record, case.case_no)


# --- queries ------------------------------------------------------------------------------------


def get_unit(uow: UnitOfWork, actor: Actor, unit_account_no: str) -> UnitView:
    actor.require(Permission.COLLECTION_VIEW)
    return _full_view(uow, load_unit(uow, actor, unit_account_no))


def list_units(
    uow: UnitOfWork,
    actor: Actor,
    *,
    text: str | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> UnitPage:
    """Units of the actor's branch (every branch for centre-wide staff), by number, code or name."""
    actor.require(Permission.COLLECTION_VIEW)
    actor.require_staff_search()
    scope = None if actor.all_branches else actor.branch_id
    query = (text or "").strip()[:100] or None
    limit = max(1, min(limit, MAX_PAGE))
    records = uow.units.search(branch_id=scope, text=query, status=status or None, limit=limit, offset=offset)
    total = uow.units.count(branch_id=scope, text=query, status=status or None)
    return UnitPage(items=[_view(r) for r in records], total=total)


def unit_members(
    uow: UnitOfWork,
    actor: Actor,
    unit_account_no: str,
    *,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> UnitMembersPage:
    """The unit's member accounts (current, and sealed ones it was their last unit), paged."""
    actor.require(Permission.COLLECTION_VIEW)
    unit = load_unit(uow, actor, unit_account_no)
    statuses = frozenset({status}) if status else None
    limit = max(1, min(limit, MAX_PAGE))
    accounts = uow.members.accounts_of_unit(unit.id, statuses=statuses, limit=limit, offset=offset)
    rows = [
        UnitMemberRow(
            account_no=a.account_no,
            name=a.person.name,
            status=a.status,
            status_label=MEMBER_STATUS_LABELS.get(a.status, a.status),
            wage_base=a.wage_base,
            unit_monthly=a.unit_monthly,
            member_monthly=a.member_monthly,
            paid_up_to=a.paid_up_to,
            opened_on=a.opened_on,
        )
        for a in accounts
    ]
    total = uow.members.count_accounts_of_unit(unit.id, statuses=statuses)
    return UnitMembersPage(unit_account_no=unit.unit_account_no, items=rows, total=total)
