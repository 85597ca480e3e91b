"""Over-payment refunds (多缴退款) paid through the bank port, against the settlement simulator:
booked by collection into 21999, handed to the bank by finance, marked paid on confirmation."""

from __future__ import annotations

import pytest

from anju.domain.accounting import AccountingRuleViolation
from anju.domain.bank import InstructionState
from anju.ledger.posting_rules import GL
from anju.money import Money
from anju.services import funds
from anju.services import remittance as rm
from anju.services.bank import InstructionView
from tests.integration.bank_helpers import (  # noqa: F401
    FINANCE,
    ICBC_COLLECTION,
    World,
    shared_sim_fixture,
    sim_fixture,
    world_fixture,
)


def pending_refunds_balance(world: World) -> Money:
    return world.look(lambda uow: uow.ledger.single_account(GL.PENDING_REFUNDS).balance)


def test_an_overpayment_refund_is_paid_once_through_the_bank(world: World) -> None:
    unit = world.unit()
    assert world.remit(Money.of("300.00"), f"汇缴 {unit.unit_no}")["delivered"] is True
    world.sim.post("/settings", {"notify": ""})
    refund = world.go(
        lambda uow: rm.refund_suspense(
            uow,
            world.clerk,
            unit.unit_no,
            amount=Money.of("300.00"),
            reason="多缴退回",
            payee_name="安居测试单位",
            payee_account_no="41001234567890",
        )
    )
    assert pending_refunds_balance(world) == Money.of("300.00")
    listed = world.look(lambda uow: funds.pending_refunds(uow, FINANCE))
    assert [(r.case_no, r.amount) for r in listed] == [(refund.case_no, Money.of("300.00"))]
    bank_before = world.balance(world.bank_ledger())

    def pay() -> InstructionView:
        return world.go(
            lambda uow: funds.pay_refund(
                uow, FINANCE, str(refund.case_no), from_account=ICBC_COLLECTION, payee_bank_code="102"
            )
        )

    # The bank refuses the first instruction: its reversal puts the money back in 21999 and the
    # refund stays pending; asking again makes a new instruction, which the bank pays.
    refused = pay()
    assert pending_refunds_balance(world) == Money.ZERO  # now in payments in transit
    world.sim.fault("BDC101", "fail")
    assert world.dispatch(refused.e2e_id).state == InstructionState.FAILED
    assert pending_refunds_balance(world) == Money.of("300.00")
    submitted = pay()
    assert submitted.source_ref == f"{refund.case_no}#2"
    done = world.dispatch(submitted.e2e_id)
    assert done.state == InstructionState.SUCCEEDED
    assert world.balance(world.bank_ledger()) == bank_before - Money.of("300.00")
    assert world.look(lambda uow: funds.pending_refunds(uow, FINANCE)) == []
    with pytest.raises(AccountingRuleViolation) as again:
        pay()
    assert again.value.code == "refund_not_pending"
    world.assert_ledger_ok()


def test_collection_statistics_by_unit_type_count_the_members_paid(world: World) -> None:
    from anju.domain.codes import ECONOMIC_TYPES
    from anju.services import statistics
    from tests.integration.bank_helpers import DAY

    unit = world.unit()
    roster = world.confirmed_roster(unit)
    assert world.remit(roster.total, f"汇缴 {unit.unit_no}")["delivered"] is True
    start = DAY.replace(day=1)
    report = world.look(lambda uow: statistics.by_unit_type(uow, FINANCE, "collection", start, DAY))
    rows = {row.cells[0]: row.cells for row in report.rows}
    economic_type = world.look(lambda uow: uow.units.get(unit.unit_no)).economic_type
    label = ECONOMIC_TYPES[economic_type]
    assert rows[label][1:3] == (2, roster.total)
    assert rows["合计"][2] == roster.total
