"""征信查询 for a loan review (reliability.md P3): the credit report of a borrower, asked only under
the person's valid authorisation covering the credit registry (recorded with
POST /api/v1/withdrawals/consents, scope "credit"). A refusal is a reply, not an error, so that
the refused look-up stays logged and audited."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field
from starlette.responses import Response

from anju.api.schemas.common import ERROR_RESPONSES, ReplyModel, StrictModel
from anju.domain.security import Permission as P
from anju.http.idempotency import Command, command
from anju.messages import message_for
from anju.services import data_sharing
from anju.services.ports import UnitOfWork

router = APIRouter(prefix="/credit-reports", tags=["个人住房贷款"], responses=ERROR_RESPONSES)


class CreditReportIn(StrictModel):
    account_no: str = Field(min_length=1, max_length=20, description="借款人个人账号")


class CreditReportOut(ReplyModel):
    registry_label: str
    outcome: str = Field(description="found | not_found | refused（未授权、授权过期、撤回或不含征信）")
    overdue_accounts: int | None = Field(description="当前逾期账户数（查到时）")
    message: str


@router.post("", response_model=CreditReportOut, summary="征信查询（须借款人有效授权）")
def credit_report(body: CreditReportIn, cmd: Command = command(P.LOAN_MANAGE)) -> Response:
    def run_(uow: UnitOfWork) -> CreditReportOut:
        result = data_sharing.credit_report(uow, cmd.actor, body.account_no)
        refused = result.outcome == "refused"
        return CreditReportOut(
            registry_label=result.registry_label,
            outcome=result.outcome,
            overdue_accounts=None if result.answer is None else result.answer.credit_overdue_accounts,
            message=message_for("data_sharing_no_consent", {"registry": result.registry_label})
            if refused
            else "已查询",
        )

    return cmd.execute(run_)
