"""Rosters, unit payments, deferrals, arrears notices and suspense refunds on SQLite and PostgreSQL.

Bulk work is set-based: a roster's lines come from one INSERT ... SELECT over the unit's member
accounts (priced by SQL integer arithmetic when a ratio reduction applies), its totals from one
UPDATE, and members' paid-up-to months move with one UPDATE per month. State changes are
conditional UPDATEs that say whether they won, so concurrent confirmations or payments of one
roster cannot both take effect.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import BigInteger, and_, case, delete, func, insert, literal, or_, select, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql import Select

from anju.adapters.db.repositories.common import insert_if_absent, insert_on_unique
from anju.adapters.db.tables.collection import member, member_account, unit
from anju.adapters.db.tables.org import centre_bank_account
from anju.adapters.db.tables.remittance import (
    arrears_notice,
    deferral,
    roster,
    roster_line,
    suspense_refund,
    unit_payment,
)
from anju.adapters.db.unit_of_work import Deps, register
from anju.money import Money, Rate
from anju.services.ports import (
    ArrearsCandidate,
    ArrearsNoticeRecord,
    DeferralRecord,
    NewRoster,
    NewUnitPayment,
    ReducedParts,
    RosterLineRecord,
    RosterMemberAccount,
    RosterRecord,
    SuspenseRefundRecord,
    UnitPaymentRecord,
)

T = TypeVar("T")
IN_CHUNK = 5000
PAID = "paid"


def _chunks(items: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _rate(value: Any) -> Rate:
    # Numeric comes back as Decimal on PostgreSQL; SQLite stores REAL, so re-quantise to 4 places.
    return Rate(Decimal(str(value)).quantize(Decimal("0.0001")))


def _opt_rate(value: Any) -> Rate | None:
    return None if value is None else _rate(value)


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _roster(row: Row[Any]) -> RosterRecord:
    m = row._mapping
    return RosterRecord(
        id=int(m["id"]),
        unit_id=int(m["unit_id"]),
        unit_account_no=m["unit_account_no"],
        unit_name=m["unit_name"],
        month=m["month"],
        kind=m["kind"],
        state=m["state"],
        reason=m["reason"],
        unit_ratio=_rate(m["unit_ratio"]),
        member_ratio=_rate(m["member_ratio"]),
        headcount=int(m["headcount"]),
        unit_total=Money(int(m["unit_total_fen"])),
        member_total=Money(int(m["member_total_fen"])),
        total=Money(int(m["total_fen"])),
        created_by=m["created_by"],
        created_at=m["created_at"],
        confirmed_by=m["confirmed_by"],
        confirmed_at=m["confirmed_at"],
        paid_voucher_no=m["paid_voucher_no"],
        paid_on=m["paid_on"],
        case_no=m["case_no"],
    )


def _payment(row: Row[Any]) -> UnitPaymentRecord:
    m = row._mapping
    return UnitPaymentRecord(
        id=int(m["id"]),
        unit_id=int(m["unit_id"]),
        unit_account_no=m["unit_account_no"],
        amount=Money(int(m["amount_fen"])),
        serial_no=m["serial_no"],
        centre_bank_account_id=int(m["centre_bank_account_id"]),
        centre_bank_account_no=m["centre_bank_account_no"],
        received_on=m["received_on"],
        value_date=m["value_date"],
        state=m["state"],
        roster_id=None if m["roster_id"] is None else int(m["roster_id"]),
        roster_month=m["roster_month"],
        voucher_no=m["voucher_no"],
        remaining=Money(int(m["remaining_fen"])),
        channel=m["channel"],
        created_by=m["created_by"],
        created_at=m["created_at"],
    )


def _deferral(row: Row[Any]) -> DeferralRecord:
    m = row._mapping
    return DeferralRecord(
        id=int(m["id"]),
        unit_id=int(m["unit_id"]),
        unit_account_no=m["unit_account_no"],
        unit_name=m["unit_name"],
        kind=m["kind"],
        start_month=m["start_month"],
        end_month=m["end_month"],
        approved_unit_ratio=_opt_rate(m["approved_unit_ratio"]),
        approved_member_ratio=_opt_rate(m["approved_member_ratio"]),
        approving_body=m["approving_body"],
        document_no=m["document_no"],
        state=m["state"],
        case_no=m["case_no"],
        created_by=m["created_by"],
        created_at=m["created_at"],
        ended_on=m["ended_on"],
    )


def _notice(row: Row[Any]) -> ArrearsNoticeRecord:
    m = row._mapping
    return ArrearsNoticeRecord(
        id=int(m["id"]),
        notice_no=m["notice_no"],
        unit_id=int(m["unit_id"]),
        unit_account_no=m["unit_account_no"],
        unit_name=m["unit_name"],
        kind=m["kind"],
        issued_on=m["issued_on"],
        deadline=m["deadline"],
        first_month=m["first_month"],
        last_month=m["last_month"],
        months_owed=int(m["months_owed"]),
        amount=Money(int(m["amount_fen"])),
        previous_notice_no=m["previous_notice_no"],
        case_no=m["case_no"],
        created_by=m["created_by"],
        created_at=m["created_at"],
    )


def _refund(row: Row[Any]) -> SuspenseRefundRecord:
    m = row._mapping
    return SuspenseRefundRecord(
        id=int(m["id"]),
        unit_id=int(m["unit_id"]),
        amount=Money(int(m["amount_fen"])),
        reason=m["reason"],
        payee_name=m["payee_name"],
        payee_account_no=m["payee_account_no"],
        voucher_no=m["voucher_no"],
        state=m["state"],
        case_no=m["case_no"],
        created_by=m["created_by"],
        created_at=m["created_at"],
    )


class SqlRemittanceRepository:
    def __init__(self, conn: Connection, deps: Deps) -> None:
        self._conn = conn
        self._deps = deps
        self._pg = conn.dialect.name == "postgresql"

    # --- rosters --------------------------------------------------------------------------------

    @staticmethod
    def _roster_query() -> Select[Any]:
        return select(
            roster,
            unit.c.unit_account_no.label("unit_account_no"),
            unit.c.name.label("unit_name"),
        ).join(unit, unit.c.id == roster.c.unit_id)

    def roster(self, roster_id: int, *, for_update: bool = False) -> RosterRecord | None:
        query = self._roster_query().where(roster.c.id == roster_id)
        if for_update:
            query = query.with_for_update(of=roster)
        row = self._conn.execute(query).first()
        return None if row is None else _roster(row)

    def rosters_of_month(self, unit_id: int, month: str) -> list[RosterRecord]:
        query = self._roster_query().where(roster.c.unit_id == unit_id, roster.c.month == month)
        return [_roster(row) for row in self._conn.execute(query.order_by(roster.c.kind))]

    def rosters_of_unit(self, unit_id: int, *, limit: int, offset: int) -> list[RosterRecord]:
        query = (
            self._roster_query()
            .where(roster.c.unit_id == unit_id)
            .order_by(roster.c.month.desc(), roster.c.kind, roster.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return [_roster(row) for row in self._conn.execute(query)]

    @staticmethod
    def _new_values(new: NewRoster, now: datetime) -> dict[str, Any]:
        return {
            "unit_id": new.unit_id,
            "month": new.month,
            "kind": new.kind,
            "state": "draft",
            "reason": new.reason,
            "unit_ratio": new.unit_ratio.value,
            "member_ratio": new.member_ratio.value,
            "headcount": 0,
            "unit_total_fen": 0,
            "member_total_fen": 0,
            "total_fen": 0,
            "created_by": new.created_by,
            "created_at": now,
            "confirmed_by": None,
            "confirmed_at": None,
            "paid_voucher_no": None,
            "paid_on": None,
            "case_no": new.case_no,
        }

    def insert_roster(self, new: NewRoster, now: datetime) -> int | None:
        values = self._new_values(new, now)
        if not insert_if_absent(self._conn, roster, values):
            return None
        row = self._conn.execute(
            select(roster.c.id).where(
                roster.c.unit_id == new.unit_id, roster.c.month == new.month, roster.c.kind == new.kind
            )
        ).one()
        return int(row[0])

    def reset_roster(self, roster_id: int, new: NewRoster, now: datetime) -> bool:
        values = self._new_values(new, now)
        done = self._conn.execute(
            update(roster)
            .where(roster.c.id == roster_id, roster.c.state == "cancelled")
            .values(**values)
            .returning(roster.c.id)
        ).first()
        if done is None:
            return False
        self._conn.execute(delete(roster_line).where(roster_line.c.roster_id == roster_id))
        return True

    def fill_roster(
        self,
        roster_id: int,
        unit_id: int,
        member_states: tuple[str, ...],
        reduced: ReducedParts | None,
        *,
        exclude_paid: bool = False,
    ) -> int:
        ma = member_account
        if reduced is None:
            unit_part: Any = ma.c.unit_monthly_fen
            member_part: Any = ma.c.member_monthly_fen
        else:
            unit_part = self._priced(reduced.unit_units, reduced)
            member_part = self._priced(reduced.member_units, reduced)
        source = (
            select(
                literal(roster_id, BigInteger),
                ma.c.id,
                ma.c.wage_base_fen,
                unit_part,
                member_part,
            )
            .where(ma.c.unit_id == unit_id, ma.c.status.in_(member_states), ma.c.wage_base_fen > 0)
            .order_by(ma.c.id)
        )
        if exclude_paid:
            month = select(roster.c.month).where(roster.c.id == roster_id).scalar_subquery()
            source = source.where(ma.c.id.not_in(self._paid_members(unit_id, month)))
        self._conn.execute(
            insert(roster_line).from_select(
                ["roster_id", "member_account_id", "wage_base_fen", "unit_part_fen", "member_part_fen"],
                source,
            )
        )
        count = self._conn.execute(
            select(func.count()).select_from(roster_line).where(roster_line.c.roster_id == roster_id)
        ).scalar_one()
        return int(count)

    @staticmethod
    def _paid_members(unit_id: int, month: Any) -> Select[Any]:
        return (
            select(roster_line.c.member_account_id)
            .join(roster, roster.c.id == roster_line.c.roster_id)
            .where(roster.c.unit_id == unit_id, roster.c.month == month, roster.c.state == PAID)
        )

    def member_paid_for_month(self, unit_id: int, month: str, member_account_id: int) -> bool:
        query = self._paid_members(unit_id, month).where(roster_line.c.member_account_id == member_account_id)
        return self._conn.execute(query.limit(1)).first() is not None

    @staticmethod
    def _priced(units: int, reduced: ReducedParts) -> Any:
        base = member_account.c.wage_base_fen
        # Integer division on both databases (operands are integers and never negative).
        return (
            (base * literal(units, BigInteger) + literal(reduced.offset, BigInteger))
            // literal(reduced.divisor, BigInteger)
        ) * literal(reduced.multiplier, BigInteger)

    def refresh_totals(self, roster_id: int) -> None:
        rl = roster_line
        mine = rl.c.roster_id == roster_id
        self._conn.execute(
            update(roster)
            .where(roster.c.id == roster_id)
            .values(
                headcount=select(func.count()).select_from(rl).where(mine).scalar_subquery(),
                unit_total_fen=select(func.coalesce(func.sum(rl.c.unit_part_fen), 0))
                .where(mine)
                .scalar_subquery(),
                member_total_fen=select(func.coalesce(func.sum(rl.c.member_part_fen), 0))
                .where(mine)
                .scalar_subquery(),
                total_fen=select(func.coalesce(func.sum(rl.c.unit_part_fen + rl.c.member_part_fen), 0))
                .where(mine)
                .scalar_subquery(),
            )
        )

    def _lines_query(self, roster_id: int) -> Select[Any]:
        return (
            select(
                roster_line.c.member_account_id,
                member_account.c.account_no,
                member.c.name,
                roster_line.c.wage_base_fen,
                roster_line.c.unit_part_fen,
                roster_line.c.member_part_fen,
            )
            .join(member_account, member_account.c.id == roster_line.c.member_account_id)
            .join(member, member.c.id == member_account.c.member_id)
            .where(roster_line.c.roster_id == roster_id)
        )

    @staticmethod
    def _line(row: Row[Any]) -> RosterLineRecord:
        return RosterLineRecord(
            member_account_id=int(row.member_account_id),
            member_account_no=row.account_no,
            member_name=row.name,
            wage_base=Money(int(row.wage_base_fen)),
            unit_part=Money(int(row.unit_part_fen)),
            member_part=Money(int(row.member_part_fen)),
        )

    def roster_lines(self, roster_id: int, *, limit: int, offset: int) -> list[RosterLineRecord]:
        query = self._lines_query(roster_id).order_by(roster_line.c.id).limit(limit).offset(offset)
        return [self._line(row) for row in self._conn.execute(query)]

    def roster_line(self, roster_id: int, member_account_id: int) -> RosterLineRecord | None:
        query = self._lines_query(roster_id).where(roster_line.c.member_account_id == member_account_id)
        row = self._conn.execute(query).first()
        return None if row is None else self._line(row)

    def add_line(
        self, roster_id: int, member_account_id: int, wage_base: Money, unit_part: Money, member_part: Money
    ) -> bool:
        return insert_if_absent(
            self._conn,
            roster_line,
            {
                "roster_id": roster_id,
                "member_account_id": member_account_id,
                "wage_base_fen": wage_base.fen,
                "unit_part_fen": unit_part.fen,
                "member_part_fen": member_part.fen,
            },
        )

    def update_line(
        self, roster_id: int, member_account_id: int, wage_base: Money, unit_part: Money, member_part: Money
    ) -> bool:
        row = self._conn.execute(
            update(roster_line)
            .where(roster_line.c.roster_id == roster_id, roster_line.c.member_account_id == member_account_id)
            .values(wage_base_fen=wage_base.fen, unit_part_fen=unit_part.fen, member_part_fen=member_part.fen)
            .returning(roster_line.c.id)
        ).first()
        return row is not None

    def remove_line(self, roster_id: int, member_account_id: int) -> bool:
        row = self._conn.execute(
            delete(roster_line)
            .where(roster_line.c.roster_id == roster_id, roster_line.c.member_account_id == member_account_id)
            .returning(roster_line.c.id)
        ).first()
        return row is not None

    def set_roster_state(
        self, roster_id: int, from_state: str, to_state: str, values: Mapping[str, Any], now: datetime
    ) -> bool:
        row = self._conn.execute(
            update(roster)
            .where(roster.c.id == roster_id, roster.c.state == from_state)
            .values(state=to_state, **values)
            .returning(roster.c.id)
        ).first()
        return row is not None

    def confirmed_rosters(self, unit_id: int) -> list[RosterRecord]:
        query = (
            self._roster_query()
            .where(roster.c.unit_id == unit_id, roster.c.state == "confirmed")
            .order_by(roster.c.month, roster.c.kind, roster.c.id)
        )
        return [_roster(row) for row in self._conn.execute(query)]

    def roster_credits(self, roster_id: int) -> list[tuple[str, Money]]:
        amount = roster_line.c.unit_part_fen + roster_line.c.member_part_fen
        query = (
            select(member_account.c.ledger_account_no, amount.label("amount"))
            .join(member_account, member_account.c.id == roster_line.c.member_account_id)
            .where(roster_line.c.roster_id == roster_id, amount > 0)
            .order_by(roster_line.c.id)
        )
        return [(row[0], Money(int(row[1]))) for row in self._conn.execute(query)]

    def paid_months(self, unit_id: int, after: str | None) -> set[str]:
        query = select(roster.c.month).where(roster.c.unit_id == unit_id, roster.c.state == PAID)
        if after is not None:
            query = query.where(roster.c.month > after)
        return {row[0] for row in self._conn.execute(query)}

    def paid_months_of_units(self, unit_ids: list[int]) -> dict[int, set[str]]:
        found: dict[int, set[str]] = defaultdict(set)
        for chunk in _chunks(sorted(set(unit_ids))):
            query = (
                select(roster.c.unit_id, roster.c.month)
                .join(unit, unit.c.id == roster.c.unit_id)
                .where(
                    roster.c.unit_id.in_(chunk),
                    roster.c.state == PAID,
                    or_(unit.c.paid_up_to.is_(None), roster.c.month > unit.c.paid_up_to),
                )
            )
            for row in self._conn.execute(query):
                found[int(row[0])].add(row[1])
        return dict(found)

    def advance_member_paid_up_to(self, unit_id: int, month: str, previous: str, *, allow_unset: bool) -> int:
        on_paid_roster = self._paid_members(unit_id, month)
        condition = member_account.c.paid_up_to == previous
        if allow_unset:
            condition = or_(condition, member_account.c.paid_up_to.is_(None))
        result = self._conn.execute(
            update(member_account)
            .where(member_account.c.id.in_(on_paid_roster), condition)
            .values(paid_up_to=month, updated_at=self._deps.clock.now_utc())
        )
        return int(result.rowcount or 0)

    def member_account(self, account_no: str) -> RosterMemberAccount | None:
        ma = member_account
        row = self._conn.execute(
            select(
                ma.c.id,
                ma.c.account_no,
                ma.c.unit_id,
                ma.c.status,
                ma.c.wage_base_fen,
                ma.c.unit_monthly_fen,
                ma.c.member_monthly_fen,
            ).where(ma.c.account_no == account_no)
        ).first()
        if row is None:
            return None
        return RosterMemberAccount(
            id=int(row.id),
            account_no=row.account_no,
            unit_id=None if row.unit_id is None else int(row.unit_id),
            status=row.status,
            wage_base=Money(int(row.wage_base_fen)),
            unit_monthly=Money(int(row.unit_monthly_fen)),
            member_monthly=Money(int(row.member_monthly_fen)),
        )

    # --- payments and suspense --------------------------------------------------------------------

    @staticmethod
    def _payment_query() -> Select[Any]:
        return (
            select(
                unit_payment,
                unit.c.unit_account_no.label("unit_account_no"),
                centre_bank_account.c.account_no.label("centre_bank_account_no"),
                roster.c.month.label("roster_month"),
            )
            .join(unit, unit.c.id == unit_payment.c.unit_id)
            .join(centre_bank_account, centre_bank_account.c.id == unit_payment.c.centre_bank_account_id)
            .outerjoin(roster, roster.c.id == unit_payment.c.roster_id)
        )

    def payment_by_serial(self, serial_no: str) -> UnitPaymentRecord | None:
        row = self._conn.execute(self._payment_query().where(unit_payment.c.serial_no == serial_no)).first()
        return None if row is None else _payment(row)

    def insert_payment(self, payment: NewUnitPayment, now: datetime) -> int | None:
        return insert_on_unique(
            self._conn,
            unit_payment,
            {
                "unit_id": payment.unit_id,
                "amount_fen": payment.amount.fen,
                "serial_no": payment.serial_no,
                "centre_bank_account_id": payment.centre_bank_account_id,
                "received_on": payment.received_on,
                "value_date": payment.value_date,
                "state": payment.state,
                "roster_id": None,
                "voucher_no": None,
                "remaining_fen": payment.remaining.fen,
                "channel": payment.channel,
                "created_by": payment.created_by,
                "created_at": now,
            },
            "serial_no",
        )

    def update_payment(self, payment_id: int, values: Mapping[str, Any]) -> None:
        self._conn.execute(update(unit_payment).where(unit_payment.c.id == payment_id).values(**values))

    def payments_of_unit(self, unit_id: int, *, limit: int) -> list[UnitPaymentRecord]:
        query = (
            self._payment_query()
            .where(unit_payment.c.unit_id == unit_id)
            .order_by(unit_payment.c.id.desc())
            .limit(limit)
        )
        return [_payment(row) for row in self._conn.execute(query)]

    def open_suspense_payments(self, unit_id: int) -> list[UnitPaymentRecord]:
        query = (
            self._payment_query()
            .where(unit_payment.c.unit_id == unit_id, unit_payment.c.remaining_fen > 0)
            .order_by(unit_payment.c.id)
        )
        return [_payment(row) for row in self._conn.execute(query)]

    def insert_refund(
        self,
        *,
        unit_id: int,
        amount: Money,
        reason: str,
        payee_name: str,
        payee_account_no: str,
        voucher_no: str,
        case_no: str | None,
        created_by: str,
        now: datetime,
    ) -> SuspenseRefundRecord:
        refund_id = self._conn.execute(
            insert(suspense_refund)
            .values(
                unit_id=unit_id,
                amount_fen=amount.fen,
                reason=reason,
                payee_name=payee_name,
                payee_account_no=payee_account_no,
                voucher_no=voucher_no,
                state="pending",
                case_no=case_no,
                created_by=created_by,
                created_at=now,
            )
            .returning(suspense_refund.c.id)
        ).scalar_one()
        row = self._conn.execute(select(suspense_refund).where(suspense_refund.c.id == refund_id)).one()
        return _refund(row)

    def refunds_of_unit(self, unit_id: int) -> list[SuspenseRefundRecord]:
        query = (
            select(suspense_refund).where(suspense_refund.c.unit_id == unit_id).order_by(suspense_refund.c.id)
        )
        return [_refund(row) for row in self._conn.execute(query)]

    # --- deferrals ------------------------------------------------------------------------------

    @staticmethod
    def _deferral_query() -> Select[Any]:
        return select(
            deferral,
            unit.c.unit_account_no.label("unit_account_no"),
            unit.c.name.label("unit_name"),
        ).join(unit, unit.c.id == deferral.c.unit_id)

    def insert_deferral(
        self,
        *,
        unit_id: int,
        kind: str,
        start_month: str,
        end_month: str,
        unit_ratio: Rate | None,
        member_ratio: Rate | None,
        approving_body: str,
        document_no: str,
        case_no: str,
        created_by: str,
        now: datetime,
    ) -> int:
        return int(
            self._conn.execute(
                insert(deferral)
                .values(
                    unit_id=unit_id,
                    kind=kind,
                    start_month=start_month,
                    end_month=end_month,
                    approved_unit_ratio=None if unit_ratio is None else unit_ratio.value,
                    approved_member_ratio=None if member_ratio is None else member_ratio.value,
                    approving_body=approving_body,
                    document_no=document_no,
                    state="accepted",
                    case_no=case_no,
                    created_by=created_by,
                    created_at=now,
                    ended_on=None,
                )
                .returning(deferral.c.id)
            ).scalar_one()
        )

    def deferral(self, deferral_id: int, *, for_update: bool = False) -> DeferralRecord | None:
        query = self._deferral_query().where(deferral.c.id == deferral_id)
        if for_update:
            query = query.with_for_update(of=deferral)
        row = self._conn.execute(query).first()
        return None if row is None else _deferral(row)

    def deferrals(
        self, *, unit_id: int | None, states: tuple[str, ...] | None, limit: int, offset: int
    ) -> list[DeferralRecord]:
        query = self._deferral_query()
        if unit_id is not None:
            query = query.where(deferral.c.unit_id == unit_id)
        if states is not None:
            query = query.where(deferral.c.state.in_(states))
        query = query.order_by(deferral.c.id.desc()).limit(limit).offset(offset)
        return [_deferral(row) for row in self._conn.execute(query)]

    def set_deferral_state(
        self, deferral_id: int, from_states: tuple[str, ...], to_state: str, ended_on: date | None = None
    ) -> bool:
        values: dict[str, Any] = {"state": to_state}
        if ended_on is not None:
            values["ended_on"] = ended_on
        row = self._conn.execute(
            update(deferral)
            .where(deferral.c.id == deferral_id, deferral.c.state.in_(from_states))
            .values(**values)
            .returning(deferral.c.id)
        ).first()
        return row is not None

    def deferrals_to_move(self, current_month: str) -> list[DeferralRecord]:
        query = self._deferral_query().where(
            or_(
                and_(deferral.c.state == "approved", deferral.c.start_month <= current_month),
                and_(deferral.c.state.in_(("approved", "active")), deferral.c.end_month < current_month),
            )
        )
        return [_deferral(row) for row in self._conn.execute(query.order_by(deferral.c.id))]

    def active_deferrals_of_units(self, unit_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
        found: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for chunk in _chunks(sorted(set(unit_ids))):
            query = select(deferral.c.unit_id, deferral.c.start_month, deferral.c.end_month).where(
                deferral.c.unit_id.in_(chunk), deferral.c.kind == "deferral", deferral.c.state == "active"
            )
            for row in self._conn.execute(query):
                found[int(row[0])].append((row[1], row[2]))
        return dict(found)

    # --- arrears ----------------------------------------------------------------------------------

    def arrears_candidates(
        self,
        due_month_by_payday: Mapping[int, str],
        unit_states: tuple[str, ...],
        member_states: tuple[str, ...],
        *,
        branch_id: int | None = None,
        unit_id: int | None = None,
    ) -> list[ArrearsCandidate]:
        ma = member_account
        due = case(dict(due_month_by_payday), value=unit.c.payday, else_=min(due_month_by_payday.values()))
        of_unit = and_(ma.c.unit_id == unit.c.id, ma.c.status.in_(member_states))
        headcount = select(func.count()).select_from(ma).where(of_unit).scalar_subquery()
        monthly = (
            select(func.coalesce(func.sum(ma.c.unit_monthly_fen + ma.c.member_monthly_fen), 0))
            .where(of_unit)
            .scalar_subquery()
        )
        query = (
            select(
                unit.c.id,
                unit.c.unit_account_no,
                unit.c.name,
                unit.c.branch_id,
                unit.c.status,
                unit.c.payday,
                unit.c.opened_on,
                unit.c.paid_up_to,
                headcount.label("headcount"),
                monthly.label("monthly"),
            )
            .where(unit.c.status.in_(unit_states), or_(unit.c.paid_up_to.is_(None), unit.c.paid_up_to < due))
            .order_by(unit.c.unit_account_no)
        )
        if branch_id is not None:
            query = query.where(unit.c.branch_id == branch_id)
        if unit_id is not None:
            query = query.where(unit.c.id == unit_id)
        return [
            ArrearsCandidate(
                unit_id=int(row.id),
                unit_account_no=row.unit_account_no,
                name=row.name,
                branch_id=int(row.branch_id),
                status=row.status,
                payday=int(row.payday),
                opened_on=_day(row.opened_on),
                paid_up_to=row.paid_up_to,
                headcount=int(row.headcount),
                monthly_total=Money(int(row.monthly)),
            )
            for row in self._conn.execute(query)
        ]

    @staticmethod
    def _notice_query() -> Select[Any]:
        previous = arrears_notice.alias("previous")
        return (
            select(
                arrears_notice,
                unit.c.unit_account_no.label("unit_account_no"),
                unit.c.name.label("unit_name"),
                previous.c.notice_no.label("previous_notice_no"),
            )
            .join(unit, unit.c.id == arrears_notice.c.unit_id)
            .outerjoin(previous, previous.c.id == arrears_notice.c.previous_id)
        )

    def insert_notice(
        self,
        *,
        notice_no: str,
        unit_id: int,
        kind: str,
        issued_on: date,
        deadline: date | None,
        first_month: str,
        last_month: str,
        months_owed: int,
        amount: Money,
        previous_id: int | None,
        case_no: str | None,
        created_by: str,
        now: datetime,
    ) -> int:
        return int(
            self._conn.execute(
                insert(arrears_notice)
                .values(
                    notice_no=notice_no,
                    unit_id=unit_id,
                    kind=kind,
                    issued_on=issued_on,
                    deadline=deadline,
                    first_month=first_month,
                    last_month=last_month,
                    months_owed=months_owed,
                    amount_fen=amount.fen,
                    previous_id=previous_id,
                    case_no=case_no,
                    created_by=created_by,
                    created_at=now,
                )
                .returning(arrears_notice.c.id)
            ).scalar_one()
        )

    def notice(self, notice_no: str) -> ArrearsNoticeRecord | None:
        row = self._conn.execute(self._notice_query().where(arrears_notice.c.notice_no == notice_no)).first()
        return None if row is None else _notice(row)

    def notices_of_units(self, unit_ids: list[int]) -> dict[int, list[ArrearsNoticeRecord]]:
        found: dict[int, list[ArrearsNoticeRecord]] = defaultdict(list)
        for chunk in _chunks(sorted(set(unit_ids))):
            query = (
                self._notice_query()
                .where(arrears_notice.c.unit_id.in_(chunk))
                .order_by(arrears_notice.c.issued_on, arrears_notice.c.id)
            )
            for row in self._conn.execute(query):
                record = _notice(row)
                found[record.unit_id].append(record)
        return dict(found)


register("remittance", SqlRemittanceRepository)
