"""Pure settlement rules: what an answer means, when to query or resend, reconciliation verdicts."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anju.domain.bank import (
    MAX_QUERIES,
    MAX_SENDS,
    Answer,
    BankRuleViolation,
    InstructionKind,
    InstructionState,
    LedgerMovement,
    StatementLine,
    Step,
    Verdict,
    bank_node,
    centre_node,
    find_unit_account_no,
    next_step,
    purpose_of,
    reconcile_lines,
    retry_delay_seconds,
    state_after_query,
    tx_status_answer,
)
from anju.ids import UnitAccountNo
from anju.money import Money

S = InstructionState


def test_node_numbers_follow_the_platform_convention() -> None:
    assert centre_node("522400") == "C52240"
    assert bank_node("105") == "105000"


@pytest.mark.parametrize(
    ("status", "answer"), [("0", "success"), ("1", "failure"), ("2", "unknown"), ("", "unknown")]
)
def test_tx_status_other_than_0_or_1_is_unknown(status: str, answer: str) -> None:
    assert tx_status_answer(status) == answer


def test_an_unknown_instruction_is_queried_never_sent() -> None:
    assert next_step(S.PENDING, sends=0, queries=0) == Step.SEND
    assert next_step(S.UNKNOWN, sends=1, queries=0) == Step.QUERY
    assert next_step(S.UNKNOWN, sends=1, queries=5) == Step.QUERY
    assert next_step(S.PROCESSING, sends=1, queries=0) == Step.POLL
    for final in (S.SUCCEEDED, S.FAILED):
        assert next_step(final, sends=1, queries=1) == Step.NONE
        assert next_step(final, sends=1, queries=1, force_query=True) == Step.NONE


def test_retries_are_bounded_then_a_person_decides() -> None:
    assert next_step(S.PENDING, sends=MAX_SENDS, queries=0) == Step.MANUAL
    assert next_step(S.UNKNOWN, sends=1, queries=MAX_QUERIES) == Step.MANUAL
    assert next_step(S.MANUAL, sends=1, queries=MAX_QUERIES) == Step.NONE
    assert next_step(S.MANUAL, sends=1, queries=MAX_QUERIES, force_query=True) == Step.QUERY
    assert retry_delay_seconds(0) == 30
    assert retry_delay_seconds(3) == 240
    assert retry_delay_seconds(50) == 3600


def test_a_query_answer_moves_the_instruction() -> None:
    assert state_after_query(Answer.SUCCESS, sends=1) == S.SUCCEEDED
    assert state_after_query(Answer.FAILURE, sends=1) == S.FAILED
    assert state_after_query(Answer.PROCESSING, sends=1) == S.UNKNOWN
    assert state_after_query(Answer.UNKNOWN, sends=1) == S.UNKNOWN
    # Never received: resend (same end-to-end id) within the bound, else a person.
    assert state_after_query(Answer.NOT_FOUND, sends=1) == S.PENDING
    assert state_after_query(Answer.NOT_FOUND, sends=MAX_SENDS) == S.MANUAL


def test_purposes_belong_to_one_kind() -> None:
    assert purpose_of("partial_withdrawal", InstructionKind.PAYMENT).bus_type == "02"
    assert purpose_of("remittance", InstructionKind.RECEIPT).bus_type == "01"
    assert purpose_of("fund_transfer", InstructionKind.TRANSFER).bus_type == "18"
    with pytest.raises(BankRuleViolation):
        purpose_of("remittance", InstructionKind.PAYMENT)
    with pytest.raises(BankRuleViolation):
        purpose_of("lottery", InstructionKind.PAYMENT)


def test_the_unit_account_number_is_found_in_the_remark_only_with_a_valid_check_digit() -> None:
    unit = UnitAccountNo.compose("410100", 12).value
    assert find_unit_account_no(f"汇缴{unit}十一月") == unit
    assert find_unit_account_no("", f"单位账号:{unit}") == unit
    wrong = unit[:-1] + str((int(unit[-1]) + 1) % 10)
    assert find_unit_account_no(f"汇缴 {wrong}") is None
    assert find_unit_account_no(f"9{unit}") is None  # part of a longer number
    assert find_unit_account_no("") is None


# --- reconciliation -------------------------------------------------------------------------------


def sline(seq: int, serial: str, fen: int) -> StatementLine:
    return StatementLine(
        seq=seq,
        account_no="A",
        serial=serial,
        tx_code="X",
        counterparty_account="",
        counterparty_name="",
        amount=Money(fen),
        tx_date=date(2026, 11, 23),
        tx_time="120000",
    )


def test_every_kind_of_discrepancy_gets_its_verdict() -> None:
    lines = [
        sline(1, "S1", 10000),  # matched through the inbox link
        sline(2, "S2", -5000),  # amount differs from the book
        sline(3, "S3", 7000),  # unknown: nothing in the books
        sline(4, "S1", 10000),  # the same serial again
        sline(5, "S5", 3000),  # matched: a voucher keyed by the serial
        sline(6, "S6", -2500),  # matched by amount to an unlinked posting
    ]
    movements = [
        LedgerMovement("V1", Money(10000), frozenset({"S1"})),
        LedgerMovement("V2", Money(-4000), frozenset({"S2"})),
        LedgerMovement("V4", Money(8000), frozenset({"S4"})),  # missing from the statement
        LedgerMovement("V5", Money(3000), source_ref="S5"),
        LedgerMovement("V6", Money(-2500)),
    ]
    outcome = reconcile_lines(lines, movements)
    verdicts = {(i.verdict, i.serial, i.voucher_no) for i in outcome.items}
    assert verdicts == {
        (Verdict.MATCHED, "S1", "V1"),
        (Verdict.AMOUNT_MISMATCH, "S2", "V2"),
        (Verdict.UNKNOWN, "S3", None),
        (Verdict.DUPLICATE, "S1", None),
        (Verdict.MATCHED, "S5", "V5"),
        (Verdict.MATCHED, "S6", "V6"),
        (Verdict.MISSING, "S4", "V4"),
    }
    assert outcome.counts == {"matched": 3, "missing": 1, "duplicate": 1, "amount_mismatch": 1, "unknown": 1}
    assert not outcome.balanced
    assert outcome.statement_total == Money(10000 - 5000 + 7000 + 10000 + 3000 - 2500)
    assert outcome.ledger_total == Money(10000 - 4000 + 8000 + 3000 - 2500)


def test_a_clean_day_is_balanced() -> None:
    outcome = reconcile_lines([sline(1, "S1", 100)], [LedgerMovement("V1", Money(100), frozenset({"S1"}))])
    assert outcome.balanced
    assert reconcile_lines([], []).balanced


amounts = st.integers(min_value=-(10**9), max_value=10**9).filter(lambda x: x != 0)


@given(
    lines=st.lists(st.tuples(st.sampled_from(["S1", "S2", "S3", "S4", "S5"]), amounts), max_size=12),
    movements=st.lists(st.tuples(st.sampled_from(["S1", "S2", "S3", "S6", ""]), amounts), max_size=12),
)
def test_report_totals_always_add_up(lines: list[tuple[str, int]], movements: list[tuple[str, int]]) -> None:
    statement = [sline(i, serial, fen) for i, (serial, fen) in enumerate(lines, start=1)]
    book = [
        LedgerMovement(f"V{i}", Money(fen), frozenset({serial}) if serial else frozenset())
        for i, (serial, fen) in enumerate(movements)
    ]
    outcome = reconcile_lines(statement, book)
    # Every statement line gets exactly one verdict, every posting at most one.
    assert sum(1 for i in outcome.items if i.line_seq is not None) == len(statement)
    assert len({i.voucher_no for i in outcome.items if i.voucher_no}) == len(book)
    assert sum((s for s in outcome.statement_sums.values()), Money.ZERO) == outcome.statement_total
    assert sum((s for s in outcome.ledger_sums.values()), Money.ZERO) == outcome.ledger_total
    assert outcome.balanced == (outcome.counts["matched"] == len(outcome.items))
