"""Remittance (汇缴): rosters, payments at the counter, suspense, back-payment, arrears and
notices, deferral and ratio reduction. Every mutating route takes an Idempotency-Key."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from anju.api.schemas.common import ERROR_RESPONSES, Limit, Offset
from anju.api.schemas.remittance import (
    AllocationIn,
    ArrearsOut,
    ArrearsPageOut,
    BackPaymentIn,
    DeferralIn,
    DeferralOut,
    NoticeIn,
    NoticeOut,
    PaymentIn,
    PaymentOut,
    ReasonIn,
    RefundIn,
    RefundOut,
    RosterIn,
    RosterLineOut,
    RosterListOut,
    RosterMemberIn,
    RosterOut,
    SuspenseOut,
    WageBaseIn,
)
from anju.domain.security import Permission as P
from anju.http.context import Session, container_of
from anju.http.guard import requires
from anju.http.idempotency import Command, command
from anju.money import Rate
from anju.services import arrears, deferrals, remittance
from anju.services.ports import UnitOfWork
from anju.services.runner import read

router = APIRouter(prefix="/remittance", tags=["归集·汇缴"], responses=ERROR_RESPONSES)

UnitNo = Annotated[str, Path(min_length=1, max_length=20, description="单位账号")]
# Ids are BIGINT: a larger number is refused as input (422), never sent to the DB (reliability F1).
RosterId = Annotated[int, Path(ge=1, le=2**63 - 1, description="清册编号")]
MemberNo = Annotated[str, Path(min_length=1, max_length=20, description="个人账号")]
DeferralId = Annotated[int, Path(ge=1, le=2**63 - 1)]


# --- rosters -----------------------------------------------------------------------------------


@router.get(
    "/units/{unit_account_no}/rosters", response_model=list[RosterOut], summary="单位清册（按月倒序）"
)
def list_rosters(
    request: Request,
    unit_account_no: UnitNo,
    limit: Limit = 50,
    offset: Offset = 0,
    session: Session = requires(P.COLLECTION_VIEW),
) -> list[RosterOut]:
    views = read(
        container_of(request).uow,
        lambda uow: remittance.list_rosters(uow, session.actor, unit_account_no, limit=limit, offset=offset),
    )
    return [RosterOut.of(v) for v in views]


@router.post(
    "/units/{unit_account_no}/rosters", status_code=201, response_model=RosterOut, summary="生成汇缴清册"
)
def generate_roster(
    unit_account_no: UnitNo, body: RosterIn, cmd: Command = command(P.COLLECTION_MANAGE)
) -> Response:
    def run_(uow: UnitOfWork) -> RosterOut:
        return RosterOut.of(remittance.generate_roster(uow, cmd.actor, unit_account_no, body.month))

    return cmd.execute(run_, status_code=201)


@router.post(
    "/units/{unit_account_no}/back-payments",
    status_code=201,
    response_model=RosterListOut,
    summary="生成补缴清册（每月一册）",
)
def generate_back_payment(
    unit_account_no: UnitNo, body: BackPaymentIn, cmd: Command = command(P.COLLECTION_MANAGE)
) -> Response:
    def run_(uow: UnitOfWork) -> RosterListOut:
        views = remittance.generate_back_payment(uow, cmd.actor, unit_account_no, body.months, body.reason)
        return RosterListOut(items=[RosterOut.of(v) for v in views])

    return cmd.execute(run_, status_code=201)


@router.get("/rosters/{roster_id}", response_model=RosterOut, summary="清册详情")
def get_roster(
    request: Request, roster_id: RosterId, session: Session = requires(P.COLLECTION_VIEW)
) -> RosterOut:
    return RosterOut.of(
        read(container_of(request).uow, lambda uow: remittance.get_roster(uow, session.actor, roster_id))
    )


@router.get(
    "/rosters/{roster_id}/lines", response_model=list[RosterLineOut], summary="清册明细（分页，姓名脱敏）"
)
def roster_lines(
    request: Request,
    roster_id: RosterId,
    limit: Limit = 200,
    offset: Offset = 0,
    session: Session = requires(P.COLLECTION_VIEW, personal_data=True),
) -> list[RosterLineOut]:
    lines = read(
        container_of(request).uow,
        lambda uow: remittance.roster_lines(uow, session.actor, roster_id, limit=limit, offset=offset),
    )
    return [RosterLineOut.of(line) for line in lines]


@router.post("/rosters/{roster_id}/lines", response_model=RosterOut, summary="草稿清册增加职工")
def add_member(
    roster_id: RosterId, body: RosterMemberIn, cmd: Command = command(P.COLLECTION_MANAGE)
) -> Response:
    def run_(uow: UnitOfWork) -> RosterOut:
        view = remittance.add_roster_member(uow, cmd.actor, roster_id, body.member_account_no, body.wage_base)
        return RosterOut.of(view)

    return cmd.execute(run_)


@router.post(
    "/rosters/{roster_id}/lines/{member_account_no}/wage-base",
    response_model=RosterOut,
    summary="调整草稿清册中职工的缴存基数",
)
def change_base(
    roster_id: RosterId,
    member_account_no: MemberNo,
    body: WageBaseIn,
    cmd: Command = command(P.COLLECTION_MANAGE),
) -> Response:
    def run_(uow: UnitOfWork) -> RosterOut:
        view = remittance.change_roster_base(uow, cmd.actor, roster_id, member_account_no, body.wage_base)
        return RosterOut.of(view)

    return cmd.execute(run_)


@router.delete(
    "/rosters/{roster_id}/lines/{member_account_no}", response_model=RosterOut, summary="草稿清册删除职工"
)
def remove_member(
    roster_id: RosterId, member_account_no: MemberNo, cmd: Command = command(P.COLLECTION_MANAGE)
) -> Response:
    def run_(uow: UnitOfWork) -> RosterOut:
        return RosterOut.of(remittance.remove_roster_member(uow, cmd.actor, roster_id, member_account_no))

    return cmd.execute(run_)


@router.post("/rosters/{roster_id}/confirm", response_model=RosterOut, summary="确认清册")
def confirm(roster_id: RosterId, cmd: Command = command(P.COLLECTION_MANAGE)) -> Response:
    return cmd.execute(lambda uow: RosterOut.of(remittance.confirm_roster(uow, cmd.actor, roster_id)))


@router.post("/rosters/{roster_id}/cancel", response_model=RosterOut, summary="作废未缴款的清册")
def cancel(roster_id: RosterId, cmd: Command = command(P.COLLECTION_MANAGE)) -> Response:
    return cmd.execute(lambda uow: RosterOut.of(remittance.cancel_roster(uow, cmd.actor, roster_id)))


# --- payments and suspense ---------------------------------------------------------------------


@router.post("/payments", status_code=201, response_model=PaymentOut, summary="柜面收款（按清册入账或暂收）")
def receive_payment(body: PaymentIn, cmd: Command = command(P.COLLECTION_MANAGE)) -> Response:
    def run_(uow: UnitOfWork) -> PaymentOut:
        receipt = remittance.receive_unit_payment(
            uow,
            cmd.actor,
            unit_account_no=body.unit_account_no,
            amount=body.amount,
            serial_no=body.serial_no,
            received_on=body.received_on,
            value_date=body.value_date or body.received_on,
            centre_bank_account_no=body.centre_bank_account_no,
            channel="counter",
        )
        return PaymentOut.of(receipt)

    return cmd.execute(run_, status_code=201)


@router.get("/payments/{serial_no}", response_model=PaymentOut, summary="来款查询（按流水号）")
def get_payment(
    request: Request,
    serial_no: Annotated[str, Path(min_length=1, max_length=40)],
    session: Session = requires(P.COLLECTION_VIEW),
) -> PaymentOut:
    return PaymentOut.of(
        read(container_of(request).uow, lambda uow: remittance.get_payment(uow, session.actor, serial_no))
    )


@router.get("/units/{unit_account_no}/suspense", response_model=SuspenseOut, summary="单位暂收款")
def suspense(
    request: Request, unit_account_no: UnitNo, session: Session = requires(P.COLLECTION_VIEW)
) -> SuspenseOut:
    view = read(
        container_of(request).uow,
        lambda uow: remittance.suspense_of_unit(uow, session.actor, unit_account_no),
    )
    return SuspenseOut.of(view)


@router.post(
    "/units/{unit_account_no}/suspense/allocations", response_model=RosterOut, summary="暂收款分配到清册"
)
def allocate(
    unit_account_no: UnitNo, body: AllocationIn, cmd: Command = command(P.COLLECTION_MANAGE)
) -> Response:
    return cmd.execute(
        lambda uow: RosterOut.of(
            remittance.allocate_suspense(uow, cmd.actor, unit_account_no, body.roster_id)
        )
    )


@router.post(
    "/units/{unit_account_no}/suspense/refunds",
    status_code=201,
    response_model=RefundOut,
    summary="暂收款退款",
)
def refund(unit_account_no: UnitNo, body: RefundIn, cmd: Command = command(P.COLLECTION_MANAGE)) -> Response:
    def run_(uow: UnitOfWork) -> RefundOut:
        view = remittance.refund_suspense(
            uow,
            cmd.actor,
            unit_account_no,
            amount=body.amount,
            reason=body.reason,
            payee_name=body.payee_name,
            payee_account_no=body.payee_account_no,
        )
        return RefundOut.of(view)

    return cmd.execute(run_, status_code=201)


# --- arrears and notices -----------------------------------------------------------------------


@router.get("/arrears", response_model=ArrearsPageOut, summary="欠缴单位（本管理部）")
def list_arrears(
    request: Request, limit: Limit = 100, offset: Offset = 0, session: Session = requires(P.COLLECTION_VIEW)
) -> ArrearsPageOut:
    page = read(
        container_of(request).uow,
        lambda uow: arrears.list_arrears(uow, session.actor, limit=limit, offset=offset),
    )
    return ArrearsPageOut(
        as_of=page.as_of,
        items=[ArrearsOut.of(r) for r in page.items],
        total=page.total,
        estimated_total=page.estimated_total,
    )


@router.get("/units/{unit_account_no}/arrears", response_model=ArrearsOut | None, summary="单位欠缴情况")
def unit_arrears(
    request: Request, unit_account_no: UnitNo, session: Session = requires(P.COLLECTION_VIEW)
) -> ArrearsOut | None:
    row = read(
        container_of(request).uow, lambda uow: arrears.unit_arrears(uow, session.actor, unit_account_no)
    )
    return ArrearsOut.of(row) if row else None


@router.post(
    "/units/{unit_account_no}/notices", status_code=201, response_model=NoticeOut, summary="发出催缴文书"
)
def issue_notice(
    unit_account_no: UnitNo, body: NoticeIn, cmd: Command = command(P.COLLECTION_MANAGE)
) -> Response:
    def run_(uow: UnitOfWork) -> NoticeOut:
        view = arrears.issue_notice(uow, cmd.actor, unit_account_no, body.kind, deadline=body.deadline)
        return NoticeOut.of(view)

    return cmd.execute(run_, status_code=201)


@router.get("/notices/{notice_no}", response_model=NoticeOut, summary="催缴文书")
def get_notice(
    request: Request,
    notice_no: Annotated[str, Path(min_length=1, max_length=24)],
    session: Session = requires(P.COLLECTION_VIEW),
) -> NoticeOut:
    return NoticeOut.of(
        read(container_of(request).uow, lambda uow: arrears.get_notice(uow, session.actor, notice_no))
    )


# --- deferral and ratio reduction --------------------------------------------------------------


@router.get("/deferrals", response_model=list[DeferralOut], summary="缓缴与降低比例申请")
def list_deferrals(
    request: Request,
    *,
    unit_account_no: Annotated[str | None, Query(max_length=20)] = None,
    state: Annotated[str | None, Query(max_length=12)] = None,
    limit: Limit = 50,
    offset: Offset = 0,
    session: Session = requires(P.COLLECTION_VIEW),
) -> list[DeferralOut]:
    views = read(
        container_of(request).uow,
        lambda uow: deferrals.list_deferrals(
            uow, session.actor, unit_account_no=unit_account_no, state=state, limit=limit, offset=offset
        ),
    )
    return [DeferralOut.of(v) for v in views]


@router.get("/deferrals/{deferral_id}", response_model=DeferralOut, summary="缓缴与降低比例申请详情")
def get_deferral(
    request: Request, deferral_id: DeferralId, session: Session = requires(P.COLLECTION_VIEW)
) -> DeferralOut:
    return DeferralOut.of(
        read(container_of(request).uow, lambda uow: deferrals.get_deferral(uow, session.actor, deferral_id))
    )


@router.post("/deferrals", status_code=201, response_model=DeferralOut, summary="受理缓缴或降低比例申请")
def apply_deferral(body: DeferralIn, cmd: Command = command(P.COLLECTION_MANAGE)) -> Response:
    def run_(uow: UnitOfWork) -> DeferralOut:
        view = deferrals.apply_deferral(
            uow,
            cmd.actor,
            unit_account_no=body.unit_account_no,
            kind=body.kind,
            start_month=body.start_month,
            end_month=body.end_month,
            approving_body=body.approving_body,
            document_no=body.document_no,
            unit_ratio=Rate.percent(body.unit_ratio_percent) if body.unit_ratio_percent else None,
            member_ratio=Rate.percent(body.member_ratio_percent) if body.member_ratio_percent else None,
        )
        return DeferralOut.of(view)

    return cmd.execute(run_, status_code=201)


@router.post("/deferrals/{deferral_id}/review", response_model=DeferralOut, summary="审核")
def review(deferral_id: DeferralId, cmd: Command = command(P.COLLECTION_APPROVE)) -> Response:
    return cmd.execute(lambda uow: DeferralOut.of(deferrals.review_deferral(uow, cmd.actor, deferral_id)))


@router.post("/deferrals/{deferral_id}/approve", response_model=DeferralOut, summary="审批")
def approve(deferral_id: DeferralId, cmd: Command = command(P.COLLECTION_APPROVE)) -> Response:
    return cmd.execute(lambda uow: DeferralOut.of(deferrals.approve_deferral(uow, cmd.actor, deferral_id)))


@router.post("/deferrals/{deferral_id}/refuse", response_model=DeferralOut, summary="不予批准")
def refuse(deferral_id: DeferralId, body: ReasonIn, cmd: Command = command(P.COLLECTION_APPROVE)) -> Response:
    return cmd.execute(
        lambda uow: DeferralOut.of(deferrals.refuse_deferral(uow, cmd.actor, deferral_id, body.reason))
    )
