"""Organisation schemas: centre, branches (管理部), entrusted banks (受托银行), special accounts (专户).

Internal ids never appear: branches and banks are named by their codes, accounts by number.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field

from anju.api.schemas.common import IsoDate, ReplyModel, StrictModel


class CentreOut(ReplyModel):
    code: str
    name: str
    region_code: str
    address: str
    phone: str


class BranchOut(ReplyModel):
    code: str
    name: str
    address: str
    phone: str
    status: str
    is_head_office: bool

    @classmethod
    def of(cls, v: Any) -> BranchOut:
        return cls(
            code=v.code,
            name=v.name,
            address=v.address,
            phone=v.phone,
            status=v.status,
            is_head_office=v.is_head_office,
        )


class BranchCreateIn(StrictModel):
    code: str = Field(min_length=1, max_length=20, description="管理部编码（数字或大写字母）")
    name: str = Field(min_length=1, max_length=100)
    address: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=40)
    is_head_office: bool = False


class BankOut(ReplyModel):
    code: str
    name: str
    node_no: str
    status: str

    @classmethod
    def of(cls, v: Any) -> BankOut:
        return cls(code=v.code, name=v.name, node_no=v.node_no, status=v.status)


class BankCreateIn(StrictModel):
    code: str = Field(min_length=3, max_length=3, description="银行类别代码（如 102 工商银行、105 建设银行）")
    name: str = Field(min_length=1, max_length=100)
    node_no: str = Field(default="", max_length=20, description="结算节点号")


Purpose = Literal["collection", "loan", "value_added_income", "settlement"]


class BankAccountOut(ReplyModel):
    account_no: str
    account_name: str
    bank_code: str
    bank_name: str
    branch_code: str | None
    purpose: str
    purpose_label: str
    gl_code: str
    ledger_account_no: str | None
    opened_on: date
    closed_on: date | None
    status: str

    @classmethod
    def of(cls, v: Any) -> BankAccountOut:
        return cls(
            account_no=v.account_no,
            account_name=v.account_name,
            bank_code=v.bank_code,
            bank_name=v.bank_name,
            branch_code=v.branch_code,
            purpose=v.purpose,
            purpose_label=v.purpose_label,
            gl_code=v.gl_code,
            ledger_account_no=v.ledger_account_no,
            opened_on=v.opened_on,
            closed_on=v.closed_on,
            status=v.status,
        )


class BankAccountCreateIn(StrictModel):
    bank_code: str = Field(min_length=3, max_length=3)
    account_no: str = Field(min_length=6, max_length=30)
    account_name: str = Field(min_length=1, max_length=255)
    purpose: Purpose = Field(
        description="collection 归集户 | loan 贷款户 | value_added_income 增值收益户 | settlement 结算户"
    )
    branch_code: str | None = Field(default=None, max_length=20)
    opened_on: IsoDate | None = Field(default=None, description="开户日期，默认当前会计日期")
