"""Concurrent requests with one Idempotency-Key (reliability.md I2), on both databases.

20 identical unit remittance payments (汇缴到账: the bank's money is booked to the unit's members
at once) are sent together behind a barrier, from 20 threads, all with the same key. The command runs
once: one reply is the first result, every other one is either its byte-identical replay
(`Idempotent-Replayed: true`) or 409 `idempotency_in_flight`; nothing else. The ledger holds
exactly one new voucher and the roster is paid once; check_ledger() holds.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import text

from anju.bootstrap import Container
from tests.e2e.test_api_remittance import unit_with_members
from tests.reliability.workload import assert_ledger_ok, run_together

SENDERS = 20


def test_twenty_parallel_sends_of_one_key_post_once(seeded: Container, make_client: Any) -> None:
    clerk = make_client("clerk01")
    unit_no = unit_with_members(clerk, 51)
    roster = clerk.post(f"/api/v1/remittance/units/{unit_no}/rosters", {"month": "202611"}).json()
    assert clerk.post(f"/api/v1/remittance/rosters/{roster['id']}/confirm").status_code == 200
    payment = {
        "unit_account_no": unit_no,
        "amount": roster["total"],
        "serial_no": "RACE-1",
        "received_on": "2026-11-23",
    }
    vouchers_before = voucher_count(seeded)
    key = "race-key-000000000001"
    replies: list[Any] = []
    spans: list[tuple[float, float]] = []
    lock = threading.Lock()

    def sender() -> None:  # run_together starts all of them behind one barrier
        started = time.monotonic()
        reply = clerk.post("/api/v1/remittance/payments", payment, key=key)
        with lock:
            replies.append(reply)
            spans.append((started, time.monotonic()))

    errors = run_together([sender] * SENDERS)
    assert errors == [], errors[:3]
    assert len(replies) == SENDERS
    first_done = min(end for _, end in spans)
    assert sum(start < first_done for start, _ in spans) >= 2  # they really were in flight together
    first = [r for r in replies if r.status_code == 201 and "Idempotent-Replayed" not in r.headers]
    replayed = [r for r in replies if r.status_code == 201 and r.headers.get("Idempotent-Replayed") == "true"]
    in_flight = [r for r in replies if r.status_code == 409]
    assert len(first) == 1, [(r.status_code, r.text[:80]) for r in replies]
    assert len(first) + len(replayed) + len(in_flight) == SENDERS, [
        (r.status_code, r.text[:80]) for r in replies
    ]
    assert all(r.content == first[0].content for r in replayed)
    assert all(r.json()["code"] == "idempotency_in_flight" for r in in_flight)

    assert voucher_count(seeded) == vouchers_before + 1
    assert first[0].json()["state"] == "matched"
    assert clerk.get(f"/api/v1/remittance/rosters/{roster['id']}").json()["state"] == "paid"
    # After the race, a late retry is a plain replay of the one result.
    late = clerk.post("/api/v1/remittance/payments", payment, key=key)
    assert late.headers.get("Idempotent-Replayed") == "true" and late.content == first[0].content
    assert_ledger_ok(seeded)


def voucher_count(container: Container) -> int:
    with container.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM voucher")).scalar_one())
