"""The 30 June settlement (年度结息) over N member deposit accounts, against its floor.

Creates N member deposit accounts set-based (one INSERT ... SELECT over generate_series: balances,
both buckets, products and accrued_through as a year of postings would have left them; one in ten
empty), then measures in the same run:

* floor: one bare set-based UPDATE over the same accounts doing the same arithmetic (accrue to
  1 July, interest rounded half up, carry forward), rolled back, then VACUUM;
* the settlement: the real `annual_interest` job through the batch runner, in chunks, with its
  vouchers (one per chunk, a posting per credited account), checkpoints and GL balances.

Prints seconds, rows/s and the ratio settlement ÷ floor (goal ≤ 3; 5,000,000 accounts well
under 5 minutes). A figure, not a test.

    bash scripts/with-postgres.sh .venv/bin/python -m bench.interest_bench 1000000 [--chunk 10000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bench.harness import BenchContext, Measurement, benchmark, write_result

ROOT = Path(__file__).resolve().parents[1]
SETTLEMENT = date(2026, 6, 30)
NEXT_START = date(2026, 7, 1)
YEAR_START = date(2025, 7, 1)

# One row per account: a fen amount for each bucket from a cheap hash of g, one account in ten
# empty, products as if each bucket had stood since 1 July 2025, accrued up to a day in May-June.
_ACCOUNTS = """
INSERT INTO ledger_account (account_no, gl_code, kind, owner_type, owner_id, branch_id, floor_fen,
    balance_fen, opening_balance_fen, status, opened_on, current_year_fen, carried_fen,
    balance_days_current, balance_days_carried, accrued_through, interest_settled_on)
SELECT 'B' || lpad(g::text, 18, '0'), '201', 'member_deposit', 'bench', g, 1 + g % 8, 0,
       cur + car, cur + car, 'open', DATE '2020-01-01', cur, car,
       cur * (a - DATE '2025-07-01'), car * (a - DATE '2025-07-01'), a, DATE '2025-06-30'
  FROM (SELECT g,
               CASE WHEN g % 10 = 0 THEN 0 ELSE (g::bigint * 104729) % 2000000 END AS cur,
               CASE WHEN g % 10 = 0 THEN 0 ELSE (g::bigint * 7919) % 9000000 END AS car,
               DATE '2026-05-01' + (g % 61) AS a
          FROM generate_series(1, :n) AS g) AS s
"""

# The same due set and the same arithmetic as the settlement (adapters/db/repositories/interest.py).
_DUE = (
    "kind = 'member_deposit' AND status = 'open' AND accrued_through IS NOT NULL "
    "AND accrued_through <= DATE '2026-07-01' "
    "AND (interest_settled_on IS NULL OR interest_settled_on < DATE '2026-06-30')"
)
_INTEREST = (
    "GREATEST(0, div(2 * ((balance_days_current + current_year_fen * (DATE '2026-07-01' - accrued_through))"
    "::numeric * :a + (balance_days_carried + carried_fen * (DATE '2026-07-01' - accrued_through))"
    "::numeric * :b) + :d, 2 * :d))::bigint"
)
_FLOOR = f"""
UPDATE ledger_account SET balance_fen = balance_fen + {_INTEREST},
       carried_fen = balance_fen + {_INTEREST}, current_year_fen = 0,
       balance_days_current = 0, balance_days_carried = 0,
       accrued_through = DATE '2026-07-01', interest_settled_on = DATE '2026-06-30'
 WHERE {_DUE}
"""
_EXPECTED = f"SELECT count(*) FILTER (WHERE i > 0), COALESCE(sum(i), 0) FROM (SELECT {_INTEREST} AS i FROM ledger_account WHERE {_DUE}) s"  # noqa: E501


def _fresh_database(base: str) -> str:
    root, _, query = base.partition("?")
    name = f"anju_bench_interest_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{root.rsplit('/', 1)[0]}/postgres?{query}", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{root.rsplit('/', 1)[0]}/{name}?{query}"


def _setup(container: Any, n: int) -> float:
    from anju.services import policy
    from anju.services.calendar import initialise_business_date
    from anju.services.runner import run

    def books(uow: Any) -> str:
        uow.ledger.seed_chart(date(2016, 1, 1))
        initialise_business_date(uow, SETTLEMENT)
        policy.import_policy(
            uow,
            None,
            (ROOT / "policies" / "reference.toml").read_text(encoding="utf-8"),
            effective_date=date(2016, 1, 1),
            document_no="参考政策",
            approved_by="基准测试",
        )
        bank = uow.ledger.add_bank_deposit_account(
            label="归集户", owner_id=1, branch_id=None, opened_on=SETTLEMENT
        )
        return str(bank.gl_code)

    bank_code = run(container.uow, books)
    started = time.perf_counter()
    with container.engine.begin() as conn:
        conn.execute(text(_ACCOUNTS), {"n": n})
        # Opening balances on both sides (as migrated books would have): the ledger check holds.
        total = conn.execute(
            text("SELECT COALESCE(sum(balance_fen), 0) FROM ledger_account WHERE kind = 'member_deposit'")
        ).scalar_one()
        conn.execute(
            text(
                "UPDATE ledger_account SET balance_fen = :t, opening_balance_fen = :t "
                "WHERE gl_code = :code AND kind = 'bank'"
            ),
            {"t": total, "code": bank_code},
        )
        conn.execute(
            text("UPDATE gl_balance SET balance_fen = :t WHERE gl_code IN ('201', :code)"),
            {"t": total, "code": bank_code},
        )
    _maintain(container)
    return time.perf_counter() - started


def _maintain(container: Any) -> None:
    with container.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE) ledger_account"))
        conn.execute(text("CHECKPOINT"))


def _floor(container: Any, rates: tuple[int, int, int]) -> tuple[float, int]:
    a, b, d = rates
    with container.engine.connect() as conn:
        conn.execute(text("SELECT sum(balance_fen) FROM ledger_account")).scalar()  # warm the cache
        conn.rollback()
        tx = conn.begin()
        started = time.perf_counter()
        rows = conn.execute(text(_FLOOR), {"a": a, "b": b, "d": d}).rowcount
        seconds = time.perf_counter() - started
        tx.rollback()
    _maintain(container)
    return seconds, int(rows)


# `make bench` settles as many accounts as the size has persons (small: 100,000 to keep the
# floor measurable), each in a database of its own.
ACCOUNTS_BY_SIZE = {"small": 100_000, "city": 1_000_000, "large": 5_000_000}


def measure(url: str, accounts: int, *, chunk: int | None = None, check: bool = False) -> Measurement:
    """Create `accounts` accounts in the empty database at `url`, then time floor and settlement."""
    from anju.adapters.db.ddl import create_schema
    from anju.adapters.db.engine import make_engine
    from anju.batch.annual_interest import JOB
    from anju.batch.runner import Progress, run_job
    from anju.bootstrap import build
    from anju.domain.interest import InterestRates
    from anju.domain.security import Actor
    from anju.money import Rate
    from anju.services.ledger import check_ledger
    from anju.services.runner import read
    from anju.settings import load_settings

    container = build(load_settings(), engine=make_engine(url))
    create_schema(container.engine)
    load = os.getloadavg()[0]
    setup_s = _setup(container, accounts)
    rates = InterestRates(Rate.percent("1.50"), Rate.percent("1.50")).as_integers()
    with container.engine.connect() as conn:
        a, b, d = rates
        expected_credited, expected_total = conn.execute(text(_EXPECTED), {"a": a, "b": b, "d": d}).one()
    floor_s, floor_rows = _floor(container, rates)

    chunk = chunk or JOB.chunk_size
    shown = [0.0]

    def progress(p: Progress) -> None:
        now = time.perf_counter()
        if now - shown[0] >= 5 or p.done + p.failed >= p.total:
            shown[0] = now
            print(f"  … {p.done:,}/{p.total:,} accounts, {p.chunks} chunks", flush=True)

    started = time.perf_counter()
    report = run_job(
        container.uow, JOB, SETTLEMENT, actor=Actor.system("bench"), chunk_size=chunk, on_progress=progress
    )
    settle_s = time.perf_counter() - started
    with container.engine.connect() as conn:
        credited, total = conn.execute(
            text("SELECT count(*), COALESCE(sum(amount_fen), 0) FROM posting WHERE business_type = '09'")
        ).one()
        vouchers = conn.execute(
            text("SELECT count(*) FROM voucher WHERE source = 'annual_interest'")
        ).scalar_one()
    # A figure for a wrong result is worthless: the settlement must credit exactly what the floor's
    # arithmetic says.
    if report.run.state != "succeeded" or (credited, total) != (expected_credited, expected_total):
        raise SystemExit(f"settlement mismatch: {report.run.state} {credited} {total} {expected_total}")
    checked = read(container.uow, check_ledger).ok if check else None
    container.engine.dispose()
    settled = report.run.done_items
    print(
        f"{accounts:,} member accounts; set-up {setup_s:.1f} s; floor {floor_s:.2f} s; "
        f"settlement {settle_s:.2f} s ({report.run.chunks} chunks of {chunk:,}, {vouchers} vouchers, "
        f"{credited:,} postings); ratio {settle_s / floor_s:.2f} (goal ≤ 3)",
        flush=True,
    )
    return Measurement(
        seconds=settle_s,
        rows=settled,
        floor_seconds=floor_s,
        extra={
            "accounts": accounts,
            "settled": settled,
            "credited": int(credited),
            "interest_total_yuan": f"{int(total) // 100:,}.{int(total) % 100:02d}",
            "vouchers": int(vouchers),
            "chunk_size": chunk,
            "chunks": report.run.chunks,
            "floor_rows": floor_rows,
            "setup_seconds": round(setup_s, 1),
            "ledger_check_ok": checked,
            "load_average_1m_before": round(load, 2),
        },
    )


@benchmark(
    "annual_interest",
    "30 June settlement over the size's member accounts (own database), floor: one bare UPDATE",
)
def annual_interest(ctx: BenchContext) -> Measurement:
    return measure(_fresh_database(ctx.database_url), ACCOUNTS_BY_SIZE[ctx.size])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.interest_bench")
    parser.add_argument("accounts", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--chunk", type=int, default=None, help="accounts per chunk (default: the job's)")
    parser.add_argument("--check", action="store_true", help="run check_ledger() afterwards (slow)")
    parser.add_argument("--url", help="an empty PostgreSQL database (default: a new one)")
    args = parser.parse_args(argv)
    base = os.environ.get("ANJU_TEST_PG_URL")
    if not args.url and not base:
        sys.exit("no database: run through scripts/with-postgres.sh or pass --url")
    os.environ.setdefault(
        "ANJU_MASTER_KEY", "0f1e2d3c4b5a69788796a5b4c3d2e1f00123456789abcdeffedcba9876543210"
    )
    os.environ.setdefault("ANJU_PASSWORD_ITERATIONS", "2000")
    os.environ.setdefault("ANJU_HOME", "/tmp/anju-bench-home")
    measurement = measure(
        args.url or _fresh_database(str(base)), args.accounts, chunk=args.chunk, check=args.check
    )
    size = f"{args.accounts // 1_000_000}M" if args.accounts >= 1_000_000 else str(args.accounts)
    write_result(f"annual_interest_{size}", size, measurement)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
