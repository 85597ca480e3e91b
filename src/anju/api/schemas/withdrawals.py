"""Withdrawal schemas (提取): application, decision with every rule checked, workflow actions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from anju.api.schemas.common import IsoDate, ReplyModel, StrictModel, YuanAmount
from anju.services.withdrawals import WithdrawalRequest


class ReasonOut(ReplyModel):
    code: str
    name: str
    standard_code: str
    closes_account: bool
    limit_rule: str
    limit_label: str
    materials: list[str]
    frequency: str
    source: str
    tag: str

    @classmethod
    def of(cls, v: Any) -> ReasonOut:
        return cls(
            code=v.code,
            name=v.name,
            standard_code=v.standard_code,
            closes_account=v.closes_account,
            limit_rule=v.limit_rule,
            limit_label=v.limit_label,
            materials=list(v.materials),
            frequency=v.frequency,
            source=v.source,
            tag=v.tag,
        )


class WithdrawalIn(StrictModel):
    account_no: str = Field(min_length=1, max_length=20, description="个人账号")
    reason_code: str = Field(pattern=r"^[0-9A-Z]{2}$", description="提取原因代码")
    amount: YuanAmount | None = Field(
        default=None, description="提取金额；不填为规则允许的最高额（销户为全部余额）"
    )
    payee_card: str | None = Field(
        default=None, max_length=30, description="收款银行卡号；不填为账户登记的银行卡"
    )
    payee_bank_code: str | None = Field(default=None, max_length=12)
    payee_name: str | None = Field(default=None, max_length=60, description="收款人（死亡提取为继承人）")
    materials: list[str] = Field(default_factory=list, max_length=30, description="已收取的申请材料")
    event_date: IsoDate | None = Field(default=None, description="购房合同、发票或诊断日期")
    cost: YuanAmount | None = Field(default=None, description="实际承担的费用")
    amount_repaid: YuanAmount | None = Field(default=None, description="回溯期内实际偿还的本息")
    monthly_rent: YuanAmount | None = None
    rent_months: int = Field(default=1, ge=1, le=12)
    property_ref: str | None = Field(
        default=None, max_length=80, description="房产编号（不动产权证号或合同号）"
    )
    owns_home_in_city: bool | None = None
    use_data_sharing: bool = Field(
        default=False, description="按授权查询数据共享核验，核验一致且未超额时秒批"
    )

    def to_request(self, channel: str = "counter") -> WithdrawalRequest:
        return WithdrawalRequest(
            account_no=self.account_no,
            reason_code=self.reason_code,
            amount=self.amount,
            payee_card=self.payee_card,
            payee_bank_code=self.payee_bank_code,
            payee_name=self.payee_name,
            materials=frozenset(m[:100] for m in self.materials),
            event_date=self.event_date,
            cost=self.cost,
            amount_repaid=self.amount_repaid,
            monthly_rent=self.monthly_rent,
            rent_months=self.rent_months,
            property_ref=self.property_ref,
            owns_home_in_city=self.owns_home_in_city,
            channel=channel,
        )


class RuleOutcomeOut(ReplyModel):
    code: str
    passed: bool
    detail_zh: str
    source: str


class DecisionOut(ReplyModel):
    approved: bool
    reason_code: str
    reason_name: str
    standard_code: str
    closes_account: bool
    amount: YuanAmount
    limit: YuanAmount | None
    summary_zh: str
    outcomes: list[RuleOutcomeOut]

    @classmethod
    def of(cls, d: Any) -> DecisionOut:
        return cls(
            approved=d.approved,
            reason_code=d.reason_code,
            reason_name=d.reason_name,
            standard_code=d.standard_code,
            closes_account=d.closes_account,
            amount=d.amount,
            limit=d.limit,
            summary_zh=d.summary_zh(),
            outcomes=[
                RuleOutcomeOut(code=o.code, passed=o.passed, detail_zh=o.detail_zh, source=o.source)
                for o in d.outcomes
            ],
        )


class WithdrawalOut(ReplyModel):
    withdrawal_no: str
    case_no: str
    member_account_no: str
    member_name_masked: str
    reason_code: str
    reason_name: str
    standard_code: str
    closes_account: bool
    state: str
    state_label: str
    amount: YuanAmount
    interest: YuanAmount
    total: YuanAmount
    limit: YuanAmount | None
    payee_name_masked: str
    payee_card_masked: str
    outcomes: list[RuleOutcomeOut]
    auto_approved: bool
    business_date: date
    paid_on: date | None
    e2e_id: str | None
    note: str | None

    @classmethod
    def of(cls, v: Any) -> WithdrawalOut:
        return cls(
            withdrawal_no=v.withdrawal_no,
            case_no=v.case_no,
            member_account_no=v.member_account_no,
            member_name_masked=v.member_name_masked,
            reason_code=v.reason_code,
            reason_name=v.reason_name,
            standard_code=v.standard_code,
            closes_account=v.closes_account,
            state=v.state,
            state_label=v.state_label,
            amount=v.amount,
            interest=v.interest,
            total=v.total,
            limit=v.limit,
            payee_name_masked=v.payee_name_masked,
            payee_card_masked=v.payee_card_masked,
            outcomes=[
                RuleOutcomeOut(code=o.code, passed=o.passed, detail_zh=o.detail_zh, source=o.source)
                for o in v.outcomes
            ],
            auto_approved=v.auto_approved,
            business_date=v.business_date,
            paid_on=v.paid_on,
            e2e_id=v.e2e_id,
            note=v.note,
        )


class WithdrawalPageOut(ReplyModel):
    items: list[WithdrawalOut]
    total: int


class ActionIn(StrictModel):
    action: Literal["review", "approve", "second_approve", "return", "refuse"]
    reason: str | None = Field(default=None, max_length=400)


class PayAgainIn(StrictModel):
    payee_card: str | None = Field(default=None, max_length=30)
    payee_bank_code: str | None = Field(default=None, max_length=12)
    payee_name: str | None = Field(default=None, max_length=60)


class ConsentIn(StrictModel):
    account_no: str = Field(min_length=1, max_length=20)
    # credit (征信): for a loan review only (POST /api/v1/credit-reports)
    scopes: list[Literal["property", "marriage", "social_security", "mortgage", "credit"]] = Field(
        min_length=1, max_length=5
    )
    expires_on: IsoDate
    document_ref: str = Field(min_length=1, max_length=80, description="签字授权书或电子授权编号")


class ConsentOut(ReplyModel):
    id: int
    scopes: list[str]
    scope_labels: list[str]
    granted_on: date
    expires_on: date
    revoked: bool
    document_ref: str

    @classmethod
    def of(cls, v: Any) -> ConsentOut:
        return cls(
            id=v.id,
            scopes=list(v.scopes),
            scope_labels=list(v.scope_labels),
            granted_on=v.granted_on,
            expires_on=v.expires_on,
            revoked=v.revoked,
            document_ref=v.document_ref,
        )


class LookupOut(ReplyModel):
    registry: str
    registry_label: str
    purpose: str
    outcome: str
    actor: str
    looked_up_at: datetime


class AgreementIn(WithdrawalIn):
    period_months: Literal[1, 12]
    first_due: IsoDate
    end_date: IsoDate | None = None


class AgreementOut(ReplyModel):
    agreement_no: str
    member_account_no: str
    reason_code: str
    period_months: int
    period_label: str
    amount: YuanAmount
    next_due: date
    end_date: date | None
    state: str
    state_label: str
    payee_card_masked: str

    @classmethod
    def of(cls, v: Any) -> AgreementOut:
        return cls(
            agreement_no=v.agreement_no,
            member_account_no=v.member_account_no,
            reason_code=v.reason_code,
            period_months=v.period_months,
            period_label=v.period_label,
            amount=v.amount,
            next_due=v.next_due,
            end_date=v.end_date,
            state=v.state,
            state_label=v.state_label,
            payee_card_masked=v.payee_card_masked,
        )


class EndIn(StrictModel):
    reason: str = Field(min_length=1, max_length=200)
