"""Hall requests (单位网厅申请): a unit operator submits the unit's business online; each request
is a case (办件) of kind `hall_request` that the counter approves or refuses.

Submission runs with the hall actor, so `load_unit` / `load_account` keep it to its own unit and
its own employees (ADR 0014); nothing but the case and the request's data is written. Approval
runs the real collection service with the request's data as the counter clerk: the case keeps
the hall operator as maker and the clerk as checker (two people), and the service writes its own
counter case and audit line as at the counter. A refusal carries a reason the hall shows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from anju.dates import YearMonth
from anju.domain.contributions import member_transition, unit_transition
from anju.domain.hall import HALL_STATEMENT_YEARS
from anju.domain.remittance import RosterKind, RosterState, check_back_payment_months
from anju.domain.roster_sheet import ROSTER_LAYOUT
from anju.domain.security import Actor, AuditEvent, Permission
from anju.domain.sheets import SheetRow, SheetTable
from anju.domain.workflow import STATE_LABELS
from anju.ids import ResidentId, mask_name, mask_phone, mask_resident_id, validate_phone
from anju.money import Money
from anju.services import cases, documents, members, remittance, roster_sheets
from anju.services import collection as c
from anju.services.hall_request_ports import HallRequestRecord
from anju.services.ports import UnitOfWork, UnitRecord
from anju.services.units import load_unit

CASE_KIND: Final = "hall_request"
cases.register_case_kind(CASE_KIND, "单位网厅申请", managed_at="网厅申请（/hall-requests）")

# Sub-types in the order the unit hall offers them.
REQUEST_TYPES: Final = {
    "open": "职工开户",
    "wage_base": "缴存基数调整",
    "seal": "职工账户封存",
    "unseal": "职工账户启封",
    "roster": "汇缴清册上传（Excel）",
    "remittance": "汇缴申请（确认当月清册）",
    "back_payment": "补缴申请",
    "transfer": "市内转移",
}
# Requests that lead to money being paid in: rate-limited per hall account (issue 10 item 6).
ROSTER: Final = "roster"  # submitted as a file (submit_roster), not through submit_request
MONEY_TYPES: Final = frozenset({"remittance", "back_payment"})
MONEY_REQUESTS_PER_WINDOW: Final = 5
MONEY_REQUEST_WINDOW: Final = timedelta(minutes=10)
MAX_PAGE: Final = 100


class HallRequestRuleViolation(c.CollectionRuleViolation):
    """A hall request is incomplete or of an unknown type."""


@dataclass(frozen=True, slots=True)
class HallSubmission:
    """What the unit operator typed; which fields count depends on `request_type`."""

    request_type: str
    account_no: str = ""
    resident_id: str = ""
    name: str = ""
    phone: str = ""
    wage_base: Money | None = None
    month: str = ""
    months: tuple[str, ...] = ()
    reason: str = ""
    to_unit_account_no: str = ""


@dataclass(frozen=True, slots=True)
class HallRequestView:
    case_no: str
    request_type: str
    type_label: str
    state: str
    state_label: str
    summary: str
    reason: str | None
    result_ref: str | None
    created_at: datetime
    finished_at: datetime | None
    fields: tuple[tuple[str, str], ...] = field(default=())


# --- submission (the hall actor) -------------------------------------------------------------------


def _own_unit(uow: UnitOfWork, actor: Actor) -> UnitRecord:
    """The hall actor's own unit, through the scoped loader (never a number from the client)."""
    unit = uow.units.get_by_id(actor.unit_id) if actor.unit_id is not None else None
    if unit is None:
        raise c.CollectionNotFound("not_found", what="本单位")
    return load_unit(uow, actor, unit.unit_account_no)


def _money(value: Money | None) -> Money:
    if value is None or not value.is_positive:
        raise HallRequestRuleViolation("required_field", field="缴存基数")
    return value


def _months(values: tuple[str, ...]) -> list[YearMonth]:
    parsed = sorted({YearMonth.parse(v.strip()) for v in values if v.strip()})
    if not parsed:
        raise HallRequestRuleViolation("required_field", field="补缴月份")
    return parsed


Prepared = tuple[str, str, str, dict[str, Any]]  # subject type, subject ref, summary, data


def _prepare(uow: UnitOfWork, actor: Actor, unit: UnitRecord, s: HallSubmission) -> Prepared:
    """Check a submission as far as the hall may see; what the case and its data will hold."""
    if s.request_type == "open":
        return _prepare_open(unit, s)
    if s.request_type in ("remittance", "back_payment"):
        return _prepare_payment(uow, unit, s)
    return _prepare_member(uow, actor, unit, s)


def _prepare_open(unit: UnitRecord, s: HallSubmission) -> Prepared:
    rid = ResidentId(s.resident_id)
    name = c.required(s.name, "姓名", 60)
    base = _money(s.wage_base)
    phone = validate_phone(s.phone) if s.phone.strip() else ""
    unit_transition(unit.status, "add_member")
    data = {"resident_id": rid.reveal(), "name": name, "wage_base": base.fen, "phone": phone}
    summary = f"{REQUEST_TYPES['open']}：{mask_name(name)}，基数 {base.format_cn()} 元"
    return "unit", unit.unit_account_no, summary, data


def _prepare_payment(uow: UnitOfWork, unit: UnitRecord, s: HallSubmission) -> Prepared:
    unit_transition(unit.status, "remit")
    label = REQUEST_TYPES[s.request_type]
    if s.request_type == "remittance":
        ym = YearMonth.parse(s.month.strip())
        return "unit", unit.unit_account_no, f"{label}：{ym.label()}", {"month": str(ym)}
    wanted = _months(s.months)
    why = check_back_payment_months(
        wanted,
        current_month=YearMonth.of(c.today(uow).day),
        first_month=YearMonth.of(unit.opened_on),
        reason=s.reason,
    )
    text = "、".join(m.label() for m in wanted)
    data = {"months": [str(m) for m in wanted], "reason": why}
    return "unit", unit.unit_account_no, f"{label}：{text}（{why[:60]}）", data


def _prepare_member(uow: UnitOfWork, actor: Actor, unit: UnitRecord, s: HallSubmission) -> Prepared:
    """Business of one of the unit's own employees: the scoped loader says "not found" otherwise."""
    label = REQUEST_TYPES[s.request_type]
    account = members.load_account(uow, actor, c.required(s.account_no, "个人账号", 30))
    who = mask_name(account.person.name)
    data: dict[str, Any] = {"account_no": account.account_no}
    if s.request_type == "wage_base":
        member_transition(account.status, "adjust_wage_base")
        base = _money(s.wage_base)
        data["wage_base"] = base.fen
        summary = f"{label}：{who} {account.wage_base.format_cn()} → {base.format_cn()} 元"
    elif s.request_type == "seal":
        member_transition(account.status, "seal")
        why = (s.reason or "").strip()[:200]
        data["reason"] = why
        summary = f"{label}：{who}" + (f"（{why[:60]}）" if why else "")
    elif s.request_type == "unseal":
        member_transition(account.status, "unseal")
        if s.wage_base is not None:
            data["wage_base"] = _money(s.wage_base).fen
        summary = f"{label}：{who} 回到本单位"
    else:  # transfer
        member_transition(account.status, "transfer")
        to_unit = c.required(s.to_unit_account_no, "转入单位账号", 30)
        if not to_unit.isdigit():
            raise HallRequestRuleViolation("required_field", field="转入单位账号")
        if to_unit == unit.unit_account_no:
            raise c.CollectionRuleViolation("transfer_same_unit")
        data["to_unit_account_no"] = to_unit
        summary = f"{label}：{who} 转入单位 {to_unit}"
    return "member_account", account.account_no, summary, data


def _context(case_no: str) -> str:
    return f"hall_request:{case_no}"


def submit_request(uow: UnitOfWork, actor: Actor, submission: HallSubmission) -> HallRequestView:
    """受理 a hall request: checked within the hall's scope, stored as an accepted case of the unit
    hall channel with the data encrypted beside it. Returns the case number to show."""
    actor.require(Permission.HALL_UNIT)
    if submission.request_type not in REQUEST_TYPES or submission.request_type == ROSTER:
        raise HallRequestRuleViolation("hall_request_type_unknown")
    unit = _own_unit(uow, actor)
    return _record(uow, actor, unit, submission.request_type, _prepare(uow, actor, unit, submission))


def submit_roster(
    uow: UnitOfWork, actor: Actor, month: str, table: SheetTable, file_sm3: str = ""
) -> HallRequestView:
    """An Excel roster for the month (汇缴清册上传): every row is checked now as the counter's upload
    checks it (SheetInvalid lists each problem by row, in Chinese; nothing is saved); the counter
    imports it into the month's draft roster on approval."""
    actor.require(Permission.HALL_UNIT)
    unit = _own_unit(uow, actor)
    ym = YearMonth.parse(month.strip())
    unit_transition(unit.status, "remit")
    rows = roster_sheets.check_roster(
        uow, actor, unit_account_no=unit.unit_account_no, month=str(ym), table=table
    )
    data = {
        "month": str(ym),
        "meta": dict(table.meta),
        "rows": [[r.number, *r.cells] for r in table.rows],
        "file_sm3": file_sm3[:64],
    }
    summary = f"{REQUEST_TYPES[ROSTER]}：{ym.label()}，{rows} 行"
    return _record(uow, actor, unit, ROSTER, ("unit", unit.unit_account_no, summary, data))


def _record(
    uow: UnitOfWork, actor: Actor, unit: UnitRecord, request_type: str, prepared: Prepared
) -> HallRequestView:
    subject_type, subject_ref, summary, data = prepared
    case = cases.open_case(
        uow,
        actor,
        kind=CASE_KIND,
        channel="unit_hall",
        subject_type=subject_type,
        subject_ref=subject_ref,
        summary=summary,
        applicant=unit.name,
        branch_id=unit.branch_id,
    )
    token = uow.crypto.encrypt(json.dumps(data, ensure_ascii=False), context=_context(case.case_no))
    uow.hall_requests.insert(
        case_no=case.case_no, unit_id=unit.id, request_type=request_type, payload_enc=token, now=uow.now_utc()
    )
    uow.audit.append(
        AuditEvent.by(
            actor,
            "hall_request.submit",
            "case",
            case.case_no,
            details={"type": request_type, "unit": unit.unit_account_no},
        )
    )
    record = uow.hall_requests.get(case.case_no)
    assert record is not None  # inserted above
    return _view(record)


def record_rate_limited(uow: UnitOfWork, actor: Actor, request_type: str, seconds: int) -> None:
    """A money-moving request refused by the per-account rate limit leaves an audit line."""
    uow.audit.append(
        AuditEvent.by(
            actor,
            "hall_request.submit",
            "hall_account",
            actor.username,
            result="denied",
            reason="hall_request_rate_limited",
            details={"type": request_type[:24], "retry_after": seconds},
        )
    )


# --- the hall's own view ---------------------------------------------------------------------------


def _view(r: HallRequestRecord, fields: tuple[tuple[str, str], ...] = ()) -> HallRequestView:
    return HallRequestView(
        case_no=r.case_no,
        request_type=r.request_type,
        type_label=REQUEST_TYPES.get(r.request_type, r.request_type),
        state=r.state,
        state_label=STATE_LABELS.get(r.state, r.state),
        summary=r.summary,
        reason=r.reason,
        result_ref=r.result_ref,
        created_at=r.created_at,
        finished_at=r.finished_at,
        fields=fields,
    )


def own_requests(
    uow: UnitOfWork, actor: Actor, *, limit: int = 50, offset: int = 0
) -> tuple[list[HallRequestView], int]:
    """The unit's requests, newest first, with the total."""
    actor.require(Permission.HALL_UNIT)
    unit = _own_unit(uow, actor)
    size = max(1, min(limit, MAX_PAGE))
    items = uow.hall_requests.of_unit(unit.id, limit=size, offset=max(0, offset))
    return [_view(r) for r in items], uow.hall_requests.count_of_unit(unit.id)


def own_unit_statement(uow: UnitOfWork, actor: Actor) -> documents.PrintedDocument:
    """The unit's statement of the last three years (older ones at the counter)."""
    actor.require(Permission.HALL_UNIT)
    unit = _own_unit(uow, actor)
    return documents.unit_statement(uow, actor, unit.unit_account_no, years=HALL_STATEMENT_YEARS)


def _load(uow: UnitOfWork, actor: Actor, case_no: str, *, for_update: bool = False) -> HallRequestRecord:
    record = uow.hall_requests.get(case_no.strip()[:24], for_update=for_update)
    # A hall actor sees its own unit's requests only; staff within their branch (checked by the case).
    if record is None or not actor.can_access_unit(record.unit_id):
        raise cases.CaseNotFound("not_found", what=f"办件 {case_no.strip()[:24]}")
    return record


def own_request(uow: UnitOfWork, actor: Actor, case_no: str) -> HallRequestView:
    actor.require(Permission.HALL_UNIT)
    return _view(_load(uow, actor, case_no))


# --- the counter ---------------------------------------------------------------------------------


_FIELD_LABELS: Final = {
    "resident_id": "身份证号",
    "name": "姓名",
    "phone": "手机号码",
    "wage_base": "缴存基数（元）",
    "account_no": "个人账号",
    "reason": "原因",
    "month": "月份",
    "months": "补缴月份",
    "to_unit_account_no": "转入单位账号",
    "rows": "清册行数",
    "file_sm3": "文件 SM3",
}


def _data(uow: UnitOfWork, r: HallRequestRecord) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(uow.crypto.decrypt(r.payload_enc, context=_context(r.case_no)))
    return loaded


def masked_fields(data: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The request's data for the counter page, personal data masked."""
    out = []
    for key, value in data.items():
        if value in ("", None):
            continue
        if key == "meta":
            continue
        if key == "rows":  # an uploaded roster: its rows hold ID numbers, shown only as a count
            text = f"{len(value)} 行"
        elif key == "resident_id":
            text = mask_resident_id(str(value))
        elif key == "name":
            text = mask_name(str(value))
        elif key == "phone":
            text = mask_phone(str(value))
        elif key == "wage_base":
            text = Money(int(value)).format_cn()
        elif key == "months":
            text = "、".join(str(v) for v in value)
        else:
            text = str(value)
        out.append((_FIELD_LABELS.get(key, key), text))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class HallRequestDetail:
    request: HallRequestView
    case: cases.CaseView


def get_request(uow: UnitOfWork, actor: Actor, case_no: str) -> HallRequestDetail:
    """A hall request with its case and history, for the counter (branch-scoped, masked)."""
    actor.require(Permission.COLLECTION_VIEW)
    actor.require_staff_search()
    record = _load(uow, actor, case_no)
    case = cases.get_case(uow, actor, record.case_no)
    return HallRequestDetail(_view(record, masked_fields(_data(uow, record))), case)


def _optional_money(data: dict[str, Any]) -> Money | None:
    return Money(int(data["wage_base"])) if data.get("wage_base") else None


def _remit(uow: UnitOfWork, clerk: Actor, unit: UnitRecord, data: dict[str, Any]) -> str:
    """Confirm the month's roster (generated from the stored bases if the unit has none yet)."""
    ym = YearMonth.parse(data["month"])
    current = [
        r
        for r in uow.remittance.rosters_of_month(unit.id, str(ym))
        if r.kind == RosterKind.REMITTANCE and r.state != RosterState.CANCELLED
    ]
    roster_id = (
        current[0].id if current else remittance.generate_roster(uow, clerk, unit.unit_account_no, ym).id
    )
    view = remittance.confirm_roster(uow, clerk, roster_id)
    return f"清册 {view.id}，{view.total.format_cn()} 元"


def _import_roster(uow: UnitOfWork, clerk: Actor, unit: UnitRecord, data: dict[str, Any]) -> str:
    """The uploaded rows, checked again and imported by the counter's own upload service."""
    table = SheetTable(
        layout=ROSTER_LAYOUT,
        meta=dict(data["meta"]),
        rows=tuple(SheetRow(int(r[0]), tuple(str(v) for v in r[1:])) for r in data["rows"]),
    )
    result = roster_sheets.import_roster(
        uow,
        clerk,
        unit_account_no=unit.unit_account_no,
        month=data["month"],
        table=table,
        file_sm3=data.get("file_sm3") or None,
    )
    return f"清册 {result.roster.id}（草稿），{result.rows} 行，{result.roster.total.format_cn()} 元"


def _back_pay(uow: UnitOfWork, clerk: Actor, unit: UnitRecord, data: dict[str, Any]) -> str:
    rosters = remittance.generate_back_payment(
        uow, clerk, unit.unit_account_no, data["months"], data["reason"]
    )
    total = Money.ZERO
    for r in rosters:
        total += remittance.confirm_roster(uow, clerk, r.id).total
    return f"补缴清册 {len(rosters)} 份，{total.format_cn()} 元"


def _run(uow: UnitOfWork, clerk: Actor, r: HallRequestRecord, data: dict[str, Any]) -> str:
    """The real collection service, with the request's data, as the clerk; what it produced."""
    unit = uow.units.get_by_id(r.unit_id)
    assert unit is not None  # a foreign key
    t = r.request_type
    if t == "open":
        opened = members.open_member_account(
            uow,
            clerk,
            members.MemberOpening(
                unit_account_no=unit.unit_account_no,
                resident_id=data["resident_id"],
                name=data["name"],
                wage_base=Money(int(data["wage_base"])),
                phone=data.get("phone") or None,
            ),
        )
        return f"个人账号 {opened.account.account_no}（办件 {opened.case_no}）"
    if t == ROSTER:
        return _import_roster(uow, clerk, unit, data)
    if t == "remittance":
        return _remit(uow, clerk, unit, data)
    if t == "back_payment":
        return _back_pay(uow, clerk, unit, data)
    account_no = data["account_no"]
    # The employee must still be the unit's: a hall request never reaches another unit's people.
    if not members.load_account(uow, clerk, account_no).unit_id == unit.id:
        raise c.CollectionNotFound("not_found", what=f"个人账户 {account_no}")
    actions: dict[str, Callable[[], members.MemberAccountView]] = {
        "wage_base": lambda: members.adjust_wage_base(uow, clerk, account_no, Money(int(data["wage_base"]))),
        "seal": lambda: members.seal_member(uow, clerk, account_no, data.get("reason", "")),
        "unseal": lambda: members.unseal_member(
            uow, clerk, account_no, unit.unit_account_no, _optional_money(data)
        ),
        "transfer": lambda: members.transfer_member(uow, clerk, account_no, data["to_unit_account_no"]),
    }
    view = actions[t]()
    return f"个人账号 {view.account_no}（办件 {view.case_no}）"


def approve_request(uow: UnitOfWork, clerk: Actor, case_no: str) -> HallRequestView:
    """受理审核通过: the clerk checks the request (checker ≠ the hall operator, its maker), the real
    service runs with its data, and the case is finished. A service refusal rolls everything back
    so the clerk can refuse the request with that reason."""
    clerk.require(Permission.COLLECTION_MANAGE)
    clerk.require_staff_search()
    record = _load(uow, clerk, case_no, for_update=True)
    _advance(uow, clerk, record.case_no, "review")
    result = _run(uow, clerk, record, _data(uow, record))
    uow.hall_requests.set_result(record.id, result)
    _advance(uow, clerk, record.case_no, "finish")
    uow.audit.append(
        AuditEvent.by(
            clerk,
            "hall_request.approve",
            "case",
            record.case_no,
            details={"type": record.request_type, "maker": record.maker, "checker": clerk.username},
        )
    )
    return _view(_load(uow, clerk, record.case_no))


def refuse_request(uow: UnitOfWork, clerk: Actor, case_no: str, reason: str) -> HallRequestView:
    """不予办理 with a reason the unit reads in its hall."""
    clerk.require(Permission.COLLECTION_MANAGE)
    clerk.require_staff_search()
    record = _load(uow, clerk, case_no, for_update=True)
    _advance(uow, clerk, record.case_no, "refuse", reason)
    return _view(_load(uow, clerk, record.case_no))


def _advance(uow: UnitOfWork, clerk: Actor, case_no: str, action: str, reason: str | None = None) -> None:
    # Counter business: the clerk's own permission decides, and the clerk's check is the second
    # pair of eyes on what the unit submitted (maker = hall operator, checker = clerk).
    cases.advance_case(
        uow,
        clerk,
        case_no,
        action,
        reason,
        checked_suffices=True,
        decision_permission=Permission.COLLECTION_MANAGE,
        finish_permission=Permission.COLLECTION_MANAGE,
    )
