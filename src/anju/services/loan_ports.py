"""Ports of Housing loans (个人住房贷款): developers, projects, applications, contracts, loan accounts.

Kept apart from services/ports.py (imported there for the unit of work) so that each feature's
records and repository Protocol live together. Services never import SQLAlchemy.

One `loan` row follows the request from application (受理) to settlement (结清): the case carries
the maker-checker workflow, the loan row carries what was asked, decided, contracted, registered
and disbursed, and after disbursement its ledger account (贷款分户, under 121) holds the balance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from anju.money import Money, Rate


@dataclass(frozen=True, slots=True)
class DeveloperRecord:
    """开发商, admitted for cooperation (准入) with its guarantee terms."""

    id: int
    code: str
    name: str
    credit_code: str
    status: str  # admitted | suspended
    guarantee_terms: str
    branch_id: int | None
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ProjectRecord:
    """楼盘 with its permits (预售许可证, 建设工程规划许可证, 施工许可证, 土地使用证)."""

    id: int
    developer_id: int
    name: str
    address: str
    presale_permit: str
    planning_permit: str
    construction_permit: str
    land_use_permit: str
    guarantee_terms: str
    status: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class BuildingRecord:
    id: int
    project_id: int
    name: str
    status: str


@dataclass(frozen=True, slots=True)
class LoanRecord:
    """A loan from application to settlement (see the module docstring)."""

    id: int
    loan_no: str
    case_no: str
    state: str
    branch_id: int | None
    borrower_account_no: str
    borrower_member_id: int
    co_borrower_account_no: str | None
    co_borrower_member_id: int | None
    house_kind: str  # new | second_hand
    project_id: int | None
    building_id: int | None
    house_address: str
    house_price: Money
    appraisal: Money | None
    down_payment: Money
    amount: Money
    term_months: int
    method: str  # RepaymentMethod value
    first_home: bool
    annual_rate: Rate
    limit: Money
    decision: Mapping[str, Any]  # the figures, checks and their sources, as shown to staff
    seller_name: str
    seller_account_no: str
    seller_bank_code: str
    repayment_account_no: str  # the borrower's bank account for the monthly deduction
    offset_agreement: bool  # 冲还贷: repay from the borrower's / spouse's fund accounts
    commercial_bank: str | None
    commercial_amount: Money | None
    commercial_rate: Rate | None
    commercial_term_months: int | None
    contract_no: str | None
    contract_signed_on: date | None
    mortgage_no: str | None
    mortgage_registered_on: date | None
    certificates: str | None  # 权证: what is held in custody
    ledger_account_no: str | None
    overdue_account_no: str | None  # 逾期贷款分户 under 122, opened at the first overdue transfer
    disbursement_e2e_id: str | None
    disbursed_on: date | None
    repayment_day: int | None
    level: Money | None  # the schedule's level in force (月供, or the principal part)
    risk_tier: str
    days_past_due: int
    settled_on: date | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    override_tier: str | None = None  # 人工调整的五级分类 in force (only ever worse)
    override_reason: str | None = None
    application_signature: str | None = None  # SM2 over the canonical application (K5)
    signature_key_id: str | None = None


@dataclass(frozen=True, slots=True)
class InstalmentRecord:
    """One stored row of the schedule in force, with what has been received against it."""

    loan_id: int
    instalment_no: int
    due_date: date
    annual_rate: Rate
    opening_balance: Money
    principal: Money
    interest: Money
    closing_balance: Money
    interest_days: int | None
    paid_principal: Money
    paid_interest: Money
    paid_penalty: Money
    settled_on: date | None
    overdue: Money = Money.ZERO  # unpaid principal transferred to 122 (逾期转列)
    # 罚息 of the closed accrual periods (each period ends when a payment changes what is owed)
    # and the day the open period starts: see services/loan_repayments.penalty_to.
    penalty_accrued: Money = Money.ZERO
    penalty_accrued_to: date | None = None

    @property
    def owed_principal(self) -> Money:
        return self.principal - self.paid_principal

    @property
    def owed_interest(self) -> Money:
        return self.interest - self.paid_interest


@dataclass(frozen=True, slots=True)
class LoanTxnRecord:
    """贷款业务明细 (rules.md §5.12): one event on the loan with its amounts and voucher."""

    id: int
    loan_id: int
    txn_type: str  # 01 disbursement, 02 repayment, 03 prepayment, 04 overdue, 05 fund, 06 settle ...
    business_date: date
    amount: Money
    principal: Money
    interest: Money
    penalty: Money
    voucher_no: str | None
    source_ref: str
    memo: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DueLoan:
    """A loan with something due on or before a day (the batch deduction's input row)."""

    loan_id: int
    loan_no: str
    repayment_account_no: str
    borrower_member_id: int
    owed: Money  # principal + interest due and unpaid up to the day


@dataclass(frozen=True, slots=True)
class ClassificationChangeRecord:
    """A request to set (tier) or lift (tier None) a manual five-tier override (maker-checker)."""

    id: int
    loan_id: int
    tier: str | None
    reason: str
    state: str  # pending | approved | refused
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None


@dataclass(frozen=True, slots=True)
class TermChangeRecord:
    """展期 (07) / 缩期 (08): the remaining instalments before and after, decided as a case."""

    id: int
    loan_id: int
    case_no: str
    txn_type: str
    remaining_before: int
    remaining_after: int
    reason: str
    state: str  # pending | executed | cancelled
    requested_by: str
    requested_at: datetime
    executed_on: date | None


@dataclass(frozen=True, slots=True)
class LitigationRecord:
    """诉讼记录 of a loan."""

    id: int
    loan_id: int
    filed_on: date
    court: str
    case_number: str
    status: str
    claim: Money
    awarded: Money | None
    recovered: Money
    note: str
    created_by: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class SigningKeyRecord:
    """The centre's SM2 key pair for signing loan applications; the private key encrypted."""

    key_id: str
    public_hex: str
    private_enc: bytes
    status: str


@dataclass(frozen=True, slots=True)
class ReminderDue:
    """An instalment to remind about on a day (before its due date, or overdue)."""

    loan_id: int
    loan_no: str
    instalment_no: int
    due_date: date
    borrower_account_no: str
    owed: Money


class LoanServicingRepository(Protocol):
    """贷后管理: implemented by adapters/db/repositories/loan_servicing.py (part of `uow.loans`)."""

    def overdue_instalments(self, loan_ids: Sequence[int], day: date) -> list[InstalmentRecord]:
        """Unsettled instalments due before `day` of these loans, by loan and number."""
        ...

    def close_penalty_periods(self, loan_id: int, rows: Sequence[tuple[int, Money, date]]) -> None:
        """(instalment no, penalty accrued in total, day): the accrual period ends on `day`."""
        ...

    def insert_classification_change(self, values: Mapping[str, Any]) -> int: ...

    def classification_changes(self, loan_id: int) -> list[ClassificationChangeRecord]:
        """Newest first."""
        ...

    def decide_classification_change(self, change_id: int, values: Mapping[str, Any]) -> bool:
        """Set the decision on a pending request; False if it was no longer pending."""
        ...

    def insert_term_change(self, values: Mapping[str, Any]) -> int: ...

    def term_changes(self, loan_id: int) -> list[TermChangeRecord]:
        """Newest first."""
        ...

    def set_term_change_state(self, change_id: int, state: str, executed_on: date | None) -> None: ...

    def reminders_due(self, loan_ids: Sequence[int], day: date, *, before_days: int) -> list[ReminderDue]:
        """These active loans' unsettled instalments due in `before_days` days or overdue on
        `day`, with no reminder recorded for that instalment on that day."""
        ...

    def record_reminder(self, values: Mapping[str, Any]) -> bool:
        """False when this instalment was already reminded that day (no duplicate SMS)."""
        ...

    def reminders(self, loan_id: int) -> list[tuple[int, date, str]]:
        """(instalment no, day, kind), newest first."""
        ...

    def insert_litigation(self, values: Mapping[str, Any]) -> int | None:
        """None when the loan already has a record with that case number."""
        ...

    def update_litigation(self, litigation_id: int, loan_id: int, values: Mapping[str, Any]) -> bool: ...

    def litigations(self, loan_id: int) -> list[LitigationRecord]: ...

    def signing_key(self, key_id: str | None = None) -> SigningKeyRecord | None:
        """The key with that id, or the active one."""
        ...

    def insert_signing_key(self, values: Mapping[str, Any]) -> None: ...


class LoanRepository(LoanServicingRepository, Protocol):
    """Implemented by adapters/db/repositories/loans.py."""

    # --- developers, projects, buildings (准入) ---
    def insert_developer(self, values: Mapping[str, Any]) -> int | None:
        """The new id, or None when the code is taken."""
        ...

    def developer(self, code: str) -> DeveloperRecord | None: ...

    def developer_by_id(self, developer_id: int) -> DeveloperRecord | None: ...

    def list_developers(self, *, limit: int, offset: int) -> list[DeveloperRecord]: ...

    def update_developer(self, developer_id: int, values: Mapping[str, Any]) -> None: ...

    def insert_project(self, values: Mapping[str, Any]) -> int: ...

    def project(self, project_id: int) -> ProjectRecord | None: ...

    def projects_of(self, developer_id: int) -> list[ProjectRecord]: ...

    def insert_building(self, values: Mapping[str, Any]) -> int | None:
        """None when the project already has a building of that name."""
        ...

    def building(self, building_id: int) -> BuildingRecord | None: ...

    def buildings_of(self, project_id: int) -> list[BuildingRecord]: ...

    # --- loans ---
    def claim_parties(self, loan_id: int, parties: Sequence[tuple[int, str]]) -> bool:
        """Mark the persons (member id, role) as in an active loan. False, and nothing claimed,
        when one of them already is: a partial unique index decides, not a prior read (C4)."""
        ...

    def release_parties(self, loan_id: int) -> None: ...

    def has_active_loan(self, member_ids: Sequence[int]) -> bool: ...

    def has_overdue_loan(self, member_id: int) -> bool:
        """The person borrows or co-borrows a loan that is past due."""
        ...

    def count_loans_of(self, member_ids: Sequence[int]) -> int:
        """Loans ever disbursed to these persons as borrower or co-borrower (家庭贷款次数)."""
        ...

    def insert_loan(self, values: Mapping[str, Any]) -> LoanRecord: ...

    def loan(self, loan_no: str, *, for_update: bool = False) -> LoanRecord | None: ...

    def loan_by_account(self, ledger_account_no: str) -> LoanRecord | None: ...

    def update_loan(self, loan_id: int, values: Mapping[str, Any], now: datetime) -> None: ...

    def search(
        self, *, branch_id: int | None, state: str | None, limit: int, offset: int
    ) -> list[LoanRecord]: ...

    def replace_instalments(self, loan_id: int, from_no: int, rows: Sequence[Mapping[str, Any]]) -> None:
        """Delete the rows numbered ≥ from_no and insert `rows` (a new schedule from there on)."""
        ...

    def instalments(self, loan_id: int) -> list[InstalmentRecord]: ...

    def record_payments(self, loan_id: int, rows: Sequence[Mapping[str, Any]]) -> None:
        """Add to paid_* of instalments (instalment_no, principal, interest, penalty, settled_on),
        and subtract `from_overdue` from the principal held in 122."""
        ...

    def overdue_due(self, loan_ids: Sequence[int], day: date) -> list[tuple[int, int, Money]]:
        """(loan id, instalment no, principal to transfer) of instalments overdue on `day` whose
        unpaid principal is not yet all in 122."""
        ...

    def add_overdue(self, loan_id: int, rows: Sequence[tuple[int, Money]]) -> None: ...

    def add_txn(self, values: Mapping[str, Any]) -> bool:
        """False when (loan, source_ref) is already recorded: the event is not booked twice."""
        ...

    def txn_by_ref(self, loan_id: int, source_ref: str) -> LoanTxnRecord | None: ...

    def txns(self, loan_id: int) -> list[LoanTxnRecord]: ...

    def due_loans(
        self, day: date, *, after_id: int, limit: int, until_id: int | None = None
    ) -> list[DueLoan]:
        """Active loans paid by bank deduction with principal or interest due on or before `day`,
        unpaid, by id (keyset pagination), the owed amount summed in SQL."""
        ...

    def offset_loan_ids_due(self, day: date, *, after_id: int, limit: int) -> list[int]:
        """Active loans under a 冲还贷 agreement with an instalment due and unpaid by `day`."""
        ...

    def oldest_unpaid(self, loan_ids: Sequence[int], day: date) -> dict[int, date]:
        """Per loan, the due date of its oldest unpaid instalment due by `day` (none: absent)."""
        ...

    def set_classification(self, rows: Sequence[tuple[int, int, str]], now: datetime) -> None:
        """(loan id, days past due, risk tier) for many loans in one statement."""
        ...

    def loan_nos(self, loan_ids: Sequence[int]) -> list[str]: ...

    def count_active(self) -> int: ...

    def active_loan_ids(self, *, after_id: int, limit: int) -> list[int]: ...
