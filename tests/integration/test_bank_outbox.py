"""Payments, receipts and transfers through the settlement-platform simulator, running as its own
process (reliability.md I7): an instruction whose answer is lost stays unknown, is resolved by a
result query before any resend, resends only with the same end-to-end id, is paid exactly once,
and stops for a person when the bank cannot tell — no endless retry.

The simulator plays a *naive* bank here (duplicate_policy "pay_again": a repeated SendSeqNo is
paid again), so a blind resend by the centre would show up as a second payment.
"""

from __future__ import annotations

from typing import Any

import pytest

from anju.domain.bank import MAX_QUERIES, InstructionState
from anju.errors import Conflict, RuleViolation
from anju.ledger.posting_rules import GL
from anju.money import Money
from anju.services import bank
from tests.integration.bank_helpers import (  # noqa: F401
    FINANCE,
    ICBC_COLLECTION,
    ICBC_LOAN,
    Unit,
    World,
    shared_sim_fixture,
    sim_fixture,
    world_fixture,
)

PAYEE = "6222020200001234567"


def funded(world: World) -> Unit:
    """A unit whose November roster was paid through the bank: members hold money, and so do
    the collection account in the books and at the simulated bank."""
    unit = world.unit()
    roster = world.confirmed_roster(unit)
    reply = world.remit(roster.total, f"汇缴 {unit.unit_no}")
    assert reply["delivered"] is True
    # A naive bank, and no account-change notices: only the outbox's own queries can tell.
    world.sim.post("/settings", {"duplicate_policy": "pay_again", "notify": ""})
    return unit


def notices_on(world: World) -> None:
    world.sim.post("/settings", {"notify": world.listener.url})
    world.sim.post("/push")


def payee_credits(world: World, payee: str = PAYEE) -> list[dict[str, Any]]:
    return [t for t in world.sim.account(payee)["txns"] if t["amount_fen"] > 0]


def in_transit(world: World) -> Money:
    return world.look(
        lambda uow: uow.ledger.balance(uow.ledger.single_account(GL.PAYMENTS_IN_TRANSIT).account_no)
    )


def test_a_payment_books_out_of_the_member_and_then_out_of_the_bank(world: World) -> None:
    unit = funded(world)
    member = unit.members[0]
    before_member, before_bank = world.balance(member[1]), world.balance(world.bank_ledger())
    submitted = world.submit_payment(member, Money.of("1000.00"), "W-1")
    assert submitted.state == InstructionState.PENDING
    # Submitted: out of the member's account into payments in transit, the bank not yet touched.
    assert world.balance(member[1]) == before_member - Money.of("1000.00")
    assert in_transit(world) == Money.of("1000.00")
    assert world.balance(world.bank_ledger()) == before_bank
    assert world.sim.log("BDC101") == []  # nothing is sent inside the business transaction

    done = world.dispatch(submitted.e2e_id)
    assert (done.state, done.sends, done.queries) == (InstructionState.SUCCEEDED, 1, 0)
    assert done.host_serial
    assert in_transit(world) == Money.ZERO
    assert world.balance(world.bank_ledger()) == before_bank - Money.of("1000.00")
    assert [t["amount_fen"] for t in payee_credits(world)] == [100000]
    # The submission is idempotent for the business that asked for it.
    again = world.submit_payment(member, Money.of("1000.00"), "W-1")
    assert again.e2e_id == submitted.e2e_id
    with pytest.raises(Conflict):
        world.submit_payment(member, Money.of("999.00"), "W-1")
    world.assert_ledger_ok()


def test_a_payment_whose_acknowledgement_is_dropped_is_paid_once(world: World) -> None:
    unit = funded(world)
    submitted = world.submit_payment(unit.members[0], Money.of("500.00"), "W-ack")
    world.sim.fault("BDC101", "drop_ack")

    done = world.dispatch(submitted.e2e_id)

    assert done.state == InstructionState.SUCCEEDED
    assert (done.sends, done.queries) == (1, 1)
    assert [t["amount_fen"] for t in payee_credits(world)] == [50000]
    calls = [
        (r["tx_code"], r["seq_no"] if r["tx_code"] == "BDC101" else r["org_seq_no"]) for r in world.sim.log()
    ]
    business = [c for c in calls if c[0] in ("BDC101", "BDC110")]
    assert business == [("BDC101", submitted.e2e_id), ("BDC110", submitted.e2e_id)]  # queried, never resent
    assert [e.action for e in done.events] == ["submit", "send", "no_answer", "query", "answer"]
    world.assert_ledger_ok()


def test_the_notice_of_our_own_payment_settles_it_when_its_answer_was_lost(world: World) -> None:
    unit = funded(world)
    submitted = world.submit_payment(unit.members[0], Money.of("400.00"), "W-notice")
    world.sim.fault("BDC101", "drop_ack")
    world.sim.fault("BDC110", "drop_ack", count=100)  # the bank cannot say either
    assert world.dispatch(submitted.e2e_id).state == InstructionState.UNKNOWN

    notices_on(world)  # the account-change notice of the debit arrives

    view = world.look(lambda uow: bank.get_instruction(uow, None, submitted.e2e_id))
    assert view.state == InstructionState.SUCCEEDED
    assert in_transit(world) == Money.ZERO
    notice = world.look(lambda uow: uow.bank.list_notices(states=("own",), limit=5, offset=0))
    assert [n.instruction_e2e_id for n in notice] == [submitted.e2e_id]
    assert len(world.sim.log("BDC101")) == 1
    world.assert_ledger_ok()


def test_a_payment_that_times_out_is_queried_and_paid_once(world: World) -> None:
    unit = funded(world)
    submitted = world.submit_payment(unit.members[0], Money.of("300.00"), "W-slow")
    world.sim.fault("BDC101", "delay", delay_ms=2500)  # longer than the client's 1 s timeout

    done = world.dispatch(submitted.e2e_id)

    assert done.state == InstructionState.SUCCEEDED
    assert done.sends == 1
    assert [t["amount_fen"] for t in payee_credits(world)] == [30000]
    assert len(world.sim.log("BDC101")) == 1
    world.assert_ledger_ok()


def test_a_request_the_bank_never_received_is_resent_with_the_same_id_once(world: World) -> None:
    unit = funded(world)
    submitted = world.submit_payment(unit.members[0], Money.of("200.00"), "W-lost")
    world.sim.fault("BDC101", "drop_request")

    done = world.dispatch(submitted.e2e_id)

    assert done.state == InstructionState.SUCCEEDED
    assert (done.sends, done.queries) == (2, 1)
    sent = [r["seq_no"] for r in world.sim.log("BDC101")]
    assert sent == [submitted.e2e_id, submitted.e2e_id]  # the resend is the same instruction
    order = [r["tx_code"] for r in world.sim.log() if r["tx_code"] in ("BDC101", "BDC110")]
    assert order == ["BDC101", "BDC110", "BDC101"]  # the query came before the resend
    assert [t["amount_fen"] for t in payee_credits(world)] == [20000]
    world.assert_ledger_ok()


def test_an_unanswerable_instruction_stays_unknown_then_waits_for_a_person(world: World) -> None:
    unit = funded(world)
    member = unit.members[0]
    before = world.balance(member[1])
    submitted = world.submit_payment(member, Money.of("100.00"), "W-dark")
    world.sim.fault("BDC101", "drop_ack")
    world.sim.fault("BDC110", "drop_ack", count=1000)

    first = world.dispatch(submitted.e2e_id)
    assert first.state == InstructionState.UNKNOWN  # not failed, not succeeded: unknown
    for _ in range(MAX_QUERIES + 3):
        view = world.dispatch(submitted.e2e_id)
    assert view.state == InstructionState.MANUAL
    assert view.queries == MAX_QUERIES and view.sends == 1
    # Bounded: once manual, neither dispatch nor the driver touches it again.
    queries = len(world.sim.log("BDC110"))
    world.dispatch(submitted.e2e_id)
    report = bank.drive_instructions(world.uow, world.container.bank)
    assert report.looked_at == 0
    assert len(world.sim.log("BDC110")) == queries
    assert len(world.sim.log("BDC101")) == 1  # never resent
    # The money left the member and waits in transit; it never went back, nor twice out.
    assert world.balance(member[1]) == before - Money.of("100.00")
    assert in_transit(world) == Money.of("100.00")

    world.sim.call("DELETE", "/faults")
    resolved = bank.dispatch(
        world.uow, world.container.bank, submitted.e2e_id, actor=FINANCE, force_query=True
    )
    assert resolved.state == InstructionState.SUCCEEDED
    assert in_transit(world) == Money.ZERO
    assert [t["amount_fen"] for t in payee_credits(world)] == [10000]
    world.assert_ledger_ok()


def test_a_definitive_refusal_puts_the_money_back_where_it_came_from(world: World) -> None:
    unit = funded(world)
    member = unit.members[0]
    before = world.balance(member[1])
    submitted = world.submit_payment(member, Money.of("150.00"), "W-fail")
    world.sim.fault("BDC101", "fail")

    done = world.dispatch(submitted.e2e_id)

    assert done.state == InstructionState.FAILED
    assert done.reverse_voucher_no is not None
    assert world.balance(member[1]) == before
    assert in_transit(world) == Money.ZERO
    assert payee_credits(world) == []
    world.assert_ledger_ok()


def test_a_person_settles_an_unknown_instruction_only_with_a_reason(world: World) -> None:
    unit = funded(world)
    submitted = world.submit_payment(unit.members[0], Money.of("80.00"), "W-hand")
    world.sim.fault("BDC101", "drop_ack")
    world.sim.fault("BDC110", "drop_ack", count=5)
    assert world.dispatch(submitted.e2e_id).state == InstructionState.UNKNOWN
    with pytest.raises(RuleViolation):
        world.go(
            lambda uow: bank.resolve_instruction(
                uow, FINANCE, submitted.e2e_id, outcome="succeeded", reason=" "
            )
        )
    with pytest.raises(Exception) as denied:
        world.go(
            lambda uow: bank.resolve_instruction(
                uow, world.clerk, submitted.e2e_id, outcome="failed", reason="x"
            )
        )
    assert getattr(denied.value, "code", "") == "permission_denied"
    view = world.go(
        lambda uow: bank.resolve_instruction(
            uow,
            FINANCE,
            submitted.e2e_id,
            outcome="succeeded",
            reason="电话核实银行已付款",
            host_serial="H-1",
        )
    )
    assert view.state == InstructionState.SUCCEEDED
    assert view.events[-1].action == "resolve" or any(e.action == "resolve" for e in view.events)
    with pytest.raises(Conflict):
        world.go(
            lambda uow: bank.resolve_instruction(
                uow, FINANCE, submitted.e2e_id, outcome="failed", reason="再改"
            )
        )
    world.assert_ledger_ok()


def test_a_payment_larger_than_the_account_can_cover_is_refused_at_submission(world: World) -> None:
    unit = funded(world)
    available = world.balance(world.bank_ledger())
    member = unit.members[0]
    with pytest.raises(RuleViolation) as info:
        world.submit_payment(member, available + Money(1), "W-big")
    assert info.value.code in ("bank_insufficient_funds", "insufficient_balance")
    assert world.look(lambda uow: uow.bank.list_instructions(states=None, limit=5, offset=0)) == []


def test_the_session_lapsing_at_the_bank_signs_in_again_and_sends_once(world: World) -> None:
    unit = funded(world)
    bank.sign_in(world.uow, FINANCE, world.container.bank)
    submitted = world.submit_payment(unit.members[0], Money.of("60.00"), "W-session")
    world.sim.call("DELETE", "/sessions")  # the platform restarted and forgot our session

    done = world.dispatch(submitted.e2e_id)

    assert done.state == InstructionState.SUCCEEDED
    assert [t["amount_fen"] for t in payee_credits(world)] == [6000]
    assert len(world.sim.log("BDC001")) == 2  # refused before processing, signed in, sent again
    world.assert_ledger_ok()


def test_a_transfer_between_centre_accounts_moves_both_ledgers_once(world: World) -> None:
    funded(world)
    collection, loan = world.bank_ledger(ICBC_COLLECTION), world.bank_ledger(ICBC_LOAN)
    before_collection = world.balance(collection)
    submitted = world.go(
        lambda uow: bank.submit_transfer(
            uow,
            FINANCE,
            from_account=ICBC_COLLECTION,
            to_account=ICBC_LOAN,
            amount=Money.of("1000.00"),
            source_ref="T-1",
        )
    )
    done = world.dispatch(submitted.e2e_id)
    assert done.state == InstructionState.SUCCEEDED
    assert world.balance(collection) == before_collection - Money.of("1000.00")
    assert world.balance(loan) == Money.of("1000.00")
    # Both accounts' movements come back as notices: recognised as ours, not booked again.
    notices_on(world)
    notices = world.look(lambda uow: uow.bank.list_notices(states=None, limit=50, offset=0))
    ours = [n for n in notices if n.instruction_e2e_id == submitted.e2e_id]
    assert {n.state for n in ours} <= {"own"}
    assert world.balance(loan) == Money.of("1000.00")
    with pytest.raises(Exception) as denied:
        world.go(
            lambda uow: bank.submit_transfer(
                uow,
                world.clerk,
                from_account=ICBC_COLLECTION,
                to_account=ICBC_LOAN,
                amount=Money(1),
                source_ref="T-2",
            )
        )
    assert getattr(denied.value, "code", "") == "permission_denied"
    world.assert_ledger_ok()


def test_a_direct_debit_receipt_is_booked_once_despite_its_notice(world: World) -> None:
    unit = world.unit()
    roster = world.confirmed_roster(unit)
    submitted = world.go(
        lambda uow: bank.submit_receipt(
            uow,
            world.clerk,
            purpose="remittance",
            amount=roster.total,
            payer_account_no="6222000011112222",
            payer_name="安居测试单位",
            payer_bank_code="102",
            credit_account=ICBC_COLLECTION,
            ref_account_no=unit.unit_no,
            source_ref="R-1",
            agreement_no="AGR-1",
        )
    )
    done = world.dispatch(submitted.e2e_id)
    assert done.state == InstructionState.SUCCEEDED
    notices_on(world)
    assert world.balance(world.bank_ledger()) == roster.total
    members = [world.balance(ledger) for _no, ledger in unit.members]
    assert sum(m.fen for m in members) == roster.total.fen
    world.assert_ledger_ok()


def test_a_batch_receipt_books_each_successful_item_once(world: World) -> None:
    units = [world.unit(("5000.00",)) for _ in range(3)]
    rosters = [world.confirmed_roster(u) for u in units]
    world.sim.post("/accounts", {"account_no": "6222000000000003", "name": "丙公司", "balance": "0.00"})
    items = [
        bank.BatchReceiptItem(r.total, f"622200000000000{i + 1}", f"单位{i}", u.unit_no)
        for i, (u, r) in enumerate(zip(units, rosters, strict=True))
    ]
    submitted = world.go(
        lambda uow: bank.submit_batch_receipt(
            uow,
            world.clerk,
            purpose="batch_remittance",
            credit_account=ICBC_COLLECTION,
            items=items,
            source_ref="B-1",
        )
    )
    world.sim.fault("BDC108", "drop_ack")  # the first download of the result is lost

    first = world.dispatch(submitted.e2e_id)
    assert first.state == InstructionState.PROCESSING
    done = world.dispatch(submitted.e2e_id)
    assert done.state == InstructionState.SUCCEEDED
    assert [i.state for i in done.items] == ["succeeded", "succeeded", "failed"]
    assert world.dispatch(submitted.e2e_id).state == InstructionState.SUCCEEDED  # nothing more happens
    notices_on(world)
    booked = rosters[0].total + rosters[1].total
    assert world.balance(world.bank_ledger()) == booked
    world.assert_ledger_ok()


@pytest.mark.own_sim
def test_without_a_bank_the_outbox_keeps_the_instruction_safely_pending(world: World) -> None:
    unit = funded(world)
    submitted = world.submit_payment(unit.members[0], Money.of("10.00"), "W-down")
    world.sim.process.terminate()
    world.sim.process.wait(timeout=10)

    view = world.dispatch(submitted.e2e_id)

    assert view.state == InstructionState.PENDING
    assert view.sends == 0
    session = world.look(lambda uow: bank.session_state(uow, None, configured=True))
    assert session.last_error
