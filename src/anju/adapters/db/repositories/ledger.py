"""The ledger repository: the one posting path, balances with floors, vouchers, statements, checks.

Posting, in one transaction owned by the caller (see `post`):
  1. resolve every AccountRef to its ledger account (set-based look-ups),
  2. refuse a duplicate (source, source_ref) before doing any work,
  3. lock the accounts in ascending id order (PostgreSQL) so that opposing transfers cannot
     deadlock, reading their balances and interest state in the same statement; a broken floor
     raises `insufficient_balance` and the caller's rollback leaves nothing behind; member
     deposit accounts advance their daily products (积数) and buckets by domain/interest.py; then
     one conditional UPDATE changes every balance, bucket and product,
  4. change the GL balances (gl_balance, ascending code) so Σ sub-ledger = GL at every commit,
  5. number the voucher from the per-centre sequence and insert the voucher and its postings
     set-based (executemany; COPY on PostgreSQL for large vouchers).
Lock order for every posting transaction: ledger accounts (by id) -> gl_balance (by code) ->
the voucher number sequence row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import case, func, insert, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Row
from sqlalchemy.sql import ColumnElement

from anju.adapters.db.repositories.common import SqlSequenceRepository, insert_if_absent
from anju.adapters.db.tables.accounting import period_lock
from anju.adapters.db.tables.ledger import (
    business_calendar,
    gl_account,
    gl_balance,
    ledger_account,
    posting,
    voucher,
)
from anju.adapters.db.unit_of_work import Deps, register
from anju.domain.interest import DEFAULT_POSTING_RULES, InterestState, PostingRules, Split, apply_lines
from anju.errors import InvariantViolation, TransientConflict
from anju.ids import LedgerAccountNo, VoucherNo
from anju.ledger.balances import Side, signed_fen
from anju.ledger.chart import CHART, AccountKind, Category, GlAccount, bank_deposit_account, chart_problems
from anju.ledger.entries import (
    LedgerConflict,
    LedgerNotFound,
    LedgerRuleViolation,
    VoucherDraft,
    reversal_of,
)
from anju.ledger.records import (
    LedgerAccount,
    LedgerCheckResult,
    LedgerFinding,
    PostedPosting,
    PostedVoucher,
    StatementLine,
    TrialBalanceLine,
)
from anju.money import Money

T = TypeVar("T")
IN_CHUNK = 5000  # bound parameters per IN (...) list: far below SQLite's 32,766
COPY_THRESHOLD = 200  # postings above which PostgreSQL inserts them with COPY
MAX_FINDINGS = 50  # per check: enough to act on, small enough to read


def read_closed_through(conn: Connection) -> date | None:
    """The period lock (accounting slice): last day of the last closed period, by primary key."""
    value = conn.execute(select(period_lock.c.closed_through).where(period_lock.c.id == 1)).scalar()
    if value is None:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _chunks(items: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True, slots=True)
class _Account:
    id: int
    account_no: str
    gl_code: str
    kind: str
    status: str


@dataclass(frozen=True, slots=True)
class _Line:
    line_no: int
    account: _Account
    side: Side
    amount_fen: int
    business_type: str | None
    interest_fen: int | None = None


class _Locked(NamedTuple):
    """An account's balance, floor and interest state as read under its row lock."""

    id: int
    balance_fen: int
    floor_fen: int | None
    state: InterestState | None  # None: the account bears no interest


# One row of the balance UPDATE: id, balance delta, bucket deltas, product deltas, and the new
# accrued_through / interest_settled_on (None: unchanged).
_Change = tuple[int, int, int, int, int, int, date | None, date | None]


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _array_literal(values: Sequence[int | date | None]) -> str:
    """A PostgreSQL array literal ('{1,2,NULL}') of integers and dates the ledger computed itself.

    Passed as one text parameter and cast in SQL: on a 5,000-line voucher the driver's
    element-by-element array adaptation cost more than the UPDATE it feeds.
    """
    return "{" + ",".join("NULL" if v is None else str(v) for v in values) + "}"


def _money_or_none(fen: Any) -> Money | None:
    return None if fen is None else Money(int(fen))


def _split_fields(split: Split | None, interest_fen: int | None) -> dict[str, Money | None]:
    if split is None and interest_fen is None:
        return {}
    return {
        "current_year": None if split is None else Money(split.current_year_fen),
        "carried": None if split is None else Money(split.carried_fen),
        "interest": _money_or_none(interest_fen),
    }


def _interest_change(
    account_id: int, delta: int, before: InterestState, after: InterestState
) -> _Change | None:
    """The UPDATE row of an interest-bearing account, or None when nothing changes."""
    change: _Change = (
        account_id,
        delta,
        after.current_year_fen - before.current_year_fen,
        after.carried_fen - before.carried_fen,
        after.balance_days_current - before.balance_days_current,
        after.balance_days_carried - before.balance_days_carried,
        after.accrued_through if after.accrued_through != before.accrued_through else None,
        after.settled_on if after.settled_on != before.settled_on else None,
    )
    if not any(change[1:6]) and change[6] is None and change[7] is None:
        return None
    return change


def _gl(row: Row[Any]) -> GlAccount:
    return GlAccount(
        code=row.code,
        name_zh=row.name_zh,
        name_en=row.name_en,
        category=Category(row.category),
        normal_side=Side(row.normal_side),
        parent=row.parent_code,
        postable=bool(row.postable),
        subledger_kind=AccountKind(row.subledger_kind) if row.subledger_kind else None,
    )


def _account(row: Row[Any]) -> LedgerAccount:
    return LedgerAccount(
        account_no=row.account_no,
        gl_code=row.gl_code,
        kind=AccountKind(row.kind),
        owner_type=row.owner_type,
        owner_id=row.owner_id,
        branch_id=row.branch_id,
        floor=Money(int(row.floor_fen)) if row.floor_fen is not None else None,
        balance=Money(int(row.balance_fen)),
        opening_balance=Money(int(row.opening_balance_fen)),
        status=row.status,
        opened_on=row.opened_on,
        closed_on=row.closed_on,
    )


class SqlLedgerRepository:
    def __init__(self, conn: Connection, deps: Deps) -> None:
        self._conn = conn
        self._deps = deps
        self._pg = conn.dialect.name == "postgresql"
        self._sequences = SqlSequenceRepository(conn)

    # --- chart ---------------------------------------------------------------------------------

    def seed_chart(self, opened_on: date | None = None) -> int:
        """Insert the missing chart accounts, their GL balances and single ledger accounts.

        Idempotent: a second call inserts nothing. Returns how many chart accounts it added.
        """
        problems = chart_problems(CHART)
        if problems:
            raise InvariantViolation("chart_invalid", problems="; ".join(problems))
        day = opened_on or self._default_open_date()
        added = 0
        for account in CHART:  # parents come before their children in CHART
            added += self._add_gl_account(account, day)
        return added

    def list_chart(self) -> list[GlAccount]:
        rows = self._conn.execute(select(gl_account).order_by(gl_account.c.code)).all()
        return [_gl(row) for row in rows]

    def add_bank_deposit_account(
        self,
        *,
        label: str,
        owner_id: int,
        branch_id: int | None,
        opened_on: date,
        floor: Money | None = None,
    ) -> LedgerAccount:
        """Open the 101xx leaf and its ledger account for a new centre bank account (专户)."""
        existing = {row.code for row in self._conn.execute(select(gl_account.c.code)).all()}
        while True:
            seq = self._sequences.next_value("gl_bank_deposit")
            gl = bank_deposit_account(seq, label)
            if gl.code not in existing:
                break
        self._add_gl_account(gl, opened_on, owner_id=owner_id, branch_id=branch_id, floor=floor)
        return self.single_account(gl.code)

    def _add_gl_account(
        self,
        account: GlAccount,
        opened_on: date,
        *,
        owner_id: int | None = None,
        branch_id: int | None = None,
        floor: Money | None = None,
    ) -> int:
        inserted = insert_if_absent(
            self._conn,
            gl_account,
            {
                "code": account.code,
                "name_zh": account.name_zh,
                "name_en": account.name_en,
                "category": account.category.value,
                "normal_side": account.normal_side.value,
                "parent_code": account.parent,
                "postable": account.postable,
                "subledger_kind": account.subledger_kind.value if account.subledger_kind else None,
            },
        )
        if not account.postable:
            return int(inserted)
        insert_if_absent(self._conn, gl_balance, {"gl_code": account.code})
        if not account.requires_account_no:
            has_single = self._conn.execute(
                select(ledger_account.c.id).where(
                    ledger_account.c.gl_code == account.code,
                    ledger_account.c.kind.in_([AccountKind.GL.value, AccountKind.BANK.value]),
                )
            ).first()
            if has_single is None:
                kind = account.single_account_kind
                self._insert_account(
                    gl_code=account.code,
                    kind=kind,
                    owner_type="centre_bank_account" if kind is AccountKind.BANK else None,
                    owner_id=owner_id,
                    branch_id=branch_id,
                    floor=floor,
                    opened_on=opened_on,
                )
        return int(inserted)

    def _default_open_date(self) -> date:
        row = self._conn.execute(select(business_calendar.c.business_date)).first()
        if row is not None:
            return date.fromisoformat(str(row[0]))
        return self._deps.clock.now_utc().date()

    def _chart(self) -> dict[str, GlAccount]:
        return {account.code: account for account in self.list_chart()}

    # --- ledger accounts -------------------------------------------------------------------------

    def open_account(
        self,
        gl_code: str,
        kind: AccountKind,
        *,
        owner_type: str | None,
        owner_id: int | None,
        branch_id: int | None,
        floor: Money | None,
        opened_on: date,
    ) -> str:
        """Open a sub-ledger account (member, unit suspense, loan) and return its account_no."""
        row = self._conn.execute(select(gl_account).where(gl_account.c.code == gl_code)).first()
        if row is None:
            raise LedgerRuleViolation("unknown_gl_account", code=gl_code)
        gl = _gl(row)
        if not gl.postable:
            raise LedgerRuleViolation("gl_account_not_postable", code=gl_code)
        if not gl.requires_account_no or gl.subledger_kind is not kind:
            raise LedgerRuleViolation("ledger_account_kind_mismatch", code=gl_code, kind=kind.value)
        return self._insert_account(
            gl_code=gl_code,
            kind=kind,
            owner_type=owner_type,
            owner_id=owner_id,
            branch_id=branch_id,
            floor=floor,
            opened_on=opened_on,
        )

    def _insert_account(
        self,
        *,
        gl_code: str,
        kind: AccountKind,
        owner_type: str | None,
        owner_id: int | None,
        branch_id: int | None,
        floor: Money | None,
        opened_on: date,
    ) -> str:
        seq = self._sequences.next_value(LedgerAccountNo.SEQUENCE)
        number = LedgerAccountNo.compose(self._deps.centre_code, seq).value
        self._conn.execute(
            insert(ledger_account).values(
                # Interest runs from the day money is credited (Art. 21): products start at opening.
                accrued_through=opened_on if kind.bears_interest else None,
                account_no=number,
                gl_code=gl_code,
                kind=kind.value,
                owner_type=owner_type,
                owner_id=owner_id,
                branch_id=branch_id,
                floor_fen=floor.fen if floor is not None else None,
                balance_fen=0,
                opening_balance_fen=0,
                status="open",
                opened_on=opened_on,
            )
        )
        return number

    def get_account(self, account_no: str) -> LedgerAccount:
        row = self._conn.execute(
            select(ledger_account).where(ledger_account.c.account_no == account_no)
        ).first()
        if row is None:
            raise LedgerNotFound("ledger_account_not_found", account=account_no)
        return _account(row)

    def single_account(self, gl_code: str) -> LedgerAccount:
        """The one ledger account of a GL leaf without a many-account sub-ledger."""
        row = self._conn.execute(
            select(ledger_account).where(
                ledger_account.c.gl_code == gl_code,
                ledger_account.c.kind.in_([AccountKind.GL.value, AccountKind.BANK.value]),
            )
        ).first()
        if row is None:
            raise LedgerNotFound("ledger_account_not_found", account=gl_code)
        return _account(row)

    def accounts_of(self, owner_type: str, owner_id: int) -> list[LedgerAccount]:
        rows = self._conn.execute(
            select(ledger_account)
            .where(ledger_account.c.owner_type == owner_type, ledger_account.c.owner_id == owner_id)
            .order_by(ledger_account.c.id)
        ).all()
        return [_account(row) for row in rows]

    def balance(self, account_no: str) -> Money:
        value = self._conn.execute(
            select(ledger_account.c.balance_fen).where(ledger_account.c.account_no == account_no)
        ).scalar()
        if value is None:
            raise LedgerNotFound("ledger_account_not_found", account=account_no)
        return Money(int(value))

    def close_account(self, account_no: str, closed_on: date) -> None:
        """Close an account whose balance is zero (销户); closed accounts take no postings."""
        account = self.get_account(account_no)
        done = self._conn.execute(
            update(ledger_account)
            .where(
                ledger_account.c.account_no == account_no,
                ledger_account.c.status == "open",
                ledger_account.c.balance_fen == 0,
            )
            .values(status="closed", closed_on=closed_on)
            .returning(ledger_account.c.id)
        ).first()
        if done is None:
            if account.status == "closed":
                raise LedgerRuleViolation("ledger_account_closed", account=account_no)
            raise LedgerRuleViolation(
                "ledger_account_not_zero", account=account_no, balance=str(account.balance)
            )

    def reopen_account(self, account_no: str, reopened_on: date) -> None:
        """Take a closed zero-balance account back into use; its daily products (if it keeps
        any) start again on `reopened_on`."""
        t = ledger_account
        done = self._conn.execute(
            update(t)
            .where(t.c.account_no == account_no, t.c.status == "closed", t.c.balance_fen == 0)
            .values(
                status="open",
                closed_on=None,
                accrued_through=case((t.c.accrued_through.is_(None), None), else_=reopened_on),
                current_year_fen=0,
                carried_fen=0,
                balance_days_current=0,
                balance_days_carried=0,
            )
            .returning(t.c.id)
        ).first()
        if done is None:
            account = self.get_account(account_no)
            raise LedgerRuleViolation("ledger_account_not_closed", account=account_no, status=account.status)

    # --- posting ---------------------------------------------------------------------------------

    def post(
        self,
        draft: VoucherDraft,
        *,
        created_by: str,
        branch_id: int | None,
        replay_ok: bool = False,
        interest_rules: PostingRules | None = None,
    ) -> PostedVoucher:
        """Post a voucher. A (source, source_ref) already posted raises Conflict
        ("duplicate_source_ref"); with `replay_ok` the stored voucher is returned instead
        (`replayed=True`) when it has the same kind, total and line count, and
        Conflict("idempotency_key_reused") when it does not.

        `interest_rules` (from the policy in force, `domain.interest.posting_rules_of`) decide
        which bucket a member debit draws on and how far back a value date may go; None means
        the reference defaults (current-year first, 30 days).
        """
        existing = self._voucher_by_source(draft.source, draft.source_ref)
        if existing is not None:
            return self._replay_or_refuse(existing, draft, replay_ok)
        # Period lock (结账): nothing posts into a closed period; one primary-key read.
        closed_through = read_closed_through(self._conn)
        if closed_through is not None and draft.business_date <= closed_through:
            raise LedgerRuleViolation(
                "period_closed",
                business_date=draft.business_date.isoformat(),
                closed_through=closed_through.isoformat(),
            )
        reverses_id = self._check_reversible(draft.reverses) if draft.reverses else None
        chart = self._chart()
        lines = self._resolve(draft, chart)
        splits = self._apply_balances(lines, chart, draft, interest_rules or DEFAULT_POSTING_RULES)
        self._apply_gl_balances(lines, chart)
        seq = self._sequences.next_value(VoucherNo.SEQUENCE)
        voucher_no = VoucherNo.compose(self._deps.centre_code, seq).value
        now = self._deps.clock.now_utc()
        values = {
            "voucher_no": voucher_no,
            "source": draft.source,
            "source_ref": draft.source_ref,
            "kind": draft.kind,
            "business_date": draft.business_date,
            "value_date": draft.value_date,
            "memo": draft.memo,
            "branch_id": branch_id,
            "created_by": created_by,
            "created_at": now,
            "reverses_voucher_id": reverses_id,
            "total_fen": draft.total.fen,
            "posting_count": len(lines),
        }
        voucher_id = self._insert_voucher(values)
        if voucher_id is None:
            # Lost a race for the same key to a transaction that committed meanwhile.
            if draft.reverses:
                raise LedgerConflict("voucher_already_reversed", voucher_no=draft.reverses)
            if replay_ok:
                raise TransientConflict("transient_conflict")  # the retry replays the winner
            raise LedgerConflict("duplicate_source_ref", source=draft.source, source_ref=draft.source_ref)
        self._insert_postings(voucher_id, draft.value_date, lines, splits)
        return PostedVoucher(
            voucher_no=voucher_no,
            source=draft.source,
            source_ref=draft.source_ref,
            kind=draft.kind,
            business_date=draft.business_date,
            value_date=draft.value_date,
            memo=draft.memo,
            branch_id=branch_id,
            created_by=created_by,
            created_at=now,
            total=draft.total,
            posting_count=len(lines),
            reverses=draft.reverses,
            postings=tuple(
                PostedPosting(
                    line_no=line.line_no,
                    account_no=line.account.account_no,
                    gl_code=line.account.gl_code,
                    side=line.side,
                    amount=Money(line.amount_fen),
                    business_type=line.business_type,
                    value_date=draft.value_date,
                    **_split_fields(splits.get(line.line_no), line.interest_fen),
                )
                for line in lines
            ),
        )

    def reverse(
        self,
        voucher_no: str,
        reason: str,
        business_date: date,
        created_by: str,
        branch_id: int | None = None,
    ) -> PostedVoucher:
        """Post the red-ink reversal of a voucher, linked to it. Once only; never of a reversal."""
        original = self.get_voucher(voucher_no)
        if original.reverses is not None or original.kind == "reversal":
            raise LedgerRuleViolation("voucher_is_reversal", voucher_no=voucher_no)
        if original.reversed_by is not None:
            raise LedgerConflict("voucher_already_reversed", voucher_no=voucher_no)
        draft = reversal_of(
            original.to_draft(), original_no=voucher_no, business_date=business_date, reason=reason
        )
        return self.post(draft, created_by=created_by, branch_id=branch_id)

    def _voucher_by_source(self, source: str, source_ref: str) -> Any:
        return self._conn.execute(
            select(voucher.c.voucher_no, voucher.c.kind, voucher.c.total_fen, voucher.c.posting_count).where(
                voucher.c.source == source, voucher.c.source_ref == source_ref
            )
        ).first()

    def _replay_or_refuse(self, existing: Row[Any], draft: VoucherDraft, replay_ok: bool) -> PostedVoucher:
        if draft.reverses:
            raise LedgerConflict("voucher_already_reversed", voucher_no=draft.reverses)
        if not replay_ok:
            raise LedgerConflict("duplicate_source_ref", source=draft.source, source_ref=draft.source_ref)
        same = (
            existing.kind == draft.kind
            and int(existing.total_fen) == draft.total.fen
            and int(existing.posting_count) == len(draft.postings)
        )
        if not same:
            raise LedgerConflict("idempotency_key_reused", source=draft.source, source_ref=draft.source_ref)
        stored = self.get_voucher(existing.voucher_no)
        return replace(stored, replayed=True)

    def _check_reversible(self, original_no: str) -> int:
        row = self._conn.execute(
            select(voucher.c.id, voucher.c.kind, voucher.c.reverses_voucher_id).where(
                voucher.c.voucher_no == original_no
            )
        ).first()
        if row is None:
            raise LedgerNotFound("voucher_not_found", voucher_no=original_no)
        if row.reverses_voucher_id is not None or row.kind == "reversal":
            raise LedgerRuleViolation("voucher_is_reversal", voucher_no=original_no)
        already = self._conn.execute(
            select(voucher.c.id).where(voucher.c.reverses_voucher_id == row.id)
        ).first()
        if already is not None:
            raise LedgerConflict("voucher_already_reversed", voucher_no=original_no)
        return int(row.id)

    _ACCOUNT_COLUMNS = (
        ledger_account.c.id,
        ledger_account.c.account_no,
        ledger_account.c.gl_code,
        ledger_account.c.kind,
        ledger_account.c.status,
    )

    def _resolve(self, draft: VoucherDraft, chart: dict[str, GlAccount]) -> list[_Line]:
        by_no = self._accounts_by_number(
            sorted({p.account.account_no for p in draft.postings if p.account.account_no})
        )
        by_code = self._single_accounts(
            sorted({p.account.gl_code for p in draft.postings if p.account.gl_code}), chart
        )
        lines: list[_Line] = []
        for line_no, p in enumerate(draft.postings, start=1):
            if p.account.account_no is not None:
                account = by_no.get(p.account.account_no)
                if account is None:
                    raise LedgerRuleViolation("ledger_account_not_found", account=p.account.account_no)
            else:
                account = by_code[str(p.account.gl_code)]
            if account.status != "open":
                raise LedgerRuleViolation("ledger_account_closed", account=account.account_no)
            interest = p.interest.fen if p.interest is not None else None
            lines.append(_Line(line_no, account, p.side, p.amount.fen, p.business_type, interest))
        return lines

    def _accounts_by_number(self, numbers: list[str]) -> dict[str, _Account]:
        found: dict[str, _Account] = {}
        if self._pg and numbers:
            # One array parameter: thousands of IN placeholders cost more to convert than to run.
            rows = self._conn.execute(
                text(
                    "SELECT id, account_no, gl_code, kind, status FROM ledger_account "
                    "WHERE account_no = ANY(CAST(:numbers AS varchar[]))"
                ),
                {"numbers": numbers},
            )
            return {row.account_no: _Account(*row) for row in rows}
        for chunk in _chunks(numbers):
            query = select(*self._ACCOUNT_COLUMNS).where(ledger_account.c.account_no.in_(chunk))
            for row in self._conn.execute(query):
                found[row.account_no] = _Account(*row)
        return found

    def _single_accounts(self, codes: list[str], chart: dict[str, GlAccount]) -> dict[str, _Account]:
        """The one ledger account of each GL leaf named by code; the code must allow it."""
        for code in codes:
            gl = chart.get(code)
            if gl is None:
                raise LedgerRuleViolation("unknown_gl_account", code=code)
            if not gl.postable:
                raise LedgerRuleViolation("gl_account_not_postable", code=code)
            if gl.requires_account_no:
                raise LedgerRuleViolation("gl_account_requires_subledger", code=code)
        if not codes:
            return {}
        single = ledger_account.c.kind.in_([AccountKind.GL.value, AccountKind.BANK.value])
        query = select(*self._ACCOUNT_COLUMNS).where(ledger_account.c.gl_code.in_(codes), single)
        found = {row.gl_code: _Account(*row) for row in self._conn.execute(query)}
        for code in codes:
            if code not in found:
                raise LedgerRuleViolation("ledger_account_not_found", account=code)
        return found

    def _apply_balances(
        self, lines: list[_Line], chart: dict[str, GlAccount], draft: VoucherDraft, rules: PostingRules
    ) -> dict[int, Split]:
        """Change balances (and, on member deposit accounts, buckets and daily products) in one
        conditional UPDATE; returns how each member line divides between the buckets."""
        deltas: dict[int, int] = defaultdict(int)
        per_account: dict[int, list[tuple[int, int]]] = defaultdict(list)
        numbers: dict[int, str] = {}
        for line in lines:
            signed_delta = signed_fen(chart[line.account.gl_code].normal_side, line.side, line.amount_fen)
            deltas[line.account.id] += signed_delta
            per_account[line.account.id].append((line.line_no, signed_delta))
            numbers[line.account.id] = line.account.account_no
        ids = sorted(deltas)
        locked = self._lock_accounts(ids)
        for account_id in ids:  # the floors first: the error staff see most
            row = locked[account_id]
            if row.floor_fen is not None and row.balance_fen + deltas[account_id] < row.floor_fen:
                self._raise_insufficient(account_id, numbers[account_id], deltas[account_id])
        splits: dict[int, Split] = {}
        changes: list[_Change] = []
        reversal = draft.is_reversal
        for account_id in ids:
            row, delta = locked[account_id], deltas[account_id]
            if row.state is None:
                if delta != 0:
                    changes.append((account_id, delta, 0, 0, 0, 0, None, None))
                continue
            after, account_splits = apply_lines(
                row.state,
                per_account[account_id],
                draft.value_date,
                business_date=draft.business_date,
                rules=rules,
                reversal=reversal,
                account=numbers[account_id],
            )
            splits.update(account_splits)
            change = _interest_change(account_id, delta, row.state, after)
            if change is not None:
                changes.append(change)
        if changes:
            if self._pg:
                self._update_balances_pg(changes, numbers)
            else:
                self._update_balances_sqlite(changes)
        return splits

    _LOCK_COLUMNS = (
        "id, balance_fen, floor_fen, current_year_fen, carried_fen, balance_days_current, "
        "balance_days_carried, accrued_through, interest_settled_on"
    )

    def _lock_accounts(self, ids: list[int]) -> dict[int, _Locked]:
        """Read (and on PostgreSQL lock, in ascending id order) the accounts a voucher touches.

        SQLite needs no row lock: BEGIN IMMEDIATE holds the database write lock, so nothing read
        here can change before the update.
        """
        # The driver directly (plain tuples): on a 5,000-line voucher the SQLAlchemy layer costs
        # more than the database.
        if self._pg:
            rows: Iterable[Any] = self._conn.exec_driver_sql(
                f"SELECT {self._LOCK_COLUMNS} FROM ledger_account "  # noqa: S608 - column names
                "WHERE id = ANY(CAST(%s AS bigint[])) ORDER BY id FOR UPDATE",
                (_array_literal(ids),),
            ).all()
        else:
            rows = []
            for chunk in _chunks(ids):
                marks = ", ".join("?" * len(chunk))
                sql = f"SELECT {self._LOCK_COLUMNS} FROM ledger_account WHERE id IN ({marks})"  # noqa: S608
                rows += self._conn.exec_driver_sql(sql, tuple(chunk)).all()
        found: dict[int, _Locked] = {}
        for (
            account_id,
            balance,
            floor,
            current,
            carried,
            days_current,
            days_carried,
            accrued,
            settled,
        ) in rows:
            accrued_on = _as_date(accrued)
            state = (
                None
                if accrued_on is None
                else InterestState(
                    int(current),
                    int(carried),
                    int(days_current),
                    int(days_carried),
                    accrued_on,
                    _as_date(settled),
                )
            )
            found[int(account_id)] = _Locked(
                int(account_id), int(balance), None if floor is None else int(floor), state
            )
        return found

    def _update_balances_pg(self, changes: list[_Change], numbers: dict[int, str]) -> None:
        columns = list(zip(*changes, strict=True))
        updated = self._conn.execute(
            text(
                "UPDATE ledger_account AS la SET balance_fen = la.balance_fen + v.delta, "
                "current_year_fen = la.current_year_fen + v.d_current, "
                "carried_fen = la.carried_fen + v.d_carried, "
                "balance_days_current = la.balance_days_current + v.d_days_current, "
                "balance_days_carried = la.balance_days_carried + v.d_days_carried, "
                "accrued_through = COALESCE(v.accrued_through, la.accrued_through), "
                "interest_settled_on = COALESCE(v.settled_on, la.interest_settled_on) "
                "FROM unnest(CAST(:ids AS bigint[]), CAST(:deltas AS bigint[]), CAST(:dc AS bigint[]), "
                "CAST(:dk AS bigint[]), CAST(:pc AS bigint[]), CAST(:pk AS bigint[]), "
                "CAST(:accrued AS date[]), CAST(:settled AS date[])) "
                "AS v(id, delta, d_current, d_carried, d_days_current, d_days_carried, accrued_through, "
                "settled_on) "
                "WHERE la.id = v.id "
                "AND (la.floor_fen IS NULL OR la.balance_fen + v.delta >= la.floor_fen) "
                "RETURNING la.id"
            ),
            {
                "ids": _array_literal(columns[0]),
                "deltas": _array_literal(columns[1]),
                "dc": _array_literal(columns[2]),
                "dk": _array_literal(columns[3]),
                "pc": _array_literal(columns[4]),
                "pk": _array_literal(columns[5]),
                "accrued": _array_literal(columns[6]),
                "settled": _array_literal(columns[7]),
            },
        ).all()
        if len(updated) != len(changes):  # the floors were checked under lock: defence in depth
            done = {row[0] for row in updated}
            failed = next(change for change in changes if change[0] not in done)
            self._raise_insufficient(failed[0], numbers[failed[0]], failed[1])

    def _update_balances_sqlite(self, changes: list[_Change]) -> None:
        result = self._conn.exec_driver_sql(
            "UPDATE ledger_account SET balance_fen = balance_fen + ?1, "
            "current_year_fen = current_year_fen + ?2, carried_fen = carried_fen + ?3, "
            "balance_days_current = balance_days_current + ?4, "
            "balance_days_carried = balance_days_carried + ?5, "
            "accrued_through = COALESCE(?6, accrued_through), "
            "interest_settled_on = COALESCE(?7, interest_settled_on) "
            "WHERE id = ?8 AND (floor_fen IS NULL OR balance_fen + ?1 >= floor_fen)",
            [
                (
                    c[1],
                    c[2],
                    c[3],
                    c[4],
                    c[5],
                    c[6].isoformat() if c[6] else None,
                    c[7].isoformat() if c[7] else None,
                    c[0],
                )
                for c in changes
            ],
        )
        if result.rowcount != len(changes):
            raise InvariantViolation("balance_update_lost", expected=len(changes), updated=result.rowcount)

    def _raise_insufficient(self, account_id: int, account_no: str, delta: int) -> None:
        balance_fen = self._conn.execute(
            select(ledger_account.c.balance_fen).where(ledger_account.c.id == account_id)
        ).scalar_one()
        raise LedgerRuleViolation(
            "insufficient_balance",
            account=account_no,
            balance=str(Money(int(balance_fen))),
            amount=str(Money(-delta)),
        )

    def _apply_gl_balances(self, lines: list[_Line], chart: dict[str, GlAccount]) -> None:
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # delta, debit, credit
        for line in lines:
            code = line.account.gl_code
            entry = totals[code]
            entry[0] += signed_fen(chart[code].normal_side, line.side, line.amount_fen)
            entry[1 if line.side is Side.DEBIT else 2] += line.amount_fen
        t = gl_balance
        for code in sorted(totals):  # fixed lock order
            delta, debit, credit = totals[code]
            row = self._conn.execute(
                update(t)
                .where(t.c.gl_code == code)
                .values(
                    balance_fen=t.c.balance_fen + delta,
                    debit_fen=t.c.debit_fen + debit,
                    credit_fen=t.c.credit_fen + credit,
                )
                .returning(t.c.gl_code)
            ).first()
            if row is None:
                raise InvariantViolation("gl_balance_missing", code=code)

    def _insert_voucher(self, values: dict[str, Any]) -> int | None:
        stmt: Any = (pg_insert if self._pg else sqlite_insert)(voucher).values(**values)
        row = self._conn.execute(stmt.on_conflict_do_nothing().returning(voucher.c.id)).first()
        return int(row[0]) if row is not None else None

    def _insert_postings(
        self, voucher_id: int, value_date: date, lines: list[_Line], splits: dict[int, Split]
    ) -> None:
        rows = []
        for line in lines:
            split = splits.get(line.line_no)
            rows.append(
                (
                    voucher_id,
                    line.line_no,
                    line.account.id,
                    line.account.gl_code,
                    line.side.value,
                    line.amount_fen,
                    line.business_type,
                    value_date,
                    split.current_year_fen if split is not None else None,
                    split.carried_fen if split is not None else None,
                    line.interest_fen,
                )
            )
        columns = (
            "voucher_id",
            "line_no",
            "ledger_account_id",
            "gl_code",
            "side",
            "amount_fen",
            "business_type",
            "value_date",
            "current_year_fen",
            "carried_fen",
            "interest_fen",
        )
        if self._pg and len(rows) > COPY_THRESHOLD:
            self._copy_rows("posting", columns, rows)
            return
        if self._pg:
            self._conn.execute(insert(posting), [dict(zip(columns, row, strict=True)) for row in rows])
            return
        marks = ", ".join("?" * len(columns))
        self._conn.exec_driver_sql(
            f"INSERT INTO posting ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608 - our names
            [(*row[:7], row[7].isoformat(), *row[8:]) for row in rows],
        )

    def _copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
        """COPY rows in through the connection's own psycopg cursor (same transaction)."""
        driver = self._conn.connection.driver_connection
        assert driver is not None
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"  # names are ours, not input
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)

    # --- reading vouchers ------------------------------------------------------------------------

    def _voucher_query(self) -> Any:
        original = voucher.alias("original")
        reversal = voucher.alias("reversal")
        return select(
            voucher,
            original.c.voucher_no.label("reverses_no"),
            reversal.c.voucher_no.label("reversed_by_no"),
        ).select_from(
            voucher.outerjoin(original, original.c.id == voucher.c.reverses_voucher_id).outerjoin(
                reversal, reversal.c.reverses_voucher_id == voucher.c.id
            )
        )

    @staticmethod
    def _posted(row: Row[Any], postings: tuple[PostedPosting, ...] = ()) -> PostedVoucher:
        return PostedVoucher(
            voucher_no=row.voucher_no,
            source=row.source,
            source_ref=row.source_ref,
            kind=row.kind,
            business_date=row.business_date,
            value_date=row.value_date,
            memo=row.memo,
            branch_id=row.branch_id,
            created_by=row.created_by,
            created_at=row.created_at,
            total=Money(int(row.total_fen)),
            posting_count=int(row.posting_count),
            reverses=row.reverses_no,
            reversed_by=row.reversed_by_no,
            postings=postings,
        )

    def get_voucher(self, voucher_no: str) -> PostedVoucher:
        row = self._conn.execute(self._voucher_query().where(voucher.c.voucher_no == voucher_no)).first()
        if row is None:
            raise LedgerNotFound("voucher_not_found", voucher_no=voucher_no)
        lines = self._conn.execute(
            select(
                posting.c.line_no,
                ledger_account.c.account_no,
                posting.c.gl_code,
                posting.c.side,
                posting.c.amount_fen,
                posting.c.business_type,
                posting.c.value_date,
                posting.c.current_year_fen,
                posting.c.carried_fen,
                posting.c.interest_fen,
            )
            .join(ledger_account, ledger_account.c.id == posting.c.ledger_account_id)
            .where(posting.c.voucher_id == row.id)
            .order_by(posting.c.line_no)
        ).all()
        postings = tuple(
            PostedPosting(
                line_no=int(p.line_no),
                account_no=p.account_no,
                gl_code=p.gl_code,
                side=Side(p.side),
                amount=Money(int(p.amount_fen)),
                business_type=p.business_type,
                value_date=p.value_date,
                current_year=_money_or_none(p.current_year_fen),
                carried=_money_or_none(p.carried_fen),
                interest=_money_or_none(p.interest_fen),
            )
            for p in lines
        )
        return self._posted(row, postings)

    def list_vouchers(
        self,
        limit: int = 50,
        offset: int = 0,
        *,
        business_date: date | None = None,
        source: str | None = None,
        kind: str | None = None,
    ) -> list[PostedVoucher]:
        """Newest first, without postings."""
        query = self._voucher_query()
        if business_date is not None:
            query = query.where(voucher.c.business_date == business_date)
        if source is not None:
            query = query.where(voucher.c.source == source)
        if kind is not None:
            query = query.where(voucher.c.kind == kind)
        query = query.order_by(voucher.c.id.desc()).limit(max(0, min(limit, 500))).offset(max(0, offset))
        return [self._posted(row) for row in self._conn.execute(query)]

    def count_vouchers(self) -> int:
        return int(self._conn.execute(select(func.count()).select_from(voucher)).scalar_one())

    # --- statements and trial balance -----------------------------------------------------------

    def statement(
        self, account_no: str, *, start: date | None = None, end: date | None = None
    ) -> list[StatementLine]:
        """The postings of one account in date order, each with the balance after it."""
        account_row = self._conn.execute(
            select(ledger_account.c.id, ledger_account.c.opening_balance_fen, gl_account.c.normal_side)
            .join(gl_account, gl_account.c.code == ledger_account.c.gl_code)
            .where(ledger_account.c.account_no == account_no)
        ).first()
        if account_row is None:
            raise LedgerNotFound("ledger_account_not_found", account=account_no)
        signed_amount = case(
            (posting.c.side == account_row.normal_side, posting.c.amount_fen), else_=-posting.c.amount_fen
        )
        order = (voucher.c.business_date, posting.c.id)
        inner = (
            select(
                voucher.c.voucher_no,
                posting.c.line_no,
                voucher.c.business_date,
                posting.c.value_date,
                voucher.c.memo,
                voucher.c.kind,
                posting.c.side,
                posting.c.amount_fen,
                posting.c.business_type,
                posting.c.current_year_fen,
                posting.c.carried_fen,
                posting.c.interest_fen,
                posting.c.id.label("posting_id"),
                func.sum(signed_amount).over(order_by=order).label("running_fen"),
            )
            .join(voucher, voucher.c.id == posting.c.voucher_id)
            .where(posting.c.ledger_account_id == account_row.id)
            .subquery()
        )
        query = select(inner)
        if start is not None:
            query = query.where(inner.c.business_date >= start)
        if end is not None:
            query = query.where(inner.c.business_date <= end)
        query = query.order_by(inner.c.business_date, inner.c.posting_id)
        opening = int(account_row.opening_balance_fen)
        return [
            StatementLine(
                voucher_no=row.voucher_no,
                line_no=int(row.line_no),
                business_date=row.business_date,
                value_date=row.value_date,
                memo=row.memo,
                kind=row.kind,
                side=Side(row.side),
                amount=Money(int(row.amount_fen)),
                balance_after=Money(opening + int(row.running_fen)),
                business_type=row.business_type,
                current_year=_money_or_none(row.current_year_fen),
                carried=_money_or_none(row.carried_fen),
                interest=_money_or_none(row.interest_fen),
            )
            for row in self._conn.execute(query)
        ]

    def trial_balance(self, as_of: date | None = None) -> list[TrialBalanceLine]:
        """Turnover and balance per postable GL code; up to `as_of` (included) when given."""
        if as_of is None:
            rows = self._conn.execute(select(gl_balance).order_by(gl_balance.c.gl_code)).all()
            return [
                TrialBalanceLine(
                    gl_code=row.gl_code,
                    debit_total=Money(int(row.debit_fen)),
                    credit_total=Money(int(row.credit_fen)),
                    balance=Money(int(row.balance_fen)),
                )
                for row in rows
            ]
        turnover = (
            select(
                posting.c.gl_code,
                func.sum(case((posting.c.side == "D", posting.c.amount_fen), else_=0)).label("debit"),
                func.sum(case((posting.c.side == "C", posting.c.amount_fen), else_=0)).label("credit"),
            )
            .join(voucher, voucher.c.id == posting.c.voucher_id)
            .where(voucher.c.business_date <= as_of)
            .group_by(posting.c.gl_code)
            .subquery()
        )
        opening = (
            select(
                ledger_account.c.gl_code,
                func.sum(ledger_account.c.opening_balance_fen).label("opening"),
            )
            .group_by(ledger_account.c.gl_code)
            .subquery()
        )
        query = (
            select(
                gl_balance.c.gl_code,
                gl_account.c.normal_side,
                func.coalesce(turnover.c.debit, 0).label("debit"),
                func.coalesce(turnover.c.credit, 0).label("credit"),
                func.coalesce(opening.c.opening, 0).label("opening"),
            )
            .join(gl_account, gl_account.c.code == gl_balance.c.gl_code)
            .outerjoin(turnover, turnover.c.gl_code == gl_balance.c.gl_code)
            .outerjoin(opening, opening.c.gl_code == gl_balance.c.gl_code)
            .order_by(gl_balance.c.gl_code)
        )
        lines = []
        for row in self._conn.execute(query):
            debit, credit = int(row.debit), int(row.credit)
            net = debit - credit if row.normal_side == Side.DEBIT.value else credit - debit
            lines.append(
                TrialBalanceLine(
                    gl_code=row.gl_code,
                    debit_total=Money(debit),
                    credit_total=Money(credit),
                    balance=Money(int(row.opening) + net),
                )
            )
        return lines

    # --- invariant check (check_ledger) ---------------------------------------------------------

    def check(self) -> LedgerCheckResult:
        """Set-based verification of the ledger invariants (reliability.md, check_ledger)."""
        findings: list[LedgerFinding] = []
        findings += self._check_vouchers_balance()
        findings += self._check_global_balance()
        findings += self._check_account_balances()
        findings += self._check_floors()
        findings += self._check_uniqueness()
        findings += self._check_gl_balances()
        conn = self._conn
        return LedgerCheckResult(
            findings=tuple(findings),
            voucher_count=int(conn.execute(select(func.count()).select_from(voucher)).scalar_one()),
            posting_count=int(conn.execute(select(func.count()).select_from(posting)).scalar_one()),
            account_count=int(conn.execute(select(func.count()).select_from(ledger_account)).scalar_one()),
        )

    @staticmethod
    def _sums() -> tuple[ColumnElement[Any], ColumnElement[Any]]:
        debit = func.coalesce(func.sum(case((posting.c.side == "D", posting.c.amount_fen), else_=0)), 0)
        credit = func.coalesce(func.sum(case((posting.c.side == "C", posting.c.amount_fen), else_=0)), 0)
        return debit, credit

    def _check_vouchers_balance(self) -> list[LedgerFinding]:
        debit, credit = self._sums()
        per_voucher = (
            select(
                posting.c.voucher_id,
                debit.label("debit"),
                credit.label("credit"),
                func.count().label("lines"),
            )
            .group_by(posting.c.voucher_id)
            .subquery()
        )
        lines = func.coalesce(per_voucher.c.lines, 0)
        d = func.coalesce(per_voucher.c.debit, 0)
        c = func.coalesce(per_voucher.c.credit, 0)
        rows = self._conn.execute(
            select(voucher.c.voucher_no, d.label("debit"), c.label("credit"), lines.label("lines"))
            .select_from(voucher.outerjoin(per_voucher, per_voucher.c.voucher_id == voucher.c.id))
            .where(
                or_(
                    lines < 2,
                    d != c,
                    lines != voucher.c.posting_count,
                    d != voucher.c.total_fen,
                )
            )
            .order_by(voucher.c.id)
            .limit(MAX_FINDINGS)
        ).all()
        return [
            LedgerFinding(
                "check_voucher_unbalanced",
                {
                    "voucher_no": row.voucher_no,
                    "debit": str(Money(int(row.debit))),
                    "credit": str(Money(int(row.credit))),
                    "lines": int(row.lines),
                },
            )
            for row in rows
        ]

    def _check_global_balance(self) -> list[LedgerFinding]:
        debit, credit = self._sums()
        row = self._conn.execute(select(debit.label("debit"), credit.label("credit"))).one()
        if int(row.debit) == int(row.credit):
            return []
        return [
            LedgerFinding(
                "check_ledger_unbalanced",
                {"debit": str(Money(int(row.debit))), "credit": str(Money(int(row.credit)))},
            )
        ]

    def _check_account_balances(self) -> list[LedgerFinding]:
        signed_amount = case(
            (posting.c.side == gl_account.c.normal_side, posting.c.amount_fen), else_=-posting.c.amount_fen
        )
        movements = (
            select(
                posting.c.ledger_account_id,
                func.sum(signed_amount).label("net"),
            )
            .join(gl_account, gl_account.c.code == posting.c.gl_code)
            .group_by(posting.c.ledger_account_id)
            .subquery()
        )
        expected = ledger_account.c.opening_balance_fen + func.coalesce(movements.c.net, 0)
        rows = self._conn.execute(
            select(ledger_account.c.account_no, ledger_account.c.balance_fen, expected.label("expected"))
            .select_from(
                ledger_account.outerjoin(movements, movements.c.ledger_account_id == ledger_account.c.id)
            )
            .where(ledger_account.c.balance_fen != expected)
            .order_by(ledger_account.c.id)
            .limit(MAX_FINDINGS)
        ).all()
        return [
            LedgerFinding(
                "check_account_balance_mismatch",
                {
                    "account": row.account_no,
                    "balance": str(Money(int(row.balance_fen))),
                    "expected": str(Money(int(row.expected))),
                },
            )
            for row in rows
        ]

    def _check_floors(self) -> list[LedgerFinding]:
        rows = self._conn.execute(
            select(ledger_account.c.account_no, ledger_account.c.balance_fen, ledger_account.c.floor_fen)
            .where(
                ledger_account.c.floor_fen.is_not(None),
                ledger_account.c.balance_fen < ledger_account.c.floor_fen,
            )
            .limit(MAX_FINDINGS)
        ).all()
        return [
            LedgerFinding(
                "check_balance_below_floor",
                {
                    "account": row.account_no,
                    "balance": str(Money(int(row.balance_fen))),
                    "floor": str(Money(int(row.floor_fen))),
                },
            )
            for row in rows
        ]

    def _check_uniqueness(self) -> list[LedgerFinding]:
        findings: list[LedgerFinding] = []
        duplicates = self._conn.execute(
            select(voucher.c.source, voucher.c.source_ref, func.count().label("n"))
            .group_by(voucher.c.source, voucher.c.source_ref)
            .having(func.count() > 1)
            .limit(MAX_FINDINGS)
        ).all()
        findings += [
            LedgerFinding(
                "check_duplicate_source_ref",
                {"source": row.source, "source_ref": row.source_ref, "count": int(row.n)},
            )
            for row in duplicates
        ]
        original = voucher.alias("original")
        twice = self._conn.execute(
            select(original.c.voucher_no, func.count().label("n"))
            .select_from(voucher.join(original, original.c.id == voucher.c.reverses_voucher_id))
            .group_by(original.c.voucher_no)
            .having(func.count() > 1)
            .limit(MAX_FINDINGS)
        ).all()
        findings += [
            LedgerFinding("check_reversed_twice", {"voucher_no": row.voucher_no, "count": int(row.n)})
            for row in twice
        ]
        chained = self._conn.execute(
            select(voucher.c.voucher_no)
            .select_from(voucher.join(original, original.c.id == voucher.c.reverses_voucher_id))
            .where(or_(original.c.reverses_voucher_id.is_not(None), original.c.kind == "reversal"))
            .limit(MAX_FINDINGS)
        ).all()
        findings += [
            LedgerFinding("check_reversal_of_reversal", {"voucher_no": r.voucher_no}) for r in chained
        ]
        return findings

    def _check_gl_balances(self) -> list[LedgerFinding]:
        sub = (
            select(ledger_account.c.gl_code, func.sum(ledger_account.c.balance_fen).label("total"))
            .group_by(ledger_account.c.gl_code)
            .subquery()
        )
        debit, credit = self._sums()
        turnover = (
            select(posting.c.gl_code, debit.label("debit"), credit.label("credit"))
            .group_by(posting.c.gl_code)
            .subquery()
        )
        sub_total = func.coalesce(sub.c.total, 0)
        t_debit = func.coalesce(turnover.c.debit, 0)
        t_credit = func.coalesce(turnover.c.credit, 0)
        rows = self._conn.execute(
            select(
                gl_balance.c.gl_code,
                gl_balance.c.balance_fen,
                gl_balance.c.debit_fen,
                gl_balance.c.credit_fen,
                sub_total.label("sub_total"),
                t_debit.label("t_debit"),
                t_credit.label("t_credit"),
            )
            .select_from(
                gl_balance.outerjoin(sub, sub.c.gl_code == gl_balance.c.gl_code).outerjoin(
                    turnover, turnover.c.gl_code == gl_balance.c.gl_code
                )
            )
            .where(
                or_(
                    gl_balance.c.balance_fen != sub_total,
                    gl_balance.c.debit_fen != t_debit,
                    gl_balance.c.credit_fen != t_credit,
                )
            )
            .order_by(gl_balance.c.gl_code)
        ).all()
        findings = [
            LedgerFinding(
                "check_gl_balance_mismatch",
                {
                    "code": row.gl_code,
                    "gl_balance": str(Money(int(row.balance_fen))),
                    "subledger_total": str(Money(int(row.sub_total))),
                },
            )
            for row in rows
        ]
        orphans = self._conn.execute(
            select(sub.c.gl_code, sub.c.total)
            .select_from(sub.outerjoin(gl_balance, gl_balance.c.gl_code == sub.c.gl_code))
            .where(gl_balance.c.gl_code.is_(None))
        ).all()
        findings += [
            LedgerFinding(
                "check_gl_balance_mismatch",
                {"code": r.gl_code, "gl_balance": "—", "subledger_total": str(Money(int(r.total)))},
            )
            for r in orphans
        ]
        return findings


register("ledger", SqlLedgerRepository)
