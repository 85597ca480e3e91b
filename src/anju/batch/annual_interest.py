"""年度结息: the 30 June settlement of every member deposit account, as a restartable batch job,
and the two end-of-day steps of deposit interest (the settlement on 30 June, the accrual at each
month end).

`anju batch run annual_interest --date 2026-06-30` runs it by hand. Each chunk of account ids is
settled in one transaction with its checkpoint (services.interest.settle_accounts), so a run
killed at any moment resumes after its last chunk and credits every account exactly once.
"""

from __future__ import annotations

from datetime import date

from anju.batch.registry import register_job
from anju.batch.runner import JobContext, run_job
from anju.dates import is_settlement_day
from anju.domain.interest import InterestRates, InterestRuleViolation
from anju.domain.security import Actor
from anju.services import interest
from anju.services.end_of_day import EodStep, register_eod_step
from anju.services.ports import ItemFailure, UnitOfWork, UnitOfWorkFactory

CHUNK_SIZE = 10_000  # accounts per transaction: large enough that commits do not dominate


class AnnualInterestJob:
    name = "annual_interest"
    label_zh = "年度结息"
    chunk_size = CHUNK_SIZE

    def __init__(self) -> None:
        # One rate for the whole run, even if a policy version is imported while it runs.
        self._rates: dict[int, InterestRates] = {}

    def rates(self, uow: UnitOfWork, ctx: JobContext) -> InterestRates:
        found = self._rates.get(ctx.run_id)
        if found is None:
            found = self._rates[ctx.run_id] = interest.rates_on(uow, ctx.business_date)
        return found

    def count(self, uow: UnitOfWork, ctx: JobContext) -> int:
        interest.check_settlement_day(ctx.business_date)
        self.rates(uow, ctx)  # refuse now, not per chunk, when no policy is in force
        # Settled accounts are no longer due: on a resumed run, add those it has done already.
        return uow.batch.get(ctx.run_id).done_items + uow.interest.count_due(ctx.business_date)

    def next_chunk(self, uow: UnitOfWork, ctx: JobContext, after: int | None, limit: int) -> list[int]:
        return uow.interest.due_ids(ctx.business_date, after, limit)

    def process(self, uow: UnitOfWork, ctx: JobContext, items: list[int]) -> list[ItemFailure]:
        interest.settle_accounts(
            uow,
            first_id=items[0],
            last_id=items[-1],
            settlement_day=ctx.business_date,
            rates=self.rates(uow, ctx),
            created_by=ctx.actor.username,
        )
        return []

    def on_complete(self, uow: UnitOfWork, ctx: JobContext) -> None:
        """Every account is paid: release the interest accrued in 211 during the year."""
        interest.release_accrual(uow, ctx.business_date)
        self._rates.pop(ctx.run_id, None)


JOB = AnnualInterestJob()
register_job(JOB)


# --- end of day --------------------------------------------------------------------------------


def _settle_in_batch(uow_factory: UnitOfWorkFactory, day: date) -> None:
    if is_settlement_day(day):
        run_job(uow_factory, JOB, day, actor=Actor.system("eod"), chunk_size=JOB.chunk_size)


def _settlement_summary(uow: UnitOfWork, day: date) -> str:
    if not is_settlement_day(day):
        return "非结息日"
    runs = [r for r in uow.batch.list_runs(limit=20, job_name=JOB.name) if r.business_date == day]
    if not runs or runs[0].state != "succeeded":
        raise InterestRuleViolation("interest_settlement_incomplete", date=day.isoformat())
    run = runs[0]
    return f"结息 {run.done_items} 户，失败 {run.failed_items} 户"


register_eod_step(EodStep(JOB.name, JOB.label_zh, _settlement_summary, run_batch=_settle_in_batch))
register_eod_step(EodStep("interest_accrual", "计提利息", interest.accrue_interest))
