"""每日批量扣款: the daily loan deduction over N loans with an instalment due, against its floor.

Creates N active loans and their instalments set-based (INSERT ... SELECT over generate_series:
each loan has its first instalment paid and its second due on the business date), then measures:

* floor: the bare grouped SELECT of what every loan owes on the day (the statement the job pages
  through), without the batch files;
* the deduction: the real `loan_deduction` job through the batch runner, in chunks, each chunk one
  BDC104 batch receipt instruction with one item per loan (the payer's account encrypted, as the
  bank outbox keeps it).

Prints seconds, loans/s and the ratio deduction ÷ floor. A figure, not a test.

    bash scripts/with-postgres.sh .venv/bin/python -m bench.loan_deduction_bench 100000 [--chunk 5000]
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
DAY = date(2026, 12, 23)

_LOANS = """
INSERT INTO loan (loan_no, case_no, state, borrower_account_no, borrower_member_id, house_kind,
    house_address, house_price_fen, down_payment_fen, amount_fen, term_months, method, first_home,
    annual_rate, limit_fen, decision, seller_name, seller_account_no, seller_bank_code,
    repayment_account_no, offset_agreement, ledger_account_no, disbursed_on, repayment_day, level_fen,
    risk_tier, days_past_due, created_by, created_at, updated_at)
SELECT 'DKB' || lpad(g::text, 12, '0'), 'BENCH' || lpad(g::text, 12, '0'), 'active',
       lpad(g::text, 18, '0'), g, 'second_hand', '基准测试路 ' || g || ' 号', 100000000, 70000000,
       30000000, 240, 'equal_instalment', true, 0.026, 30000000, '{}', '售房人', '6222020200112233445',
       '102', '6222' || lpad(g::text, 15, '0'), false, NULL, DATE '2026-10-23', 23, 160400, '01', 0,
       'bench', now(), now()
  FROM generate_series(1, :n) AS g
"""
_INSTALMENTS = """
INSERT INTO loan_instalment (loan_id, instalment_no, due_date, annual_rate, opening_fen, principal_fen,
    interest_fen, closing_fen, paid_principal_fen, paid_interest_fen, settled_on)
SELECT l.id, k, DATE '2026-10-23' + (k * INTERVAL '1 month')::interval, 0.026,
       30000000 - (k - 1) * 95400, 95400 + (l.id % 97), 65000 - (k - 1) * 207, 30000000 - k * 95400,
       CASE WHEN k = 1 THEN 95400 + (l.id % 97) ELSE 0 END, CASE WHEN k = 1 THEN 65000 ELSE 0 END,
       CASE WHEN k = 1 THEN DATE '2026-11-23' END
  FROM loan AS l CROSS JOIN generate_series(1, 3) AS k
"""
_FLOOR = """
SELECT l.id, l.loan_no, l.repayment_account_no,
       sum(i.principal_fen + i.interest_fen - i.paid_principal_fen - i.paid_interest_fen)
  FROM loan AS l JOIN loan_instalment AS i ON i.loan_id = l.id
 WHERE l.state = 'active' AND NOT l.offset_agreement AND i.due_date <= :day AND i.settled_on IS NULL
 GROUP BY l.id, l.loan_no, l.repayment_account_no ORDER BY l.id
"""


def _fresh_database(base: str) -> str:
    root, _, query = base.partition("?")
    name = f"anju_bench_loans_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{root.rsplit('/', 1)[0]}/postgres?{query}", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{root.rsplit('/', 1)[0]}/{name}?{query}"


def _setup(container: Any, n: int) -> float:
    from anju.services import demo, setup

    setup.initialise(
        container.uow,
        business_date=DAY,
        reference_policy=(ROOT / "policies" / "reference.toml").read_text(encoding="utf-8"),
    )
    from anju.services.runner import run

    run(container.uow, demo.seed_demo_organisation)
    started = time.perf_counter()
    with container.engine.begin() as conn:
        conn.execute(text(_LOANS), {"n": n})
        conn.execute(text(_INSTALMENTS))
    with container.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE) loan"))
        conn.execute(text("VACUUM (ANALYZE) loan_instalment"))
    return time.perf_counter() - started


def _floor(container: Any) -> tuple[float, int, int]:
    with container.engine.connect() as conn:
        conn.execute(text(_FLOOR), {"day": DAY}).all()  # warm the cache
        started = time.perf_counter()
        rows = conn.execute(text(_FLOOR), {"day": DAY}).all()
        seconds = time.perf_counter() - started
    return seconds, len(rows), sum(int(r[3]) for r in rows)


LOANS_BY_SIZE = {"small": 100_000, "city": 100_000, "large": 500_000}


def measure(url: str, loans: int, *, chunk: int = 5_000) -> Measurement:
    from anju.adapters.db.ddl import create_schema
    from anju.adapters.db.engine import make_engine
    from anju.batch.loan_jobs import DEDUCTION
    from anju.batch.runner import run_job
    from anju.bootstrap import build
    from anju.domain.security import Actor
    from anju.settings import load_settings

    container = build(load_settings(), engine=make_engine(url))
    create_schema(container.engine)
    load = os.getloadavg()[0]
    setup_s = _setup(container, loans)
    floor_s, floor_rows, floor_total = _floor(container)
    started = time.perf_counter()
    report = run_job(container.uow, DEDUCTION, DAY, actor=Actor.system("bench"), chunk_size=chunk)
    seconds = time.perf_counter() - started
    with container.engine.connect() as conn:
        items, total = conn.execute(
            text("SELECT count(*), COALESCE(sum(amount_fen), 0) FROM bank_batch_item")
        ).one()
        batches = conn.execute(
            text("SELECT count(*) FROM bank_instruction WHERE purpose = 'batch_loan_repayment'")
        ).scalar_one()
    container.engine.dispose()
    # A figure for a wrong result is worthless: every loan due must be in a batch, for what it owes.
    if report.run.state != "succeeded" or (int(items), int(total)) != (floor_rows, floor_total):
        raise SystemExit(
            f"deduction mismatch: {report.run.state} {items} {total} vs {floor_rows} {floor_total}"
        )
    print(
        f"{loans:,} loans due; set-up {setup_s:.1f} s; floor {floor_s:.3f} s; deduction {seconds:.2f} s "
        f"({batches} batch receipts of ≤ {chunk:,} items, {int(items):,} items); "
        f"ratio {seconds / floor_s:.1f}",
        flush=True,
    )
    return Measurement(
        seconds=seconds,
        rows=int(items),
        floor_seconds=floor_s,
        extra={
            "loans": loans,
            "batches": int(batches),
            "chunk_size": chunk,
            "total_yuan": f"{int(total) // 100:,}.{int(total) % 100:02d}",
            "setup_seconds": round(setup_s, 1),
            "load_average_1m_before": round(load, 2),
        },
    )


@benchmark(
    "loan_deduction",
    "Daily loan deduction: batch receipts over the size's due loans, floor: the grouped SELECT",
)
def loan_deduction(ctx: BenchContext) -> Measurement:
    return measure(_fresh_database(ctx.database_url), LOANS_BY_SIZE[ctx.size])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.loan_deduction_bench")
    parser.add_argument("loans", type=int, nargs="?", default=100_000)
    parser.add_argument("--chunk", type=int, default=5_000, help="loans per batch receipt")
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
    measurement = measure(args.url or _fresh_database(str(base)), args.loans, chunk=args.chunk)
    size = f"{args.loans // 1000}k" if args.loans >= 1000 else str(args.loans)
    write_result(f"loan_deduction_{size}", size, measurement)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
