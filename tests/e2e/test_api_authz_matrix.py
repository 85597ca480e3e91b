"""The authorisation matrix, generated from the route table (reliability.md A1).

Every route × every role: a role without the route's permission gets 403 and nothing else; a
role with it never gets 403; nobody without a session gets in. A new route joins the matrix by
itself, so it cannot ship unguarded.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI

from anju.domain.security import Actor, Permission
from anju.http.guard import route_permissions
from tests.e2e.conftest import STAFF
from tests.e2e.vouchers import post_reviewed

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
# Routes that end or change the caller's own session: covered by their own tests.
SESSION_ROUTES = {("POST", "/logout"), ("POST", "/api/v1/auth/logout"), ("POST", "/api/v1/auth/password")}


def concrete(path: str, voucher_no: str) -> str:
    return re.sub(r"\{voucher_no\}", voucher_no, path)


def call(client: Any, method: str, path: str) -> Any:
    if method == "GET":
        return client.get(path)
    if path.startswith("/api/"):
        return client.send(method, path, {})
    return client.http.request(method, path, data={"csrf_token": client.csrf})


@pytest.fixture
def voucher_no(make_client: Any) -> str:
    """A posted voucher, made and reviewed by two finance clerks (the only way one posts)."""
    body = {
        "memo": "矩阵",
        "lines": [
            {"gl_code": "10101", "side": "debit", "amount": "1.00"},
            {"gl_code": "21999", "side": "credit", "amount": "1.00"},
        ],
    }
    return post_reviewed(make_client("finance1"), make_client("finance2"), body)


# Which role may call a route is decided in Python from the session's roles, the same on both
# databases: SQLite walks every operator; PostgreSQL (session look-up, refusal audit, commit per
# request) walks three roles that between them hold and lack every kind of permission.
PG_OPERATORS = ("clerk01", "auditor1", "sysadmin")


def test_every_route_for_every_role(app: FastAPI, make_client: Any, voucher_no: str, backend: str) -> None:
    table = route_permissions(app)
    checked = 0
    operators = STAFF if backend == "sqlite" else {u: STAFF[u] for u in PG_OPERATORS}
    for username, staff in operators.items():
        client = make_client(username)
        actor = Actor(username=username, roles=frozenset({staff.role}))
        for (method, path), permission in sorted(table.items()):
            if permission == Permission.PUBLIC or (method, path) in SESSION_ROUTES:
                continue
            reply = call(client, method, concrete(path, voucher_no))
            where = f"{username} {method} {path} -> {reply.status_code} {reply.text[:200]}"
            if is_hall_permission(permission):  # the hall realm: a staff session is no session there
                assert_no_session(reply, method, path, where, login="/hall/login")
            elif actor.has(permission):
                assert reply.status_code != 403, where
                assert reply.status_code < 500, where
            else:
                assert reply.status_code == 403, where
                if path.startswith("/api/"):
                    assert reply.json()["code"] == "permission_denied", where
                    assert set(reply.json()) == {"code", "message", "details"}
                else:
                    assert "403 · 无权访问" in reply.text, where
            checked += 1
    assert checked > 250


def test_no_route_opens_without_a_session(app: FastAPI, make_client: Any, voucher_no: str) -> None:
    anonymous = make_client()
    for (method, path), permission in sorted(route_permissions(app).items()):
        if permission == Permission.PUBLIC:
            continue
        reply = call(anonymous, method, concrete(path, voucher_no))
        where = f"{method} {path} -> {reply.status_code}"
        login = "/hall/login" if is_hall_permission(permission) else "/login"
        assert_no_session(reply, method, path, where, login=login)


def is_hall_permission(permission: str) -> bool:
    return permission.startswith("hall.")


def assert_no_session(reply: Any, method: str, path: str, where: str, *, login: str) -> None:
    if path.startswith("/api/"):
        assert reply.status_code == 401, where
        assert reply.json()["code"] == "not_authenticated", where
    elif method == "GET":
        assert reply.status_code == 200, where
        assert reply.url.path == login, where  # redirected to its realm's login
    else:
        assert reply.status_code in {401, 403}, where
