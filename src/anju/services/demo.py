"""The demo organisation: a fictional centre with four branches, four entrusted banks and their
special accounts. Idempotent: what exists is left alone, what is missing is added, so `anju demo`
can run again after an upgrade. It never overwrites a centre that is already set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from anju.domain.security import Actor
from anju.services import organisation
from anju.services.organisation import BankView, BranchView, CentreBankAccountView
from anju.services.ports import UnitOfWork

DEMO_CENTRE_CODE: Final = "410100"  # matches the default ANJU_CENTRE_CODE used in business numbers
DEMO_CENTRE_NAME: Final = "安居市住房公积金管理中心"

# (code, name, address, phone, head office)
DEMO_BRANCHES: Final = (
    ("01", "中心本部", "安居市人民路 1 号", "0371-12329", True),
    ("02", "城东管理部", "安居市东风路 88 号", "0371-12329-2", False),
    ("03", "城西管理部", "安居市建设路 16 号", "0371-12329-3", False),
    ("04", "安平县管理部", "安平县政府街 9 号", "0371-12329-4", False),
)

# (CNAPS bank category, name, settlement node)
DEMO_BANKS: Final = (
    ("102", "中国工商银行安居分行", "102491000001"),
    ("105", "中国建设银行安居分行", "105491000001"),
    ("103", "中国农业银行安居分行", "103491000001"),
    ("104", "中国银行安居分行", "104491000001"),
)

_PURPOSE_DIGITS: Final = {"collection": "01", "loan": "02", "value_added_income": "03"}
VALUE_ADDED_INCOME_BANK: Final = "105"


def demo_account_no(bank_code: str, purpose: str) -> str:
    """A fictional 19-digit account number: bank code + city + year + purpose + sequence."""
    return f"{bank_code}4101" + "2015" + _PURPOSE_DIGITS[purpose] + "000001"


def demo_accounts() -> list[tuple[str, str, str]]:
    """(bank code, account no, purpose): a collection and a loan account at every bank, VAI at one."""
    accounts = []
    for code, _name, _node in DEMO_BANKS:
        for purpose in ("collection", "loan"):
            accounts.append((code, demo_account_no(code, purpose), purpose))
    accounts.append(
        (
            VALUE_ADDED_INCOME_BANK,
            demo_account_no(VALUE_ADDED_INCOME_BANK, "value_added_income"),
            "value_added_income",
        )
    )
    return accounts


@dataclass(frozen=True, slots=True)
class DemoOrg:
    centre_name: str
    branches: list[BranchView]
    banks: list[BankView]
    accounts: list[CentreBankAccountView]


def seed_demo_organisation(uow: UnitOfWork) -> DemoOrg:
    """Add whatever part of the demo organisation is missing; needs the chart and business date."""
    system = Actor.system("demo")
    centre = organisation.get_centre(uow)
    if centre is None:
        centre = organisation.set_centre(
            uow, system, DEMO_CENTRE_CODE, DEMO_CENTRE_NAME, address="安居市人民路 1 号", phone="12329"
        )
    branches = {b.code for b in organisation.list_branches(uow)}
    for code, name, address, phone, head in DEMO_BRANCHES:
        if code not in branches:
            organisation.create_branch(
                uow, system, code, name, address=address, phone=phone, is_head_office=head
            )
    banks = {b.code for b in organisation.list_banks(uow)}
    for code, name, node in DEMO_BANKS:
        if code not in banks:
            organisation.create_bank(uow, system, code, name, node)
    accounts = {a.account_no for a in organisation.list_centre_bank_accounts(uow)}
    for bank_code, account_no, purpose in demo_accounts():
        if account_no not in accounts:
            organisation.open_centre_bank_account(
                uow,
                system,
                bank_code,
                account_no,
                f"{centre.name}（{organisation.PURPOSE_LABELS[purpose]}）",
                purpose=purpose,
            )
    return DemoOrg(
        centre_name=centre.name,
        branches=organisation.list_branches(uow),
        banks=organisation.list_banks(uow),
        accounts=organisation.list_centre_bank_accounts(uow),
    )
