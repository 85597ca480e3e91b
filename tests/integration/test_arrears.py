"""Arrears (欠缴) against the due date, the enforcement ladder of notices, and deferrals and
ratio reductions with maker-checker approval and their end-of-day expiry (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from anju.bootstrap import Container
from anju.dates import YearMonth
from anju.domain.security import Actor, Role
from anju.errors import Conflict, PermissionDenied, RuleViolation
from anju.money import Money, Rate
from anju.services import arrears as ar
from anju.services import deferrals as df
from anju.services import remittance as rm
from anju.services.end_of_day import EodStep, run_end_of_day
from anju.services.units import get_unit
from tests.integration.collection_helpers import DAY
from tests.integration.test_remittance import World, add_unit, assert_ledger_ok, go, look, pay, seed

REVIEWER = Actor(username="reviewer1", roles=frozenset({Role.REVIEWER}), operator_id=301, all_branches=True)
APPROVER = Actor(username="approver1", roles=frozenset({Role.APPROVER}), operator_id=302, all_branches=True)
SEPTEMBER = date(2026, 9, 8)


def owing_unit(container: Container) -> World:
    """Opened in September 2026, two members (8,000 and 6,000: 3,360.00 a month), nothing paid."""
    return add_unit(seed(container), ("8000.00", "6000.00"), opened=SEPTEMBER)


def advance_to(w: World, day: date, steps: list[EodStep]) -> None:
    system = Actor.system("eod")
    current = look(w, lambda uow: uow.calendar.business_date())
    while current < day:
        report = run_end_of_day(w.c.uow, system, current, steps=steps)
        assert report.ok, report.error
        current = current + timedelta(days=1)


DEFERRAL_STEP = EodStep(df.EOD_STEP, "缓缴与降低比例到期处理", df.end_of_day)


def apply(w: World, kind: str, start: str, end: str, **ratios: Rate) -> df.DeferralView:
    return go(
        w,
        lambda uow: df.apply_deferral(
            uow,
            w.clerk,
            unit_account_no=w.unit_no,
            kind=kind,
            start_month=start,
            end_month=end,
            approving_body="安居市住房公积金管理委员会",
            document_no="安公积金管委〔2026〕7号",
            **ratios,
        ),
    )


def approved(w: World, view: df.DeferralView) -> df.DeferralView:
    go(w, lambda uow: df.review_deferral(uow, REVIEWER, view.id))
    return go(w, lambda uow: df.approve_deferral(uow, APPROVER, view.id))


# --- arrears -----------------------------------------------------------------------------------


def test_a_unit_owes_every_month_past_its_due_date(container: Container) -> None:
    w = owing_unit(container)
    page = look(w, lambda uow: ar.list_arrears(uow, w.clerk))
    [row] = [r for r in page.items if r.unit_account_no == w.unit_no]
    # 23 November: September and October are overdue (due by month end); November is not yet.
    assert row.months == ("202609", "202610")
    assert (row.headcount, row.monthly_amount, row.estimated_amount) == (
        2,
        Money.of("3360.00"),
        Money.of("6720.00"),
    )
    assert row.months_label == "2026年09月、2026年10月"
    assert look(w, lambda uow: ar.back_payment_candidates(uow, w.clerk, w.unit_no)) == ["202609", "202610"]


def test_paying_a_month_takes_it_out_of_arrears_and_a_gap_stays_owed(container: Container) -> None:
    w = owing_unit(container)
    october = go(w, lambda uow: rm.generate_roster(uow, w.clerk, w.unit_no, "202610"))
    october = go(w, lambda uow: rm.confirm_roster(uow, w.clerk, october.id))
    pay(w, october.total, "BANK-OCT")
    row = look(w, lambda uow: ar.unit_arrears(uow, w.clerk, w.unit_no))
    assert row is not None and row.months == ("202609",)  # paid_up_to stays unset: September is a gap
    [back] = go(w, lambda uow: rm.generate_back_payment(uow, w.clerk, w.unit_no, ["202609"], "九月漏缴"))
    back = go(w, lambda uow: rm.confirm_roster(uow, w.clerk, back.id))
    pay(w, back.total, "BANK-SEP")
    assert look(w, lambda uow: ar.unit_arrears(uow, w.clerk, w.unit_no)) is None
    assert look(w, lambda uow: get_unit(uow, w.clerk, w.unit_no)).paid_up_to == "202610"
    assert_ledger_ok(w)


def test_notices_follow_the_ladder_and_are_numbered_and_dated(container: Container) -> None:
    w = owing_unit(container)
    with pytest.raises(RuleViolation) as err:
        go(w, lambda uow: ar.issue_notice(uow, w.clerk, w.unit_no, "order", deadline=date(2026, 12, 23)))
    assert err.value.code == "notice_needs_reminder"
    reminder = go(w, lambda uow: ar.issue_notice(uow, w.clerk, w.unit_no, "reminder"))
    assert (reminder.kind_label, reminder.issued_on, reminder.months_owed) == ("催缴通知书", DAY, 2)
    assert reminder.notice_no == "CJ2026000001"
    assert reminder.amount == Money.of("6720.00")
    assert reminder.period_label == "2026年09月至2026年10月"
    assert reminder.case_no is not None
    with pytest.raises(RuleViolation) as err:
        go(w, lambda uow: ar.issue_notice(uow, w.clerk, w.unit_no, "order"))
    assert err.value.code == "notice_deadline_invalid"
    order = go(w, lambda uow: ar.issue_notice(uow, w.clerk, w.unit_no, "order", deadline=date(2026, 11, 25)))
    assert (order.deadline, order.previous_notice_no) == (date(2026, 11, 25), reminder.notice_no)
    with pytest.raises(RuleViolation) as err:
        go(w, lambda uow: ar.issue_notice(uow, w.clerk, w.unit_no, "court"))
    assert err.value.code == "notice_order_not_expired"
    assert "2026-11-25" in err.value.message
    advance_to(w, date(2026, 11, 26), [])
    court = go(w, lambda uow: ar.issue_notice(uow, w.clerk, w.unit_no, "court"))
    assert (court.kind, court.issued_on, court.previous_notice_no) == (
        "court",
        date(2026, 11, 26),
        order.notice_no,
    )
    notices = look(w, lambda uow: ar.list_notices(uow, w.clerk, w.unit_no))
    assert [n.kind for n in notices] == ["reminder", "order", "court"]
    row = look(w, lambda uow: ar.unit_arrears(uow, w.clerk, w.unit_no))
    assert row is not None and row.latest_notice is not None and row.latest_notice.kind == "court"
    assert_ledger_ok(w)


def test_a_unit_not_in_arrears_gets_no_notice_and_is_not_listed(container: Container) -> None:
    centre = seed(container)
    w = add_unit(centre, ("8000.00",))  # opened today, November not yet due
    assert look(w, lambda uow: ar.unit_arrears(uow, w.clerk, w.unit_no)) is None
    with pytest.raises(RuleViolation) as err:
        go(w, lambda uow: ar.issue_notice(uow, w.clerk, w.unit_no, "reminder"))
    assert err.value.code == "unit_not_in_arrears"
    page = look(w, lambda uow: ar.list_arrears(uow, w.clerk))
    assert w.unit_no not in [r.unit_account_no for r in page.items]


# --- deferral ----------------------------------------------------------------------------------


def test_a_deferral_needs_three_people_and_stops_arrears_while_active(container: Container) -> None:
    w = owing_unit(container)
    view = apply(w, "deferral", "202610", "202611")
    assert (view.state, view.case_state) == ("accepted", "accepted")
    with pytest.raises(PermissionDenied):  # the counter clerk cannot review
        go(w, lambda uow: df.review_deferral(uow, w.clerk, view.id))
    go(w, lambda uow: df.review_deferral(uow, REVIEWER, view.id))
    with pytest.raises(PermissionDenied) as err:  # the checker cannot also approve
        go(w, lambda uow: df.approve_deferral(uow, REVIEWER, view.id))
    assert err.value.code == "case_same_person"
    active = go(w, lambda uow: df.approve_deferral(uow, APPROVER, view.id))
    assert (active.state, active.case_state) == ("active", "done")
    assert look(w, lambda uow: get_unit(uow, w.clerk, w.unit_no)).status == "03"
    row = look(w, lambda uow: ar.unit_arrears(uow, w.clerk, w.unit_no))
    assert row is not None and row.months == ("202609",)  # October is deferred
    with pytest.raises(Conflict) as err:
        apply(
            w,
            "ratio_reduction",
            "202611",
            "202612",
            unit_ratio=Rate.percent("5"),
            member_ratio=Rate.percent("5"),
        )
    assert err.value.code == "deferral_overlaps"
    # End of November: the deferral ends, the unit is normal again and owes the deferred months.
    advance_to(w, date(2026, 12, 1), [DEFERRAL_STEP])
    ended = look(w, lambda uow: df.get_deferral(uow, w.clerk, view.id))
    assert (ended.state, ended.ended_on) == ("ended", date(2026, 11, 30))
    assert look(w, lambda uow: get_unit(uow, w.clerk, w.unit_no)).status == "01"
    row = look(w, lambda uow: ar.unit_arrears(uow, w.clerk, w.unit_no))
    assert row is not None and row.months == ("202609", "202610", "202611")
    assert look(w, lambda uow: ar.back_payment_candidates(uow, w.clerk, w.unit_no)) == [
        "202609",
        "202610",
        "202611",
    ]
    assert_ledger_ok(w)


def test_an_approved_deferral_starts_at_end_of_day_before_its_first_month(container: Container) -> None:
    w = owing_unit(container)
    view = approved(w, apply(w, "deferral", "202612", "202612"))
    assert view.state == "approved"
    assert look(w, lambda uow: get_unit(uow, w.clerk, w.unit_no)).status == "01"
    advance_to(w, date(2026, 12, 1), [DEFERRAL_STEP])
    assert look(w, lambda uow: df.get_deferral(uow, w.clerk, view.id)).state == "active"
    assert look(w, lambda uow: get_unit(uow, w.clerk, w.unit_no)).status == "03"


def test_a_refused_application_changes_nothing(container: Container) -> None:
    w = owing_unit(container)
    view = apply(w, "deferral", "202611", "202612")
    with pytest.raises(RuleViolation) as err:
        go(w, lambda uow: df.refuse_deferral(uow, REVIEWER, view.id, " "))
    assert err.value.code == "case_reason_required"
    refused = go(w, lambda uow: df.refuse_deferral(uow, REVIEWER, view.id, "材料不全"))
    assert (refused.state, refused.case_state) == ("refused", "refused")
    assert look(w, lambda uow: get_unit(uow, w.clerk, w.unit_no)).status == "01"
    with pytest.raises(Conflict) as err:
        go(w, lambda uow: df.approve_deferral(uow, APPROVER, view.id))
    assert err.value.code == "deferral_not_pending"


def test_a_ratio_reduction_prices_the_rosters_of_its_months(container: Container) -> None:
    w = owing_unit(container)
    with pytest.raises(RuleViolation) as err:
        apply(
            w,
            "ratio_reduction",
            "202611",
            "202612",
            unit_ratio=Rate.percent("12"),
            member_ratio=Rate.percent("12"),
        )
    assert err.value.code == "reduced_ratio_not_lower"
    view = approved(
        w,
        apply(
            w,
            "ratio_reduction",
            "202611",
            "202612",
            unit_ratio=Rate.percent("3"),
            member_ratio=Rate.percent("5"),
        ),
    )
    assert view.state == "active"
    assert look(w, lambda uow: get_unit(uow, w.clerk, w.unit_no)).status == "01"
    november = go(w, lambda uow: rm.generate_roster(uow, w.clerk, w.unit_no, YearMonth(2026, 11)))
    # 8,000 × 3 % = 240 and × 5 % = 400; 6,000 → 180 and 300
    assert (november.unit_ratio, november.member_ratio) == (Rate.percent("3"), Rate.percent("5"))
    assert (november.unit_total, november.member_total) == (Money.of("420.00"), Money.of("700.00"))
    line = look(w, lambda uow: rm.roster_lines(uow, w.clerk, november.id))[0]
    assert (line.unit_part, line.member_part) == (Money.of("240.00"), Money.of("400.00"))
    # a base changed on the draft keeps the reduced ratios
    go(w, lambda uow: rm.change_roster_base(uow, w.clerk, november.id, w.members[0], Money.of("10000.00")))
    line = look(w, lambda uow: rm.roster_lines(uow, w.clerk, november.id))[0]
    assert (line.unit_part, line.member_part) == (Money.of("300.00"), Money.of("500.00"))
    october = go(w, lambda uow: rm.generate_roster(uow, w.clerk, w.unit_no, YearMonth(2026, 10)))
    assert october.unit_total == Money.of("1680.00")  # outside the reduction: 12 %
    assert_ledger_ok(w)
