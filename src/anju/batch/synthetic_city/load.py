"""Write a planned city through the real schema, in one transaction.

Rows go in with binary COPY (PostgreSQL) or executemany (SQLite); the 30-odd million postings are
not shipped from Python at all: the members' and vouchers' plans go into two temporary tables and
one INSERT ... SELECT per side builds every line on the server (a unit's paying members are a
contiguous run of its positions, so `line_no = position - first + 2` needs no sort). Balances,
interest buckets and daily products, paid-up-to months and the bank accounts' opening balances
are final when written; `check_ledger` proves them against the postings.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import accumulate, chain, repeat
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    insert,
    literal,
    null,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, Engine

from anju.adapters.db.tables.collection import employment, member, member_account, unit
from anju.adapters.db.tables.common import number_sequence
from anju.adapters.db.tables.ledger import gl_balance, ledger_account, posting, voucher
from anju.batch.synthetic_city import bulk
from anju.batch.synthetic_city.pii import Sealed
from anju.batch.synthetic_city.plan import MAX_YEARS, CityPlan, morning_utc, ratio
from anju.ids import LedgerAccountNo, MemberAccountNo, UnitAccountNo, VoucherNo
from anju.ledger.posting_rules import GL, BusinessType

MIGRATION_SOURCE = "migration"  # the history is what a legacy migration brings, not Anju's own
MIGRATION_ACTOR = "system:migration"
BULK_TABLES = ("unit", "member", "member_account", "employment", "ledger_account", "voucher", "posting")
TRIGGER_TABLES = ("voucher", "posting")
EXPLICIT_ID_TABLES = ("unit", "member", "member_account", "ledger_account", "voucher", "posting")
KEY_TABLES = ("posting",)  # its primary key is rebuilt after the load rather than kept row by row
HAS_INTEREST = "accrued_through" in ledger_account.c  # the interest slice's columns, when present
HAS_BUCKETS = "current_year_fen" in posting.c

_plans = MetaData()
member_plan = Table(
    "city_member_plan",
    _plans,
    Column("unit_id", BigInteger, nullable=False),
    Column("pos", Integer, nullable=False),
    Column("ledger_account_id", BigInteger, nullable=False),
    *(Column(f"amount_{k}", BigInteger, nullable=False) for k in range(MAX_YEARS)),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)
voucher_plan = Table(
    "city_voucher_plan",
    _plans,
    Column("voucher_id", BigInteger, nullable=False),
    Column("first_posting_id", BigInteger, nullable=False),  # the debit line; credits follow it
    Column("unit_id", BigInteger, nullable=False),
    Column("lo", Integer, nullable=False),
    Column("hi", Integer, nullable=False),
    Column("year", Integer, nullable=False),
    Column("value_date", Date, nullable=False),
    Column("bank_account_id", BigInteger, nullable=False),
    Column("bank_gl_code", String(19), nullable=False),
    Column("total_fen", BigInteger, nullable=False),
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)


@dataclass
class LoadResult:
    rows: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


class _Phases:
    def __init__(self, result: LoadResult, progress: Callable[[str], None] | None) -> None:
        self.result = result
        self.progress = progress
        self.last = time.perf_counter()

    def done(self, phase: str, rows: int | None = None) -> None:
        now = time.perf_counter()
        elapsed = now - self.last
        self.last = now
        self.result.seconds[phase] = round(self.result.seconds.get(phase, 0.0) + elapsed, 3)
        if rows is not None:
            self.result.rows[phase] = self.result.rows.get(phase, 0) + rows
        if self.progress is not None:
            count = f"，{rows:,} 行" if rows is not None else ""
            self.progress(f"{phase}：{elapsed:.1f} 秒{count}")


def _interest(values: tuple[Any, ...]) -> tuple[Any, ...]:
    return values if HAS_INTEREST else ()


_INTEREST_COLUMNS = (
    "current_year_fen", "carried_fen", "balance_days_current", "balance_days_carried", "accrued_through",
    "interest_settled_on",
)  # fmt: skip
_LEDGER_COLUMNS = (
    "id", "account_no", "gl_code", "kind", "owner_type", "owner_id", "branch_id", "floor_fen",
    "balance_fen", "opening_balance_fen", "status", "opened_on", *(_INTEREST_COLUMNS if HAS_INTEREST else ()),
)  # fmt: skip


def _ledger_rows(plan: CityPlan) -> Iterator[tuple[Any, ...]]:
    suspense = (
        (
            u.suspense_id, u.suspense_no, GL.UNIT_SUSPENSE, "unit_suspense", "unit", u.id, u.branch_id,
            0, 0, 0, "open", u.opened_on, *_interest((0, 0, 0, 0, None, None)),
        )
        for u in plan.units
    )  # fmt: skip
    m = plan.members
    interest = (m.current, m.carried, m.days_current, m.days_carried, m.accrued_through, m.settled_on)
    members = zip(
        m.ledger_ids, m.ledger_nos, repeat(GL.MEMBER_DEPOSITS), repeat("member_deposit"), repeat("member"),
        m.ids, _branches(plan), repeat(0), m.balance, m.opening, repeat("open"), m.opened_on,
        *(interest if HAS_INTEREST else ()),
        strict=False,
    )  # fmt: skip
    return chain(suspense, members)


def _branches(plan: CityPlan) -> list[int]:
    branch_of = [u.branch_id for u in plan.units]
    return [branch_of[u] for u in plan.members.unit]


def _unit_ids(plan: CityPlan) -> list[int]:
    id_of = [u.id for u in plan.units]
    return [id_of[u] for u in plan.members.unit]


def _stamps(days: list[Any], hour: int = 9) -> list[Any]:
    return [morning_utc(day, hour) for day in days]


_UNIT_COLUMNS = (
    "id", "unit_account_no", "name", "credit_code", "economic_type", "industry", "subordination",
    "address", "postcode", "legal_rep_name", "handler_name", "handler_phone_enc", "handler_phone_idx",
    "bank_id", "collection_account_id", "branch_id", "unit_ratio", "member_ratio", "payday", "status",
    "established_on", "opened_on", "paid_up_to", "suspense_account_no", "created_at", "updated_at",
)  # fmt: skip


def _unit_rows(plan: CityPlan, phones: Iterator[Sealed]) -> Iterator[tuple[Any, ...]]:
    for u, sealed in zip(plan.units, phones, strict=False):
        stamp = morning_utc(u.opened_on)
        share = ratio(u.ratio_percent)
        yield (
            u.id, u.account_no, u.name, u.credit_code, u.economic_type, u.industry, u.subordination,
            u.address, u.postcode, u.legal_rep_name, u.handler_name, sealed[2], sealed[3],
            u.bank.bank_id, u.bank.account_id, u.branch_id, share, share, u.payday, u.status,
            u.established_on, u.opened_on, u.paid_up_to, u.suspense_no, stamp, stamp,
        )  # fmt: skip


_MEMBER_COLUMNS = (
    "id", "resident_id_enc", "resident_id_idx", "id_type", "name", "gender", "birth_date", "phone_enc",
    "phone_idx", "marital_status", "created_at", "updated_at",
)  # fmt: skip


def _member_rows(plan: CityPlan, sealed: Iterator[Sealed]) -> Iterator[tuple[Any, ...]]:
    m = plan.members
    year = plan.inputs.business_date.year
    genders = ["1" if male else "2" for male in m.male]
    married = ["20" if year - born.year >= 28 else "10" for born in m.birth]
    stamps = _stamps(m.opened_on)
    return (
        (member_id, s[0], s[1], "01", name, gender, born, s[2], s[3], marital, stamp, stamp)
        for member_id, s, name, gender, born, marital, stamp in zip(
            m.ids, sealed, m.name, genders, m.birth, married, stamps, strict=False
        )
    )


_ACCOUNT_COLUMNS = (
    "id", "account_no", "member_id", "ledger_account_no", "unit_id", "branch_id", "status",
    "wage_base_fen", "unit_monthly_fen", "member_monthly_fen", "opened_on", "paid_up_to",
    "created_at", "updated_at",
)  # fmt: skip


def _account_rows(plan: CityPlan) -> Iterator[tuple[Any, ...]]:
    m, now = plan.members, len(plan.year_of_month) - 1
    bases, unit_parts, member_parts = (
        (list(c) for c in zip(*m.parts, strict=True)) if len(m) else ([], [], [])
    )
    status = ["01" if leave > now else "02" for leave in m.last_month]
    stamps = _stamps(m.opened_on)
    return zip(
        m.account_ids, m.account_nos, m.ids, m.ledger_nos, _unit_ids(plan), _branches(plan), status,
        bases, unit_parts, member_parts, m.opened_on, m.paid_up_to, stamps, stamps,
        strict=True,
    )  # fmt: skip


_EMPLOYMENT_COLUMNS = ("member_account_id", "unit_id", "started_on", "ended_on", "start_event", "end_event")


def _employment_rows(plan: CityPlan) -> Iterator[tuple[Any, ...]]:
    m, now = plan.members, len(plan.year_of_month) - 1
    first_days = {k: plan.month(k).first_day() for k in range(-61, now + 1)}
    ended = [first_days[leave] if leave <= now else None for leave in m.last_month]
    events = ["seal" if leave <= now else None for leave in m.last_month]
    return zip(m.account_ids, _unit_ids(plan), m.opened_on, ended, repeat("open"), events, strict=False)


_VOUCHER_COLUMNS = (
    "id", "voucher_no", "source", "source_ref", "kind", "business_date", "value_date", "memo",
    "branch_id", "created_by", "created_at", "total_fen", "posting_count",
)  # fmt: skip


def _voucher_rows(plan: CityPlan) -> Iterator[tuple[Any, ...]]:
    v, units = plan.vouchers, plan.units
    months = [plan.month(k) for k in range(len(plan.year_of_month))]
    labels = [f"{month.label()}汇缴" for month in months]
    refs = [f"remittance:{units[u].account_no}:{months[k]}" for u, k in zip(v.unit, v.month, strict=True)]
    memos = [f"{units[u].name} {labels[k]}"[:120] for u, k in zip(v.unit, v.month, strict=True)]
    branch_of = [u.branch_id for u in units]
    branches = [branch_of[u] for u in v.unit]
    stamps = _stamps(v.value_date, 10)
    lines = [hi - lo + 1 for lo, hi in zip(v.lo, v.hi, strict=True)]
    return zip(
        v.ids, v.numbers, repeat(MIGRATION_SOURCE), refs, repeat("remittance"), v.value_date, v.value_date,
        memos, branches, repeat(MIGRATION_ACTOR), stamps, v.total, lines,
        strict=False,
    )  # fmt: skip


def _member_plan_rows(plan: CityPlan) -> Iterator[tuple[Any, ...]]:
    m, units, now = plan.members, plan.units, len(plan.year_of_month) - 1
    pad = [0] * MAX_YEARS
    first_of = [u.first for u in units]
    id_of = [u.id for u in units]
    for g, (unit_index, join, leave) in enumerate(zip(m.unit, m.first_month, m.last_month, strict=True)):
        if max(join, 0) < min(leave, now):  # paid something inside the window
            amounts = (m.amounts[g] + pad)[:MAX_YEARS]
            yield (id_of[unit_index], g - first_of[unit_index], m.ledger_ids[g], *amounts)


def _voucher_plan_rows(plan: CityPlan) -> Iterator[tuple[Any, ...]]:
    v, units = plan.vouchers, plan.units
    unit_ids = [units[u].id for u in v.unit]
    banks = [units[u].bank.ledger_account_id for u in v.unit]
    codes = [units[u].bank.gl_code for u in v.unit]
    sizes = (hi - lo + 1 for lo, hi in zip(v.lo, v.hi, strict=True))
    firsts = list(accumulate(sizes, initial=plan.inputs.next_id["posting"]))[:-1]
    return zip(v.ids, firsts, unit_ids, v.lo, v.hi, v.year, v.value_date, banks, codes, v.total, strict=True)


def _posting_columns(bank_side: bool) -> tuple[list[str], list[Any]]:
    v, mp = voucher_plan, member_plan
    columns = ["id", "voucher_id", "line_no", "ledger_account_id", "gl_code", "side", "amount_fen"]
    columns += ["business_type", "value_date"]
    if bank_side:
        values: list[Any] = [
            v.c.first_posting_id, v.c.voucher_id, literal(1), v.c.bank_account_id, v.c.bank_gl_code,
            literal("D"), v.c.total_fen, null(), v.c.value_date,
        ]  # fmt: skip
        buckets: list[Any] = [null(), null()]
    else:
        amount = case({k: mp.c[f"amount_{k}"] for k in range(MAX_YEARS)}, value=v.c.year)
        line = mp.c.pos - v.c.lo + 2
        values = [
            v.c.first_posting_id + line - 1, v.c.voucher_id, line, mp.c.ledger_account_id,
            literal(GL.MEMBER_DEPOSITS), literal("C"), amount, literal(BusinessType.REMITTANCE),
            v.c.value_date,
        ]  # fmt: skip
        buckets = [amount, literal(0)]  # a remittance is all current-year collections (当年归集)
    if HAS_BUCKETS:
        columns += ["current_year_fen", "carried_fen"]
        values += buckets
    return columns, values


def _insert_postings(conn: Connection) -> None:
    v, mp = voucher_plan, member_plan
    columns, values = _posting_columns(bank_side=True)
    conn.execute(insert(posting).from_select(columns, select(*values)))
    columns, values = _posting_columns(bank_side=False)
    joined = v.join(mp, and_(mp.c.unit_id == v.c.unit_id, mp.c.pos >= v.c.lo, mp.c.pos < v.c.hi))
    conn.execute(insert(posting).from_select(columns, select(*values).select_from(joined)))


def _bank_and_gl(conn: Connection, plan: CityPlan) -> None:
    """Opening balances and debits of the collection accounts; the GL balances of 201 and 101xx."""
    m, units = plan.members, plan.units
    opening: dict[int, int] = defaultdict(int)
    for g in range(len(m)):
        opening[units[m.unit[g]].bank.ledger_account_id] += m.opening[g]
    debits: dict[int, int] = defaultdict(int)
    for unit_index, total in zip(plan.vouchers.unit, plan.vouchers.total, strict=True):
        debits[units[unit_index].bank.ledger_account_id] += total
    for bank in plan.inputs.banks:
        o, d = opening[bank.ledger_account_id], debits[bank.ledger_account_id]
        if not (o or d):
            continue
        la = ledger_account
        conn.execute(
            update(la)
            .where(la.c.id == bank.ledger_account_id)
            .values(opening_balance_fen=la.c.opening_balance_fen + o, balance_fen=la.c.balance_fen + o + d)
        )
        _gl(conn, bank.gl_code, balance=o + d, debit=d, credit=0)
    credits = sum(plan.vouchers.total)
    _gl(conn, GL.MEMBER_DEPOSITS, balance=sum(m.balance), debit=0, credit=credits)


def _gl(conn: Connection, code: str, *, balance: int, debit: int, credit: int) -> None:
    g = gl_balance
    conn.execute(
        update(g)
        .where(g.c.gl_code == code)
        .values(
            balance_fen=g.c.balance_fen + balance,
            debit_fen=g.c.debit_fen + debit,
            credit_fen=g.c.credit_fen + credit,
        )
    )


def _advance_sequences(conn: Connection, plan: CityPlan) -> None:
    inp = plan.inputs
    used = {
        UnitAccountNo.SEQUENCE: inp.next_seq["unit_account_no"] + len(plan.units) - 1,
        MemberAccountNo.SEQUENCE: inp.next_seq["member_account_no"] + len(plan.members) - 1,
        LedgerAccountNo.SEQUENCE: inp.next_seq["ledger_account_no"] + len(plan.units) + len(plan.members) - 1,
        VoucherNo.SEQUENCE: inp.next_seq["voucher_no"] + len(plan.vouchers) - 1,
    }
    s = number_sequence
    for name, last in used.items():
        found = conn.execute(select(s.c.last_value).where(s.c.name == name)).scalar()
        if found is None:
            conn.execute(insert(s).values(name=name, last_value=last))
        elif int(found) < last:
            conn.execute(update(s).where(s.c.name == name).values(last_value=last))


def load_city(
    engine: Engine,
    plan: CityPlan,
    handlers: Iterator[Sealed],
    people: Iterator[Sealed],
    *,
    progress: Callable[[str], None] | None = None,
) -> LoadResult:
    """Write the plan in one transaction; on PostgreSQL in bulk-load mode (see bulk.py).

    `handlers` and `people` are the sealed phones of the units' handlers and the sealed ID numbers
    and phones of the people, in plan order (pii.Sealer: sealed while the plan was drawn)."""
    result = LoadResult()
    phases = _Phases(result, progress)
    with engine.begin() as conn:
        writer = bulk.Writer(conn)
        state = bulk.begin_bulk(conn, BULK_TABLES, TRIGGER_TABLES, KEY_TABLES) if writer.pg else None
        phases.done("准备（去掉索引与约束）" if writer.pg else "准备")
        _write_ledger(conn, writer, plan, phases)
        phases.done("单位", writer.rows(unit, _UNIT_COLUMNS, _unit_rows(plan, handlers)))
        written = writer.rows(member, _MEMBER_COLUMNS, _member_rows(plan, people))
        phases.done("个人（加密证件号码与手机号码）", written)
        phases.done("个人账户", writer.rows(member_account, _ACCOUNT_COLUMNS, _account_rows(plan)))
        phases.done("任职记录", writer.rows(employment, _EMPLOYMENT_COLUMNS, _employment_rows(plan)))
        _bank_and_gl(conn, plan)
        _advance_sequences(conn, plan)
        phases.done("银行存款、总账余额与编号序列")
        if state is not None:
            bulk.end_bulk(conn, state)
            phases.done("重建索引与外键（逐行复核）")
            if len(plan.vouchers):
                bulk.verify_vouchers(conn, plan.vouchers.ids[0], plan.vouchers.ids[-1])
            phases.done("复核凭证（借贷平衡、分录编号）")
            bulk.reset_id_sequences(conn, EXPLICIT_ID_TABLES)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE " + ", ".join(BULK_TABLES))
        phases.done("统计信息（ANALYZE）")
    return result


def _write_ledger(conn: Connection, writer: bulk.Writer, plan: CityPlan, phases: _Phases) -> None:
    phases.done("明细账户", writer.rows(ledger_account, _LEDGER_COLUMNS, _ledger_rows(plan)))
    phases.done("记账凭证", writer.rows(voucher, _VOUCHER_COLUMNS, _voucher_rows(plan)))
    member_plan.create(conn)
    voucher_plan.create(conn)
    planned = writer.rows(member_plan, [c.name for c in member_plan.c], _member_plan_rows(plan))
    planned += writer.rows(voucher_plan, [c.name for c in voucher_plan.c], _voucher_plan_rows(plan))
    if writer.pg:
        conn.execute(text("ANALYZE city_member_plan, city_voucher_plan"))
    phases.done("装载计划（临时表）", planned)
    _insert_postings(conn)
    phases.done("分录（服务器端 INSERT … SELECT）", plan.postings)
    if not writer.pg:
        member_plan.drop(conn)
        voucher_plan.drop(conn)


def first_free_ids(conn: Connection) -> dict[str, int]:
    """The next id of each table the loader writes with explicit ids."""
    tables = {"unit": unit, "member": member, "member_account": member_account}
    tables |= {"ledger_account": ledger_account, "voucher": voucher, "posting": posting}
    found = {}
    for name, table in tables.items():
        top = conn.execute(select(table.c.id).order_by(table.c.id.desc()).limit(1)).scalar()
        found[name] = int(top or 0) + 1
    return found


def first_free_sequences(conn: Connection) -> dict[str, int]:
    names = {
        "unit_account_no": UnitAccountNo.SEQUENCE,
        "member_account_no": MemberAccountNo.SEQUENCE,
        "ledger_account_no": LedgerAccountNo.SEQUENCE,
        "voucher_no": VoucherNo.SEQUENCE,
    }
    found = {}
    s = number_sequence
    for key, name in names.items():
        last = conn.execute(select(s.c.last_value).where(s.c.name == name)).scalar()
        found[key] = int(last or 0) + 1
    return found


def unit_count(conn: Connection) -> int:
    return int(conn.execute(text("SELECT count(*) FROM unit")).scalar_one())
