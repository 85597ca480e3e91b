"""Daily reconciliation (对账) against a simulated bank statement with injected discrepancies
(reliability.md I8): each line gets the right verdict, the ledger is untouched, the report's
totals add up, and the closing balance is compared per centre account (专户).
"""

from __future__ import annotations

from typing import Any

import pytest

from anju.domain.bank import Verdict
from anju.domain.security import Actor
from anju.money import Money
from anju.services import bank, bank_reconciliation
from anju.services.end_of_day import EOD_STEPS, run_end_of_day
from anju.services.ledger import trial_balance
from tests.integration.bank_helpers import (  # noqa: F401
    FINANCE,
    ICBC_COLLECTION,
    ICBC_LOAN,
    World,
    shared_sim_fixture,
    sim_fixture,
    world_fixture,
)
from tests.integration.collection_helpers import DAY


def books(world: World) -> Any:
    """Everything a reconciliation must not change."""
    view = world.look(lambda uow: trial_balance(uow, FINANCE, None))
    return world.voucher_count(), [(r.code, r.debit_total, r.credit_total) for r in view.rows]


def a_day_of_business(world: World) -> dict[str, str]:
    """A matched remittance, a remittance held in suspense, and a member's withdrawal."""
    matched_unit, suspense_unit = world.unit(), world.unit()
    roster = world.confirmed_roster(matched_unit)
    s1 = world.remit(roster.total, f"汇缴 {matched_unit.unit_no}")["serial"]
    s3 = world.remit(Money.of("300.00"), f"{suspense_unit.unit_no} 预缴")["serial"]
    payment = world.submit_payment(matched_unit.members[0], Money.of("100.00"), "W-recon")
    done = world.dispatch(payment.e2e_id)
    world.sim.post("/push")
    assert done.host_serial
    return {"S1": s1, "S3": s3, "S2": done.host_serial, "voucher_S2": str(done.settle_voucher_no)}


def test_each_injected_discrepancy_gets_its_verdict_and_nothing_is_adjusted(world: World) -> None:
    ids = a_day_of_business(world)
    fault = {"account_no": ICBC_COLLECTION, "date": DAY.isoformat()}
    world.sim.post("/statement-faults", {**fault, "kind": "duplicate", "serial": ids["S1"]})
    world.sim.post("/statement-faults", {**fault, "kind": "amount", "serial": ids["S3"], "delta": "1.00"})
    world.sim.post("/statement-faults", {**fault, "kind": "drop", "serial": ids["S2"]})
    world.sim.post(
        "/statement-faults",
        {**fault, "kind": "extra", "serial": "EXTRA1", "amount": "50.00", "remark": "来源不明"},
    )
    before = books(world)

    report = bank_reconciliation.reconcile_day(world.uow, FINANCE, DAY)

    assert books(world) == before  # no voucher, no posting: nothing adjusted automatically
    assert report.problems == ()
    recon = next(r for r in report.reconciliations if r.account_no == ICBC_COLLECTION)
    full = world.look(lambda uow: bank_reconciliation.get_reconciliation(uow, FINANCE, recon.id))
    verdicts = sorted((i.verdict, i.serial) for i in full.items)
    assert verdicts == sorted(
        [
            (Verdict.MATCHED, ids["S1"]),
            (Verdict.DUPLICATE, ids["S1"]),
            (Verdict.AMOUNT_MISMATCH, ids["S3"]),
            (Verdict.MISSING, ids["S2"]),
            (Verdict.UNKNOWN, "EXTRA1"),
        ]
    )
    missing = next(i for i in full.items if i.verdict == Verdict.MISSING)
    assert (missing.voucher_no, missing.ledger_amount) == (ids["voucher_S2"], Money.of("-100.00"))
    mismatch = next(i for i in full.items if i.verdict == Verdict.AMOUNT_MISMATCH)
    assert (mismatch.statement_amount, mismatch.ledger_amount) == (Money.of("301.00"), Money.of("300.00"))
    assert full.state == "differences"
    # Report totals add up, on each side.
    assert sum(full.statement_sums.values(), Money.ZERO) == full.statement_total
    assert sum(full.ledger_sums.values(), Money.ZERO) == full.ledger_total
    assert full.counts == {"matched": 1, "missing": 1, "duplicate": 1, "amount_mismatch": 1, "unknown": 1}
    # The closing balances are compared, and the reconciling items explain the difference.
    book = world.balance(world.bank_ledger())
    assert full.book_balance == book
    assert full.bank_balance == full.statement_total  # the account opened at zero today
    assert full.difference == full.bank_balance - book
    assert full.difference != Money.ZERO
    assert full.adjusted_bank_balance == book
    # Every other account is reconciled too, and agrees.
    others = [r for r in report.reconciliations if r.account_no != ICBC_COLLECTION]
    assert others and all(r.state == "balanced" for r in others)
    world.assert_ledger_ok()


def test_a_clean_day_balances_and_a_rerun_is_a_new_report(world: World) -> None:
    a_day_of_business(world)
    first = bank_reconciliation.reconcile_day(world.uow, FINANCE, DAY)
    second = bank_reconciliation.reconcile_day(world.uow, FINANCE, DAY)
    mine = [r for r in (*first.reconciliations, *second.reconciliations) if r.account_no == ICBC_COLLECTION]
    assert [(r.state, r.run_no) for r in mine] == [("balanced", 1), ("balanced", 2)]
    assert mine[0].counts[Verdict.MATCHED] == 3
    assert mine[0].bank_balance == mine[0].book_balance


def test_reconciliation_runs_as_an_end_of_day_step(world: World) -> None:
    a_day_of_business(world)
    step = [s for s in EOD_STEPS if s.name == bank_reconciliation.EOD_STEP_NAME]
    assert step, "the reconciliation step is registered"
    eod = Actor.system("eod")
    report = run_end_of_day(world.uow, eod, DAY, steps=step)
    assert report.ok, report.error
    assert "对账" in report.steps[0].message
    stored = world.look(lambda uow: bank_reconciliation.list_reconciliations(uow, FINANCE, day=DAY))
    assert {r.account_no for r in stored} >= {ICBC_COLLECTION, ICBC_LOAN}
    assert all(r.state == "balanced" for r in stored)


@pytest.mark.own_sim
def test_without_a_statement_the_report_says_so(world: World) -> None:
    a_day_of_business(world)
    world.sim.process.terminate()
    world.sim.process.wait(timeout=10)
    report = bank_reconciliation.reconcile_day(world.uow, FINANCE, DAY)
    assert report.problems
    states = {r.account_no: r.state for r in report.reconciliations}
    assert states[ICBC_COLLECTION] == "no_statement"
    assert bank.default_gateway() is world.container.bank
