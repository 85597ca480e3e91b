"""`generate(container, size, seed)`: a whole synthetic centre in an empty database.

The demo organisation (branches, entrusted banks and their collection accounts), the chart, the
business date and the policy come from the ordinary setup services; the city itself is planned in
memory (plan.py) and written in one transaction (load.py). The result passes `check_ledger()`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine, select

from anju.adapters.db.schema import metadata
from anju.adapters.db.tables.ledger import ledger_account
from anju.adapters.db.tables.org import centre_bank_account, entrusted_bank
from anju.batch.synthetic_city import load
from anju.batch.synthetic_city.pii import Sealer
from anju.batch.synthetic_city.plan import BankAccount, Branch, CityInputs, CityPlan, plan_city
from anju.batch.synthetic_city.sizes import CitySize, city_size
from anju.domain.security import Actor, AuditEvent
from anju.errors import Conflict
from anju.money import Money
from anju.services import calendar, demo, setup
from anju.services.policy import policy_in_force
from anju.services.ports import Clock, CryptoProvider, UnitOfWork
from anju.services.runner import read, run

DEFAULT_SEED = 2026
REFERENCE_POLICY = Path(__file__).resolve().parents[4] / "policies" / "reference.toml"
SAMPLES = 200
# Loans are generated once the loan slice has its tables: draw `size.loans` borrowers among the
# normal members (age and balance weighted), a contract, a schedule and a 121 sub-account each,
# and the disbursement voucher (Dr 121 / Cr 101xx loan account). Until then the city has none.
LOAN_TABLES = ("loan", "loan_contract")


class CityAlreadyLoaded(Conflict):
    """A synthetic city goes only into a database without units."""


class CityHost(Protocol):
    """What the generator needs of the application container (anju.bootstrap.Container)."""

    engine: Engine
    clock: Clock
    crypto: Any  # the SoftwareCryptoProvider (a CryptoProvider)
    settings: Any  # anju.settings.Settings: centre_code

    def uow(self, *, read_only: bool = False) -> UnitOfWork: ...


@dataclass(frozen=True, slots=True)
class CityReport:
    size: str
    seed: int
    business_date: date
    units: int
    persons: int
    sealed_members: int
    sealed_units: int
    ledger_accounts: int
    vouchers: int
    postings: int
    loans: int
    total_deposits: Money
    big_units: tuple[str, ...]  # the two largest head-office units still contributing (remittance)
    big_unit_members: tuple[int, ...]  # how many of their members contribute
    sample_units: tuple[str, ...]  # head-office units of every size, still contributing
    sample_members: tuple[str, ...]  # head-office member accounts with history, still contributing
    unit_size_bands: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return round(sum(self.seconds.values()), 3)

    @property
    def rows_written(self) -> int:
        """Rows the load created (people, accounts, units, vouchers, postings ...)."""
        return self.persons * 4 + self.units * 2 + self.vouchers + self.postings


def _ensure_initialised(host: CityHost, business_date: date | None, reference_policy: str | None) -> None:
    if setup.is_initialised(host.uow):
        return
    day = business_date or setup.local_date(host.clock.now_utc())
    policy_text = reference_policy or REFERENCE_POLICY.read_text(encoding="utf-8")
    setup.initialise(host.uow, business_date=day, reference_policy=policy_text)


def _banks(engine: Engine) -> tuple[BankAccount, ...]:
    cba, bank = centre_bank_account, entrusted_bank
    query = (
        select(bank.c.id, bank.c.code, cba.c.id, cba.c.gl_code, ledger_account.c.id)
        .select_from(
            cba.join(bank, bank.c.id == cba.c.bank_id).join(
                ledger_account, ledger_account.c.account_no == cba.c.ledger_account_no
            )
        )
        .where(cba.c.purpose == "collection", cba.c.status == "active", bank.c.status == "active")
        .order_by(bank.c.code, cba.c.account_no)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    seen: set[int] = set()
    banks = []
    for bank_id, code, account_id, gl_code, ledger_id in rows:
        if bank_id not in seen:  # one collection account per bank
            seen.add(bank_id)
            banks.append(BankAccount(int(bank_id), code, int(account_id), gl_code, int(ledger_id)))
    return tuple(banks)


def _inputs(host: CityHost, spec: CitySize, seed: int) -> CityInputs:
    org = run(host.uow, demo.seed_demo_organisation)
    day = read(host.uow, calendar.current_business_date)
    contribution = read(host.uow, lambda uow: policy_in_force(uow, day)).contribution
    with host.engine.connect() as conn:
        units = load.unit_count(conn)
        if units:
            raise CityAlreadyLoaded("city_already_loaded", units=units)
        next_id = load.first_free_ids(conn)
        next_seq = load.first_free_sequences(conn)
    banks = _banks(host.engine)
    if not banks:
        raise CityAlreadyLoaded("city_already_loaded", units=0)  # pragma: no cover - demo org has them
    return CityInputs(
        size=spec,
        seed=seed,
        business_date=day,
        centre_code=host.settings.centre_code,
        contribution=contribution,
        branches=tuple(Branch(b.id, b.code) for b in org.branches if b.status == "active"),
        banks=banks,
        next_id=next_id,
        next_seq=next_seq,
    )


def _bands(plan: CityPlan) -> dict[str, int]:
    bands = {"1": 0, "2–20": 0, "21–100": 0, "101–1000": 0, ">1000": 0}
    for u in plan.units:
        n = u.count
        if n == 1:
            bands["1"] += 1
        elif n <= 20:
            bands["2–20"] += 1
        elif n <= 100:
            bands["21–100"] += 1
        elif n <= 1000:
            bands["101–1000"] += 1
        else:
            bands[">1000"] += 1
    return bands


def _biggest(plan: CityPlan) -> list[tuple[str, int]]:
    """(unit account no, contributing members) of the two largest head-office units still
    contributing (the planted ones at the sizes that plant them)."""
    m, now = plan.members, len(plan.year_of_month) - 1
    head = min(plan.inputs.branches, key=lambda b: b.code).id
    sizes = [
        (sum(1 for g in range(u.first, u.first + u.count) if m.last_month[g] > now), -u.index)
        for u in plan.units
        if u.status == "01" and u.branch_id == head
    ]
    return [(plan.units[-index].account_no, count) for count, index in sorted(sizes, reverse=True)[:2]]


def _samples(plan: CityPlan) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Head-office units and members still contributing (the demo clerk works there)."""
    rng = random.Random(plan.inputs.seed + 1)  # noqa: S311 - sampling test data, not security
    head = min(plan.inputs.branches, key=lambda b: b.code).id
    m, now = plan.members, len(plan.year_of_month) - 1
    normal_units = [u for u in plan.units if u.status == "01" and u.branch_id == head]
    by_size = sorted(normal_units, key=lambda u: (u.count, u.index))
    step = max(1, len(by_size) // SAMPLES)
    units = tuple(u.account_no for u in by_size[::step][:SAMPLES])
    candidates = [
        g
        for u in normal_units
        for g in range(u.first, u.first + u.count)
        if m.last_month[g] > now and m.first_month[g] < now - 1
    ]
    members = tuple(m.account_nos[g] for g in sorted(rng.sample(candidates, min(SAMPLES, len(candidates)))))
    return units, members


def generate(
    host: CityHost,
    size: str | CitySize = "city",
    seed: int = DEFAULT_SEED,
    *,
    business_date: date | None = None,
    reference_policy: str | None = None,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> CityReport:
    """Load a synthetic city into a database without units (raises CityAlreadyLoaded otherwise).

    `business_date` and `reference_policy` are used only when the database is not initialised
    yet (`anju init` does it otherwise). The same seed, size and business date give the same
    city, row for row, on either database (ciphertexts aside: SM4-GCM draws a fresh nonce).
    """
    spec = city_size(size) if isinstance(size, str) else size
    started = time.perf_counter()
    _ensure_initialised(host, business_date, reference_policy)
    inputs = _inputs(host, spec, seed)
    seconds = {"准备（中心、机构、政策）": round(time.perf_counter() - started, 3)}
    if progress is not None:
        people = f"{spec.persons:,} 人，{spec.units:,} 个单位"
        progress(f"模拟城市 {spec.name}：{people}，会计日期 {inputs.business_date}")
    crypto: CryptoProvider = host.crypto
    # The pool seals people's ID numbers and phones batch by batch while the rest is planned and
    # the ledger is written: the largest single cost, on the cores Python leaves idle.
    with Sealer(crypto, spec.persons, workers) as sealer:
        mark = time.perf_counter()
        plan = plan_city(
            inputs,
            on_units=lambda units: sealer.submit(
                "units", [None] * len(units), [u.handler_phone for u in units]
            ),
            on_people=lambda m, start, end: sealer.submit(
                "people", m.resident_id[start:end], m.phone[start:end]
            ),
        )
        planned = round(time.perf_counter() - mark, 3)
        seconds["计划（随机抽样、缴存额、余额与积数）"] = planned
        if progress is not None:
            progress(f"计划完成：{len(plan.vouchers):,} 张凭证，{plan.postings:,} 条分录，{planned:.1f} 秒")
        result = load.load_city(
            host.engine, plan, sealer.results("units"), sealer.results("people"), progress=progress
        )
    seconds |= result.seconds
    units, members = _samples(plan)
    biggest = _biggest(plan)
    m, now = plan.members, len(plan.year_of_month) - 1
    sealed_members = sum(1 for leave in m.last_month if leave <= now)
    report = CityReport(
        size=spec.name,
        seed=seed,
        business_date=inputs.business_date,
        units=len(plan.units),
        persons=len(m),
        sealed_members=sealed_members,
        sealed_units=sum(1 for u in plan.units if u.status == "05"),
        ledger_accounts=len(plan.units) + len(m),
        vouchers=len(plan.vouchers),
        postings=plan.postings,
        loans=0,
        total_deposits=Money(sum(m.balance)),
        big_units=tuple(no for no, _ in biggest),
        big_unit_members=tuple(count for _, count in biggest),
        sample_units=units,
        sample_members=members,
        unit_size_bands=_bands(plan),
        seconds=seconds,
        rows=result.rows,
    )
    run(host.uow, lambda uow: _audit(uow, report))
    return report


def _audit(uow: UnitOfWork, report: CityReport) -> None:
    uow.audit.append(
        AuditEvent.by(
            Actor.system("synthetic_city"),
            "demo.synthetic_city",
            "centre",
            report.size,
            details={
                "seed": report.seed,
                "units": report.units,
                "persons": report.persons,
                "vouchers": report.vouchers,
                "postings": report.postings,
                "total_deposits": str(report.total_deposits),
            },
        )
    )


def generate_if_empty(
    host: CityHost, size: str | CitySize = "small", seed: int = DEFAULT_SEED, **options: Any
) -> CityReport | None:
    """`make run`: load the city once; a database that has units already is left alone (None)."""
    try:
        return generate(host, size, seed, **options)
    except CityAlreadyLoaded:
        return None


def loan_tables_present() -> bool:
    """True once the loan slice has added its tables (then the loan hook above must be filled)."""
    return any(name in metadata.tables for name in LOAN_TABLES)
