"""The one place that wires adapters to ports: settings -> engine, crypto, clock, units of work."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

import anju.batch.jobs  # noqa: F401 - registers the batch jobs and batch-backed end-of-day steps
from anju.adapters.clock import SystemClock
from anju.adapters.crypto.provider import SoftwareCryptoProvider, load_master_key
from anju.adapters.db.engine import durability_problems, make_engine
from anju.adapters.db.unit_of_work import Deps, SqlUnitOfWork
from anju.adapters.sms.simulator import RecordingSmsGateway
from anju.errors import InvariantViolation
from anju.services.hall_ports import SmsGateway
from anju.services.ports import BankGateway, Clock, UnitOfWork
from anju.settings import Settings, load_settings


@dataclass
class Container:
    settings: Settings
    engine: Engine
    clock: Clock
    crypto: SoftwareCryptoProvider
    bank: BankGateway | None = None  # the settlement platform (None: ANJU_BANK_URL not set)
    # The SMS platform: the recording simulator until a centre connects its 12329 platform.
    sms: SmsGateway = field(default_factory=RecordingSmsGateway)

    def uow(self, *, read_only: bool = False) -> UnitOfWork:
        deps = Deps(clock=self.clock, crypto=self.crypto, centre_code=self.settings.centre_code)
        return SqlUnitOfWork(self.engine, deps, read_only=read_only)  # type: ignore[return-value]


def build(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    engine: Engine | None = None,
    check_durability: bool = True,
) -> Container:
    """Wire everything; refuses to start on failed crypto self-tests or unsafe durability."""
    settings = settings or load_settings()
    crypto = SoftwareCryptoProvider(
        load_master_key(settings),
        password_iterations=settings.password_iterations,
        data_key_version=settings.data_key_version,  # new writes; older versions still decrypt (K6)
    )
    crypto.self_test()  # known-answer tests (K1): raises InvariantViolation on a mismatch
    engine = engine or make_engine(settings.database_url)
    if check_durability:
        problems = durability_problems(engine)
        if problems:
            raise InvariantViolation("unsafe_durability", problems="; ".join(problems))
    the_clock = clock or SystemClock()
    container = Container(settings=settings, engine=engine, clock=the_clock, crypto=crypto)
    container.bank = bank_gateway(settings, the_clock)
    from anju.services import bank, bank_reconciliation  # noqa: F401 - registers the 对账 end-of-day step

    bank.configure(container.bank)
    # withdrawals (issue 7): data-sharing look-ups. No real platform adapter exists yet, so the
    # deterministic simulator answers (fixture persons only; everyone else is "not found").
    from anju.adapters.datasharing.simulator import SimulatedDataSharing
    from anju.services import data_sharing

    data_sharing.configure(SimulatedDataSharing())
    # accounting (issue 9): marks suspense refunds paid when the bank confirms them.
    from anju.services import funds  # noqa: F401 - registers the refund outcome listener

    return container


# --- the bank-settlement platform (docs/adr/0010) ----------------------------------------------------


def bank_gateway(settings: Settings, clock: Clock) -> BankGateway | None:
    """The TCP gateway to ANJU_BANK_URL, or None when no platform is configured."""
    if not settings.bank_sim_url:
        return None
    from anju.adapters.bank.client import TcpBankGateway, parse_bank_url
    from anju.adapters.bank.codec import Party
    from anju.domain.bank import centre_node

    host, port = parse_bank_url(settings.bank_sim_url)
    party = Party(
        node=centre_node(settings.centre_code),
        tx_unit_no=settings.bank_tx_unit_no or settings.centre_code,
        cust_no=settings.bank_cust_no or settings.centre_code,
        oper_no=settings.bank_oper_no,
    )
    return TcpBankGateway(host, port, party=party, clock=clock, timeout=settings.bank_timeout_seconds)


def start_bank_listener(container: Container, address: str | None = None) -> Any:
    """Listen for account-change notices (SBDC100) on `address` ("host:port", default
    ANJU_BANK_LISTEN); each is booked through the inbox before it is acknowledged.
    Returns the running listener (its `.url`, `.stop()`), or None when not configured."""
    where = address or container.settings.bank_listen
    if not where:
        return None
    from anju.adapters.bank.listener import NoticeListener
    from anju.domain.bank import centre_node
    from anju.services import bank_inbox

    host, _, port = where.rpartition(":")
    listener = NoticeListener(
        host or "127.0.0.1",
        int(port),
        lambda statement: bank_inbox.receive_notice(container.uow, statement),
        node=centre_node(container.settings.centre_code),
        clock=container.clock,
    )
    return listener.start()


def start_bank_worker(container: Container, *, every_seconds: int = 30) -> Any:
    """A daemon thread that moves due instructions on (send, query, poll) every few seconds,
    within the outbox's bounds; returns an Event that stops it. None without a bank."""
    if container.bank is None:
        return None
    import logging
    import threading

    from anju.errors import AnjuError
    from anju.services import bank

    log = logging.getLogger("anju.bank.worker")
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every_seconds):
            try:
                bank.drive_instructions(container.uow, container.bank)
            except AnjuError as exc:  # the bank or the database is away: try again next round
                log.warning("bank worker: %s", exc.code)
            except Exception:
                log.exception("bank worker failed")

    threading.Thread(target=loop, name="bank-worker", daemon=True).start()
    return stop


def read_statement_file(path: Path) -> Any:
    """A statement document on disk (GBK as banks write it, or UTF-8), checked whole."""
    from anju.adapters.bank.files import parse_statement_document

    data = path.read_bytes()
    try:
        text = data.decode("gbk")
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="strict")
    return parse_statement_document(text, path.name)


def run_bank_simulator(
    *, port: int, control_port: int, db_path: Path, notify: str | None, ready_file: Path | None
) -> None:
    """`anju bank-sim`: the settlement-platform simulator in this process until SIGINT/SIGTERM."""
    import signal
    import threading

    from anju.adapters.bank.simulator import BankSimulator, run_simulator

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    def ready(sim: BankSimulator) -> None:
        line = f"bank-sim ready port={sim.port} control={sim.control_port}"
        print(line, flush=True)
        if ready_file is not None:
            ready_file.write_text(f"{sim.port} {sim.control_port}\n", encoding="utf-8")

    run_simulator(
        clock=SystemClock(),
        port=port,
        control_port=control_port,
        db_path=db_path,
        notify=notify,
        ready=ready,
        stop=stop,
    )


def create_master_key_if_missing(settings: Settings) -> bool:
    """`anju init`: a new master key file, unless a key is configured already. True if created."""
    from anju.adapters.crypto.provider import create_master_key_file

    if settings.master_key_hex or settings.master_key_file.exists():
        return False
    create_master_key_file(settings.master_key_file)
    return True


def upgrade_schema(engine: Engine) -> None:
    from anju.adapters.db.migrate import upgrade

    upgrade(engine)


def schema_revision(engine: Engine) -> tuple[str | None, str | None]:
    """(current, head) Alembic revisions."""
    from anju.adapters.db.migrate import current_revision, head_revision

    return current_revision(engine), head_revision()


# --- backups, restore and restore drills (adapters/db/backup.py; docs/operations/backup.md) -------


@dataclass(frozen=True, slots=True)
class DrillOutcome:
    backup_file: Path
    tables_compared: int
    mismatches: list[str]  # Chinese, one per problem (tables, ledger check, counts)
    source_ledger_ok: bool
    restored_ledger_ok: bool
    restored_vouchers: int

    @property
    def ok(self) -> bool:
        return not self.mismatches and self.source_ledger_ok and self.restored_ledger_ok


def backup_database(container: Container, target: Path | None = None) -> tuple[Path, Any]:
    """Online backup of the container's database and its manifest; default file
    $ANJU_HOME/backups/anju-<UTC stamp>.sqlite|.pgdump. Returns (file, Manifest)."""
    from datetime import UTC

    from anju.adapters.db import backup

    now = container.clock.now_utc().astimezone(UTC)
    if target is None:
        ext = "sqlite" if container.settings.is_sqlite else "pgdump"
        target = container.settings.home / "backups" / f"anju-{now.strftime('%Y%m%dT%H%M%SZ')}.{ext}"
    manifest = backup.backup(
        container.engine,
        container.settings.database_url,
        target,
        created_at=now.isoformat(timespec="seconds"),
    )
    return target, manifest


def restore_database(backup_file: Path, database_url: str, *, force: bool = False) -> Any:
    """Restore a verified backup into the (stopped) database; returns its Manifest."""
    from anju.adapters.db import backup

    return backup.restore(backup_file, database_url, force=force)


def restore_drill(
    container: Container, backup_file: Path | None = None, workdir: Path | None = None
) -> DrillOutcome:
    """Restore a backup (a new one by default) into a scratch database, compare every table with
    the manifest, and run check_ledger() on the source and on the restored copy."""
    import tempfile
    from dataclasses import replace

    from anju.adapters.db import backup
    from anju.services.ledger import check_ledger
    from anju.services.runner import read

    source_report = read(container.uow, check_ledger)
    if backup_file is None:
        backup_file, _ = backup_database(container)
    manifest = backup.verify_file(backup_file)
    where = workdir or Path(tempfile.mkdtemp(prefix="anju-drill-"))
    with backup.scratch_database(container.settings.database_url, where) as scratch_url:
        report = backup.drill_compare(backup_file, scratch_url)
        restored = build(replace(container.settings, database_url=scratch_url), clock=container.clock)
        try:
            restored_report = read(restored.uow, check_ledger)
        finally:
            restored.engine.dispose()
    problems = list(report.mismatches)
    problems += [f"恢复库账务检查：{p}" for p in restored_report.problems]
    vouchers = manifest.tables.get("voucher")
    if vouchers is not None and vouchers.rows != restored_report.voucher_count:
        problems.append(
            f"凭证数不一致：备份 {vouchers.rows} 张，恢复库账务检查 {restored_report.voucher_count} 张"
        )
    return DrillOutcome(
        backup_file=backup_file,
        tables_compared=report.tables_compared,
        mismatches=problems,
        source_ledger_ok=source_report.ok,
        restored_ledger_ok=restored_report.ok,
        restored_vouchers=restored_report.voucher_count,
    )
