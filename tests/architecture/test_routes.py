"""Every route declares exactly one permission (DESIGN.md §9, reliability.md A1).

The route table is read back from the app itself, so a new endpoint without a permission fails
here (and `create_app` refuses to build with one).
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import cast

import pytest
from fastapi import APIRouter, FastAPI

from anju.api import app as app_module
from anju.api.app import create_app
from anju.api.auth import IDEMPOTENCY_EXEMPT
from anju.bootstrap import Container
from anju.domain.security import Permission
from anju.http.guard import (
    Guard,
    RoutePermissionError,
    all_permissions,
    is_public_query,
    requires,
    route_entries,
    route_permissions,
)
from anju.http.idempotency import is_idempotent_call
from anju.settings import load_settings
from anju.web.nav import NAV

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}

# Public computations declared with public_query(): read-only, so POST without Idempotency-Key or
# CSRF token, and rate-limited per IP. Adding one is a security decision too.
PUBLIC_QUERY_ROUTES = {
    ("POST", "/calculator/schedule"),
    ("POST", "/calculator/limit"),
    ("POST", "/api/v1/loan-calculator/schedule"),
    ("POST", "/api/v1/loan-calculator/limit"),
}
# The only routes anyone may call without logging in. Adding one is a security decision.
PUBLIC_ROUTES = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/docs"),
    ("GET", "/openapi.json"),
    ("GET", "/api/v1/health"),
    ("POST", "/api/v1/auth/login"),
    ("GET", "/calculator"),
    # The unit web hall's two-step login (password, then the SMS code), page and API.
    ("GET", "/hall/login"),
    ("POST", "/hall/login"),
    ("POST", "/hall/login/verify"),
    ("POST", "/api/v1/hall/login"),
    ("POST", "/api/v1/hall/login/verify"),
    # The personal web hall: log in with the ID number, or open the hall online.
    ("POST", "/api/v1/hall/person/login"),
    ("POST", "/api/v1/hall/person/register"),
    ("POST", "/api/v1/hall/person/register/verify"),
    ("POST", "/hall/person/login"),
    ("GET", "/hall/register"),
    ("POST", "/hall/register"),
    ("POST", "/hall/register/verify"),
    # The developer web hall: the password step by the unified social credit code.
    ("POST", "/api/v1/hall/developer/login"),
    ("POST", "/hall/developer/login"),
} | PUBLIC_QUERY_ROUTES


def stub_container(tmp_path: Path) -> Container:
    """Building the route table needs no database: only the settings are read."""
    settings = load_settings({"ANJU_HOME": str(tmp_path), "ANJU_DATABASE_URL": "sqlite://"})
    return cast(Container, SimpleNamespace(settings=settings))


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    return create_app(stub_container(tmp_path))


def test_every_route_declares_one_known_permission(app: FastAPI) -> None:
    table = route_permissions(app)
    entries, strays = route_entries(app)
    assert strays == []
    expected = {(m, e.path) for e in entries for m in e.methods}
    assert set(table) == expected
    assert set(table.values()) <= all_permissions()
    assert len(table) >= 40  # the foundation's pages and endpoints are all in the table


def test_only_the_allow_listed_routes_are_public(app: FastAPI) -> None:
    public = {key for key, permission in route_permissions(app).items() if permission == Permission.PUBLIC}
    assert public == PUBLIC_ROUTES


def test_an_undeclared_route_is_caught(app: FastAPI) -> None:
    route_permissions(app)  # the real app passes ...

    @app.get("/api/v1/undeclared")
    def undeclared() -> dict[str, str]:
        return {}

    with pytest.raises(RoutePermissionError, match="/api/v1/undeclared"):
        route_permissions(app)  # ... and fails as soon as one unguarded route is added


def test_a_route_with_two_permissions_is_caught(app: FastAPI) -> None:
    @app.get("/api/v1/twice", dependencies=[requires(Permission.LEDGER_VIEW)])
    def twice(_: object = requires(Permission.AUDIT_VIEW)) -> dict[str, str]:
        return {}

    with pytest.raises(RoutePermissionError, match="/api/v1/twice"):
        route_permissions(app)


def test_create_app_refuses_an_unguarded_router(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rogue = APIRouter()

    @rogue.get("/rogue")
    def rogue_route() -> dict[str, str]:
        return {}

    module = ModuleType("rogue")
    module.router = rogue  # type: ignore[attr-defined]
    monkeypatch.setattr(app_module, "API_ROUTERS", (*app_module.API_ROUTERS, module))
    with pytest.raises(RoutePermissionError, match="/api/v1/rogue"):
        create_app(stub_container(tmp_path))


def test_every_mutating_api_route_takes_an_idempotency_key(app: FastAPI) -> None:
    entries, _ = route_entries(app)
    missing = []
    for entry in entries:
        if not entry.path.startswith("/api/v1/"):
            continue
        for method in entry.methods & MUTATING:
            idempotent = any(is_idempotent_call(call) or is_public_query(call) for call in entry.calls())
            if not idempotent and (method, entry.path) not in IDEMPOTENCY_EXEMPT:
                missing.append((method, entry.path))
    assert missing == []
    assert len(entries) > 30
    mutating = {(m, e.path) for e in entries if e.path.startswith("/api/v1/") for m in e.methods & MUTATING}
    assert set(IDEMPOTENCY_EXEMPT) <= mutating  # no stale exemption


def test_only_the_allow_listed_routes_are_public_queries(app: FastAPI) -> None:
    entries, _ = route_entries(app)
    queries = {(m, e.path) for e in entries for m in e.methods if any(is_public_query(c) for c in e.calls())}
    assert queries == PUBLIC_QUERY_ROUTES
    # A query is public by construction: no staff route can shed its CSRF check this way.
    with pytest.raises(RoutePermissionError):
        Guard(Permission.LEDGER_VIEW, query=True)


def test_navigation_asks_for_the_permission_its_page_declares(app: FastAPI) -> None:
    table = route_permissions(app)
    for section in NAV:
        for item in section.items:
            assert table[("GET", item.href)] == item.permission, item.href


def test_pages_stay_out_of_the_api_document(app: FastAPI) -> None:
    paths = set(app.openapi()["paths"])
    assert paths
    assert all(path.startswith("/api/v1/") for path in paths)
