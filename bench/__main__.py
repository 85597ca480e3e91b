"""`python -m bench --size city`: load a synthetic city into a fresh PostgreSQL database, run every
benchmark registered for that size, print a table and write bench/results/<name>.json.

`make bench` runs it beside a throwaway PostgreSQL cluster (scripts/with-postgres.sh exports
ANJU_TEST_PG_URL); pass --url to use another database.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.harness import BENCHMARKS, BenchContext, format_table, write_result

# Modules whose import registers benchmarks (each capability adds its own).
BENCH_MODULES = ("bench.city_bench", "bench.remittance_bench", "bench.api_mix_bench", "bench.excel_import_bench",
                 "bench.interest_bench")
BENCH_KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f00123456789abcdeffedcba9876543210"


def _database_url(size: str, explicit: str | None) -> str:
    if explicit:
        return explicit
    base = os.environ.get("ANJU_TEST_PG_URL")
    if not base:
        sys.exit("no database: run through `make bench` or pass --url")
    root, _, query = base.partition("?")
    name = f"anju_bench_{size}"
    admin = create_engine(f"{root.rsplit('/', 1)[0]}/postgres?{query}", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{root.rsplit('/', 1)[0]}/{name}?{query}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--size", default="city", choices=("small", "city", "large"))
    parser.add_argument("--only", action="append", help="run only these benchmarks (repeatable)")
    parser.add_argument("--url", help="SQLAlchemy URL of an empty PostgreSQL database")
    args = parser.parse_args(argv)

    os.environ.setdefault("ANJU_MASTER_KEY", BENCH_KEY)
    os.environ.setdefault("ANJU_PASSWORD_ITERATIONS", "2000")
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
    ctx = BenchContext(size=args.size, database_url=url, container=container)

    records = []
    for bench in BENCHMARKS:
        if args.size not in bench.sizes or (args.only and bench.name not in args.only):
            continue
        print(f"… {bench.name}: {bench.description}", flush=True)
        measurement = bench.run(ctx)
        records.append(write_result(bench.name, args.size, measurement))
        print(format_table(records[-1:]).splitlines()[-1], flush=True)
    print()
    print(format_table(records))
    print(f"\nresults in {Path(__file__).resolve().parent / 'results'}")
    container.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
