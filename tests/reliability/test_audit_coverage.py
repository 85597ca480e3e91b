"""Audit coverage (reliability.md G1), driven by the route table.

Every state-changing route refused to a role without its permission leaves an audit record
naming who (actor), when (UTC), where (IP), what (the route), the result and the reason; and a set
of state-changing calls that succeed (unit registration, member account, manual voucher,
reversal, freeze) each leave a record with the same fields and the object they changed.
The audit chain verifies afterwards.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from anju.adapters.db.tables.security import audit_log
from anju.bootstrap import Container
from anju.domain.security import Actor
from tests.e2e.conftest import STAFF
from tests.e2e.test_api_collection import open_member, register
from tests.reliability.routes import MUTATING, SESSION_ROUTES, fill, routes
from tests.reliability.workload import assert_ledger_ok


def audit_rows(container: Container, after_seq: int = 0) -> list[Any]:
    with container.engine.connect() as conn:
        return list(
            conn.execute(select(audit_log).where(audit_log.c.seq > after_seq).order_by(audit_log.c.seq))
        )


def last_seq(container: Container) -> int:
    rows = audit_rows(container)
    return int(rows[-1].seq) if rows else 0


def lacking(permission: str) -> str | None:
    for username, staff in STAFF.items():
        if not Actor(username=username, roles=frozenset({staff.role})).has(permission):
            return username
    return None


def test_every_refused_state_change_is_audited(app: FastAPI, seeded: Container, make_client: Any) -> None:
    clients: dict[str, Any] = {}
    expected: set[tuple[str, str]] = set()
    start = last_seq(seeded)
    for route in routes(app):
        if route.method not in MUTATING or (route.method, route.path) in SESSION_ROUTES:
            continue
        user = lacking(route.permission)
        if user is None or route.permission in {"public", "authenticated"}:
            continue
        if route.permission.startswith("hall."):  # the hall realm: a staff session is no session
            continue
        client = clients.get(user) or clients.setdefault(user, make_client(user))
        path = fill(route.path)
        if route.is_api:
            reply = client.send(route.method, path, {})
        else:
            reply = client.http.request(route.method, path, data={"csrf_token": client.csrf})
        assert reply.status_code == 403, f"{user} {route.method} {path} -> {reply.status_code}"
        expected.add((user, f"{route.method} {path}"))
    assert len(expected) > 60
    rows = [r for r in audit_rows(seeded, start) if r.action == "security.access_denied"]
    recorded = {(r.actor, r.object_id) for r in rows}
    assert expected - recorded == set()
    for r in rows:
        assert r.occurred_at is not None and r.ip == "testclient"
        assert (r.result, r.reason) == ("denied", "permission_denied")


def test_state_changes_that_succeed_are_audited_with_who_where_what_and_result(
    seeded: Container, make_client: Any
) -> None:
    clerk, finance = make_client("clerk01"), make_client("finance1")

    def audited(username: str, call: Any) -> tuple[Any, list[Any]]:
        before = last_seq(seeded)
        result = call()
        rows = [r for r in audit_rows(seeded, before) if r.actor == username and r.result == "success"]
        assert rows, f"no audit record for {username}'s change"
        for r in rows:
            assert r.occurred_at is not None and r.ip == "testclient" and r.action and r.object_id
        return result, rows

    unit, rows = audited("clerk01", lambda: register(clerk, 41))
    assert any(unit["unit_account_no"] in r.object_id for r in rows)
    opened, rows = audited("clerk01", lambda: open_member(clerk, unit["unit_account_no"]))
    account_no = opened["account"]["account_no"]
    assert any(account_no in r.object_id or opened["case_no"] in r.object_id for r in rows)
    lines = [
        {"gl_code": "10101", "side": "debit", "amount": "8.00"},
        {"gl_code": "21999", "side": "credit", "amount": "8.00"},
    ]
    voucher, rows = audited(
        "finance1", lambda: finance.post("/api/v1/ledger/vouchers", {"memo": "G1", "lines": lines}).json()
    )
    assert any(r.object_id == voucher["voucher_no"] for r in rows)
    reversal, rows = audited(
        "finance1",
        lambda: finance.post(
            f"/api/v1/ledger/vouchers/{voucher['voucher_no']}/reversal", {"reason": "G1 冲正"}
        ),
    )
    assert reversal.status_code in {200, 201}, reversal.text
    assert any(r.reason == "G1 冲正" for r in rows)
    frozen, rows = audited(
        "clerk01",
        lambda: clerk.post(f"/api/v1/members/{account_no}/freeze", {"document_no": "(2026)豫0102执1号"}),
    )
    assert frozen.status_code == 200, frozen.text
    assert any(account_no in r.object_id for r in rows)
    assert_ledger_ok(seeded)
