"""贷后管理 on the database: the overdue register's penalty accrual and what a repayment collects,
manual reclassification with maker-checker that the batch does not undo, term extension and
shortening with exact figures, reminders by SMS once per instalment and day, litigation records
and the SM2 signature of the application (reliability.md K5)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from anju.batch import loan_jobs
from anju.batch.runner import run_job
from anju.bootstrap import Container
from anju.domain.security import Actor
from anju.errors import AnjuError
from anju.money import Money, Rate, round_fen
from anju.services import bank, cases, loan_servicing, loan_signatures, loans, sms
from anju.services import loan_repayments as repay
from anju.services import policy as policy_service
from tests.integration.test_loans import FINANCE, LOAN_BANK, World

SYSTEM = Actor.system("test")


@pytest.fixture
def world(container: Container) -> World:
    return World(container)


def _active(world: World, **kw: object) -> loans.LoanView:
    borrower = world.member(**kw)  # type: ignore[arg-type]
    return world.to_disbursed(world.apply(world.application(borrower)).loan_no)


def _penalty(base: Money, days: int) -> Money:
    """rules.md §5.9: round(base × 2.60 % × 1.5 / 360 × days)."""
    return round_fen(Decimal(base.fen) * Decimal("0.026") * Decimal("1.5") * days / 360)


def _pay(world: World, loan_no: str, amount: Money, serial: str, day: date) -> repay.RepaymentView:
    settlement = bank.ReceiptSettlement(
        repay.REPAYMENT_PURPOSE, loan_no, amount, serial, LOAN_BANK, day, "bank"
    )
    world.go(lambda uow: repay.loan_receipt(uow, FINANCE, settlement))
    txns = world.look(lambda uow: uow.loans.txns(uow.loans.loan(loan_no).id))
    last = next(t for t in reversed(txns) if t.source_ref == f"bank:{serial}")
    return repay.RepaymentView(
        loan_no, last.amount, last.principal, last.interest, last.penalty, Money.ZERO, None, False
    )


# --- 2. penalty accrual (逾期登记) -------------------------------------------------------------------


def test_penalty_accrues_by_period_and_a_repayment_collects_exactly_the_register(world: World) -> None:
    view = _active(world)
    first = view.instalments[0]  # due 2026-12-23: 1,604.36 at 2.60 %
    assert first.principal + first.interest == Money.from_yuan("1604.36")
    late = date(2027, 1, 2)  # 10 days late
    world.set_day(late)
    lines = world.look(lambda uow: repay.overdue_register(uow, world.clerk, view.loan_no))
    assert [(x.instalment_no, x.days) for x in lines] == [(1, 10)]
    penalty_10 = _penalty(first.principal + first.interest, 10)
    assert penalty_10 == Money.from_yuan("1.74")
    assert lines[0].penalty_accrued == penalty_10 and lines[0].owed == Money.from_yuan("1604.36") + penalty_10
    # A partial payment: penalty, then the overdue interest, then 500.00 of the principal.
    part = _pay(world, view.loan_no, penalty_10 + first.interest + Money.from_yuan("500.00"), "P1", late)
    assert (part.penalty, part.interest, part.principal) == (
        penalty_10,
        first.interest,
        Money.from_yuan("500.00"),
    )
    # Ten more days: the second period accrues only on the principal still owed.
    later = date(2027, 1, 12)
    world.set_day(later)
    rest = first.principal - Money.from_yuan("500.00")
    line = world.look(lambda uow: repay.overdue_register(uow, world.clerk, view.loan_no))[0]
    assert line.principal == rest and line.interest.is_zero and line.days == 20
    assert line.penalty_accrued == penalty_10 + _penalty(rest, 10)
    assert line.penalty_paid == penalty_10 and line.penalty == _penalty(rest, 10)
    owed = world.look(lambda uow: repay.owed_on(uow, uow.loans.loan(view.loan_no), later))
    assert owed == line.owed  # the register is what the repayment path collects
    paid = _pay(world, view.loan_no, owed, "P2", later)
    assert (paid.penalty, paid.principal) == (_penalty(rest, 10), rest)
    assert world.look(lambda uow: repay.overdue_register(uow, world.clerk, view.loan_no)) == []
    world.assert_ledger_ok()
    world.assert_loan_books_match_gl()  # Σ loan sub-ledger = GL; penalty is income (cash basis)


def test_the_register_matches_the_one_shot_formula_when_nothing_is_paid(world: World) -> None:
    view = _active(world)
    first, second = view.instalments[0], view.instalments[1]
    on = date(2027, 2, 2)  # instalment 1: 41 days, instalment 2: 10 days
    run_job(world.c.uow, loan_jobs.OVERDUE, on, actor=SYSTEM)  # principal moved to 122 meanwhile
    world.set_day(on)
    lines = world.look(lambda uow: repay.overdue_register(uow, world.clerk, view.loan_no))
    assert [(x.days, x.penalty_accrued) for x in lines] == [
        (41, _penalty(first.principal + first.interest, 41)),
        (10, _penalty(second.principal + second.interest, 10)),
    ]


# --- 3. manual reclassification (人工调整) -----------------------------------------------------------


def test_manual_reclassification_needs_a_second_person_and_survives_the_batch(world: World) -> None:
    view = _active(world)
    run_job(world.c.uow, loan_jobs.CLASSIFICATION, date(2027, 4, 2), actor=SYSTEM)  # 100 days: 次级
    world.set_day(date(2027, 4, 2))
    assert world.look(lambda uow: uow.loans.loan(view.loan_no)).risk_tier == "03"
    with pytest.raises(AnjuError) as err:  # only worse
        world.go(
            lambda uow: loan_servicing.request_reclassification(
                uow, world.clerk, view.loan_no, tier="02", reason="好转"
            )
        )
    assert err.value.code == "classification_override_not_worse"
    reason = "借款人失联，抵押物存在权属纠纷"
    world.go(
        lambda uow: loan_servicing.request_reclassification(
            uow, world.clerk, view.loan_no, tier="04", reason=reason
        )
    )
    assert world.look(lambda uow: uow.loans.loan(view.loan_no)).risk_tier == "03"  # not before approval
    same = replace(world.approver, username=world.clerk.username)
    with pytest.raises(AnjuError) as err:
        world.go(lambda uow: loan_servicing.decide_reclassification(uow, same, view.loan_no, approve=True))
    assert err.value.code == "loan_reclassification_same_person"
    world.go(
        lambda uow: loan_servicing.decide_reclassification(uow, world.approver, view.loan_no, approve=True)
    )
    record = world.look(lambda uow: uow.loans.loan(view.loan_no))
    assert (record.risk_tier, record.override_tier, record.override_reason) == ("04", "04", reason)
    # The month-end batch reclassifies the automatic tier but keeps the worse override.
    run_job(world.c.uow, loan_jobs.CLASSIFICATION, date(2027, 4, 30), actor=SYSTEM)
    assert world.look(lambda uow: uow.loans.loan(view.loan_no)).risk_tier == "04"
    # Everything overdue repaid: automatically 正常, the override still holds.
    day = date(2027, 4, 30)
    owed = world.look(lambda uow: repay.owed_on(uow, uow.loans.loan(view.loan_no), day))
    world.set_day(day)
    _pay(world, view.loan_no, owed, "CURE", day)
    record = world.look(lambda uow: uow.loans.loan(view.loan_no))
    assert (record.days_past_due, record.risk_tier) == (0, "04")
    # Lifting it goes through the same maker-checker; then the automatic tier applies.
    world.go(
        lambda uow: loan_servicing.request_reclassification(
            uow, world.clerk, view.loan_no, tier=None, reason="已追回"
        )
    )
    world.go(
        lambda uow: loan_servicing.decide_reclassification(uow, world.approver, view.loan_no, approve=True)
    )
    record = world.look(lambda uow: uow.loans.loan(view.loan_no))
    assert (record.risk_tier, record.override_tier) == ("01", None)
    with world.c.engine.connect() as conn:
        actions = {
            r[0]
            for r in conn.execute(
                text("SELECT action FROM audit_log WHERE object_id = :n"), {"n": view.loan_no}
            )
        }
    assert {"loan.reclassify_request", "loan.reclassify_approve"} <= actions


# --- 4. 展期 / 缩期 ---------------------------------------------------------------------------------


def _change_term(world: World, loan_no: str, months: int) -> loans.LoanView:
    world.go(
        lambda uow: loan_servicing.request_term_change(
            uow, world.clerk, loan_no, remaining_months=months, reason="借款人收入变化"
        )
    )
    with pytest.raises(AnjuError) as err:  # not approved yet
        world.go(lambda uow: loan_servicing.execute_term_change(uow, world.clerk, loan_no))
    assert err.value.code.startswith("case_")
    world.go(lambda uow: loan_servicing.decide_term_change(uow, world.reviewer, loan_no, "review"))
    world.go(lambda uow: loan_servicing.decide_term_change(uow, world.approver, loan_no, "approve"))
    return world.go(lambda uow: loan_servicing.execute_term_change(uow, world.clerk, loan_no))  # type: ignore[no-any-return]


def test_term_shortening_recomputes_the_schedule_with_exact_figures(world: World) -> None:
    view = _active(world)
    world.set_day(date(2026, 12, 10))
    after = _change_term(world, view.loan_no, 120)
    rows = after.instalments
    assert len(rows) == 120 and after.record.term_months == 240  # the signed contract term stays
    # 300,000.00 over 120 months at 2.60 %: M = P·i·(1+i)^n / ((1+i)^n − 1) = 2,841.76.
    assert after.record.level == Money.from_yuan("2841.76")
    assert rows[0].interest == Money.from_yuan("650.00") and rows[0].principal == Money.from_yuan("2191.76")
    assert rows[0].due_date == view.instalments[0].due_date and rows[-1].due_date == date(2036, 11, 23)
    assert sum(r.principal.fen for r in rows) == Money.from_yuan("300000.00").fen
    txns = world.look(lambda uow: uow.loans.txns(view.record.id))
    assert [t.txn_type for t in txns if t.txn_type in ("07", "08")] == ["08"]
    case = world.look(lambda uow: cases.get_case(uow, world.clerk, after.record.case_no, permission=None))
    assert case is not None
    world.assert_ledger_ok()


def test_term_extension_after_an_instalment_is_paid(world: World) -> None:
    view = _active(world)
    first = view.instalments[0]
    _pay(world, view.loan_no, first.principal + first.interest, "I1", first.due_date)
    world.set_day(date(2027, 1, 5))
    after = _change_term(world, view.loan_no, 299)  # 239 left → 299: 展期 to 300 months in all
    rows = after.instalments
    assert len(rows) == 300 and rows[0].settled_on == first.due_date
    balance = view.instalments[0].closing_balance
    assert rows[1].opening_balance == balance
    assert sum(r.principal.fen for r in rows[1:]) == balance.fen
    assert balance == Money.from_yuan("299045.64")  # 300,000.00 − (1,604.36 − 650.00)
    assert rows[1].interest == Money.from_yuan("647.93")  # round(299,045.64 × 2.60 % / 12)
    assert after.record.level == Money.from_yuan("1359.90")  # the 等额本息 formula over 299 months
    assert [t.txn_type for t in world.look(lambda uow: uow.loans.txns(view.record.id))].count("07") == 1


def test_term_change_is_refused_with_arrears_or_the_same_term(world: World) -> None:
    view = _active(world)
    world.set_day(date(2026, 12, 10))
    with pytest.raises(AnjuError) as err:
        world.go(
            lambda uow: loan_servicing.request_term_change(
                uow, world.clerk, view.loan_no, remaining_months=240, reason="x"
            )
        )
    assert err.value.code == "loan_term_change_invalid"
    world.set_day(date(2027, 1, 2))
    with pytest.raises(AnjuError) as err:
        world.go(
            lambda uow: loan_servicing.request_term_change(
                uow, world.clerk, view.loan_no, remaining_months=100, reason="x"
            )
        )
    assert err.value.code == "loan_term_change_arrears"


# --- 5. reminders and litigation ---------------------------------------------------------------------


def test_reminders_before_the_due_date_and_on_overdue_once_a_day(world: World) -> None:
    phone = "13912345678"
    view = _active(world, phone=phone)
    due = view.instalments[0].due_date
    before = date(2026, 12, 20)  # three days ahead
    run_job(world.c.uow, loan_jobs.REMINDERS, before, actor=SYSTEM)
    run_job(world.c.uow, loan_jobs.REMINDERS, before, actor=SYSTEM)  # again: no second message
    gateway = world.c.sms
    world.go(lambda uow: sms.deliver_queued(uow, gateway))
    sent = [t for to, t in gateway.sent if to == phone]  # type: ignore[attr-defined]
    assert len(sent) == 1 and "1,604.36" in sent[0] and "2026年12月23日" in sent[0]
    run_job(world.c.uow, loan_jobs.REMINDERS, date(2026, 12, 21), actor=SYSTEM)  # not 3 days ahead
    overdue_day = date(2026, 12, 25)
    run_job(world.c.uow, loan_jobs.REMINDERS, overdue_day, actor=SYSTEM)
    world.go(lambda uow: sms.deliver_queued(uow, gateway))
    sent = [t for to, t in gateway.sent if to == phone]  # type: ignore[attr-defined]
    assert len(sent) == 2 and "已逾期 2 天" in sent[1]
    assert world.look(lambda uow: loan_servicing.reminders(uow, world.clerk, view.loan_no)) == [
        (1, overdue_day, "overdue"),
        (1, before, "before_due"),
    ]
    assert due == date(2026, 12, 23)


def test_litigation_records(world: World) -> None:
    view = _active(world)
    req = loan_servicing.LitigationInput(
        filed_on=date(2027, 6, 1),
        court="安居市人民法院",
        case_number="(2027)豫0101民初123号",
        status="filed",
        claim=Money.from_yuan("298000.00"),
    )
    made = world.go(lambda uow: loan_servicing.record_litigation(uow, world.clerk, view.loan_no, req))
    with pytest.raises(AnjuError) as err:
        world.go(lambda uow: loan_servicing.record_litigation(uow, world.clerk, view.loan_no, req))
    assert err.value.code == "loan_litigation_exists"
    judged = replace(
        req, status="judged", awarded=Money.from_yuan("290000.00"), recovered=Money.from_yuan("1000.00")
    )
    world.go(lambda uow: loan_servicing.update_litigation(uow, world.clerk, view.loan_no, made.id, judged))
    rows = world.look(lambda uow: loan_servicing.litigations(uow, world.clerk, view.loan_no))
    assert [(r.case_number, r.status, r.awarded, r.recovered) for r in rows] == [
        ("(2027)豫0101民初123号", "judged", Money.from_yuan("290000.00"), Money.from_yuan("1000.00"))
    ]
    with pytest.raises(AnjuError) as err:
        world.go(
            lambda uow: loan_servicing.record_litigation(
                uow, world.clerk, view.loan_no, replace(req, status="lost")
            )
        )
    assert err.value.code == "loan_litigation_status_invalid"


# --- 6. SM2 signature of the application (K5) ----------------------------------------------------------


def test_the_application_is_signed_and_any_edit_breaks_the_signature(world: World) -> None:
    borrower = world.member()
    view = world.apply(world.application(borrower))
    assert view.record.application_signature and view.record.signature_key_id
    verdict = world.go(lambda uow: loan_signatures.verify_application(uow, world.clerk, view.loan_no))
    assert verdict.signed and verdict.valid and verdict.public_key and verdict.public_key.startswith("04")
    second = world.apply(world.application(world.member()))
    assert second.record.signature_key_id == view.record.signature_key_id  # one centre key
    with world.c.engine.begin() as conn:  # one stored field edited behind the system's back
        conn.execute(
            text("UPDATE loan SET seller_account_no = '6222000000000000001' WHERE loan_no = :n"),
            {"n": view.loan_no},
        )
    verdict = world.go(lambda uow: loan_signatures.verify_application(uow, world.clerk, view.loan_no))
    assert verdict.signed and not verdict.valid
    assert world.go(lambda uow: loan_signatures.verify_application(uow, world.clerk, second.loan_no)).valid


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    payments=st.lists(
        st.tuples(st.integers(min_value=1, max_value=60), st.integers(min_value=1, max_value=250_000)),
        min_size=1,
        max_size=3,
    )
)
def test_late_partial_payments_collect_the_register_and_keep_the_books(
    world: World, payments: list[tuple[int, int]]
) -> None:
    """Whatever late, partial payments arrive: each collects penalty first, exactly what the
    register shows as owed is what is due, and Σ loan sub-ledger = GL throughout."""
    view = _active(world)
    day = view.instalments[0].due_date
    for n, (gap, fen) in enumerate(payments):
        day = date.fromordinal(day.toordinal() + gap)
        world.set_day(day)
        lines = world.look(lambda uow: repay.overdue_register(uow, world.clerk, view.loan_no))
        record = world.look(lambda uow: uow.loans.loan(view.loan_no))
        owed = world.look(lambda uow, r=record, d=day: repay.owed_on(uow, r, d))
        current = next((i for i in view.instalments if i.due_date == day), None)
        due_today = Money.ZERO if current is None else current.principal + current.interest
        assert sum(x.owed.fen for x in lines) + due_today.fen == owed.fen
        penalties = Money(sum(x.penalty.fen for x in lines))
        paid = _pay(world, view.loan_no, Money(fen), f"H{n}-{view.loan_no}", day)
        assert paid.penalty == min(Money(fen), penalties)
        world.assert_loan_books_match_gl()
    world.assert_ledger_ok()


def test_a_policy_that_re_tiers_gives_a_shortened_loan_the_five_year_rate(world: World) -> None:
    view = _active(world)
    world.set_day(date(2026, 12, 10))
    reference = (Path(__file__).parents[2] / "policies" / "reference.toml").read_text(encoding="utf-8")
    retiering = reference.replace(
        "retier_on_term_change = { value = false", "retier_on_term_change = { value = true"
    )
    assert retiering != reference
    world.go(
        lambda uow: policy_service.import_policy(
            uow,
            None,
            retiering,
            effective_date=date(2026, 12, 10),
            document_no="安公积金〔2026〕9号",
            approved_by="安居市住房公积金管理委员会",
        )
    )
    after = _change_term(world, view.loan_no, 48)  # 48 months in all: the "≤ 5 years" tier
    assert after.record.annual_rate == Rate.percent("2.10") and view.record.annual_rate == Rate.percent(
        "2.60"
    )
    assert all(i.annual_rate == Rate.percent("2.10") for i in after.instalments)
    assert sum(i.principal.fen for i in after.instalments) == Money.from_yuan("300000.00").fen
