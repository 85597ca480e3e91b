"""End of day (日终): ordered named steps, then the business date moves on by one day.

Each step runs in its own transaction together with its record in eod_run, so a step is either
done (and recorded) or not at all; a rerun after a crash skips the steps already done for that
date. A failing step stops the run: the date does not advance and the report names the step.
Capabilities add their steps with `register_eod_step` (interest accrual, loan deduction ...).
This is the only place the business date moves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial

from anju.domain.security import Actor, AuditEvent, Permission
from anju.errors import AnjuError, Conflict, InvariantViolation
from anju.messages import message_for
from anju.services.calendar import current_business_date
from anju.services.ports import UnitOfWork, UnitOfWorkFactory
from anju.services.runner import read, run


class EodConflict(Conflict):
    """End of day cannot run for the date asked, or another run moved the date."""


@dataclass(frozen=True, slots=True)
class EodStep:
    """One step: `run(uow, business_date)` does its work in the given transaction and returns a
    short Chinese summary for the report ("计提利息 1,234 户").

    A step too large for one transaction (the 30 June interest settlement over every account)
    also gives `run_batch(uow_factory, business_date)`: it runs first, in transactions of its own
    (a restartable batch job), and `run` then records the step with its summary. A rerun after a
    crash calls `run_batch` again, which resumes the job from its checkpoint.
    """

    name: str
    label_zh: str
    run: Callable[[UnitOfWork, date], str]
    run_batch: Callable[[UnitOfWorkFactory, date], None] | None = None


# The ordered registry. Empty in the foundation; capabilities append at import.
EOD_STEPS: list[EodStep] = []


def register_eod_step(step: EodStep, *, before: str | None = None) -> None:
    """Add a step (once per name), at the end or just before the step named `before`."""
    if any(existing.name == step.name for existing in EOD_STEPS):
        return
    names = [existing.name for existing in EOD_STEPS]
    EOD_STEPS.insert(names.index(before) if before in names else len(EOD_STEPS), step)


@dataclass(frozen=True, slots=True)
class EodStepResult:
    name: str
    label_zh: str
    state: str  # done | skipped (done by an earlier run) | failed
    message: str


@dataclass(frozen=True, slots=True)
class EodReport:
    business_date: date
    next_business_date: date | None  # None when the date did not advance
    ok: bool
    steps: tuple[EodStepResult, ...]
    failed_step: str | None = None
    error: str | None = None  # the Chinese message of the failure


def run_end_of_day(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    expected_date: date | None = None,
    *,
    steps: Sequence[EodStep] | None = None,
) -> EodReport:
    """Run every step for the current business date, then advance the date by one day.

    `expected_date` guards against running twice by mistake: if the date is not the one the
    operator saw, nothing runs. `steps` defaults to the registry (tests pass their own).
    """
    actor.require(Permission.EOD_RUN)
    plan = list(EOD_STEPS if steps is None else steps)
    day = read(uow_factory, current_business_date)
    if expected_date is not None and expected_date != day:
        raise EodConflict("eod_date_mismatch", given=expected_date.isoformat(), current=day.isoformat())
    results: list[EodStepResult] = []
    for step in plan:
        try:
            if step.run_batch is not None and not _step_done(uow_factory, step, day):
                step.run_batch(uow_factory, day)
            results.append(run(uow_factory, partial(_run_step, step=step, day=day)))
        except Exception as exc:
            reason = exc.message if isinstance(exc, AnjuError) else type(exc).__name__
            error = message_for("eod_step_failed", {"step": step.label_zh, "reason": reason})
            run(uow_factory, partial(_record_failure, actor=actor, day=day, step=step, error=error))
            results.append(EodStepResult(step.name, step.label_zh, "failed", error))
            if isinstance(exc, InvariantViolation):
                raise  # stop loudly: an invariant is broken, nothing may carry on
            return EodReport(day, None, False, tuple(results), failed_step=step.name, error=error)
    next_day = run(uow_factory, partial(_advance, actor=actor, day=day, plan=plan))
    return EodReport(day, next_day, True, tuple(results))


def _step_done(uow_factory: UnitOfWorkFactory, step: EodStep, day: date) -> bool:
    def body(uow: UnitOfWork) -> bool:
        current = uow.calendar.business_date()
        if current != day:
            raise EodConflict("eod_date_mismatch", given=day.isoformat(), current=str(current))
        return uow.calendar.eod_states(day).get(step.name) == "done"

    return read(uow_factory, body)


def _check_date(uow: UnitOfWork, day: date) -> None:
    # Locks the calendar row: the date cannot move while a step of this date is running.
    current = uow.calendar.business_date(for_update=True)
    if current != day:
        raise EodConflict("eod_date_mismatch", given=day.isoformat(), current=str(current))


def _run_step(uow: UnitOfWork, *, step: EodStep, day: date) -> EodStepResult:
    _check_date(uow, day)
    if not uow.calendar.claim_eod_step(day, step.name, uow.now_utc()):
        earlier = uow.calendar.eod_messages(day).get(step.name) or ""
        return EodStepResult(step.name, step.label_zh, "skipped", earlier)
    message = step.run(uow, day)
    uow.calendar.finish_eod_step(day, step.name, "done", message, uow.now_utc())
    return EodStepResult(step.name, step.label_zh, "done", message)


def _record_failure(uow: UnitOfWork, *, actor: Actor, day: date, step: EodStep, error: str) -> None:
    uow.calendar.record_eod_failure(day, step.name, error, uow.now_utc())
    uow.audit.append(
        AuditEvent.by(
            actor,
            "calendar.end_of_day",
            "business_date",
            day.isoformat(),
            result="failure",
            details={"step": step.name},
        )
    )


def _advance(uow: UnitOfWork, *, actor: Actor, day: date, plan: list[EodStep]) -> date:
    _check_date(uow, day)
    states = uow.calendar.eod_states(day)
    for step in plan:
        if states.get(step.name) != "done":
            raise EodConflict("eod_step_failed", step=step.label_zh, reason=states.get(step.name, "未运行"))
    next_day = day + timedelta(days=1)
    if not uow.calendar.advance(day, next_day, uow.now_utc()):
        raise EodConflict("eod_date_mismatch", given=day.isoformat(), current="?")
    uow.audit.append(
        AuditEvent.by(
            actor,
            "calendar.end_of_day",
            "business_date",
            day.isoformat(),
            details={"next_business_date": next_day.isoformat(), "steps": len(plan)},
        )
    )
    return next_day
