"""API schema fuzz (reliability.md F1): Schemathesis generates requests from the OpenAPI spec for
every operation, sent as every staff role and as an anonymous caller. No reply is a 5xx, none
shows a stack trace or SQL, and every refusal of the JSON API is the documented error shape
{code, message, details}.

Bounded in `make test` (each operation: two roles in turn, a few cases each); `make soak` sends
more cases from every role to every operation. The seed is printed; SEED=<n> replays it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings

from anju.adapters.clock import FixedClock
from anju.api.app import create_app
from anju.bootstrap import build
from anju.settings import load_settings
from tests.conftest import TEST_MASTER_KEY, fresh_database_url
from tests.e2e.conftest import STAFF, Client, seed_centre
from tests.reliability.workload import seeded_random, soak_size

LEAKS = re.compile(
    r"Traceback|sqlalchemy|psycopg|sqlite3|OperationalError|ProgrammingError|IntegrityError|"
    r'syntax error|File "/|Internal Server Error',
    re.IGNORECASE,
)
# Operations that end or change the caller's own session (fuzzing them logs the role out).
SKIP = {("POST", "/api/v1/auth/logout"), ("POST", "/api/v1/auth/password")}


@dataclass
class Caller:
    name: str
    cookies: dict[str, str]
    csrf: str


@pytest.fixture(scope="module")
def fuzz_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, list[Caller]]]:
    """One seeded centre on SQLite for the whole module (the fuzz is about the HTTP layer)."""
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    url, _ = fresh_database_url("sqlite", tmp)
    clock = FixedClock(
        FixedClock(
            __import__("datetime").datetime(2026, 11, 23, 2, 0, tzinfo=__import__("datetime").UTC)
        ).now_utc()
    )
    settings_ = load_settings(
        {
            "ANJU_HOME": str(tmp / "home"),
            "ANJU_DATABASE_URL": url,
            "ANJU_MASTER_KEY": TEST_MASTER_KEY,
            "ANJU_PASSWORD_ITERATIONS": "2000",
        }
    )
    container = build(settings_, clock=clock)
    seed_centre(container)
    app = create_app(container)
    callers = [Caller("anonymous", {}, "")]
    for username in STAFF:
        client = Client(app, clock)
        reply = client.login(username)
        assert reply.status_code == 200, reply.text
        callers.append(Caller(username, dict(client.http.cookies), client.csrf))
        client.http.close()
    yield app, callers
    container.engine.dispose()


def _check(caller: Caller, case: Any, response: Any) -> None:
    where = f"{caller.name} {case.method} {case.path} {case.path_parameters} {case.query}"
    where += f" -> {response.status_code}"
    body = response.text
    assert response.status_code < 500, where + " " + body[:300]
    match = LEAKS.search(body)
    assert match is None, where + " leaks " + (match.group(0) if match else "")
    if case.path.startswith("/api/") and 400 <= response.status_code < 500 and response.status_code != 405:
        shape = response.json()
        assert isinstance(shape, dict) and set(shape) == {"code", "message", "details"}, (
            where + " " + body[:300]
        )


def test_every_operation_for_every_role_never_fails_with_5xx(fuzz_target: tuple[Any, list[Caller]]) -> None:
    app, callers = fuzz_target
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if (op.method.upper(), op.path) not in SKIP]
    assert len(operations) > 80
    rng = seeded_random("F1 schema fuzz")
    examples = soak_size(2, scale=0.1)
    roles_per_operation = len(callers) if examples > 2 else 2
    sent: list[int] = []
    for index, operation in enumerate(operations):
        for k in range(roles_per_operation):
            caller = callers[(index * 2 + k) % len(callers)]
            fuzz_one(operation, caller, rng.randrange(1 << 31), examples, sent)
    assert len(sent) >= len(operations) * 2


def fuzz_one(operation: Any, caller: Caller, at_seed: int, examples: int, sent: list[int]) -> None:
    @seed(at_seed)
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def fuzz(case: Any) -> None:
        headers = {"X-CSRF-Token": caller.csrf, "Idempotency-Key": uuid.uuid4().hex}
        response = case.call(headers=headers, cookies=caller.cookies)
        sent.append(response.status_code)
        _check(caller, case, response)

    fuzz()
