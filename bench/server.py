"""A real API server for the HTTP benchmarks: uvicorn with N workers on 127.0.0.1, and logged-in
clients. Started once per run (ctx.scratch["server"]) and stopped by the run's cleanup.

Clients are benchmark counter clerks of the head office (benchclerk01 ...), each with its own
TOTP secret: a TOTP code is spent at login (replay protection), so concurrent logins need
distinct operators.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from anju.adapters.clock import SystemClock
from anju.domain.security import Role, totp_now
from anju.services import auth, demo
from anju.services.runner import run
from bench.harness import BenchContext

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Bench#2026x"
BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
START_TIMEOUT_S = 60


def _secret(n: int) -> str:
    return "ANJUBENCHCLERK" + BASE32[n // 32 % 32] + BASE32[n % 32]


@dataclass
class ApiServer:
    base_url: str
    process: subprocess.Popen[bytes]
    workers: int
    operators: list[tuple[str, str]] = field(default_factory=list)  # (username, TOTP secret)
    used: int = 0

    def take(self, count: int) -> list[tuple[str, str]]:
        """Operators not logged in yet this run (a TOTP code logs in once, so never reuse one)."""
        if self.used + count > len(self.operators):
            raise SystemExit(f"only {len(self.operators) - self.used} benchmark clerks left, {count} wanted")
        taken = self.operators[self.used : self.used + count]
        self.used += count
        return taken

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed_clerks(ctx: BenchContext, count: int) -> list[tuple[str, str]]:
    """Head-office counter clerks benchclerk01..NN (idempotent)."""

    def body(uow: Any) -> list[tuple[str, str]]:
        org = demo.seed_demo_organisation(uow)
        head = next(b for b in org.branches if b.is_head_office)
        existing = {o.username for o in uow.security.list_operators()}
        clerks = []
        for n in range(1, count + 1):
            name, secret = f"benchclerk{n:02d}", _secret(n)
            if name not in existing:
                auth.seed_operator(
                    uow, name, f"基准柜员{n:02d}", {Role.COUNTER_CLERK}, head.id, False, PASSWORD, secret
                )
            clerks.append((name, secret))
        return clerks

    result: list[tuple[str, str]] = run(ctx.container.uow, body)
    return result


def start_server(ctx: BenchContext, *, workers: int = 2, clerks: int = 64) -> ApiServer:
    """The running server of this benchmark run (started on first use)."""
    existing = ctx.scratch.get("server")
    if isinstance(existing, ApiServer) and existing.process.poll() is None:
        return existing
    operators = seed_clerks(ctx, clerks)
    port = _free_port()
    env = dict(os.environ)
    env.update(
        {
            "ANJU_DATABASE_URL": ctx.database_url,
            "ANJU_COOKIE_SECURE": "false",  # plain HTTP on the loopback
            "PYTHONPATH": str(ROOT),
        }
    )
    command = [
        sys.executable, "-m", "uvicorn", "bench.asgi:app", "--factory", "--host", "127.0.0.1",
        "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    server = ApiServer(f"http://127.0.0.1:{port}", process, workers, operators)
    ctx.cleanups.append(server.stop)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the API server exited with {process.returncode}")
        try:
            if httpx.get(f"{server.base_url}/api/v1/health", timeout=2).status_code == 200:
                ctx.scratch["server"] = server
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    server.stop()
    raise SystemExit("the API server did not start within a minute")


def login_payload(username: str, secret: str) -> dict[str, str]:
    code = totp_now(secret, SystemClock().now_utc())
    return {"username": username, "password": PASSWORD, "totp": code}


def login(client: httpx.Client, username: str, secret: str) -> str:
    """Log a client in; returns the CSRF token its mutating requests must carry."""
    reply = client.post("/api/v1/auth/login", json=login_payload(username, secret))
    if reply.status_code != 200:
        raise SystemExit(f"login of {username} failed: {reply.status_code} {reply.text[:200]}")
    token: str = reply.json()["csrf_token"]
    return token
