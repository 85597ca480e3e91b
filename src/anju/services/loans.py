"""Housing loans (个人住房贷款): cooperation admission, application, decision, contract, mortgage,
disbursement and the loan account (rules.md §5; the maths is in anju.domain.loans).

The flow of one loan (`loan.state`):

    accepted (受理) → reviewed (审核) → approved (审批, a second approver above the policy
    threshold) → contracted (借款合同, the case is finished) → mortgaged (抵押登记, 权证入库)
    → disbursing (放款 instruction at the bank) → active (还款中) → settled (结清)
    or returned / refused (the persons are released at once), or written_off (核销).

The workflow itself (who may act when, maker ≠ checker ≠ approver) is the shared case workflow
(services/cases.py); this module keeps the loan row in step with its case. One active loan per
person is a partial unique index (`uow.loans.claim_parties`), so two concurrent applications for
the same borrower or spouse cannot both be accepted (reliability.md C4).

Repayments, prepayments, settlement and the batch work are in services/loan_repayments.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from anju.dates import YearMonth
from anju.domain.contributions import MemberStatus
from anju.domain.loans.combination import CommercialPart
from anju.domain.loans.delinquency import RiskTier
from anju.domain.loans.limit import (
    ApplicantFacts,
    BirthFacts,
    CheckLine,
    Contributor,
    EligibilityFacts,
    LimitDecision,
    LimitRequest,
    LoanRuleViolation,
    RuleSource,
    check_amount_within_limit,
    check_eligibility,
    loan_limit,
)
from anju.domain.loans.schedule import (
    FirstPeriod,
    Instalment,
    RepaymentMethod,
    Schedule,
    build_schedule,
)
from anju.domain.policy import LoanPolicy, percent_text
from anju.domain.retirement import Gender, RetirementCategory
from anju.domain.security import Actor, AuditEvent, Permission
from anju.domain.workflow import CaseState
from anju.errors import Conflict, NotFound
from anju.ids import mask_name
from anju.ledger.chart import AccountKind
from anju.ledger.entries import AccountRef
from anju.ledger.posting_rules import LOAN_ACCOUNT
from anju.money import Money, Rate
from anju.services import bank, cases, policy, withdrawals
from anju.services.calendar import current_business_date
from anju.services.loan_ports import (
    DeveloperRecord,
    InstalmentRecord,
    LoanRecord,
    ProjectRecord,
)
from anju.services.loan_signatures import sign_application
from anju.services.ports import MemberAccountRecord, UnitOfWork

CASE_KIND: Final = "loan_application"
# Withdrawals refuse a person with an overdue loan of the centre (rules.md); the loans slice
# answers that question for them.
withdrawals.register_overdue_loan_check(lambda uow, member_id: uow.loans.has_overdue_loan(member_id))
cases.register_case_kind(CASE_KIND, "个人住房贷款", managed_at="贷款业务（/loans）")

DISBURSEMENT_PURPOSE: Final = "loan_disbursement"
LOAN_SEQUENCE: Final = "loan_no"
CONTRACT_SEQUENCE: Final = "loan_contract_no"


DEVELOPER_ADMITTED: Final = "admitted"  # 准入: developers, projects and buildings admitted for cooperation


class LoanState:
    ACCEPTED: Final = "accepted"
    REVIEWED: Final = "reviewed"
    APPROVED: Final = "approved"
    CONTRACTED: Final = "contracted"
    MORTGAGED: Final = "mortgaged"
    DISBURSING: Final = "disbursing"
    ACTIVE: Final = "active"
    SETTLED: Final = "settled"
    RETURNED: Final = "returned"
    REFUSED: Final = "refused"
    WRITTEN_OFF: Final = "written_off"


STATE_LABELS: Final = {
    "accepted": "已受理",
    "reviewed": "已审核",
    "approved": "已审批",
    "contracted": "已签合同",
    "mortgaged": "已抵押登记",
    "disbursing": "放款中",
    "active": "还款中",
    "settled": "已结清",
    "returned": "已退回",
    "refused": "不予贷款",
    "written_off": "已核销",
}
HOUSE_KINDS: Final = {"new": "新建商品房", "second_hand": "二手房"}
TXN_TYPES: Final = {
    "01": "发放",
    "02": "正常还款",
    "03": "提前还款",
    "04": "逾期还款",
    "05": "公积金还贷",
    "06": "结清",
    "07": "展期",
    "08": "缩期",
    "09": "核销",
    "10": "利率调整",
    "99": "其他",
}
# The case states that the workflow keeps in step with the loan row.
_CASE_TO_LOAN: Final = {
    CaseState.REVIEWED: LoanState.REVIEWED,
    CaseState.APPROVED: LoanState.APPROVED,
    CaseState.RETURNED: LoanState.RETURNED,
    CaseState.REFUSED: LoanState.REFUSED,
}


class LoanNotFound(NotFound):
    """No such loan, developer or project."""


class LoanConflict(Conflict):
    """The person already has an active loan or application; a code is taken."""


class LoanWorkflowViolation(LoanRuleViolation):
    """The loan is not in a state that allows the step."""


# --- developers, projects, buildings (开发商、楼盘准入) -----------------------------------------


@dataclass(frozen=True, slots=True)
class DeveloperAdmission:
    code: str
    name: str
    credit_code: str
    guarantee_terms: str


@dataclass(frozen=True, slots=True)
class ProjectAdmission:
    developer_code: str
    name: str
    address: str
    presale_permit: str
    planning_permit: str
    construction_permit: str
    land_use_permit: str
    guarantee_terms: str = ""
    buildings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ProjectView:
    project: ProjectRecord
    developer: DeveloperRecord
    buildings: tuple[tuple[int, str], ...]


def _text(value: str, label: str, maximum: int, *, required: bool = True) -> str:
    text = " ".join((value or "").split())
    if required and not text:
        raise LoanRuleViolation("required_field", field=label)
    if len(text) > maximum:
        raise LoanRuleViolation("text_too_long", field=label, max=maximum)
    return text


def admit_developer(uow: UnitOfWork, actor: Actor, req: DeveloperAdmission) -> DeveloperRecord:
    """准入: a developer admitted for cooperation, with its guarantee terms (阶段性担保)."""
    actor.require(Permission.LOAN_MANAGE)
    code = _text(req.code, "开发商编号", 20)
    new_id = uow.loans.insert_developer(
        {
            "code": code,
            "name": _text(req.name, "开发商名称", 120),
            "credit_code": _text(req.credit_code, "统一社会信用代码", 18),
            "status": DEVELOPER_ADMITTED,
            "guarantee_terms": _text(req.guarantee_terms, "担保条款", 400),
            "branch_id": actor.branch_id,
            "created_by": actor.username,
            "created_at": uow.now_utc(),
        }
    )
    if new_id is None:
        raise LoanConflict("loan_developer_exists", code=code)
    uow.audit.append(AuditEvent.by(actor, "loan.developer_admit", "loan_developer", code))
    record = uow.loans.developer(code)
    assert record is not None
    return record


def load_developer(uow: UnitOfWork, code: str, *, admitted: bool = False) -> DeveloperRecord:
    """The developer with this code (not found otherwise); `admitted`: refuse a suspended one."""
    developer = uow.loans.developer((code or "").strip())
    if developer is None:
        raise LoanNotFound("not_found", what=f"开发商 {(code or '')[:20]}")
    if admitted and developer.status != DEVELOPER_ADMITTED:
        raise LoanRuleViolation("loan_developer_not_admitted", name=developer.name)
    return developer


def admit_project(uow: UnitOfWork, actor: Actor, req: ProjectAdmission) -> ProjectView:
    """楼盘准入 with its four permits and buildings; the developer must be admitted."""
    actor.require(Permission.LOAN_MANAGE)
    developer = load_developer(uow, req.developer_code, admitted=True)
    project_id = uow.loans.insert_project(
        {
            "developer_id": developer.id,
            "name": _text(req.name, "楼盘名称", 120),
            "address": _text(req.address, "楼盘地址", 200),
            "presale_permit": _text(req.presale_permit, "预售许可证号", 60),
            "planning_permit": _text(req.planning_permit, "建设工程规划许可证号", 60),
            "construction_permit": _text(req.construction_permit, "施工许可证号", 60),
            "land_use_permit": _text(req.land_use_permit, "国有土地使用证号", 60),
            "guarantee_terms": _text(req.guarantee_terms or developer.guarantee_terms, "担保条款", 400),
            "status": DEVELOPER_ADMITTED,
            "created_at": uow.now_utc(),
        }
    )
    for name in req.buildings:
        uow.loans.insert_building(
            {"project_id": project_id, "name": _text(name, "楼栋号", 60), "status": DEVELOPER_ADMITTED}
        )
    uow.audit.append(
        AuditEvent.by(
            actor,
            "loan.project_admit",
            "loan_project",
            str(project_id),
            details={"developer": developer.code},
        )
    )
    return get_project(uow, actor, project_id)


def get_project(uow: UnitOfWork, actor: Actor, project_id: int) -> ProjectView:
    actor.require(Permission.LOAN_VIEW)
    project = uow.loans.project(project_id)
    if project is None:
        raise LoanNotFound("not_found", what=f"楼盘 {project_id}")
    developer = uow.loans.developer_by_id(project.developer_id)
    assert developer is not None
    return ProjectView(project, developer, tuple((b.id, b.name) for b in uow.loans.buildings_of(project_id)))


def list_developers(
    uow: UnitOfWork, actor: Actor, *, limit: int = 100, offset: int = 0
) -> list[DeveloperRecord]:
    actor.require(Permission.LOAN_VIEW)
    return uow.loans.list_developers(limit=limit, offset=offset)


def list_projects(uow: UnitOfWork, actor: Actor, developer_code: str) -> list[ProjectRecord]:
    actor.require(Permission.LOAN_VIEW)
    return uow.loans.projects_of(load_developer(uow, developer_code).id)


# --- the application and its decision (受理、额度与条件) -------------------------------------


@dataclass(frozen=True, slots=True)
class LoanApplication:
    """What the counter takes in. Amounts in Money, the rate from the policy in force."""

    borrower_account_no: str
    house_kind: str  # new | second_hand
    house_address: str
    house_price: Money
    down_payment: Money
    amount: Money
    term_months: int
    method: RepaymentMethod
    seller_name: str
    seller_account_no: str
    seller_bank_code: str
    repayment_account_no: str
    co_borrower_account_no: str | None = None
    project_id: int | None = None
    building_id: int | None = None
    appraisal: Money | None = None  # 二手房评估价: the limit uses the lower of price and appraisal
    first_home: bool = True
    offset_agreement: bool = False  # 冲还贷
    other_monthly_debt: Money = Money.ZERO
    uplifts: tuple[str, ...] = ()
    borrower_category: RetirementCategory | None = None  # for women: cadre or worker
    commercial: CommercialPart | None = None  # 组合贷款: the commercial part
    commercial_bank: str | None = None
    channel: str = "counter"


@dataclass(frozen=True, slots=True)
class LoanDecision:
    """Everything the decision rests on, for the page and the stored record."""

    business_date: date
    annual_rate: Rate
    rate_source: RuleSource
    limit: LimitDecision
    checks: tuple[CheckLine, ...]  # eligibility lines and the amount-within-limit line

    @property
    def passed(self) -> bool:
        return all(line.passed for line in self.checks)

    def as_json(self) -> dict[str, Any]:
        return {
            "business_date": self.business_date.isoformat(),
            "annual_rate": percent_text(self.annual_rate),
            "rate_source": {"label": self.rate_source.label, "source": self.rate_source.source},
            "limit": str(self.limit.limit),
            "binding": self.limit.binding.key,
            "figures": [
                {
                    "key": f.key,
                    "rule": f.rule,
                    "computation": f.computation,
                    "amount": str(f.amount),
                    "binding": f.binding,
                    "sources": [{"label": s.label, "source": s.source, "tag": s.tag} for s in f.sources],
                }
                for f in self.limit.figures
            ],
            "rounding": {"label": self.limit.rounding.label, "source": self.limit.rounding.source},
            "checks": [
                {"key": c.key, "rule": c.rule, "passed": c.passed, "detail": c.detail, "source": c.source}
                for c in self.checks
            ],
        }


def _member(uow: UnitOfWork, account_no: str, label: str) -> MemberAccountRecord:
    record = uow.members.account(account_no.strip())
    if record is None:
        raise LoanNotFound("not_found", what=f"{label}个人账户 {account_no[:20]}")
    return record


def continuous_months(account: MemberAccountRecord) -> int:
    """Months contributed from the account's opening month to its paid-up month (缴至年月).

    The collection slice keeps an account's arrears as a gap in `paid_up_to`, so months from
    opening to paid-up are the continuous, full months the eligibility rule counts.
    """
    if not account.paid_up_to:
        return 0
    return max(0, YearMonth.of(account.opened_on).months_until(YearMonth.parse(account.paid_up_to)) + 1)


def _applicant(account: MemberAccountRecord) -> ApplicantFacts:
    return ApplicantFacts(
        continuous_months=continuous_months(account),
        contribution_normal=account.status == MemberStatus.NORMAL,
    )


def _contributor(uow: UnitOfWork, account: MemberAccountRecord) -> Contributor:
    return Contributor(balance=uow.ledger.balance(account.ledger_account_no), wage_base=account.wage_base)


def _rate(loan: LoanPolicy, day: date, *, first_home: bool, term_months: int) -> tuple[Rate, RuleSource]:
    row = loan.rate_row_on(day)
    rate = loan.rate_on(day, first_home=first_home, term_months=term_months)
    home = "首套住房" if first_home else "第二套住房"
    label = f"{home}个人住房公积金贷款利率（{row.effective_from.isoformat()} 起执行）"
    return rate, RuleSource(label, row.source, row.tag)


def preview_application(uow: UnitOfWork, actor: Actor, req: LoanApplication) -> LoanDecision:
    """预审: the decision for a request, nothing written (the counter checks before accepting)."""
    actor.require(Permission.LOAN_MANAGE)
    return decide_application(uow, req)


def decide_application(uow: UnitOfWork, req: LoanApplication) -> LoanDecision:
    """The limit and every eligibility check for a request, on the policy in force (a query)."""
    day = current_business_date(uow)
    loan_policy = policy.policy_in_force(uow, day).loan
    borrower = _member(uow, req.borrower_account_no, "借款人")
    co = _member(uow, req.co_borrower_account_no, "共同借款人") if req.co_borrower_account_no else None
    if co is not None and co.member_id == borrower.member_id:
        raise LoanRuleViolation("loan_co_borrower_same_person")
    if not 1 <= req.term_months <= loan_policy.max_term_months.value:
        raise LoanRuleViolation(
            "loan_term_out_of_range", term=str(req.term_months), max=loan_policy.max_term_months.value
        )
    rate, source = _rate(loan_policy, day, first_home=req.first_home, term_months=req.term_months)
    price = req.house_price if req.appraisal is None else min(req.house_price, req.appraisal)
    members = [borrower.member_id] + ([co.member_id] if co is not None else [])
    decision = loan_limit(
        loan_policy,
        LimitRequest(
            house_price=price,
            first_home=req.first_home,
            term_months=req.term_months,
            annual_rate=rate,
            borrower=_contributor(uow, borrower),
            co_borrower=_contributor(uow, co) if co is not None else None,
            other_monthly_debt=req.other_monthly_debt,
            uplifts=req.uplifts,
            commercial=req.commercial,
            rate_source=source,
        ),
    )
    person = borrower.person
    eligibility = check_eligibility(
        loan_policy,
        EligibilityFacts(
            application_date=day,
            term_months=req.term_months,
            house_price=price,
            loan_amount=req.amount,
            first_home=req.first_home,
            borrower=_applicant(borrower),
            borrower_birth=_birth(person.birth_date, person.gender, req.borrower_category),
            co_borrower=_applicant(co) if co is not None else None,
            has_unsettled_loan=uow.loans.has_active_loan(members),
            family_loans_used=uow.loans.count_loans_of(members),
            commercial=req.commercial,
        ),
    )
    checks = (*eligibility.lines, check_amount_within_limit(decision, req.amount))
    return LoanDecision(day, rate, source, decision, checks)


def _birth(birth_date: date, gender_code: str, category: RetirementCategory | None) -> BirthFacts:
    """A woman whose post category the counter did not record is taken as a worker: the earlier
    retirement age, so the age rule can only be stricter than the truth, never looser."""
    gender = Gender.from_code(gender_code)
    if gender is Gender.FEMALE and category is None:
        category = RetirementCategory.WORKER
    return BirthFacts(birth_date, gender, category)


@dataclass(frozen=True, slots=True)
class LoanView:
    record: LoanRecord
    state_label: str
    case: cases.CaseView | None
    borrower_name: str  # masked
    instalments: tuple[InstalmentRecord, ...] = ()
    outstanding: Money = Money.ZERO

    @property
    def loan_no(self) -> str:
        return self.record.loan_no

    @property
    def state(self) -> str:
        return self.record.state


def apply_for_loan(uow: UnitOfWork, actor: Actor, req: LoanApplication) -> LoanView:
    """受理: checks the request against every rule, opens the case and binds the persons.

    A request that fails a rule is refused at the counter with the rule, its figures and its
    source (`loan_not_eligible`). The persons are bound by the partial unique index: a second,
    concurrent application for the borrower or the spouse fails with `loan_active_exists`.
    """
    actor.require(Permission.LOAN_MANAGE)
    if req.house_kind not in HOUSE_KINDS:
        raise LoanRuleViolation("loan_house_kind_invalid", value=req.house_kind[:20])
    if req.house_kind == "second_hand" and req.appraisal is None:
        raise LoanRuleViolation("required_field", field="评估价")
    if req.house_kind == "new":
        _check_project(uow, req.project_id, req.building_id)
    decision = decide_application(uow, req)
    for line in decision.checks:
        if not line.passed:
            raise LoanRuleViolation(
                "loan_not_eligible", rule=line.rule, detail=line.detail, source=line.source
            )
    borrower = _member(uow, req.borrower_account_no, "借款人")
    co = _member(uow, req.co_borrower_account_no, "共同借款人") if req.co_borrower_account_no else None
    loan_no = f"DK{decision.business_date:%Y%m%d}{uow.sequences.next_value(LOAN_SEQUENCE):06d}"
    case = cases.open_case(
        uow,
        actor,
        kind=CASE_KIND,
        channel=req.channel,
        subject_type="loan",
        subject_ref=loan_no,
        summary=f"个人住房贷款申请 {req.amount.format_cn()} 元，{req.term_months} 个月，{req.method.label}",
        amount=req.amount,
        applicant=mask_name(borrower.person.name),
        branch_id=borrower.branch_id,
    )
    now = uow.now_utc()
    record = uow.loans.insert_loan(
        {
            "loan_no": loan_no,
            "case_no": case.case_no,
            "state": LoanState.ACCEPTED,
            "branch_id": borrower.branch_id,
            "borrower_account_no": borrower.account_no,
            "borrower_member_id": borrower.member_id,
            "co_borrower_account_no": co.account_no if co else None,
            "co_borrower_member_id": co.member_id if co else None,
            "house_kind": req.house_kind,
            "project_id": req.project_id if req.house_kind == "new" else None,
            "building_id": req.building_id if req.house_kind == "new" else None,
            "house_address": _text(req.house_address, "房屋坐落", 200),
            "house_price": req.house_price,
            "appraisal": req.appraisal,
            "down_payment": req.down_payment,
            "amount": req.amount,
            "term_months": req.term_months,
            "method": req.method.value,
            "first_home": req.first_home,
            "annual_rate": decision.annual_rate,
            "limit": decision.limit.limit,
            "decision": decision.as_json(),
            "seller_name": _text(req.seller_name, "收款人户名", 60),
            "seller_account_no": _text(req.seller_account_no, "收款账号", 32),
            "seller_bank_code": _text(req.seller_bank_code, "收款行行号", 12),
            "repayment_account_no": _text(req.repayment_account_no, "还款账号", 32),
            "offset_agreement": req.offset_agreement,
            "commercial_bank": req.commercial_bank,
            "commercial_amount": req.commercial.amount if req.commercial else None,
            "commercial_rate": req.commercial.annual_rate if req.commercial else None,
            "commercial_term_months": req.commercial.term_months if req.commercial else None,
            "risk_tier": RiskTier.NORMAL.value,
            "days_past_due": 0,
            "created_by": actor.username,
            "created_at": now,
            "updated_at": now,
        }
    )
    parties = [(borrower.member_id, "borrower")] + ([(co.member_id, "co_borrower")] if co else [])
    if not uow.loans.claim_parties(record.id, parties):
        raise LoanConflict("loan_active_exists")
    sign_application(uow, record)  # K5: the accepted application, signed with the centre's SM2 key
    uow.audit.append(
        AuditEvent.by(
            actor,
            "loan.apply",
            "loan",
            loan_no,
            details={"amount": str(req.amount), "term": req.term_months, "limit": str(decision.limit.limit)},
        )
    )
    return get_loan(uow, actor, loan_no)


def _check_project(uow: UnitOfWork, project_id: int | None, building_id: int | None) -> None:
    if project_id is None:
        raise LoanRuleViolation("required_field", field="楼盘")
    project = uow.loans.project(project_id)
    if project is None or project.status != DEVELOPER_ADMITTED:
        raise LoanRuleViolation("loan_project_not_admitted", project=str(project_id))
    developer = uow.loans.developer_by_id(project.developer_id)
    if developer is None or developer.status != DEVELOPER_ADMITTED:
        raise LoanRuleViolation("loan_developer_not_admitted", name=developer.name if developer else "")
    if building_id is not None:
        building = uow.loans.building(building_id)
        if building is None or building.project_id != project_id or building.status != DEVELOPER_ADMITTED:
            raise LoanRuleViolation("loan_project_not_admitted", project=f"{project.name} 楼栋 {building_id}")


# --- the workflow ------------------------------------------------------------------------------


def approval_threshold(uow: UnitOfWork) -> Money | None:
    rule = policy.policy_in_force(uow, current_business_date(uow)).loan.second_approval_threshold
    return None if rule is None else rule.value


def load(uow: UnitOfWork, loan_no: str, *, for_update: bool = False) -> LoanRecord:
    record = uow.loans.loan(loan_no.strip(), for_update=for_update)
    if record is None:
        raise LoanNotFound("not_found", what=f"贷款 {loan_no[:30]}")
    return record


def _require_state(record: LoanRecord, *states: str) -> None:
    if record.state not in states:
        raise LoanWorkflowViolation(
            "loan_state_invalid", loan_no=record.loan_no, state=STATE_LABELS.get(record.state, record.state)
        )


def _sync_with_case(uow: UnitOfWork, record: LoanRecord) -> tuple[LoanRecord, bool]:
    """Before the contract, the case is the truth of the decision: a case moved on the generic
    cases page (办件) is followed here, so the loan row never lags behind its case."""
    if record.state not in (LoanState.ACCEPTED, LoanState.REVIEWED, LoanState.APPROVED):
        return record, False
    case = uow.cases.get(record.case_no)
    state = _CASE_TO_LOAN.get(case.state, record.state) if case is not None else record.state
    if state == record.state:
        return record, False
    uow.loans.update_loan(record.id, {"state": state}, uow.now_utc())
    if state in (LoanState.RETURNED, LoanState.REFUSED):
        uow.loans.release_parties(record.id)
    return load(uow, record.loan_no, for_update=True), True


def advance_application(
    uow: UnitOfWork, actor: Actor, loan_no: str, action: str, reason: str | None = None
) -> LoanView:
    """审核 / 审批 / 复核审批 / 退回 / 拒绝, through the case workflow (maker ≠ checker ≠ approver,
    a second approver above the policy threshold). Returned or refused releases the persons."""
    record, moved = _sync_with_case(uow, load(uow, loan_no, for_update=True))
    if moved and record.state in (LoanState.RETURNED, LoanState.REFUSED):
        return get_loan(uow, actor, record.loan_no)  # decided on the cases page: followed, no more
    _require_state(record, LoanState.ACCEPTED, LoanState.REVIEWED, LoanState.APPROVED)
    case = cases.advance_case(
        uow,
        actor,
        record.case_no,
        action,
        reason,
        second_approval_threshold=approval_threshold(uow),
        decision_permission=Permission.LOAN_APPROVE,
        finish_permission=Permission.LOAN_MANAGE,
    )
    new_state = _CASE_TO_LOAN.get(case.state, record.state)
    uow.loans.update_loan(record.id, {"state": new_state}, uow.now_utc())
    if new_state in (LoanState.RETURNED, LoanState.REFUSED):
        uow.loans.release_parties(record.id)
    uow.audit.append(
        AuditEvent.by(actor, f"loan.{action}", "loan", record.loan_no, details={"state": new_state})
    )
    return get_loan(uow, actor, record.loan_no)


def sign_contract(uow: UnitOfWork, actor: Actor, loan_no: str, signed_on: date | None = None) -> LoanView:
    """借款合同: numbered and signed once approved (and second-approved where needed); the case
    is finished (办结) here, by the counter."""
    record, _moved = _sync_with_case(uow, load(uow, loan_no, for_update=True))
    _require_state(record, LoanState.APPROVED)
    cases.advance_case(
        uow,
        actor,
        record.case_no,
        "finish",
        second_approval_threshold=approval_threshold(uow),
        decision_permission=Permission.LOAN_APPROVE,
        finish_permission=Permission.LOAN_MANAGE,
    )
    day = signed_on or current_business_date(uow)
    contract_no = f"HT{day:%Y}{uow.sequences.next_value(CONTRACT_SEQUENCE):08d}"
    uow.loans.update_loan(
        record.id,
        {"state": LoanState.CONTRACTED, "contract_no": contract_no, "contract_signed_on": day},
        uow.now_utc(),
    )
    uow.audit.append(
        AuditEvent.by(actor, "loan.contract", "loan", record.loan_no, details={"contract_no": contract_no})
    )
    return get_loan(uow, actor, record.loan_no)


def register_mortgage(
    uow: UnitOfWork, actor: Actor, loan_no: str, *, mortgage_no: str, registered_on: date, certificates: str
) -> LoanView:
    """抵押登记 and 权证管理: the registration certificate number and what is taken into custody."""
    actor.require(Permission.LOAN_MANAGE)
    record = load(uow, loan_no, for_update=True)
    _require_state(record, LoanState.CONTRACTED)
    uow.loans.update_loan(
        record.id,
        {
            "state": LoanState.MORTGAGED,
            "mortgage_no": _text(mortgage_no, "不动产登记证明号", 60),
            "mortgage_registered_on": registered_on,
            "certificates": _text(certificates, "入库权证", 400),
        },
        uow.now_utc(),
    )
    uow.audit.append(AuditEvent.by(actor, "loan.mortgage", "loan", record.loan_no))
    return get_loan(uow, actor, record.loan_no)


def disburse(uow: UnitOfWork, actor: Actor, loan_no: str, *, centre_account_no: str) -> bank.InstructionView:
    """放款: open the loan account (121) if needed and queue the payment to the seller's account
    from the centre's loan account (专户). The loan becomes active when the bank confirms
    (`on_disbursement_final`); a refusal reverses the booking and the loan waits to be paid again.
    The entry point dispatches the instruction after commit."""
    actor.require(Permission.LOAN_DISBURSE)
    record = load(uow, loan_no, for_update=True)
    _require_state(record, LoanState.MORTGAGED)
    day = current_business_date(uow)
    account_no = record.ledger_account_no or uow.ledger.open_account(
        LOAN_ACCOUNT.gl_code,
        AccountKind.LOAN,
        owner_type="loan",
        owner_id=record.id,
        branch_id=record.branch_id,
        floor=LOAN_ACCOUNT.floor,
        opened_on=day,
    )
    attempt = len([t for t in uow.loans.txns(record.id) if t.txn_type == "00"]) + 1
    instruction = bank.submit_payment(
        uow,
        actor,
        purpose=DISBURSEMENT_PURPOSE,
        amount=record.amount,
        payee_account_no=record.seller_account_no,
        payee_name=record.seller_name,
        payee_bank_code=record.seller_bank_code,
        source_ref=f"{record.loan_no}-{attempt}",
        debit_account=centre_account_no,
        charge=AccountRef.ledger(account_no),
        ref_account_no=record.loan_no,
        memo=f"贷款发放 {record.contract_no or record.loan_no}",
    )
    uow.loans.add_txn(
        {
            "loan_id": record.id,
            "txn_type": "00",  # a disbursement attempt (not a 贷款业务明细 line until confirmed)
            "business_date": day,
            "amount": record.amount,
            "principal_fen": 0,
            "interest_fen": 0,
            "penalty_fen": 0,
            "voucher_no": instruction.submit_voucher_no,
            "source_ref": f"submit:{instruction.e2e_id}",
            "memo": "放款指令已提交",
            "created_by": actor.username,
            "created_at": uow.now_utc(),
        }
    )
    uow.loans.update_loan(
        record.id,
        {
            "state": LoanState.DISBURSING,
            "ledger_account_no": account_no,
            "disbursement_e2e_id": instruction.e2e_id,
        },
        uow.now_utc(),
    )
    uow.audit.append(
        AuditEvent.by(actor, "loan.disburse", "loan", record.loan_no, details={"e2e_id": instruction.e2e_id})
    )
    return instruction


def schedule_rows(rows: tuple[Instalment, ...]) -> list[dict[str, Any]]:
    return [
        {
            "instalment_no": r.instalment_no,
            "due_date": r.due_date,
            "annual_rate": r.annual_rate,
            "opening_fen": r.opening_balance.fen,
            "principal_fen": r.principal.fen,
            "interest_fen": r.interest.fen,
            "closing_fen": r.closing_balance.fen,
            "interest_days": r.interest_days,
        }
        for r in rows
    ]


def on_disbursement_final(uow: UnitOfWork, instruction: bank.InstructionView) -> None:
    """The bank's answer on a disbursement: active with its stored schedule, or back to waiting."""
    record = uow.loans.loan(instruction.ref_account_no, for_update=True)
    if record is None or record.disbursement_e2e_id != instruction.e2e_id:
        return
    now = uow.now_utc()
    if instruction.state != "succeeded":
        uow.loans.update_loan(record.id, {"state": LoanState.MORTGAGED}, now)
        return
    day = current_business_date(uow)
    loan_policy = policy.policy_in_force(uow, day).loan
    # Loans accepted before a rate change take the rate in force at disbursement (rules.md §5.5).
    rate, _source = _rate(loan_policy, day, first_home=record.first_home, term_months=record.term_months)
    schedule = build_schedule(
        record.amount,
        rate,
        record.term_months,
        RepaymentMethod(record.method),
        day,
        max_repayment_day=loan_policy.repayment_day_max.value,
        first_period=FirstPeriod.FULL_MONTH,
    )
    uow.loans.replace_instalments(record.id, 1, schedule_rows(schedule.instalments))
    uow.loans.add_txn(
        {
            "loan_id": record.id,
            "txn_type": "01",
            "business_date": day,
            "amount": record.amount,
            "principal": record.amount,
            "interest_fen": 0,
            "penalty_fen": 0,
            "voucher_no": instruction.settle_voucher_no,
            "source_ref": f"disburse:{instruction.e2e_id}",
            "memo": f"贷款发放至 {record.seller_name}",
            "created_by": "system:bank",
            "created_at": now,
        }
    )
    uow.loans.update_loan(
        record.id,
        {
            "state": LoanState.ACTIVE,
            "annual_rate": rate,
            "disbursed_on": day,
            "repayment_day": schedule.repayment_day,
            "level": schedule.level,
        },
        now,
    )


bank.on_instruction_final(DISBURSEMENT_PURPOSE, on_disbursement_final)


# --- reading ---------------------------------------------------------------------------------


def stored_schedule(record: LoanRecord, rows: list[InstalmentRecord]) -> Schedule:
    """The schedule in force, rebuilt from the stored rows (for prepayment and repricing)."""
    assert record.disbursed_on is not None
    assert record.repayment_day is not None
    assert record.level is not None
    return Schedule(
        method=RepaymentMethod(record.method),
        principal=record.amount,
        annual_rate=record.annual_rate,
        disbursement_date=record.disbursed_on,
        repayment_day=record.repayment_day,
        first_period=FirstPeriod.FULL_MONTH,
        contract_term_months=record.term_months,
        level=record.level,
        instalments=tuple(
            Instalment(
                r.instalment_no,
                r.due_date,
                r.annual_rate,
                r.opening_balance,
                r.principal,
                r.interest,
                r.closing_balance,
                r.interest_days,
            )
            for r in rows
        ),
    )


def _view(uow: UnitOfWork, record: LoanRecord, *, with_case: bool = True) -> LoanView:
    member = uow.members.account(record.borrower_account_no)
    name = mask_name(member.person.name) if member is not None else ""
    case = cases.get_case(uow, Actor.system("loans"), record.case_no, permission=None) if with_case else None
    outstanding = outstanding_of(uow, record)
    return LoanView(
        record=record,
        state_label=STATE_LABELS.get(record.state, record.state),
        case=case,
        borrower_name=name,
        instalments=tuple(uow.loans.instalments(record.id)),
        outstanding=outstanding,
    )


def outstanding_of(uow: UnitOfWork, record: LoanRecord) -> Money:
    """贷款余额: the loan account (121) plus the overdue principal moved to 122."""
    total = Money.ZERO
    for account_no in (record.ledger_account_no, record.overdue_account_no):
        if account_no:
            total += uow.ledger.balance(account_no)
    return total


def get_loan(uow: UnitOfWork, actor: Actor, loan_no: str) -> LoanView:
    actor.require(Permission.LOAN_VIEW)
    record = load(uow, loan_no)
    actor.require_branch(record.branch_id)
    return _view(uow, record)


def list_loans(
    uow: UnitOfWork, actor: Actor, *, state: str | None = None, limit: int = 50, offset: int = 0
) -> list[LoanRecord]:
    actor.require(Permission.LOAN_VIEW)
    scope = None if actor.all_branches else actor.branch_id
    return uow.loans.search(branch_id=scope, state=state or None, limit=limit, offset=offset)
