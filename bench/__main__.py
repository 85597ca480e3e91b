"""`python -m bench --size city`: load a synthetic city into a fresh PostgreSQL database, run every
benchmark registered for that size, print a table and write bench/results/<name>.json.

`make bench` runs it beside a throwaway PostgreSQL cluster (scripts/with-postgres.sh exports
ANJU_TEST_PG_URL); pass --url to use another (empty) database.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.harness import BENCHMARKS, BenchContext, format_table, machine, write_result

# Modules whose import registers benchmarks (each capability adds its own). city_bench comes first:
# its "city_load" fills ctx.city, which the others read.
BENCH_MODULES = (
    "bench.city_bench",
    "bench.remittance_bench",
    "bench.remittance_city_bench",
    "bench.api_mix_bench",
    "bench.excel_import_bench",
    "bench.interest_bench",
    "bench.reports_bench",  # accounting reports (issue 9)
    "bench.loan_deduction_bench",  # daily loan deduction (issue 8)
)
BENCH_KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f00123456789abcdeffedcba9876543210"


def _admin_url(base: str) -> tuple[str, str]:
    root, _, query = base.partition("?")
    return root.rsplit("/", 1)[0], query


def _database_url(size: str, explicit: str | None) -> str:
    if explicit:
        return explicit
    base = os.environ.get("ANJU_TEST_PG_URL")
    if not base:
        sys.exit("no database: run through `make bench` or pass --url")
    root, query = _admin_url(base)
    name = f"anju_bench_{size}"
    admin = create_engine(f"{root}/postgres?{query}", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{root}/{name}?{query}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--size", default="city", choices=("small", "city", "large"))
    parser.add_argument("--seed", type=int, default=2026, help="synthetic city seed (same seed, same city)")
    parser.add_argument("--only", action="append", help="run only these benchmarks (repeatable)")
    parser.add_argument("--url", help="SQLAlchemy URL of an empty PostgreSQL database")
    args = parser.parse_args(argv)

    os.environ.setdefault("ANJU_MASTER_KEY", BENCH_KEY)
    os.environ.setdefault("ANJU_PASSWORD_ITERATIONS", "2000")
    os.environ.setdefault("ANJU_HOME", str(Path(tempfile.gettempdir()) / "anju-bench-home"))
    for module in BENCH_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    from anju.bootstrap import build, upgrade_schema
    from anju.settings import load_settings

    url = _database_url(args.size, args.url)
    os.environ["ANJU_DATABASE_URL"] = url
    container = build(load_settings())
    upgrade_schema(container.engine)
    ctx = BenchContext(size=args.size, database_url=url, container=container, seed=args.seed)
    print(f"machine: {machine()}", flush=True)

    records = []
    started = time.perf_counter()
    try:
        for bench in BENCHMARKS:
            wanted = not args.only or bench.name in args.only or bench.name == "city_load"
            if args.size not in bench.sizes or not wanted:
                continue
            print(f"… {bench.name}: {bench.description}", flush=True)
            measurement = bench.run(ctx)
            records.append(write_result(bench.name, args.size, measurement))
            print(format_table(records[-1:]).splitlines()[-1], flush=True)
    finally:
        for cleanup in reversed(ctx.cleanups):
            cleanup()
        container.engine.dispose()
    print()
    print(format_table(records))
    print(
        f"\n{len(records)} benchmarks in {time.perf_counter() - started:.0f} s; results in "
        f"{Path(__file__).resolve().parent / 'results'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
