"""Ports of Withdrawals (提取).

Kept apart from services/ports.py (imported there for the unit of work) so that each feature's
records and repository Protocol live together. Services never import SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, Protocol

from anju.money import Money


class WithdrawalState:
    ACCEPTED: Final = "accepted"  # 受理
    REVIEWED: Final = "reviewed"  # 审核
    APPROVED: Final = "approved"  # 审批 (waiting for a second approver, or about to pay)
    PAYING: Final = "paying"  # handed to the bank: the money has left the member's account
    PAID: Final = "paid"  # 办结: the bank paid
    PAYMENT_FAILED: Final = "payment_failed"  # the bank refused: back to the counter
    REFUSED: Final = "refused"  # 拒绝
    RETURNED: Final = "returned"  # 退回


# Open withdrawals whose amount is still promised out of the balance.
OPEN_STATES: Final = frozenset(
    {
        WithdrawalState.ACCEPTED,
        WithdrawalState.REVIEWED,
        WithdrawalState.APPROVED,
        WithdrawalState.PAYMENT_FAILED,
    }
)
# Withdrawals that count in the history (frequency, once per property).
COUNTED_STATES: Final = frozenset(
    {
        WithdrawalState.ACCEPTED,
        WithdrawalState.REVIEWED,
        WithdrawalState.APPROVED,
        WithdrawalState.PAYING,
        WithdrawalState.PAID,
        WithdrawalState.PAYMENT_FAILED,
    }
)


@dataclass(frozen=True, slots=True)
class WithdrawalRecord:
    id: int
    withdrawal_no: str
    case_no: str
    member_account_no: str
    member_id: int
    ledger_account_no: str
    branch_id: int
    reason_code: str
    standard_code: str
    closes_account: bool
    state: str
    amount: Money
    interest: Money
    limit: Money | None
    payee_name: str
    payee_card: str  # decrypted by the repository
    payee_bank_code: str
    property_ref: str | None
    evidence_json: str
    decision_json: str
    auto_approved: bool
    channel: str
    source: str
    source_ref: str
    agreement_id: int | None
    business_date: date
    paid_on: date | None
    e2e_id: str | None
    attempt: int
    note: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class HistoryRow:
    reason_code: str
    business_date: date
    amount: Money
    property_ref: str | None


@dataclass(frozen=True, slots=True)
class BlacklistRecord:
    member_id: int
    member_account_no: str
    reason: str
    fraud_found_on: date | None
    added_by: str
    added_at: datetime


@dataclass(frozen=True, slots=True)
class AgreementRecord:
    id: int
    agreement_no: str
    member_account_no: str
    member_id: int
    branch_id: int
    reason_code: str
    period_months: int
    amount: Money
    next_due: date
    end_date: date | None
    state: str
    evidence_json: str
    payee_name: str
    payee_card: str
    payee_bank_code: str
    created_by: str


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    id: int
    member_id: int
    scopes: frozenset[str]
    granted_on: date
    expires_on: date
    revoked_at: datetime | None
    document_ref: str


@dataclass(frozen=True, slots=True)
class LookupRecord:
    registry: str
    purpose: str
    outcome: str
    actor: str
    looked_up_at: datetime
    consent_id: int | None


class WithdrawalRepository(Protocol):
    """Implemented by adapters/db/repositories/withdrawals.py. `values` take column names, with
    "payee_card" in plaintext (encrypted by the repository)."""

    def next_withdrawal_no(self) -> str: ...

    def insert(self, values: Mapping[str, Any]) -> WithdrawalRecord | None:
        """The new withdrawal, or None when (source, source_ref) is taken (lost a race)."""
        ...

    def by_source(self, source: str, source_ref: str) -> WithdrawalRecord | None: ...

    def get(self, withdrawal_no: str, *, for_update: bool = False) -> WithdrawalRecord | None: ...

    def by_e2e_id(self, e2e_id: str, *, for_update: bool = False) -> WithdrawalRecord | None: ...

    def update(self, withdrawal_id: int, values: Mapping[str, Any], now: datetime) -> None: ...

    def pending_total(self, member_id: int, *, excluding: int | None = None) -> Money:
        """Σ amount of the person's open withdrawals (OPEN_STATES), optionally without one."""
        ...

    def in_payment_total(self, member_id: int) -> Money:
        """Σ amount of the person's withdrawals handed to the bank and not yet final (PAYING)."""
        ...

    def history(self, member_id: int, *, excluding: int | None = None) -> list[HistoryRow]: ...

    def search(
        self,
        *,
        branch_id: int | None,
        state: str | None,
        member_account_no: str | None,
        limit: int,
        offset: int,
    ) -> list[WithdrawalRecord]: ...

    def count(self, *, branch_id: int | None, state: str | None, member_account_no: str | None) -> int: ...

    # --- blacklist (黑名单) ---
    def blacklist_entry(self, member_id: int) -> BlacklistRecord | None: ...

    def add_blacklist(self, record: BlacklistRecord) -> bool:
        """False when the person is already listed."""
        ...

    def remove_blacklist(self, member_id: int) -> bool: ...

    def blacklist(self, *, limit: int, offset: int) -> list[BlacklistRecord]: ...

    # --- agreements (约定提取) ---
    def next_agreement_no(self) -> str: ...

    def insert_agreement(self, values: Mapping[str, Any]) -> AgreementRecord: ...

    def agreement(self, agreement_no: str, *, for_update: bool = False) -> AgreementRecord | None: ...

    def agreements_of(self, member_id: int) -> list[AgreementRecord]: ...

    def due_agreements(self, day: date, *, after_id: int, limit: int) -> list[AgreementRecord]: ...

    def update_agreement(self, agreement_id: int, values: Mapping[str, Any], now: datetime) -> None: ...

    # --- data sharing (数据共享) ---
    def insert_consent(self, values: Mapping[str, Any]) -> ConsentRecord: ...

    def consents(self, member_id: int) -> list[ConsentRecord]: ...

    def revoke_consent(self, consent_id: int, now: datetime) -> bool: ...

    def add_lookup(self, values: Mapping[str, Any]) -> None: ...

    def lookups(self, member_id: int) -> list[LookupRecord]: ...


# --- data sharing (数据共享): registries the centre may query with the person's authorisation ----


class Registry:
    PROPERTY: Final = "property"  # 不动产登记
    MARRIAGE: Final = "marriage"  # 婚姻登记
    SOCIAL_SECURITY: Final = "social_security"  # 人社（退休、参保）
    MORTGAGE: Final = "mortgage"  # 商业银行住房贷款记录
    CREDIT: Final = "credit"  # 个人征信报告 (credit reference centre): loan review only


REGISTRY_LABELS: Final = {
    Registry.PROPERTY: "不动产登记信息",
    Registry.MARRIAGE: "婚姻登记信息",
    Registry.SOCIAL_SECURITY: "社会保障信息",
    Registry.MORTGAGE: "商业住房贷款信息",
    Registry.CREDIT: "个人征信报告",
}


@dataclass(frozen=True, slots=True)
class PropertyRecord:
    property_ref: str  # 不动产权证号
    registered_on: date
    price: Money
    loan: Money  # the part of the price paid with a loan


@dataclass(frozen=True, slots=True)
class RegistryAnswer:
    """What one registry says about one person (only the registry asked fills its fields)."""

    registry: str
    found: bool
    properties: tuple[PropertyRecord, ...] = ()
    married: bool | None = None
    spouse_resident_id: str | None = None
    retired_on: date | None = None
    mortgage_repaid_12m: Money | None = None
    mortgage_property_ref: str | None = None
    credit_overdue_accounts: int | None = None  # 征信: accounts currently overdue


class DataSharing(Protocol):
    """The data-sharing port (数据共享交换平台): one look-up in one registry for one person.

    Implemented by adapters/datasharing (a deterministic simulator today). The service checks the
    person's authorisation and logs every call; the adapter only answers."""

    def lookup(self, registry: str, resident_id: str) -> RegistryAnswer: ...
