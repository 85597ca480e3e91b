"""Injection (reliability.md F3): SQL and NoSQL payloads in every query and path parameter of
every route, driven by the route table, change nothing and leak nothing; and a gate over the
source: no SQL text is built with interpolated values (f-strings, %, +, .format) except the
reviewed uses below, which interpolate identifiers or placeholders only.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI

from anju.adapters.db.backup import table_digests
from anju.bootstrap import Container
from tests.reliability.routes import MUTATING, SESSION_ROUTES, fill, holder_of, routes
from tests.reliability.workload import assert_ledger_ok, soak_size

SRC = Path(__file__).resolve().parents[2] / "src" / "anju"

PAYLOADS = [
    "' OR '1'='1",
    "1; DROP TABLE voucher; --",
    '" OR 1=1 --',
    "' UNION SELECT password_hash, NULL FROM staff_operator --",
    "1) OR (1=1",
    "%' AND 1=CAST((SELECT version()) AS int) --",
    '{"$gt": ""}',
    "id DESC; DELETE FROM posting",
    "1' AND SLEEP(5) --",
    "\\'; SELECT pg_sleep(5); --",
]
OVERFLOW = "9" * 25
LEAKS = re.compile(
    r"Traceback|sqlalchemy|psycopg|sqlite3|OperationalError|ProgrammingError|syntax error|"
    r'File "/|Internal Server Error',
    re.IGNORECASE,
)  # error and stack-trace markers; the payload itself may be echoed back (escaped) in a search box
# Tables whose rows no read may change (audit, sessions and the idempotency cache may grow).
GUARDED = (
    "voucher",
    "posting",
    "ledger_account",
    "gl_balance",
    "staff_operator",
    "staff_role",
    "unit",
    "member",
)


def snapshot(container: Container) -> dict[str, Any]:
    with container.engine.connect() as conn:
        digests = table_digests(conn)
    return {name: d for name, d in digests.items() if name in GUARDED}


def call(client: Any, method: str, path: str, query: dict[str, str]) -> Any:
    if method == "GET":
        return client.http.get(path, params=query)
    if path.startswith("/api/"):
        return client.send(
            method, path + ("?" + "&".join(f"{k}={quote(v)}" for k, v in query.items()) if query else ""), {}
        )
    return client.http.request(method, path, params=query, data={"csrf_token": client.csrf})


def test_injection_payloads_in_every_parameter_change_nothing(
    app: FastAPI, seeded: Container, make_client: Any
) -> None:
    clients: dict[str, Any] = {}
    before = snapshot(seeded)
    # Bounded: each parameter gets the next payload in turn (all are spread over the parameters);
    # `make soak` sends every payload to every parameter.
    per_param = min(len(PAYLOADS), soak_size(1, scale=1))
    turn = 0
    sent = 0
    for route in routes(app):
        if (route.method, route.path) in SESSION_ROUTES or not (route.query or route.path_params):
            continue
        user = holder_of(route.permission)
        if user is None and route.permission != "public":
            continue
        client = clients.get(user or "") or clients.setdefault(user or "", make_client(user))
        targets = [("q", name) for name in route.query] + [("p", name) for name in route.path_params]
        for where, name in targets:
            # Every parameter also gets a number beyond BIGINT (an id column's range).
            for payload in [PAYLOADS[(turn + k) % len(PAYLOADS)] for k in range(per_param)] + [OVERFLOW]:
                turn += 1
                if where == "q":
                    path, query = fill(route.path), {name: payload}
                else:
                    path = route.path.replace("{" + name + "}", quote(payload, safe=""))
                    path, query = fill(path), {}
                reply = call(client, route.method, path, query)
                what = f"{user} {route.method} {route.path} {name}={payload!r} -> {reply.status_code}"
                assert reply.status_code < 500, what + " " + reply.text[:300]
                assert not LEAKS.search(reply.text), what + " leaks: " + LEAKS.search(reply.text).group(0)
                if route.method in MUTATING:
                    assert reply.status_code >= 400, what
                sent += 1
    assert sent > 150
    assert snapshot(seeded) == before
    assert_ledger_ok(seeded)


# --- the gate over the source ------------------------------------------------------------------

SQL_CALLS = {"text", "exec_driver_sql", "execute", "executescript", "executemany", "literal_column"}
SQL_WORDS = re.compile(
    r"\b(SELECT|INSERT\s+INTO|UPDATE|DELETE\s+FROM|WHERE|VALUES|ORDER\s+BY|DROP|CREATE|TRUNCATE|COPY|ALTER)\b"
)
# Reviewed: (file, start of the SQL text) -> why it is safe. Identifiers from code, never values.
REVIEWED = {
    ("adapters/bank/simulator.py", "SELECT * FROM txn WHERE id IN ("): "placeholders (?, ?, …) only",
    ("adapters/bank/simulator.py", "DELETE FROM "): "table names from a constant tuple",
    ("adapters/db/backup.py", "DROP DATABASE IF EXISTS "): "quoted identifier of the scratch database",
    ("adapters/db/backup.py", "CREATE DATABASE "): "quoted identifier of the scratch database",
    ("adapters/db/engine.py", "SHOW "): "setting names from a constant tuple",
    ("adapters/db/repositories/ledger.py", "COPY "): "table and column names from code",
    ("adapters/db/repositories/ledger.py", "INSERT INTO posting ("): "column names and placeholders",
    ("adapters/db/repositories/ledger.py", "SELECT "): "column list constant and placeholders",
    ("adapters/db/tables/ledger.py", "CREATE TRIGGER "): "DDL over constant table names",
    ("adapters/db/tables/policy.py", "CREATE TRIGGER "): "DDL over constant operations",
    ("adapters/db/tables/security.py", "CREATE TRIGGER "): "DDL with a constant message",
    ("adapters/db/tables/security.py", "\n    CREATE OR REPLACE FUNCTION"): "DDL with a constant message",
    ("batch/synthetic_city/bulk.py", "COPY "): "table and column names from metadata",
    ("batch/synthetic_city/bulk.py", "SELECT COALESCE(max(id), 0) FROM "): "table names from metadata",
    ("batch/synthetic_city/bulk.py", "no COPY type for "): "an error message, not SQL",
    ("batch/synthetic_city/load.py", "ANALYZE "): "table names from a constant tuple",
}


def _head(node: ast.AST) -> str:
    if isinstance(node, ast.JoinedStr):
        first = node.values[0] if node.values else None
        return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else ""
    if isinstance(node, ast.BinOp):
        return _head(node.left)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return _head(node.func.value)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return ""


def _built(node: ast.AST) -> bool:
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return True
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"


def string_built_sql() -> list[tuple[str, int, str]]:
    found: list[tuple[str, int, str]] = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            candidate: ast.AST | None = None
            if isinstance(node, ast.Call) and node.args:
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name in SQL_CALLS and _built(node.args[0]):
                    candidate = node.args[0]
            if isinstance(node, ast.JoinedStr) and _built(node):
                text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
                if SQL_WORDS.search(text):
                    candidate = node
            if candidate is not None:
                found.append((rel, getattr(node, "lineno", 0), _head(candidate)))
    return found


# Schema DDL (migrations, triggers) names objects from code: it never carries a request's value.
DDL_FOLDERS = ("adapters/db/migrations/",)
DDL_HEADS = ("CREATE TRIGGER", "DROP TRIGGER", "CREATE OR REPLACE FUNCTION", "DROP FUNCTION")


def _reviewed(rel: str, head: str) -> bool:
    if rel.startswith(DDL_FOLDERS) or head.lstrip().startswith(DDL_HEADS):
        return True
    return any(rel == f and head.startswith(h) for f, h in REVIEWED)


def test_no_sql_is_built_from_strings_outside_the_reviewed_uses() -> None:
    unreviewed = [
        f"{rel}:{line}: {head[:60]!r}" for rel, line, head in string_built_sql() if not _reviewed(rel, head)
    ]
    assert unreviewed == [], "SQL built from strings (use bound parameters): " + "; ".join(unreviewed)


def test_the_gate_catches_a_value_built_into_sql(tmp_path: Path, monkeypatch: Any) -> None:
    fake = tmp_path / "anju"
    fake.mkdir()
    (fake / "bad.py").write_text(
        "def find(conn, name):\n"
        "    return conn.execute(text(f\"SELECT * FROM member WHERE name = '{name}'\"))\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(sys.modules[__name__], "SRC", fake)
    assert [(rel, head) for rel, _, head in string_built_sql()] == [
        ("bad.py", "SELECT * FROM member WHERE name = '")
    ] * 2
