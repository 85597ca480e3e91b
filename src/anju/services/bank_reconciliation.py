"""Daily reconciliation (对账) of each centre account: the bank's statement against the books
(interfaces.md §2.6 rule 4, reliability.md I8).

Each statement line gets a verdict — matched, missing (in the books, not on the statement),
duplicate, amount mismatch or unknown (on the statement, not in the books) — and the statement's
closing balance is compared with the book balance of the account's 101xx ledger account. The
result is a report (银行存款余额调节表) for finance: nothing is adjusted automatically.

It runs as an end-of-day step: for each account the day's statement is pulled (BDC113) and
imported (the backstop for lost notices), then reconciled. Without a configured bank the step
reconciles only statements a clerk imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from anju.domain.bank import (
    VERDICT_LABELS,
    BankConflict,
    BankFileRejected,
    BankLinkError,
    BankNotFound,
    Verdict,
    reconcile_lines,
)
from anju.domain.security import Actor, AuditEvent, Permission
from anju.money import Money
from anju.services import bank, bank_inbox
from anju.services.end_of_day import EodStep, register_eod_step
from anju.services.ports import (
    BankGateway,
    CentreBankAccountRecord,
    ReconciliationItemRecord,
    ReconciliationRecord,
    UnitOfWork,
    UnitOfWorkFactory,
)
from anju.services.runner import read, run

STATE_LABELS: Final = {"balanced": "相符", "differences": "有差异", "no_statement": "无对账单"}
EOD_STEP_NAME: Final = "bank_reconciliation"


@dataclass(frozen=True, slots=True)
class ReconItemView:
    verdict: str
    verdict_label: str
    serial: str | None
    line_seq: int | None
    statement_amount: Money | None
    voucher_no: str | None
    ledger_amount: Money | None
    note: str


@dataclass(frozen=True, slots=True)
class ReconciliationView:
    id: int
    account_no: str
    business_date: date
    run_no: int
    state: str
    state_label: str
    bank_balance: Money | None  # the statement's closing balance
    book_balance: Money  # the 101xx account's balance at the end of the day
    statement_total: Money
    ledger_total: Money
    counts: dict[str, int]
    statement_sums: dict[str, Money]
    ledger_sums: dict[str, Money]
    message: str
    created_at: datetime
    created_by: str
    items: tuple[ReconItemView, ...] = ()

    @property
    def difference(self) -> Money | None:
        """Bank balance minus book balance (zero when the balances agree)."""
        return None if self.bank_balance is None else self.bank_balance - self.book_balance

    @property
    def adjusted_bank_balance(self) -> Money | None:
        """调节后银行余额: the bank's balance without what the books do not hold (unknown and
        duplicate lines, the excess of mismatched amounts) plus what only the books hold."""
        if self.bank_balance is None:
            return None
        s, g = self.statement_sums, self.ledger_sums
        only_bank = (
            s[Verdict.UNKNOWN]
            + s[Verdict.DUPLICATE]
            + s[Verdict.AMOUNT_MISMATCH]
            - g[Verdict.AMOUNT_MISMATCH]
        )
        return self.bank_balance - only_bank + g[Verdict.MISSING]

    @property
    def verdict_rows(self) -> list[tuple[str, str, int, Money, Money]]:
        """(verdict, label, count, statement sum, ledger sum) in a fixed order, for reports."""
        return [
            (v, VERDICT_LABELS[v], self.counts.get(v, 0), self.statement_sums[v], self.ledger_sums[v])
            for v in Verdict.ALL
        ]


def _view(
    record: ReconciliationRecord, items: list[ReconciliationItemRecord] | None = None
) -> ReconciliationView:
    zero = dict.fromkeys(Verdict.ALL, Money.ZERO)
    return ReconciliationView(
        id=record.id,
        account_no=record.account_no,
        business_date=record.business_date,
        run_no=record.run_no,
        state=record.state,
        state_label=STATE_LABELS.get(record.state, record.state),
        bank_balance=record.bank_balance,
        book_balance=record.book_balance,
        statement_total=record.statement_total,
        ledger_total=record.ledger_total,
        counts={v: record.counts.get(v, 0) for v in Verdict.ALL},
        statement_sums={**zero, **record.statement_sums},
        ledger_sums={**zero, **record.ledger_sums},
        message=record.message,
        created_at=record.created_at,
        created_by=record.created_by,
        items=tuple(
            ReconItemView(
                verdict=i.verdict,
                verdict_label=VERDICT_LABELS.get(i.verdict, i.verdict),
                serial=i.serial,
                line_seq=i.line_seq,
                statement_amount=i.statement_amount,
                voucher_no=i.voucher_no,
                ledger_amount=i.ledger_amount,
                note=i.note,
            )
            for i in items or ()
        ),
    )


def reconcile(uow: UnitOfWork, actor: Actor, account_no: str, day: date) -> ReconciliationView:
    """Reconcile one account for one day against the latest statement imported for that day.

    Reads only: the books are never changed by a reconciliation (differences are for people).
    """
    actor.require(Permission.BANK_OPERATE)
    account = bank.centre_account(uow, account_no)
    assert account.ledger_account_no is not None
    movements = uow.bank.ledger_movements(account.ledger_account_no, day)
    book = uow.bank.book_balance(account.ledger_account_no, day)
    statement = uow.bank.latest_statement(account.account_no, day)
    values: dict[str, object] = {
        "account_no": account.account_no,
        "business_date": day,
        "created_by": actor.username,
        "created_at": uow.now_utc(),
        "book_balance": book,
    }
    if statement is None:
        ledger_total = Money(sum(m.amount.fen for m in movements))
        values.update(
            file_id=None,
            state="no_statement",
            bank_balance=None,
            statement_total=Money.ZERO,
            ledger_total=ledger_total,
            counts={},
            statement_sums={},
            ledger_sums={},
            message=f"未取得 {day} 的银行对账单，本中心当日发生额 {ledger_total} 元",
        )
        items: list[ReconciliationItemRecord] = []
    else:
        outcome = reconcile_lines(uow.bank.statement_lines(statement.id), movements)
        balances_agree = statement.closing is None or statement.closing == book
        state = "balanced" if outcome.balanced and balances_agree else "differences"
        values.update(
            file_id=statement.id,
            state=state,
            bank_balance=statement.closing,
            statement_total=outcome.statement_total,
            ledger_total=outcome.ledger_total,
            counts=outcome.counts,
            statement_sums=outcome.statement_sums,
            ledger_sums=outcome.ledger_sums,
            message=_message(outcome.counts, statement.closing, book),
        )
        items = [
            ReconciliationItemRecord(
                verdict=i.verdict,
                serial=i.serial,
                line_seq=i.line_seq,
                statement_amount=i.statement_amount,
                voucher_no=i.voucher_no,
                ledger_amount=i.ledger_amount,
                note=i.note,
            )
            for i in outcome.items
        ]
    record = uow.bank.insert_reconciliation(values, items)
    uow.audit.append(
        AuditEvent.by(
            actor,
            "bank.reconcile",
            "bank_reconciliation",
            f"{account.account_no}/{day.isoformat()}/{record.run_no}",
            details={"state": record.state, "items": len(items)},
        )
    )
    return _view(record, items)


def _message(counts: dict[str, int], closing: Money | None, book: Money) -> str:
    parts = [f"{VERDICT_LABELS[v]} {counts[v]} 笔" for v in Verdict.ALL if counts.get(v)]
    if closing is not None:
        parts.append("余额相符" if closing == book else f"余额差额 {closing - book} 元")
    return "；".join(parts) or "当日无发生额，余额相符"


def get_reconciliation(uow: UnitOfWork, actor: Actor | None, recon_id: int) -> ReconciliationView:
    if actor is not None:
        actor.require(Permission.BANK_VIEW)
    record = uow.bank.reconciliation(recon_id)
    if record is None:
        raise BankNotFound("not_found", what=f"对账结果 {recon_id}")
    return _view(record, uow.bank.reconciliation_items(recon_id))


def list_reconciliations(
    uow: UnitOfWork,
    actor: Actor | None,
    *,
    day: date | None = None,
    account_no: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[ReconciliationView]:
    if actor is not None:
        actor.require(Permission.BANK_VIEW)
    records = uow.bank.list_reconciliations(day=day, account_no=account_no, limit=limit, offset=offset)
    return [_view(r) for r in records]


def _accounts(uow: UnitOfWork) -> list[CentreBankAccountRecord]:
    return [a for a in uow.org.list_centre_bank_accounts() if a.status == "active" and a.ledger_account_no]


@dataclass(frozen=True, slots=True)
class DayReport:
    business_date: date
    reconciliations: tuple[ReconciliationView, ...]
    problems: tuple[str, ...]  # statements that could not be fetched or were refused

    def summary(self) -> str:
        by_state: dict[str, int] = {}
        for r in self.reconciliations:
            by_state[r.state] = by_state.get(r.state, 0) + 1
        parts = [f"{STATE_LABELS[s]} {n} 个" for s, n in sorted(by_state.items())]
        text = f"对账 {len(self.reconciliations)} 个专户" + (f"：{'，'.join(parts)}" if parts else "")
        return text + (f"；{len(self.problems)} 个未取得对账单" if self.problems else "")


def reconcile_day_in(uow: UnitOfWork, actor: Actor, day: date) -> DayReport:
    """Pull and import each account's statement for the day (if a bank is configured), then
    reconcile every account, in the caller's transaction (the end-of-day step owns one)."""
    actor.require(Permission.BANK_OPERATE)
    gateway = bank.default_gateway()
    problems: list[str] = []
    if gateway is not None:
        try:
            with uow.savepoint():
                bank.ensure_signed_in_in(uow, gateway, actor)
        except (BankLinkError, BankConflict) as exc:
            problems.append(f"签到：{exc.message}")
    for account in _accounts(uow):
        if gateway is not None:
            try:
                with uow.savepoint():
                    bank_inbox.fetch_statement_in(uow, actor, gateway, account, day)
            except (BankConflict, BankLinkError, BankFileRejected) as exc:
                problems.append(f"{account.account_no}：{exc.message}")
    views = _reconcile_all(uow, actor, day, with_bank=gateway is not None)
    return DayReport(day, views, tuple(problems))


def _reconcile_all(
    uow: UnitOfWork, actor: Actor, day: date, *, with_bank: bool
) -> tuple[ReconciliationView, ...]:
    """Every account with a statement for the day; with a bank, the others too (no statement)."""
    return tuple(
        reconcile(uow, actor, account.account_no, day)
        for account in _accounts(uow)
        if with_bank or uow.bank.latest_statement(account.account_no, day) is not None
    )


def reconcile_day(
    uow_factory: UnitOfWorkFactory, actor: Actor, day: date, gateway: BankGateway | None = None
) -> DayReport:
    """`anju bank reconcile --date`, the page and the API: each statement is fetched in its own
    short transactions (no lock held while the bank answers), then all accounts are reconciled
    in one transaction."""
    actor.require(Permission.BANK_OPERATE)
    link = gateway or bank.default_gateway()
    problems: list[str] = []
    if link is not None:
        accounts = read(uow_factory, _accounts)
        for account in accounts:
            try:
                bank_inbox.fetch_statement(uow_factory, actor, link, account.account_no, day)
            except (BankConflict, BankLinkError, BankFileRejected) as exc:
                problems.append(f"{account.account_no}：{exc.message}")
    views = run(uow_factory, lambda uow: _reconcile_all(uow, actor, day, with_bank=link is not None))
    return DayReport(day, views, tuple(problems))


def _eod_step(uow: UnitOfWork, day: date) -> str:
    report = reconcile_day_in(uow, Actor.system("eod"), day)
    if bank.default_gateway() is None and not report.reconciliations:
        return "未配置银行结算接口，未对账"
    return report.summary()


register_eod_step(EodStep(EOD_STEP_NAME, "银行对账", _eod_step))
