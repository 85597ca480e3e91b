"""Ledger schemas: chart, vouchers, manual vouchers, reversal, trial balance. Amounts are strings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from anju.api.schemas.common import IsoDate, ReplyModel, StrictModel, YuanAmount


class GlAccountOut(ReplyModel):
    code: str
    name_zh: str
    name_en: str
    category: str
    category_zh: str
    normal_side: str
    normal_side_zh: str
    parent_code: str | None
    postable: bool
    subledger_kind: str | None
    level: int

    @classmethod
    def of(cls, v: Any) -> GlAccountOut:
        return cls(
            code=v.code,
            name_zh=v.name_zh,
            name_en=v.name_en,
            category=v.category,
            category_zh=v.category_zh,
            normal_side=v.normal_side,
            normal_side_zh=v.normal_side_zh,
            parent_code=v.parent_code,
            postable=v.postable,
            subledger_kind=v.subledger_kind,
            level=v.level,
        )


class PostingOut(ReplyModel):
    line_no: int
    gl_code: str
    gl_name_zh: str
    account_no: str
    side: str
    side_zh: str
    amount: YuanAmount
    business_type: str | None


class VoucherOut(ReplyModel):
    voucher_no: str
    source: str
    kind: str
    business_date: date
    value_date: date
    memo: str
    created_by: str
    created_at: datetime
    total: YuanAmount
    posting_count: int
    reverses: str | None
    reversed_by: str | None
    postings: list[PostingOut] = Field(default_factory=list, description="列表中为空；按凭证号查询时给出")

    @classmethod
    def of(cls, v: Any) -> VoucherOut:
        return cls(
            voucher_no=v.voucher_no,
            source=v.source,
            kind=v.kind,
            business_date=v.business_date,
            value_date=v.value_date,
            memo=v.memo,
            created_by=v.created_by,
            created_at=v.created_at,
            total=v.total,
            posting_count=v.posting_count,
            reverses=v.reverses,
            reversed_by=v.reversed_by,
            postings=[
                PostingOut(
                    line_no=p.line_no,
                    gl_code=p.gl_code,
                    gl_name_zh=p.gl_name_zh,
                    account_no=p.account_no,
                    side=p.side,
                    side_zh=p.side_zh,
                    amount=p.amount,
                    business_type=p.business_type,
                )
                for p in v.postings
            ],
        )


class ManualVoucherLineIn(StrictModel):
    gl_code: str = Field(min_length=3, max_length=7, pattern=r"^[0-9]{3,7}$", description="末级会计科目代码")
    side: Literal["debit", "credit"]
    amount: YuanAmount
    account_no: str | None = Field(
        default=None, max_length=40, description="明细账户号（有明细账的科目必填）"
    )


class ManualVoucherIn(StrictModel):
    memo: str = Field(min_length=1, max_length=200, description="摘要")
    value_date: IsoDate | None = Field(default=None, description="起息日，默认当前会计日期")
    lines: list[ManualVoucherLineIn] = Field(min_length=2, max_length=100)


class TrialBalanceRowOut(ReplyModel):
    code: str
    name_zh: str
    level: int
    category: str
    postable: bool
    debit_total: YuanAmount
    credit_total: YuanAmount
    balance: YuanAmount
    balance_side_zh: str
    balance_amount: YuanAmount


class TrialBalanceOut(ReplyModel):
    as_of: date | None
    rows: list[TrialBalanceRowOut]
    debit_total: YuanAmount
    credit_total: YuanAmount
    debit_balances: YuanAmount
    credit_balances: YuanAmount
    balanced: bool

    @classmethod
    def of(cls, v: Any) -> TrialBalanceOut:
        return cls(
            as_of=v.as_of,
            rows=[
                TrialBalanceRowOut(
                    code=r.code,
                    name_zh=r.name_zh,
                    level=r.level,
                    category=r.category,
                    postable=r.postable,
                    debit_total=r.debit_total,
                    credit_total=r.credit_total,
                    balance=r.balance,
                    balance_side_zh=r.balance_side_zh,
                    balance_amount=r.balance_amount,
                )
                for r in v.rows
            ],
            debit_total=v.debit_total,
            credit_total=v.credit_total,
            debit_balances=v.debit_balances,
            credit_balances=v.credit_balances,
            balanced=v.debit_total == v.credit_total and v.debit_balances == v.credit_balances,
        )


class LedgerCheckOut(ReplyModel):
    ok: bool
    problems: list[str]
    voucher_count: int
    posting_count: int
    account_count: int
    audit_rows_checked: int | None
