"""Data sharing (数据共享) for withdrawals: the person's authorisation (授权: scope and expiry),
look-ups limited to that scope, each one logged and audited (reliability.md P3), and the evidence
the registries prove, which lets a withdrawal be approved at once (秒批).

The port (withdrawal_ports.DataSharing) is configured once per process by bootstrap, like the
bank gateway; tests configure their own simulator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from anju.domain.security import Actor, AuditEvent, Permission
from anju.domain.withdrawals import WithdrawalRuleViolation
from anju.errors import NotFound, RuleViolation
from anju.money import Money
from anju.services.calendar import current_business_date
from anju.services.ports import UnitOfWork
from anju.services.withdrawal_ports import (
    REGISTRY_LABELS,
    ConsentRecord,
    DataSharing,
    Registry,
    RegistryAnswer,
)

MAX_CONSENT_DAYS: Final = 366 * 3

# Which registries prove a reason's facts well enough for automatic approval (秒批).
AUTO_REGISTRIES: Final[dict[str, tuple[str, ...]]] = {
    "01": (Registry.PROPERTY,),  # purchase: the deed, its date, price and loan
    "03": (Registry.SOCIAL_SECURITY,),  # retirement
    "07": (Registry.PROPERTY,),  # rent: no home in the city
    "L1": (Registry.MORTGAGE, Registry.PROPERTY),  # commercial mortgage repaid, own property
}

_port: DataSharing | None = None


class DataSharingRuleViolation(RuleViolation):
    """A look-up or an authorisation is not allowed as asked."""


class ConsentNotFound(NotFound):
    """No such authorisation for this person."""


def configure(port: DataSharing | None) -> None:
    global _port  # noqa: PLW0603 - one data-sharing platform per process, set by bootstrap
    _port = port


def configured() -> DataSharing | None:
    return _port


@dataclass(frozen=True, slots=True)
class ConsentView:
    id: int
    scopes: tuple[str, ...]
    scope_labels: tuple[str, ...]
    granted_on: date
    expires_on: date
    revoked: bool
    document_ref: str

    def valid_on(self, day: date) -> bool:
        return not self.revoked and self.granted_on <= day <= self.expires_on


@dataclass(frozen=True, slots=True)
class LookupResult:
    registry: str
    registry_label: str
    outcome: str  # found | not_found | refused
    answer: RegistryAnswer | None


def _consent_view(r: ConsentRecord) -> ConsentView:
    scopes = tuple(sorted(r.scopes))
    return ConsentView(
        id=r.id,
        scopes=scopes,
        scope_labels=tuple(REGISTRY_LABELS.get(s, s) for s in scopes),
        granted_on=r.granted_on,
        expires_on=r.expires_on,
        revoked=r.revoked_at is not None,
        document_ref=r.document_ref,
    )


def _member(uow: UnitOfWork, actor: Actor, account_no: str) -> tuple[int, str]:
    account = uow.members.account(account_no.strip())
    if account is None:
        raise ConsentNotFound("not_found", what=f"个人账户 {account_no.strip()[:20]}")
    actor.require_branch(account.branch_id)
    return account.member_id, account.person.resident_id


def record_consent(
    uow: UnitOfWork,
    actor: Actor,
    account_no: str,
    *,
    scopes: frozenset[str],
    expires_on: date,
    document_ref: str,
) -> ConsentView:
    """授权: the person authorises look-ups in `scopes` from today until `expires_on`."""
    actor.require(Permission.WITHDRAWAL_MANAGE)
    unknown = sorted(set(scopes) - set(REGISTRY_LABELS))
    if unknown or not scopes:
        raise DataSharingRuleViolation("data_sharing_scope_unknown", scope=(unknown or ["（空）"])[0][:30])
    ref = document_ref.strip()[:80]
    if not ref:
        raise WithdrawalRuleViolation("required_field", field="授权书编号")
    today = current_business_date(uow)
    if expires_on <= today or (expires_on - today).days > MAX_CONSENT_DAYS:
        raise DataSharingRuleViolation(
            "data_sharing_consent_invalid", granted=today.isoformat(), expires=expires_on.isoformat()
        )
    member_id, _ = _member(uow, actor, account_no)
    record = uow.withdrawals.insert_consent(
        {
            "member_id": member_id,
            "scopes": frozenset(scopes),
            "granted_on": today,
            "expires_on": expires_on,
            "document_ref": ref,
            "recorded_by": actor.username,
            "recorded_at": uow.now_utc(),
        }
    )
    uow.audit.append(
        AuditEvent.by(
            actor,
            "data_sharing.consent",
            "member_account",
            account_no.strip(),
            details={"scopes": ",".join(sorted(scopes)), "expires_on": expires_on.isoformat()},
        )
    )
    return _consent_view(record)


def revoke_consent(uow: UnitOfWork, actor: Actor, account_no: str, consent_id: int) -> None:
    """撤回授权: no look-up may use it from now on."""
    actor.require(Permission.WITHDRAWAL_MANAGE)
    member_id, _ = _member(uow, actor, account_no)
    if not any(c.id == consent_id for c in uow.withdrawals.consents(member_id)):
        raise ConsentNotFound("not_found", what="授权记录")
    uow.withdrawals.revoke_consent(consent_id, uow.now_utc())
    uow.audit.append(
        AuditEvent.by(
            actor,
            "data_sharing.revoke",
            "member_account",
            account_no.strip(),
            details={"consent": consent_id},
        )
    )


def consents(uow: UnitOfWork, actor: Actor, account_no: str) -> list[ConsentView]:
    actor.require(Permission.WITHDRAWAL_VIEW)
    member_id, _ = _member(uow, actor, account_no)
    return [_consent_view(c) for c in uow.withdrawals.consents(member_id)]


def lookup(
    uow: UnitOfWork, actor: Actor, account_no: str, registries: tuple[str, ...], purpose: str
) -> list[LookupResult]:
    """Ask each registry for a withdrawal, only under a valid authorisation covering it; every call
    is logged and audited, a refused one too (it never reaches the registry). Returns instead of
    raising, so the log of a refusal is kept. The credit report is not a withdrawal's business:
    only the loan review asks for it (`credit_report`)."""
    actor.require(Permission.WITHDRAWAL_MANAGE)
    if Registry.CREDIT in registries:
        raise DataSharingRuleViolation(
            "data_sharing_purpose_forbidden", registry=REGISTRY_LABELS[Registry.CREDIT]
        )
    return _gated_lookup(uow, actor, account_no, registries, purpose)


def credit_report(uow: UnitOfWork, actor: Actor, account_no: str) -> LookupResult:
    """征信查询 for a loan application: only with the person's valid authorisation covering the
    credit registry (P3); refused, logged and audited otherwise."""
    actor.require(Permission.LOAN_MANAGE)
    return _gated_lookup(uow, actor, account_no, (Registry.CREDIT,), "贷款审查（征信）")[0]


def _gated_lookup(
    uow: UnitOfWork, actor: Actor, account_no: str, registries: tuple[str, ...], purpose: str
) -> list[LookupResult]:
    port = _port
    member_id, resident_id = _member(uow, actor, account_no)
    today = current_business_date(uow)
    valid = [c for c in uow.withdrawals.consents(member_id) if _consent_view(c).valid_on(today)]
    out = []
    for registry in registries:
        if registry not in REGISTRY_LABELS:
            raise DataSharingRuleViolation("data_sharing_scope_unknown", scope=registry[:30])
        consent = next((c for c in valid if registry in c.scopes), None)
        answer: RegistryAnswer | None = None
        if consent is None or port is None:
            outcome = "refused"
        else:
            answer = port.lookup(registry, resident_id)
            outcome = "found" if answer.found else "not_found"
        now: datetime = uow.now_utc()
        uow.withdrawals.add_lookup(
            {
                "member_id": member_id,
                "consent_id": consent.id if consent else None,
                "registry": registry,
                "purpose": purpose[:60],
                "outcome": outcome,
                "actor": actor.username,
                "looked_up_at": now,
            }
        )
        refused = outcome == "refused"
        uow.audit.append(
            AuditEvent.by(
                actor,
                "data_sharing.lookup",
                "member_account",
                account_no.strip(),
                result="denied" if refused else "success",
                reason=("data_sharing_no_consent" if consent is None else "data_sharing_unavailable")
                if refused
                else None,
                details={"registry": registry, "outcome": outcome, "purpose": purpose[:60]},
            )
        )
        out.append(LookupResult(registry, REGISTRY_LABELS[registry], outcome, answer))
    return out


@dataclass(frozen=True, slots=True)
class ProvenFacts:
    """Evidence the registries proved (None: not proved)."""

    verified: frozenset[str]
    event_date: date | None = None
    cost: Money | None = None
    property_ref: str | None = None
    owns_home_in_city: bool | None = None
    amount_repaid: Money | None = None
    retired: bool | None = None


def prove(reason_code: str, results: list[LookupResult], property_ref: str | None) -> ProvenFacts:
    """Turn registry answers into the facts a reason needs."""
    by = {r.registry: r.answer for r in results if r.outcome != "refused" and r.answer is not None}
    verified: set[str] = set()
    facts: dict[str, object] = {}
    prop = by.get(Registry.PROPERTY)
    if prop is not None:
        verified.add(Registry.PROPERTY)
        facts["owns_home_in_city"] = bool(prop.properties)
        chosen = next((p for p in prop.properties if property_ref in (None, p.property_ref)), None)
        if chosen is not None and reason_code == "01":
            facts.update(
                event_date=chosen.registered_on,
                cost=chosen.price - chosen.loan,
                property_ref=chosen.property_ref,
            )
    ss = by.get(Registry.SOCIAL_SECURITY)
    if ss is not None and ss.found:
        verified.add(Registry.SOCIAL_SECURITY)
        facts["retired"] = ss.retired_on is not None
    mortgage = by.get(Registry.MORTGAGE)
    if mortgage is not None and mortgage.found:
        verified.add(Registry.MORTGAGE)
        facts.update(amount_repaid=mortgage.mortgage_repaid_12m, property_ref=mortgage.mortgage_property_ref)
    return ProvenFacts(verified=frozenset(verified), **facts)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class LookupLogView:
    registry: str
    registry_label: str
    purpose: str
    outcome: str
    actor: str
    looked_up_at: datetime


def lookup_log(uow: UnitOfWork, actor: Actor, account_no: str) -> list[LookupLogView]:
    """Every look-up made about the person (who, when, which registry, why, with what outcome)."""
    actor.require(Permission.WITHDRAWAL_VIEW)
    member_id, _ = _member(uow, actor, account_no)
    return [
        LookupLogView(
            x.registry,
            REGISTRY_LABELS.get(x.registry, x.registry),
            x.purpose,
            x.outcome,
            x.actor,
            x.looked_up_at,
        )
        for x in uow.withdrawals.lookups(member_id)
    ]
