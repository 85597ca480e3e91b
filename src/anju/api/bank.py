"""Bank settlement (银行结算): sign-in, the outbox of instructions, the inbox, reconciliation.

Calls that talk to the settlement platform do so first and outside any transaction; the reply
is then stored under the request's Idempotency-Key, so a replay answers with the first reply.
Talking to the platform again on a replay is harmless by design: an instruction is only ever
queried before it is resent, and never paid twice.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from anju.api.schemas.bank import (
    AssignmentIn,
    BalanceOut,
    ClosureIn,
    DayReportOut,
    ImportOut,
    InstructionOut,
    NoticeOut,
    ReconcileIn,
    ReconciliationOut,
    ResolutionIn,
    SessionOut,
    StatementFetchIn,
    StatementFileOut,
    TransferIn,
)
from anju.api.schemas.common import ERROR_RESPONSES, IsoDate, Limit, Offset
from anju.domain.security import Permission as P
from anju.http.context import Session, container_of
from anju.http.guard import requires
from anju.http.idempotency import REPLAY_HEADER, Command, command
from anju.http.responses import StableJSONResponse
from anju.services import bank, bank_inbox, bank_reconciliation
from anju.services.ports import UnitOfWork
from anju.services.runner import read

router = APIRouter(prefix="/bank", tags=["银行结算"], responses=ERROR_RESPONSES)

E2eId = Annotated[str, Path(min_length=1, max_length=24, pattern=r"^[0-9]+$", description="端到端标识")]
AccountNo = Annotated[
    str, Path(min_length=6, max_length=30, pattern=r"^[0-9A-Za-z-]+$", description="专户账号")
]
NoticeId = Annotated[int, Path(ge=1, le=2**62, description="来账编号")]
ReconId = Annotated[int, Path(ge=1, le=2**62, description="对账编号")]
StateFilter = Annotated[str | None, Query(max_length=20, pattern=r"^[a-z_]+$")]


@router.get("/session", response_model=SessionOut, summary="签到状态、指令与来账概况")
def session_state(request: Request, session: Session = requires(P.BANK_VIEW)) -> SessionOut:
    container = container_of(request)
    return SessionOut.of(
        read(
            container.uow,
            lambda uow: bank.session_state(uow, session.actor, configured=container.bank is not None),
        )
    )


@router.post("/session/signin", response_model=SessionOut, summary="签到（BDC001）")
def sign_in(cmd: Command = command(P.BANK_OPERATE)) -> Response:
    view = bank.sign_in(cmd.container.uow, cmd.actor, cmd.container.bank)
    return cmd.execute(lambda uow: SessionOut.of(view))


@router.post("/session/signout", response_model=SessionOut, summary="签退（BDC002）")
def sign_out(cmd: Command = command(P.BANK_OPERATE)) -> Response:
    view = bank.sign_out(cmd.container.uow, cmd.actor, cmd.container.bank)
    return cmd.execute(lambda uow: SessionOut.of(view))


@router.get("/instructions", response_model=list[InstructionOut], summary="银行指令（最新在前）")
def instructions(
    request: Request,
    state: StateFilter = None,
    limit: Limit = 50,
    offset: Offset = 0,
    session: Session = requires(P.BANK_VIEW, personal_data=True),
) -> list[InstructionOut]:
    views = read(
        container_of(request).uow,
        lambda uow: bank.list_instructions(uow, session.actor, state=state, limit=limit, offset=offset),
    )
    return [InstructionOut.of(v) for v in views]


@router.get("/instructions/{e2e_id}", response_model=InstructionOut, summary="银行指令详情与通信记录")
def instruction(
    request: Request, e2e_id: E2eId, session: Session = requires(P.BANK_VIEW, personal_data=True)
) -> InstructionOut:
    view = read(container_of(request).uow, lambda uow: bank.get_instruction(uow, session.actor, e2e_id))
    return InstructionOut.of(view)


@router.post(
    "/instructions/{e2e_id}/dispatch",
    response_model=InstructionOut,
    summary="推进指令：待发送的发送；结果未知的先查询（BDC110）",
)
def dispatch(
    e2e_id: E2eId,
    query: Annotated[bool, Query(description="对“待人工核实”的指令再查询一次")] = False,
    cmd: Command = command(P.BANK_OPERATE),
) -> Response:
    view = bank.dispatch(cmd.container.uow, cmd.container.bank, e2e_id, actor=cmd.actor, force_query=query)
    return cmd.execute(lambda uow: InstructionOut.of(view))


@router.post(
    "/instructions/{e2e_id}/resolution",
    response_model=InstructionOut,
    summary="人工确认结果（须先与银行核实）",
)
def resolve(e2e_id: E2eId, body: ResolutionIn, cmd: Command = command(P.BANK_RESOLVE)) -> Response:
    def run_(uow: UnitOfWork) -> InstructionOut:
        view = bank.resolve_instruction(
            uow, cmd.actor, e2e_id, outcome=body.outcome, reason=body.reason, host_serial=body.host_serial
        )
        return InstructionOut.of(view)

    return cmd.execute(run_)


@router.post("/transfers", status_code=201, response_model=InstructionOut, summary="专户间资金调拨（BDC109）")
def transfer(body: TransferIn, cmd: Command = command(P.BANK_TRANSFER)) -> Response:
    submitted: list[str] = []

    def run_(uow: UnitOfWork) -> InstructionOut:
        view = bank.submit_transfer(
            uow,
            cmd.actor,
            from_account=body.from_account,
            to_account=body.to_account,
            amount=body.amount,
            purpose=body.purpose,
            source_ref=f"api:{cmd.claim.principal}:{cmd.claim.key}",
            memo=body.memo,
        )
        submitted.append(view.e2e_id)
        return InstructionOut.of(view)

    response = cmd.execute(run_, status_code=201)
    if response.headers.get(REPLAY_HEADER) or not submitted or cmd.container.bank is None:
        return response
    # Committed: now talk to the bank. Whatever happens, the outbox holds the instruction.
    view = bank.dispatch(cmd.container.uow, cmd.container.bank, submitted[0])
    return StableJSONResponse(json.loads(InstructionOut.of(view).model_dump_json()), status_code=201)


@router.get("/notices", response_model=list[NoticeOut], summary="银行来账（收款与付款通知）")
def notices(
    request: Request,
    state: StateFilter = None,
    limit: Limit = 50,
    offset: Offset = 0,
    session: Session = requires(P.BANK_VIEW),
) -> list[NoticeOut]:
    views = read(
        container_of(request).uow,
        lambda uow: bank_inbox.list_notices(uow, session.actor, state=state, limit=limit, offset=offset),
    )
    return [NoticeOut.of(v) for v in views]


@router.post("/notices/{notice_id}/assignment", response_model=NoticeOut, summary="认领来款：指定付款单位")
def assign(notice_id: NoticeId, body: AssignmentIn, cmd: Command = command(P.BANK_ALLOCATE)) -> Response:
    return cmd.execute(
        lambda uow: NoticeOut.of(bank_inbox.assign_notice(uow, cmd.actor, notice_id, body.unit_account_no))
    )


@router.post("/notices/{notice_id}/closure", response_model=NoticeOut, summary="人工处理完毕（不改动账务）")
def close(notice_id: NoticeId, body: ClosureIn, cmd: Command = command(P.BANK_RESOLVE)) -> Response:
    return cmd.execute(
        lambda uow: NoticeOut.of(
            bank_inbox.close_notice(uow, cmd.actor, notice_id, note=body.note, voucher_no=body.voucher_no)
        )
    )


@router.get("/statements", response_model=list[StatementFileOut], summary="已接收的对账单文件")
def statements(
    request: Request, limit: Limit = 50, offset: Offset = 0, session: Session = requires(P.BANK_VIEW)
) -> list[StatementFileOut]:
    views = read(
        container_of(request).uow,
        lambda uow: bank_inbox.list_statement_files(uow, session.actor, limit=limit, offset=offset),
    )
    return [StatementFileOut.of(v) for v in views]


@router.post("/statements/fetch", response_model=ImportOut, summary="下载并导入某日对账单（BDC113）")
def fetch_statement(body: StatementFetchIn, cmd: Command = command(P.BANK_OPERATE)) -> Response:
    view = bank_inbox.fetch_statement(
        cmd.container.uow, cmd.actor, cmd.container.bank, body.account_no, body.date
    )
    return cmd.execute(lambda uow: ImportOut.of(view))


@router.get(
    "/accounts/{account_no}/balance", response_model=BalanceOut, summary="专户实时余额（BDC123）与账面余额"
)
def balance(request: Request, account_no: AccountNo, session: Session = requires(P.BANK_VIEW)) -> BalanceOut:
    container = container_of(request)
    return BalanceOut.of(bank.query_balance(container.uow, session.actor, container.bank, account_no))


@router.get("/reconciliations", response_model=list[ReconciliationOut], summary="对账结果")
def reconciliations(
    request: Request,
    date: IsoDate | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
    session: Session = requires(P.BANK_VIEW),
) -> list[ReconciliationOut]:
    views = read(
        container_of(request).uow,
        lambda uow: bank_reconciliation.list_reconciliations(
            uow, session.actor, day=date, limit=limit, offset=offset
        ),
    )
    return [ReconciliationOut.of(v) for v in views]


@router.get(
    "/reconciliations/{recon_id}", response_model=ReconciliationOut, summary="对账结果明细（余额调节表）"
)
def reconciliation(
    request: Request, recon_id: ReconId, session: Session = requires(P.BANK_VIEW)
) -> ReconciliationOut:
    view = read(
        container_of(request).uow,
        lambda uow: bank_reconciliation.get_reconciliation(uow, session.actor, recon_id),
    )
    return ReconciliationOut.of(view)


@router.post("/reconciliations", status_code=201, response_model=DayReportOut, summary="对某日全部专户对账")
def reconcile(body: ReconcileIn, cmd: Command = command(P.BANK_OPERATE)) -> Response:
    report = bank_reconciliation.reconcile_day(cmd.container.uow, cmd.actor, body.date, cmd.container.bank)
    return cmd.execute(lambda uow: DayReportOut.of(report), status_code=201)
