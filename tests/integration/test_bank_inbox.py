"""Money the banks report: account-change notices and statement files, booked exactly once
(reliability.md I6), matched to confirmed rosters or held in the unit's suspense account.
The simulator runs as its own process; the centre's notice listener is real TCP.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from anju.adapters.bank import codec, files
from anju.adapters.bank.client import recv_exactly
from anju.adapters.db.engine import READ_ONLY_OPTION
from anju.adapters.db.tables.bank import bank_notice, bank_statement_file
from anju.adapters.db.tables.remittance import unit_payment
from anju.domain.bank import BankConflict, BankFileRejected, NoticeState, StatementFile, StatementLine
from anju.money import Money
from anju.services import bank_inbox
from tests.conftest import TEST_MASTER_KEY
from tests.integration.bank_helpers import (  # noqa: F401
    ANJU,
    FINANCE,
    ICBC_COLLECTION,
    World,
    shared_sim_fixture,
    sim_fixture,
    world_fixture,
)
from tests.integration.collection_helpers import DAY


def count(world: World, table: object) -> int:
    # A reader's deferred BEGIN: it never waits for the write lock, so polling while another
    # process imports sees every commit instead of queueing behind the writer.
    with world.container.engine.connect().execution_options(**{READ_ONLY_OPTION: True}) as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def notices(world: World, state: str | None = None) -> list[bank_inbox.NoticeView]:
    return world.look(lambda uow: bank_inbox.list_notices(uow, None, state=state, limit=500))


def test_a_remittance_notice_delivered_twice_is_credited_once(world: World) -> None:
    unit = world.unit()
    roster = world.confirmed_roster(unit)
    world.sim.fault("SBDC100", "duplicate")  # the platform pushes this notice twice

    reply = world.remit(roster.total, f"单位汇缴 {unit.unit_no} 2026年11月")

    assert reply["delivered"] is True
    pushes = [r for r in world.sim.log(direction="push") if r["outcome"] == "ack"]
    assert len(pushes) == 2  # both deliveries were acknowledged ...
    rows = notices(world)
    assert [(n.serial, n.state, n.unit_account_no) for n in rows] == [
        (reply["serial"], "posted", unit.unit_no)
    ]
    assert count(world, unit_payment) == 1  # ... and booked once
    assert world.balance(world.bank_ledger()) == roster.total
    assert sum(world.balance(ledger).fen for _no, ledger in unit.members) == roster.total.fen
    # A later redelivery (the platform never saw our ack) changes nothing either.
    world.sim.post("/push")
    assert count(world, unit_payment) == 1
    world.assert_ledger_ok()


def test_money_that_matches_no_roster_waits_in_the_units_suspense_account(world: World) -> None:
    unit = world.unit()
    world.confirmed_roster(unit)
    world.remit(Money.of("123.45"), f"{unit.unit_no}")
    [notice] = notices(world)
    assert notice.state == NoticeState.POSTED
    suspense = world.look(lambda uow: uow.units.get(unit.unit_no)).suspense_account_no
    assert world.balance(suspense) == Money.of("123.45")
    assert sum(world.balance(ledger).fen for _no, ledger in unit.members) == 0
    world.assert_ledger_ok()


def test_unidentified_money_waits_for_a_clerk_who_names_the_unit(world: World) -> None:
    unit = world.unit()
    roster = world.confirmed_roster(unit)
    world.remit(roster.total, "工资款")  # no unit account number in the remark
    [notice] = notices(world, "open")
    assert notice.state == NoticeState.UNIDENTIFIED
    assert world.balance(world.bank_ledger()) == Money.ZERO  # nothing guessed, nothing booked

    with pytest.raises(Exception) as denied:
        world.go(lambda uow: bank_inbox.assign_notice(uow, FINANCE, notice.id, unit.unit_no))
    assert getattr(denied.value, "code", "") == "permission_denied"
    done = world.go(lambda uow: bank_inbox.assign_notice(uow, world.clerk, notice.id, unit.unit_no))

    assert done.state == NoticeState.POSTED
    assert world.balance(world.bank_ledger()) == roster.total
    with pytest.raises(BankConflict):
        world.go(lambda uow: bank_inbox.assign_notice(uow, world.clerk, notice.id, unit.unit_no))
    world.assert_ledger_ok()


def test_money_out_we_did_not_instruct_is_flagged_for_finance_not_booked(world: World) -> None:
    unit = world.unit()
    world.remit(Money.of("500.00"), unit.unit_no)
    world.sim.post("/debit", {"account_no": ICBC_COLLECTION, "amount": "2.50", "remark": "汇划手续费"})
    fee = notices(world, "unexplained")
    assert [n.amount for n in fee] == [Money.of("-2.50")]
    assert world.balance(world.bank_ledger()) == Money.of("500.00")
    closed = world.go(lambda uow: bank_inbox.close_notice(uow, FINANCE, fee[0].id, note="已手工记手续费凭证"))
    assert closed.state == NoticeState.HANDLED


def test_a_malformed_notice_is_refused_whole_and_books_nothing(world: World) -> None:
    host, port = world.listener.address
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(b"00000030<message><head><field name=")  # cut short, then garbage
        sock.shutdown(socket.SHUT_WR)
        reply = codec.decode(codec.read_frame(lambda n: recv_exactly(sock, n)))
    assert reply.head["TxStatus"] == "1"
    bad_total = _notice_message(world, total="999.00")
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(codec.encode_frame(bad_total))
        reply = codec.decode(codec.read_frame(lambda n: recv_exactly(sock, n)))
    assert (reply.head["TxStatus"], reply.head["RtnCode"]) == ("1", "bank_file_invalid")
    assert notices(world) == []
    assert count(world, bank_statement_file) == 0


def _notice_message(world: World, *, total: str) -> codec.Message:
    line = _line(1, "X1", 10000, "无")
    body = files.envelope_fields(_file([line]))
    body["TotalAmt"] = total
    return codec.notice(
        "SBDC100",
        "N1",
        node="D00000",
        receive_node="C41010",
        date_="20261123",
        time_="120000",
        body=body,
        lists={"FILE_LIST": codec.file_list("n.txt", files.format_statement([line]))},
    )


# --- statement files (I6) -----------------------------------------------------------------------


def _line(seq: int, serial: str, fen: int, remark: str, day: date = DAY) -> StatementLine:
    return StatementLine(
        seq=seq,
        account_no=ICBC_COLLECTION,
        serial=serial,
        tx_code="SIM",
        counterparty_account="6222000000000001",
        counterparty_name="安居测试单位",
        amount=Money(fen),
        tx_date=day,
        tx_time="120000",
        remark=remark,
        summary="来账",
    )


def _file(lines: list[StatementLine], **overrides: object) -> StatementFile:
    numbered = [replace(x, seq=i) for i, x in enumerate(lines, start=1)]
    total = Money(sum(x.amount.fen for x in numbered))
    values: dict[str, object] = {
        "account_no": ICBC_COLLECTION,
        "start": DAY,
        "end": DAY,
        "lines": tuple(numbered),
        "declared_count": len(numbered),
        "declared_total": total,
        "name": "stmt.txt",
    }
    values.update(overrides)
    return StatementFile(**values)  # type: ignore[arg-type]


def _import(world: World, file: StatementFile) -> bank_inbox.ImportView:
    return bank_inbox.import_statement(world.uow, FINANCE, file, chunk_size=2)


def test_a_file_imported_twice_is_refused_the_second_time(world: World) -> None:
    unit = world.unit()
    file = _file([_line(1, "S1", 10000, unit.unit_no), _line(2, "S2", 20000, unit.unit_no)])
    first = _import(world, file)
    assert (first.new_lines, first.states) == (2, {"posted": 2})
    vouchers = world.voucher_count()
    with pytest.raises(BankConflict) as info:
        _import(world, file)
    assert info.value.code == "bank_file_already_imported"
    assert world.voucher_count() == vouchers
    assert world.balance(world.bank_ledger()) == Money(30000)
    world.assert_ledger_ok()


def test_an_overlapping_file_books_only_its_new_lines(world: World) -> None:
    unit = world.unit()
    _import(world, _file([_line(1, "S1", 10000, unit.unit_no), _line(2, "S2", 20000, unit.unit_no)]))
    later = _file(
        [
            _line(1, "S1", 10000, unit.unit_no),
            _line(2, "S2", 20000, unit.unit_no),
            _line(3, "S3", 5000, unit.unit_no),
        ],
        name="stmt-2.txt",
    )
    second = _import(world, later)
    assert (second.line_count, second.new_lines) == (3, 1)
    assert world.balance(world.bank_ledger()) == Money(35000)
    assert count(world, unit_payment) == 3
    world.assert_ledger_ok()


def test_two_genuine_lines_with_the_same_day_and_amount_both_book(world: World) -> None:
    unit = world.unit()
    view = _import(world, _file([_line(1, "S1", 10000, unit.unit_no), _line(2, "S9", 10000, unit.unit_no)]))
    assert view.new_lines == 2
    assert world.balance(world.bank_ledger()) == Money(20000)
    world.assert_ledger_ok()


@pytest.mark.parametrize(
    "overrides",
    [
        {"declared_count": 3},
        {"declared_total": Money(30001)},
        {"opening_balance": Money(0), "closing_balance": Money(1)},
    ],
)
def test_a_file_whose_trailer_disagrees_is_rejected_whole(world: World, overrides: dict[str, object]) -> None:
    unit = world.unit()
    vouchers = world.voucher_count()
    file = _file([_line(1, "S1", 10000, unit.unit_no), _line(2, "S2", 20000, unit.unit_no)], **overrides)
    with pytest.raises(BankFileRejected):
        _import(world, file)
    assert notices(world) == []
    assert count(world, bank_statement_file) == 0
    assert world.voucher_count() == vouchers
    assert world.balance(world.bank_ledger()) == Money.ZERO


def test_a_statement_pulled_from_the_bank_backs_up_lost_notices(world: World) -> None:
    unit = world.unit()
    roster = world.confirmed_roster(unit)
    world.sim.post("/settings", {"notify": ""})  # the notice is lost on the way
    world.remit(roster.total, unit.unit_no)
    assert notices(world) == []

    view = bank_inbox.fetch_statement(world.uow, FINANCE, world.container.bank, ICBC_COLLECTION, DAY)

    assert (view.new_lines, view.states) == (1, {"posted": 1})
    assert world.balance(world.bank_ledger()) == roster.total
    again = bank_inbox.fetch_statement(world.uow, FINANCE, world.container.bank, ICBC_COLLECTION, DAY)
    assert again.already
    world.sim.post("/settings", {"notify": world.listener.url})
    world.sim.post("/push")  # the late notice finds the movement already booked
    assert count(world, unit_payment) == 1
    world.assert_ledger_ok()


@pytest.mark.slow
def test_an_import_killed_at_a_random_line_books_each_line_once_after_a_rerun(
    world: World, tmp_path: Path
) -> None:
    lines = 200
    unit = world.unit(("3000.00",))
    file = _file([_line(i, f"K{i:05d}", 100 + i, unit.unit_no) for i in range(1, lines + 1)])
    path = tmp_path / "statement.txt"
    path.write_bytes(files.format_statement_document(file).encode("gbk"))
    settings = world.container.settings
    env = {
        **os.environ,
        "ANJU_HOME": str(settings.home),
        "ANJU_DATABASE_URL": settings.database_url,
        "ANJU_MASTER_KEY": TEST_MASTER_KEY,
        "ANJU_CENTRE_CODE": settings.centre_code,
    }
    command = [ANJU, "bank", "import-statement", str(path), "--chunk-size", "1"]
    seed = random.randrange(1_000_000)
    target = random.Random(seed).randrange(15, lines // 2)
    print(f"kill seed {seed}: SIGKILL after {target} lines")

    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while count(world, bank_notice) < target and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    taken = count(world, bank_notice)
    assert 0 < taken < lines, f"the kill should land mid-file (took {taken})"

    rerun = subprocess.run(command, env=env, capture_output=True, timeout=300, check=False)
    assert rerun.returncode == 0, rerun.stderr.decode(errors="replace")[-2000:]
    assert count(world, bank_notice) == lines
    assert count(world, unit_payment) == lines
    expected = Money(sum(100 + i for i in range(1, lines + 1)))
    assert world.balance(world.bank_ledger()) == expected
    third = subprocess.run(command, env=env, capture_output=True, timeout=120, check=False)
    assert third.returncode == 1 and "已导入" in third.stdout.decode()
    assert count(world, unit_payment) == lines
    world.assert_ledger_ok()
