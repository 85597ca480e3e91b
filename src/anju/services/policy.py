"""Policy versions: import, the version in force on a business date, listing (DESIGN.md §6).

A version is imported from TOML (the format of policies/reference.toml), validated in full by
`parse_policy`, stored as canonical JSON with its SM3, and never changed: a new version with a
later effective date supersedes it. Decisions load the version in force on their business date.
"""

from __future__ import annotations

import threading
import tomllib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from anju.domain.policy import Policy, PolicyRuleViolation, parse_policy, policy_to_dict
from anju.domain.security import Actor, AuditEvent, Permission
from anju.errors import Conflict
from anju.services.ports import PolicyVersionRecord, UnitOfWork

MAX_TEXT: Final = 100


class PolicyConflict(Conflict):
    """A policy version collides with one already stored."""


@dataclass(frozen=True, slots=True)
class PolicyVersionView:
    """A stored policy version as staff see it (the business key is its effective date)."""

    effective_date: date
    title: str
    document_no: str
    approved_by: str
    imported_by: str
    created_at: datetime
    content_sm3: str
    supersedes_effective_date: date | None
    status: str | None  # in_force | scheduled | superseded, against the current business date

    @property
    def status_label(self) -> str:
        return _STATUS_LABELS.get(self.status or "", "—")


_STATUS_LABELS: Final = {"in_force": "现行有效", "scheduled": "待生效", "superseded": "已被替代"}


# --- cache ------------------------------------------------------------------------------------
# Parsed policies keyed by the SM3 of their content. Stored content never changes (triggers) and
# the repository checks every row against its SM3 on read, so equal keys mean equal content: the
# cache can never serve a stale or foreign policy, even across databases in one process.

_CACHE_SIZE: Final = 16
_cache: OrderedDict[str, Policy] = OrderedDict()
_cache_lock = threading.Lock()


def _parsed(record: PolicyVersionRecord) -> Policy:
    with _cache_lock:
        cached = _cache.get(record.content_sm3)
        if cached is not None:
            _cache.move_to_end(record.content_sm3)
            return cached
    policy = parse_policy(record.content)
    with _cache_lock:
        _cache[record.content_sm3] = policy
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return policy


# --- queries ----------------------------------------------------------------------------------


def policy_in_force(uow: UnitOfWork, day: date) -> Policy:
    """The policy in force on a business date; refuses when none is (before the first version)."""
    record = uow.policy.version_in_force(day)
    if record is None:
        raise PolicyRuleViolation("policy_not_in_force", date=day.isoformat())
    return _parsed(record)


def policy_version_on(uow: UnitOfWork, day: date) -> PolicyVersionView:
    """Which version is in force on a date (to show beside a decision: 文号 and approver)."""
    record = uow.policy.version_in_force(day)
    if record is None:
        raise PolicyRuleViolation("policy_not_in_force", date=day.isoformat())
    return _views([record], uow.calendar.business_date())[0]


def list_policy_versions(uow: UnitOfWork, actor: Actor | None) -> list[PolicyVersionView]:
    """Every version, oldest first. `actor` None: the system (anju init)."""
    if actor is not None:
        actor.require(Permission.POLICY_VIEW)
    return _views(uow.policy.list_versions(), uow.calendar.business_date())


def show_policy(uow: UnitOfWork, day: date, actor: Actor | None = None) -> dict[str, Any]:
    """The version in force on `day` with its full content, for `anju policy show` and the admin page."""
    if actor is not None:
        actor.require(Permission.POLICY_VIEW)
    record = uow.policy.version_in_force(day)
    if record is None:
        raise PolicyRuleViolation("policy_not_in_force", date=day.isoformat())
    return {
        "effective_date": record.effective_date.isoformat(),
        "document_no": record.document_no,
        "approved_by": record.approved_by,
        "imported_by": record.imported_by,
        "created_at": record.created_at.isoformat(),
        "content_sm3": record.content_sm3,
        "policy": policy_to_dict(_parsed(record)),
    }


def _views(records: list[PolicyVersionRecord], business_date: date | None) -> list[PolicyVersionView]:
    by_id = {r.id: r for r in records}
    in_force_id: int | None = None
    if business_date is not None:
        current = [r for r in records if r.effective_date <= business_date]
        in_force_id = max(current, key=lambda r: r.effective_date).id if current else None
    views = []
    for r in records:
        status: str | None = None
        if business_date is not None:
            if r.id == in_force_id:
                status = "in_force"
            elif r.effective_date > business_date:
                status = "scheduled"
            else:
                status = "superseded"
        superseded = by_id.get(r.supersedes_id) if r.supersedes_id is not None else None
        views.append(
            PolicyVersionView(
                effective_date=r.effective_date,
                title=_parsed(r).title,
                document_no=r.document_no,
                approved_by=r.approved_by,
                imported_by=r.imported_by,
                created_at=r.created_at,
                content_sm3=r.content_sm3,
                supersedes_effective_date=superseded.effective_date if superseded else None,
                status=status,
            )
        )
    return views


# --- commands ---------------------------------------------------------------------------------


def import_policy(
    uow: UnitOfWork,
    actor: Actor | None,
    toml_text: str,
    *,
    effective_date: date,
    document_no: str,
    approved_by: str,
) -> PolicyVersionView:
    """Validate and store a new policy version from TOML; the versions before it stay untouched.

    `actor` None means the system during `anju init`. The effective date may not be earlier than
    the current business date (decisions already taken must keep the policy they were made under);
    the only exception is the very first version, which seeds an empty database before any
    decision exists.
    """
    if actor is not None:
        actor.require(Permission.POLICY_MANAGE)
    document_no = _required_text(document_no, "批准文号")
    approved_by = _required_text(approved_by, "批准人或批准机构")
    try:
        data = tomllib.loads(toml_text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyRuleViolation("policy_toml_invalid", reason=str(exc)[:200]) from None
    policy = parse_policy(data)

    current = uow.calendar.business_date()
    if current is not None and effective_date < current and uow.policy.version_in_force(date.max):
        raise PolicyRuleViolation(
            "policy_effective_date_past", date=effective_date.isoformat(), current=current.isoformat()
        )
    previous = (
        uow.policy.version_in_force(effective_date - timedelta(days=1)) if effective_date > date.min else None
    )
    who = actor or Actor.system("init")
    record = uow.policy.add_version(
        effective_date=effective_date,
        content=policy_to_dict(policy),
        document_no=document_no,
        approved_by=approved_by,
        imported_by=who.username,
        created_at=uow.now_utc(),
        supersedes_id=previous.id if previous else None,
    )
    if record is None:
        raise PolicyConflict("policy_version_exists", date=effective_date.isoformat())
    uow.audit.append(
        AuditEvent.by(
            who,
            "policy.import",
            "policy_version",
            effective_date.isoformat(),
            details={
                "document_no": document_no,
                "approved_by": approved_by,
                "content_sm3": record.content_sm3,
                "supersedes": previous.effective_date.isoformat() if previous else None,
            },
        )
    )
    return _views([record, *([previous] if previous else [])], current)[0]


def _required_text(value: str, label: str) -> str:
    text = value.strip()
    if not text:
        raise PolicyRuleViolation("required_field", field=label)
    if len(text) > MAX_TEXT:
        raise PolicyRuleViolation("text_too_long", field=label, max=MAX_TEXT)
    return text
