"""Set-based reads and writes behind roster uploads and unit-wide contribution changes.

A 50,000-member unit is read in one query and written in chunked multi-row statements: on
PostgreSQL `UPDATE ... FROM (VALUES ...)`, on SQLite an executemany of one prepared UPDATE (its
in-process loop is as fast as a VALUES join, and SQLite cannot name a VALUES alias's columns).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, Final, TypeVar

from sqlalchemy import BigInteger, bindparam, column, delete, insert, select, update, values
from sqlalchemy.engine import Connection, Row

from anju.adapters.crypto.fields import RESIDENT_ID, unseal
from anju.adapters.db.tables.adjustments import contribution_change, contribution_change_line
from anju.adapters.db.tables.collection import member, member_account
from anju.adapters.db.tables.remittance import roster_line
from anju.adapters.db.unit_of_work import Deps, register
from anju.money import Money, Rate
from anju.services.ports import (
    ContributionChangeLine,
    ContributionChangeRecord,
    NewContributionChange,
    RosterExportRow,
    SheetLine,
    SheetMember,
)

T = TypeVar("T")
PG_CHUNK: Final = 5000  # 5 bound values per row: well under PostgreSQL's 65,535 per statement
INSERT_CHUNK: Final = 10_000


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _rate(value: Decimal | None) -> Rate | None:
    return None if value is None else Rate(Decimal(value))


class SqlSheetRepository:
    def __init__(self, conn: Connection, deps: Deps) -> None:
        self._conn = conn
        self._deps = deps

    # --- reads ---------------------------------------------------------------------------------

    def unit_members(self, unit_id: int) -> list[SheetMember]:
        ma, m = member_account, member
        query = (
            select(
                ma.c.id,
                ma.c.account_no,
                m.c.name,
                ma.c.status,
                m.c.resident_id_idx,
                ma.c.wage_base_fen,
                ma.c.unit_monthly_fen,
                ma.c.member_monthly_fen,
            )
            .join(m, m.c.id == ma.c.member_id)
            .where(ma.c.unit_id == unit_id)
            .order_by(ma.c.id)
        )
        return [
            SheetMember(
                id=int(r.id),
                account_no=r.account_no,
                name=r.name,
                status=r.status,
                resident_id_idx=r.resident_id_idx,
                wage_base=Money(int(r.wage_base_fen)),
                unit_monthly=Money(int(r.unit_monthly_fen)),
                member_monthly=Money(int(r.member_monthly_fen)),
            )
            for r in self._conn.execute(query)
        ]

    def roster_export_rows(self, roster_id: int) -> list[RosterExportRow]:
        ma, m, rl = member_account, member, roster_line
        query = (
            select(
                ma.c.account_no,
                m.c.name,
                m.c.resident_id_enc,
                rl.c.wage_base_fen,
                rl.c.unit_part_fen,
                rl.c.member_part_fen,
            )
            .join(ma, ma.c.id == rl.c.member_account_id)
            .join(m, m.c.id == ma.c.member_id)
            .where(rl.c.roster_id == roster_id)
            .order_by(ma.c.account_no)
        )
        crypto = self._deps.crypto
        return [
            RosterExportRow(
                account_no=r.account_no,
                name=r.name,
                resident_id=unseal(crypto, RESIDENT_ID, r.resident_id_enc),
                wage_base=Money(int(r.wage_base_fen)),
                unit_part=Money(int(r.unit_part_fen)),
                member_part=Money(int(r.member_part_fen)),
            )
            for r in self._conn.execute(query)
        ]

    def changes_of_unit(self, unit_id: int, *, limit: int) -> list[ContributionChangeRecord]:
        cc = contribution_change
        rows = self._conn.execute(
            select(cc).where(cc.c.unit_id == unit_id).order_by(cc.c.id.desc()).limit(limit)
        ).all()
        return [_change(r) for r in rows]

    def change_lines(self, change_id: int, *, limit: int) -> list[ContributionChangeLine]:
        cl = contribution_change_line
        rows = self._conn.execute(
            select(cl).where(cl.c.change_id == change_id).order_by(cl.c.id).limit(limit)
        ).all()
        return [
            ContributionChangeLine(
                member_account_id=int(r.member_account_id),
                declared=None if r.declared_fen is None else Money(int(r.declared_fen)),
                bound=r.bound,
                old=SheetLine(
                    int(r.member_account_id),
                    Money(int(r.old_wage_base_fen)),
                    Money(int(r.old_unit_monthly_fen)),
                    Money(int(r.old_member_monthly_fen)),
                ),
                new=SheetLine(
                    int(r.member_account_id),
                    Money(int(r.new_wage_base_fen)),
                    Money(int(r.new_unit_monthly_fen)),
                    Money(int(r.new_member_monthly_fen)),
                ),
            )
            for r in rows
        ]

    # --- writes --------------------------------------------------------------------------------

    def replace_roster_lines(self, roster_id: int, lines: list[SheetLine]) -> int:
        self._conn.execute(delete(roster_line).where(roster_line.c.roster_id == roster_id))
        rows = [
            {
                "roster_id": roster_id,
                "member_account_id": line.member_account_id,
                "wage_base_fen": line.wage_base.fen,
                "unit_part_fen": line.unit_part.fen,
                "member_part_fen": line.member_part.fen,
            }
            for line in lines
        ]
        for chunk in _chunks(rows, INSERT_CHUNK):
            self._conn.execute(insert(roster_line), list(chunk))
        return len(rows)

    def set_contributions(self, unit_id: int, lines: list[SheetLine], now: datetime) -> int:
        if not lines:
            return 0
        if self._conn.dialect.name == "postgresql":
            return sum(self._set_pg(unit_id, chunk, now) for chunk in _chunks(lines, PG_CHUNK))
        ma = member_account
        stmt = (
            update(ma)
            .where(ma.c.id == bindparam("b_id"), ma.c.unit_id == unit_id)
            .values(
                wage_base_fen=bindparam("b_base"),
                unit_monthly_fen=bindparam("b_unit"),
                member_monthly_fen=bindparam("b_member"),
                updated_at=now,
            )
        )
        params = [
            {
                "b_id": line.member_account_id,
                "b_base": line.wage_base.fen,
                "b_unit": line.unit_part.fen,
                "b_member": line.member_part.fen,
            }
            for line in lines
        ]
        result = self._conn.execute(stmt, params)
        return int(result.rowcount)

    def _set_pg(self, unit_id: int, lines: Sequence[SheetLine], now: datetime) -> int:
        ma = member_account
        new = values(
            column("id", BigInteger),
            column("base", BigInteger),
            column("unit_part", BigInteger),
            column("member_part", BigInteger),
            name="new_parts",
        ).data(
            [
                (line.member_account_id, line.wage_base.fen, line.unit_part.fen, line.member_part.fen)
                for line in lines
            ]
        )
        stmt = (
            update(ma)
            .where(ma.c.id == new.c.id, ma.c.unit_id == unit_id)
            .values(
                wage_base_fen=new.c.base,
                unit_monthly_fen=new.c.unit_part,
                member_monthly_fen=new.c.member_part,
                updated_at=now,
            )
            .returning(ma.c.id)
        )
        return len(self._conn.execute(stmt).all())

    def insert_change(
        self, change: NewContributionChange, lines: list[ContributionChangeLine], now: datetime
    ) -> int:
        cc = contribution_change
        change_id = self._conn.execute(
            insert(cc)
            .values(
                case_no=change.case_no,
                unit_id=change.unit_id,
                kind=change.kind,
                effective_month=change.effective_month,
                contribution_year=change.contribution_year,
                old_unit_ratio=_decimal(change.old_unit_ratio),
                old_member_ratio=_decimal(change.old_member_ratio),
                new_unit_ratio=_decimal(change.new_unit_ratio),
                new_member_ratio=_decimal(change.new_member_ratio),
                headcount=change.headcount,
                file_sm3=change.file_sm3,
                created_by=change.created_by,
                created_at=now,
            )
            .returning(cc.c.id)
        ).scalar_one()
        rows: list[dict[str, Any]] = [
            {
                "change_id": change_id,
                "member_account_id": line.member_account_id,
                "declared_fen": None if line.declared is None else line.declared.fen,
                "bound": line.bound,
                "old_wage_base_fen": line.old.wage_base.fen,
                "new_wage_base_fen": line.new.wage_base.fen,
                "old_unit_monthly_fen": line.old.unit_part.fen,
                "new_unit_monthly_fen": line.new.unit_part.fen,
                "old_member_monthly_fen": line.old.member_part.fen,
                "new_member_monthly_fen": line.new.member_part.fen,
            }
            for line in lines
        ]
        for chunk in _chunks(rows, INSERT_CHUNK):
            self._conn.execute(insert(contribution_change_line), list(chunk))
        return int(change_id)


def _decimal(rate: Rate | None) -> Decimal | None:
    return None if rate is None else rate.value


def _change(r: Row[Any]) -> ContributionChangeRecord:
    return ContributionChangeRecord(
        id=int(r.id),
        case_no=r.case_no,
        unit_id=int(r.unit_id),
        kind=r.kind,
        effective_month=r.effective_month,
        contribution_year=None if r.contribution_year is None else int(r.contribution_year),
        old_unit_ratio=_rate(r.old_unit_ratio),
        old_member_ratio=_rate(r.old_member_ratio),
        new_unit_ratio=_rate(r.new_unit_ratio),
        new_member_ratio=_rate(r.new_member_ratio),
        headcount=int(r.headcount),
        file_sm3=r.file_sm3,
        created_by=r.created_by,
        created_at=r.created_at,
    )


register("sheets", SqlSheetRepository)
