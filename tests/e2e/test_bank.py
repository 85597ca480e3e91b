"""The bank settlement interface over HTTP — API and counter pages — against the simulator
running as its own process: sign in, money in through a pushed notice, a transfer, a payment
whose acknowledgement is lost, reconciliation, and what each role may see and do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from anju.adapters.clock import FixedClock
from anju.bootstrap import Container, build, start_bank_listener
from anju.dates import YearMonth
from anju.domain.security import Actor
from anju.ledger.entries import AccountRef
from anju.money import Money
from anju.services import bank
from anju.services import remittance as rm
from anju.services.runner import run
from anju.settings import load_settings
from tests.conftest import TEST_MASTER_KEY, drop_databases, fresh_database_url
from tests.e2e.conftest import BUSINESS_DATE
from tests.integration.bank_helpers import ICBC_COLLECTION, ICBC_LOAN, Sim, shared_sim_fixture, sim_fixture  # noqa: F401
from tests.integration.collection_helpers import Centre, open_member, register

PAYEE = "6222020200009876543"


@pytest.fixture(name="container")
def bank_container(backend: str, tmp_path: Path, clock: FixedClock, sim: Sim) -> Iterator[Container]:
    """The e2e app's container, wired to the simulator and listening for its notices."""
    url, to_drop = fresh_database_url(backend, tmp_path)
    settings = load_settings(
        {
            "ANJU_HOME": str(tmp_path / "home"),
            "ANJU_DATABASE_URL": url,
            "ANJU_MASTER_KEY": TEST_MASTER_KEY,
            "ANJU_CENTRE_CODE": "410100",
            "ANJU_PASSWORD_ITERATIONS": "2000",
            "ANJU_BANK_URL": sim.url,
            "ANJU_BANK_TIMEOUT": "1",
        }
    )
    container = build(settings, clock=clock)
    listener = start_bank_listener(container, "127.0.0.1:0")
    sim.post("/settings", {"notify": listener.url, "today": BUSINESS_DATE.isoformat()})
    try:
        yield container
    finally:
        listener.stop()
        bank.configure(None)
        container.engine.dispose()
        drop_databases(to_drop)


def a_funded_unit(container: Container, sim: Sim) -> tuple[str, tuple[str, str]]:
    """A unit whose November roster arrived through the bank; returns it and one member."""
    org = run(container.uow, lambda uow: uow.org.list_branches())
    centre = Centre(container, {b.code: b.id for b in org})
    clerk = centre.clerk("02")
    unit = register(centre, clerk, 901)
    opened = open_member(
        centre, clerk, unit.unit_account_no, 901, wage="9000.00", name="李四", birth="19850101"
    )
    member = (opened.account.account_no, opened.account.ledger_account_no)
    roster = run(
        container.uow, lambda uow: rm.generate_roster(uow, clerk, unit.unit_account_no, YearMonth(2026, 11))
    )
    run(container.uow, lambda uow: rm.confirm_roster(uow, clerk, roster.id))
    reply = sim.post(
        "/remit", {"account_no": ICBC_COLLECTION, "amount": str(roster.total), "remark": unit.unit_account_no}
    )
    assert reply["delivered"] is True
    return unit.unit_account_no, member


def test_finance_signs_in_and_moves_money_between_centre_accounts(
    make_client: Any, seeded: Container, sim: Sim
) -> None:
    a_funded_unit(seeded, sim)
    finance = make_client("finance1")
    state = finance.post("/api/v1/bank/session/signin")
    assert state.status_code == 200, state.text
    assert state.json()["state"] == "signed_in"

    notices = finance.get("/api/v1/bank/notices").json()
    assert [(n["state"], n["direction_label"]) for n in notices] == [("posted", "收入")]

    key = "transfer-key-0001"
    body = {
        "from_account": ICBC_COLLECTION,
        "to_account": ICBC_LOAN,
        "amount": "100.00",
        "memo": "划拨委贷基金",
    }
    created = finance.post("/api/v1/bank/transfers", body, key=key)
    assert created.status_code == 201, created.text
    assert created.json()["state"] == "succeeded"
    replay = finance.post("/api/v1/bank/transfers", body, key=key)
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert len(finance.get("/api/v1/bank/instructions").json()) == 1  # submitted once
    e2e_id = created.json()["e2e_id"]
    detail = finance.get(f"/api/v1/bank/instructions/{e2e_id}").json()
    assert [e["action"] for e in detail["events"]][:2] == ["submit", "send"]

    page = finance.get(f"/bank/instructions/{e2e_id}")
    assert page.status_code == 200 and "单笔转账" in page.text and "成功" in page.text


def test_a_lost_acknowledgement_shows_as_unknown_until_the_query_settles_it(
    make_client: Any, seeded: Container, sim: Sim
) -> None:
    _unit, member = a_funded_unit(seeded, sim)
    sim.post("/settings", {"notify": ""})
    view = run(
        seeded.uow,
        lambda uow: bank.submit_payment(
            uow,
            Actor.system("withdrawals"),
            purpose="partial_withdrawal",
            amount=Money.of("200.00"),
            payee_account_no=PAYEE,
            payee_name="李四",
            payee_bank_code="102",
            source_ref="withdrawal-1",
            debit_account=ICBC_COLLECTION,
            charge=AccountRef.ledger(member[1]),
            business_type="11",
        ),
    )
    sim.post("/faults", {"tx_code": "BDC101", "mode": "drop_ack"})
    sim.post("/faults", {"tx_code": "BDC110", "mode": "drop_ack", "count": 1})
    finance = make_client("finance1")

    first = finance.post(f"/api/v1/bank/instructions/{view.e2e_id}/dispatch")
    assert first.status_code == 200, first.text
    assert first.json()["state"] == "unknown"
    page = finance.get(f"/bank/instructions/{view.e2e_id}")
    assert "结果未知" in page.text
    assert PAYEE not in page.text and "6222" in page.text  # the member's card is masked

    fragment = finance.http.post(
        f"/bank/instructions/{view.e2e_id}/dispatch",
        data={"csrf_token": finance.csrf},
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 200
    assert 'id="instruction-card"' in fragment.text and "<html" not in fragment.text
    assert 'data-state="succeeded"' in fragment.text
    payee = sim.get(f"/accounts/{PAYEE}")
    assert [t["amount_fen"] for t in payee["txns"]] == [20000]  # paid once


def test_reconciliation_through_the_api_and_its_report_page(
    make_client: Any, seeded: Container, sim: Sim
) -> None:
    a_funded_unit(seeded, sim)
    sim.post(
        "/statement-faults",
        {
            "account_no": ICBC_COLLECTION,
            "date": BUSINESS_DATE.isoformat(),
            "kind": "extra",
            "serial": "X-1",
            "amount": "9.99",
            "remark": "不明来款",
        },
    )
    finance = make_client("finance1")
    reply = finance.post("/api/v1/bank/reconciliations", {"date": BUSINESS_DATE.isoformat()})
    assert reply.status_code == 201, reply.text
    mine = next(r for r in reply.json()["reconciliations"] if r["account_no"] == ICBC_COLLECTION)
    assert mine["state"] == "differences"
    totals = {t["verdict"]: (t["count"], t["statement_amount"]) for t in mine["totals"]}
    assert totals["unknown"] == (1, "9.99") and totals["matched"][0] == 1
    assert mine["difference"] == "9.99" and mine["adjusted_bank_balance"] == mine["book_balance"]

    page = finance.get(f"/bank/reconciliations/{mine['id']}")
    assert page.status_code == 200
    assert "银行存款余额调节表" in page.text and "本中心未记账" in page.text
    assert re.search(r'data-verdict="unknown"', page.text)
    listing = finance.get(f"/bank/reconciliations?date={BUSINESS_DATE.isoformat()}")
    assert ICBC_COLLECTION in listing.text


def test_each_role_sees_the_bank_pages_it_may_use(make_client: Any, seeded: Container, sim: Sim) -> None:
    clerk = make_client("clerk01")
    overview = clerk.get("/bank")
    assert overview.status_code == 200 and "结算平台签到" in overview.text
    assert 'action="/bank/signin"' not in overview.text  # a clerk does not sign in
    assert clerk.post("/api/v1/bank/session/signin").status_code == 403
    assert clerk.get("/bank/transfers/new").status_code == 403
    finance = make_client("finance1")
    page = finance.get("/bank")
    assert 'action="/bank/signin"' in page.text and "专户资金调拨" in page.text
    signed = finance.http.post("/bank/signin", data={"csrf_token": finance.csrf}, follow_redirects=False)
    assert signed.status_code == 303
    assert "已签到" in finance.get("/bank?done=signin").text
    auditor = make_client("auditor1")
    assert auditor.get("/bank/notices").status_code == 200
    assert auditor.post("/api/v1/bank/reconciliations", {"date": "2026-11-23"}).status_code == 403
    secadmin = make_client("secadmin")
    assert secadmin.get("/bank").status_code == 403


def test_the_operations_commands_talk_to_the_simulator(seeded: Container, sim: Sim, tmp_path: Path) -> None:
    import os
    import subprocess

    from tests.integration.bank_helpers import ANJU

    a_funded_unit(seeded, sim)
    settings = seeded.settings
    env = {
        **os.environ,
        "ANJU_HOME": str(settings.home),
        "ANJU_DATABASE_URL": settings.database_url,
        "ANJU_MASTER_KEY": TEST_MASTER_KEY,
        "ANJU_CENTRE_CODE": settings.centre_code,
        "ANJU_BANK_URL": sim.url,
        "ANJU_BANK_SIM_CONTROL": f"http://127.0.0.1:{sim.control_port}",
    }

    def anju(*args: str) -> str:
        done = subprocess.run([ANJU, *args], env=env, capture_output=True, timeout=120, check=False)
        assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
        return done.stdout.decode()

    assert "已签到" in anju("bank", "signin")
    status = anju("bank", "status")
    assert "已配置" in status and "已入账：1" in status
    assert "通知已送达" in anju(
        "bank", "sim", "remit", "--account", ICBC_COLLECTION, "--amount", "5.00", "--remark", "x"
    )
    report = anju("bank", "reconcile", "--date", BUSINESS_DATE.isoformat())
    assert "对账 9 个专户" in report
    assert "银行指令" in anju("bank", "instructions")
    anju("bank", "signout")
    assert "签到状态：未签到" in anju("bank", "status")
