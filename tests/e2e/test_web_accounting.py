"""The accounting pages through HTTP: a manual voucher made by one finance clerk, reviewed and
posted by another, printed as PDF; every book, statement and statistical table as a page, an
Excel download and a PDF; period close; permissions."""

from __future__ import annotations

import io
import re

import pytest
from fastapi import FastAPI
from openpyxl import load_workbook

from anju.adapters.clock import FixedClock
from anju.bootstrap import Container
from anju.services.report_catalogue import REPORTS
from anju.services.runner import read
from tests.e2e.test_web_shell import Browser


def logged_in(app: FastAPI, clock: FixedClock, username: str) -> Browser:
    browser = Browser(app, clock)
    assert browser.login(username).status_code == 303
    return browser


def bank_code(container: Container) -> tuple[str, str]:
    book = read(container.uow, lambda uow: uow.accounting.bank_books())[0]
    return book.gl_code, book.bank_account_no


def test_a_manual_voucher_goes_from_maker_to_checker_to_the_books(
    app: FastAPI, clock: FixedClock, seeded: Container
) -> None:
    code, _ = bank_code(seeded)
    maker = logged_in(app, clock, "finance1")
    made = maker.submit(
        "/accounting/vouchers/new",
        {
            "memo": "收到专户存款利息",
            "gl_code": [code, "40101"],
            "side": ["debit", "credit"],
            "amount": ["1234.56", "1234.56"],
            "account_no": ["", ""],
        },
        csrf_from="/accounting/vouchers/new",
    )
    assert made.status_code == 303, made.text
    path = made.headers["location"].split("?")[0]
    assert path == "/accounting/vouchers/202611-0001"
    page = maker.page(path)
    assert "待复核" in page.text and "复核通过" not in page.text  # the maker cannot review

    checker = logged_in(app, clock, "finance2")
    assert checker.submit(f"{path}/review", {}, csrf_from=path).status_code == 303
    assert checker.submit(f"{path}/post", {}, csrf_from=path).status_code == 303
    page = checker.page(path)
    assert "已记账" in page.text
    voucher_no = re.search(r'href="/ledger/vouchers/([0-9A-Z]+)"', page.text)
    assert voucher_no is not None

    pdf = checker.page(f"{path}/pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    any_voucher = checker.page(f"/accounting/print/{voucher_no.group(1)}")
    assert any_voucher.content.startswith(b"%PDF")
    sheet = checker.page("/accounting/reports/balance-sheet")
    assert "资产负债表" in sheet.text and "平衡校验：平衡" in sheet.text and "1,234.56" in sheet.text


def test_an_unbalanced_voucher_is_refused_with_the_form_kept(
    app: FastAPI, clock: FixedClock, seeded: Container
) -> None:
    code, _ = bank_code(seeded)
    maker = logged_in(app, clock, "finance1")
    refused = maker.submit(
        "/accounting/vouchers/new",
        {"memo": "不平", "gl_code": [code, "40101"], "side": ["debit", "credit"], "amount": ["1.00", "2.00"]},
        csrf_from="/accounting/vouchers/new",
    )
    assert refused.status_code == 422
    assert "借贷不平衡" in refused.text and 'value="不平"' in refused.text


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_every_report_renders_as_a_page_excel_and_pdf(
    name: str, app: FastAPI, clock: FixedClock, seeded: Container
) -> None:
    _, account = bank_code(seeded)
    finance = logged_in(app, clock, "finance1")
    query = f"?account={account}" if name == "bank-journal" else ""
    page = finance.page(f"/accounting/reports/{name}{query}")
    assert page.status_code == 200, page.text
    assert 'data-testid="report"' in page.text
    sep = "&" if query else "?"
    xlsx = finance.page(f"/accounting/reports/{name}{query}{sep}format=xlsx")
    assert xlsx.status_code == 200
    workbook = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    title = next(workbook.worksheets[0].iter_rows(values_only=True))[0]
    assert title and str(title) in page.text
    pdf = finance.page(f"/accounting/reports/{name}{query}{sep}format=pdf")
    assert pdf.content.startswith(b"%PDF")


def test_a_counter_clerk_sees_no_reports_and_cannot_close_a_period(app: FastAPI, clock: FixedClock) -> None:
    clerk = logged_in(app, clock, "clerk01")
    assert clerk.page("/accounting/reports/balance-sheet").status_code == 403
    assert clerk.page("/accounting/vouchers/new").status_code == 403
    finance = logged_in(app, clock, "finance1")
    page = finance.page("/accounting/periods")
    assert "尚未结账" in page.text
    # November has not ended on 2026-11-23: closing it is refused with the reason.
    refused = finance.submit(
        "/accounting/periods/close", {"period": "202611"}, csrf_from="/accounting/periods"
    )
    assert refused.status_code == 422 and "尚未结束" in refused.text


def test_funds_and_value_added_pages_show_balances_and_refuse_an_early_distribution(
    app: FastAPI, clock: FixedClock, seeded: Container
) -> None:
    _, account = bank_code(seeded)
    finance = logged_in(app, clock, "finance1")
    page = finance.page("/accounting/funds")
    assert page.status_code == 200 and account in page.text and "待付多缴退款" in page.text
    booked = finance.submit(
        "/accounting/funds/advice",
        {"kind": "interest", "bank_account_no": account, "amount": "66.00", "serial_no": "S1"},
        csrf_from="/accounting/funds",
    )
    assert booked.status_code == 303
    assert "66.00" in finance.page("/accounting/funds").text
    placed = finance.submit(
        "/accounting/funds/time-deposits",
        {"kind": "time", "bank_account_no": account, "deposit_no": "TD-1", "amount": "50.00", "rate": "1.45"},
        csrf_from="/accounting/funds",
    )
    assert placed.status_code == 303, placed.text
    assert "TD-1" in finance.page("/accounting/funds").text
    drawn = finance.submit(
        "/accounting/funds/time-deposits/TD-1/draw", {"interest": "0.10"}, csrf_from="/accounting/funds"
    )
    assert drawn.status_code == 303
    assert "没有未支取的定期或通知存款" in finance.page("/accounting/funds").text
    vai = finance.page("/accounting/value-added?year=2026&budget=10.00")
    assert vai.status_code == 200 and "2026年11月" in vai.text and "66.10" in vai.text
    early = finance.submit(
        "/accounting/value-added/distribute",
        {"year": "2026", "budget": "10.00"},
        csrf_from="/accounting/funds",
    )
    assert early.status_code == 422 and "尚未结束" in early.text
