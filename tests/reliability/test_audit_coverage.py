"""Audit coverage (reliability.md G1), driven by the route table.

Every state-changing route refused to a role without its permission leaves an audit record
naming who (actor), when (UTC), where (IP), what (the route), the result and the reason; and a set
of state-changing calls that succeed (unit registration, member account, manual voucher,
reversal, freeze) each leave a record with the same fields and the object they changed.
The audit chain verifies afterwards.

Reads too: every GET route whose reply shows a person's data (tests/reliability/pi_world.py) leaves
a `personal_data.view` record (http/pi_audit.py, declared by `requires(..., personal_data=True)`);
a failed view is recorded as a failure, and a view whose record cannot be written is not shown.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from anju.adapters.db.tables.security import audit_log
from anju.bootstrap import Container
from anju.domain.security import Actor
from anju.http import pi_audit
from tests.e2e.conftest import STAFF
from tests.e2e.test_api_collection import open_member, register
from tests.reliability.pi_world import ONE_PER_ROLE, build_world, calls, reply_text
from tests.reliability.routes import MUTATING, SESSION_ROUTES, fill, holds, routes
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
    # A manual voucher: made (制单), reviewed (复核) by another, posted, then corrected by reversal.
    checker = make_client("finance2")
    made, rows = audited(
        "finance1", lambda: finance.post("/api/v1/accounting/vouchers", {"memo": "G1", "lines": lines}).json()
    )
    assert any(r.object_id == made["number"] for r in rows)
    audited("finance2", lambda: checker.post(f"/api/v1/accounting/vouchers/{made['number']}/review"))
    voucher, rows = audited(
        "finance1", lambda: finance.post(f"/api/v1/accounting/vouchers/{made['number']}/post").json()
    )
    assert voucher["voucher_no"] and any(r.object_id == made["number"] for r in rows)
    reversal, rows = audited(
        "finance1",
        lambda: finance.post(
            "/api/v1/accounting/corrections", {"voucher_no": voucher["voucher_no"], "reason": "G1 冲正"}
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


def test_every_view_or_export_of_personal_data_is_audited(
    app: FastAPI, seeded: Container, make_client: Any
) -> None:
    """G1 for reads: every staff GET route whose reply (page, JSON, PDF or workbook) shows a person
    of the world (a masked ID, phone, card or name) leaves a `personal_data.view` record naming
    who, when, where (IP, terminal), the route and object (the concrete path) and the result."""
    world = build_world(make_client, seeded)
    clients: dict[str, Any] = {}
    shown: set[str] = set()
    unaudited: set[str] = set()
    for route in routes(app):
        if route.method != "GET" or route.permission == "public" or route.permission.startswith("hall."):
            continue
        user = next((u for u in ONE_PER_ROLE if holds(u, route.permission)), None)
        if user is None:
            continue
        client = clients.get(user) or clients.setdefault(user, make_client(user))
        # The report catalogue's files show what its page shows (test_masking_documents.py checks
        # that a file showing a person comes from a route declared personal_data).
        for path, query in calls(route, world, formats=()):
            before = last_seq(seeded)
            reply = client.get(path, params=query)
            if reply.status_code != 200 or not any(m in reply_text(reply) for m in world.markers):
                continue
            shown.add(route.path)
            rows = [r for r in audit_rows(seeded, before) if r.action == pi_audit.ACTION]
            if not any(
                (r.actor, r.object_id, r.result, r.ip) == (user, f"GET {path}", "success", "testclient")
                and r.occurred_at is not None
                and json.loads(r.details)["handler"].endswith(f".{route.endpoint.__name__}")
                and json.loads(r.details)["terminal"]
                for r in rows
            ):
                unaudited.add(f"GET {route.path}")
    assert len(shown) > 20  # members, units, cases, withdrawals, loans, documents, exports ...
    assert sorted(unaudited) == [], sorted(unaudited)
    assert_ledger_ok(seeded)


def test_a_failed_view_is_audited_and_a_failed_audit_withholds_the_reply(
    seeded: Container, make_client: Any, monkeypatch: Any
) -> None:
    clerk = make_client("clerk01")
    account_no = open_member(clerk, register(clerk, 42)["unit_account_no"])["account"]["account_no"]
    before = last_seq(seeded)
    assert clerk.get("/api/v1/members/999999999999").status_code == 404
    rows = [r for r in audit_rows(seeded, before) if r.action == pi_audit.ACTION]
    assert [(r.result, r.reason) for r in rows] == [("failure", "http_404")]

    def broken(uow: Any, event: Any) -> int:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(pi_audit.audit, "record", broken)
    reply = clerk.get(f"/api/v1/members/{account_no}")
    assert reply.status_code == 500
    assert "陈*" not in reply.text and account_no not in reply.text  # nothing shown unaudited
