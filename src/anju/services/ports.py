"""Ports: what the use cases need from the outside world, as Protocols.

Adapters implement them (adapters/db for the database, adapters/crypto, adapters/bank ...) and
only bootstrap.py wires implementations in. Each feature keeps its repository protocol in its own
section below; services never import SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Any, Protocol, Self

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
from anju.money import Money

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

    def post(
        self, draft: VoucherDraft, *, created_by: str, branch_id: int | None, replay_ok: bool = False
    ) -> PostedVoucher:
        """Post in the caller's transaction. Duplicate (source, source_ref): Conflict, or with
        replay_ok the stored voucher (replayed=True). A broken floor raises insufficient_balance
        and the caller must roll back."""
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

    def finish_eod_step(self, day: date, step: str, state: str, message: str | None, now: datetime) -> None: ...

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
