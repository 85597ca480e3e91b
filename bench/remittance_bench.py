"""Remittance of a 5,000-member unit: generate the roster, confirm it, and post the payment.

The target (issue 3): `receive_unit_payment` for a confirmed 5,000-member roster — one voucher of
5,001 postings, the roster marked paid, 5,000 paid-up-to months moved — in ≤ 1 s on PostgreSQL on
this machine. The members are created set-based (bench/bulk_members.py), never through the
counter. A figure, not a test: nothing here asserts a time.

    bash scripts/with-postgres.sh .venv/bin/python -m bench.remittance_bench [--members 5000] [--runs 3]

It also registers with the harness (`python -m bench --only remittance_5000`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anju.bootstrap import Container
from anju.dates import YearMonth
from anju.domain.security import Actor, Role
from anju.ids import credit_code_check_char
from anju.money import Rate
from anju.services import demo, remittance, setup
from anju.services.ledger import check_ledger
from anju.services.runner import read, run
from anju.services.units import UnitRegistration, register_unit
from bench.bulk_members import bulk_members
from bench.harness import BenchContext, Measurement, benchmark

ROOT = Path(__file__).resolve().parents[1]
MEMBERS = 5000


@dataclass(frozen=True)
class Timing:
    generate_s: float
    confirm_s: float
    payment_s: float
    postings: int
    ledger_post_s: float  # of payment_s: inside uow.ledger.post (the voucher and 5,001 balances)
    client_cpu_s: float  # of payment_s: this process's CPU time (the rest is the database or waiting)
    unit_account_no: str


class _PostTimer:
    """Times the ledger's post within the payment, to say where the second goes."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def wrap(self, post: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return post(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start

        return timed


def _seed(container: Container) -> Actor:
    """Chart, business date, policy and the demo organisation (idempotent); a clerk of branch 01."""
    setup.initialise(
        container.uow,
        business_date=setup.local_date(container.clock.now_utc()),
        reference_policy=(ROOT / "policies" / "reference.toml").read_text(encoding="utf-8"),
    )
    org = run(container.uow, demo.seed_demo_organisation)
    branch = next(b for b in org.branches if b.code == "01")
    return Actor(
        username="bench_clerk", roles=frozenset({Role.COUNTER_CLERK}), operator_id=9001, branch_id=branch.id
    )


def _unit(container: Container, clerk: Actor, n: int) -> str:
    body = f"91410100MB{n:07d}"
    reg = UnitRegistration(
        name=f"汇缴基准测试单位{n}",
        credit_code=body + credit_code_check_char(body),
        economic_type="150",
        industry="I65",
        address="安居市基准路 1 号",
        handler_name="基准经办",
        handler_phone="13800138000",
        bank_code="102",
        unit_ratio=Rate.percent("12"),
        member_ratio=Rate.percent("12"),
        payday=10,
    )
    return run(container.uow, lambda uow: register_unit(uow, clerk, reg)).unit_account_no


def time_one(container: Container, clerk: Actor, n: int, members: int, first_k: int) -> Timing:
    """A fresh unit with `members` accounts: time generate, confirm and the payment separately."""
    unit_no = _unit(container, clerk, n)
    bulk_members(container, unit_no, members, first_k=first_k)
    month = YearMonth.of(read(container.uow, lambda uow: uow.calendar.business_date()))

    start = time.perf_counter()
    roster = run(container.uow, lambda uow: remittance.generate_roster(uow, clerk, unit_no, month))
    generated = time.perf_counter()
    roster = run(container.uow, lambda uow: remittance.confirm_roster(uow, clerk, roster.id))
    confirmed = time.perf_counter()
    serial = f"BENCH-{uuid.uuid4().hex[:20]}"
    post_timer = _PostTimer()

    def pay(uow: Any) -> Any:
        uow.ledger.post = post_timer.wrap(uow.ledger.post)
        return remittance.receive_unit_payment(
            uow,
            clerk,
            unit_account_no=unit_no,
            amount=roster.total,
            serial_no=serial,
            received_on=month.first_day(),
            value_date=month.first_day(),
            channel="bank",
        )

    cpu = time.process_time()
    receipt = run(container.uow, pay)
    paid = time.perf_counter()
    cpu = time.process_time() - cpu
    if receipt.state != "matched" or roster.headcount != members:
        raise SystemExit(f"unexpected result: {receipt.state}, {roster.headcount} members")
    return Timing(
        generated - start,
        confirmed - generated,
        paid - confirmed,
        members + 1,
        post_timer.seconds,
        cpu,
        unit_no,
    )


def floor_seconds(container: Container, unit_account_no: str) -> float:
    """The same database work done the barest way, rolled back: one UPDATE of the members' 5,000
    ledger balances and member rows, and a COPY of 5,001 posting-sized rows (the harness "floor")."""
    from sqlalchemy import text

    with container.engine.connect() as conn:
        ids = [
            int(r[0])
            for r in conn.execute(
                text(
                    "SELECT la.id FROM ledger_account la "
                    "JOIN member_account ma ON ma.ledger_account_no = la.account_no "
                    "JOIN unit u ON u.id = ma.unit_id WHERE u.unit_account_no = :n"
                ),
                {"n": unit_account_no},
            )
        ]
        conn.rollback()
        start = time.perf_counter()
        conn.execute(
            text(
                "UPDATE ledger_account SET balance_fen = balance_fen + 1, "
                "current_year_fen = current_year_fen + 1 WHERE id = ANY(:ids)"
            ),
            {"ids": ids},
        )
        conn.execute(
            text(
                "UPDATE member_account SET paid_up_to = '209912' WHERE unit_id = "
                "(SELECT id FROM unit WHERE unit_account_no = :n)"
            ),
            {"n": unit_account_no},
        )
        conn.execute(text("CREATE TEMP TABLE floor_posting (LIKE posting INCLUDING DEFAULTS) ON COMMIT DROP"))
        driver = conn.connection.driver_connection
        assert driver is not None
        with (
            driver.cursor() as cursor,
            cursor.copy(
                "COPY floor_posting (voucher_id, line_no, ledger_account_id, gl_code, side, amount_fen, "
                "value_date) FROM STDIN"
            ) as copy,
        ):
            for i, account_id in enumerate([*ids, ids[0]], start=1):
                copy.write_row((1, i, account_id, "201", "C", 100, "2026-11-01"))
        seconds = time.perf_counter() - start
        conn.rollback()
    return seconds


def measure(container: Container, *, members: int = MEMBERS, runs: int = 3) -> tuple[list[Timing], float]:
    """The runs, and the floor measured on the last run's unit."""
    clerk = _seed(container)
    base = uuid.uuid4().int % 100_000 * 10  # distinct credit codes and ID numbers per invocation
    timings = [
        time_one(container, clerk, base + i, members, first_k=(base + i) * members % 30_000_000)
        for i in range(runs)
    ]

    report = read(container.uow, check_ledger)
    if not report.ok:
        raise SystemExit("check_ledger failed: " + "; ".join(report.problems[:5]))
    return timings, floor_seconds(container, timings[-1].unit_account_no)


@benchmark(
    "remittance_5000",
    "汇缴：5,000 人清册生成、确认、按清册入账（一张 5,001 行凭证）",
    sizes=("small", "city", "large"),
)
def remittance_5000(ctx: BenchContext) -> Measurement:
    timings, floor = measure(ctx.container, runs=3)
    best = min(timings, key=lambda t: t.payment_s)
    return Measurement(
        seconds=statistics.median(t.payment_s for t in timings),
        rows=best.postings,
        floor_seconds=floor,
        extra={
            "payment_s": [round(t.payment_s, 4) for t in timings],
            "generate_s": [round(t.generate_s, 4) for t in timings],
            "confirm_s": [round(t.confirm_s, 4) for t in timings],
            "ledger_post_s": [round(t.ledger_post_s, 4) for t in timings],
            "target_s": 1.0,
        },
    )


def _fresh_database(url: str) -> str:
    from sqlalchemy import create_engine, text

    root, _, query = url.partition("?")
    name = f"anju_bench_remit_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{root.rsplit('/', 1)[0]}/postgres?{query}", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{root.rsplit('/', 1)[0]}/{name}?{query}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.remittance_bench")
    parser.add_argument("--members", type=int, default=MEMBERS)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--url", help="an empty PostgreSQL database (default: a new one beside ANJU_TEST_PG_URL)"
    )
    args = parser.parse_args(argv)
    base = os.environ.get("ANJU_TEST_PG_URL")
    if not args.url and not base:
        sys.exit("no database: run through scripts/with-postgres.sh or pass --url")
    url = args.url or _fresh_database(str(base))

    from anju.adapters.db.ddl import create_schema
    from anju.bootstrap import build
    from anju.settings import load_settings

    os.environ.setdefault(
        "ANJU_MASTER_KEY", "0f1e2d3c4b5a69788796a5b4c3d2e1f00123456789abcdeffedcba9876543210"
    )
    os.environ.setdefault("ANJU_PASSWORD_ITERATIONS", "2000")
    os.environ["ANJU_DATABASE_URL"] = url
    os.environ.setdefault("ANJU_HOME", "/tmp/anju-bench-home")
    container = build(load_settings())
    create_schema(container.engine)
    timings, floor = measure(container, members=args.members, runs=args.runs)
    print(f"{args.members} members, {args.runs} runs, PostgreSQL ({container.engine.url.database})")
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    head = f"{'run':<5}{'generate s':>12}{'confirm s':>12}{'payment s':>12}"
    print(head + f"{'ledger.post s':>15}{'client CPU s':>14}")
    for i, t in enumerate(timings, start=1):
        print(
            f"{i:<5}{t.generate_s:>12.3f}{t.confirm_s:>12.3f}{t.payment_s:>12.3f}"
            f"{t.ledger_post_s:>15.3f}{t.client_cpu_s:>14.3f}"
        )
    payments: list[Any] = [t.payment_s for t in timings]
    print(f"payment: median {statistics.median(payments):.3f} s, best {min(payments):.3f} s (target ≤ 1 s)")
    print(f"floor (bare UPDATEs of the 5,000 balances and member rows + COPY of 5,001 rows): {floor:.3f} s")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    container.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
