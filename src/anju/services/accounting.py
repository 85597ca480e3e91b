"""Accounting use cases (会计核算): manual vouchers with maker-checker, error correction by
reversal, period close (月结 / 年结) with the period lock, and voucher printing.

Manual vouchers: a finance clerk makes a draft (制单), another clerk reviews it (复核; the maker
never reviews their own), then it is posted (记账) on the business date. Each gets a number per
period (YYYYMM-NNNN) when it is made. An error correction (错账调整) is a manual voucher whose
posting is the red-ink reversal of the wrong voucher, with its reason, through the same review.

Period close: the lock is the last day of the last closed month; the posting path
(`uow.ledger.post`) refuses any voucher dated on or before it, so a closed period is final and
corrections go into the open period by reversal. Closing December first carries income, expense
and the distribution into 311 (结转增值收益).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from anju.dates import YearMonth
from anju.domain.accounting import AccountingRuleViolation, Report, VoucherLinePrint, voucher_report
from anju.domain.security import Actor, AuditEvent, Permission
from anju.ids import VoucherNo
from anju.ledger.balances import Side
from anju.ledger.chart import GlAccount
from anju.ledger.entries import AccountRef, LedgerRuleViolation
from anju.ledger.posting_rules import manual_voucher, year_end_close
from anju.money import Money
from anju.services.accounting_ports import (
    DRAFT,
    KIND_CORRECTION,
    KIND_MANUAL,
    POSTED,
    REJECTED,
    REVIEWED,
    ManualLineRecord,
    ManualVoucherRecord,
    NewManualVoucher,
    PeriodRecord,
)
from anju.services.calendar import current_business_date
from anju.services.ledger import ManualVoucherCommand, ManualVoucherLine
from anju.services.ports import UnitOfWork

MAX_LINES = 100
STATE_LABELS = {DRAFT: "待复核", REVIEWED: "已复核待记账", POSTED: "已记账", REJECTED: "已退回"}
MANUAL_SOURCE_PREFIX = "MV"  # ledger source_ref of a posted manual voucher: MV202611-0001


# --- views -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ManualLineView:
    line_no: int
    gl_code: str
    gl_name_zh: str
    account_no: str | None
    side: str  # debit | credit
    side_zh: str
    amount: Money


@dataclass(frozen=True, slots=True)
class ManualVoucherView:
    number: str  # YYYYMM-NNNN
    period: str
    kind: str
    kind_zh: str
    state: str
    state_zh: str
    memo: str
    value_date: date | None
    total: Money
    maker: str
    made_at: datetime
    reviewer: str | None
    reviewed_at: datetime | None
    poster: str | None
    posted_at: datetime | None
    voucher_no: str | None
    reverses: str | None
    reason: str | None
    lines: tuple[ManualLineView, ...] = ()


@dataclass(frozen=True, slots=True)
class PeriodView:
    period: str
    label: str
    closed_on: date
    closed_at: datetime
    closed_by: str
    year_end: bool
    closing_voucher_no: str | None


@dataclass(frozen=True, slots=True)
class PeriodsView:
    business_date: date
    closed_through: date | None
    next_to_close: str | None  # YYYYMM the next close would lock, None when none is due
    periods: tuple[PeriodView, ...]


def _chart(uow: UnitOfWork) -> dict[str, GlAccount]:
    return {account.code: account for account in uow.ledger.list_chart()}


def _view(record: ManualVoucherRecord, names: dict[str, str]) -> ManualVoucherView:
    return ManualVoucherView(
        number=record.number,
        period=record.period,
        kind=record.kind,
        kind_zh="错账调整" if record.kind == KIND_CORRECTION else "手工凭证",
        state=record.state,
        state_zh=STATE_LABELS.get(record.state, record.state),
        memo=record.memo,
        value_date=record.value_date,
        total=record.total,
        maker=record.maker,
        made_at=record.made_at,
        reviewer=record.reviewer,
        reviewed_at=record.reviewed_at,
        poster=record.poster,
        posted_at=record.posted_at,
        voucher_no=record.voucher_no,
        reverses=record.reverses,
        reason=record.reason,
        lines=tuple(
            ManualLineView(
                line_no=line.line_no,
                gl_code=line.gl_code,
                gl_name_zh=names.get(line.gl_code, line.gl_code),
                account_no=line.account_no,
                side=line.side.word,
                side_zh=line.side.label_zh,
                amount=line.amount,
            )
            for line in record.lines
        ),
    )


def parse_number(number: str) -> tuple[str, int]:
    """ "202611-0001" -> ("202611", 1); anything else is refused as not found."""
    period, _, seq = number.strip().partition("-")
    if len(period) != 6 or not period.isdigit() or not seq.isdigit() or len(seq) > 9:
        raise AccountingRuleViolation("invalid_business_number", kind="凭证", value=number[:20])
    return period, int(seq)


# --- manual vouchers: make, review, reject, post ---------------------------------------------


def make_manual_voucher(uow: UnitOfWork, actor: Actor, cmd: ManualVoucherCommand) -> ManualVoucherView:
    """制单: a balanced draft on postable accounts, numbered in the current period."""
    actor.require(Permission.LEDGER_POST_MANUAL)
    memo = cmd.memo.strip()
    if not memo:
        raise LedgerRuleViolation("required_field", field="摘要")
    if len(cmd.lines) > MAX_LINES:
        raise AccountingRuleViolation("too_many_voucher_lines", max=MAX_LINES)
    chart = _chart(uow)
    lines = tuple(_checked_line(uow, chart, i, line) for i, line in enumerate(cmd.lines, start=1))
    business_date = current_business_date(uow)
    # Building the draft checks the voucher balances and has two lines (refused before storing).
    draft = manual_voucher(
        source_ref="check",
        business_date=business_date,
        value_date=cmd.value_date or business_date,
        memo=memo,
        lines=[(AccountRef.gl(li.gl_code), li.side, li.amount) for li in lines],
    )
    record = uow.accounting.add_manual_voucher(
        NewManualVoucher(
            period=str(YearMonth.of(business_date)),
            kind=KIND_MANUAL,
            memo=memo,
            value_date=cmd.value_date,
            total=draft.total,
            maker=actor.username,
            made_at=uow.now_utc(),
            reverses=None,
            reason=None,
            lines=lines,
        )
    )
    _audit(uow, actor, "accounting.make_voucher", record, {"total": str(record.total)})
    return _view(record, {c: a.name_zh for c, a in chart.items()})


def make_correction(uow: UnitOfWork, actor: Actor, voucher_no: str, reason: str) -> ManualVoucherView:
    """错账调整: ask for the reversal of a posted voucher, with its reason, for review."""
    actor.require(Permission.LEDGER_REVERSE)
    why = reason.strip()
    if not why:
        raise LedgerRuleViolation("reversal_reason_required")
    number = VoucherNo.parse(voucher_no).value
    original = uow.ledger.get_voucher(number)
    if original.reverses is not None or original.kind == "reversal":
        raise LedgerRuleViolation("voucher_is_reversal", voucher_no=number)
    if original.reversed_by is not None:
        raise AccountingRuleViolation("voucher_already_reversed", voucher_no=number)
    record = uow.accounting.add_manual_voucher(
        NewManualVoucher(
            period=str(YearMonth.of(current_business_date(uow))),
            kind=KIND_CORRECTION,
            memo=f"冲销凭证 {number}：{why}"[:200],
            value_date=None,
            total=original.total,
            maker=actor.username,
            made_at=uow.now_utc(),
            reverses=number,
            reason=why[:200],
            lines=(),
        )
    )
    _audit(uow, actor, "accounting.make_correction", record, {"reverses": number}, reason=why[:200])
    return _view(record, {})


def review_manual_voucher(uow: UnitOfWork, actor: Actor, number: str) -> ManualVoucherView:
    """复核: another person than the maker confirms the draft."""
    actor.require(Permission.ACCOUNTING_REVIEW)
    record = _get(uow, number)
    _require_state(record, DRAFT)
    if record.maker == actor.username:
        raise AccountingRuleViolation("maker_cannot_review", number=record.number)
    _move(uow, record, DRAFT, REVIEWED, actor)
    _audit(uow, actor, "accounting.review_voucher", record, {})
    return get_manual_voucher(uow, actor, number)


def reject_manual_voucher(uow: UnitOfWork, actor: Actor, number: str, reason: str) -> ManualVoucherView:
    """退回: the reviewer sends a draft (or a reviewed voucher not yet posted) back, with a reason."""
    actor.require(Permission.ACCOUNTING_REVIEW)
    why = reason.strip()
    if not why:
        raise LedgerRuleViolation("required_field", field="退回原因")
    record = _get(uow, number)
    if record.state not in (DRAFT, REVIEWED):
        raise AccountingRuleViolation(
            "manual_voucher_wrong_state", number=record.number, state=STATE_LABELS[record.state]
        )
    if record.maker == actor.username:
        raise AccountingRuleViolation("maker_cannot_review", number=record.number)
    _move(uow, record, record.state, REJECTED, actor, reason=why[:200])
    _audit(uow, actor, "accounting.reject_voucher", record, {}, reason=why[:200])
    return get_manual_voucher(uow, actor, number)


def post_manual_voucher(uow: UnitOfWork, actor: Actor, number: str) -> ManualVoucherView:
    """记账: post a reviewed voucher on the business date (a correction posts its reversal)."""
    actor.require(Permission.LEDGER_POST_MANUAL)
    record = _get(uow, number)
    _require_state(record, REVIEWED)
    business_date = current_business_date(uow)
    if record.kind == KIND_CORRECTION:
        assert record.reverses is not None
        posted = uow.ledger.reverse(
            record.reverses, record.reason or record.memo, business_date, actor.username, actor.branch_id
        )
    else:
        draft = manual_voucher(
            source_ref=f"{MANUAL_SOURCE_PREFIX}{record.number}",
            business_date=business_date,
            value_date=record.value_date or business_date,
            memo=record.memo,
            lines=[(_ref(line), line.side, line.amount) for line in record.lines],
        )
        posted = uow.ledger.post(draft, created_by=actor.username, branch_id=actor.branch_id)
    _move(uow, record, REVIEWED, POSTED, actor, voucher_no=posted.voucher_no)
    _audit(uow, actor, "accounting.post_voucher", record, {"voucher_no": posted.voucher_no})
    return get_manual_voucher(uow, actor, number)


def get_manual_voucher(uow: UnitOfWork, actor: Actor, number: str) -> ManualVoucherView:
    actor.require(Permission.LEDGER_VIEW)
    return _view(_get(uow, number), {c: a.name_zh for c, a in _chart(uow).items()})


def list_manual_vouchers(
    uow: UnitOfWork, actor: Actor, *, state: str | None = None, limit: int = 50, offset: int = 0
) -> list[ManualVoucherView]:
    actor.require(Permission.LEDGER_VIEW)
    wanted = state if state in STATE_LABELS else None
    return [
        _view(r, {}) for r in uow.accounting.list_manual_vouchers(state=wanted, limit=limit, offset=offset)
    ]


def _get(uow: UnitOfWork, number: str) -> ManualVoucherRecord:
    period, seq = parse_number(number)
    return uow.accounting.get_manual_voucher(period, seq)


def _require_state(record: ManualVoucherRecord, state: str) -> None:
    if record.state != state:
        raise AccountingRuleViolation(
            "manual_voucher_wrong_state", number=record.number, state=STATE_LABELS[record.state]
        )


def _move(
    uow: UnitOfWork,
    record: ManualVoucherRecord,
    from_state: str,
    to_state: str,
    actor: Actor,
    *,
    voucher_no: str | None = None,
    reason: str | None = None,
) -> None:
    moved = uow.accounting.move_manual_voucher(
        record.id,
        from_state=from_state,
        to_state=to_state,
        by=actor.username,
        at=uow.now_utc(),
        voucher_no=voucher_no,
        reason=reason,
    )
    if not moved:  # another clerk acted first: the caller's rollback undoes any posting
        raise AccountingRuleViolation("manual_voucher_wrong_state", number=record.number, state="已变更")


def _ref(line: ManualLineRecord) -> AccountRef:
    return AccountRef.ledger(line.account_no) if line.account_no else AccountRef.gl(line.gl_code)


def _checked_line(
    uow: UnitOfWork, chart: dict[str, GlAccount], line_no: int, line: ManualVoucherLine
) -> ManualLineRecord:
    gl_code = line.gl_code.strip()
    side_text = line.side
    amount = line.amount
    account_no = (line.account_no or "").strip() or None
    try:
        side = Side.parse(side_text)
    except ValueError:
        raise LedgerRuleViolation("invalid_side", value=side_text[:20]) from None
    gl = chart.get(gl_code)
    if gl is None:
        raise LedgerRuleViolation("unknown_gl_account", code=gl_code[:20])
    if not gl.postable:
        raise LedgerRuleViolation("gl_account_not_postable", code=gl.code)
    if not isinstance(amount, Money) or amount.fen <= 0:
        raise LedgerRuleViolation("posting_amount_not_positive", amount=str(amount))
    if account_no:
        account = uow.ledger.get_account(str(AccountRef.ledger(account_no).account_no))
        if account.gl_code != gl.code:
            raise LedgerRuleViolation("ledger_account_wrong_gl", account=account.account_no, code=gl.code)
        account_no = account.account_no
    elif gl.requires_account_no:
        raise LedgerRuleViolation("gl_account_requires_subledger", code=gl.code)
    return ManualLineRecord(line_no, gl.code, account_no, side, amount)


def _audit(
    uow: UnitOfWork,
    actor: Actor,
    action: str,
    record: ManualVoucherRecord,
    details: dict[str, str],
    *,
    reason: str | None = None,
) -> None:
    uow.audit.append(
        AuditEvent.by(actor, action, "manual_voucher", record.number, reason=reason, details=dict(details))
    )


# --- voucher print (PDF) ---------------------------------------------------------------------


def voucher_print(uow: UnitOfWork, actor: Actor, voucher_no: str) -> Report:
    """A posted voucher as printed (记账凭证), with the maker/reviewer when it was keyed in by hand."""
    actor.require(Permission.LEDGER_VIEW)
    number = VoucherNo.parse(voucher_no).value
    posted = uow.ledger.get_voucher(number)
    names = {c: a.name_zh for c, a in _chart(uow).items()}
    signatures: list[tuple[str, str]] = [("记账", posted.created_by)]
    manual_no = ""
    if posted.source == "manual" and posted.source_ref.startswith(MANUAL_SOURCE_PREFIX):
        manual_no = posted.source_ref.removeprefix(MANUAL_SOURCE_PREFIX)
        record = _get(uow, manual_no)
        signatures = [("制单", record.maker), ("复核", record.reviewer or ""), ("记账", record.poster or "")]
    lines = [
        VoucherLinePrint(
            gl_code=p.gl_code,
            gl_name=names.get(p.gl_code, p.gl_code),
            account_no=p.account_no,
            debit=p.amount if p.side is Side.DEBIT else None,
            credit=p.amount if p.side is Side.CREDIT else None,
        )
        for p in posted.postings
    ]
    return voucher_report(
        voucher_no=posted.voucher_no,
        number=manual_no,
        business_date=posted.business_date,
        memo=posted.memo,
        lines=lines,
        signatures=signatures,
        centre=_centre_name(uow),
    )


def manual_voucher_print(uow: UnitOfWork, actor: Actor, number: str) -> Report:
    """A manual voucher before or after posting (a draft prints for the reviewer's signature)."""
    view = get_manual_voucher(uow, actor, number)
    if view.voucher_no:
        return voucher_print(uow, actor, view.voucher_no)
    lines = [
        VoucherLinePrint(
            gl_code=li.gl_code,
            gl_name=li.gl_name_zh,
            account_no=li.account_no or "",
            debit=li.amount if li.side == "debit" else None,
            credit=li.amount if li.side == "credit" else None,
        )
        for li in view.lines
    ]
    return voucher_report(
        voucher_no="",
        number=view.number,
        business_date=view.made_at.date(),
        memo=view.memo,
        lines=lines,
        signatures=[("制单", view.maker), ("复核", view.reviewer or ""), ("状态", view.state_zh)],
        centre=_centre_name(uow),
    )


def _centre_name(uow: UnitOfWork) -> str:
    centre = uow.org.get_centre()
    return centre.name if centre else "住房公积金管理中心"


# --- periods: month-end and year-end close ---------------------------------------------------


def _period_view(record: PeriodRecord) -> PeriodView:
    return PeriodView(
        period=record.period,
        label=YearMonth.parse(record.period).label(),
        closed_on=record.closed_on,
        closed_at=record.closed_at,
        closed_by=record.closed_by,
        year_end=record.year_end,
        closing_voucher_no=record.closing_voucher_no,
    )


def _next_to_close(closed_through: date | None, business_date: date) -> YearMonth | None:
    """The month the next close would lock: the one after the lock (or the month before the
    business date's when nothing was ever closed), provided it has ended."""
    current = YearMonth.of(business_date)
    candidate = YearMonth.of(closed_through + timedelta(days=1)) if closed_through else current.add(-1)
    return candidate if candidate < current else None


def list_periods(uow: UnitOfWork, actor: Actor) -> PeriodsView:
    actor.require(Permission.LEDGER_VIEW)
    business_date = current_business_date(uow)
    closed_through = uow.accounting.closed_through()
    nxt = _next_to_close(closed_through, business_date)
    return PeriodsView(
        business_date=business_date,
        closed_through=closed_through,
        next_to_close=str(nxt) if nxt else None,
        periods=tuple(_period_view(r) for r in uow.accounting.list_periods()),
    )


def close_period(uow: UnitOfWork, actor: Actor, period: str) -> PeriodView:
    """结账: lock a month that has ended. Months close in order; vouchers made in it and not yet
    posted or sent back hold the close. December is the year end: income, expense and the
    distribution are first carried into 311 by a closing voucher dated 31 December."""
    actor.require(Permission.ACCOUNTING_CLOSE)
    month = YearMonth.parse(period)
    business_date = current_business_date(uow)
    closed_through = uow.accounting.closed_through()
    expected = _next_to_close(closed_through, business_date)
    if closed_through is not None and month.last_day() <= closed_through:
        raise AccountingRuleViolation("period_already_closed", period=str(month))
    if month.last_day() >= business_date:
        raise AccountingRuleViolation("period_not_ended", period=str(month))
    if closed_through is not None and expected is not None and month != expected:
        raise AccountingRuleViolation("period_close_out_of_order", period=str(month), expected=str(expected))
    pending = uow.accounting.count_pending(str(month))
    if pending:
        raise AccountingRuleViolation("period_has_pending_vouchers", period=str(month), count=pending)
    closing_no = None
    if month.month == 12:
        closing_no = _carry_forward(uow, actor, month.year)
    record = PeriodRecord(
        period=str(month),
        closed_on=month.last_day(),
        closed_at=uow.now_utc(),
        closed_by=actor.username,
        year_end=month.month == 12,
        closing_voucher_no=closing_no,
    )
    uow.accounting.close_period(record)
    uow.audit.append(
        AuditEvent.by(
            actor,
            "accounting.close_period",
            "accounting_period",
            str(month),
            details={"year_end": month.month == 12, "closing_voucher": closing_no or ""},
        )
    )
    return _period_view(record)


def _carry_forward(uow: UnitOfWork, actor: Actor, year: int) -> str | None:
    year_end = date(year, 12, 31)
    chart = _chart(uow)
    balances = [
        (line.gl_code, chart[line.gl_code].normal_side, line.balance)
        for line in uow.ledger.trial_balance(year_end)
        if line.gl_code in chart
    ]
    draft = year_end_close(year=year, balances=balances, business_date=year_end)
    if draft is None:
        return None
    return uow.ledger.post(draft, created_by=actor.username, branch_id=actor.branch_id).voucher_no
