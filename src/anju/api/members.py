"""Member accounts (个人账户): open, look up, change, wage base, seal / unseal, transfer, freeze,
merge, and the audited reveal of full personal data."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from anju.api.schemas.common import ERROR_RESPONSES, Limit, Offset
from anju.api.schemas.members import (
    FreezeIn,
    LookupIn,
    LookupOut,
    MemberAccountOut,
    MemberChangeIn,
    MemberOpenIn,
    MemberRowOut,
    MergeIn,
    MergeOut,
    OpenedOut,
    RevealIn,
    TransferIn,
    UnsealIn,
    WageBaseIn,
)
from anju.api.schemas.units import PartsOut, ReasonIn
from anju.domain.security import Permission as P
from anju.http.context import Session, container_of
from anju.http.guard import requires
from anju.http.idempotency import Command, command
from anju.services import members
from anju.services.members import MemberChanges, MemberOpening
from anju.services.ports import UnitOfWork
from anju.services.runner import read

router = APIRouter(prefix="/members", tags=["归集·个人账户"], responses=ERROR_RESPONSES)

AccountNo = Annotated[str, Path(min_length=1, max_length=20, description="个人账号")]


def _out(view: Any) -> MemberAccountOut:
    return MemberAccountOut.of(view)


@router.get(
    "", response_model=list[MemberRowOut], summary="个人账户查询（个人账号或姓名；按证件号码请用 lookup）"
)
def search(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=60)],
    limit: Limit = 50,
    offset: Offset = 0,
    session: Session = requires(P.COLLECTION_VIEW, personal_data=True),
) -> list[MemberRowOut]:
    page = read(
        container_of(request).uow,
        lambda uow: members.search_members(uow, session.actor, q, limit=limit, offset=offset),
    )
    return [MemberRowOut.of(r) for r in page.items]


@router.post("/lookup", response_model=LookupOut, summary="按证件号码查找个人账户（号码不放在网址中）")
def lookup(body: LookupIn, cmd: Command = command(P.COLLECTION_VIEW)) -> Response:
    def run_(uow: UnitOfWork) -> LookupOut:
        view = members.find_by_resident_id(uow, cmd.actor, body.resident_id)
        return LookupOut(account=None if view is None else _out(view))

    return cmd.execute(run_)


@router.post(
    "", status_code=201, response_model=OpenedOut, summary="个人账户设立（已有封存账户的，启封转入）"
)
def open_account(body: MemberOpenIn, cmd: Command = command(P.COLLECTION_MANAGE)) -> Response:
    req = MemberOpening(
        unit_account_no=body.unit_account_no,
        resident_id=body.resident_id,
        name=body.name,
        wage_base=body.wage_base,
        phone=body.phone,
        address=body.address,
        marital_status=body.marital_status,
        bank_card=body.bank_card,
        bank_code=body.bank_code,
    )

    def run_(uow: UnitOfWork) -> OpenedOut:
        opened = members.open_member_account(uow, cmd.actor, req)
        return OpenedOut(
            account=_out(opened.account),
            parts=PartsOut.of(opened.parts),
            reused=opened.reused,
            case_no=opened.case_no,
        )

    return cmd.execute(run_, status_code=201)


@router.post("/merge", response_model=MergeOut, summary="合并同一人的重复账户")
def merge(body: MergeIn, cmd: Command = command(P.COLLECTION_MANAGE)) -> Response:
    def run_(uow: UnitOfWork) -> MergeOut:
        result = members.merge_members(
            uow, cmd.actor, body.duplicate_account_no, body.surviving_account_no, body.reason
        )
        return MergeOut(
            surviving=_out(result.surviving),
            duplicate_account_no=result.duplicate_account_no,
            moved=result.moved,
            voucher_no=result.voucher_no,
            case_no=result.case_no,
        )

    return cmd.execute(run_)


@router.get("/{account_no}", response_model=MemberAccountOut, summary="个人账户详情（脱敏）")
def get_account(
    request: Request,
    account_no: AccountNo,
    session: Session = requires(P.COLLECTION_VIEW, personal_data=True),
) -> MemberAccountOut:
    view = read(
        container_of(request).uow, lambda uow: members.get_member_account(uow, session.actor, account_no)
    )
    return _out(view)


def _masked_reply(payload: dict[str, Any]) -> dict[str, Any]:
    """What a replay of /reveal returns: personal data is never kept in the idempotency record."""
    return {"account_no": payload.get("account_no"), "redacted": True}


@router.post(
    "/{account_no}/reveal", response_model=MemberAccountOut, summary="查看完整个人信息（须填写原因，记审计）"
)
def reveal(account_no: AccountNo, body: RevealIn, cmd: Command = command(P.PERSONAL_DATA_UNMASK)) -> Response:
    return cmd.execute(
        lambda uow: _out(members.reveal_member_account(uow, cmd.actor, account_no, body.reason)),
        redact=_masked_reply,
    )


@router.post("/{account_no}/changes", response_model=MemberAccountOut, summary="个人信息变更")
def change(
    account_no: AccountNo, body: MemberChangeIn, cmd: Command = command(P.COLLECTION_MANAGE)
) -> Response:
    changes = MemberChanges(
        name=body.name,
        phone=body.phone,
        address=body.address,
        marital_status=body.marital_status,
        bank_card=body.bank_card,
        bank_code=body.bank_code,
    )
    return cmd.execute(lambda uow: _out(members.change_member(uow, cmd.actor, account_no, changes)))


@router.post("/{account_no}/wage-base", response_model=MemberAccountOut, summary="缴存基数调整")
def wage_base(
    account_no: AccountNo, body: WageBaseIn, cmd: Command = command(P.COLLECTION_MANAGE)
) -> Response:
    return cmd.execute(lambda uow: _out(members.adjust_wage_base(uow, cmd.actor, account_no, body.wage_base)))


@router.post("/{account_no}/seal", response_model=MemberAccountOut, summary="个人账户封存")
def seal(account_no: AccountNo, body: ReasonIn, cmd: Command = command(P.COLLECTION_MANAGE)) -> Response:
    return cmd.execute(lambda uow: _out(members.seal_member(uow, cmd.actor, account_no, body.reason)))


@router.post("/{account_no}/unseal", response_model=MemberAccountOut, summary="个人账户启封（进入单位）")
def unseal(account_no: AccountNo, body: UnsealIn, cmd: Command = command(P.COLLECTION_MANAGE)) -> Response:
    return cmd.execute(
        lambda uow: _out(
            members.unseal_member(uow, cmd.actor, account_no, body.unit_account_no, body.wage_base)
        )
    )


@router.post("/{account_no}/transfer", response_model=MemberAccountOut, summary="市内转移（账户和余额不变）")
def transfer(
    account_no: AccountNo, body: TransferIn, cmd: Command = command(P.COLLECTION_MANAGE)
) -> Response:
    return cmd.execute(
        lambda uow: _out(
            members.transfer_member(uow, cmd.actor, account_no, body.to_unit_account_no, body.wage_base)
        )
    )


@router.post("/{account_no}/freeze", response_model=MemberAccountOut, summary="个人账户冻结")
def freeze(account_no: AccountNo, body: FreezeIn, cmd: Command = command(P.COLLECTION_MANAGE)) -> Response:
    return cmd.execute(
        lambda uow: _out(members.freeze_member(uow, cmd.actor, account_no, body.document_no, body.reason))
    )


@router.post("/{account_no}/unfreeze", response_model=MemberAccountOut, summary="个人账户解冻")
def unfreeze(account_no: AccountNo, body: FreezeIn, cmd: Command = command(P.COLLECTION_MANAGE)) -> Response:
    return cmd.execute(
        lambda uow: _out(members.unfreeze_member(uow, cmd.actor, account_no, body.document_no, body.reason))
    )
