"""The batch page (批处理): job runs with their state and progress, for finance and the system
administrator only; it refreshes itself while a run is unfinished."""

from __future__ import annotations

from datetime import date

from fastapi import FastAPI

from anju.adapters.clock import FixedClock
from anju.batch.annual_interest import JOB
from anju.batch.runner import run_job
from anju.bootstrap import Container
from anju.domain.security import Actor
from anju.ledger import posting_rules
from anju.services import ledger as ledger_service
from anju.services.ports import UnitOfWork
from anju.services.runner import run
from tests.e2e.test_web_shell import Browser, logged_in

SETTLEMENT = date(2027, 6, 30)


def open_accounts(container: Container, count: int) -> None:
    def body(uow: UnitOfWork) -> None:
        for i in range(count):
            ledger_service.open_subledger_account(
                uow,
                posting_rules.MEMBER_ACCOUNT,
                owner_type="test",
                owner_id=i,
                branch_id=None,
                opened_on=date(2027, 1, 1),
            )

    run(container.uow, body)


def test_finance_and_the_system_administrator_follow_batch_runs(
    seeded: Container, app: FastAPI, clock: FixedClock
) -> None:
    open_accounts(seeded, 5)
    unfinished = run_job(
        seeded.uow, JOB, SETTLEMENT, actor=Actor.system("test"), chunk_size=2, stop_after_chunks=1
    )
    assert unfinished.run.state == "running"

    admin = logged_in(Browser(app, clock), "sysadmin")
    assert 'href="/batch/runs"' in admin.page("/").text
    page = admin.page("/batch/runs")
    assert page.status_code == 200
    assert "年度结息" in page.text and "运行中" in page.text and "2 / 5" in page.text
    assert 'hx-trigger="every 2s"' in page.text  # follows the unfinished run

    run_job(seeded.uow, JOB, SETTLEMENT, actor=Actor.system("test"), chunk_size=2)
    fragment = admin.http.get("/batch/runs", headers={"HX-Request": "true", "HX-Target": "batch-runs"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "完成" in fragment.text and "100%" in fragment.text and "5 / 5" in fragment.text
    assert "every 2s" not in fragment.text  # nothing left to follow

    finance = logged_in(Browser(app, clock), "finance1")
    assert finance.page("/batch/runs?job=annual_interest").status_code == 200
    clerk = logged_in(Browser(app, clock), "clerk01")
    assert 'href="/batch/runs"' not in clerk.page("/").text
    assert clerk.page("/batch/runs").status_code == 403
