"""Ledger use cases: the chart, vouchers, manual vouchers and reversals, trial balance,
account statements, and the invariant check shared by every test (check_ledger).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from anju.domain.documents import business_type_name
from anju.domain.security import Actor, AuditEvent, Permission
from anju.ids import VoucherNo
from anju.ledger.balances import Side, side_of_balance
from anju.ledger.chart import GlAccount
from anju.ledger.entries import AccountRef, LedgerRuleViolation
from anju.ledger.posting_rules import SubledgerSpec, manual_voucher
from anju.ledger.records import LedgerFinding, PostedVoucher
from anju.messages import message_for
from anju.money import Money
from anju.services.calendar import current_business_date
from anju.services.ports import UnitOfWork

# --- views -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GlAccountView:
    code: str
    name_zh: str
    name_en: str
    category: str
    category_zh: str
    normal_side: str  # debit | credit
    normal_side_zh: str  # 借 | 贷
    parent_code: str | None
    postable: bool
    subledger_kind: str | None
    level: int


@dataclass(frozen=True, slots=True)
class PostingView:
    line_no: int
    gl_code: str
    gl_name_zh: str
    account_no: str
    side: str  # debit | credit
    side_zh: str
    amount: Money
    business_type: str | None


@dataclass(frozen=True, slots=True)
class VoucherView:
    voucher_no: str
    source: str
    source_ref: str
    kind: str
    business_date: date
    value_date: date
    memo: str
    created_by: str
    created_at: datetime
    total: Money
    posting_count: int
    reverses: str | None
    reversed_by: str | None
    postings: tuple[PostingView, ...] = ()  # empty in lists
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class TrialBalanceRow:
    code: str
    name_zh: str
    level: int
    category: str
    postable: bool
    debit_total: Money
    credit_total: Money
    balance: Money  # signed by the account's normal side
    balance_side_zh: str  # 借 | 贷, where the balance actually lies
    balance_amount: Money  # absolute value, as printed


@dataclass(frozen=True, slots=True)
class TrialBalanceView:
    as_of: date | None
    rows: tuple[TrialBalanceRow, ...]
    debit_total: Money
    credit_total: Money
    debit_balances: Money  # Σ balances lying on the debit side (top-level accounts)
    credit_balances: Money

    @property
    def balanced(self) -> bool:
        return self.debit_total == self.credit_total and self.debit_balances == self.credit_balances


@dataclass(frozen=True, slots=True)
class StatementLineView:
    business_date: date
    value_date: date
    voucher_no: str
    memo: str
    side: str
    side_zh: str
    amount: Money
    balance_after: Money
    business_type: str | None
    business_type_zh: str = ""  # 业务类型 as printed: 汇缴, 部分提取, 年终结息 ...
    current_year: Money | None = None  # 当年归集发生额 DNGJFSE (member deposit accounts)
    carried: Money | None = None  # 上年结转发生额 SNJZFSE
    interest: Money | None = None  # 发生利息额 FSLXE (年度结息, interest paid on closing)


@dataclass(frozen=True, slots=True)
class AccountStatementView:
    account_no: str
    gl_code: str
    gl_name_zh: str
    kind: str
    owner_type: str | None
    owner_id: int | None
    status: str
    balance: Money
    lines: tuple[StatementLineView, ...]


@dataclass(frozen=True, slots=True)
class LedgerCheckReport:
    ok: bool
    problems: list[str]  # Chinese, one per finding
    findings: tuple[LedgerFinding, ...]
    voucher_count: int
    posting_count: int
    account_count: int
    audit_rows_checked: int | None = None  # None: no audit log to verify


@dataclass(frozen=True, slots=True)
class ManualVoucherLine:
    gl_code: str
    side: str  # debit | credit (also D/C, 借/贷)
    amount: Money
    account_no: str | None = None  # required for accounts with a sub-ledger (201, 21901, 121 ...)


@dataclass(frozen=True, slots=True)
class ManualVoucherCommand:
    lines: tuple[ManualVoucherLine, ...]
    memo: str
    idempotency_ref: str | None = None  # a form's one-time token: a resubmission replays
    value_date: date | None = None  # default: the business date


# --- queries ---------------------------------------------------------------------------------


def _gl_view(account: GlAccount) -> GlAccountView:
    return GlAccountView(
        code=account.code,
        name_zh=account.name_zh,
        name_en=account.name_en,
        category=account.category.value,
        category_zh=account.category.label_zh,
        normal_side=account.normal_side.word,
        normal_side_zh=account.normal_side.label_zh,
        parent_code=account.parent,
        postable=account.postable,
        subledger_kind=account.subledger_kind.value if account.subledger_kind else None,
        level=account.level,
    )


def list_chart(uow: UnitOfWork, actor: Actor) -> list[GlAccountView]:
    actor.require(Permission.LEDGER_VIEW)
    return [_gl_view(account) for account in uow.ledger.list_chart()]


def _names(uow: UnitOfWork) -> dict[str, str]:
    return {account.code: account.name_zh for account in uow.ledger.list_chart()}


def _voucher_view(posted: PostedVoucher, names: dict[str, str]) -> VoucherView:
    return VoucherView(
        voucher_no=posted.voucher_no,
        source=posted.source,
        source_ref=posted.source_ref,
        kind=posted.kind,
        business_date=posted.business_date,
        value_date=posted.value_date,
        memo=posted.memo,
        created_by=posted.created_by,
        created_at=posted.created_at,
        total=posted.total,
        posting_count=posted.posting_count,
        reverses=posted.reverses,
        reversed_by=posted.reversed_by,
        postings=tuple(
            PostingView(
                line_no=p.line_no,
                gl_code=p.gl_code,
                gl_name_zh=names.get(p.gl_code, p.gl_code),
                account_no=p.account_no,
                side=p.side.word,
                side_zh=p.side.label_zh,
                amount=p.amount,
                business_type=p.business_type,
            )
            for p in posted.postings
        ),
        replayed=posted.replayed,
    )


def list_vouchers(uow: UnitOfWork, actor: Actor, *, limit: int = 50, offset: int = 0) -> list[VoucherView]:
    actor.require(Permission.LEDGER_VIEW)
    return [_voucher_view(v, {}) for v in uow.ledger.list_vouchers(limit, offset)]


def get_voucher(uow: UnitOfWork, actor: Actor, voucher_no: str) -> VoucherView:
    actor.require(Permission.LEDGER_VIEW)
    number = VoucherNo.parse(voucher_no).value
    return _voucher_view(uow.ledger.get_voucher(number), _names(uow))


def trial_balance(uow: UnitOfWork, actor: Actor, as_of: date | None = None) -> TrialBalanceView:
    """试算平衡表: every chart account, parents summing their children."""
    actor.require(Permission.LEDGER_VIEW)
    chart = uow.ledger.list_chart()
    by_code = {account.code: account for account in chart}
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # debit, credit, balance
    for line in uow.ledger.trial_balance(as_of):
        code: str | None = line.gl_code
        while code is not None:  # roll up to every ancestor (same normal side, see chart_problems)
            entry = sums[code]
            entry[0] += line.debit_total.fen
            entry[1] += line.credit_total.fen
            entry[2] += line.balance.fen
            code = by_code[code].parent if code in by_code else None
    rows: list[TrialBalanceRow] = []
    debit_total = credit_total = debit_balances = credit_balances = 0
    for account in chart:
        debit, credit, balance = sums.get(account.code, [0, 0, 0])
        side, amount = side_of_balance(account.normal_side, Money(balance))
        rows.append(
            TrialBalanceRow(
                code=account.code,
                name_zh=account.name_zh,
                level=account.level,
                category=account.category.value,
                postable=account.postable,
                debit_total=Money(debit),
                credit_total=Money(credit),
                balance=Money(balance),
                balance_side_zh=side.label_zh,
                balance_amount=amount,
            )
        )
        if account.parent is None:
            debit_total += debit
            credit_total += credit
            if side is Side.DEBIT:
                debit_balances += amount.fen
            else:
                credit_balances += amount.fen
    return TrialBalanceView(
        as_of=as_of,
        rows=tuple(rows),
        debit_total=Money(debit_total),
        credit_total=Money(credit_total),
        debit_balances=Money(debit_balances),
        credit_balances=Money(credit_balances),
    )


def account_statement(
    uow: UnitOfWork,
    actor: Actor,
    account_no: str,
    *,
    start: date | None = None,
    end: date | None = None,
) -> AccountStatementView:
    """明细账 / 个人明细: the postings of one account in date order with running balances."""
    actor.require(Permission.LEDGER_VIEW)
    account = uow.ledger.get_account(account_no)
    actor.require_branch(account.branch_id)
    names = _names(uow)
    lines = tuple(
        StatementLineView(
            business_date=line.business_date,
            value_date=line.value_date,
            voucher_no=line.voucher_no,
            memo=line.memo,
            side=line.side.word,
            side_zh=line.side.label_zh,
            amount=line.amount,
            balance_after=line.balance_after,
            business_type=line.business_type,
            business_type_zh=business_type_name(line.business_type, line.memo),
            current_year=line.current_year,
            carried=line.carried,
            interest=line.interest,
        )
        for line in uow.ledger.statement(account_no, start=start, end=end)
    )
    return AccountStatementView(
        account_no=account.account_no,
        gl_code=account.gl_code,
        gl_name_zh=names.get(account.gl_code, account.gl_code),
        kind=account.kind.value,
        owner_type=account.owner_type,
        owner_id=account.owner_id,
        status=account.status,
        balance=account.balance,
        lines=lines,
    )


# --- commands --------------------------------------------------------------------------------


def open_subledger_account(
    uow: UnitOfWork,
    spec: SubledgerSpec,
    *,
    owner_type: str,
    owner_id: int,
    branch_id: int | None,
    opened_on: date,
) -> str:
    """Open a member / unit suspense / loan account per its posting-rules spec; its account_no."""
    return uow.ledger.open_account(
        spec.gl_code,
        spec.kind,
        owner_type=owner_type,
        owner_id=owner_id,
        branch_id=branch_id,
        floor=spec.floor,
        opened_on=opened_on,
    )


def post_manual_voucher(uow: UnitOfWork, actor: Actor, cmd: ManualVoucherCommand) -> VoucherView:
    """A voucher keyed in by finance (手工记账). Only postable accounts; sub-ledger accounts by number.

    With an `idempotency_ref` a resubmission of the same voucher returns the first one.
    """
    actor.require(Permission.LEDGER_POST_MANUAL)
    memo = cmd.memo.strip()
    if not memo:
        raise LedgerRuleViolation("required_field", field="摘要")
    chart = {account.code: account for account in uow.ledger.list_chart()}
    lines = [_manual_line(uow, chart, line) for line in cmd.lines]
    business_date = current_business_date(uow)
    ref = cmd.idempotency_ref.strip() if cmd.idempotency_ref else None
    source_ref = f"{actor.username}:{ref}" if ref else f"{actor.username}:{uuid.uuid4().hex}"
    draft = manual_voucher(
        source_ref=source_ref,
        business_date=business_date,
        value_date=cmd.value_date or business_date,
        memo=memo,
        lines=lines,
    )
    posted = uow.ledger.post(
        draft, created_by=actor.username, branch_id=actor.branch_id, replay_ok=ref is not None
    )
    if not posted.replayed:
        uow.audit.append(
            AuditEvent.by(
                actor,
                "ledger.post_manual_voucher",
                "voucher",
                posted.voucher_no,
                details={"total": str(posted.total), "lines": posted.posting_count},
            )
        )
    names = {code: account.name_zh for code, account in chart.items()}
    return _voucher_view(posted, names)


def _manual_line(
    uow: UnitOfWork, chart: dict[str, GlAccount], line: ManualVoucherLine
) -> tuple[AccountRef, Side, Money]:
    try:
        side = Side.parse(line.side)
    except ValueError:
        raise LedgerRuleViolation("invalid_side", value=line.side[:20]) from None
    gl = chart.get(line.gl_code)
    if gl is None:
        raise LedgerRuleViolation("unknown_gl_account", code=line.gl_code[:20])
    if not gl.postable:
        raise LedgerRuleViolation("gl_account_not_postable", code=gl.code)
    if line.account_no:
        ref = AccountRef.ledger(line.account_no.strip())
        account = uow.ledger.get_account(str(ref.account_no))
        if account.gl_code != gl.code:
            raise LedgerRuleViolation("ledger_account_wrong_gl", account=account.account_no, code=gl.code)
        return ref, side, line.amount
    if gl.requires_account_no:
        raise LedgerRuleViolation("gl_account_requires_subledger", code=gl.code)
    return AccountRef.gl(gl.code), side, line.amount


def reverse_voucher(uow: UnitOfWork, actor: Actor, voucher_no: str, reason: str) -> VoucherView:
    """红字冲销: post the reversal of a voucher on today's business date, linked to it."""
    actor.require(Permission.LEDGER_REVERSE)
    why = reason.strip()
    if not why:
        raise LedgerRuleViolation("reversal_reason_required")
    number = VoucherNo.parse(voucher_no).value
    posted = uow.ledger.reverse(number, why, current_business_date(uow), actor.username, actor.branch_id)
    uow.audit.append(
        AuditEvent.by(
            actor,
            "ledger.reverse_voucher",
            "voucher",
            number,
            reason=why[:200],
            details={"reversal_no": posted.voucher_no, "total": str(posted.total)},
        )
    )
    return _voucher_view(posted, _names(uow))


# --- the invariant check ---------------------------------------------------------------------


def check_ledger(uow: UnitOfWork) -> LedgerCheckReport:
    """Verify the ledger invariants (reliability.md): every voucher and the whole ledger balance,
    every balance equals opening + its postings and respects its floor, no key posted twice and
    no voucher reversed twice, Σ sub-ledger = GL per code, and the audit chain verifies.
    """
    result = uow.ledger.check()
    findings = list(result.findings)
    audit = getattr(uow, "audit", None)
    checked: int | None = None
    if audit is not None and hasattr(audit, "verify_chain"):
        verdict = audit.verify_chain()
        checked = verdict.checked
        if not verdict.ok:
            seq = verdict.first_broken_seq if verdict.first_broken_seq is not None else "?"
            findings.append(LedgerFinding("audit_chain_broken", {"seq": seq, "reason": verdict.reason}))
    return LedgerCheckReport(
        ok=not findings,
        problems=[message_for(f.code, f.details) for f in findings],
        findings=tuple(findings),
        voucher_count=result.voucher_count,
        posting_count=result.posting_count,
        account_count=result.account_count,
        audit_rows_checked=checked,
    )


def run_ledger_check(uow: UnitOfWork, actor: Actor) -> LedgerCheckReport:
    """check_ledger for staff (稽核, finance, system admin), audited."""
    actor.require(Permission.LEDGER_CHECK)
    report = check_ledger(uow)
    uow.audit.append(
        AuditEvent.by(
            actor,
            "ledger.check",
            "ledger",
            "all",
            result="success" if report.ok else "failure",
            details={"problems": len(report.problems), "vouchers": report.voucher_count},
        )
    )
    return report
