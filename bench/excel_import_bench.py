"""The roster upload at scale: a 50,000-row .xlsx for a unit of 50,000 members, validated and
imported (target ≤ 30 s, issue 3). Reported, never asserted.

Measured, on SQLite and PostgreSQL:
  parse    read_table: the checks on the file (zip, bomb, DTD) and openpyxl's read-only stream
  import   import_roster: generate the month's draft, match every row by account number and
           blind index, check every base and part, replace the 50,000 lines, refresh totals
  reject   the same file with its last row broken: everything is validated, nothing applied
Setup (not timed, but printed): opening the 50,000 accounts set-based and writing the .xlsx.

    python -m bench.excel_import_bench                       # SQLite, and PostgreSQL if
    bash scripts/with-postgres.sh .venv/bin/python -m bench.excel_import_bench   # ANJU_TEST_PG_URL
    python -m bench --size city --only excel_import          # inside the benchmark suite
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from anju.bootstrap import Container, build
from anju.domain.roster_sheet import ROSTER_LAYOUT
from anju.domain.security import Actor, Role
from anju.domain.sheets import CellValue, SheetContent, SheetInvalid
from anju.ids import credit_code_check_char
from anju.money import Rate
from anju.reports import excel
from anju.services import demo, roster_sheets, setup
from anju.services.runner import run
from anju.services.units import UnitRegistration, register_unit
from anju.settings import load_settings
from bench.bulk_members import bulk_members
from bench.harness import BenchContext, Measurement, benchmark

ROOT = Path(__file__).resolve().parents[1]
BUSINESS_DATE = date(2026, 11, 23)
MONTH = "202611"
KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f00123456789abcdeffedcba9876543210"
SIZES = {"small": 5_000, "city": 50_000, "large": 50_000}


@dataclass
class Figures:
    rows: int
    members_s: float
    write_s: float
    file_mb: float
    parse_s: float
    import_s: float
    reject_s: float

    @property
    def total_s(self) -> float:
        return self.parse_s + self.import_s


def _prepare(container: Container) -> Actor:
    """Business date, policy and the demo organisation if the database is empty; a clerk."""
    if not setup.is_initialised(container.uow):
        setup.initialise(
            container.uow,
            business_date=BUSINESS_DATE,
            reference_policy=(ROOT / "policies" / "reference.toml").read_text(encoding="utf-8"),
        )
    org = run(container.uow, demo.seed_demo_organisation)
    branch = next(b for b in org.branches if not b.is_head_office)
    return Actor(
        username="bench_clerk", roles=frozenset({Role.COUNTER_CLERK}), branch_id=branch.id, operator_id=1
    )


def _unit(container: Container, clerk: Actor) -> str:
    body = f"91410100MB{uuid.uuid4().int % 10**7:07d}"
    registration = UnitRegistration(
        name=f"基准测试单位{body[-7:]}",
        credit_code=body + credit_code_check_char(body),
        economic_type="150",
        industry="I65",
        address="安居市人民路 1 号",
        handler_name="刘经办",
        handler_phone="13800138000",
        bank_code="102",
        unit_ratio=Rate.percent("12"),
        member_ratio=Rate.percent("12"),
        payday=10,
    )
    return run(container.uow, lambda uow: register_unit(uow, clerk, registration)).unit_account_no


def measure(container: Container, rows: int) -> Figures:
    clerk = _prepare(container)
    unit_no = _unit(container, clerk)
    start = time.perf_counter()
    people = bulk_members(container, unit_no, rows, first_k=uuid.uuid4().int % 10_000 * 1000)
    members_s = time.perf_counter() - start

    lines: list[list[CellValue]] = [
        [m.account_no, m.name, m.resident_id, m.wage_base, None, None] for m in people
    ]
    meta = {"unit_account_no": unit_no, "month": MONTH}
    start = time.perf_counter()
    data = excel.write_sheet(SheetContent(ROSTER_LAYOUT, meta, lines, "bench.xlsx"))
    write_s = time.perf_counter() - start
    lines[-1][2] = "110101190001011234"  # a wrong check digit on the last row
    broken = excel.write_sheet(SheetContent(ROSTER_LAYOUT, meta, lines, "bench.xlsx"))
    limits = excel.ExcelLimits(max_bytes=50 * excel.MIB)

    start = time.perf_counter()
    table = excel.read_table(broken, ROSTER_LAYOUT, limits)
    try:
        run(
            container.uow,
            lambda uow: roster_sheets.import_roster(
                uow, clerk, unit_account_no=unit_no, month=MONTH, table=table
            ),
        )
        raise AssertionError("the broken file was accepted")
    except SheetInvalid as exc:
        if exc.details["count"] != 1:
            raise AssertionError(f"expected one problem, got {exc.details['count']}") from exc
    reject_s = time.perf_counter() - start

    start = time.perf_counter()
    table = excel.read_table(data, ROSTER_LAYOUT, limits)
    parse_s = time.perf_counter() - start
    start = time.perf_counter()
    result = run(
        container.uow,
        lambda uow: roster_sheets.import_roster(
            uow, clerk, unit_account_no=unit_no, month=MONTH, table=table
        ),
    )
    import_s = time.perf_counter() - start
    assert result.roster.headcount == rows
    return Figures(rows, members_s, write_s, len(data) / 1024 / 1024, parse_s, import_s, reject_s)


@benchmark("excel_import", "50,000-row roster .xlsx: parse + validate + import (target ≤ 30 s)")
def excel_import(ctx: BenchContext) -> Measurement:
    figures = measure(ctx.container, SIZES[ctx.size])
    return Measurement(
        seconds=figures.total_s,
        rows=figures.rows,
        extra={
            "parse_s": round(figures.parse_s, 2),
            "import_s": round(figures.import_s, 2),
            "reject_s": round(figures.reject_s, 2),
            "setup_members_s": round(figures.members_s, 2),
            "write_xlsx_s": round(figures.write_s, 2),
            "file_mb": round(figures.file_mb, 2),
        },
    )


def _container(url: str, home: str) -> Container:
    env = {
        "ANJU_HOME": home,
        "ANJU_DATABASE_URL": url,
        "ANJU_MASTER_KEY": os.environ.get("ANJU_MASTER_KEY", KEY),
        "ANJU_PASSWORD_ITERATIONS": "2000",
    }
    container = build(load_settings(env))
    from anju.adapters.db.ddl import create_schema

    create_schema(container.engine)  # the tables as defined (what the test suite uses)
    return container


def _pg_database(base: str) -> tuple[str, Any]:
    from sqlalchemy import create_engine, text

    root, _, query = base.partition("?")
    admin = create_engine(f"{root.rsplit('/', 1)[0]}/postgres?{query}", isolation_level="AUTOCOMMIT")
    name = "anju_bench_excel"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return f"{root.rsplit('/', 1)[0]}/{name}?{query}", admin


def _report(backend: str, f: Figures) -> None:
    verdict = "OK" if f.total_s <= 30 else "OVER TARGET"
    print(
        f"{backend:<11} rows {f.rows:>6}  parse {f.parse_s:6.2f} s  import {f.import_s:6.2f} s  "
        f"total {f.total_s:6.2f} s ({verdict}, target 30 s)  reject-one-bad-row {f.reject_s:6.2f} s  | "
        f"setup: accounts {f.members_s:5.2f} s, write .xlsx {f.write_s:5.2f} s, {f.file_mb:.1f} MB",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.excel_import_bench")
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--only", choices=("sqlite", "pg"))
    args = parser.parse_args(argv)
    if args.only != "pg":
        with tempfile.TemporaryDirectory() as home:
            container = _container(f"sqlite:///{home}/bench.db", home)
            _report("SQLite", measure(container, args.rows))
            container.engine.dispose()
    base = os.environ.get("ANJU_TEST_PG_URL")
    if args.only != "sqlite":
        if not base:
            print("PostgreSQL: skipped (run through scripts/with-postgres.sh)", file=sys.stderr)
            return 0
        url, admin = _pg_database(base)
        with tempfile.TemporaryDirectory() as home:
            container = _container(url, home)
            _report("PostgreSQL", measure(container, args.rows))
            container.engine.dispose()
        admin.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
