"""The centre, its branches (管理部), entrusted banks (受托银行) and special accounts (专户).

Opening a centre bank account also opens its place in the books, in the same transaction: a new
101xx leaf (住房公积金存款) for a collection, loan or settlement account, or the 102 account
(增值收益存款) for value-added income, which the law keeps apart (条例第二十九条).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Final

from anju.domain.security import Actor, AuditEvent, Permission
from anju.errors import Conflict, NotFound, RuleViolation
from anju.money import Money
from anju.services.ports import (
    BranchRecord,
    CentreBankAccountRecord,
    CentreRecord,
    EntrustedBankRecord,
    UnitOfWork,
)

PURPOSE_LABELS: Final = {
    "collection": "归集户",
    "loan": "贷款户",
    "value_added_income": "增值收益户",
    "settlement": "结算户",
}
VALUE_ADDED_INCOME_GL: Final = "102"  # 增值收益存款: one account in the chart
BANK_DEPOSITS_GL: Final = "101"  # 住房公积金存款: a 101xx leaf per special account

_SIX_DIGITS = re.compile(r"^[0-9]{6}$")
_BRANCH_CODE = re.compile(r"^[0-9A-Z]{1,20}$")
_BANK_CODE = re.compile(r"^[0-9]{3}$")
_NODE_NO = re.compile(r"^[0-9A-Za-z]{0,20}$")
_ACCOUNT_NO = re.compile(r"^[0-9]{6,30}$")


class OrganisationRuleViolation(RuleViolation):
    """Organisation data given by a caller is malformed."""


class OrganisationConflict(Conflict):
    """A code or account number is already taken."""


class OrganisationNotFound(NotFound):
    """A bank or branch named by a caller does not exist."""


# --- views ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CentreView:
    code: str
    name: str
    region_code: str
    address: str
    phone: str


@dataclass(frozen=True, slots=True)
class BranchView:
    id: int  # internal: for operator scopes and foreign keys, never shown or sent to clients
    code: str
    name: str
    address: str
    phone: str
    status: str
    is_head_office: bool


@dataclass(frozen=True, slots=True)
class BankView:
    id: int  # internal
    code: str
    name: str
    node_no: str
    status: str


@dataclass(frozen=True, slots=True)
class CentreBankAccountView:
    account_no: str
    account_name: str
    bank_code: str
    bank_name: str
    branch_code: str | None
    purpose: str
    gl_code: str
    ledger_account_no: str | None
    opened_on: date
    closed_on: date | None
    status: str

    @property
    def purpose_label(self) -> str:
        return PURPOSE_LABELS.get(self.purpose, self.purpose)


def _centre_view(r: CentreRecord) -> CentreView:
    return CentreView(code=r.code, name=r.name, region_code=r.region_code, address=r.address, phone=r.phone)


def _branch_view(r: BranchRecord) -> BranchView:
    return BranchView(
        id=r.id,
        code=r.code,
        name=r.name,
        address=r.address,
        phone=r.phone,
        status=r.status,
        is_head_office=r.is_head_office,
    )


def _bank_view(r: EntrustedBankRecord) -> BankView:
    return BankView(id=r.id, code=r.code, name=r.name, node_no=r.node_no, status=r.status)


def _account_view(r: CentreBankAccountRecord) -> CentreBankAccountView:
    return CentreBankAccountView(
        account_no=r.account_no,
        account_name=r.account_name,
        bank_code=r.bank_code,
        bank_name=r.bank_name,
        branch_code=r.branch_code,
        purpose=r.purpose,
        gl_code=r.gl_code,
        ledger_account_no=r.ledger_account_no,
        opened_on=r.opened_on,
        closed_on=r.closed_on,
        status=r.status,
    )


# --- queries ----------------------------------------------------------------------------------


def get_centre(uow: UnitOfWork) -> CentreView | None:
    """The centre (its name heads every page and receipt); None before it is set."""
    record = uow.org.get_centre()
    return None if record is None else _centre_view(record)


def list_branches(uow: UnitOfWork, actor: Actor | None = None) -> list[BranchView]:
    """Branches, head office first. `actor` None: the system."""
    if actor is not None:
        actor.require(Permission.ORG_VIEW)
    return [_branch_view(r) for r in uow.org.list_branches()]


def list_banks(uow: UnitOfWork, actor: Actor | None = None) -> list[BankView]:
    if actor is not None:
        actor.require(Permission.ORG_VIEW)
    return [_bank_view(r) for r in uow.org.list_banks()]


def list_centre_bank_accounts(uow: UnitOfWork, actor: Actor | None = None) -> list[CentreBankAccountView]:
    if actor is not None:
        actor.require(Permission.ORG_VIEW)
    return [_account_view(r) for r in uow.org.list_centre_bank_accounts()]


# --- commands ---------------------------------------------------------------------------------


def set_centre(
    uow: UnitOfWork,
    actor: Actor,
    code: str,
    name: str,
    *,
    region_code: str | None = None,
    address: str = "",
    phone: str = "",
) -> CentreView:
    """Create or update the one centre row (机构代码 and name as on the founding document)."""
    actor.require(Permission.ORG_MANAGE)
    code = _match(code, _SIX_DIGITS, "中心机构代码")
    region = _match(region_code or code, _SIX_DIGITS, "行政区划代码")
    record = CentreRecord(
        code=code,
        name=_text(name, "中心名称", 100, required=True),
        region_code=region,
        address=_text(address, "地址", 200),
        phone=_text(phone, "电话", 40),
    )
    before = uow.org.get_centre()
    uow.org.save_centre(record)
    uow.audit.append(
        AuditEvent.by(
            actor,
            "org.set_centre",
            "centre",
            code,
            details={"name": record.name, "previous_name": before.name if before else None},
        )
    )
    return _centre_view(record)


def create_branch(
    uow: UnitOfWork,
    actor: Actor,
    code: str,
    name: str,
    *,
    address: str = "",
    phone: str = "",
    is_head_office: bool = False,
) -> BranchView:
    actor.require(Permission.ORG_MANAGE)
    code = _match(code, _BRANCH_CODE, "管理部编码")
    name = _text(name, "管理部名称", 100, required=True)
    if is_head_office:
        existing = uow.org.head_office()
        if existing is not None:
            raise OrganisationConflict("head_office_exists", code=existing.code)
    record = uow.org.add_branch(
        code=code,
        name=name,
        address=_text(address, "地址", 200),
        phone=_text(phone, "电话", 40),
        is_head_office=is_head_office,
    )
    if record is None:
        raise OrganisationConflict("branch_code_exists", code=code)
    uow.audit.append(
        AuditEvent.by(
            actor,
            "org.create_branch",
            "branch",
            code,
            details={"name": name, "is_head_office": is_head_office},
        )
    )
    return _branch_view(record)


def create_bank(uow: UnitOfWork, actor: Actor, code: str, name: str, node_no: str = "") -> BankView:
    """Register an entrusted bank by its CNAPS bank category code (102 ICBC, 105 CCB ...)."""
    actor.require(Permission.ORG_MANAGE)
    code = _match(code, _BANK_CODE, "银行代码")
    name = _text(name, "银行名称", 100, required=True)
    node_no = _match(node_no, _NODE_NO, "结算节点号")
    record = uow.org.add_bank(code=code, name=name, node_no=node_no)
    if record is None:
        raise OrganisationConflict("bank_code_exists", code=code)
    uow.audit.append(
        AuditEvent.by(
            actor, "org.create_bank", "entrusted_bank", code, details={"name": name, "node_no": node_no}
        )
    )
    return _bank_view(record)


def open_centre_bank_account(
    uow: UnitOfWork,
    actor: Actor,
    bank_code: str,
    account_no: str,
    account_name: str,
    *,
    purpose: str,
    branch_code: str | None = None,
    opened_on: date | None = None,
) -> CentreBankAccountView:
    """Record a special account (专户) and open its ledger account in the same transaction.

    Collection, loan and settlement accounts get their own 101xx leaf with a zero floor (the books
    can never show more paid out of a bank account than it holds); the value-added-income account
    is linked to 102. `opened_on` defaults to the current business date. The chart must be
    seeded (`anju init`).
    """
    actor.require(Permission.ORG_MANAGE)
    if purpose not in PURPOSE_LABELS:
        raise OrganisationRuleViolation("bank_account_purpose_invalid", value=purpose[:30])
    account_no = _match(account_no.replace(" ", ""), _ACCOUNT_NO, "专户账号")
    account_name = _text(account_name, "专户名称", 255, required=True)
    bank = uow.org.bank_by_code(bank_code)
    if bank is None:
        raise OrganisationNotFound("not_found", what=f"受托银行 {bank_code[:10]}")
    branch_id: int | None = None
    if branch_code:
        branch = uow.org.branch_by_code(branch_code)
        if branch is None:
            raise OrganisationNotFound("not_found", what=f"管理部 {branch_code[:20]}")
        branch_id = branch.id
    day = opened_on or uow.calendar.business_date()
    if day is None:
        raise OrganisationRuleViolation("required_field", field="开户日期")
    is_vai = purpose == "value_added_income"
    record = uow.org.add_centre_bank_account(
        bank_id=bank.id,
        branch_id=branch_id,
        account_no=account_no,
        account_name=account_name,
        purpose=purpose,
        gl_code=VALUE_ADDED_INCOME_GL if is_vai else BANK_DEPOSITS_GL,
        opened_on=day,
    )
    if record is None:
        raise OrganisationConflict("centre_bank_account_exists", account_no=account_no)
    if is_vai:
        ledger = uow.ledger.single_account(VALUE_ADDED_INCOME_GL)
    else:
        ledger = uow.ledger.add_bank_deposit_account(
            label=f"{bank.name}{PURPOSE_LABELS[purpose]} {account_no}",
            owner_id=record.id,
            branch_id=branch_id,
            opened_on=day,
            floor=Money.ZERO,
        )
    uow.org.link_ledger_account(record.id, gl_code=ledger.gl_code, ledger_account_no=ledger.account_no)
    uow.audit.append(
        AuditEvent.by(
            actor,
            "org.open_centre_bank_account",
            "centre_bank_account",
            account_no,
            details={"bank_code": bank.code, "purpose": purpose, "gl_code": ledger.gl_code},
        )
    )
    linked = uow.org.centre_bank_account_by_no(account_no)
    assert linked is not None  # inserted above in this transaction
    return _account_view(linked)


# --- validation -------------------------------------------------------------------------------


def _match(value: str, pattern: re.Pattern[str], label: str) -> str:
    text = value.strip()
    if not pattern.match(text):
        raise OrganisationRuleViolation("org_code_invalid", what=label, value=text[:40])
    return text


def _text(value: str, label: str, maximum: int, *, required: bool = False) -> str:
    text = value.strip()
    if required and not text:
        raise OrganisationRuleViolation("required_field", field=label)
    if len(text) > maximum:
        raise OrganisationRuleViolation("text_too_long", field=label, max=maximum)
    return text
