"""Ports of the online halls (网厅): hall accounts, login challenges, sessions, the SMS outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from anju.money import Money


@dataclass(frozen=True, slots=True)
class HallAccountRecord:
    id: int
    kind: str
    login: str
    unit_id: int | None
    member_id: int | None
    display_name: str
    phone_enc: bytes
    password_hash: str
    password_changed_at: datetime | None
    failed_logins: int
    locked_until: datetime | None
    status: str
    created_at: datetime
    created_by: str
    last_login_at: datetime | None
    developer_id: int | None = None  # kind developer: the company (开发商) it speaks for


@dataclass(frozen=True, slots=True)
class DeveloperApplicationRecord:
    """A buyer's loan application on a developer's project, as the developer hall shows it."""

    loan_no: str
    state: str
    project_id: int
    project_name: str
    building_name: str | None
    borrower_account_no: str
    amount: Money
    term_months: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class HallChallengeRecord:
    id: int
    hall_account_id: int
    code_hash: str
    created_at: datetime
    expires_at: datetime
    attempts: int
    used_at: datetime | None


@dataclass(frozen=True, slots=True)
class HallSessionRecord:
    id: int
    hall_account_id: int
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class SmsRecord:
    id: int
    phone_enc: bytes
    text_enc: bytes
    purpose: str
    created_at: datetime
    sent_at: datetime | None
    status: str


class HallRepository(Protocol):
    """Implemented by adapters/db/repositories/hall.py."""

    def insert_account(
        self,
        *,
        kind: str,
        login: str,
        unit_id: int | None,
        member_id: int | None = None,
        developer_id: int | None = None,
        display_name: str,
        phone_enc: bytes,
        phone_index: str,
        password_hash: str,
        created_at: datetime,
        created_by: str,
    ) -> int | None:
        """The new account's id, or None when (kind, login) exists already."""
        ...

    def account_by_login(
        self, kind: str, login: str, *, for_update: bool = False
    ) -> HallAccountRecord | None: ...

    def account_by_id(self, account_id: int, *, for_update: bool = False) -> HallAccountRecord | None: ...

    def update_account(self, account_id: int, **values: object) -> None:
        """Set columns (password_hash, phone_enc, phone_index, status, failed_logins, locked_until,
        last_login_at, password_changed_at, display_name)."""
        ...

    def add_failed_login(self, account_id: int) -> int:
        """Count one failure; returns the new count."""
        ...

    def insert_challenge(
        self, *, account_id: int, token_hash: str, code_hash: str, created_at: datetime, expires_at: datetime
    ) -> int: ...

    def challenge_by_token_hash(
        self, token_hash: str, *, for_update: bool = False
    ) -> HallChallengeRecord | None: ...

    def count_attempt(self, challenge_id: int) -> int:
        """Count one wrong code; returns the new count."""
        ...

    def use_challenge(self, challenge_id: int, now: datetime) -> bool:
        """Mark used if not yet used; False when a concurrent request used it first."""
        ...

    def void_challenges_of(self, account_id: int, now: datetime) -> None:
        """Every open challenge of the account is spent (a new code voids the old ones)."""
        ...

    def challenges_since(self, account_id: int, since: datetime) -> list[datetime]:
        """Creation times of the account's challenges since `since`, newest first."""
        ...

    def insert_session(
        self, *, account_id: int, token_hash: str, csrf_token: str, now: datetime, ip: str | None
    ) -> int: ...

    def session_by_token_hash(self, token_hash: str) -> HallSessionRecord | None: ...

    def account_of_session(self, session_id: int) -> HallAccountRecord | None: ...

    def touch_session(self, session_id: int, now: datetime) -> None: ...

    def revoke_session(self, session_id: int, now: datetime) -> None: ...

    def revoke_sessions_of(self, account_id: int, now: datetime) -> None: ...

    def accounts_of_unit(self, unit_id: int) -> list[HallAccountRecord]: ...

    def applications_of_developer(
        self, developer_id: int, *, project_id: int | None, limit: int, offset: int
    ) -> tuple[list[DeveloperApplicationRecord], int]:
        """Loans on the developer's projects (newest first), one page and the total."""
        ...

    def queue_sms(
        self, *, phone_enc: bytes, phone_index: str, text_enc: bytes, purpose: str, created_at: datetime
    ) -> int: ...

    def sms_queued(self, limit: int) -> list[SmsRecord]: ...

    def mark_sms(self, sms_id: int, status: str, now: datetime) -> None: ...

    def sms_to(self, phone_index: str, limit: int) -> list[SmsRecord]:
        """Messages to one phone, newest first."""
        ...


class SmsGateway(Protocol):
    """The SMS platform (12329 短信). The simulator records what it was asked to send."""

    def send(self, phone: str, text: str) -> None:
        """Raise AnjuError on a refusal; return once the platform accepted the message."""
        ...
