"""Set-based creation of many member accounts in one unit (for benchmarks and large tests).

Opening 50,000 accounts through the counter service would take minutes (each is a case, an
audit line, a ledger account); a benchmark of the roster upload needs them in seconds. This
writes the same rows the counter writes — person (ID SM4-encrypted with its blind index), GL 201
sub-ledger account, member account, employment — with multi-row inserts and sequence ranges
reserved in one statement each. It bypasses the business checks on purpose: use it only on a
fresh unit of a test or benchmark database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from anju.adapters.crypto.fields import RESIDENT_ID, seal
from anju.adapters.db.repositories.common import insert_if_absent
from anju.adapters.db.tables.collection import employment, member, member_account, unit
from anju.adapters.db.tables.common import number_sequence
from anju.adapters.db.tables.ledger import ledger_account
from anju.bootstrap import Container
from anju.domain.contributions import contribution_parts
from anju.ids import LedgerAccountNo, MemberAccountNo, make_resident_id
from anju.ledger.chart import AccountKind
from anju.ledger.posting_rules import GL
from anju.money import Money, Rate
from anju.services.collection import today

CHUNK = 5000


@dataclass(frozen=True)
class BulkMember:
    account_no: str
    name: str
    resident_id: str  # full, for filling in test sheets
    wage_base: Money
    unit_part: Money
    member_part: Money


def bulk_resident_id(k: int, region: str = "410105") -> str:
    """A valid, distinct ID number for each k < 36,500,000 (a birth date per 1,000)."""
    born = date(1960, 1, 1) + timedelta(days=k // 1000)
    return make_resident_id(f"{region}{born:%Y%m%d}{k % 1000:03d}").reveal()


def _reserve(conn: Any, name: str, count: int) -> int:
    """Take `count` values of a sequence at once; the first of them."""
    insert_if_absent(conn, number_sequence, {"name": name, "last_value": 0})
    last = conn.execute(
        update(number_sequence)
        .where(number_sequence.c.name == name)
        .values(last_value=number_sequence.c.last_value + count)
        .returning(number_sequence.c.last_value)
    ).scalar_one()
    return int(last) - count + 1


def _chunks(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [rows[i : i + CHUNK] for i in range(0, len(rows), CHUNK)]


def bulk_members(
    container: Container,
    unit_account_no: str,
    count: int,
    *,
    first_k: int = 0,
    wages: tuple[Money, ...] = (Money.of("8000.00"), Money.of("6500.50"), Money.of("12000.00")),
) -> list[BulkMember]:
    """Open `count` normal (01) accounts in the unit at the business date, in one transaction."""
    centre = container.settings.centre_code
    crypto = container.crypto
    with container.uow() as uow:
        conn = uow.conn  # type: ignore[attr-defined]
        now = uow.now_utc()
        policy = today(uow).policy
        day = today(uow).day
        u = conn.execute(
            select(unit.c.id, unit.c.branch_id, unit.c.unit_ratio, unit.c.member_ratio).where(
                unit.c.unit_account_no == unit_account_no
            )
        ).one()
        unit_ratio, member_ratio = Rate(u.unit_ratio), Rate(u.member_ratio)
        ids = [bulk_resident_id(first_k + i) for i in range(count)]
        names = [f"批量职工{first_k + i}" for i in range(count)]
        people = []
        for rid, name in zip(ids, names, strict=True):
            enc, idx = seal(crypto, RESIDENT_ID, rid)
            born = date(int(rid[6:10]), int(rid[10:12]), int(rid[12:14]))
            people.append(
                {
                    "resident_id_enc": enc,
                    "resident_id_idx": idx,
                    "id_type": "01",
                    "name": name,
                    "gender": "1" if int(rid[16]) % 2 else "2",
                    "birth_date": born,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        member_ids: list[int] = []
        for chunk in _chunks(people):
            result = conn.execute(insert(member).returning(member.c.id, sort_by_parameter_order=True), chunk)
            member_ids += [int(r[0]) for r in result]

        first_ledger = _reserve(conn, LedgerAccountNo.SEQUENCE, count)
        first_account = _reserve(conn, MemberAccountNo.SEQUENCE, count)
        ledger_nos = [LedgerAccountNo.compose(centre, first_ledger + i).value for i in range(count)]
        account_nos = [MemberAccountNo.compose(centre, first_account + i).value for i in range(count)]
        ledgers = [
            {
                "account_no": ledger_nos[i],
                "gl_code": GL.MEMBER_DEPOSITS,
                "kind": AccountKind.MEMBER_DEPOSIT.value,
                "owner_type": "member",
                "owner_id": member_ids[i],
                "branch_id": u.branch_id,
                "floor_fen": 0,
                "balance_fen": 0,
                "opening_balance_fen": 0,
                "status": "open",
                "opened_on": day,
                **({"accrued_through": day} if "accrued_through" in ledger_account.c else {}),
            }
            for i in range(count)
        ]
        for chunk in _chunks(ledgers):
            conn.execute(insert(ledger_account), chunk)

        made: list[BulkMember] = []
        accounts = []
        for i in range(count):
            parts = contribution_parts(
                policy, wages[i % len(wages)], unit_ratio=unit_ratio, member_ratio=member_ratio
            )
            made.append(
                BulkMember(
                    account_nos[i], names[i], ids[i], parts.wage_base, parts.unit_part, parts.member_part
                )
            )
            accounts.append(
                {
                    "account_no": account_nos[i],
                    "member_id": member_ids[i],
                    "ledger_account_no": ledger_nos[i],
                    "unit_id": u.id,
                    "branch_id": u.branch_id,
                    "status": "01",
                    "wage_base_fen": parts.wage_base.fen,
                    "unit_monthly_fen": parts.unit_part.fen,
                    "member_monthly_fen": parts.member_part.fen,
                    "opened_on": day,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        account_ids: list[int] = []
        for chunk in _chunks(accounts):
            result = conn.execute(
                insert(member_account).returning(member_account.c.id, sort_by_parameter_order=True), chunk
            )
            account_ids += [int(r[0]) for r in result]
        jobs = [
            {"member_account_id": a, "unit_id": u.id, "started_on": day, "start_event": "open"}
            for a in account_ids
        ]
        for chunk in _chunks(jobs):
            conn.execute(insert(employment), chunk)
        uow.commit()
    return made
