"""Authorisation gates on data sharing and the credit report (reliability.md P3; PIPL art. 13-14).

A registry look-up about a person (不动产, 婚姻, 社保, 商贷, and 征信 for a loan review) happens
only under the person's authorisation (授权) that is recorded, not expired, not withdrawn and
covers that registry. Anything else is refused before the registry is asked, and the refusal is
logged and audited (result `denied`, with the reason). A valid authorisation allows exactly its
scope. The credit report serves the loan review only: a withdrawal cannot ask for it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from anju.adapters.datasharing.simulator import SimulatedDataSharing
from anju.adapters.db.tables.security import audit_log
from anju.bootstrap import Container
from anju.domain.security import Actor, Role
from anju.errors import PermissionDenied
from anju.ids import make_resident_id
from anju.services import data_sharing
from anju.services.data_sharing import DataSharingRuleViolation
from anju.services.ports import UnitOfWork
from anju.services.runner import run
from anju.services.withdrawal_ports import Registry, RegistryAnswer
from tests.e2e.test_api_collection import open_member, register

CLERK = Actor(username="clerk01", roles=frozenset({Role.COUNTER_CLERK}), operator_id=1, all_branches=True)
AUDITOR = Actor(username="auditor1", roles=frozenset({Role.AUDITOR}), operator_id=2, all_branches=True)
HOME_BUYER = make_resident_id("41010219850101001").reveal()  # known to the simulator's registries
TODAY = date(2026, 11, 23)


class CountingRegistry:
    """The simulator, counting which registries were really asked."""

    def __init__(self) -> None:
        self.inner = SimulatedDataSharing()
        self.asked: list[str] = []

    def lookup(self, registry: str, resident_id: str) -> RegistryAnswer:
        self.asked.append(registry)
        return self.inner.lookup(registry, resident_id)


@pytest.fixture
def registry() -> Any:
    before = data_sharing.configured()
    port = CountingRegistry()
    data_sharing.configure(port)
    yield port
    data_sharing.configure(before)


@pytest.fixture
def account_no(make_client: Any) -> str:
    clerk = make_client("clerk01")
    unit_no = register(clerk, 61)["unit_account_no"]
    return str(open_member(clerk, unit_no, resident_id=HOME_BUYER)["account"]["account_no"])


def consent(container: Container, account_no: str, scopes: set[str], **dates: date) -> int:
    """Record an authorisation; with `granted_on`/`expires_on`, one recorded in the past."""

    def body(uow: UnitOfWork) -> int:
        if not dates:
            expires = date(2027, 11, 22)
            return data_sharing.record_consent(
                uow, CLERK, account_no, scopes=frozenset(scopes), expires_on=expires, document_ref="SQ-1"
            ).id
        account = uow.members.account(account_no)
        assert account is not None
        return uow.withdrawals.insert_consent(
            {
                "member_id": account.member_id,
                "scopes": frozenset(scopes),
                "document_ref": "SQ-OLD",
                "recorded_by": "clerk01",
                "recorded_at": uow.now_utc(),
                **dates,
            }
        ).id

    return run(container.uow, body)


def lookups(container: Container, account_no: str, *registries: str) -> dict[str, str]:
    results = run(
        container.uow, lambda uow: data_sharing.lookup(uow, CLERK, account_no, registries, "提取核验")
    )
    return {r.registry: r.outcome for r in results}


def lookup_audit(container: Container, account_no: str) -> list[tuple[str, str | None, str]]:
    with container.engine.connect() as conn:
        rows = conn.execute(
            select(audit_log.c.result, audit_log.c.reason, audit_log.c.details)
            .where(audit_log.c.action == "data_sharing.lookup", audit_log.c.object_id == account_no)
            .order_by(audit_log.c.seq)
        ).all()
    return [(r.result, r.reason, r.details) for r in rows]


# Authorisations recorded earlier whose validity does not include today (2026-11-23).
PAST_OR_FUTURE = {
    "expired": (date(2025, 1, 1), date(2026, 11, 22)),
    "not_yet_valid": (date(2026, 11, 24), date(2027, 1, 1)),
}


@pytest.mark.parametrize("kind", ["none", "expired", "not_yet_valid", "other_registry", "withdrawn"])
def test_a_look_up_without_a_valid_authorisation_is_refused_and_audited(
    seeded: Container, account_no: str, registry: Any, kind: str
) -> None:
    if kind in PAST_OR_FUTURE:
        granted, expires = PAST_OR_FUTURE[kind]
        consent(seeded, account_no, {Registry.PROPERTY}, granted_on=granted, expires_on=expires)
    elif kind == "other_registry":
        consent(seeded, account_no, {Registry.MARRIAGE, Registry.SOCIAL_SECURITY})
    elif kind == "withdrawn":
        consent_id = consent(seeded, account_no, {Registry.PROPERTY})
        assert lookups(seeded, account_no, Registry.PROPERTY) == {Registry.PROPERTY: "found"}
        run(seeded.uow, lambda uow: data_sharing.revoke_consent(uow, CLERK, account_no, consent_id))
        registry.asked.clear()
    before = len(lookup_audit(seeded, account_no))

    assert lookups(seeded, account_no, Registry.PROPERTY) == {Registry.PROPERTY: "refused"}
    assert registry.asked == []  # the registry was never asked
    audited = lookup_audit(seeded, account_no)[before:]
    assert [(result, reason) for result, reason, _ in audited] == [("denied", "data_sharing_no_consent")]
    assert '"outcome":"refused"' in audited[0][2]
    log = run(seeded.uow, lambda uow: data_sharing.lookup_log(uow, CLERK, account_no))
    assert (log[-1].registry, log[-1].outcome, log[-1].actor) == (Registry.PROPERTY, "refused", "clerk01")


def test_a_valid_authorisation_allows_exactly_its_scope(
    seeded: Container, account_no: str, registry: Any
) -> None:
    consent(seeded, account_no, {Registry.PROPERTY, Registry.SOCIAL_SECURITY})
    outcomes = lookups(seeded, account_no, Registry.PROPERTY, Registry.MARRIAGE, Registry.SOCIAL_SECURITY)
    assert outcomes == {
        Registry.PROPERTY: "found",
        Registry.MARRIAGE: "refused",
        Registry.SOCIAL_SECURITY: "found",
    }
    assert registry.asked == [Registry.PROPERTY, Registry.SOCIAL_SECURITY]
    audited = lookup_audit(seeded, account_no)
    assert [result for result, _, _ in audited] == ["success", "denied", "success"]


def test_the_credit_report_needs_its_own_authorisation_and_serves_the_loan_review_only(
    seeded: Container, account_no: str, registry: Any
) -> None:
    def credit(actor: Actor = CLERK) -> Any:
        return run(seeded.uow, lambda uow: data_sharing.credit_report(uow, actor, account_no))

    assert credit().outcome == "refused"  # no authorisation at all
    consent(seeded, account_no, {Registry.PROPERTY, Registry.MORTGAGE})
    assert credit().outcome == "refused"  # authorised for the withdrawal registries only
    assert registry.asked == []
    consent(seeded, account_no, {Registry.CREDIT})
    report = credit()
    assert (report.outcome, report.answer.credit_overdue_accounts) == ("found", 0)
    assert registry.asked == [Registry.CREDIT]
    audited = lookup_audit(seeded, account_no)
    assert [(result, reason) for result, reason, _ in audited] == [
        ("denied", "data_sharing_no_consent"),
        ("denied", "data_sharing_no_consent"),
        ("success", None),
    ]
    assert all('"registry":"credit"' in details for _, _, details in audited)

    # Purpose limitation: a withdrawal never asks for the credit report, authorised or not.
    with pytest.raises(DataSharingRuleViolation) as refused:
        lookups(seeded, account_no, Registry.CREDIT)
    assert refused.value.code == "data_sharing_purpose_forbidden"
    # Only staff who handle loans may ask (an auditor may not), and that refusal is no look-up.
    with pytest.raises(PermissionDenied):
        credit(AUDITOR)
    assert registry.asked == [Registry.CREDIT]


def test_the_loan_desk_asks_for_the_credit_report_over_the_api(
    make_client: Any, account_no: str, registry: Any
) -> None:
    clerk = make_client("clerk01")
    refused = clerk.post("/api/v1/credit-reports", {"account_no": account_no})
    assert refused.status_code == 200, refused.text
    assert refused.json()["outcome"] == "refused" and "未授权查询个人征信报告" in refused.json()["message"]
    assert (
        make_client("auditor1").post("/api/v1/credit-reports", {"account_no": account_no}).status_code == 403
    )
    authorised = clerk.post(
        "/api/v1/withdrawals/consents",
        {"account_no": account_no, "scopes": ["credit"], "expires_on": "2027-11-22", "document_ref": "ZX-1"},
    )
    assert authorised.status_code == 201, authorised.text
    report = clerk.post("/api/v1/credit-reports", {"account_no": account_no}).json()
    assert (report["outcome"], report["overdue_accounts"]) == ("found", 0)
    assert registry.asked == [Registry.CREDIT]
    log = clerk.get("/api/v1/withdrawals/lookups", params={"account_no": account_no}).json()
    assert sorted(entry["outcome"] for entry in log) == ["found", "refused"]  # both logged
