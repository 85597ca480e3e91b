"""The synthetic city: its load (`city_load`, which fills ctx.city for every later benchmark) and
the ledger check that proves it (`ledger_check`).

Floors, measured in the same run on the same cluster:
* city_load: a bare COPY of as many rows as the load wrote, into an unindexed scratch table (the
  server parses and stores rows, nothing else: no indexes, keys, triggers or Python);
* ledger_check: one bare scan of all postings summing debits and credits (check_ledger makes
  several such passes, by voucher, by account and by GL code).
"""

from __future__ import annotations

import time

from sqlalchemy import Engine, text

from anju.services.ledger import check_ledger
from anju.services.runner import read
from bench.city import load_city
from bench.harness import BenchContext, Measurement, benchmark

FLOOR_BLOCK = 10_000  # rows per block of the floor's COPY stream


def bare_copy_seconds(engine: Engine, rows: int) -> float:
    """Seconds to COPY `rows` posting-shaped rows into an unindexed scratch table."""
    lines = (
        (i, i % 5000 + 1, i * 7 % 1_000_000, "201", "C", i % 90_000 + 1000, "01", f"2026-01-{i % 28 + 1:02d}")
        for i in range(FLOOR_BLOCK)
    )
    block = "".join("\t".join(map(str, line)) + "\n" for line in lines).encode()
    with engine.connect() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_copy_floor"))
        conn.execute(
            text(
                "CREATE TABLE bench_copy_floor (voucher_id bigint, line_no int, ledger_account_id bigint, "
                "gl_code varchar(19), side varchar(1), amount_fen bigint, business_type varchar(4), "
                "value_date date)"
            )
        )
        conn.commit()
        driver = conn.connection.driver_connection
        assert driver is not None
        start = time.perf_counter()
        with driver.cursor() as cursor, cursor.copy("COPY bench_copy_floor FROM STDIN") as copy:
            sent = 0
            while sent < rows:
                part = min(FLOOR_BLOCK, rows - sent)
                copy.write(block if part == FLOOR_BLOCK else b"".join(block.splitlines(True)[:part]))
                sent += part
        driver.commit()
        seconds = time.perf_counter() - start
        conn.execute(text("DROP TABLE bench_copy_floor"))
        conn.commit()
    return seconds


@benchmark("city_load", "合成城市：计划、加密个人信息、COPY 与服务器端 INSERT…SELECT 写入全部账务")
def city_load(ctx: BenchContext) -> Measurement:
    start = time.perf_counter()
    report = load_city(ctx)
    seconds = time.perf_counter() - start
    floor = bare_copy_seconds(ctx.container.engine, report.rows_written)
    return Measurement(
        seconds=seconds,
        rows=report.rows_written,
        floor_seconds=floor,
        extra={
            "target_s": 300,
            "persons": report.persons,
            "units": report.units,
            "sealed_members": report.sealed_members,
            "sealed_units": report.sealed_units,
            "vouchers": report.vouchers,
            "postings": report.postings,
            "loans": report.loans,
            "total_deposits_yuan": str(report.total_deposits),
            "business_date": report.business_date.isoformat(),
            "unit_size_bands": report.unit_size_bands,
            "big_units": list(report.big_units),
            "big_unit_members": list(report.big_unit_members),
            "phases_s": report.seconds,
        },
    )


@benchmark("ledger_check", "账务核对 check_ledger()：借贷平衡、余额、下限、总账与明细账、审计链")
def ledger_check(ctx: BenchContext) -> Measurement:
    start = time.perf_counter()
    result = read(ctx.container.uow, check_ledger)
    seconds = time.perf_counter() - start
    if not result.ok:
        raise SystemExit("check_ledger failed on the synthetic city: " + "; ".join(result.problems[:5]))
    with ctx.container.engine.connect() as conn:
        start = time.perf_counter()
        conn.execute(
            text(
                "SELECT COALESCE(sum(amount_fen) FILTER (WHERE side = 'D'), 0), "
                "COALESCE(sum(amount_fen) FILTER (WHERE side = 'C'), 0) FROM posting"
            )
        ).one()
        floor = time.perf_counter() - start
    return Measurement(
        seconds=seconds,
        rows=result.posting_count,
        floor_seconds=floor,
        extra={"vouchers": result.voucher_count, "accounts": result.account_count, "ok": result.ok},
    )
