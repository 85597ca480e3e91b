"""约定提取: the batch job that creates, approves and pays the withdrawals of the agreements due on
the business date (rent monthly or yearly, loan repayment). `anju batch run withdrawal_agreements`.

Each period is one withdrawal keyed by (agreement, due date), so a rerun or a resumed run never
withdraws a period twice. A period the rules refuse (the balance is short, the person was
blacklisted) is reported as an item failure and stays due: the next run tries it again. The job
also runs as an end-of-day step, for the periods due on the closing business date.
"""

from __future__ import annotations

from datetime import date

from anju.batch.registry import register_job
from anju.batch.runner import JobContext, run_job
from anju.domain.security import Actor
from anju.domain.withdrawals import WithdrawalRuleViolation
from anju.services import withdrawal_agreements as withdrawals
from anju.services.end_of_day import EodStep, register_eod_step
from anju.services.ports import ItemFailure, UnitOfWork, UnitOfWorkFactory


class WithdrawalAgreementJob:
    name = "withdrawal_agreements"
    label_zh = "约定提取"
    chunk_size = 200

    def count(self, uow: UnitOfWork, ctx: JobContext) -> int:
        return len(withdrawals.due_agreement_ids(uow, ctx.business_date, None, 1_000_000))

    def next_chunk(self, uow: UnitOfWork, ctx: JobContext, after: int | None, limit: int) -> list[int]:
        return withdrawals.due_agreement_ids(uow, ctx.business_date, after, limit)

    def process(self, uow: UnitOfWork, ctx: JobContext, items: list[int]) -> list[ItemFailure]:
        # A refusal raises: the runner rolls the chunk back and retries it item by item, so a
        # refused period leaves nothing half-done (no accepted withdrawal without its payment).
        for agreement_id in items:
            withdrawals.run_agreement_period(uow, ctx.actor, agreement_id, ctx.business_date)
        return []


JOB = WithdrawalAgreementJob()
register_job(JOB)


# --- end of day: the periods due on the closing business date -----------------------------------


def _run_batch(uow_factory: UnitOfWorkFactory, day: date) -> None:
    run_job(uow_factory, JOB, day, actor=Actor.system("eod"))


def _summary(uow: UnitOfWork, day: date) -> str:
    runs = [r for r in uow.batch.list_runs(limit=20, job_name=JOB.name) if r.business_date == day]
    if not runs or runs[0].state != "succeeded":
        raise WithdrawalRuleViolation("withdrawal_batch_incomplete", date=day.isoformat())
    return f"约定提取 {runs[0].done_items} 笔，未能提取 {runs[0].failed_items} 笔"


register_eod_step(EodStep(JOB.name, JOB.label_zh, _summary, run_batch=_run_batch))
