"""The batch framework: chunks, checkpoints, exactly-once after a crash, per-item failures."""

from __future__ import annotations

from datetime import date

import pytest

from anju.batch.runner import JobContext, Progress, run_job
from anju.bootstrap import Container
from anju.domain.security import Actor
from anju.errors import InvariantViolation, RuleViolation
from anju.services.ports import ItemFailure, UnitOfWork
from anju.services.runner import read

DAY = date(2026, 6, 30)
ACTOR = Actor.system("test")


class CountingJob:
    """Each item's effect is one step of its own database sequence, in the chunk's transaction."""

    name = "test_counting"
    label_zh = "测试作业"

    def __init__(
        self,
        items: int,
        refuse: set[int] | None = None,
        explode: set[int] | None = None,
        invariant_at: int | None = None,
    ) -> None:
        self.items = list(range(1, items + 1))
        self.refuse = refuse or set()
        self.explode = explode or set()
        self.invariant_at = invariant_at

    def count(self, uow: UnitOfWork, ctx: JobContext) -> int:
        return len(self.items)

    def next_chunk(self, uow: UnitOfWork, ctx: JobContext, after: int | None, limit: int) -> list[int]:
        return [i for i in self.items if after is None or i > after][:limit]

    def process(self, uow: UnitOfWork, ctx: JobContext, items: list[int]) -> list[ItemFailure]:
        failures = [ItemFailure(i, "refused_up_front", "预检未通过") for i in items if i in self.refuse]
        for item in items:
            if item in self.refuse:
                continue
            uow.sequences.next_value(f"test:{item}")
            if item == self.invariant_at:
                raise InvariantViolation("voucher_unbalanced", debit="1", credit="2")
            if item in self.explode:
                raise RuleViolation("insufficient_balance", account=str(item), balance="0.00")
        return failures


def _counts(container: Container, n: int) -> list[int]:
    def body(uow: UnitOfWork) -> list[int]:
        # next_value moves the sequence; read the committed value without moving it.
        conn = uow.conn  # type: ignore[attr-defined]
        from sqlalchemy import text

        rows = dict(conn.execute(text("SELECT name, last_value FROM number_sequence")).all())
        return [int(rows.get(f"test:{i}", 0)) for i in range(1, n + 1)]

    return read(container.uow, body)


def test_every_item_once_in_chunks_with_progress(container: Container) -> None:
    seen: list[Progress] = []
    report = run_job(container.uow, CountingJob(25), DAY, actor=ACTOR, chunk_size=10, on_progress=seen.append)
    assert report.run.state == "succeeded"
    assert (report.run.done_items, report.run.failed_items, report.run.chunks) == (25, 0, 3)
    assert [p.done for p in seen] == [10, 20, 25, 25]
    assert all(p.total == 25 for p in seen)
    assert _counts(container, 25) == [1] * 25


def test_a_killed_run_resumes_and_credits_each_item_exactly_once(container: Container) -> None:
    job = CountingJob(50)
    first = run_job(container.uow, job, DAY, actor=ACTOR, chunk_size=7, stop_after_chunks=3)
    assert first.run.state == "running" and first.run.done_items == 21
    second = run_job(container.uow, job, DAY, actor=ACTOR, chunk_size=7)
    assert second.resumed
    assert second.run.state == "succeeded" and second.run.done_items == 50
    assert _counts(container, 50) == [1] * 50
    third = run_job(container.uow, job, DAY, actor=ACTOR, chunk_size=7)
    assert third.already_done
    assert _counts(container, 50) == [1] * 50
    assert "未重复执行" in str(third)


def test_business_failures_are_recorded_and_the_job_carries_on(container: Container) -> None:
    job = CountingJob(30, refuse={4}, explode={17, 18})
    report = run_job(container.uow, job, DAY, actor=ACTOR, chunk_size=10)
    assert report.run.state == "succeeded"
    assert report.run.done_items == 27 and report.run.failed_items == 3
    assert {(f.item_key, f.code) for f in report.failures} == {
        (4, "refused_up_front"),
        (17, "insufficient_balance"),
        (18, "insufficient_balance"),
    }
    counts = _counts(container, 30)
    assert counts[16] == counts[17] == 0 and counts[3] == 0  # failed items left no effect
    assert sum(counts) == 27


def test_an_invariant_violation_stops_the_run(container: Container) -> None:
    job = CountingJob(30, invariant_at=15)
    with pytest.raises(InvariantViolation):
        run_job(container.uow, job, DAY, actor=ACTOR, chunk_size=10)
    runs = read(container.uow, lambda uow: uow.batch.list_runs(job_name=job.name))
    assert runs[0].state == "failed" and runs[0].done_items == 10
    assert _counts(container, 30)[10:] == [0] * 20  # nothing of the failing chunk survived


def test_different_dates_are_different_runs(container: Container) -> None:
    job = CountingJob(3)
    run_job(container.uow, job, DAY, actor=ACTOR)
    again = run_job(container.uow, job, date(2027, 6, 30), actor=ACTOR)
    assert not again.already_done
    assert _counts(container, 3) == [2, 2, 2]
