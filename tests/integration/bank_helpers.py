"""The settlement-platform simulator as a real process, and a centre wired to it.

`sim` is `anju bank-sim` on free 127.0.0.1 ports (its own SQLite file): one process per test
worker, its books reset before each test (tests marked `own_sim` get their own process).
`world` builds the app against it (ANJU_BANK_URL), starts the centre's notice listener and tells
the simulator where to push account-change notices. Tests steer faults through the simulator's
control endpoint, exactly as a demo would. A test module imports the three fixtures
(shared_sim_fixture, sim_fixture, world_fixture) by name.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from anju.adapters.clock import FixedClock
from anju.bootstrap import Container, build, start_bank_listener
from anju.dates import YearMonth
from anju.domain.security import Actor, Role
from anju.ledger.entries import AccountRef
from anju.money import Money
from anju.services import bank, demo
from anju.services import remittance as rm
from anju.services.ledger import check_ledger
from anju.services.runner import read, run
from anju.settings import load_settings
from tests.conftest import TEST_MASTER_KEY, drop_databases, fresh_database_url
from tests.integration.collection_helpers import DAY, Centre, open_member, register, seed

ANJU = str(Path(sys.executable).parent / "anju")
NOV = YearMonth(2026, 11)
FINANCE = Actor(username="finance1", roles=frozenset({Role.FINANCE}), operator_id=300, all_branches=True)
ICBC_COLLECTION = demo.demo_account_no("102", "collection")
ICBC_LOAN = demo.demo_account_no("102", "loan")


class Sim:
    """The simulator process and its control endpoint."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, control_port: int) -> None:
        self.process = process
        self.port = port
        self.control_port = control_port

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.control_port}{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                return json.loads(reply.read())
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"sim {method} {path}: {exc.code} {exc.read()!r}") from exc

    def get(self, path: str) -> Any:
        return self.call("GET", path)

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.call("POST", path, body or {})

    def fault(self, tx_code: str, mode: str, *, count: int = 1, delay_ms: int = 0) -> None:
        self.post("/faults", {"tx_code": tx_code, "mode": mode, "count": count, "delay_ms": delay_ms})

    def log(self, tx_code: str | None = None, direction: str = "in") -> list[dict[str, Any]]:
        rows = self.get("/log")
        return [
            r for r in rows if r["direction"] == direction and (tx_code is None or r["tx_code"] == tx_code)
        ]

    def account(self, number: str) -> dict[str, Any]:
        """The simulated bank's account and its movements (none if it never saw the account)."""
        known = {a["account_no"] for a in self.get("/state")["accounts"]}
        if number not in known:
            return {"account_no": number, "txns": []}
        return dict(self.get(f"/accounts/{number}"))


def start_sim(tmp_path: Path) -> Sim:
    ready = tmp_path / "sim.ready"
    env = {**os.environ, "ANJU_HOME": str(tmp_path / "sim-home")}
    process = subprocess.Popen(
        [
            ANJU,
            "bank-sim",
            "--port",
            "0",
            "--control-port",
            "0",
            "--db",
            str(tmp_path / "sim.db"),
            "--ready-file",
            str(ready),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while not ready.exists() or not ready.read_text().strip():
        if process.poll() is not None:
            raise AssertionError(f"bank-sim exited: {process.stderr.read() if process.stderr else b''!r}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("bank-sim did not start")
        time.sleep(0.05)
    port, control = (int(x) for x in ready.read_text().split())
    return Sim(process, port, control)


def stop_sim(sim: Sim) -> None:
    sim.process.terminate()
    try:
        sim.process.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover - a stuck simulator is killed
        sim.process.kill()


@pytest.fixture(scope="session", name="shared_sim")
def shared_sim_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sim]:
    """One simulator process per test worker (starting one costs seconds); reset per test."""
    process = start_sim(tmp_path_factory.mktemp("bank-sim"))
    try:
        yield process
    finally:
        stop_sim(process)


@pytest.fixture(name="sim")
def sim_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Sim]:
    """A simulator with empty books. Tests marked `own_sim` (they stop it) get their own process."""
    if request.node.get_closest_marker("own_sim") is not None:
        process = start_sim(tmp_path)
        try:
            yield process
        finally:
            stop_sim(process)
        return
    shared: Sim = request.getfixturevalue("shared_sim")
    if shared.process.poll() is not None:  # pragma: no cover - a crashed simulator fails loudly
        raise AssertionError("the shared bank simulator exited")
    shared.post("/reset")
    shared.call("DELETE", "/faults")
    shared.call("DELETE", "/statement-faults")
    shared.call("DELETE", "/sessions")
    shared.post("/settings", {"duplicate_policy": "replay", "notify": ""})
    yield shared


@dataclass
class World:
    container: Container
    centre: Centre
    sim: Sim
    clerk: Actor
    listener: Any

    @property
    def uow(self) -> Any:
        return self.container.uow

    def go(self, fn: Any) -> Any:
        return run(self.container.uow, fn)

    def look(self, fn: Any) -> Any:
        return read(self.container.uow, fn)

    def balance(self, account_no: str) -> Money:
        return Money(self.look(lambda uow: uow.ledger.balance(account_no)).fen)

    def bank_ledger(self, centre_account_no: str = ICBC_COLLECTION) -> str:
        account = self.look(lambda uow: uow.org.centre_bank_account_by_no(centre_account_no))
        return str(account.ledger_account_no)

    def voucher_count(self) -> int:
        return int(self.look(lambda uow: uow.ledger.count_vouchers()))

    def assert_ledger_ok(self) -> None:
        report = self.look(check_ledger)
        assert report.ok, report.problems

    def unit(self, wages: tuple[str, ...] = ("8000.00", "6000.00")) -> Unit:
        n = next(_units)
        view = register(self.centre, self.clerk, n)
        members = []
        for i, wage in enumerate(wages):
            k = next(_people)
            opened = open_member(
                self.centre,
                self.clerk,
                view.unit_account_no,
                k % 1000,
                wage=wage,
                name=f"职工{i}",
                birth=f"19{60 + k // 1000}0101",
            )
            members.append((opened.account.account_no, opened.account.ledger_account_no))
        return Unit(view.unit_account_no, tuple(members))

    def confirmed_roster(self, unit: Unit) -> rm.RosterView:
        roster = self.go(lambda uow: rm.generate_roster(uow, self.clerk, unit.unit_no, NOV))
        return self.go(lambda uow: rm.confirm_roster(uow, self.clerk, roster.id))

    def remit(
        self, amount: Money, remark: str, account_no: str = ICBC_COLLECTION, **extra: Any
    ) -> dict[str, Any]:
        """A unit pays by bank transfer: the simulator books it and pushes the notice."""
        reply = self.sim.post(
            "/remit", {"account_no": account_no, "amount": str(amount), "remark": remark, **extra}
        )
        return dict(reply)

    def submit_payment(
        self, member: tuple[str, str], amount: Money, ref: str, **kw: Any
    ) -> bank.InstructionView:
        return self.go(
            lambda uow: bank.submit_payment(
                uow,
                self.clerk,
                purpose="partial_withdrawal",
                amount=amount,
                payee_account_no=kw.pop("payee", "6222020200001234567"),
                payee_name="张三",
                payee_bank_code="102",
                source_ref=ref,
                debit_account=ICBC_COLLECTION,
                charge=AccountRef.ledger(member[1]),
                ref_account_no=member[0],
                business_type="11",
                **kw,
            )
        )

    def dispatch(self, e2e_id: str, **kw: Any) -> bank.InstructionView:
        return bank.dispatch(self.container.uow, self.container.bank, e2e_id, **kw)


@dataclass(frozen=True)
class Unit:
    unit_no: str
    members: tuple[tuple[str, str], ...]  # (member account no, ledger account no)


_units = iter(range(500, 10_000))
_people = iter(range(1, 30_000))


@pytest.fixture(name="world")
def world_fixture(backend: str, tmp_path: Path, clock: FixedClock, sim: Sim) -> Iterator[World]:
    url, to_drop = fresh_database_url(backend, tmp_path)
    settings = load_settings(
        {
            "ANJU_HOME": str(tmp_path / "home"),
            "ANJU_DATABASE_URL": url,
            "ANJU_MASTER_KEY": TEST_MASTER_KEY,
            "ANJU_CENTRE_CODE": "410100",
            "ANJU_PASSWORD_ITERATIONS": "2000",
            "ANJU_BANK_URL": sim.url,
            "ANJU_BANK_TIMEOUT": "1",
        }
    )
    container = build(settings, clock=clock)
    listener = start_bank_listener(container, "127.0.0.1:0")
    sim.post("/settings", {"notify": listener.url, "today": DAY.isoformat()})
    centre = seed(container)
    try:
        yield World(container, centre, sim, centre.clerk("02"), listener)
    finally:
        listener.stop()
        bank.configure(None)
        container.engine.dispose()
        drop_databases(to_drop)
