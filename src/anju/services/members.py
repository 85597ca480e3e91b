"""Member accounts (个人账户): opening, personal data, wage base, seal / unseal, in-city transfer,
freeze / unfreeze, merge of duplicates, and look-ups with masking.

One account per person for life (条例第十三条): the person is found by the blind index of the
resident ID, and a person who already has a sealed account gets it back in the new unit instead
of a second one. The account's deposit is a sub-ledger account under GL 201 (floor 0); the only
money this module moves is a merge, as one balanced voucher. Every command is a counter case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from anju.domain import codes
from anju.domain.contributions import (
    MEMBER_STATUS_LABELS,
    ContributionParts,
    MemberStatus,
    MergeParty,
    check_merge,
    contribution_parts,
    member_transition,
    unfreeze_target,
    unit_transition,
)
from anju.domain.security import Actor, AuditEvent, AuditValue, Permission
from anju.errors import PermissionDenied
from anju.ids import (
    ResidentId,
    mask_bank_card,
    mask_name,
    mask_phone,
    mask_resident_id,
    validate_bank_card,
    validate_phone,
)
from anju.ledger import posting_rules
from anju.ledger.posting_rules import MEMBER_ACCOUNT
from anju.money import Money
from anju.services import collection as c
from anju.services.cases import record_counter_case
from anju.services.ledger import open_subledger_account
from anju.services.ports import (
    MemberAccountRecord,
    NewMemberAccount,
    UnitOfWork,
    UnitRecord,
)
from anju.services.units import load_unit

MAX_PAGE: Final = 500
GENDER_CODES: Final = {"male": "1", "female": "2"}
MAX_DOCUMENT: Final = 100


# --- inputs -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemberOpening:
    """个人账户设立: the person, the unit they join and the declared wage (上年月平均工资)."""

    unit_account_no: str
    resident_id: str
    name: str
    wage_base: Money
    phone: str | None = None
    address: str | None = None
    marital_status: str | None = None
    bank_card: str | None = None
    bank_code: str | None = None


@dataclass(frozen=True, slots=True)
class MemberChanges:
    """个人信息变更: None leaves a field alone; "" clears an optional one (not the name)."""

    name: str | None = None
    phone: str | None = None
    address: str | None = None
    marital_status: str | None = None
    bank_card: str | None = None
    bank_code: str | None = None


# --- views --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EmploymentView:
    unit_account_no: str
    unit_name: str
    started_on: date
    ended_on: date | None
    start_event: str
    end_event: str | None


@dataclass(frozen=True, slots=True)
class MemberAccountView:
    """A member account as staff see it. Resident ID, phone and card are masked unless
    `unmasked` (the viewer holds personal_data.unmask and gave a reason, which was audited)."""

    account_no: str
    name: str
    resident_id: str
    gender: str
    gender_label: str
    birth_date: date
    phone: str | None
    address: str | None
    marital_status: str | None
    unit_account_no: str | None
    unit_name: str | None
    status: str
    status_label: str
    status_before_freeze: str | None
    freeze_document: str | None
    wage_base: Money
    unit_monthly: Money
    member_monthly: Money
    opened_on: date
    closed_on: date | None
    close_reason: str | None
    paid_up_to: str | None
    bank_card: str | None
    bank_code: str | None
    ledger_account_no: str
    balance: Money
    unmasked: bool
    employments: tuple[EmploymentView, ...]
    updated_at: datetime
    case_no: str | None = None

    @property
    def monthly_total(self) -> Money:
        return self.unit_monthly + self.member_monthly


@dataclass(frozen=True, slots=True)
class OpenedAccount:
    account: MemberAccountView
    parts: ContributionParts
    reused: bool  # the person's existing (sealed) account was taken back into the new unit
    case_no: str


@dataclass(frozen=True, slots=True)
class MergeResult:
    surviving: MemberAccountView
    duplicate_account_no: str
    moved: Money
    voucher_no: str | None  # None when the duplicate was empty
    case_no: str


@dataclass(frozen=True, slots=True)
class MemberRow:
    account_no: str
    name: str
    resident_id_masked: str
    unit_account_no: str | None
    unit_name: str | None
    status: str
    status_label: str
    wage_base: Money
    paid_up_to: str | None


@dataclass(frozen=True, slots=True)
class MemberPage:
    items: list[MemberRow]
    total: int | None  # None: not counted (a search)


def _view(
    uow: UnitOfWork, a: MemberAccountRecord, *, unmasked: bool = False, case_no: str | None = None
) -> MemberAccountView:
    p = a.person

    def show(value: str, mask: Callable[[str], str]) -> str:
        return value if unmasked else mask(value)

    return MemberAccountView(
        account_no=a.account_no,
        name=p.name,
        resident_id=show(p.resident_id, mask_resident_id),
        gender=p.gender,
        gender_label=codes.GENDERS.get(p.gender, p.gender),
        birth_date=p.birth_date,
        phone=None if p.phone is None else show(p.phone, mask_phone),
        address=p.address,
        marital_status=p.marital_status,
        unit_account_no=a.unit_account_no,
        unit_name=a.unit_name,
        status=a.status,
        status_label=MEMBER_STATUS_LABELS.get(a.status, a.status),
        status_before_freeze=a.status_before_freeze,
        freeze_document=a.freeze_document,
        wage_base=a.wage_base,
        unit_monthly=a.unit_monthly,
        member_monthly=a.member_monthly,
        opened_on=a.opened_on,
        closed_on=a.closed_on,
        close_reason=a.close_reason,
        paid_up_to=a.paid_up_to,
        bank_card=None if a.bank_card is None else show(a.bank_card, mask_bank_card),
        bank_code=a.bank_code,
        ledger_account_no=a.ledger_account_no,
        balance=uow.ledger.balance(a.ledger_account_no),
        unmasked=unmasked,
        employments=tuple(
            EmploymentView(
                unit_account_no=e.unit_account_no,
                unit_name=e.unit_name,
                started_on=e.started_on,
                ended_on=e.ended_on,
                start_event=e.start_event,
                end_event=e.end_event,
            )
            for e in uow.members.employments(a.id)
        ),
        updated_at=a.updated_at,
        case_no=case_no,
    )


def _row(a: MemberAccountRecord) -> MemberRow:
    return MemberRow(
        account_no=a.account_no,
        name=a.person.name,
        resident_id_masked=mask_resident_id(a.person.resident_id),
        unit_account_no=a.unit_account_no,
        unit_name=a.unit_name,
        status=a.status,
        status_label=MEMBER_STATUS_LABELS.get(a.status, a.status),
        wage_base=a.wage_base,
        paid_up_to=a.paid_up_to,
    )


def load_account(
    uow: UnitOfWork, actor: Actor, account_no: str, *, for_update: bool = False
) -> MemberAccountRecord:
    """The member account, if the actor's branch scope covers it."""
    record = uow.members.account(account_no.strip(), for_update=for_update)
    # A unit's hall account sees its own employees only, a depositor their own account only;
    # anyone else is "not found" to them.
    if record is None or not actor.can_access_account(record.member_id, record.unit_id):
        raise c.CollectionNotFound("not_found", what=f"个人账户 {account_no.strip()[:20]}")
    actor.require_branch(record.branch_id)
    return record


def _reload(uow: UnitOfWork, account_no: str) -> MemberAccountRecord:
    record = uow.members.account(account_no)
    assert record is not None  # changed in this transaction
    return record


def _parts(today: c.Today, unit: UnitRecord, declared: Money) -> ContributionParts:
    return contribution_parts(
        today.policy, declared, unit_ratio=unit.unit_ratio, member_ratio=unit.member_ratio
    )


def _parts_values(parts: ContributionParts) -> dict[str, Any]:
    return {
        "wage_base_fen": parts.wage_base.fen,
        "unit_monthly_fen": parts.unit_part.fen,
        "member_monthly_fen": parts.member_part.fen,
    }


def _case(
    uow: UnitOfWork,
    actor: Actor,
    *,
    kind: str,
    account: MemberAccountRecord,
    summary: str,
    branch_id: int,
    amount: Money | None = None,
) -> str:
    return record_counter_case(
        uow,
        actor,
        kind=kind,
        subject_type="member_account",
        subject_ref=account.account_no,
        summary=summary,
        amount=amount,
        applicant=mask_name(account.person.name),
        branch_id=branch_id,
    ).case_no


def _audit(
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    account_no: str,
    *,
    reason: str | None = None,
    details: dict[str, AuditValue],
) -> None:
    # Never a resident ID, phone, card or name in the details (G5): numbers and codes only.
    uow.audit.append(
        AuditEvent.by(actor, f"member.{action}", "member_account", account_no, reason=reason, details=details)
    )


# --- opening ------------------------------------------------------------------------------------


def preview_parts(uow: UnitOfWork, actor: Actor, unit_account_no: str, wage_base: Money) -> ContributionParts:
    """What a wage would give in this unit (the counter shows it before opening)."""
    actor.require(Permission.COLLECTION_VIEW)
    return _parts(c.today(uow), load_unit(uow, actor, unit_account_no), wage_base)


def open_member_account(uow: UnitOfWork, actor: Actor, req: MemberOpening) -> OpenedAccount:
    """个人账户设立 in a unit; reuses the person's sealed account (启封 into the new unit).

    Refused for a person whose account is still normal or frozen in a unit (one account per
    person: the old unit must seal it first, or the clerk transfers it).
    """
    actor.require(Permission.COLLECTION_MANAGE)
    resident_id = ResidentId(req.resident_id)
    name = c.required(req.name, "姓名", 60)
    unit = load_unit(uow, actor, req.unit_account_no, for_update=True)
    unit_transition(unit.status, "add_member")
    today = c.today(uow)
    parts = _parts(today, unit, req.wage_base)
    phone = validate_phone(req.phone) if req.phone and req.phone.strip() else None
    marital = (
        codes.check_marital_status(req.marital_status)
        if req.marital_status and req.marital_status.strip()
        else None
    )
    address = c.optional(req.address, "家庭住址", 200)
    card = validate_bank_card(req.bank_card) if req.bank_card and req.bank_card.strip() else None
    bank = c.bank_code(req.bank_code)
    day = today.day
    now = uow.now_utc()

    person = uow.members.person_by_resident_id(resident_id.reveal())
    if person is None:
        member_id = uow.members.insert_person(
            resident_id=resident_id.reveal(),
            id_type="01",
            name=name,
            gender=GENDER_CODES[resident_id.gender],
            birth_date=resident_id.birth_date,
            phone=phone,
            marital_status=marital,
            address=address,
            now=now,
        )
        if member_id is None:  # another counter registered the same person meanwhile
            person = uow.members.person_by_resident_id(resident_id.reveal())
    else:
        member_id = None
    if person is not None:
        if person.name != name:
            raise c.CollectionRuleViolation("member_name_mismatch")
        member_id = person.id
    assert member_id is not None
    existing = uow.members.account_of_person(member_id, for_update=True)
    if existing is not None:
        return _reuse(uow, actor, existing, unit, parts, day=day, card=card, bank=bank)

    ledger_no = open_subledger_account(
        uow, MEMBER_ACCOUNT, owner_type="member", owner_id=member_id, branch_id=unit.branch_id, opened_on=day
    )
    account_no = uow.members.next_member_account_no()
    account_id = uow.members.insert_account(
        NewMemberAccount(
            account_no=account_no,
            member_id=member_id,
            ledger_account_no=ledger_no,
            unit_id=unit.id,
            branch_id=unit.branch_id,
            status=MemberStatus.NORMAL,
            wage_base=parts.wage_base,
            unit_monthly=parts.unit_part,
            member_monthly=parts.member_part,
            opened_on=day,
            bank_card=card,
            bank_code=bank,
        ),
        now,
    )
    uow.members.start_employment(account_id, unit.id, day, "open")
    record = _reload(uow, account_no)
    case_no = _case(
        uow,
        actor,
        kind="member_open",
        account=record,
        summary=f"个人账户设立：单位 {unit.unit_account_no}",
        branch_id=unit.branch_id,
    )
    _audit(
        uow,
        actor,
        "open",
        account_no,
        details={
            "unit": unit.unit_account_no,
            "wage_base": str(parts.wage_base),
            "clamped": parts.bound,
            "reused": False,
            "case_no": case_no,
        },
    )
    return OpenedAccount(_view(uow, record, case_no=case_no), parts, reused=False, case_no=case_no)


def _reuse(
    uow: UnitOfWork,
    actor: Actor,
    account: MemberAccountRecord,
    unit: UnitRecord,
    parts: ContributionParts,
    *,
    day: date,
    card: str | None,
    bank: str | None,
) -> OpenedAccount:
    """The person already has their one account: take it back if sealed, or reopen it if it was
    closed by a closing withdrawal or a transfer out; refuse otherwise."""
    if account.status in (MemberStatus.NORMAL, MemberStatus.FROZEN):
        raise c.CollectionConflict(
            "member_account_exists",
            account_no=account.account_no,
            status=MEMBER_STATUS_LABELS[account.status],
            unit_account_no=account.unit_account_no or "—",
        )
    if account.status == MemberStatus.CLOSED_MERGED:
        raise c.CollectionConflict("member_account_merged", account_no=account.account_no)
    reopen = account.status in (MemberStatus.CLOSED_WITHDRAWN, MemberStatus.CLOSED_TRANSFERRED)
    new_status = member_transition(account.status, "reopen" if reopen else "unseal")
    values: dict[str, Any] = {
        "status": new_status,
        "unit_id": unit.id,
        "branch_id": unit.branch_id,
        **_parts_values(parts),
    }
    if reopen:
        values.update(closed_on=None, close_reason=None)
        uow.ledger.reopen_account(account.ledger_account_no, day)
    if card is not None:
        values.update(bank_card=card, bank_code=bank)
    uow.members.update_account(account.id, values, uow.now_utc())
    uow.members.start_employment(account.id, unit.id, day, "open" if reopen else "unseal")
    record = _reload(uow, account.account_no)
    case_no = _case(
        uow,
        actor,
        kind="member_open" if reopen else "member_unseal",
        account=record,
        summary=(
            f"重新启用销户账户：在单位 {unit.unit_account_no} 缴存"
            if reopen
            else f"开户时启封原账户：转入单位 {unit.unit_account_no}"
        ),
        branch_id=unit.branch_id,
    )
    _audit(
        uow,
        actor,
        "open",
        account.account_no,
        details={
            "unit": unit.unit_account_no,
            "wage_base": str(parts.wage_base),
            "clamped": parts.bound,
            "reused": True,
            "reopened": reopen,
            "previous_unit": account.unit_account_no,
            "case_no": case_no,
        },
    )
    return OpenedAccount(_view(uow, record, case_no=case_no), parts, reused=True, case_no=case_no)


# --- personal data and wage base -----------------------------------------------------------------


def change_member(
    uow: UnitOfWork, actor: Actor, account_no: str, changes: MemberChanges
) -> MemberAccountView:
    """个人信息变更: name, phone, address, marital status, bank card. The audit names the fields
    changed, never their values (personal data stays out of the log)."""
    actor.require(Permission.COLLECTION_MANAGE)
    account = load_account(uow, actor, account_no, for_update=True)
    member_transition(account.status, "change")
    person_values: dict[str, Any] = {}
    account_values: dict[str, Any] = {}
    p = account.person
    if changes.name is not None:
        person_values["name"] = c.required(changes.name, "姓名", 60)
    if changes.phone is not None:
        person_values["phone"] = validate_phone(changes.phone) if changes.phone.strip() else None
    if changes.address is not None:
        person_values["address"] = c.optional(changes.address, "家庭住址", 200)
    if changes.marital_status is not None:
        person_values["marital_status"] = (
            codes.check_marital_status(changes.marital_status) if changes.marital_status.strip() else None
        )
    if changes.bank_card is not None:
        account_values["bank_card"] = (
            validate_bank_card(changes.bank_card) if changes.bank_card.strip() else None
        )
    if changes.bank_code is not None:
        account_values["bank_code"] = c.bank_code(changes.bank_code)
    person_values = {k: v for k, v in person_values.items() if getattr(p, k) != v}
    account_values = {k: v for k, v in account_values.items() if getattr(account, k) != v}
    if not person_values and not account_values:
        raise c.CollectionRuleViolation("member_change_empty")
    now = uow.now_utc()
    if person_values:
        uow.members.update_person(p.id, person_values, now)
    if account_values:
        uow.members.update_account(account.id, account_values, now)
    fields_changed = ",".join(sorted([*person_values, *account_values]))
    case_no = _case(
        uow,
        actor,
        kind="member_change",
        account=account,
        summary=f"个人信息变更：{fields_changed}",
        branch_id=account.branch_id,
    )
    _audit(uow, actor, "change", account.account_no, details={"fields": fields_changed, "case_no": case_no})
    return _view(uow, _reload(uow, account.account_no), case_no=case_no)


def adjust_wage_base(uow: UnitOfWork, actor: Actor, account_no: str, wage_base: Money) -> MemberAccountView:
    """基数调整: a new declared wage, clamped, parts recomputed with the unit's ratios and stored."""
    actor.require(Permission.COLLECTION_MANAGE)
    account = load_account(uow, actor, account_no, for_update=True)
    member_transition(account.status, "adjust_wage_base")
    unit = _current_unit(uow, account)
    parts = _parts(c.today(uow), unit, wage_base)
    uow.members.update_account(account.id, _parts_values(parts), uow.now_utc())
    case_no = _case(
        uow,
        actor,
        kind="member_wage_base",
        account=account,
        summary=f"缴存基数调整：{account.wage_base} → {parts.wage_base}",
        branch_id=account.branch_id,
    )
    _audit(
        uow,
        actor,
        "adjust_wage_base",
        account.account_no,
        details={
            "before": str(account.wage_base),
            "after": str(parts.wage_base),
            "clamped": parts.bound,
            "case_no": case_no,
        },
    )
    return _view(uow, _reload(uow, account.account_no), case_no=case_no)


def _current_unit(uow: UnitOfWork, account: MemberAccountRecord) -> UnitRecord:
    unit = uow.units.get_by_id(account.unit_id) if account.unit_id is not None else None
    if unit is None:
        raise c.CollectionNotFound("not_found", what="个人账户所在单位")
    return unit


# --- seal, unseal, transfer ----------------------------------------------------------------------


def seal_member(uow: UnitOfWork, actor: Actor, account_no: str, reason: str = "") -> MemberAccountView:
    """封存 (02): the member left the unit; the balance stays and keeps earning interest."""
    actor.require(Permission.COLLECTION_MANAGE)
    account = load_account(uow, actor, account_no, for_update=True)
    new_status = member_transition(account.status, "seal")
    day = c.today(uow).day
    uow.members.update_account(account.id, {"status": new_status}, uow.now_utc())
    uow.members.end_employment(account.id, day, "seal")
    why = (reason or "").strip()[:200] or None
    case_no = _case(
        uow,
        actor,
        kind="member_seal",
        account=account,
        summary=f"个人账户封存：离开单位 {account.unit_account_no}" + (f"（{why}）" if why else ""),
        branch_id=account.branch_id,
    )
    _audit(
        uow,
        actor,
        "seal",
        account.account_no,
        reason=why,
        details={"unit": account.unit_account_no, "case_no": case_no},
    )
    return _view(uow, _reload(uow, account.account_no), case_no=case_no)


def unseal_member(
    uow: UnitOfWork, actor: Actor, account_no: str, unit_account_no: str, wage_base: Money | None = None
) -> MemberAccountView:
    """启封 (02 → 01) into a unit (the last one or a new one); parts from that unit's ratios."""
    actor.require(Permission.COLLECTION_MANAGE)
    account = load_account(uow, actor, account_no, for_update=True)
    new_status = member_transition(account.status, "unseal")
    unit = load_unit(uow, actor, unit_account_no, for_update=True)
    unit_transition(unit.status, "add_member")
    today = c.today(uow)
    parts = _parts(today, unit, wage_base or account.wage_base)
    day = today.day
    values = {"status": new_status, "unit_id": unit.id, "branch_id": unit.branch_id, **_parts_values(parts)}
    uow.members.update_account(account.id, values, uow.now_utc())
    uow.members.start_employment(account.id, unit.id, day, "unseal")
    case_no = _case(
        uow,
        actor,
        kind="member_unseal",
        account=account,
        summary=f"个人账户启封：进入单位 {unit.unit_account_no}",
        branch_id=unit.branch_id,
    )
    _audit(
        uow,
        actor,
        "unseal",
        account.account_no,
        details={"unit": unit.unit_account_no, "wage_base": str(parts.wage_base), "case_no": case_no},
    )
    return _view(uow, _reload(uow, account.account_no), case_no=case_no)


def transfer_member(
    uow: UnitOfWork, actor: Actor, account_no: str, to_unit_account_no: str, wage_base: Money | None = None
) -> MemberAccountView:
    """市内转移: the same account and balance move to another unit of the centre; no money moves.

    Refused for a frozen account (it cannot move until unfrozen) and into the same unit.
    """
    actor.require(Permission.COLLECTION_MANAGE)
    account = load_account(uow, actor, account_no, for_update=True)
    new_status = member_transition(account.status, "transfer")
    unit = load_unit(uow, actor, to_unit_account_no, for_update=True)
    if unit.id == account.unit_id:
        raise c.CollectionRuleViolation("transfer_same_unit")
    unit_transition(unit.status, "add_member")
    today = c.today(uow)
    parts = _parts(today, unit, wage_base or account.wage_base)
    day = today.day
    values = {"status": new_status, "unit_id": unit.id, "branch_id": unit.branch_id, **_parts_values(parts)}
    uow.members.end_employment(account.id, day, "transfer_out")
    uow.members.update_account(account.id, values, uow.now_utc())
    uow.members.start_employment(account.id, unit.id, day, "transfer_in")
    case_no = _case(
        uow,
        actor,
        kind="member_transfer",
        account=account,
        summary=f"市内转移：{account.unit_account_no} → {unit.unit_account_no}",
        branch_id=unit.branch_id,
    )
    _audit(
        uow,
        actor,
        "transfer",
        account.account_no,
        details={"from_unit": account.unit_account_no, "to_unit": unit.unit_account_no, "case_no": case_no},
    )
    return _view(uow, _reload(uow, account.account_no), case_no=case_no)


# --- freeze -------------------------------------------------------------------------------------


def _document(document_no: str) -> str:
    text = (document_no or "").strip()
    if not text:
        raise c.CollectionRuleViolation("freeze_document_required")
    if len(text) > MAX_DOCUMENT:
        raise c.CollectionRuleViolation("text_too_long", field="法律文书号", max=MAX_DOCUMENT)
    return text


def freeze_member(
    uow: UnitOfWork, actor: Actor, account_no: str, document_no: str, reason: str = ""
) -> MemberAccountView:
    """冻结 (06) on a court or other legal document; remembers the status to return to."""
    actor.require(Permission.COLLECTION_MANAGE)
    document = _document(document_no)
    account = load_account(uow, actor, account_no, for_update=True)
    new_status = member_transition(account.status, "freeze")
    values = {"status": new_status, "status_before_freeze": account.status, "freeze_document": document}
    uow.members.update_account(account.id, values, uow.now_utc())
    why = (reason or "").strip()[:200] or None
    case_no = _case(
        uow,
        actor,
        kind="member_freeze",
        account=account,
        summary=f"个人账户冻结：文书 {document}",
        branch_id=account.branch_id,
    )
    _audit(
        uow,
        actor,
        "freeze",
        account.account_no,
        reason=why,
        details={"document": document, "before": account.status, "case_no": case_no},
    )
    return _view(uow, _reload(uow, account.account_no), case_no=case_no)


def unfreeze_member(
    uow: UnitOfWork, actor: Actor, account_no: str, document_no: str, reason: str = ""
) -> MemberAccountView:
    """解冻: back to the status before the freeze, on the releasing document."""
    actor.require(Permission.COLLECTION_MANAGE)
    document = _document(document_no)
    account = load_account(uow, actor, account_no, for_update=True)
    member_transition(account.status, "unfreeze")
    restored = unfreeze_target(account.status_before_freeze)
    values = {"status": restored, "status_before_freeze": None, "freeze_document": None}
    uow.members.update_account(account.id, values, uow.now_utc())
    why = (reason or "").strip()[:200] or None
    case_no = _case(
        uow,
        actor,
        kind="member_unfreeze",
        account=account,
        summary=f"个人账户解冻：文书 {document}（冻结文书 {account.freeze_document}）",
        branch_id=account.branch_id,
    )
    _audit(
        uow,
        actor,
        "unfreeze",
        account.account_no,
        reason=why,
        details={
            "document": document,
            "freeze_document": account.freeze_document,
            "restored": restored,
            "case_no": case_no,
        },
    )
    return _view(uow, _reload(uow, account.account_no), case_no=case_no)


# --- merge --------------------------------------------------------------------------------------


def merge_members(
    uow: UnitOfWork, actor: Actor, duplicate_account_no: str, surviving_account_no: str, reason: str
) -> MergeResult:
    """合并: move a duplicate account's balance to the person's surviving account in one voucher
    (Dr 201 duplicate / Cr 201 surviving) and close the duplicate (03, 合并销户)."""
    actor.require(Permission.COLLECTION_MANAGE)
    why = c.required(reason, "合并原因", 200)
    # Lock both rows in account-number order, so two opposite merges cannot deadlock.
    first, second = sorted((duplicate_account_no.strip(), surviving_account_no.strip()))
    locked = {n: load_account(uow, actor, n, for_update=True) for n in dict.fromkeys((first, second))}
    duplicate = locked[duplicate_account_no.strip()]
    surviving = locked[surviving_account_no.strip()]
    check_merge(_party(duplicate), _party(surviving))
    day = c.today(uow).day
    moved = uow.ledger.balance(duplicate.ledger_account_no)
    voucher_no = None
    if moved.is_positive:
        posted = uow.ledger.post(
            posting_rules.member_merge(
                source_ref=duplicate.account_no,
                duplicate_account_no=duplicate.ledger_account_no,
                surviving_account_no=surviving.ledger_account_no,
                amount=moved,
                business_date=day,
                value_date=day,
                memo=f"个人账户合并：{duplicate.account_no} 并入 {surviving.account_no}",
            ),
            created_by=actor.username,
            branch_id=surviving.branch_id,
        )
        voucher_no = posted.voucher_no
    now = uow.now_utc()
    uow.members.end_employment(duplicate.id, day, "close")
    uow.members.update_account(
        duplicate.id,
        {
            "status": member_transition(duplicate.status, "merge_from"),
            "closed_on": day,
            "close_reason": codes.MEMBER_CLOSE_MERGED,
        },
        now,
    )
    uow.ledger.close_account(duplicate.ledger_account_no, day)
    latest = max(filter(None, (duplicate.paid_up_to, surviving.paid_up_to)), default=None)
    if latest != surviving.paid_up_to:
        uow.members.update_account(surviving.id, {"paid_up_to": latest}, now)
    case_no = _case(
        uow,
        actor,
        kind="member_merge",
        account=surviving,
        summary=f"个人账户合并：{duplicate.account_no} 并入 {surviving.account_no}",
        branch_id=surviving.branch_id,
        amount=moved,
    )
    _audit(
        uow,
        actor,
        "merge",
        surviving.account_no,
        reason=why,
        details={
            "duplicate": duplicate.account_no,
            "moved": str(moved),
            "voucher_no": voucher_no,
            "case_no": case_no,
        },
    )
    view = _view(uow, _reload(uow, surviving.account_no), case_no=case_no)
    return MergeResult(view, duplicate.account_no, moved, voucher_no, case_no)


def _party(a: MemberAccountRecord) -> MergeParty:
    return MergeParty(a.account_no, a.status, a.person.name, a.person.birth_date.isoformat())


# --- look-ups -----------------------------------------------------------------------------------


def get_member_account(uow: UnitOfWork, actor: Actor, account_no: str) -> MemberAccountView:
    """The account with masked personal data (read-only; no audit needed)."""
    actor.require(Permission.COLLECTION_VIEW)
    return _view(uow, load_account(uow, actor, account_no))


def reveal_member_account(uow: UnitOfWork, actor: Actor, account_no: str, reason: str) -> MemberAccountView:
    """The account with full resident ID, phone and card: needs personal_data.unmask and a reason,
    and is audited (who, which account, why) before anything is shown. Run it in a write
    transaction: without its audit row nothing is revealed."""
    actor.require(Permission.COLLECTION_VIEW)
    if not actor.has(Permission.PERSONAL_DATA_UNMASK):
        raise PermissionDenied("permission_denied", permission=Permission.PERSONAL_DATA_UNMASK)
    why = (reason or "").strip()
    if not why:
        raise c.CollectionRuleViolation("unmask_reason_required")
    account = load_account(uow, actor, account_no)
    _audit(
        uow,
        actor,
        "unmask",
        account.account_no,
        reason=why[:200],
        details={"fields": "resident_id,phone,bank_card"},
    )
    return _view(uow, account, unmasked=True)


def find_by_resident_id(uow: UnitOfWork, actor: Actor, resident_id: str) -> MemberAccountView | None:
    """The person's one account, by ID number (blind index), masked; None if they have none."""
    actor.require(Permission.COLLECTION_VIEW)
    actor.require_staff_search()
    person = uow.members.person_by_resident_id(ResidentId(resident_id).reveal())
    if person is None:
        return None
    account = uow.members.account_of_person(person.id)
    if account is None:
        return None
    actor.require_branch(account.branch_id)
    return _view(uow, account)


def search_members(
    uow: UnitOfWork, actor: Actor, text: str, *, limit: int = 50, offset: int = 0
) -> MemberPage:
    """By account number, exact resident ID or name fragment, within the actor's branch scope."""
    actor.require(Permission.COLLECTION_VIEW)
    actor.require_staff_search()
    query = (text or "").strip()[:60]
    if not query:
        return MemberPage(items=[], total=0)
    scope = None if actor.all_branches else actor.branch_id
    limit = max(1, min(limit, MAX_PAGE))
    records = uow.members.search_accounts(branch_id=scope, text=query, limit=limit, offset=offset)
    return MemberPage(items=[_row(r) for r in records], total=None)
