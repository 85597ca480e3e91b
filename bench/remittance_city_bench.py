"""Remittance of one of the city's two 5,000-member units, whose members carry 36 months of history
and a live interest state: through the service layer (`remittance_city_service`) and through the
HTTP API under uvicorn (`remittance_city_api`). bench/remittance_bench.py measures the same on a
fresh unit without history.

Each generates the business month's roster, confirms it, and pays it with exactly its amount: one
voucher of 5,001 lines (Dr the collection account / Cr every member), 5,000 balances, buckets and
daily products, the roster paid and 5,000 paid-up-to months advanced. The headline is the payment.

Floor: the same arithmetic as bare set-based SQL in a transaction that is rolled back — one UPDATE
adding each member's monthly amount to its balance, one INSERT of the 5,001 lines into a scratch
copy of the posting table.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
from sqlalchemy import Engine, text

from anju.adapters.db.tables.ledger import ledger_account
from anju.dates import YearMonth
from anju.domain.security import Actor, Role
from anju.services import demo, remittance
from anju.services.runner import run
from bench.harness import BenchContext, Measurement, benchmark
from bench.server import login_payload, start_server

TARGET_S = 1.0


def bare_remittance_seconds(engine: Engine, unit_account_no: str) -> float:
    """The remittance's arithmetic as two set-based statements, rolled back."""
    with engine.connect() as conn:
        conn.execute(text("CREATE TEMP TABLE IF NOT EXISTS floor_posting (LIKE posting INCLUDING DEFAULTS)"))
        conn.commit()
        start = time.perf_counter()
        amount = "ma.unit_monthly_fen + ma.member_monthly_fen"
        buckets = (
            f", current_year_fen = la.current_year_fen + {amount}"
            if "current_year_fen" in ledger_account.c
            else ""
        )
        conn.execute(
            text(
                f"UPDATE ledger_account la SET balance_fen = la.balance_fen + {amount}{buckets} "
                "FROM member_account ma JOIN unit u ON u.id = ma.unit_id "
                "WHERE u.unit_account_no = :unit AND ma.status IN ('01', '06') "
                "AND la.account_no = ma.ledger_account_no"
            ),
            {"unit": unit_account_no},
        )
        conn.execute(
            text(
                "INSERT INTO floor_posting (voucher_id, line_no, ledger_account_id, gl_code, side, "
                "amount_fen, business_type, value_date) "
                "SELECT 0, row_number() OVER (ORDER BY la.id) + 1, la.id, la.gl_code, 'C', "
                "ma.unit_monthly_fen + ma.member_monthly_fen, '01', CURRENT_DATE "
                "FROM member_account ma JOIN unit u ON u.id = ma.unit_id "
                "JOIN ledger_account la ON la.account_no = ma.ledger_account_no "
                "WHERE u.unit_account_no = :unit AND ma.status IN ('01', '06') "
                "UNION ALL SELECT 0, 1, 0, '10101', 'D', 0, NULL, CURRENT_DATE"
            ),
            {"unit": unit_account_no},
        )
        seconds = time.perf_counter() - start
        conn.rollback()
    return seconds


def _clerk(ctx: BenchContext) -> Actor:
    org = run(ctx.container.uow, demo.seed_demo_organisation)
    head = next(b for b in org.branches if b.is_head_office)
    return Actor(
        username="benchremit", roles=frozenset({Role.COUNTER_CLERK}), operator_id=9101, branch_id=head.id
    )


def _units(ctx: BenchContext) -> tuple[str, ...]:
    units: tuple[str, ...] = ctx.city.big_units
    if len(units) < 2:
        raise SystemExit("the city has fewer than two contributing units")
    return units


@benchmark(
    "remittance_city_service", "汇缴（服务层）：城市中 5,000 人单位（含三年历史）清册生成、确认、按清册入账"
)
def remittance_city_service(ctx: BenchContext) -> Measurement:
    unit = _units(ctx)[0]
    clerk = _clerk(ctx)
    month = YearMonth.of(ctx.city.business_date)
    uow = ctx.container.uow
    start = time.perf_counter()
    roster = run(uow, lambda u: remittance.generate_roster(u, clerk, unit, month))
    generated = time.perf_counter()
    roster = run(uow, lambda u: remittance.confirm_roster(u, clerk, roster.id))
    confirmed = time.perf_counter()
    receipt = run(
        uow,
        lambda u: remittance.receive_unit_payment(
            u,
            clerk,
            unit_account_no=unit,
            amount=roster.total,
            serial_no=f"BENCH-{uuid.uuid4().hex[:24]}",
            received_on=ctx.city.business_date,
            value_date=ctx.city.business_date,
            channel="bank",
        ),
    )
    paid = time.perf_counter()
    if receipt.state != "matched":
        raise SystemExit(f"the payment was not matched to the roster: {receipt.state}")
    return Measurement(
        seconds=paid - confirmed,
        rows=roster.headcount + 1,
        floor_seconds=bare_remittance_seconds(ctx.container.engine, unit),
        extra={
            "unit": unit,
            "headcount": roster.headcount,
            "total_yuan": str(roster.total),
            "generate_s": round(generated - start, 4),
            "confirm_s": round(confirmed - generated, 4),
            "payment_s": round(paid - confirmed, 4),
            "target_s": TARGET_S,
        },
    )


def _call(client: httpx.Client, method: str, path: str, csrf: str, body: dict[str, Any] | None) -> Any:
    headers = {"Idempotency-Key": uuid.uuid4().hex, "X-CSRF-Token": csrf}
    reply = client.request(method, path, json=body, headers=headers)
    if reply.status_code >= 300:
        raise SystemExit(f"{method} {path}: {reply.status_code} {reply.text[:300]}")
    return reply.json()


@benchmark(
    "remittance_city_api", "汇缴（HTTP API）：城市中另一个 5,000 人单位，经 uvicorn 生成、确认清册并收款入账"
)
def remittance_city_api(ctx: BenchContext) -> Measurement:
    unit = _units(ctx)[1]
    server = start_server(ctx)
    month = str(YearMonth.of(ctx.city.business_date))
    with httpx.Client(base_url=server.base_url, timeout=120) as client:
        login = client.post("/api/v1/auth/login", json=login_payload(*server.take(1)[0]))
        login.raise_for_status()
        csrf = login.json()["csrf_token"]
        start = time.perf_counter()
        roster = _call(client, "POST", f"/api/v1/remittance/units/{unit}/rosters", csrf, {"month": month})
        generated = time.perf_counter()
        roster = _call(client, "POST", f"/api/v1/remittance/rosters/{roster['id']}/confirm", csrf, None)
        confirmed = time.perf_counter()
        body = {
            "unit_account_no": unit,
            "amount": roster["total"],
            "serial_no": f"BENCH-{uuid.uuid4().hex[:24]}",
            "received_on": ctx.city.business_date.isoformat(),
        }
        receipt = _call(client, "POST", "/api/v1/remittance/payments", csrf, body)
        paid = time.perf_counter()
    if receipt.get("state") != "matched":
        raise SystemExit(f"the payment was not matched to the roster: {receipt}")
    return Measurement(
        seconds=paid - confirmed,
        rows=int(roster["headcount"]) + 1,
        floor_seconds=bare_remittance_seconds(ctx.container.engine, unit),
        extra={
            "unit": unit,
            "headcount": roster["headcount"],
            "total_yuan": roster["total"],
            "generate_s": round(generated - start, 4),
            "confirm_s": round(confirmed - generated, 4),
            "payment_s": round(paid - confirmed, 4),
            "target_s": TARGET_S,
        },
    )
