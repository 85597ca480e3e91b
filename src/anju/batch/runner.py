"""The batch framework: job runs, chunks, checkpoints, per-item failures, progress.

A job walks its items (integer keys, e.g. account ids) in key order, one chunk per transaction.
The chunk's effects, the run's checkpoint and its counts commit together, so a run killed at any
moment resumes after the last committed chunk and credits each item exactly once. Jobs make their
effects idempotent as well (e.g. voucher source_ref = job:period:account), which is the second
lock on the door. A business error on one item is recorded as a value with its code and the job
carries on; an InvariantViolation stops the whole run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from anju.domain.security import Actor
from anju.errors import AnjuError, InvariantViolation
from anju.services.ports import ItemFailure, JobRunRecord, UnitOfWork, UnitOfWorkFactory
from anju.services.runner import read, run

DEFAULT_CHUNK_SIZE = 2000


@dataclass(frozen=True, slots=True)
class JobContext:
    run_id: int
    business_date: date
    params: Mapping[str, str]
    actor: Actor


class BatchJob(Protocol):
    """What a batch job provides to the runner."""

    name: str
    label_zh: str

    def count(self, uow: UnitOfWork, ctx: JobContext) -> int:
        """How many items the run will visit (for progress and ETA)."""
        ...

    def next_chunk(self, uow: UnitOfWork, ctx: JobContext, after: int | None, limit: int) -> list[int]:
        """The next item keys in ascending order after `after` (keyset paging, never OFFSET)."""
        ...

    def process(self, uow: UnitOfWork, ctx: JobContext, items: list[int]) -> list[ItemFailure]:
        """Process a chunk set-based; return items refused up front. Raising a business error
        makes the runner retry the chunk item by item to isolate the culprit."""
        ...


class CompletingJob(BatchJob, Protocol):
    """A job with work to do once, when its last chunk is done (e.g. releasing an accrual).

    `on_complete` runs in the transaction that marks the run succeeded, so it happens exactly
    once per run: a crash before that commit leaves the run resumable and the work undone.
    """

    def on_complete(self, uow: UnitOfWork, ctx: JobContext) -> None: ...


@dataclass(frozen=True, slots=True)
class Progress:
    done: int
    failed: int
    total: int
    chunks: int


@dataclass(frozen=True, slots=True)
class JobRunReport:
    run: JobRunRecord
    resumed: bool
    already_done: bool
    failures: list[ItemFailure] = field(default_factory=list)

    def __str__(self) -> str:
        r = self.run
        state = {"succeeded": "完成", "failed": "失败", "running": "运行中", "stopped": "已停止"}.get(
            r.state, r.state
        )
        head = (
            "（已于此前完成，未重复执行）" if self.already_done else ("（断点续跑）" if self.resumed else "")
        )
        return (
            f"{r.job_name} {r.business_date} {state}{head}：处理 {r.done_items} 项，"
            f"失败 {r.failed_items} 项，共 {r.chunks} 批"
        )


def params_key(params: Mapping[str, str]) -> str:
    return json.dumps(dict(params), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _process_isolated(uow: UnitOfWork, job: BatchJob, ctx: JobContext, items: list[int]) -> list[ItemFailure]:
    """Process a chunk; on a business error, redo it one item at a time in savepoints."""
    try:
        with uow.savepoint():
            return job.process(uow, ctx, items)
    except InvariantViolation:
        raise
    except AnjuError:
        pass
    failures: list[ItemFailure] = []
    for item in items:
        try:
            with uow.savepoint():
                failures += job.process(uow, ctx, [item])
        except InvariantViolation:
            raise
        except AnjuError as exc:
            failures.append(ItemFailure(item_key=item, code=exc.code, message=exc.message))
    return failures


def _finisher(run_id: int, state: str, message: str | None) -> Callable[[UnitOfWork], None]:
    def finish(uow: UnitOfWork) -> None:
        uow.batch.finish(run_id, state, message, uow.now_utc())

    return finish


def run_job(
    uow_factory: UnitOfWorkFactory,
    job: BatchJob,
    business_date: date,
    *,
    actor: Actor,
    params: Mapping[str, str] | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    on_progress: Callable[[Progress], None] | None = None,
    stop_after_chunks: int | None = None,
) -> JobRunReport:
    """Run (or resume) a job for a business date. `stop_after_chunks` exists for crash tests."""
    params = dict(params or {})
    key = params_key(params)

    def start(uow: UnitOfWork) -> JobRunRecord:
        return uow.batch.start_or_resume(job.name, business_date, key, actor.username, uow.now_utc())

    record = run(uow_factory, start)
    resumed = record.attempts > 1
    if record.state == "succeeded":
        return JobRunReport(run=record, resumed=False, already_done=True)
    ctx = JobContext(run_id=record.id, business_date=business_date, params=params, actor=actor)

    def count(uow: UnitOfWork) -> None:
        uow.batch.set_total(record.id, job.count(uow, ctx), uow.now_utc())

    run(uow_factory, count)

    def chunk(uow: UnitOfWork) -> tuple[bool, JobRunRecord]:
        current = uow.batch.lock(record.id)
        if current.state != "running":
            return False, current
        items = job.next_chunk(uow, ctx, current.checkpoint, chunk_size)
        if not items:
            on_complete = getattr(job, "on_complete", None)  # see CompletingJob
            if on_complete is not None:
                on_complete(uow, ctx)
            uow.batch.finish(record.id, "succeeded", None, uow.now_utc())
            return False, uow.batch.get(record.id)
        failures = _process_isolated(uow, job, ctx, items)
        uow.batch.advance(record.id, items[-1], len(items) - len(failures), failures, uow.now_utc())
        return True, uow.batch.get(record.id)

    chunks_this_call = 0
    while True:
        try:
            more, current = run(uow_factory, chunk)
        except InvariantViolation as exc:
            run(uow_factory, _finisher(record.id, "failed", exc.message))
            raise
        if on_progress is not None:
            on_progress(
                Progress(current.done_items, current.failed_items, current.total_items, current.chunks)
            )
        if not more:
            break
        chunks_this_call += 1
        if stop_after_chunks is not None and chunks_this_call >= stop_after_chunks:
            break
    final = read(uow_factory, lambda uow: uow.batch.get(record.id))
    failures = read(uow_factory, lambda uow: uow.batch.failures(record.id)) if final.failed_items else []
    return JobRunReport(run=final, resumed=resumed, already_done=False, failures=failures)
