"""The counter API mix: concurrent clerks against the real app under uvicorn, on the city's data.

N clients (asyncio + httpx, one session each, all logged in before the clock starts) run for a
fixed time, each picking its next request at random (seeded):
  60 %  member balance       GET  /api/v1/members/{account_no}
  25 %  member statement     GET  /api/v1/members/{account_no}/statement (JSON) when the API has
                             it, else the printed personal statement (PDF) of the last 12 months
  15 %  small posting        POST /api/v1/remittance/payments: a unit pays a few yuan at the
                             counter; no roster matches, so Dr 101xx / Cr the unit's 21901
                             suspense, a case and an audit line (Idempotency-Key, CSRF token)
Reported: requests/s, p50 and p99 latency (overall and per kind), errors. Floor: pgbench's
TPC-B-like TPS on the same cluster in the same run, with as many clients. Ratio: our requests/s
÷ pgbench TPS (higher is better; the goal is ≥ 0.25 with p99 ≤ 100 ms).
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

import httpx

from bench.harness import BenchContext, Measurement, benchmark
from bench.pgbench_floor import pgbench_tps
from bench.server import ApiServer, login_payload, start_server

CLIENTS = {"small": 16, "city": 32, "large": 32}
DURATION_S = {"small": 10, "city": 30, "large": 30}
MIX = (("balance", 60), ("statement", 25), ("posting", 15))
MAX_REQUESTS = 2_000_000  # a bound on the loop whatever the machine
P99_TARGET_MS = 100
RATIO_TARGET = 0.25


@dataclass
class Plan:
    members: tuple[str, ...]
    units: tuple[str, ...]
    business_date: str
    statement_start: str
    statement_path: str  # "{no}" is replaced by the account number


@dataclass
class Outcome:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: list[str] = field(default_factory=list)

    @property
    def ok(self) -> int:
        return sum(len(v) for v in self.latencies.values())


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _request(
    client: httpx.AsyncClient, kind: str, plan: Plan, rng: random.Random, csrf: str
) -> httpx.Response:
    if kind == "balance":
        return await client.get(f"/api/v1/members/{rng.choice(plan.members)}")
    if kind == "statement":
        path = plan.statement_path.replace("{no}", rng.choice(plan.members))
        return await client.get(path, params={"start": plan.statement_start})
    body = {
        "unit_account_no": rng.choice(plan.units),
        "amount": f"{rng.randint(1, 50)}.{rng.randint(0, 99):02d}",
        "serial_no": f"BENCH-{uuid.UUID(int=rng.getrandbits(128)).hex[:24]}",
        "received_on": plan.business_date,
    }
    headers = {"Idempotency-Key": uuid.UUID(int=rng.getrandbits(128)).hex, "X-CSRF-Token": csrf}
    return await client.post("/api/v1/remittance/payments", json=body, headers=headers)


async def _login(server: ApiServer, operator: tuple[str, str]) -> tuple[httpx.AsyncClient, str]:
    client = httpx.AsyncClient(base_url=server.base_url, timeout=60)
    reply = await client.post("/api/v1/auth/login", json=login_payload(*operator))
    if reply.status_code != 200:
        await client.aclose()
        raise SystemExit(f"login of {operator[0]} failed: {reply.status_code} {reply.text[:200]}")
    return client, str(reply.json()["csrf_token"])


async def _clerk(
    client: httpx.AsyncClient, csrf: str, plan: Plan, seed: int, deadline: float, out: Outcome
) -> None:
    rng = random.Random(seed)
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    while time.perf_counter() < deadline and out.ok < MAX_REQUESTS:
        kind = rng.choices(kinds, weights=weights)[0]
        began = time.perf_counter()
        try:
            response = await _request(client, kind, plan, rng, csrf)
        except httpx.HTTPError as exc:
            out.errors[kind] += 1
            if len(out.samples) < 5:
                out.samples.append(f"{kind}: {exc!r}"[:200])
            continue
        elapsed = time.perf_counter() - began
        if response.status_code < 300:
            out.latencies[kind].append(elapsed)
        else:
            out.errors[kind] += 1
            if len(out.samples) < 5:
                out.samples.append(f"{kind}: {response.status_code} {response.text[:160]}")


async def _run(
    server: ApiServer, plan: Plan, clients: int, duration: float, seed: int
) -> tuple[Outcome, float]:
    """Log every client in, then run them all for `duration` seconds; (outcome, seconds)."""
    sessions = await asyncio.gather(*(_login(server, operator) for operator in server.take(clients)))
    out = Outcome()
    try:
        began = time.perf_counter()
        deadline = began + duration
        await asyncio.gather(
            *(
                _clerk(client, csrf, plan, seed + i, deadline, out)
                for i, (client, csrf) in enumerate(sessions)
            )
        )
        return out, time.perf_counter() - began
    finally:
        for client, _ in sessions:
            await client.aclose()


def _plan(ctx: BenchContext, server: ApiServer) -> Plan:
    city = ctx.city
    start = (city.business_date - timedelta(days=365)).isoformat()
    member = city.sample_members[0]
    path = "/api/v1/members/{no}/statement"
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        client.post("/api/v1/auth/login", json=login_payload(*server.take(1)[0])).raise_for_status()
        if client.get(path.replace("{no}", member), params={"start": start}).status_code != 200:
            path = "/api/v1/documents/statements/{no}"
            reply = client.get(path.replace("{no}", member), params={"start": start})
            if reply.status_code != 200:
                raise SystemExit(f"no statement route answers: {reply.status_code} {reply.text[:200]}")
    return Plan(city.sample_members, city.sample_units, city.business_date.isoformat(), start, path)


@benchmark("api_counter_mix", "柜面 API 混合负载：余额查询、明细查询、小额收款（uvicorn 2 进程，并发柜员）")
def api_counter_mix(ctx: BenchContext) -> Measurement:
    clients = CLIENTS[ctx.size]
    duration = DURATION_S[ctx.size]
    server = start_server(ctx)
    plan = _plan(ctx, server)
    floor = pgbench_tps(clients=clients, seconds=duration)
    out, seconds = asyncio.run(_run(server, plan, clients, duration, ctx.seed))
    everything = [x for values in out.latencies.values() for x in values]
    rps = out.ok / seconds if seconds > 0 else 0.0
    tps = floor["tps"]
    per_kind = {
        kind: {
            "requests": len(values),
            "p50_ms": round(_quantile(values, 0.5) * 1000, 1),
            "p99_ms": round(_quantile(values, 0.99) * 1000, 1),
            "errors": out.errors.get(kind, 0),
        }
        for kind, values in out.latencies.items()
    }
    return Measurement(
        seconds=seconds,
        rows=out.ok,
        floor_seconds=out.ok / tps if tps else None,
        throughput_ratio=rps / tps if tps else None,
        extra={
            "requests_per_s": round(rps, 1),
            "p50_ms": round(_quantile(everything, 0.5) * 1000, 1),
            "p99_ms": round(_quantile(everything, 0.99) * 1000, 1),
            "mean_ms": round(statistics.fmean(everything) * 1000, 1) if everything else None,
            "errors": sum(out.errors.values()),
            "error_samples": out.samples,
            "by_kind": per_kind,
            "clients": clients,
            "uvicorn_workers": server.workers,
            "statement_route": plan.statement_path,
            "pgbench_tps": round(tps, 1),
            "pgbench_latency_avg_ms": floor.get("latency_avg_ms"),
            "targets": {"ratio_min": RATIO_TARGET, "p99_ms_max": P99_TARGET_MS},
        },
    )
