"""The chart of accounts (科目表) of an HPF centre, as data (domain/rules.md §7.2).

Classes follow the HPF Accounting Measures: 1xx assets, 2xx liabilities, 3xx net assets, 4xx
income and expense. Postings land only on postable (leaf) accounts. Some leaves carry a sub-ledger
(明细账): many ledger accounts under one code whose balances add up to the code's general-ledger
balance — each member's deposit account under 201, each unit's suspense account under 21901, each
loan under 121/122. Bank deposits are split by centre bank account (专户): opening a centre bank
account adds a leaf 101xx (see `bank_deposit_account`) with exactly one ledger account.

Local choices, documented because the national text leaves them open:
* 21901 暂收款 holds unit money not yet allocated to members (the "unit suspense" sub-ledger).
  The Accounting Measures book temporary receipts under 其他应付款 (219); "01" is its first sub.
* 21902 应付管理费用 receives the management-cost share of the value-added-income distribution
  (paid to the city treasury, rules.md §7.3); 21999 holds other payables (e.g. bank fees due).
* 41199 其他支出 is the "other" operating expense of rules.md §7.2.
* 21903 在途付款 holds money the centre has instructed a bank to pay but the bank has not yet
  confirmed: it leaves the payer's account on submission and the bank account on confirmation
  (docs/adr/0010-bank-settlement.md).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from anju.ledger.balances import Side


class Category(enum.Enum):
    ASSET = "asset"  # 资产类
    LIABILITY = "liability"  # 负债类
    NET_ASSETS = "net_assets"  # 净资产类
    INCOME = "income"  # 收入类
    EXPENSE = "expense"  # 支出类

    @property
    def label_zh(self) -> str:
        return _CATEGORY_LABELS[self]


_CATEGORY_LABELS = {
    Category.ASSET: "资产类",
    Category.LIABILITY: "负债类",
    Category.NET_ASSETS: "净资产类",
    Category.INCOME: "收入类",
    Category.EXPENSE: "支出类",
}


class AccountKind(enum.Enum):
    """What a ledger account (明细账户) is. GL: the one account of a leaf without a sub-ledger."""

    GL = "gl"
    MEMBER_DEPOSIT = "member_deposit"  # 个人账户, under 201
    UNIT_SUSPENSE = "unit_suspense"  # 单位暂收款, under 21901
    LOAN = "loan"  # 贷款分户, under 121 / 122
    BANK = "bank"  # 专户存款, the one account of a 101xx leaf

    @property
    def many_per_code(self) -> bool:
        """True when one GL code holds many accounts of this kind (postings must name one)."""
        return self in {AccountKind.MEMBER_DEPOSIT, AccountKind.UNIT_SUSPENSE, AccountKind.LOAN}

    @property
    def bears_interest(self) -> bool:
        """True when the account earns deposit interest (积数 kept by every posting)."""
        return self is AccountKind.MEMBER_DEPOSIT


@dataclass(frozen=True, slots=True)
class GlAccount:
    """One account (科目) of the chart."""

    code: str
    name_zh: str
    name_en: str
    category: Category
    normal_side: Side
    parent: str | None
    postable: bool
    subledger_kind: AccountKind | None = None

    @property
    def level(self) -> int:
        """科目级别: 1 for a three-digit code, 2 for five digits, 3 for seven."""
        return 1 + (len(self.code) - 3) // 2

    @property
    def requires_account_no(self) -> bool:
        """Postings to this code must name a sub-ledger account (a member, a unit, a loan)."""
        return self.subledger_kind is not None and self.subledger_kind.many_per_code

    @property
    def single_account_kind(self) -> AccountKind:
        """Kind of the one ledger account of a leaf without a many-account sub-ledger."""
        return self.subledger_kind or AccountKind.GL


_AS, _LI, _NA, _IN, _EX = (
    Category.ASSET,
    Category.LIABILITY,
    Category.NET_ASSETS,
    Category.INCOME,
    Category.EXPENSE,
)
_D, _C = Side.DEBIT, Side.CREDIT


def _acc(  # noqa: PLR0917 - a compact row constructor for the table below
    code: str,
    zh: str,
    en: str,
    cat: Category,
    side: Side,
    parent: str | None = None,
    *,
    leaf: bool = True,
    sub: AccountKind | None = None,
) -> GlAccount:
    return GlAccount(code, zh, en, cat, side, parent, leaf, sub)


# fmt: off
CHART: tuple[GlAccount, ...] = (
    _acc("101", "住房公积金存款", "HPF bank deposits", _AS, _D, leaf=False),  # leaves 101xx per 专户
    _acc("102", "增值收益存款", "Value-added-income deposits", _AS, _D),
    _acc("111", "应收利息", "Interest receivable", _AS, _D),
    _acc("119", "其他应收款", "Other receivables", _AS, _D),
    _acc("121", "委托贷款", "Entrusted loans", _AS, _D, sub=AccountKind.LOAN),
    _acc("122", "逾期贷款", "Overdue loans", _AS, _D, sub=AccountKind.LOAN),
    _acc("124", "国家债券", "National bonds", _AS, _D),
    _acc("201", "住房公积金", "Housing provident fund (members' deposits)", _LI, _C,
         sub=AccountKind.MEMBER_DEPOSIT),
    _acc("211", "应付利息", "Interest payable", _LI, _C),
    _acc("214", "专项应付款", "Special payables", _LI, _C, leaf=False),
    _acc("21402", "城市廉租住房建设补充资金", "Low-rent housing supplement payable", _LI, _C, "214"),
    _acc("219", "其他应付款", "Other payables", _LI, _C, leaf=False),
    _acc("21901", "暂收款", "Suspense (unit money not yet allocated)", _LI, _C, "219",
         sub=AccountKind.UNIT_SUSPENSE),
    _acc("21902", "应付管理费用", "Management costs payable", _LI, _C, "219"),
    _acc("21903", "在途付款", "Payments in transit (sent to a bank, not yet settled)", _LI, _C, "219"),
    _acc("21999", "其他应付款项", "Other payables (sundry)", _LI, _C, "219"),
    _acc("301", "贷款风险准备", "Loan risk reserve", _NA, _C),
    _acc("311", "增值收益", "Value-added income", _NA, _C),
    _acc("321", "增值收益分配", "Distribution of value-added income", _NA, _D, leaf=False),
    _acc("32101", "提取贷款风险准备金", "Provision to the loan risk reserve", _NA, _D, "321"),
    _acc("32102", "提取管理费用", "Provision for centre management costs", _NA, _D, "321"),
    _acc("32103", "提取城市廉租住房建设补充资金", "Provision for low-rent housing", _NA, _D, "321"),
    _acc("32104", "待分配增值收益", "Undistributed value-added income", _NA, _D, "321"),
    _acc("401", "业务收入", "Operating income", _IN, _C, leaf=False),
    _acc("40101", "住房公积金存款利息收入", "Interest on HPF deposits", _IN, _C, "401"),
    _acc("40102", "增值收益存款利息收入", "Interest on value-added-income deposits", _IN, _C, "401"),
    _acc("40103", "委托贷款利息收入", "Interest on entrusted loans", _IN, _C, "401"),
    _acc("40104", "国家债券利息收入", "Interest on national bonds", _IN, _C, "401"),
    _acc("40105", "其他收入", "Other income", _IN, _C, "401"),
    _acc("411", "业务支出", "Operating expense", _EX, _D, leaf=False),
    _acc("41101", "住房公积金利息支出", "Interest paid to members", _EX, _D, "411"),
    _acc("41102", "归集手续费支出", "Collection fees to banks", _EX, _D, "411"),
    _acc("41103", "委托贷款手续费支出", "Entrusted-loan fees to banks", _EX, _D, "411"),
    _acc("41199", "其他支出", "Other expense", _EX, _D, "411"),
)
# fmt: on

BANK_DEPOSITS_PARENT = "101"
MAX_BANK_DEPOSIT_SEQ = 99


def bank_deposit_code(seq: int) -> str:
    """The code of the 101 sub-account for the `seq`-th centre bank account: 10101, 10102 ..."""
    if not 1 <= seq <= MAX_BANK_DEPOSIT_SEQ:
        raise ValueError("bank deposit sequence must be 1..99")
    return f"{BANK_DEPOSITS_PARENT}{seq:02d}"


def bank_deposit_account(seq: int, bank_account_label: str) -> GlAccount:
    """The leaf added under 101 when a centre bank account (专户) is opened.

    `bank_account_label` is what staff recognise, e.g. "建设银行郑州分行 4100...1234".
    """
    label = bank_account_label.strip()[:60]
    return GlAccount(
        code=bank_deposit_code(seq),
        name_zh=f"住房公积金存款—{label}" if label else "住房公积金存款",
        name_en=f"HPF bank deposits - {label}" if label else "HPF bank deposits",
        category=Category.ASSET,
        normal_side=Side.DEBIT,
        parent=BANK_DEPOSITS_PARENT,
        postable=True,
        subledger_kind=AccountKind.BANK,
    )


def chart_problems(accounts: Iterable[GlAccount]) -> list[str]:
    """Structural errors of a chart (empty when sound): a test and `seed_chart` rely on it."""
    items = list(accounts)
    by_code: dict[str, GlAccount] = {}
    problems: list[str] = []
    for account in items:
        if account.code in by_code:
            problems.append(f"{account.code}: duplicate code")
        by_code[account.code] = account
        problems += _own_problems(account)
    for account in items:
        problems += _parent_problems(account, by_code)
    parents = {a.parent for a in items if a.parent}
    for code in sorted(parents & {a.code for a in items if a.postable}):
        problems.append(f"{code}: a postable account cannot have sub-accounts")
    return problems


def _own_problems(account: GlAccount) -> list[str]:
    problems = []
    if not (account.code.isascii() and account.code.isdigit() and len(account.code) % 2 == 1):
        problems.append(f"{account.code}: code must be 3, 5 or 7 digits")
    if account.subledger_kind is AccountKind.GL:
        problems.append(f"{account.code}: 'gl' is not a sub-ledger kind")
    if account.subledger_kind is not None and not account.postable:
        problems.append(f"{account.code}: only a postable account carries a sub-ledger")
    return problems


def _parent_problems(account: GlAccount, by_code: dict[str, GlAccount]) -> list[str]:
    if account.parent is None:
        return [] if account.level == 1 else [f"{account.code}: a sub-account needs a parent"]
    parent = by_code.get(account.parent)
    if parent is None:
        return [f"{account.code}: parent {account.parent} missing"]
    problems = []
    if not account.code.startswith(parent.code) or account.level != parent.level + 1:
        problems.append(f"{account.code}: code does not extend parent {parent.code}")
    if parent.category is not account.category or parent.normal_side is not account.normal_side:
        problems.append(f"{account.code}: class or side differs from parent {parent.code}")
    if parent.postable:
        problems.append(f"{account.code}: parent {parent.code} is postable")
    return problems


CHART_BY_CODE: dict[str, GlAccount] = {account.code: account for account in CHART}
