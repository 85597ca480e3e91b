"""Ports: what the use cases need from the outside world, as Protocols.

Adapters implement them (adapters/db for the database, adapters/crypto, adapters/bank ...) and
only bootstrap.py wires implementations in. Each feature keeps its repository protocol in its own
section below; services never import SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self

from anju.domain.bank import LedgerMovement, StatementFile
from anju.domain.bank import StatementLine as BankStatementLine
from anju.domain.interest import InterestRates, InterestState
from anju.domain.interest import PostingRules as InterestPostingRules
from anju.domain.security import AuditEvent, AuditValue, ChainVerdict
from anju.ledger.chart import AccountKind, GlAccount
from anju.ledger.entries import VoucherDraft
from anju.ledger.records import (
    LedgerAccount,
    LedgerCheckResult,
    PostedVoucher,
    StatementLine,
    TrialBalanceLine,
)
from anju.money import Money, Rate

if TYPE_CHECKING:  # each feature's ports module imports records from here
    from anju.services.accounting_ports import AccountingRepository
    from anju.services.dashboard_ports import DashboardRepository
    from anju.services.hall_ports import HallRepository
    from anju.services.hall_request_ports import HallRequestRepository
    from anju.services.loan_ports import LoanRepository
    from anju.services.withdrawal_ports import WithdrawalRepository

# ---------------------------------------------------------------------------------------------
# Shared: clock, sequences, idempotency
# ---------------------------------------------------------------------------------------------


class Clock(Protocol):
    def now_utc(self) -> datetime: ...


class SequenceRepository(Protocol):
    def next_value(self, name: str) -> int:
        """The next value of a named per-centre sequence, gap-free within committed work."""
        ...


@dataclass(frozen=True, slots=True)
class IdempotencyClaim:
    """(principal, key) of a command from outside, with a fingerprint of its body."""

    principal: str  # who sent it: "operator:12", "unit:34", "bank:ICBC" — keys are scoped by it
    key: str
    fingerprint: str  # SM3 of the canonical request (method, path, body)


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    body: Mapping[str, Any]


class IdempotencyRepository(Protocol):
    def claim(self, claim: IdempotencyClaim, now: datetime) -> StoredResponse | None:
        """Claim the key in this transaction. None: first time, go on. A response: replay it.

        Raises Conflict("idempotency_key_reused") when the key came with a different body, and
        Conflict("idempotency_in_flight") when the first request has not finished.
        """
        ...

    def complete(self, claim: IdempotencyClaim, response: StoredResponse) -> None: ...


# ---------------------------------------------------------------------------------------------
# The unit of work: one transaction, with every repository bound to it
# ---------------------------------------------------------------------------------------------


class UnitOfWork(Protocol):
    crypto: CryptoProvider
    sequences: SequenceRepository
    idempotency: IdempotencyRepository
    ledger: LedgerRepository
    calendar: CalendarRepository
    audit: AuditRepository
    security: SecurityRepository
    policy: PolicyRepository
    org: OrganisationRepository
    batch: BatchRepository
    interest: InterestRepository
    units: UnitRepository
    members: MemberRepository
    cases: CaseRepository
    remittance: RemittanceRepository
    bank: BankRepository
    sheets: SheetRepository
    documents: DocumentRepository
    withdrawals: WithdrawalRepository
    loans: LoanRepository
    accounting: AccountingRepository
    hall: HallRepository
    hall_requests: HallRequestRepository
    dashboard: DashboardRepository

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def savepoint(self) -> AbstractContextManager[None]:
        """A nested transaction: an exception inside rolls back only what it did."""
        ...

    def now_utc(self) -> datetime:
        """Wall-clock UTC for audit timestamps and sessions (never a business date)."""
        ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> UnitOfWork: ...


# ---------------------------------------------------------------------------------------------
# Ledger and business date (ledger helper's section)
# ---------------------------------------------------------------------------------------------


class LedgerRepository(Protocol):
    """The books: chart, ledger accounts with floors, the one posting path, statements, checks.

    Records and drafts come from anju.ledger (entries, records, chart). Errors: LedgerRuleViolation
    (422: insufficient_balance, unknown_gl_account, ...), LedgerConflict (409:
    duplicate_source_ref, voucher_already_reversed), LedgerNotFound (404).
    """

    def seed_chart(self, opened_on: date | None = None) -> int:
        """Insert the chart (idempotent), GL balances and the single accounts of plain leaves."""
        ...

    def list_chart(self) -> list[GlAccount]: ...

    def add_bank_deposit_account(
        self, *, label: str, owner_id: int, branch_id: int | None, opened_on: date, floor: Money | None = None
    ) -> LedgerAccount:
        """Add the 101xx leaf and its one ledger account for a new centre bank account (专户)."""
        ...

    def open_account(
        self,
        gl_code: str,
        kind: AccountKind,
        *,
        owner_type: str | None,
        owner_id: int | None,
        branch_id: int | None,
        floor: Money | None,
        opened_on: date,
    ) -> str:
        """Open a sub-ledger account (member deposit, unit suspense, loan); returns its account_no."""
        ...

    def get_account(self, account_no: str) -> LedgerAccount: ...

    def single_account(self, gl_code: str) -> LedgerAccount:
        """The one ledger account of a GL leaf without a many-account sub-ledger."""
        ...

    def accounts_of(self, owner_type: str, owner_id: int) -> list[LedgerAccount]: ...

    def balance(self, account_no: str) -> Money: ...

    def close_account(self, account_no: str, closed_on: date) -> None:
        """Close a zero-balance account (raises ledger_account_not_zero otherwise)."""
        ...

    def reopen_account(self, account_no: str, reopened_on: date) -> None:
        """Reopen a closed zero-balance account (raises ledger_account_not_closed otherwise)."""
        ...

    def post(
        self,
        draft: VoucherDraft,
        *,
        created_by: str,
        branch_id: int | None,
        replay_ok: bool = False,
        interest_rules: InterestPostingRules | None = None,
    ) -> PostedVoucher:
        """Post in the caller's transaction. Duplicate (source, source_ref): Conflict, or with
        replay_ok the stored voucher (replayed=True). A broken floor raises insufficient_balance
        and the caller must roll back. Member deposit accounts advance their daily products by
        the draft's value date; `interest_rules` (domain.interest.posting_rules_of(policy)) set
        the debit order and the back-value window, None the reference defaults. Raises
        InterestRuleViolation (value_date_outside_window, interest_settlement_pending)."""
        ...

    def reverse(
        self, voucher_no: str, reason: str, business_date: date, created_by: str, branch_id: int | None = None
    ) -> PostedVoucher:
        """Post the linked reversal; refuses a second reversal and the reversal of a reversal."""
        ...

    def get_voucher(self, voucher_no: str) -> PostedVoucher: ...

    def list_vouchers(
        self,
        limit: int = 50,
        offset: int = 0,
        *,
        business_date: date | None = None,
        source: str | None = None,
        kind: str | None = None,
    ) -> list[PostedVoucher]: ...

    def count_vouchers(self) -> int: ...

    def statement(
        self, account_no: str, *, start: date | None = None, end: date | None = None
    ) -> list[StatementLine]: ...

    def trial_balance(self, as_of: date | None = None) -> list[TrialBalanceLine]: ...

    def check(self) -> LedgerCheckResult:
        """Set-based verification of the ledger invariants (used by check_ledger)."""
        ...


class CalendarRepository(Protocol):
    def business_date(self, *, for_update: bool = False) -> date | None: ...

    def initialise(self, day: date, now: datetime) -> bool:
        """Set the first business date; False if already set."""
        ...

    def advance(self, from_day: date, to_day: date, now: datetime) -> bool:
        """Conditional move of the date; only end of day calls it."""
        ...

    def eod_states(self, day: date) -> dict[str, str]: ...

    def eod_messages(self, day: date) -> dict[str, str | None]: ...

    def claim_eod_step(self, day: date, step: str, now: datetime) -> bool:
        """Mark a step running in this transaction; False when it is already done for `day`."""
        ...

    def finish_eod_step(
        self, day: date, step: str, state: str, message: str | None, now: datetime
    ) -> None: ...

    def record_eod_failure(self, day: date, step: str, message: str, now: datetime) -> None: ...


# ---------------------------------------------------------------------------------------------
# Security: operators, roles, sessions, audit log (security helper's section)
# ---------------------------------------------------------------------------------------------


class CryptoProvider(Protocol):
    """SM2/SM3/SM4/HMAC-SM3 behind one interface (software now, a hardware module later; K1-K7).

    Every key is derived from the master key per purpose; no key ever reaches the database.
    """

    def self_test(self) -> None:
        """Known-answer tests; raises InvariantViolation("crypto_self_test_failed", algorithm=...)."""
        ...

    def sm3(self, data: bytes) -> bytes: ...

    def hmac_sm3(self, purpose: str, data: bytes) -> bytes:
        """HMAC-SM3 under the key of `purpose` ("audit_chain", "blind_index:<kind>", "session")."""
        ...

    def encrypt(self, plaintext: str, *, context: str) -> bytes:
        """SM4-GCM with a random nonce and a key-version byte; `context` is bound as associated data."""
        ...

    def decrypt(self, token: bytes, *, context: str) -> str:
        """Raises InvariantViolation("decryption_failed") on a tampered token or another context."""
        ...

    def blind_index(self, kind: str, value: str) -> str:
        """Hex HMAC-SM3 of a canonical value (resident_id, phone, bank_card) for equality look-ups."""
        ...

    def hash_password(self, password: str) -> str:
        """A "pbkdf2-sm3$<iterations>$<salt hex>$<hash hex>" string with a fresh 16-byte salt."""
        ...

    def verify_password(self, password: str, stored: str) -> bool: ...

    def password_hash_placeholder(self) -> str:
        """A hash to verify against for unknown users, so they cost the same time (A5)."""
        ...

    def random_token(self, nbytes: int = 32) -> str:
        """URL-safe text of `nbytes` random bytes."""
        ...

    def random_bytes(self, nbytes: int) -> bytes: ...

    def sm2_generate_keypair(self) -> tuple[str, str]:
        """(private key hex, public key hex "04" + x + y)."""
        ...

    def derived_sm2_keypair(self, purpose: str) -> tuple[str, str]:
        """A key pair derived from the master key for one purpose (the audit anchor)."""
        ...

    def sm2_sign(self, private_hex: str, data: bytes) -> str: ...

    def sm2_verify(self, public_hex: str, data: bytes, signature: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class OperatorRecord:
    """A staff account (操作员) as stored; services turn it into views without the secrets."""

    id: int
    username: str
    display_name: str
    password_hash: str
    password_changed_at: datetime | None  # None: an initial password its owner has not changed yet
    totp_secret_enc: bytes  # SM4-encrypted base32 secret, context "totp_secret:<username>"
    totp_last_step: int
    failed_logins: int
    locked_until: datetime | None
    branch_id: int | None
    all_branches: bool
    status: str  # active | disabled
    created_at: datetime
    last_login_at: datetime | None


@dataclass(frozen=True, slots=True)
class SessionRecord:
    id: int
    operator_id: int
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    ip: str | None
    revoked_at: datetime | None


class SecurityRepository(Protocol):
    """Operators, their roles and their sessions. Times are aware UTC datetimes."""

    def operator_by_username(self, username: str) -> OperatorRecord | None: ...

    def operator_by_id(self, operator_id: int) -> OperatorRecord | None: ...

    def roles_of(self, operator_id: int) -> frozenset[str]: ...

    def list_operators(self) -> list[OperatorRecord]:
        """Every operator, ordered by username."""
        ...

    def roles_by_operator(self) -> dict[int, frozenset[str]]:
        """The roles of every operator in one query (operator id -> roles)."""
        ...

    def insert_operator(
        self,
        *,
        username: str,
        display_name: str,
        password_hash: str,
        password_changed_at: datetime | None,
        totp_secret_enc: bytes,
        branch_id: int | None,
        all_branches: bool,
        now: datetime,
    ) -> int | None:
        """The new operator's id, or None when the username is taken (race-free)."""
        ...

    def replace_roles(self, operator_id: int, roles: frozenset[str]) -> None: ...

    def add_failed_login(self, operator_id: int) -> int:
        """Count one more consecutive failure atomically; returns the new count."""
        ...

    def lock(self, operator_id: int, until: datetime) -> None:
        """Lock until `until` and restart the failure count (the next lock needs 5 new failures)."""
        ...

    def clear_lockout(self, operator_id: int) -> None: ...

    def consume_totp_step(self, operator_id: int, step: int) -> bool:
        """Store `step` as the last one used, only if it is newer; False: a replay (or a race)."""
        ...

    def record_successful_login(self, operator_id: int, now: datetime) -> None: ...

    def set_password(self, operator_id: int, password_hash: str, changed_at: datetime | None) -> None: ...

    def set_status(self, operator_id: int, status: str) -> None: ...

    def set_totp_secret(self, operator_id: int, totp_secret_enc: bytes) -> None:
        """A new TOTP secret (credential reset); the replay guard keeps its last step."""
        ...

    def insert_session(
        self, *, operator_id: int, token_hash: str, csrf_token: str, now: datetime, ip: str | None
    ) -> int: ...

    def session_by_token_hash(self, token_hash: str) -> SessionRecord | None: ...

    def touch_session(self, session_id: int, now: datetime) -> None: ...

    def revoke_session(self, session_id: int, now: datetime) -> None: ...

    def revoke_sessions_of(
        self, operator_id: int, now: datetime, *, except_session_id: int | None = None
    ) -> int:
        """Revoke every live session of the operator (but one); returns how many."""
        ...


@dataclass(frozen=True, slots=True)
class AuditEntryView:
    """One audit log line as shown to the audit administrator."""

    seq: int
    occurred_at: datetime
    actor: str
    actor_id: int | None
    ip: str | None
    action: str
    object_type: str
    object_id: str
    result: str
    reason: str | None
    details: Mapping[str, AuditValue]


class AuditRepository(Protocol):
    """The append-only, HMAC-SM3-chained security audit log (G1-G3)."""

    def append(self, event: AuditEvent) -> int:
        """Write the event in the caller's transaction (timestamp from the clock); returns its seq.

        Concurrent appends queue on the chain head row, so the chain stays one line.
        """
        ...

    def verify_chain(self) -> ChainVerdict:
        """Recompute every link from the first row; reports the first broken seq."""
        ...

    def head(self) -> tuple[int, str]:
        """(seq, hash) of the newest row as the chain head records it ((0, genesis) when empty)."""
        ...

    def link_at(self, seq: int) -> str | None:
        """The stored hash of row `seq`, or None when there is no such row."""
        ...

    def list_entries(
        self, *, limit: int, offset: int, action: str | None = None, actor: str | None = None
    ) -> list[AuditEntryView]:
        """Newest first."""
        ...

    def count(self) -> int: ...


# ---------------------------------------------------------------------------------------------
# Policy and organisation (policy helper's section)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PolicyVersionRecord:
    """One stored policy version; `content` is the mapping parse_policy reads."""

    id: int
    effective_date: date
    content: Mapping[str, Any]
    content_sm3: str
    document_no: str
    approved_by: str
    imported_by: str
    created_at: datetime
    supersedes_id: int | None


class PolicyRepository(Protocol):
    """Policy versions: insert-only; the database refuses UPDATE and DELETE."""

    def add_version(
        self,
        *,
        effective_date: date,
        content: Mapping[str, Any],
        document_no: str,
        approved_by: str,
        imported_by: str,
        created_at: datetime,
        supersedes_id: int | None,
    ) -> PolicyVersionRecord | None:
        """Store a version (content as canonical JSON with its SM3); None if the date is taken."""
        ...

    def version_in_force(self, day: date) -> PolicyVersionRecord | None:
        """The version with the latest effective date on or before `day`.

        Raises InvariantViolation("policy_content_tampered") if the content no longer matches its SM3.
        """
        ...

    def get_version(self, version_id: int) -> PolicyVersionRecord | None: ...

    def list_versions(self) -> list[PolicyVersionRecord]:
        """Every version, by effective date (oldest first)."""
        ...


@dataclass(frozen=True, slots=True)
class CentreRecord:
    code: str
    name: str
    region_code: str
    address: str
    phone: str


@dataclass(frozen=True, slots=True)
class BranchRecord:
    id: int
    code: str
    name: str
    address: str
    phone: str
    status: str  # active | closed
    is_head_office: bool


@dataclass(frozen=True, slots=True)
class EntrustedBankRecord:
    id: int
    code: str  # CNAPS bank category: 102 ICBC, 103 ABC, 104 BOC, 105 CCB, 301 BOCOM ...
    name: str
    node_no: str
    status: str


@dataclass(frozen=True, slots=True)
class CentreBankAccountRecord:
    id: int
    bank_id: int
    bank_code: str
    bank_name: str
    branch_id: int | None
    branch_code: str | None
    account_no: str
    account_name: str
    purpose: str  # collection | loan | value_added_income | settlement
    gl_code: str
    ledger_account_no: str | None
    opened_on: date
    closed_on: date | None
    status: str


class OrganisationRepository(Protocol):
    """The centre, branches, entrusted banks and the centre's bank accounts (专户)."""

    def get_centre(self) -> CentreRecord | None: ...

    def save_centre(self, centre: CentreRecord) -> None:
        """Insert or replace the one centre row."""
        ...

    def list_branches(self) -> list[BranchRecord]: ...

    def branch_by_code(self, code: str) -> BranchRecord | None: ...

    def branch_by_id(self, branch_id: int) -> BranchRecord | None: ...

    def head_office(self) -> BranchRecord | None: ...

    def add_branch(
        self, *, code: str, name: str, address: str, phone: str, is_head_office: bool
    ) -> BranchRecord | None:
        """The new branch, or None when the code is taken (race-free)."""
        ...

    def list_banks(self) -> list[EntrustedBankRecord]: ...

    def bank_by_code(self, code: str) -> EntrustedBankRecord | None: ...

    def add_bank(self, *, code: str, name: str, node_no: str) -> EntrustedBankRecord | None:
        """The new bank, or None when the code is taken."""
        ...

    def list_centre_bank_accounts(self) -> list[CentreBankAccountRecord]: ...

    def centre_bank_account_by_no(self, account_no: str) -> CentreBankAccountRecord | None: ...

    def add_centre_bank_account(
        self,
        *,
        bank_id: int,
        branch_id: int | None,
        account_no: str,
        account_name: str,
        purpose: str,
        gl_code: str,
        opened_on: date,
    ) -> CentreBankAccountRecord | None:
        """The new account, or None when the account number is taken."""
        ...

    def link_ledger_account(self, account_id: int, *, gl_code: str, ledger_account_no: str) -> None:
        """Record the ledger account opened for a centre bank account (same transaction)."""
        ...


# ---------------------------------------------------------------------------------------------
# Collection: units, members, member accounts, cases (collection-A's section)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UnitRecord:
    """A unit (单位) with its unit account, joined with its bank, special account and branch.

    `handler_phone` is decrypted by the repository; services mask it in views.
    """

    id: int
    unit_account_no: str
    name: str
    credit_code: str
    economic_type: str
    industry: str
    subordination: str | None
    address: str
    postcode: str | None
    email: str | None
    legal_rep_name: str | None
    handler_name: str
    handler_phone: str | None
    bank_id: int
    bank_code: str
    bank_name: str
    collection_account_id: int
    collection_account_no: str
    branch_id: int
    branch_code: str
    branch_name: str
    unit_ratio: Rate
    member_ratio: Rate
    payday: int
    status: str
    established_on: date | None
    opened_on: date
    closed_on: date | None
    close_reason: str | None
    paid_up_to: str | None
    suspense_account_no: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class NewUnit:
    unit_account_no: str
    name: str
    credit_code: str
    economic_type: str
    industry: str
    subordination: str | None
    address: str
    postcode: str | None
    email: str | None
    legal_rep_name: str | None
    handler_name: str
    handler_phone: str | None  # plaintext: the repository encrypts it
    bank_id: int
    collection_account_id: int
    branch_id: int
    unit_ratio: Rate
    member_ratio: Rate
    payday: int
    status: str
    established_on: date | None
    opened_on: date


class UnitRepository(Protocol):
    """Units and their accounts. `update` takes column names; "handler_phone" is plaintext."""

    def next_unit_account_no(self) -> str: ...

    def insert(self, unit: NewUnit, now: datetime) -> int | None:
        """The new unit's id, or None when its credit code is already registered (race-free)."""
        ...

    def get(self, unit_account_no: str, *, for_update: bool = False) -> UnitRecord | None: ...

    def get_by_id(self, unit_id: int) -> UnitRecord | None: ...

    def by_credit_code(self, credit_code: str) -> UnitRecord | None: ...

    def update(self, unit_id: int, values: Mapping[str, Any], now: datetime) -> None: ...

    def search(
        self, *, branch_id: int | None, text: str | None, status: str | None, limit: int, offset: int
    ) -> list[UnitRecord]:
        """Units by account number, credit code or name fragment; branch_id None: every branch."""
        ...

    def count(self, *, branch_id: int | None, text: str | None, status: str | None) -> int: ...

    def member_counts(self, unit_id: int) -> dict[str, int]:
        """Member accounts currently in the unit, by status (GRZHZT)."""
        ...

    def unpaid_confirmed_rosters(self, unit_id: int) -> int:
        """Confirmed remittance rosters not yet paid (0 while the remittance tables do not exist)."""
        ...


@dataclass(frozen=True, slots=True)
class MemberRecord:
    """A person (个人). `resident_id` and `phone` are decrypted by the repository."""

    id: int
    resident_id: str
    id_type: str
    name: str
    gender: str
    birth_date: date
    phone: str | None
    marital_status: str | None
    address: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class MemberAccountRecord:
    """A member account (个人账户) with its person and current (or last) unit."""

    id: int
    account_no: str
    member_id: int
    ledger_account_no: str
    unit_id: int | None
    unit_account_no: str | None
    unit_name: str | None
    branch_id: int
    status: str
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
    created_at: datetime
    updated_at: datetime
    person: MemberRecord


@dataclass(frozen=True, slots=True)
class NewMemberAccount:
    account_no: str
    member_id: int
    ledger_account_no: str
    unit_id: int
    branch_id: int
    status: str
    wage_base: Money
    unit_monthly: Money
    member_monthly: Money
    opened_on: date
    bank_card: str | None  # plaintext: the repository encrypts it
    bank_code: str | None


@dataclass(frozen=True, slots=True)
class EmploymentRecord:
    unit_id: int
    unit_account_no: str
    unit_name: str
    started_on: date
    ended_on: date | None
    start_event: str
    end_event: str | None


class MemberRepository(Protocol):
    """Persons, their one account for life, and employment history. PII in, plaintext; at rest,
    SM4 with a blind index. `update_person` / `update_account` take column names, with "phone"
    and "bank_card" as plaintext."""

    def person_by_resident_id(self, resident_id: str) -> MemberRecord | None: ...

    def insert_person(
        self,
        *,
        resident_id: str,
        id_type: str,
        name: str,
        gender: str,
        birth_date: date,
        phone: str | None,
        marital_status: str | None,
        address: str | None,
        now: datetime,
    ) -> int | None:
        """The new person's id, or None when the resident ID is already registered (race-free)."""
        ...

    def update_person(self, member_id: int, values: Mapping[str, Any], now: datetime) -> None: ...

    def next_member_account_no(self) -> str: ...

    def insert_account(self, account: NewMemberAccount, now: datetime) -> int: ...

    def account(self, account_no: str, *, for_update: bool = False) -> MemberAccountRecord | None: ...

    def account_of_person(
        self, member_id: int, *, for_update: bool = False
    ) -> MemberAccountRecord | None: ...

    def update_account(self, account_id: int, values: Mapping[str, Any], now: datetime) -> None: ...

    def accounts_of_unit(
        self, unit_id: int, *, statuses: frozenset[str] | None, limit: int, offset: int
    ) -> list[MemberAccountRecord]: ...

    def count_accounts_of_unit(self, unit_id: int, *, statuses: frozenset[str] | None) -> int: ...

    def search_accounts(
        self, *, branch_id: int | None, text: str | None, limit: int, offset: int
    ) -> list[MemberAccountRecord]:
        """By account number, exact resident ID (blind index) or name fragment."""
        ...

    def set_parts(self, parts: list[tuple[int, Money, Money]], now: datetime) -> None:
        """(account id, unit part, member part) for many accounts at once (a unit's ratio change)."""
        ...

    def seal_unit_members(self, unit_id: int, day: date, now: datetime) -> int:
        """Seal every normal (01) account of a unit and end its employment; returns how many."""
        ...

    def start_employment(self, account_id: int, unit_id: int, day: date, event: str) -> None: ...

    def end_employment(self, account_id: int, day: date, event: str) -> None:
        """End the open employment row of the account (if any)."""
        ...

    def employments(self, account_id: int) -> list[EmploymentRecord]: ...


@dataclass(frozen=True, slots=True)
class CaseRecord:
    id: int
    case_no: str
    kind: str
    channel: str
    state: str
    subject_type: str
    subject_ref: str
    branch_id: int | None
    applicant: str | None
    maker: str
    checker: str | None
    approver: str | None
    second_approver: str | None
    amount: Money | None
    summary: str
    reason: str | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    rating: int | None
    rating_comment: str | None
    rated_at: datetime | None


@dataclass(frozen=True, slots=True)
class CaseEventRecord:
    action: str
    from_state: str | None
    to_state: str
    actor: str
    reason: str | None
    occurred_at: datetime


class CaseRepository(Protocol):
    """Cases (办件) and their state history. `update` takes column names (amount as amount_fen)."""

    def next_case_no(self) -> str: ...

    def insert(
        self,
        *,
        case_no: str,
        kind: str,
        channel: str,
        subject_type: str,
        subject_ref: str,
        branch_id: int | None,
        applicant: str | None,
        maker: str,
        amount: Money | None,
        summary: str,
        now: datetime,
        finished: bool = False,
    ) -> CaseRecord:
        """A new case, accepted; or with `finished` already done (a counter case with no review)."""
        ...

    def get(self, case_no: str, *, for_update: bool = False) -> CaseRecord | None: ...

    def update(self, case_id: int, values: Mapping[str, Any], now: datetime) -> None: ...

    def add_event(
        self,
        case_id: int,
        *,
        action: str,
        from_state: str | None,
        to_state: str,
        actor: str,
        reason: str | None,
        now: datetime,
    ) -> None: ...

    def events(self, case_id: int) -> list[CaseEventRecord]: ...

    def search(
        self,
        *,
        branch_id: int | None,
        state: str | None,
        kind: str | None,
        subject_ref: str | None,
        limit: int,
        offset: int,
        channel: str | None = None,
    ) -> list[CaseRecord]:
        """Newest first; branch_id None: every branch; `channel` (渠道) filters by where it came in."""
        ...

    def count(
        self,
        *,
        branch_id: int | None,
        state: str | None,
        kind: str | None,
        subject_ref: str | None,
        channel: str | None = None,
    ) -> int: ...


# ---------------------------------------------------------------------------------------------
# Batch job runs (lead's section)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JobRunRecord:
    id: int
    job_name: str
    business_date: date
    params_key: str
    state: str
    total_items: int
    done_items: int
    failed_items: int
    chunks: int
    checkpoint: int | None
    started_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    attempts: int
    started_by: str
    message: str | None


@dataclass(frozen=True, slots=True)
class ItemFailure:
    item_key: int
    code: str
    message: str


class BatchRepository(Protocol):
    def start_or_resume(
        self, job_name: str, business_date: date, params_key: str, started_by: str, now: datetime
    ) -> JobRunRecord:
        """The run for these (job, date, parameters): a new one, or the unfinished one resumed."""
        ...

    def lock(self, run_id: int) -> JobRunRecord:
        """Lock the run row for this transaction (a second runner waits here)."""
        ...

    def set_total(self, run_id: int, total: int, now: datetime) -> None: ...

    def advance(
        self, run_id: int, checkpoint: int, done: int, failures: list[ItemFailure], now: datetime
    ) -> None:
        """Record a processed chunk: in the same transaction as the chunk's effects."""
        ...

    def finish(self, run_id: int, state: str, message: str | None, now: datetime) -> None: ...

    def get(self, run_id: int) -> JobRunRecord: ...

    def list_runs(self, *, limit: int = 50, job_name: str | None = None) -> list[JobRunRecord]: ...

    def failures(self, run_id: int, *, limit: int = 200) -> list[ItemFailure]: ...


# ---------------------------------------------------------------------------------------------
# Remittance: rosters, unit payments, suspense, deferrals, arrears notices (collection-B)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RosterRecord:
    """A roster (汇缴清册 / 补缴清册) with its unit's number and name."""

    id: int
    unit_id: int
    unit_account_no: str
    unit_name: str
    month: str  # YYYYMM
    kind: str  # remittance | back_payment
    state: str  # draft | confirmed | paid | cancelled
    reason: str | None
    unit_ratio: Rate
    member_ratio: Rate
    headcount: int
    unit_total: Money
    member_total: Money
    total: Money
    created_by: str
    created_at: datetime
    confirmed_by: str | None
    confirmed_at: datetime | None
    paid_voucher_no: str | None
    paid_on: date | None
    case_no: str | None


@dataclass(frozen=True, slots=True)
class RosterLineRecord:
    member_account_id: int
    member_account_no: str
    member_name: str
    wage_base: Money
    unit_part: Money
    member_part: Money


@dataclass(frozen=True, slots=True)
class RosterMemberAccount:
    """What a roster needs of a member account: where it is, its status, base and parts."""

    id: int
    account_no: str
    unit_id: int | None
    status: str
    wage_base: Money
    unit_monthly: Money
    member_monthly: Money


@dataclass(frozen=True, slots=True)
class ReducedParts:
    """Integer pricing under reduced ratios: part = (base × units + offset) // divisor × multiplier."""

    unit_units: int
    member_units: int
    offset: int
    divisor: int
    multiplier: int


@dataclass(frozen=True, slots=True)
class NewRoster:
    unit_id: int
    month: str
    kind: str
    reason: str | None
    unit_ratio: Rate
    member_ratio: Rate
    created_by: str
    case_no: str | None


@dataclass(frozen=True, slots=True)
class UnitPaymentRecord:
    id: int
    unit_id: int
    unit_account_no: str
    amount: Money
    serial_no: str
    centre_bank_account_id: int
    centre_bank_account_no: str
    received_on: date
    value_date: date
    state: str
    roster_id: int | None
    roster_month: str | None
    voucher_no: str | None
    remaining: Money
    channel: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NewUnitPayment:
    unit_id: int
    amount: Money
    serial_no: str
    centre_bank_account_id: int
    received_on: date
    value_date: date
    state: str
    remaining: Money
    channel: str
    created_by: str


@dataclass(frozen=True, slots=True)
class DeferralRecord:
    id: int
    unit_id: int
    unit_account_no: str
    unit_name: str
    kind: str
    start_month: str
    end_month: str
    approved_unit_ratio: Rate | None
    approved_member_ratio: Rate | None
    approving_body: str
    document_no: str
    state: str
    case_no: str
    created_by: str
    created_at: datetime
    ended_on: date | None


@dataclass(frozen=True, slots=True)
class ArrearsCandidate:
    """A unit whose paid-up-to month is behind its latest due month, with today's monthly amount."""

    unit_id: int
    unit_account_no: str
    name: str
    branch_id: int
    status: str
    payday: int
    opened_on: date
    paid_up_to: str | None
    headcount: int
    monthly_total: Money


@dataclass(frozen=True, slots=True)
class ArrearsNoticeRecord:
    id: int
    notice_no: str
    unit_id: int
    unit_account_no: str
    unit_name: str
    kind: str
    issued_on: date
    deadline: date | None
    first_month: str
    last_month: str
    months_owed: int
    amount: Money
    previous_notice_no: str | None
    case_no: str | None
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SuspenseRefundRecord:
    id: int
    unit_id: int
    amount: Money
    reason: str
    payee_name: str
    payee_account_no: str
    voucher_no: str
    state: str
    case_no: str | None
    created_by: str
    created_at: datetime


class RemittanceRepository(Protocol):
    """Rosters, unit payments, deferrals, arrears notices and suspense refunds.

    Roster lines are written set-based (INSERT ... SELECT from the unit's member accounts); state
    changes are conditional updates that report whether they won, so two concurrent confirmations
    or payments of one roster cannot both succeed.
    """

    # rosters
    def roster(self, roster_id: int, *, for_update: bool = False) -> RosterRecord | None: ...

    def rosters_of_month(self, unit_id: int, month: str) -> list[RosterRecord]: ...

    def rosters_of_unit(self, unit_id: int, *, limit: int, offset: int) -> list[RosterRecord]:
        """Newest month first."""
        ...

    def insert_roster(self, roster: NewRoster, now: datetime) -> int | None:
        """The new roster's id, or None when (unit, month, kind) exists (race-free)."""
        ...

    def reset_roster(self, roster_id: int, roster: NewRoster, now: datetime) -> bool:
        """Revive a cancelled roster as an empty draft (the unique key keeps one row per month)."""
        ...

    def fill_roster(
        self,
        roster_id: int,
        unit_id: int,
        member_states: tuple[str, ...],
        reduced: ReducedParts | None,
        *,
        exclude_paid: bool = False,
    ) -> int:
        """Lines for every account of the unit in the states, set-based; returns the line count.

        `exclude_paid`: leave out accounts already on a paid roster of the same unit and month.
        """
        ...

    def member_paid_for_month(self, unit_id: int, month: str, member_account_id: int) -> bool: ...

    def refresh_totals(self, roster_id: int) -> None:
        """Recompute headcount and totals from the lines (one UPDATE)."""
        ...

    def roster_lines(self, roster_id: int, *, limit: int, offset: int) -> list[RosterLineRecord]: ...

    def roster_line(self, roster_id: int, member_account_id: int) -> RosterLineRecord | None: ...

    def add_line(
        self, roster_id: int, member_account_id: int, wage_base: Money, unit_part: Money, member_part: Money
    ) -> bool:
        """False when the member is already on the roster."""
        ...

    def update_line(
        self, roster_id: int, member_account_id: int, wage_base: Money, unit_part: Money, member_part: Money
    ) -> bool: ...

    def remove_line(self, roster_id: int, member_account_id: int) -> bool: ...

    def set_roster_state(
        self, roster_id: int, from_state: str, to_state: str, values: Mapping[str, Any], now: datetime
    ) -> bool:
        """Conditional state change (WHERE state = from_state); True if this call made it."""
        ...

    def confirmed_rosters(self, unit_id: int) -> list[RosterRecord]:
        """Confirmed, unpaid rosters of a unit, oldest month first."""
        ...

    def roster_credits(self, roster_id: int) -> list[tuple[str, Money]]:
        """(member ledger account no, unit part + member part) of every line with money, in line order."""
        ...

    def paid_months(self, unit_id: int, after: str | None) -> set[str]:
        """Months with a paid roster (either kind), later than `after` when given."""
        ...

    def paid_months_of_units(self, unit_ids: list[int]) -> dict[int, set[str]]:
        """Paid months later than each unit's paid-up-to month, for many units at once."""
        ...

    def advance_member_paid_up_to(self, unit_id: int, month: str, previous: str, *, allow_unset: bool) -> int:
        """Set paid_up_to = month on the accounts on the unit's paid roster(s) of `month` whose
        paid_up_to is `previous` (or unset, if allowed); returns how many moved."""
        ...

    def member_account(self, account_no: str) -> RosterMemberAccount | None: ...

    # payments and suspense
    def payment_by_serial(self, serial_no: str) -> UnitPaymentRecord | None: ...

    def insert_payment(self, payment: NewUnitPayment, now: datetime) -> int | None:
        """The new payment's id, or None when the serial number is taken (a replay or a race)."""
        ...

    def update_payment(self, payment_id: int, values: Mapping[str, Any]) -> None: ...

    def payments_of_unit(self, unit_id: int, *, limit: int) -> list[UnitPaymentRecord]: ...

    def open_suspense_payments(self, unit_id: int) -> list[UnitPaymentRecord]:
        """Payments with money left in suspense, oldest first (allocations and refunds use FIFO)."""
        ...

    def insert_refund(
        self,
        *,
        unit_id: int,
        amount: Money,
        reason: str,
        payee_name: str,
        payee_account_no: str,
        voucher_no: str,
        case_no: str | None,
        created_by: str,
        now: datetime,
    ) -> SuspenseRefundRecord: ...

    def refunds_of_unit(self, unit_id: int) -> list[SuspenseRefundRecord]: ...

    # deferrals and ratio reductions
    def insert_deferral(
        self,
        *,
        unit_id: int,
        kind: str,
        start_month: str,
        end_month: str,
        unit_ratio: Rate | None,
        member_ratio: Rate | None,
        approving_body: str,
        document_no: str,
        case_no: str,
        created_by: str,
        now: datetime,
    ) -> int: ...

    def deferral(self, deferral_id: int, *, for_update: bool = False) -> DeferralRecord | None: ...

    def deferrals(
        self, *, unit_id: int | None, states: tuple[str, ...] | None, limit: int, offset: int
    ) -> list[DeferralRecord]: ...

    def set_deferral_state(
        self, deferral_id: int, from_states: tuple[str, ...], to_state: str, ended_on: date | None = None
    ) -> bool: ...

    def deferrals_to_move(self, current_month: str) -> list[DeferralRecord]:
        """Approved ones whose first month has come, and active ones whose last month has passed."""
        ...

    def active_deferrals_of_units(self, unit_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
        """(start, end) months of each unit's active deferrals (kind deferral)."""
        ...

    # arrears
    def arrears_candidates(
        self,
        due_month_by_payday: Mapping[int, str],
        unit_states: tuple[str, ...],
        member_states: tuple[str, ...],
        *,
        branch_id: int | None = None,
        unit_id: int | None = None,
    ) -> list[ArrearsCandidate]:
        """Units in the states whose paid-up-to month is before their due month (or unset), with
        the count and monthly total of their contributing members; optionally of one branch or unit."""
        ...

    def insert_notice(
        self,
        *,
        notice_no: str,
        unit_id: int,
        kind: str,
        issued_on: date,
        deadline: date | None,
        first_month: str,
        last_month: str,
        months_owed: int,
        amount: Money,
        previous_id: int | None,
        case_no: str | None,
        created_by: str,
        now: datetime,
    ) -> int: ...

    def notice(self, notice_no: str) -> ArrearsNoticeRecord | None: ...

    def notices_of_units(self, unit_ids: list[int]) -> dict[int, list[ArrearsNoticeRecord]]:
        """Each unit's notices, oldest first."""
        ...


# ---------------------------------------------------------------------------------------------
# Bank settlement: the settlement-platform gateway, the outbox and the inbox (bank helper's section)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BankAnswer:
    """What the platform answered. `answer` is an anju.domain.bank.Answer value: success,
    failure, processing or not_found (BDC110 only), or unknown (any other status)."""

    answer: str
    code: str = ""  # RtnCode, or for BDC110 the original request's return code
    message: str = ""  # RtnMessage
    host_serial: str | None = None  # the bank host serial of the movement (CapHostSeqNo ...)
    bdc_seq_no: str = ""
    bdc_date: date | None = None
    fields: Mapping[str, str] = dataclass_field(default_factory=dict)  # other body fields


@dataclass(frozen=True, slots=True)
class SettlementOrder:
    """One instruction as sent: BDC101 payment, BDC102 receipt or BDC109 transfer. The
    end-to-end id is the SendSeqNo of every send of it, so a resend is the same instruction."""

    kind: str  # anju.domain.bank.InstructionKind
    e2e_id: str
    send_date: date
    bank_code: str
    bus_type: str
    amount: Money
    debit_account_no: str
    debit_account_name: str
    credit_account_no: str
    credit_account_name: str
    counterparty_bank_code: str = ""  # CNAPS number of the other party's bank
    counterparty_bank_name: str = ""
    ref_account_no: str = ""  # RefAcctNo: the business detail account (member, unit, loan)
    agreement_no: str = ""  # ConAgrNo: multi-party debit agreement (receipts)
    summary: str = ""
    remark: str = ""  # carries the end-to-end id, so the bank's statement line names it


@dataclass(frozen=True, slots=True)
class BatchOrderItem:
    seq: int
    amount: Money
    account_no: str  # the payer's account
    account_name: str
    ref_account_no: str = ""
    summary: str = ""


@dataclass(frozen=True, slots=True)
class BatchOrder:
    """A batch receipt (BDC104): the items travel as a file; totals in the body must match it."""

    e2e_id: str
    send_date: date
    bank_code: str
    bus_type: str
    batch_no: str
    credit_account_no: str
    credit_account_name: str
    items: tuple[BatchOrderItem, ...]


@dataclass(frozen=True, slots=True)
class BatchItemOutcome:
    seq: int
    amount: Money
    succeeded: bool
    host_serial: str
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class BatchOutcome:
    """BDC107 + BDC108: `answer` success (final, items given), processing, failure or unknown."""

    answer: str
    items: tuple[BatchItemOutcome, ...] = ()
    message: str = ""


@dataclass(frozen=True, slots=True)
class BalanceAnswer:
    """BDC123: real-time balance of a current account."""

    account_no: str
    balance: Money
    available: Money
    overdraft: Money
    status: str


class BankGateway(Protocol):
    """The bank-settlement data application system (BDC), interfaces.md §2.

    Every call takes the SendSeqNo and SendDate the service persisted before calling (rule 1).
    Raises anju.domain.bank.BankUnavailable when nothing was sent (safe to try later) and
    BankNoAnswer when the request may have arrived but no valid answer came back (query first).
    """

    def sign_in(self, *, seq_no: str, send_date: date) -> BankAnswer:
        """BDC001; fields["HandKey"] carries the session-key ciphertext."""
        ...

    def sign_out(self, *, seq_no: str, send_date: date) -> BankAnswer: ...

    def heartbeat(self, *, seq_no: str, send_date: date) -> BankAnswer: ...

    def send(self, order: SettlementOrder) -> BankAnswer:
        """BDC101/102/109 by order.kind; SendSeqNo = order.e2e_id."""
        ...

    def send_batch(self, order: BatchOrder) -> BankAnswer:
        """BDC104; success means accepted (the batch then runs at the bank)."""
        ...

    def query(
        self, *, bank_code: str, original_date: date, original_seq_no: str, seq_no: str, send_date: date
    ) -> BankAnswer:
        """BDC110: the result of an earlier request, by its date and SendSeqNo."""
        ...

    def batch_result(
        self,
        *,
        bank_code: str,
        batch_no: str,
        original_date: date,
        seq_no: str,
        download_seq_no: str,
        send_date: date,
    ) -> BatchOutcome:
        """BDC107 (with `seq_no`), and BDC108 (with `download_seq_no`) once the batch is final."""
        ...

    def balance(self, *, bank_code: str, account_no: str, seq_no: str, send_date: date) -> BalanceAnswer: ...

    def statement(
        self, *, bank_code: str, account_no: str, start: date, end: date, seq_no: str, send_date: date
    ) -> StatementFile:
        """BDC113: the account's movements in the range, checked whole (count, sum, balances)."""
        ...


@dataclass(frozen=True, slots=True)
class BankSessionRecord:
    node: str
    state: str  # signed_in | signed_out
    session_key_enc: bytes | None
    bdc_date: date | None
    signed_in_at: datetime | None
    signed_out_at: datetime | None
    last_error: str | None
    updated_by: str


@dataclass(frozen=True, slots=True)
class InstructionRecord:
    id: int
    e2e_id: str
    kind: str
    purpose: str
    bus_type: str
    state: str
    bank_code: str
    centre_account_no: str  # the centre's own account (debited, or credited for receipts)
    centre_account_name: str
    counterparty_account_no: str  # decrypted: the payee, payer, or the other centre account
    counterparty_name: str
    counterparty_bank_code: str
    counterparty_bank_name: str
    amount: Money
    ref_account_no: str
    agreement_no: str
    summary: str
    source: str
    source_ref: str
    send_date: date
    business_date: date
    submit_voucher_no: str | None
    settle_voucher_no: str | None
    reverse_voucher_no: str | None
    host_serial: str | None
    rtn_code: str | None
    rtn_message: str | None
    sends: int
    queries: int
    lease_until: datetime | None
    next_attempt_at: datetime | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    branch_id: int | None
    batch_no: str | None


@dataclass(frozen=True, slots=True)
class InstructionEventRecord:
    at: datetime
    action: str  # submit | send | query | answer | no_answer | unreachable | resolve | poll
    seq_no: str | None
    answer: str | None
    code: str | None
    message: str | None
    actor: str


@dataclass(frozen=True, slots=True)
class BatchItemRecord:
    seq: int
    amount: Money
    account_no: str  # decrypted payer account
    account_name: str
    ref_account_no: str
    summary: str
    state: str  # pending | succeeded | failed
    host_serial: str | None
    code: str | None
    message: str | None
    voucher_no: str | None


@dataclass(frozen=True, slots=True)
class NoticeRecord:
    """One movement on a centre account reported by the bank (the inbox, unique per serial)."""

    id: int
    account_no: str
    serial: str
    bank_code: str
    tx_date: date
    amount: Money
    counterparty_account: str  # decrypted
    counterparty_name: str
    remark: str
    summary: str
    source: str  # notice | statement | upload
    state: str  # anju.domain.bank.NoticeState
    instruction_e2e_id: str | None
    voucher_no: str | None
    unit_account_no: str | None
    note: str | None
    received_at: datetime
    processed_at: datetime | None
    processed_by: str | None


@dataclass(frozen=True, slots=True)
class StatementFileRecord:
    id: int
    account_no: str
    start: date
    end: date
    digest: str
    source: str  # bdc113 | sbdc100 | upload
    name: str
    state: str  # importing | imported
    line_count: int
    total: Money
    opening: Money | None
    closing: Money | None
    new_lines: int
    created_at: datetime
    created_by: str
    imported_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReconciliationRecord:
    id: int
    account_no: str
    business_date: date
    run_no: int
    file_id: int | None
    state: str  # balanced | differences | no_statement
    bank_balance: Money | None
    book_balance: Money
    statement_total: Money
    ledger_total: Money
    counts: Mapping[str, int]
    statement_sums: Mapping[str, Money]
    ledger_sums: Mapping[str, Money]
    message: str
    created_at: datetime
    created_by: str


@dataclass(frozen=True, slots=True)
class ReconciliationItemRecord:
    verdict: str
    serial: str | None
    line_seq: int | None
    statement_amount: Money | None
    voucher_no: str | None
    ledger_amount: Money | None
    note: str


class BankRepository(Protocol):
    """Sign-in state, the outbox of instructions, the inbox of movements, statement files and
    reconciliation reports. Counterparty account numbers are stored SM4-encrypted (K2)."""

    # --- session ---
    def session(self, node: str) -> BankSessionRecord | None: ...

    def save_session(
        self,
        node: str,
        *,
        state: str,
        session_key_enc: bytes | None,
        bdc_date: date | None,
        now: datetime,
        actor: str,
        error: str | None,
    ) -> None: ...

    def record_session_error(self, node: str, error: str, now: datetime) -> None: ...

    # --- outbox ---
    def insert_instruction(self, values: Mapping[str, Any]) -> InstructionRecord | None:
        """The new instruction, or None when (source, source_ref) is taken (race-free)."""
        ...

    def instruction(self, e2e_id: str) -> InstructionRecord | None: ...

    def instruction_by_source(self, source: str, source_ref: str) -> InstructionRecord | None: ...

    def instruction_by_host_serial(self, host_serial: str) -> InstructionRecord | None: ...

    def lock_instruction(self, e2e_id: str) -> InstructionRecord | None:
        """The instruction, its row locked for this transaction."""
        ...

    def claim_instruction(
        self, e2e_id: str, *, states: tuple[str, ...], now: datetime, lease_until: datetime
    ) -> InstructionRecord | None:
        """Take the instruction for one step if it is in `states` and not leased to another
        dispatcher; None otherwise (conditional update: two dispatchers never both send)."""
        ...

    def update_instruction(self, e2e_id: str, now: datetime, **changes: Any) -> None: ...

    def list_instructions(
        self, *, states: tuple[str, ...] | None, limit: int, offset: int
    ) -> list[InstructionRecord]: ...

    def count_instructions(self) -> dict[str, int]:
        """Instructions per state."""
        ...

    def due_instructions(self, now: datetime, limit: int) -> list[str]:
        """End-to-end ids of open instructions whose next automatic step is due."""
        ...

    def add_event(
        self,
        instruction_id: int,
        *,
        action: str,
        now: datetime,
        actor: str,
        seq_no: str | None = None,
        answer: str | None = None,
        code: str | None = None,
        message: str | None = None,
    ) -> None: ...

    def events(self, instruction_id: int) -> list[InstructionEventRecord]: ...

    def insert_batch_items(self, instruction_id: int, items: list[BatchOrderItem]) -> None: ...

    def batch_items(self, instruction_id: int) -> list[BatchItemRecord]: ...

    def settle_batch_item(
        self,
        instruction_id: int,
        seq: int,
        *,
        state: str,
        host_serial: str | None,
        code: str,
        message: str,
        voucher_no: str | None,
    ) -> bool:
        """Record an item's result once (only from pending); False if already settled."""
        ...

    def reserve(self, account_no: str, ledger_account_no: str, amount: Money) -> bool:
        """Reserve money of a centre account for an outgoing instruction, only if its book
        balance covers everything reserved (conditional update under the row lock)."""
        ...

    def release(self, account_no: str, amount: Money) -> None: ...

    def reserved(self, account_no: str) -> Money: ...

    # --- inbox ---
    def insert_notice(self, values: Mapping[str, Any]) -> NoticeRecord | None:
        """The new inbox row, or None when (account_no, serial) is already there."""
        ...

    def notice(self, notice_id: int) -> NoticeRecord | None: ...

    def notice_by_serial(self, account_no: str, serial: str) -> NoticeRecord | None: ...

    def update_notice(self, notice_id: int, **changes: Any) -> None: ...

    def list_notices(
        self, *, states: tuple[str, ...] | None, limit: int, offset: int
    ) -> list[NoticeRecord]: ...

    def count_notices(self) -> dict[str, int]: ...

    # --- statement files ---
    def claim_file(self, values: Mapping[str, Any]) -> tuple[StatementFileRecord, bool]:
        """(the file row, True if this call created it); unique per (account_no, digest)."""
        ...

    def insert_statement_lines(self, file_id: int, lines: tuple[BankStatementLine, ...]) -> None: ...

    def statement_lines(self, file_id: int) -> list[BankStatementLine]: ...

    def finish_file(self, file_id: int, *, now: datetime) -> None:
        """Mark imported; new_lines = the inbox rows this file brought in (counted, so a resumed
        import counts what earlier runs took too)."""
        ...

    def statement_file(self, file_id: int) -> StatementFileRecord | None: ...

    def notice_counts_for_file(self, file_id: int) -> dict[str, int]: ...

    def latest_statement(self, account_no: str, day: date) -> StatementFileRecord | None:
        """The latest imported daily statement (BDC113 or upload) covering exactly `day`."""
        ...

    def list_files(self, *, limit: int, offset: int) -> list[StatementFileRecord]: ...

    # --- reconciliation ---
    def ledger_movements(self, ledger_account_no: str, day: date) -> list[LedgerMovement]:
        """The day's postings on a bank ledger account, each with the serials it is known to settle."""
        ...

    def book_balance(self, ledger_account_no: str, as_of: date) -> Money:
        """The account's balance after every posting with a business date up to `as_of`."""
        ...

    def insert_reconciliation(
        self, values: Mapping[str, Any], items: list[ReconciliationItemRecord]
    ) -> ReconciliationRecord: ...

    def reconciliation(self, recon_id: int) -> ReconciliationRecord | None: ...

    def reconciliation_items(self, recon_id: int) -> list[ReconciliationItemRecord]: ...

    def list_reconciliations(
        self, *, day: date | None, account_no: str | None, limit: int, offset: int
    ) -> list[ReconciliationRecord]: ...


# ---------------------------------------------------------------------------------------------
# Spreadsheets: roster import/export, unit-wide contribution changes (documents helper's section)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SheetMember:
    """A member account of a unit as sheet validation needs it: the blind index, never the ID."""

    id: int
    account_no: str
    name: str
    status: str
    resident_id_idx: str
    wage_base: Money
    unit_monthly: Money
    member_monthly: Money


@dataclass(frozen=True, slots=True)
class SheetLine:
    """A base and two parts for one member account (a roster line, or the account's new amounts)."""

    member_account_id: int
    wage_base: Money
    unit_part: Money
    member_part: Money


@dataclass(frozen=True, slots=True)
class RosterExportRow:
    """A roster line for an export; `resident_id` is decrypted here and masked by the service."""

    account_no: str
    name: str
    resident_id: str
    wage_base: Money
    unit_part: Money
    member_part: Money


@dataclass(frozen=True, slots=True)
class ContributionChangeLine:
    member_account_id: int
    declared: Money | None  # the declared wage (基数调整); None for a ratio change
    bound: str | None  # floor | cap when clamped
    old: SheetLine
    new: SheetLine


@dataclass(frozen=True, slots=True)
class NewContributionChange:
    case_no: str
    unit_id: int
    kind: str  # wage_base_adjustment | ratio_change
    effective_month: str
    contribution_year: int | None
    old_unit_ratio: Rate | None
    old_member_ratio: Rate | None
    new_unit_ratio: Rate | None
    new_member_ratio: Rate | None
    headcount: int
    file_sm3: str | None
    created_by: str


@dataclass(frozen=True, slots=True)
class ContributionChangeRecord:
    id: int
    case_no: str
    unit_id: int
    kind: str
    effective_month: str
    contribution_year: int | None
    old_unit_ratio: Rate | None
    old_member_ratio: Rate | None
    new_unit_ratio: Rate | None
    new_member_ratio: Rate | None
    headcount: int
    file_sm3: str | None
    created_by: str
    created_at: datetime


class SheetRepository(Protocol):
    """Set-based reads and writes behind roster uploads and unit-wide contribution changes.

    Tens of thousands of rows per call: one query to read, chunked multi-row statements to write,
    never one round trip per member.
    """

    def unit_members(self, unit_id: int) -> list[SheetMember]:
        """Every member account whose current (or last) unit is `unit_id`, any status."""
        ...

    def replace_roster_lines(self, roster_id: int, lines: list[SheetLine]) -> int:
        """Delete the roster's lines and insert these; the caller refreshes the totals."""
        ...

    def roster_export_rows(self, roster_id: int) -> list[RosterExportRow]:
        """The roster's lines with account number, name and decrypted ID, in account order."""
        ...

    def set_contributions(self, unit_id: int, lines: list[SheetLine], now: datetime) -> int:
        """Store new bases and parts on the accounts (only those still in the unit); how many."""
        ...

    def insert_change(
        self, change: NewContributionChange, lines: list[ContributionChangeLine], now: datetime
    ) -> int:
        """Record a change and every account's before and after; the change's id."""
        ...

    def changes_of_unit(self, unit_id: int, *, limit: int) -> list[ContributionChangeRecord]:
        """Newest first."""
        ...

    def change_lines(self, change_id: int, *, limit: int) -> list[ContributionChangeLine]: ...


@dataclass(frozen=True, slots=True)
class IssuedDocumentRecord:
    """A printed document's verification code and what it was about (no personal data)."""

    verification_code: str
    digest: str
    kind: str
    subject_ref: str
    title: str
    business_date: date
    branch_id: int | None
    issued_by: str
    issued_at: datetime


class DocumentRepository(Protocol):
    """Verification codes of printed documents (回单, 缴存证明, 个人明细)."""

    def record_issued(self, record: IssuedDocumentRecord) -> None:
        """Keep the code; printing the same content twice keeps the first record."""
        ...

    def issued(self, verification_code: str) -> IssuedDocumentRecord | None: ...


# ---------------------------------------------------------------------------------------------
# Deposit interest: daily products, annual settlement, accrual (interest helper's section)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InterestAccountRecord:
    """A member deposit account's interest state (buckets, products, accrued_through)."""

    account_id: int
    account_no: str
    status: str
    state: InterestState


@dataclass(frozen=True, slots=True)
class SettlementChunkResult:
    """What settling a range of accounts did: accounts settled, accounts credited, the total."""

    settled: int
    credited: int
    total: Money
    voucher_no: str | None


class InterestRepository(Protocol):
    """Set-based interest work over member deposit accounts (the products live on ledger_account)."""

    def account(self, account_no: str) -> InterestAccountRecord:
        """Raises LedgerNotFound, or InterestRuleViolation("account_bears_no_interest")."""
        ...

    def count_due(self, settlement_day: date) -> int:
        """Open member accounts not yet settled for the year ending `settlement_day` (30 June)."""
        ...

    def due_ids(self, settlement_day: date, after: int | None, limit: int) -> list[int]:
        """The next ids of those accounts in ascending order (keyset paging)."""
        ...

    def settle_range(
        self,
        first_id: int,
        last_id: int,
        *,
        settlement_day: date,
        rates: InterestRates,
        source_ref: str,
        memo: str,
        created_by: str,
    ) -> SettlementChunkResult:
        """Settle every due account with first_id <= id <= last_id in this transaction: accrue to
        1 July, credit the interest in one voucher (Dr 41101 / Cr 201 each, type 09), carry
        forward. An account already settled for the year is skipped (exactly once, R4)."""
        ...

    def balance_days_total(self, through: date) -> tuple[int, int]:
        """(Σ current-year product, Σ carried product) of open member accounts, accrued up to
        (not including) `through`: the interest accrued so far is computed from these."""
        ...

    def clear_products(self, account_no: str, as_of: date) -> None:
        """Restart the products at `as_of` once the interest to that day has been paid out."""
        ...
