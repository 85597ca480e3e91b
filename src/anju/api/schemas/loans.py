"""Housing loan schemas (个人住房贷款). Amounts are yuan strings, rates percent strings."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field

from anju.api.schemas.common import IsoDate, ReplyModel, StrictModel, YuanAmount
from anju.domain.policy import percent_text
from anju.services.loans import HOUSE_KINDS, STATE_LABELS, LoanView

Text20 = Field(min_length=1, max_length=20)


class DeveloperIn(StrictModel):
    code: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=120)
    credit_code: str = Field(min_length=18, max_length=18)
    guarantee_terms: str = Field(min_length=1, max_length=400)


class DeveloperOut(ReplyModel):
    code: str
    name: str
    credit_code: str
    status: str
    guarantee_terms: str

    @classmethod
    def of(cls, r: Any) -> DeveloperOut:
        return cls(
            code=r.code,
            name=r.name,
            credit_code=r.credit_code,
            status=r.status,
            guarantee_terms=r.guarantee_terms,
        )


class ProjectIn(StrictModel):
    developer_code: str = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=120)
    address: str = Field(min_length=1, max_length=200)
    presale_permit: str = Field(min_length=1, max_length=60)
    planning_permit: str = Field(min_length=1, max_length=60)
    construction_permit: str = Field(min_length=1, max_length=60)
    land_use_permit: str = Field(min_length=1, max_length=60)
    guarantee_terms: str = Field(default="", max_length=400)
    buildings: list[str] = Field(default_factory=list, max_length=200)


class BuildingOut(ReplyModel):
    id: int
    name: str


class ProjectOut(ReplyModel):
    id: int
    developer_code: str
    name: str
    address: str
    presale_permit: str
    planning_permit: str
    construction_permit: str
    land_use_permit: str
    buildings: list[BuildingOut]

    @classmethod
    def of(cls, v: Any) -> ProjectOut:
        p = v.project
        return cls(
            id=p.id,
            developer_code=v.developer.code,
            name=p.name,
            address=p.address,
            presale_permit=p.presale_permit,
            planning_permit=p.planning_permit,
            construction_permit=p.construction_permit,
            land_use_permit=p.land_use_permit,
            buildings=[BuildingOut(id=i, name=n) for i, n in v.buildings],
        )


class CommercialIn(StrictModel):
    """组合贷款的商业贷款部分, as the bank reports it."""

    bank: str = Field(min_length=1, max_length=60)
    amount: YuanAmount
    annual_rate_percent: str = Field(pattern=r"^[0-9]{1,2}(\.[0-9]{1,4})?$", examples=["3.05"])
    term_months: int = Field(ge=1, le=600)
    method: Literal["equal_instalment", "equal_principal"] = "equal_instalment"


class ApplicationIn(StrictModel):
    borrower_account_no: str = Field(min_length=1, max_length=20)
    co_borrower_account_no: str | None = Field(default=None, max_length=20)
    house_kind: Literal["new", "second_hand"]
    project_id: int | None = None
    building_id: int | None = None
    house_address: str = Field(min_length=1, max_length=200)
    house_price: YuanAmount
    appraisal: YuanAmount | None = None
    down_payment: YuanAmount
    amount: YuanAmount
    term_months: int = Field(ge=1, le=600)
    method: Literal["equal_instalment", "equal_principal"]
    first_home: bool = True
    seller_name: str = Field(min_length=1, max_length=60)
    seller_account_no: str = Field(min_length=4, max_length=32)
    seller_bank_code: str = Field(min_length=3, max_length=12)
    repayment_account_no: str = Field(min_length=4, max_length=32)
    offset_agreement: bool = False
    other_monthly_debt: YuanAmount | None = None
    uplifts: list[str] = Field(default_factory=list, max_length=10)
    commercial: CommercialIn | None = None


class ActionIn(StrictModel):
    action: Literal["review", "approve", "second_approve", "return", "refuse"]
    reason: str | None = Field(default=None, max_length=400)


class MortgageIn(StrictModel):
    mortgage_no: str = Field(min_length=1, max_length=60)
    registered_on: IsoDate
    certificates: str = Field(min_length=1, max_length=400)


class DisbursementIn(StrictModel):
    centre_account_no: str = Field(min_length=4, max_length=32)


class PrepaymentIn(StrictModel):
    full: bool = False
    amount: YuanAmount | None = None
    option: Literal["lower_instalment", "shorten_term"] = "lower_instalment"
    centre_account_no: str | None = Field(default=None, max_length=32)


class InstalmentOut(ReplyModel):
    instalment_no: int
    due_date: date
    annual_rate: str
    principal: YuanAmount
    interest: YuanAmount
    payment: YuanAmount
    closing_balance: YuanAmount
    paid_principal: YuanAmount
    paid_interest: YuanAmount
    settled_on: date | None


class LoanOut(ReplyModel):
    loan_no: str
    case_no: str
    state: str
    state_label: str
    borrower_account_no: str
    borrower_name: str
    co_borrower_account_no: str | None
    house_kind: str
    house_kind_label: str
    house_address: str
    house_price: YuanAmount
    amount: YuanAmount
    limit: YuanAmount
    term_months: int
    method: str
    annual_rate: str
    commercial_bank: str | None
    commercial_amount: YuanAmount | None
    decision: dict[str, Any]
    contract_no: str | None
    mortgage_no: str | None
    ledger_account_no: str | None
    disbursed_on: date | None
    outstanding: YuanAmount
    risk_tier: str
    days_past_due: int
    settled_on: date | None
    instalments: list[InstalmentOut]

    @classmethod
    def of(cls, v: LoanView, *, with_schedule: bool = True) -> LoanOut:
        r = v.record
        return cls(
            loan_no=r.loan_no,
            case_no=r.case_no,
            state=r.state,
            state_label=STATE_LABELS.get(r.state, r.state),
            borrower_account_no=r.borrower_account_no,
            borrower_name=v.borrower_name,
            co_borrower_account_no=r.co_borrower_account_no,
            house_kind=r.house_kind,
            house_kind_label=HOUSE_KINDS.get(r.house_kind, r.house_kind),
            house_address=r.house_address,
            house_price=r.house_price,
            amount=r.amount,
            limit=r.limit,
            term_months=r.term_months,
            method=r.method,
            annual_rate=percent_text(r.annual_rate),
            commercial_bank=r.commercial_bank,
            commercial_amount=r.commercial_amount,
            decision=dict(r.decision),
            contract_no=r.contract_no,
            mortgage_no=r.mortgage_no,
            ledger_account_no=r.ledger_account_no,
            disbursed_on=r.disbursed_on,
            outstanding=v.outstanding,
            risk_tier=r.risk_tier,
            days_past_due=r.days_past_due,
            settled_on=r.settled_on,
            instalments=[
                InstalmentOut(
                    instalment_no=i.instalment_no,
                    due_date=i.due_date,
                    annual_rate=percent_text(i.annual_rate),
                    principal=i.principal,
                    interest=i.interest,
                    payment=i.principal + i.interest,
                    closing_balance=i.closing_balance,
                    paid_principal=i.paid_principal,
                    paid_interest=i.paid_interest,
                    settled_on=i.settled_on,
                )
                for i in (v.instalments if with_schedule else ())
            ],
        )


class LoanRowOut(ReplyModel):
    loan_no: str
    state: str
    state_label: str
    borrower_account_no: str
    amount: YuanAmount
    term_months: int
    risk_tier: str

    @classmethod
    def of(cls, r: Any) -> LoanRowOut:
        return cls(
            loan_no=r.loan_no,
            state=r.state,
            state_label=STATE_LABELS.get(r.state, r.state),
            borrower_account_no=r.borrower_account_no,
            amount=r.amount,
            term_months=r.term_months,
            risk_tier=r.risk_tier,
        )


class RepaymentOut(ReplyModel):
    loan_no: str
    amount: YuanAmount
    principal: YuanAmount
    interest: YuanAmount
    penalty: YuanAmount
    voucher_no: str | None
    settled: bool


class WriteOffIn(StrictModel):
    reason: str = Field(min_length=1, max_length=300)


class CaseRefOut(ReplyModel):
    case_no: str
    state: str
    state_label: str
