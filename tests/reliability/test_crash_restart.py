"""kill -9 the server under load and restart it (reliability.md R1, I5).

A real `anju serve` process (uvicorn) takes manual vouchers (制单, kept for review) from several
clients, each request under its own Idempotency-Key. At a random moment the process is SIGKILLed,
then started again; every request that got no reply is retried with the same key and body. In the
end every key has exactly one voucher (no acknowledged write lost, none doubled, nothing partial)
and the ledger checks. Bounded to one kill in `make test`; `make soak` kills many more times.
I5 at the exact moments: the command's commit fails just before, or the reply is lost just after,
the commit; a retry with the same key then posts once (before) or replays the first reply (after).
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from anju.adapters.clock import SystemClock
from anju.adapters.db.tables.accounting import manual_voucher as voucher
from anju.bootstrap import Container
from anju.domain.security import totp_now
from tests.conftest import TEST_MASTER_KEY
from tests.e2e.conftest import STAFF, seed_centre
from tests.reliability.workload import assert_ledger_ok, soak_size
from tests.reliability.workload import seeded_random as seeded_rng

ANJU = str(Path(sys.executable).with_name("anju"))
MAKE = "/api/v1/accounting/vouchers"  # a manual voucher is made here and posts after review


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, container: Container, home: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "ANJU_HOME": str(home),
            "ANJU_DATABASE_URL": container.settings.database_url,
            "ANJU_MASTER_KEY": TEST_MASTER_KEY,
            "ANJU_COOKIE_SECURE": "false",
            "ANJU_PASSWORD_ITERATIONS": "2000",
        }
        self.env.pop("ANJU_BANK_URL", None)
        home.mkdir(parents=True, exist_ok=True)
        self.log = home / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [ANJU, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text(errors="replace")[-2000:]
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError("server did not start: " + self.log.read_text(errors="replace")[-2000:])

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)  # our own child, by its id
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.kill()


def login(server: Server) -> httpx.Client:
    staff = STAFF["finance1"]
    client = httpx.Client(base_url=server.url, timeout=10)
    reply = client.post(
        "/api/v1/auth/login",
        json={
            "username": staff.username,
            "password": staff.password,
            "totp": totp_now(staff.secret, SystemClock().now_utc()),
        },
    )
    assert reply.status_code == 200, reply.text
    client.headers["X-CSRF-Token"] = reply.json()["csrf_token"]
    return client


def body_for(key: str, fen: int) -> dict[str, Any]:
    amount = f"{fen // 100}.{fen % 100:02d}"
    return {
        "memo": f"R1 {key}",
        "lines": [
            {"gl_code": "10101", "side": "debit", "amount": amount},
            {"gl_code": "21999", "side": "credit", "amount": amount},
        ],
    }


def send(client: httpx.Client, key: str, fen: int) -> httpx.Response:
    return client.post(MAKE, json=body_for(key, fen), headers={"Idempotency-Key": key})


class KeyedLoad:
    """Four clients sending keyed requests until a crash; what was acknowledged and what was not.

    `send(key, fen)` returns the reply, or None when the connection failed; `lost(reply)` says
    whether a reply stands for "no acknowledgement" (a 5xx while the database is gone, say); any
    other reply must be 201, and `number(reply)` is what it created.
    """

    def __init__(
        self,
        send: Callable[[str, int], httpx.Response | None],
        number: Callable[[httpx.Response], str],
        *,
        lost: Callable[[httpx.Response], bool] = lambda _: False,
    ) -> None:
        self.send, self.number, self.lost = send, number, lost
        self.acked: dict[str, tuple[str, int]] = {}  # key -> (number from the first reply, amount)
        self.unacked: dict[str, int] = {}  # key -> amount: no acknowledgement before the crash
        self.retried = 0
        self._lock = threading.Lock()

    def round(self, name: str, pause: float, crash: Callable[[], object]) -> None:
        """Load, crash after `pause` seconds, wait for the clients to notice."""
        stop = threading.Event()

        def client(w: int) -> None:
            i = 0
            while not stop.is_set():
                i += 1
                key, fen = f"{name}-w{w}-{i}-{uuid.uuid4().hex[:6]}", 100 + i
                reply = self.send(key, fen)
                if reply is None or self.lost(reply):
                    with self._lock:
                        self.unacked[key] = fen
                    return
                assert reply.status_code == 201, reply.text
                with self._lock:
                    self.acked[key] = (self.number(reply), fen)

        threads = [threading.Thread(target=client, args=(w,), daemon=True) for w in range(4)]
        for t in threads:
            t.start()
        time.sleep(pause)
        crash()
        stop.set()
        for t in threads:
            t.join(timeout=60)

    def retry_unacknowledged(self, resend: Callable[[str, int], httpx.Response]) -> None:
        """Every unanswered request again, same key and body: it must succeed now."""
        self.retried += len(self.unacked)
        for key, fen in sorted(self.unacked.items()):
            reply = resend(key, fen)
            assert reply.status_code == 201, reply.text
            self.acked[key] = (self.number(reply), fen)
        self.unacked.clear()

    def assert_replay(self, rng: random.Random) -> None:
        """A retry of an acknowledged key replays the first reply, never posts again."""
        some = rng.choice(sorted(self.acked))
        again = self.send(some, self.acked[some][1])
        assert again is not None and again.status_code == 201, again and again.text
        assert again.headers.get("Idempotent-Replayed") == "true"
        assert self.number(again) == self.acked[some][0]


def reply_or_none(send: Callable[[], httpx.Response]) -> httpx.Response | None:
    try:
        return send()
    except httpx.HTTPError:
        return None


def test_kill_9_under_load_loses_no_acknowledged_voucher(container: Container, tmp_path: Path) -> None:
    seed_centre(container)
    rng = seeded_rng("R1 kill -9")
    server = Server(container, tmp_path / "server-home")
    server.start()
    client = login(server)
    load = KeyedLoad(
        lambda key, fen: reply_or_none(lambda: send(client, key, fen)), lambda reply: reply.json()["number"]
    )
    kills = soak_size(1, scale=0.25)
    try:
        for round_no in range(kills):
            load.round(f"r{round_no}", rng.uniform(0.3, 1.5), server.kill)
            server.start()  # the session lives in the database: the client stays logged in
            load.retry_unacknowledged(lambda key, fen: send(client, key, fen))
            load.assert_replay(rng)
    finally:
        server.stop()
        client.close()
    acked, retried = load.acked, load.retried

    print(f"{kills} kills, {len(acked)} vouchers acknowledged, {retried} retried after a kill")
    assert len(acked) > 5 * kills
    assert retried >= kills  # each kill caught requests in flight (4 workers never idle)
    with container.engine.connect() as conn:
        rows = conn.execute(
            select(voucher.c.memo, func.count()).where(voucher.c.memo.like("R1 %")).group_by(voucher.c.memo)
        ).all()
    counts = {memo.removeprefix("R1 "): n for memo, n in rows}
    assert set(counts) == set(acked), "acknowledged vouchers missing or unknown ones present"
    assert set(counts.values()) == {1}, "a key posted twice"
    assert_ledger_ok(container)


# --- I5 at the exact moments: the process dies just before or just after the commit ------------


def _voucher_count(container: Container, memo: str) -> int:
    with container.engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(voucher.c.memo == memo)).scalar_one())


@pytest.mark.parametrize("moment", ["before_commit", "after_commit"])
def test_a_crash_at_the_commit_and_a_retry_with_the_same_key_posts_once(
    make_client: Any, seeded: Container, monkeypatch: pytest.MonkeyPatch, moment: str
) -> None:
    from anju.adapters.db.unit_of_work import SqlUnitOfWork

    finance = make_client("finance1")
    key = f"i5-{moment}-{uuid.uuid4().hex[:8]}"
    body = body_for(key, 1234)
    real_commit = SqlUnitOfWork.commit
    crashed: list[str] = []

    def dying_commit(self: SqlUnitOfWork) -> None:
        # The first commit of the request "kills the process": the connection goes away with the
        # transaction (before) or after it is durable, before any reply is written (after).
        if not crashed:
            crashed.append(moment)
            if moment == "after_commit":
                real_commit(self)
            raise RuntimeError("killed")  # the client sees no result (a 500 stands for the lost reply)
        real_commit(self)

    monkeypatch.setattr(SqlUnitOfWork, "commit", dying_commit)
    lost = finance.post(MAKE, body, key=key)
    assert lost.status_code == 500 and "number" not in lost.text
    monkeypatch.setattr(SqlUnitOfWork, "commit", real_commit)
    assert _voucher_count(seeded, f"R1 {key}") == (1 if moment == "after_commit" else 0)

    retry = finance.post(MAKE, body, key=key)
    assert retry.status_code == 201, retry.text
    assert (retry.headers.get("Idempotent-Replayed") == "true") is (moment == "after_commit")
    again = finance.post(MAKE, body, key=key)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["number"] == retry.json()["number"]
    assert _voucher_count(seeded, f"R1 {key}") == 1
    assert_ledger_ok(seeded)
