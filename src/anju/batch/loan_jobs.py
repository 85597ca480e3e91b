"""Loan batch jobs (个人住房贷款批量): daily bank deduction, daily 冲还贷 from fund accounts, daily
overdue reckoning (days past due), the monthly five-tier classification and the 1 January
repricing. `anju batch run loan_deduction --date 2026-12-23` runs one by hand; end of day runs
each on its days (deduction, 冲还贷 and overdue daily, classification at month end, repricing on
1 January).

Each job walks loan ids in key order, one chunk per transaction (batch/runner.py); their effects
are idempotent per day (a batch receipt per day and first id, a fund repayment per day and
account, a repricing per loan and day), so a resumed run never collects twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from anju.batch.registry import register_job
from anju.batch.runner import BatchJob, JobContext, run_job
from anju.domain.loans.limit import LoanRuleViolation
from anju.domain.security import Actor
from anju.errors import AnjuError
from anju.services import loan_repayments as repay
from anju.services import loan_servicing as servicing
from anju.services import loans  # noqa: F401 - registers the disbursement listener
from anju.services.end_of_day import EodStep, register_eod_step
from anju.services.ports import ItemFailure, UnitOfWork, UnitOfWorkFactory


class LoanDeductionJob:
    """每日批量扣款: one BDC104 batch receipt per chunk of loans owing money on the day."""

    name = "loan_deduction"
    label_zh = "贷款批量扣款"

    def count(self, uow: UnitOfWork, ctx: JobContext) -> int:
        return uow.loans.count_active()

    def next_chunk(self, uow: UnitOfWork, ctx: JobContext, after: int | None, limit: int) -> list[int]:
        due = uow.loans.due_loans(ctx.business_date, after_id=after or 0, limit=limit)
        return [d.loan_id for d in due]

    def process(self, uow: UnitOfWork, ctx: JobContext, items: list[int]) -> list[ItemFailure]:
        account = ctx.params.get("account") or repay.default_loan_bank_account(uow)
        repay.submit_deduction_chunk(
            uow,
            ctx.actor,
            day=ctx.business_date,
            first_id=items[0],
            last_id=items[-1],
            centre_account_no=account,
        )
        return []


class LoanFundOffsetJob:
    """冲还贷: what is due is taken from the borrower's (then the spouse's) fund account."""

    name = "loan_fund_offset"
    label_zh = "公积金冲还贷"

    def count(self, uow: UnitOfWork, ctx: JobContext) -> int:
        return uow.loans.count_active()

    def next_chunk(self, uow: UnitOfWork, ctx: JobContext, after: int | None, limit: int) -> list[int]:
        return uow.loans.offset_loan_ids_due(ctx.business_date, after_id=after or 0, limit=limit)

    def process(self, uow: UnitOfWork, ctx: JobContext, items: list[int]) -> list[ItemFailure]:
        failures: list[ItemFailure] = []
        for loan_id, loan_no in zip(items, uow.loans.loan_nos(items), strict=True):
            try:
                with uow.savepoint():
                    repay.repay_from_fund(uow, ctx.actor, loan_no, day=ctx.business_date)
            except AnjuError as exc:
                failures.append(ItemFailure(item_key=loan_id, code=exc.code, message=exc.message))
        return failures


class LoanClassificationJob:
    """Days past due and the five-tier class of every active loan (逾期 daily, 五级分类 monthly)."""

    def __init__(self, name: str, label_zh: str) -> None:
        self.name = name
        self.label_zh = label_zh

    def count(self, uow: UnitOfWork, ctx: JobContext) -> int:
        return uow.loans.count_active()

    def next_chunk(self, uow: UnitOfWork, ctx: JobContext, after: int | None, limit: int) -> list[int]:
        return uow.loans.active_loan_ids(after_id=after or 0, limit=limit)

    def process(self, uow: UnitOfWork, ctx: JobContext, items: list[int]) -> list[ItemFailure]:
        if self.name == OVERDUE_JOB:
            repay.transfer_overdue(uow, ctx.actor, items, ctx.business_date)
        repay.classify_loans(uow, items, ctx.business_date)
        return []


class LoanRepricingJob:
    """1 January repricing of existing loans after a rate change (rules.md §5.5)."""

    name = "loan_repricing"
    label_zh = "贷款利率调整"

    def count(self, uow: UnitOfWork, ctx: JobContext) -> int:
        return uow.loans.count_active()

    def next_chunk(self, uow: UnitOfWork, ctx: JobContext, after: int | None, limit: int) -> list[int]:
        return uow.loans.active_loan_ids(after_id=after or 0, limit=limit)

    def process(self, uow: UnitOfWork, ctx: JobContext, items: list[int]) -> list[ItemFailure]:
        for loan_no in uow.loans.loan_nos(items):
            repay.reprice_loan(uow, ctx.actor, loan_no, ctx.business_date)
        return []


class LoanReminderJob:
    """催收短信: a reminder before the due date and on every overdue day, once per instalment and
    day (services/loan_servicing.send_reminders), queued in the SMS outbox."""

    name = "loan_reminders"
    label_zh = "贷款还款提醒与逾期催收短信"

    def count(self, uow: UnitOfWork, ctx: JobContext) -> int:
        return uow.loans.count_active()

    def next_chunk(self, uow: UnitOfWork, ctx: JobContext, after: int | None, limit: int) -> list[int]:
        return uow.loans.active_loan_ids(after_id=after or 0, limit=limit)

    def process(self, uow: UnitOfWork, ctx: JobContext, items: list[int]) -> list[ItemFailure]:
        servicing.send_reminders(uow, items, ctx.business_date)
        return []


DEDUCTION = LoanDeductionJob()
FUND_OFFSET = LoanFundOffsetJob()
OVERDUE_JOB = "loan_overdue"
OVERDUE = LoanClassificationJob(OVERDUE_JOB, "逾期转列与逾期天数")
CLASSIFICATION = LoanClassificationJob("loan_classification", "贷款五级分类")
REPRICING = LoanRepricingJob()
REMINDERS = LoanReminderJob()
for _job in (DEDUCTION, FUND_OFFSET, OVERDUE, CLASSIFICATION, REPRICING, REMINDERS):
    register_job(_job)


# --- end of day ----------------------------------------------------------------------------------


def _runs_on(day: date, job: BatchJob) -> bool:
    if job is CLASSIFICATION:
        return (day + timedelta(days=1)).month != day.month  # the month-end batch
    if job is REPRICING:
        return (day.month, day.day) == (1, 1)  # the policy's repricing day (rules.md §5.5)
    return True


def _batch_runner(job: BatchJob) -> Callable[[UnitOfWorkFactory, date], None]:
    def run_batch(uow_factory: UnitOfWorkFactory, day: date) -> None:
        if _runs_on(day, job):
            run_job(uow_factory, job, day, actor=Actor.system("eod"))

    return run_batch


def _summary(job: BatchJob) -> Callable[[UnitOfWork, date], str]:
    def summary(uow: UnitOfWork, day: date) -> str:
        if not _runs_on(day, job):
            return "今日无需执行"
        runs = [r for r in uow.batch.list_runs(limit=20, job_name=job.name) if r.business_date == day]
        if not runs or runs[0].state != "succeeded":
            raise LoanRuleViolation("loan_batch_incomplete", job=job.label_zh, date=day.isoformat())
        return f"处理 {runs[0].done_items} 笔，失败 {runs[0].failed_items} 笔"

    return summary


for _job in (DEDUCTION, FUND_OFFSET, OVERDUE, CLASSIFICATION, REPRICING, REMINDERS):
    register_eod_step(EodStep(_job.name, _job.label_zh, _summary(_job), run_batch=_batch_runner(_job)))
