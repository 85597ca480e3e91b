"""kill -9 PostgreSQL itself under load and restart it (reliability.md R1, the database half).

A private PostgreSQL 15 cluster (its own data directory: the suite's shared cluster must not die)
serves a real `anju serve` process. Four clients record bank deposit-interest advices (a posted
voucher each: Dr bank / Cr interest income) under their own Idempotency-Keys. At a random moment
every process of the cluster is SIGKILLed, as a power cut would stop it; the cluster then starts
again with crash recovery from its WAL. Every request that got no 201 is retried with the same key
until it succeeds. In the end: every acknowledged advice is in the ledger exactly once (no
acknowledged write lost, none doubled), no unknown one is, nothing partial (check_ledger), and a
retry of an acknowledged key replays its first reply. Bounded to one kill in `make test`;
`make soak` kills more times.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text

from anju.adapters.db.ddl import create_schema
from anju.adapters.db.engine import make_engine
from anju.adapters.db.tables.ledger import voucher
from anju.bootstrap import Container, build
from anju.settings import load_settings
from tests.conftest import TEST_MASTER_KEY
from tests.e2e.conftest import seed_centre
from tests.integration.bank_helpers import ICBC_COLLECTION
from tests.reliability.test_crash_restart import KeyedLoad, Server, login, reply_or_none
from tests.reliability.workload import assert_ledger_ok, soak_size
from tests.reliability.workload import seeded_random as seeded_rng

pytestmark = pytest.mark.pg

ADVICE = "/api/v1/accounting/funds/interest"
MEMO_TAG = "R1PG"


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


class Cluster:
    """A throwaway PostgreSQL cluster on a Unix socket, as scripts/with-postgres.sh starts one."""

    def __init__(self, bindir: Path) -> None:
        self.bin = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="anju-pgkill."))
        self.data = self.dir / "data"
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.dir, "postgres")
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "anju",
            "-A",
            "trust",
            "--data-checksums",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://anju@/anju?host={self.dir}"

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)

    def start(self) -> None:
        options = (
            f"-c listen_addresses='' -c unix_socket_directories={self.dir} -c fsync=on -c max_connections=100"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-s", "-w", "-l", str(self.dir / "log"), "-o", options, "start"
        )

    def kill_9(self) -> int:
        """SIGKILL the postmaster and every backend: no shutdown checkpoint, no goodbye."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        victims = [postmaster, *_children(postmaster)]
        for pid in victims:
            os.kill(pid, signal.SIGKILL)  # the cluster this test started, by the ids it recorded
        deadline = time.monotonic() + 30
        while any(Path(f"/proc/{pid}").exists() for pid in victims) and time.monotonic() < deadline:
            time.sleep(0.05)
        return len(victims)

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-s", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


def _children(parent: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[1]) == parent:
            found.append(int(stat.parent.name))
    return found


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not installed")
    c = Cluster(bindir)
    try:
        c.start()
        admin = create_engine(c.url.replace("/anju?", "/postgres?"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE anju"))
        admin.dispose()
        yield c
    finally:
        c.remove()


def _container(url: str, home: Path) -> Container:
    engine = make_engine(url)
    create_schema(engine)
    engine.dispose()
    settings = load_settings(
        {
            "ANJU_HOME": str(home),
            "ANJU_DATABASE_URL": url,
            "ANJU_MASTER_KEY": TEST_MASTER_KEY,
            "ANJU_PASSWORD_ITERATIONS": "2000",
        }
    )
    return build(settings)


def advise(client: httpx.Client, key: str, fen: int) -> httpx.Response:
    body = {"bank_account_no": ICBC_COLLECTION, "amount": f"{fen // 100}.{fen % 100:02d}", "serial_no": key}
    return client.post(ADVICE, json=body, headers={"Idempotency-Key": key})


def retry_until_posted(client: httpx.Client, key: str, fen: int) -> httpx.Response:
    """The same key and body until the app, reconnected to the recovered database, answers."""
    deadline = time.monotonic() + 60
    while True:
        reply = reply_or_none(lambda: advise(client, key, fen))
        if reply is not None and reply.status_code < 500:
            return reply
        assert time.monotonic() < deadline, f"{key}: no reply after the restart ({reply and reply.text})"
        time.sleep(0.2)


def test_kill_9_postgres_under_load_loses_no_acknowledged_posting(cluster: Cluster, tmp_path: Path) -> None:
    container = _container(cluster.url, tmp_path / "home")
    seed_centre(container)
    rng = seeded_rng("R1 kill -9 PostgreSQL")
    server = Server(container, tmp_path / "server-home")
    server.start()
    client = login(server)
    load = KeyedLoad(
        lambda key, fen: reply_or_none(lambda: advise(client, key, fen)),
        lambda reply: str(reply.json()["voucher_no"]),
        lost=lambda reply: reply.status_code >= 500,  # the database went away mid-request
    )
    kills = soak_size(1, scale=0.1)
    killed: list[int] = []  # processes of the cluster killed, per round
    try:
        for round_no in range(kills):
            load.round(
                f"{MEMO_TAG}-{round_no}", rng.uniform(0.5, 1.5), lambda: killed.append(cluster.kill_9())
            )
            cluster.start()  # crash recovery replays the WAL
            load.retry_unacknowledged(lambda key, fen: retry_until_posted(client, key, fen))
            load.assert_replay(rng)
    finally:
        server.stop()
        client.close()
    acked = load.acked

    print(f"{kills} kills ({sum(killed)} PostgreSQL processes), {len(acked)} advices acknowledged")
    assert len(acked) > 5 * kills
    with container.engine.connect() as conn:
        rows = conn.execute(
            select(voucher.c.memo, voucher.c.voucher_no).where(voucher.c.memo.like(f"%{MEMO_TAG}-%"))
        ).all()
        total = conn.execute(select(func.count()).select_from(voucher)).scalar_one()
    posted: dict[str, list[str]] = {}
    for memo, voucher_no in rows:
        posted.setdefault(memo.rsplit(" ", 1)[-1], []).append(voucher_no)
    assert set(posted) == set(acked), "acknowledged advices missing, or unknown ones present"
    assert all(len(v) == 1 for v in posted.values()), "an advice posted twice"
    assert {k: v[0] for k, v in posted.items()} == {k: v[0] for k, v in acked.items()}
    assert total >= len(acked)
    assert_ledger_ok(container)
    container.engine.dispose()
