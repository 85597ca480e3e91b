"""End of day: the business date advances once all steps are done; steps run in order, each once
per date; a failing step stops the advance and is reported; a rerun resumes.
"""

from __future__ import annotations

from datetime import date

import pytest

from anju.bootstrap import Container
from anju.domain.security import Actor, Role
from anju.errors import PermissionDenied
from anju.services.calendar import (
    CalendarConflict,
    CalendarNotFound,
    current_business_date,
    initialise_business_date,
)
from anju.services.end_of_day import EOD_STEPS, EodConflict, EodStep, register_eod_step, run_end_of_day
from anju.services.ledger import check_ledger
from anju.services.ports import UnitOfWork
from anju.services.runner import read, run

DAY = date(2026, 11, 23)
ADMIN = Actor(username="sysadmin", roles=frozenset({Role.SYSTEM_ADMIN}), all_branches=True)


def start(container: Container) -> None:
    run(container.uow, lambda uow: initialise_business_date(uow, DAY))


def today(container: Container) -> date:
    return read(container.uow, current_business_date)


class Recorder:
    """Steps that log their runs to a list and, if told, fail on a given date."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, date]] = []
        self.fail_on: dict[str, date] = {}

    def step(self, name: str) -> EodStep:
        def body(uow: UnitOfWork, day: date) -> str:
            if self.fail_on.get(name) == day:
                raise RuntimeError("bank file missing")
            self.calls.append((name, day))
            return f"{name} 完成"

        return EodStep(name, f"步骤{name}", body)


def test_the_business_date_must_be_initialised_once(container: Container) -> None:
    with pytest.raises(CalendarNotFound, match="business_date_not_initialised"):
        read(container.uow, current_business_date)
    start(container)
    with pytest.raises(CalendarConflict, match="business_date_already_initialised"):
        run(container.uow, lambda uow: initialise_business_date(uow, date(2027, 1, 1)))
    assert today(container) == DAY


def test_end_of_day_without_steps_advances_the_date_by_one_day(container: Container) -> None:
    start(container)
    report = run_end_of_day(container.uow, ADMIN, expected_date=DAY, steps=[])
    assert (report.ok, report.business_date, report.next_business_date) == (True, DAY, date(2026, 11, 24))
    assert today(container) == date(2026, 11, 24)
    entries = read(container.uow, lambda uow: uow.audit.list_entries(limit=1, offset=0))
    assert (entries[0].action, entries[0].object_id) == ("calendar.end_of_day", "2026-11-23")
    assert read(container.uow, check_ledger).ok


def test_steps_run_in_order_once_per_date(container: Container) -> None:
    start(container)
    rec = Recorder()
    steps = [rec.step("accrue"), rec.step("deduct"), rec.step("report")]

    first = run_end_of_day(container.uow, ADMIN, steps=steps)
    second = run_end_of_day(container.uow, ADMIN, steps=steps)

    assert [s.state for s in first.steps] == ["done", "done", "done"]
    assert [s.message for s in first.steps] == ["accrue 完成", "deduct 完成", "report 完成"]
    assert rec.calls == [
        ("accrue", DAY),
        ("deduct", DAY),
        ("report", DAY),
        ("accrue", date(2026, 11, 24)),
        ("deduct", date(2026, 11, 24)),
        ("report", date(2026, 11, 24)),
    ]
    assert second.next_business_date == date(2026, 11, 25) == today(container)


def test_a_failing_step_stops_the_advance_and_a_rerun_resumes_after_the_done_steps(
    container: Container,
) -> None:
    start(container)
    rec = Recorder()
    rec.fail_on["deduct"] = DAY
    steps = [rec.step("accrue"), rec.step("deduct"), rec.step("report")]

    failed = run_end_of_day(container.uow, ADMIN, steps=steps)

    assert not failed.ok and failed.failed_step == "deduct" and failed.next_business_date is None
    assert [s.state for s in failed.steps] == ["done", "failed"]
    assert failed.error is not None and "步骤deduct" in failed.error
    assert today(container) == DAY
    assert read(container.uow, lambda uow: uow.calendar.eod_states(DAY)) == {
        "accrue": "done",
        "deduct": "failed",
    }
    entries = read(container.uow, lambda uow: uow.audit.list_entries(limit=1, offset=0))
    assert (entries[0].action, entries[0].result) == ("calendar.end_of_day", "failure")

    del rec.fail_on["deduct"]  # the operator fixes the cause and reruns
    rerun = run_end_of_day(container.uow, ADMIN, expected_date=DAY, steps=steps)

    assert rerun.ok and [s.state for s in rerun.steps] == ["skipped", "done", "done"]
    assert rerun.steps[0].message == "accrue 完成"
    assert rec.calls == [("accrue", DAY), ("deduct", DAY), ("report", DAY)]  # accrue ran once
    assert today(container) == date(2026, 11, 24)


def test_a_step_failing_rolls_back_its_own_work(container: Container) -> None:
    start(container)

    def half_done(uow: UnitOfWork, day: date) -> str:
        uow.ledger.seed_chart(day)  # some work in the step's transaction ...
        raise RuntimeError("boom")  # ... then a failure

    report = run_end_of_day(container.uow, ADMIN, steps=[EodStep("half", "半途失败", half_done)])

    assert not report.ok
    assert read(container.uow, lambda uow: uow.ledger.list_chart()) == []


def test_end_of_day_refuses_the_wrong_date_and_the_wrong_actor(container: Container) -> None:
    start(container)
    with pytest.raises(EodConflict, match="eod_date_mismatch"):
        run_end_of_day(container.uow, ADMIN, expected_date=date(2026, 11, 22), steps=[])
    clerk = Actor(username="clerk", roles=frozenset({Role.COUNTER_CLERK}), branch_id=1)
    with pytest.raises(PermissionDenied):
        run_end_of_day(container.uow, clerk, steps=[])
    assert today(container) == DAY


def test_register_eod_step_appends_once_or_inserts_before_a_named_step() -> None:
    saved = list(EOD_STEPS)
    try:
        EOD_STEPS.clear()
        rec = Recorder()
        register_eod_step(rec.step("b"))
        register_eod_step(rec.step("b"))
        register_eod_step(rec.step("a"), before="b")
        register_eod_step(rec.step("c"))
        assert [s.name for s in EOD_STEPS] == ["a", "b", "c"]
    finally:
        EOD_STEPS[:] = saved
