"""The pure-Python reference model of test_business_model.py (reliability.md L1 through the
business services): each member's fund balance and interest product, each unit's suspense money,
the confirmed rosters waiting for money, and each loan's outstanding principal and instalments.

It knows the rules from the policy and the rules documents, not from Anju's code:
- monthly parts: wage base clamped to [floor, 3 × average wage], × 12 %, each part rounded to the
  fen half up (reference.toml [contribution]; both ratios 12 % as the test units register);
- a payment pays the confirmed roster of exactly its amount, the oldest month first, and
  otherwise waits in the unit's suspense account (rules.md §2.3);
- a partial withdrawal leaves at least 10.00 (withdrawal.min_remaining_balance);
- deposit interest by daily products, actual/360, 1.50 % on both buckets since 2016-02-21, rounded
  once per account half up; a debit stops earning on its value date, a credit earns from it
  (rules.md §3.3). Because both buckets earn the same rate the model keeps one product per member,
  projected to the 1 July that ends the interest year: each movement adds delta × days left;
- a loan payment on a due date pays the instalment's interest first, then its principal; what is
  left over is not applied to the loan (rules.md §5.9); 冲还贷 takes min(owed, balance) from the
  borrower, then the spouse, once per account and day.
Only the loan schedule (the level instalment's split into principal and interest, and the
re-worked tail after a partial prepayment) and the interest part of a prepayment are the
service's own figures: recomputing the annuity arithmetic here would copy domain/loans/schedule.py
(tested on its own in tests/unit). The model still checks that they add up to the principal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

DEPOSIT_RATE = Decimal("0.015")  # reference.toml [[interest.deposit_rates]] from 2016-02-21
YEAR_DAYS = 360  # actual/360
RATIO = Decimal("0.12")
WAGE_FLOOR = 200_000  # 2,000.00: wage_base_floor
WAGE_CAP = 3 * 900_000  # wage_base_cap_multiple × average_monthly_wage
MIN_REMAINING = 1_000  # 10.00 kept after a partial withdrawal
REMITTANCE, BACK_PAYMENT = "remittance", "back_payment"
KIND_ORDER = (REMITTANCE, BACK_PAYMENT)


def half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), ROUND_HALF_UP))


def monthly_amount(wage_base_fen: int) -> int:
    """Unit part + member part of one month for a wage base (fen)."""
    base = min(max(wage_base_fen, WAGE_FLOOR), WAGE_CAP)
    return 2 * half_up(Decimal(base) * RATIO)


def next_july_first(day: date) -> date:
    return date(day.year + 1 if day.month >= 7 else day.year, 7, 1)


@dataclass
class Member:
    account_no: str
    ledger_no: str
    unit: str
    wage: int  # fen
    balance: int = 0
    product: int = 0  # fen·days up to Model.year_end


@dataclass
class Roster:
    id: int
    unit: str
    month: str
    kind: str
    lines: dict[str, int]  # member ledger account -> fen

    @property
    def total(self) -> int:
        return sum(self.lines.values())


@dataclass
class Instalment:
    no: int
    due: date
    principal: int
    interest: int
    paid_principal: int = 0
    paid_interest: int = 0

    @property
    def owed(self) -> int:
        return self.principal - self.paid_principal + self.interest - self.paid_interest

    @property
    def settled(self) -> bool:
        return self.owed == 0


@dataclass
class Loan:
    loan_no: str
    ledger_no: str
    borrower: str  # ledger account of the borrower's fund account
    spouse: str | None
    offset: bool
    outstanding: int
    instalments: list[Instalment]
    active: bool = True

    def due_on(self, day: date) -> Instalment | None:
        return next((i for i in self.instalments if i.due == day and not i.settled), None)

    def arrears(self, day: date) -> bool:
        return any(i.due <= day and not i.settled for i in self.instalments)

    def next_due(self, after: date) -> date | None:
        return min((i.due for i in self.instalments if i.due > after and not i.settled), default=None)

    def pay(self, day: date, amount: int) -> tuple[int, int]:
        """(principal, interest) of `amount` paid on `day`: today's interest, then its principal."""
        current = self.due_on(day)
        if current is None:
            return 0, 0
        interest = min(amount, current.interest - current.paid_interest)
        principal = min(amount - interest, current.principal - current.paid_principal)
        current.paid_interest += interest
        current.paid_principal += principal
        self.outstanding -= principal
        return principal, interest


@dataclass
class Voucher:
    effect: dict[str, int]  # ledger account -> signed change of its balance
    value_date: date
    reversed: bool = False


@dataclass
class Model:
    today: date
    year_end: date  # the 1 July the member products run to (the next settlement's next day)
    members: dict[str, Member] = field(default_factory=dict)  # by ledger account
    suspense: dict[str, int] = field(default_factory=dict)  # unit suspense ledger account -> fen
    rosters: dict[int, Roster] = field(default_factory=dict)  # confirmed, not yet paid
    paid: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # (unit, month) -> members
    months: dict[str, set[str]] = field(default_factory=dict)  # unit -> months with a roster
    vouchers: dict[str, Voucher] = field(default_factory=dict)  # reversible ones
    loans: dict[str, Loan] = field(default_factory=dict)
    offsets_done: set[tuple[date, str]] = field(default_factory=set)
    settled_years: set[int] = field(default_factory=set)

    @classmethod
    def starting(cls, day: date) -> Model:
        return cls(today=day, year_end=next_july_first(day))

    # --- balances ------------------------------------------------------------------------------

    def balance(self, account: str) -> int:
        if account in self.members:
            return self.members[account].balance
        return self.suspense[account]

    def can_apply(self, effect: dict[str, int]) -> bool:
        tracked = {a: d for a, d in effect.items() if a in self.members or a in self.suspense}
        return all(self.balance(a) + d >= 0 for a, d in tracked.items())

    def apply(self, effect: dict[str, int], value_date: date) -> None:
        for account, delta in effect.items():
            if account in self.members:
                member = self.members[account]
                member.balance += delta
                member.product += delta * (self.year_end - value_date).days
            elif account in self.suspense:
                self.suspense[account] += delta

    def record(self, voucher_no: str, effect: dict[str, int]) -> None:
        self.apply(effect, self.today)
        self.vouchers[voucher_no] = Voucher(effect, self.today)

    def reversal(self, voucher_no: str) -> dict[str, int] | None:
        """The effect of reversing a voucher, or None when the ledger must refuse it."""
        voucher = self.vouchers[voucher_no]
        undo = {a: -d for a, d in voucher.effect.items()}
        return None if voucher.reversed or not self.can_apply(undo) else undo

    # --- remittance ----------------------------------------------------------------------------

    def unit_members(self, unit: str) -> list[Member]:
        return [m for m in self.members.values() if m.unit == unit]

    def roster_lines(self, unit: str, month: str, kind: str) -> dict[str, int]:
        paid = self.paid.get((unit, month), set()) if kind == BACK_PAYMENT else set()
        return {
            m.ledger_no: monthly_amount(m.wage) for m in self.unit_members(unit) if m.ledger_no not in paid
        }

    def match(self, unit: str, amount: int) -> Roster | None:
        same = [r for r in self.rosters.values() if r.unit == unit and r.total == amount]
        return min(same, key=lambda r: (r.month, KIND_ORDER.index(r.kind), r.id), default=None)

    def oldest_roster(self, unit: str) -> Roster | None:
        mine = [r for r in self.rosters.values() if r.unit == unit]
        return min(mine, key=lambda r: (r.month, KIND_ORDER.index(r.kind), r.id), default=None)

    def roster_paid(self, roster: Roster) -> None:
        del self.rosters[roster.id]
        self.paid.setdefault((roster.unit, roster.month), set()).update(roster.lines)

    # --- interest ------------------------------------------------------------------------------

    def settle_interest(self) -> dict[str, int]:
        """30 June: pay each member round_half_up(product × rate / 360), never negative; the
        interest earns from 1 July, with the whole balance, in the next year's product."""
        paid = {}
        start, self.year_end = self.year_end, date(self.year_end.year + 1, 7, 1)
        for member in self.members.values():
            interest = max(half_up(Decimal(member.product) * DEPOSIT_RATE / YEAR_DAYS), 0)
            member.balance += interest
            member.product = member.balance * (self.year_end - start).days
            if interest:
                paid[member.ledger_no] = interest
        self.settled_years.add(self.today.year)
        return paid
