"""Identifiers: typed business numbers with check digits, and the resident ID (GB 11643).

Internal integer keys never leave the system; business numbers are what URLs, files and receipts
carry. A business number is  prefix (2 letters' worth of digits) + centre code (6) + sequence
(zero-padded) + one Luhn check digit, so a mistyped digit at the counter is caught at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import ClassVar, Self

from anju.errors import RuleViolation


class IdentifierError(RuleViolation):
    """An identifier given by a caller fails its format or check digit."""


def luhn_check_digit(digits: str) -> str:
    """The Luhn (mod 10) check digit for a string of ASCII digits."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    return (
        number.isascii()
        and number.isdigit()
        and len(number) >= 2
        and (luhn_check_digit(number[:-1]) == number[-1])
    )


@dataclass(frozen=True, slots=True, order=True)
class BusinessNumber:
    """Base of the typed business numbers. Subclasses set PREFIX, KIND and SEQ_WIDTH."""

    value: str
    PREFIX: ClassVar[str] = "00"
    KIND: ClassVar[str] = "业务"
    SEQ_WIDTH: ClassVar[int] = 9
    SEQUENCE: ClassVar[str] = "generic"  # the name of the per-centre sequence that numbers it

    def __post_init__(self) -> None:
        if not self.is_well_formed(self.value):
            raise IdentifierError("invalid_business_number", kind=self.KIND, value=self.value[:40])

    @classmethod
    def length(cls) -> int:
        return len(cls.PREFIX) + 6 + cls.SEQ_WIDTH + 1

    @classmethod
    def is_well_formed(cls, value: str) -> bool:
        return (
            isinstance(value, str)
            and len(value) == cls.length()
            and value.startswith(cls.PREFIX)
            and luhn_valid(value)
        )

    @classmethod
    def compose(cls, centre_code: str, sequence: int) -> Self:
        if not (len(centre_code) == 6 and centre_code.isascii() and centre_code.isdigit()):
            raise ValueError("centre code must be 6 digits")
        if not 0 < sequence < 10**cls.SEQ_WIDTH:
            raise ValueError("sequence out of range")
        body = f"{cls.PREFIX}{centre_code}{sequence:0{cls.SEQ_WIDTH}d}"
        return cls(body + luhn_check_digit(body))

    @classmethod
    def parse(cls, text: str) -> Self:
        return cls(text.strip())

    def __str__(self) -> str:
        return self.value


class UnitAccountNo(BusinessNumber):
    PREFIX = "10"
    KIND = "单位账号"
    SEQ_WIDTH = 7
    SEQUENCE = "unit_account_no"


class MemberAccountNo(BusinessNumber):
    PREFIX = "20"
    KIND = "个人账号"
    SEQ_WIDTH = 9
    SEQUENCE = "member_account_no"


class LoanContractNo(BusinessNumber):
    PREFIX = "30"
    KIND = "借款合同"
    SEQ_WIDTH = 8
    SEQUENCE = "loan_contract_no"


class VoucherNo(BusinessNumber):
    PREFIX = "40"
    KIND = "凭证"
    SEQ_WIDTH = 10
    SEQUENCE = "voucher_no"


class CaseNo(BusinessNumber):
    PREFIX = "50"
    KIND = "办件"
    SEQ_WIDTH = 10
    SEQUENCE = "case_no"


class LedgerAccountNo(BusinessNumber):
    """Number of a sub-ledger account (person deposit, unit suspense, loan) in the books."""

    PREFIX = "60"
    KIND = "明细账户"
    SEQ_WIDTH = 10
    SEQUENCE = "ledger_account_no"


# --- resident identity card number (GB 11643-1999) --------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^[1-9][0-9]{16}[0-9X]$")


def resident_id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


class ResidentId:
    """An 18-character resident identity number, validated, masked wherever it is printed.

    `repr` and `str` never show the full number (logs, tracebacks); call `reveal()` on purpose.
    """

    __slots__ = ("_value",)

    def __init__(self, text: str) -> None:
        value = text.strip().upper() if isinstance(text, str) else ""
        if not value.isascii() or not _ID_RE.match(value):
            raise IdentifierError("invalid_resident_id", reason="应为18位，前17位为数字，末位为数字或X")
        try:
            born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
        except ValueError as exc:
            raise IdentifierError("invalid_resident_id", reason="出生日期无效") from exc
        if born.year < 1900:
            raise IdentifierError("invalid_resident_id", reason="出生日期无效")
        if resident_id_check_char(value[:17]) != value[17]:
            raise IdentifierError("invalid_resident_id", reason="校验码不符")
        self._value = value

    def reveal(self) -> str:
        """The full number, for encryption and the blind index only."""
        return self._value

    @property
    def birth_date(self) -> date:
        v = self._value
        return date(int(v[6:10]), int(v[10:12]), int(v[12:14]))

    @property
    def gender(self) -> str:
        """ "male" or "female", from the 17th digit (odd is male)."""
        return "male" if int(self._value[16]) % 2 == 1 else "female"

    @property
    def region_code(self) -> str:
        return self._value[:6]

    def masked(self) -> str:
        return mask_resident_id(self._value)

    def __repr__(self) -> str:
        return f"ResidentId({self.masked()!r})"

    def __str__(self) -> str:
        return self.masked()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ResidentId) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("ResidentId", self._value))

    def __reduce__(self) -> tuple[type[ResidentId], tuple[str]]:
        return (ResidentId, (self._value,))


def make_resident_id(first17: str) -> ResidentId:
    """Complete a 17-digit body with its check character (demo data and tests)."""
    return ResidentId(first17 + resident_id_check_char(first17))


# --- masking (DESIGN.md §9: 4101**********1234, 138****5678) ------------------------------------


def mask_resident_id(value: str) -> str:
    if len(value) < 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_bank_card(value: str) -> str:
    if len(value) < 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_name(value: str) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧***."""
    if len(value) <= 1:
        return value
    return value[0] + "*" * (len(value) - 1)


_PHONE_RE = re.compile(r"^1[3-9][0-9]{9}$")
_CARD_RE = re.compile(r"^[0-9]{12,19}$")


def validate_phone(text: str) -> str:
    value = text.strip()
    if not value.isascii() or not _PHONE_RE.match(value):
        raise IdentifierError("invalid_phone")
    return value


def validate_bank_card(text: str) -> str:
    """A bank card or account number: 12–19 ASCII digits (Luhn is not universal for accounts)."""
    value = text.strip().replace(" ", "")
    if not value.isascii() or not _CARD_RE.match(value):
        raise IdentifierError("invalid_bank_card")
    return value


# --- unified social credit code (GB 32100-2015) ----------------------------------------------

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def validate_credit_code(text: str) -> str:
    """Validate an 18-character unified social credit code (统一社会信用代码) and its check char."""
    value = text.strip().upper()
    if len(value) != 18 or any(c not in _USCC_CHARS for c in value):
        raise IdentifierError("invalid_credit_code", value=text[:40])
    if credit_code_check_char(value[:17]) != value[17]:
        raise IdentifierError("invalid_credit_code", value=text[:40])
    return value
