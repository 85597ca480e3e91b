"""The app over HTTP (TestClient) on a seeded centre: chart, business date, policy, the demo
organisation and one operator per role. Runs on SQLite and, where available, PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from anju.adapters.clock import FixedClock
from anju.api.app import bind_centre, create_app
from anju.bootstrap import Container
from anju.domain.security import Role, totp_now
from anju.services import auth, demo, setup
from anju.services.ports import UnitOfWork
from anju.services.runner import run

ROOT = Path(__file__).resolve().parents[2]
BUSINESS_DATE = date(2026, 11, 23)
BASE_URL = "https://testserver"  # cookies are Secure (settings default): only sent over https


@dataclass(frozen=True)
class Staff:
    username: str
    display_name: str
    role: str
    password: str
    secret: str
    branch: str | None  # branch code, or None for centre-wide


STAFF: dict[str, Staff] = {
    s.username: s
    for s in (
        Staff("clerk01", "王柜员", Role.COUNTER_CLERK, "Clerk#Pass2026", "JBSWY3DPEHPK3PXPJBSWY3DP", "02"),
        Staff("clerk03", "冯柜员", Role.COUNTER_CLERK, "Clerk#Pass2036", "KVKFKRCPNZQUYMLXOVYDSQKJ", "03"),
        Staff("reviewer1", "李复核", Role.REVIEWER, "Review#Pass2026", "GFCTEMBVGQ2TQMJSGI3DGMZV", None),
        Staff("approver1", "张审批", Role.APPROVER, "Approve#Pass2026", "MZXW6YTBOI2DSNJQGEYTGNBV", None),
        Staff("finance1", "赵会计", Role.FINANCE, "Finance#Pass2026", "KRSXG5CTMVRXEZLUKN2XAZLS", None),
        Staff("finance2", "钱会计", Role.FINANCE, "Finance#Pass2027", "GEZDGNBVGY3TQOJQGEZDGNBV", None),
        Staff("auditor1", "孙稽核", Role.AUDITOR, "Auditor#Pass2026", "MFRGGZDFMZTWQ2LKNNWG23TP", None),
        Staff("sysadmin", "周系统", Role.SYSTEM_ADMIN, "Sys#Admin2026x", "ONSWG4TFORZWK3DPNZSXE5DF", None),
        Staff("secadmin", "吴安全", Role.SECURITY_ADMIN, "Sec#Admin2026x", "MNXW24DMMVSGC5DJN5XGC3DF", None),
        Staff("auditadmin", "郑审计", Role.AUDIT_ADMIN, "Aud#Admin2026x", "NFXHI2LBNRUXUZLEMFWWK3TU", None),
    )
}


def seed_centre(container: Container) -> None:
    setup.initialise(
        container.uow,
        business_date=BUSINESS_DATE,
        reference_policy=(ROOT / "policies" / "reference.toml").read_text(encoding="utf-8"),
    )

    def body(uow: UnitOfWork) -> None:
        org = demo.seed_demo_organisation(uow)
        branch_ids = {b.code: b.id for b in org.branches}
        for s in STAFF.values():
            auth.seed_operator(
                uow,
                username=s.username,
                display_name=s.display_name,
                roles={s.role},
                branch_id=branch_ids[s.branch] if s.branch else None,
                all_branches=s.branch is None,
                password=s.password,
                totp_secret=s.secret,
            )

    run(container.uow, body)


@pytest.fixture
def seeded(container: Container) -> Container:
    seed_centre(container)
    return container


# One app per worker process and middleware settings: FastAPI takes 1–2 s to build the route
# table, which would dominate every API test. `bind_centre` points it at each test's own centre.
# A test that changes the route table must build its own with create_app.
_apps: dict[tuple[int, bool], FastAPI] = {}


@pytest.fixture
def app(seeded: Container) -> FastAPI:
    key = (seeded.settings.upload_max_mb, seeded.settings.cookie_secure)
    cached = _apps.get(key)
    if cached is None:
        cached = _apps[key] = create_app(seeded)
    else:
        bind_centre(cached, seeded)
    return cached


class Client:
    """A browser-like API caller: its own cookie jar, the CSRF token it got at login."""

    def __init__(self, app: FastAPI, clock: FixedClock) -> None:
        self.http = TestClient(app, base_url=BASE_URL, raise_server_exceptions=False)
        self.clock = clock
        self.csrf = ""

    def login(self, username: str, *, password: str | None = None, totp: str | None = None) -> Any:
        staff = STAFF[username]
        # Each TOTP code is good once: move to the next 30-second step before every login.
        self.clock.advance(seconds=30)
        response = self.http.post(
            "/api/v1/auth/login",
            json={
                "username": username,
                "password": staff.password if password is None else password,
                "totp": totp_now(staff.secret, self.clock.now_utc()) if totp is None else totp,
            },
        )
        if response.status_code == 200:
            self.csrf = response.json()["csrf_token"]
        return response

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.http.get(path, **kwargs)

    def send(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        key: str | None = "auto",
        csrf: str | None = "auto",
        headers: dict[str, Any] | None = None,
    ) -> Any:
        sent = dict(headers or {})
        if csrf == "auto":
            sent["X-CSRF-Token"] = self.csrf
        elif csrf is not None:
            sent["X-CSRF-Token"] = csrf
        if key == "auto":
            sent["Idempotency-Key"] = uuid.uuid4().hex
        elif key is not None:
            sent["Idempotency-Key"] = key
        return self.http.request(method, path, json=body, headers=sent)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.send("POST", path, body, **kwargs)


@pytest.fixture
def make_client(app: FastAPI, clock: FixedClock) -> Iterator[Any]:
    clients: list[Client] = []

    def make(username: str | None = None) -> Client:
        client = Client(app, clock)
        clients.append(client)
        if username is not None:
            response = client.login(username)
            assert response.status_code == 200, response.text
        return client

    yield make
    for client in clients:
        client.http.close()
