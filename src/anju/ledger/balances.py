"""Debit and credit, and balances signed by an account's normal side (余额方向).

A balance is stored as a signed number of fen *in the account's normal side*: a member's deposit
account (住房公积金, credit-normal) holding 100 yuan has balance +10000, and a bank deposit account
(debit-normal) holding 100 yuan also has +10000. So "a deposit account never goes below zero" is
the same comparison (`balance_fen >= floor_fen`) for every kind of account, and a negative balance
means "on the opposite side" (e.g. an overdrawn bank account shown as a credit balance).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from anju.money import Money


class Side(enum.Enum):
    """借 / 贷. The value is the one-letter code stored in the database."""

    DEBIT = "D"
    CREDIT = "C"

    @property
    def opposite(self) -> Side:
        return Side.CREDIT if self is Side.DEBIT else Side.DEBIT

    @property
    def label_zh(self) -> str:
        return "借" if self is Side.DEBIT else "贷"

    @property
    def word(self) -> str:
        """ "debit" / "credit": how commands and the API spell a side."""
        return "debit" if self is Side.DEBIT else "credit"

    @classmethod
    def parse(cls, text: str) -> Side:
        """Accept "debit"/"credit", "D"/"C" and 借/贷 (forms and files use all three)."""
        value = text.strip()
        lowered = value.lower()
        if lowered in {"debit", "d"} or value == "借":
            return cls.DEBIT
        if lowered in {"credit", "c"} or value == "贷":
            return cls.CREDIT
        raise ValueError(f"not a side: {text[:20]!r}")


def signed_fen(normal_side: Side, posting_side: Side, amount_fen: int) -> int:
    """The change a posting makes to a balance kept on `normal_side`."""
    return amount_fen if posting_side is normal_side else -amount_fen


def signed(normal_side: Side, posting_side: Side, amount: Money) -> Money:
    return Money(signed_fen(normal_side, posting_side, amount.fen))


def net_change(normal_side: Side, movements: Iterable[tuple[Side, Money]]) -> Money:
    """Sum of several postings on one account, as a change of its normal-side balance."""
    return Money(sum(signed_fen(normal_side, side, amount.fen) for side, amount in movements))


def side_of_balance(normal_side: Side, balance: Money) -> tuple[Side, Money]:
    """(side, absolute amount) as a ledger prints it: 贷 1,234.56 or, if negative, 借 5.00."""
    if balance.fen >= 0:
        return normal_side, balance
    return normal_side.opposite, -balance


def debit_credit_totals(movements: Iterable[tuple[Side, Money]]) -> tuple[Money, Money]:
    """(Σ debit, Σ credit) of some postings."""
    debit = credit = 0
    for side, amount in movements:
        if side is Side.DEBIT:
            debit += amount.fen
        else:
            credit += amount.fen
    return Money(debit), Money(credit)
