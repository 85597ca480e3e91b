"""The developer web hall (开发商网厅): a developer admitted for cooperation sees its own company,
projects, buildings and permits, the guarantee terms recorded at admission, and the buyers' loan
applications on its projects. The counter opens, resets and disables its hall account.

Object scope (reliability.md A1): every read goes through `_own_developer` / `_load_project`,
which take the company from `Actor.developer_id` (set from the session, never from the client)
and treat any other developer's project as not found. Applications show the borrower's name and
ID number masked, the amount, the term and the stage, nothing else (data minimisation, P2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from anju.domain.hall import DEVELOPER_KIND, HallRuleViolation, normalise_credit_code
from anju.domain.security import Actor, Permission
from anju.errors import PermissionDenied
from anju.ids import mask_name, mask_resident_id
from anju.money import Money
from anju.services import hall_auth
from anju.services.hall_auth import HallAccountExists, HallAccountNotFound, HallAccountView, NewHallAccount
from anju.services.hall_ports import HallAccountRecord
from anju.services.loan_ports import DeveloperRecord, ProjectRecord
from anju.services.loans import DEVELOPER_ADMITTED, STATE_LABELS, LoanNotFound, ProjectView, load_developer
from anju.services.ports import UnitOfWork

STATUS_LABELS: Final = {DEVELOPER_ADMITTED: "准入有效", "suspended": "暂停合作"}
APPLICATIONS_PAGE_MAX: Final = 100


# --- the counter: open, reset, disable a developer's hall account ----------------------------


def _login(developer: DeveloperRecord) -> str:
    credit_code = normalise_credit_code(developer.credit_code)
    if not credit_code:
        raise HallRuleViolation("hall_credit_code_invalid", code=developer.credit_code)
    return hall_auth.login_of_developer(credit_code)


def _account_record(
    uow: UnitOfWork, developer: DeveloperRecord, *, for_update: bool = False
) -> HallAccountRecord | None:
    credit_code = normalise_credit_code(developer.credit_code)
    if not credit_code:
        return None
    record = uow.hall.account_by_login(
        DEVELOPER_KIND, hall_auth.login_of_developer(credit_code), for_update=for_update
    )
    return record if record is not None and record.developer_id == developer.id else None


def _existing(uow: UnitOfWork, developer: DeveloperRecord) -> HallAccountRecord:
    record = _account_record(uow, developer, for_update=True)
    if record is None:
        raise HallAccountNotFound("not_found", what=f"开发商 {developer.code} 的网厅账户")
    return record


def developer(uow: UnitOfWork, actor: Actor, code: str) -> DeveloperRecord:
    """The admitted developer the counter's hall-account page is about."""
    actor.require(Permission.LOAN_VIEW)
    return load_developer(uow, code)


def developer_account(uow: UnitOfWork, actor: Actor, code: str) -> HallAccountView | None:
    """The developer's hall account, if it has one."""
    actor.require(Permission.LOAN_VIEW)
    developer = load_developer(uow, code)
    record = _account_record(uow, developer)
    return None if record is None else hall_auth.account_view(uow, record, developer_code=developer.code)


def open_developer_account(
    uow: UnitOfWork, actor: Actor, code: str, *, handler_name: str, phone: str
) -> NewHallAccount:
    """开通开发商网厅: login by the credit code; the contact person's phone gets the codes."""
    actor.require(Permission.LOAN_MANAGE)
    developer = load_developer(uow, code, admitted=True)
    created = hall_auth.open_account(
        uow,
        actor,
        DEVELOPER_KIND,
        _login(developer),
        handler_name=handler_name,
        phone=phone,
        developer_id=developer.id,
    )
    if created is None:
        raise HallAccountExists("hall_developer_account_exists", developer=developer.name)
    record, password = created
    return NewHallAccount(hall_auth.account_view(uow, record, developer_code=developer.code), password)


def reset_developer_account(
    uow: UnitOfWork, actor: Actor, code: str, *, handler_name: str, phone: str
) -> NewHallAccount:
    """更换联系人 / 重置密码: new contact details and a new initial password; sessions end."""
    actor.require(Permission.LOAN_MANAGE)
    developer = load_developer(uow, code)
    record, password = hall_auth.reset_account(
        uow, actor, _existing(uow, developer), handler_name=handler_name, phone=phone
    )
    return NewHallAccount(hall_auth.account_view(uow, record, developer_code=developer.code), password)


def disable_developer_account(uow: UnitOfWork, actor: Actor, code: str) -> HallAccountView:
    """停用: the account cannot log in and its sessions end at once."""
    actor.require(Permission.LOAN_MANAGE)
    developer = load_developer(uow, code)
    record = hall_auth.disable_account(uow, actor, _existing(uow, developer))
    return hall_auth.account_view(uow, record, developer_code=developer.code)


# --- the hall: the developer's own company, projects and applications ---------------------------


@dataclass(frozen=True, slots=True)
class CompanyView:
    developer: DeveloperRecord
    status_label: str
    project_count: int


@dataclass(frozen=True, slots=True)
class ApplicationView:
    """A buyer's application as the developer sees it: masked, and only what it needs."""

    loan_no: str
    project_id: int
    project_name: str
    building_name: str | None
    borrower_name: str  # masked
    borrower_id: str  # masked
    amount: Money
    term_months: int
    state: str
    state_label: str
    accepted_at: datetime


@dataclass(frozen=True, slots=True)
class ApplicationPage:
    items: tuple[ApplicationView, ...]
    total: int


def _own_developer(uow: UnitOfWork, actor: Actor) -> DeveloperRecord:
    actor.require(Permission.HALL_DEVELOPER)
    developer = uow.loans.developer_by_id(actor.developer_id) if actor.developer_id is not None else None
    if developer is None:  # a developer's session always names its company
        raise PermissionDenied("permission_denied", permission=Permission.HALL_DEVELOPER)
    return developer


def _load_project(uow: UnitOfWork, actor: Actor, project_id: int) -> tuple[ProjectRecord, DeveloperRecord]:
    """The project if it is the actor's own; any other developer's is not found (A1)."""
    developer = _own_developer(uow, actor)
    project = uow.loans.project(project_id)
    if project is None or not actor.can_access_developer(project.developer_id):
        raise LoanNotFound("not_found", what=f"楼盘 {project_id}")
    return project, developer


def _project_view(uow: UnitOfWork, project: ProjectRecord, developer: DeveloperRecord) -> ProjectView:
    buildings = tuple((b.id, b.name) for b in uow.loans.buildings_of(project.id))
    return ProjectView(project, developer, buildings)


def company(uow: UnitOfWork, actor: Actor) -> CompanyView:
    """本企业信息 with the cooperation agreement's guarantee terms (阶段性担保)."""
    developer = _own_developer(uow, actor)
    projects = uow.loans.projects_of(developer.id)
    return CompanyView(developer, STATUS_LABELS.get(developer.status, developer.status), len(projects))


def projects(uow: UnitOfWork, actor: Actor) -> list[ProjectView]:
    """The developer's projects with their buildings and permits."""
    developer = _own_developer(uow, actor)
    return [_project_view(uow, p, developer) for p in uow.loans.projects_of(developer.id)]


def project(uow: UnitOfWork, actor: Actor, project_id: int) -> ProjectView:
    found, developer = _load_project(uow, actor, project_id)
    return _project_view(uow, found, developer)


def applications(
    uow: UnitOfWork, actor: Actor, *, project_id: int | None = None, limit: int = 50, offset: int = 0
) -> ApplicationPage:
    """Buyers' loan applications on the developer's projects (or one of them), newest first."""
    developer = _own_developer(uow, actor)
    if project_id is not None:
        _load_project(uow, actor, project_id)
    rows, total = uow.hall.applications_of_developer(
        developer.id,
        project_id=project_id,
        limit=max(1, min(limit, APPLICATIONS_PAGE_MAX)),
        offset=max(0, offset),
    )
    items = []
    for row in rows:  # one page (at most 100 rows): the borrower's masked name and ID
        member = uow.members.account(row.borrower_account_no)
        person = member.person if member is not None else None
        items.append(
            ApplicationView(
                loan_no=row.loan_no,
                project_id=row.project_id,
                project_name=row.project_name,
                building_name=row.building_name,
                borrower_name=mask_name(person.name) if person is not None else "",
                borrower_id=mask_resident_id(person.resident_id) if person is not None else "",
                amount=row.amount,
                term_months=row.term_months,
                state=row.state,
                state_label=STATE_LABELS.get(row.state, row.state),
                accepted_at=row.created_at,
            )
        )
    return ApplicationPage(tuple(items), total)
