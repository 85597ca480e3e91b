"""Deposit interest over the ledger's member accounts: the annual settlement, set-based per chunk.

The products and buckets live on ledger_account and the posting path keeps them (ledger.py). Here:

* PostgreSQL settles a range of accounts in a handful of statements, whatever its size: one
  statement accrues every due account to 1 July, computes its interest in exact integer
  arithmetic, carries it forward and parks (account, interest) in a temporary table; then the
  general-ledger balances, the voucher header and its postings (INSERT ... SELECT). No row ever
  travels to Python.
* SQLite (the embedded, small deployment) computes the same with domain/interest.py and posts the
  voucher through the ordinary posting path; a test runs both against the day-by-day reference.

Exactly once (R4): an account is due only while interest_settled_on is before the settlement
day, and the UPDATE that credits it sets interest_settled_on in the same transaction as the
voucher. The voucher's (source, source_ref) adds a second lock on the door per chunk.
Lock order as in every posting: ledger accounts (the expense account, lowest id, first; then the
members) -> gl_balance by code -> the voucher number sequence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Integer, and_, cast, func, or_, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from anju.adapters.db.repositories.common import SqlSequenceRepository
from anju.adapters.db.repositories.ledger import SqlLedgerRepository
from anju.adapters.db.tables.ledger import gl_balance, ledger_account
from anju.adapters.db.unit_of_work import Deps, register
from anju.domain.interest import InterestRates, InterestRuleViolation, InterestState, settle
from anju.errors import InvariantViolation, TransientConflict
from anju.ids import VoucherNo
from anju.ledger.chart import AccountKind
from anju.ledger.entries import LedgerConflict, LedgerNotFound
from anju.ledger.posting_rules import ANNUAL_INTEREST_KIND, ANNUAL_INTEREST_SOURCE, GL, BusinessType
from anju.ledger.posting_rules import annual_interest as annual_interest_draft
from anju.money import Money
from anju.services.ports import InterestAccountRecord, SettlementChunkResult

MEMBER = AccountKind.MEMBER_DEPOSIT.value
SETTLE_ATTEMPTS = 3  # a chunk whose accounts move under it is redone this many times

_CHUNK_TABLE = (
    "CREATE TEMP TABLE IF NOT EXISTS anju_interest_chunk "
    "(id bigint NOT NULL, gl_code varchar(19) NOT NULL, interest_fen bigint NOT NULL) "
    "ON COMMIT DELETE ROWS"
)

# Every due account of the range: accrue to 1 July (:next_start), interest rounded half up once,
# (pc·a + pk·b) / d in integers (numeric, exact): div(2n + d, 2d) is n/d rounded half up for n ≥ 0;
# a negative product (back-valued corrections) pays nothing. The UPDATE re-checks that the
# account is still what was computed (a concurrent posting makes the chunk start over); its own
# id range keeps the planner on the primary key instead of scanning the table once per chunk.
_SETTLE_PG = """
WITH c AS MATERIALIZED (
    SELECT id, current_year_fen, carried_fen, balance_days_current, balance_days_carried,
           accrued_through,
           GREATEST(0, div(
               2 * ((balance_days_current + current_year_fen * (CAST(:next_start AS date) - accrued_through))
                        ::numeric * CAST(:a AS numeric)
                    + (balance_days_carried + carried_fen * (CAST(:next_start AS date) - accrued_through))
                        ::numeric * CAST(:b AS numeric))
               + CAST(:d AS numeric),
               2 * CAST(:d AS numeric)))::bigint AS interest_fen
      FROM ledger_account
     WHERE id BETWEEN :first AND :last AND kind = 'member_deposit' AND status = 'open'
       AND accrued_through IS NOT NULL AND accrued_through <= CAST(:next_start AS date)
       AND (interest_settled_on IS NULL OR interest_settled_on < CAST(:day AS date))
),
s AS (
    UPDATE ledger_account AS la
       SET balance_fen = la.balance_fen + c.interest_fen,
           carried_fen = la.balance_fen + c.interest_fen,
           current_year_fen = 0,
           balance_days_current = 0,
           balance_days_carried = 0,
           accrued_through = CAST(:next_start AS date),
           interest_settled_on = CAST(:day AS date)
      FROM c
     WHERE la.id = c.id AND la.id BETWEEN :first AND :last
       AND la.current_year_fen = c.current_year_fen AND la.carried_fen = c.carried_fen
       AND la.balance_days_current = c.balance_days_current
       AND la.balance_days_carried = c.balance_days_carried
       AND la.accrued_through = c.accrued_through AND la.status = 'open'
       AND (la.interest_settled_on IS NULL OR la.interest_settled_on < CAST(:day AS date))
 RETURNING la.id, la.gl_code, c.interest_fen
),
kept AS (
    INSERT INTO anju_interest_chunk (id, gl_code, interest_fen)
    SELECT id, gl_code, interest_fen FROM s WHERE interest_fen > 0
    RETURNING interest_fen
)
SELECT (SELECT count(*) FROM c) AS due,
       (SELECT count(*) FROM s) AS settled,
       (SELECT count(*) FROM kept) AS credited,
       (SELECT COALESCE(sum(interest_fen), 0) FROM kept) AS total
"""

_POSTINGS_PG = """
INSERT INTO posting (voucher_id, line_no, ledger_account_id, gl_code, side, amount_fen,
                     business_type, value_date, current_year_fen, carried_fen, interest_fen)
SELECT :voucher_id, 1, :expense_id, :expense_code, 'D', :total, NULL, CAST(:day AS date),
       NULL, NULL, NULL
UNION ALL
SELECT :voucher_id, 1 + row_number() OVER (ORDER BY id), id, gl_code, 'C', interest_fen,
       :business_type, CAST(:day AS date), interest_fen, 0, interest_fen
  FROM anju_interest_chunk
"""


@dataclass(frozen=True, slots=True)
class _Chunk:
    first_id: int
    last_id: int
    settlement_day: date
    rates: InterestRates
    source_ref: str
    memo: str
    created_by: str


class SqlInterestRepository:
    def __init__(self, conn: Connection, deps: Deps) -> None:
        self._conn = conn
        self._deps = deps
        self._pg = conn.dialect.name == "postgresql"

    # --- reading --------------------------------------------------------------------------------

    def account(self, account_no: str) -> InterestAccountRecord:
        t = ledger_account
        row = self._conn.execute(
            select(
                t.c.id,
                t.c.account_no,
                t.c.status,
                t.c.current_year_fen,
                t.c.carried_fen,
                t.c.balance_days_current,
                t.c.balance_days_carried,
                t.c.accrued_through,
                t.c.interest_settled_on,
            ).where(t.c.account_no == account_no)
        ).first()
        if row is None:
            raise LedgerNotFound("ledger_account_not_found", account=account_no)
        if row.accrued_through is None:
            raise InterestRuleViolation("account_bears_no_interest", account=account_no)
        state = InterestState(
            int(row.current_year_fen),
            int(row.carried_fen),
            int(row.balance_days_current),
            int(row.balance_days_carried),
            row.accrued_through,
            row.interest_settled_on,
        )
        return InterestAccountRecord(int(row.id), row.account_no, row.status, state)

    @staticmethod
    def _due(settlement_day: date) -> ColumnElement[bool]:
        t = ledger_account
        next_start = settlement_day + timedelta(days=1)
        return and_(
            t.c.kind == MEMBER,
            t.c.status == "open",
            t.c.accrued_through.is_not(None),
            t.c.accrued_through <= next_start,
            or_(t.c.interest_settled_on.is_(None), t.c.interest_settled_on < settlement_day),
        )

    def count_due(self, settlement_day: date) -> int:
        query = select(func.count()).select_from(ledger_account).where(self._due(settlement_day))
        return int(self._conn.execute(query).scalar_one())

    def due_ids(self, settlement_day: date, after: int | None, limit: int) -> list[int]:
        t = ledger_account
        query = select(t.c.id).where(self._due(settlement_day))
        if after is not None:
            query = query.where(t.c.id > after)
        return [int(r[0]) for r in self._conn.execute(query.order_by(t.c.id).limit(limit))]

    def balance_days_total(self, through: date) -> tuple[int, int]:
        t = ledger_account
        if self._pg:
            row = self._conn.execute(
                text(
                    "SELECT COALESCE(sum(balance_days_current + current_year_fen "
                    "* GREATEST(0, CAST(:through AS date) - accrued_through)), 0), "
                    "COALESCE(sum(balance_days_carried + carried_fen "
                    "* GREATEST(0, CAST(:through AS date) - accrued_through)), 0) "
                    "FROM ledger_account WHERE kind = 'member_deposit' AND status = 'open' "
                    "AND accrued_through IS NOT NULL"
                ),
                {"through": through},
            ).one()
            return int(row[0]), int(row[1])
        # julianday differences of two dates are whole numbers: the cast is exact.
        elapsed = cast(func.julianday(through.isoformat()) - func.julianday(t.c.accrued_through), Integer)
        days = func.max(0, elapsed)
        row = self._conn.execute(
            select(
                func.coalesce(func.sum(t.c.balance_days_current + t.c.current_year_fen * days), 0),
                func.coalesce(func.sum(t.c.balance_days_carried + t.c.carried_fen * days), 0),
            ).where(t.c.kind == MEMBER, t.c.status == "open", t.c.accrued_through.is_not(None))
        ).one()
        return int(row[0]), int(row[1])

    # --- changing -------------------------------------------------------------------------------

    def clear_products(self, account_no: str, as_of: date) -> None:
        t = ledger_account
        done = self._conn.execute(
            update(t)
            .where(t.c.account_no == account_no, t.c.accrued_through.is_not(None))
            .values(balance_days_current=0, balance_days_carried=0, accrued_through=as_of)
            .returning(t.c.id)
        ).first()
        if done is None:
            raise LedgerNotFound("ledger_account_not_found", account=account_no)

    def settle_range(
        self,
        first_id: int,
        last_id: int,
        *,
        settlement_day: date,
        rates: InterestRates,
        source_ref: str,
        memo: str,
        created_by: str,
    ) -> SettlementChunkResult:
        chunk = _Chunk(first_id, last_id, settlement_day, rates, source_ref, memo, created_by)
        return self._settle_pg(chunk) if self._pg else self._settle_generic(chunk)

    def _settle_generic(self, chunk: _Chunk) -> SettlementChunkResult:
        """Settle with domain/interest.py and the ordinary posting path (SQLite: BEGIN IMMEDIATE
        holds the write lock, nothing can move between the read and the writes)."""
        t, day = ledger_account, chunk.settlement_day
        in_range = and_(t.c.id >= chunk.first_id, t.c.id <= chunk.last_id, self._due(day))
        rows = self._conn.execute(
            select(
                t.c.account_no,
                t.c.current_year_fen,
                t.c.carried_fen,
                t.c.balance_days_current,
                t.c.balance_days_carried,
                t.c.accrued_through,
                t.c.interest_settled_on,
            )
            .where(in_range)
            .order_by(t.c.id)
        ).all()
        if not rows:
            return SettlementChunkResult(0, 0, Money.ZERO, None)
        credits: list[tuple[str, Money]] = []
        for row in rows:
            state = InterestState(
                int(row.current_year_fen),
                int(row.carried_fen),
                int(row.balance_days_current),
                int(row.balance_days_carried),
                row.accrued_through,
                row.interest_settled_on,
            )
            outcome = settle(state, day, chunk.rates)
            if outcome.interest.is_positive:
                credits.append((row.account_no, outcome.interest))
        voucher_no = None
        if credits:
            draft = annual_interest_draft(
                source_ref=chunk.source_ref, credits=credits, settlement_day=day, memo=chunk.memo
            )
            ledger = SqlLedgerRepository(self._conn, self._deps)
            voucher_no = ledger.post(draft, created_by=chunk.created_by, branch_id=None).voucher_no
        # Carry forward (结转): after the credit every fen of the balance is brought forward.
        settled = self._conn.execute(
            update(t)
            .where(in_range)
            .values(
                carried_fen=t.c.balance_fen,
                current_year_fen=0,
                balance_days_current=0,
                balance_days_carried=0,
                accrued_through=day + timedelta(days=1),
                interest_settled_on=day,
            )
        ).rowcount
        if settled != len(rows):
            raise InvariantViolation("balance_update_lost", expected=len(rows), updated=settled)
        total = Money(sum(amount.fen for _, amount in credits))
        return SettlementChunkResult(len(rows), len(credits), total, voucher_no)

    def _settle_pg(self, chunk: _Chunk) -> SettlementChunkResult:
        expense = self._conn.execute(
            text("SELECT id, gl_code FROM ledger_account WHERE gl_code = :code AND kind = 'gl' FOR UPDATE"),
            {"code": GL.EXPENSE_MEMBER_INTEREST},
        ).first()
        if expense is None:
            raise InvariantViolation("gl_balance_missing", code=GL.EXPENSE_MEMBER_INTEREST)
        self._conn.execute(text(_CHUNK_TABLE))
        a, b, d = chunk.rates.as_integers()
        day = chunk.settlement_day
        params = {
            "first": chunk.first_id,
            "last": chunk.last_id,
            "day": day,
            "next_start": day + timedelta(days=1),
            "a": a,
            "b": b,
            "d": d,
        }
        for _attempt in range(SETTLE_ATTEMPTS):
            nested = self._conn.begin_nested()
            row = self._conn.execute(text(_SETTLE_PG), params).one()
            if int(row.due) == int(row.settled):
                nested.commit()
                break
            nested.rollback()  # a posting moved an account under us: compute the chunk again
        else:
            raise TransientConflict("transient_conflict")
        credited, total = int(row.credited), int(row.total)
        voucher_no = None
        if credited:
            voucher_no = self._post_chunk_voucher(
                chunk, (int(expense.id), str(expense.gl_code)), credited, total
            )
        return SettlementChunkResult(int(row.settled), credited, Money(total), voucher_no)

    def _post_chunk_voucher(self, chunk: _Chunk, expense: tuple[int, str], credited: int, total: int) -> str:
        """The chunk's voucher from the parked (account, interest) rows: Dr 41101 / Cr 201 each."""
        expense_id, expense_code = expense
        day = chunk.settlement_day
        for code, debit, credit in sorted(
            [(GL.MEMBER_DEPOSITS, 0, total), (expense_code, total, 0)]
        ):  # gl_balance rows in code order; both balances grow on their normal side
            found = self._conn.execute(
                update(gl_balance)
                .where(gl_balance.c.gl_code == code)
                .values(
                    balance_fen=gl_balance.c.balance_fen + total,
                    debit_fen=gl_balance.c.debit_fen + debit,
                    credit_fen=gl_balance.c.credit_fen + credit,
                )
                .returning(gl_balance.c.gl_code)
            ).first()
            if found is None:
                raise InvariantViolation("gl_balance_missing", code=code)
        self._conn.execute(
            update(ledger_account)
            .where(ledger_account.c.id == expense_id)
            .values(balance_fen=ledger_account.c.balance_fen + total)
        )
        seq = SqlSequenceRepository(self._conn).next_value(VoucherNo.SEQUENCE)
        voucher_no = VoucherNo.compose(self._deps.centre_code, seq).value
        inserted = self._conn.execute(
            text(
                "INSERT INTO voucher (voucher_no, source, source_ref, kind, business_date, value_date, "
                "memo, branch_id, created_by, created_at, total_fen, posting_count) VALUES (:no, :source, "
                ":ref, :kind, :day, :day, :memo, NULL, :by, :at, :total, :count) "
                "ON CONFLICT DO NOTHING RETURNING id"
            ),
            {
                "no": voucher_no,
                "source": ANNUAL_INTEREST_SOURCE,
                "ref": chunk.source_ref,
                "kind": ANNUAL_INTEREST_KIND,
                "day": day,
                "memo": chunk.memo,
                "by": chunk.created_by,
                "at": self._deps.clock.now_utc(),
                "total": total,
                "count": credited + 1,
            },
        ).first()
        if inserted is None:
            raise LedgerConflict(
                "duplicate_source_ref", source=ANNUAL_INTEREST_SOURCE, source_ref=chunk.source_ref
            )
        self._conn.execute(
            text(_POSTINGS_PG),
            {
                "voucher_id": int(inserted[0]),
                "expense_id": expense_id,
                "expense_code": expense_code,
                "total": total,
                "day": day,
                "business_type": BusinessType.ANNUAL_INTEREST,
            },
        )
        return voucher_no


register("interest", SqlInterestRepository)
