"""A centre whose people have every kind of personal information (PI) and every printed paper.

Three members, each with a known resident ID, phone and bank card: one who paid a month's
remittance (receipt, certificate, statement, roster export), one whose withdrawal is being paid
(withdrawal receipt), one whose loan was signed, disbursed and settled (contract, settlement
certificate). Used by the masking (P1) and audit coverage (G1) tests, which walk the route table
with these objects' numbers filled in.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

import openpyxl
import pypdf

from anju.bootstrap import Container
from anju.ids import make_resident_id, mask_bank_card, mask_name, mask_phone, mask_resident_id
from anju.services.report_catalogue import REPORTS
from tests.e2e.conftest import STAFF
from tests.e2e.test_api_accounting import VOUCHER
from tests.e2e.test_api_collection import RID, open_member, register
from tests.e2e.test_api_loans import LOAN_BANK, active_loan
from tests.e2e.test_api_withdrawals import CARD as WITHDRAWAL_CARD
from tests.e2e.test_api_withdrawals import funded_member, purchase
from tests.reliability.routes import RouteInfo

PHONE = "13612345678"
CARD = "6222020200112233445"
HANDLER_PHONE = "13511112222"  # unit_body's handler phone
LOAN_PHONE = "13798765432"
LOAN_CARD = "6222020200556677889"
MONTH = "202611"
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXTUAL = ("text/html", "application/json", "text/plain")


@dataclass(frozen=True)
class World:
    values: dict[str, str]  # path and query parameter -> the object's number
    secrets: dict[str, str]  # what -> the full value no reply may show
    markers: tuple[str, ...]  # masked forms: a reply showing one shows a person's PI

    def path(self, template: str) -> str | None:
        """The template with its parameters filled, or None when the world has no such object."""
        names = re.findall(r"\{([^}]+)\}", template)
        if any(n not in self.values for n in names):
            return None
        return re.sub(r"\{([^}]+)\}", lambda m: self.values[m.group(1)], template)

    def query(self, names: tuple[str, ...]) -> dict[str, str]:
        return {n: self.values[n] for n in names if n in self.values}


def build_world(make_client: Any, seeded: Container) -> World:
    clerk = make_client("clerk01")
    # 1. A member who paid a month: remittance receipt, certificate, statement, roster export.
    unit = register(clerk, 31)
    unit_no = unit["unit_account_no"]
    opened = open_member(clerk, unit_no, phone=PHONE, bank_card=CARD, bank_code="105")
    account_no = opened["account"]["account_no"]
    roster = clerk.post(f"/api/v1/remittance/units/{unit_no}/rosters", {"month": MONTH}).json()
    clerk.post(f"/api/v1/remittance/rosters/{roster['id']}/confirm")
    payment = {
        "unit_account_no": unit_no,
        "amount": roster["total"],
        "serial_no": "PI-1",
        "received_on": "2026-11-23",
    }
    paid = clerk.post("/api/v1/remittance/payments", payment)
    assert paid.status_code == 201 and paid.json()["state"] == "matched", paid.text

    # 2. A withdrawal being paid to a card: the withdrawal receipt.
    withdrawer = funded_member(clerk, seeded)
    accepted = clerk.post("/api/v1/withdrawals", purchase(clerk, withdrawer))
    assert accepted.status_code == 201, accepted.text
    withdrawal_no = accepted.json()["withdrawal_no"]
    make_client("reviewer1").post(f"/api/v1/withdrawals/{withdrawal_no}/actions", {"action": "review"})
    paying = make_client("approver1").post(
        f"/api/v1/withdrawals/{withdrawal_no}/actions", {"action": "approve"}
    )
    assert paying.json()["state"] == "paying", paying.text

    # 3. A loan signed, disbursed and settled: contract and settlement certificate.
    clerk2, loan_no = active_loan(make_client, seeded)
    borrower = clerk2.get(f"/api/v1/loans/{loan_no}").json()["borrower_account_no"]
    changed = clerk2.post(
        f"/api/v1/members/{borrower}/changes",
        {"phone": LOAN_PHONE, "bank_card": LOAN_CARD, "bank_code": "102"},
    )
    assert changed.status_code == 200, changed.text
    settled = clerk2.post(
        f"/api/v1/loans/{loan_no}/prepayments", {"full": True, "centre_account_no": LOAN_BANK}
    )
    assert settled.status_code == 201 and settled.json()["settled"], settled.text

    # 4. A manual accounting voucher (its print names the GL lines).
    made = make_client("finance1").post("/api/v1/accounting/vouchers", VOUCHER)
    assert made.status_code == 201, made.text

    withdrawer_rid = make_resident_id("41010219850101711").reveal()
    borrower_rid = make_resident_id("41010219850101811").reveal()
    values = {
        "account_no": account_no,
        "member_account_no": account_no,
        "account": account_no,
        "unit_account_no": unit_no,
        "case_no": opened["case_no"],
        "month": MONTH,
        "withdrawal_no": withdrawal_no,
        "e2e_id": paying.json()["e2e_id"],
        "loan_no": loan_no,
        "voucher_no": paid.json()["voucher_no"],
        "number": made.json()["number"],
        "serial_no": "PI-1",
        "roster_id": str(roster["id"]),
        "q": "陈一",
    }
    secrets = {
        "resident ID": RID,
        "phone": PHONE,
        "bank card": CARD,
        "handler phone": HANDLER_PHONE,
        "withdrawer's resident ID": withdrawer_rid,
        "withdrawal payee card": WITHDRAWAL_CARD,
        "borrower's resident ID": borrower_rid,
        "borrower's phone": LOAN_PHONE,
        "borrower's card": LOAN_CARD,
    }
    markers = (
        *(mask_resident_id(r) for r in (RID, withdrawer_rid, borrower_rid)),
        mask_phone(PHONE),
        mask_phone(LOAN_PHONE),
        mask_phone(HANDLER_PHONE),
        mask_bank_card(CARD),
        mask_bank_card(WITHDRAWAL_CARD),
        mask_bank_card(LOAN_CARD),
        *(mask_name(n) for n in ("陈一", "职工711", "职工811", "周经办")),
    )
    return World(values=values, secrets=secrets, markers=markers)


# Masking depends on the role, not the person: one operator of each role (of the objects' branch).
ONE_PER_ROLE = list(
    {s.role: name for name, s in reversed(STAFF.items()) if s.branch in (None, "02")}.values()
)


def document_text(content_type: str, body: bytes) -> str:
    """The text a reader of the file sees: every PDF page's text, every workbook cell."""
    if content_type.startswith(PDF):
        reader = pypdf.PdfReader(io.BytesIO(body))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    cells = [
        str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    workbook.close()
    return "\n".join(cells)


def reply_text(reply: Any) -> str:
    """What the reply shows: its text, or the text inside a PDF or workbook ("" for other files)."""
    kind = reply.headers.get("content-type", "")
    if kind.startswith((PDF, XLSX)):
        return document_text(kind, reply.content)
    return str(reply.text) if kind.startswith(TEXTUAL) else ""


def calls(
    route: RouteInfo, world: World, formats: tuple[str, ...] = ("xlsx", "pdf")
) -> list[tuple[str, dict[str, str]]]:
    """The concrete requests for a route: its path filled in, and each file format it offers
    (`formats=()`: the page only)."""
    if "name" in route.path_params:  # the report catalogue: every report, each file format
        paths = [route.path.replace("{name}", name) for name in REPORTS]
    else:
        path = world.path(route.path)
        paths = [path] if path is not None else []
    query = world.query(route.query)
    variants = [{"format": f} for f in formats] if "format" in route.query and formats else [{}]
    return [(p, query | v) for p in paths for v in variants]
