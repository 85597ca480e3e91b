"""Setting up a centre: `anju init` (chart, business date, reference policy) and `anju demo`.

Both are idempotent: running them again changes nothing that is already there.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from anju.domain.security import Role, totp_now
from anju.errors import NotFound
from anju.services import auth, calendar, demo, demo_collection, hall_auth, policy
from anju.services.ports import UnitOfWork, UnitOfWorkFactory
from anju.services.runner import read, run

CHINA_STANDARD_TIME = timezone(timedelta(hours=8))
# The reference policy applies from a date before any history a centre migrates into Anju; the
# values inside it carry their own effective dates (e.g. the 2016-02-21 deposit rate).
REFERENCE_POLICY_EFFECTIVE = date(2015, 1, 1)
REFERENCE_POLICY_DOCUMENT = "安居参考政策（policies/reference.toml）"


def local_date(now_utc: datetime) -> date:
    """The calendar date in China for a UTC instant (the first business date at `anju init`)."""
    return now_utc.astimezone(CHINA_STANDARD_TIME).date()


def initialise(uow_factory: UnitOfWorkFactory, *, business_date: date, reference_policy: str) -> list[str]:
    """Seed the chart of accounts, the first business date and the reference policy, once."""

    def body(uow: UnitOfWork) -> list[str]:
        lines = []
        added = uow.ledger.seed_chart()
        lines.append(f"会计科目：新增 {added} 个" if added else "会计科目：已存在")
        try:
            current = calendar.current_business_date(uow)
            lines.append(f"会计日期：{current}")
        except NotFound:
            calendar.initialise_business_date(uow, business_date)
            lines.append(f"会计日期：初始化为 {business_date}")
        if not policy.list_policy_versions(uow, None):
            policy.import_policy(
                uow,
                None,
                reference_policy,
                effective_date=REFERENCE_POLICY_EFFECTIVE,
                document_no=REFERENCE_POLICY_DOCUMENT,
                approved_by="安居项目（参考值，上线前须由管委会批准本地政策）",
            )
            lines.append("政策参数：已导入参考政策")
        else:
            lines.append("政策参数：已存在")
        return lines

    return run(uow_factory, body)


# Demo operators: (username, display name, role, password, TOTP secret, branch code or None for
# centre-wide). The same table is in README.md; a test keeps them in step.
DEMO_OPERATORS: tuple[tuple[str, str, str, str, str, str | None], ...] = (
    ("clerk", "王柜员", Role.COUNTER_CLERK, "Guimian#2026", "ANJUDEMOCLERK234", "01"),
    ("reviewer", "李复核", Role.REVIEWER, "Fuhe#2026a", "ANJUDEMOREVIEW23", "01"),
    ("approver", "张审批", Role.APPROVER, "Shenpi#2026", "ANJUDEMOAPPROVE2", None),
    ("finance", "赵会计", Role.FINANCE, "Caiwu#2026", "ANJUDEMOFINANCE2", None),
    ("auditor", "钱稽核", Role.AUDITOR, "Jihe#2026a", "ANJUDEMOAUDITOR2", None),
    ("manager", "孙主任", Role.MANAGER, "Lingdao#2026", "ANJUDEMOMANAGER2", None),
    ("sysadmin", "周系统", Role.SYSTEM_ADMIN, "Xitong#2026", "ANJUDEMOSYSADMN2", None),
    ("secadmin", "吴安全", Role.SECURITY_ADMIN, "Anquan#2026", "ANJUDEMOSECADMN2", None),
    ("auditadmin", "郑审计", Role.AUDIT_ADMIN, "Shenji#2026", "ANJUDEMOAUDADMN2", None),
)


def seed_demo(uow_factory: UnitOfWorkFactory) -> list[str]:
    """The demo centre: branches, banks, accounts, and one operator of each role."""

    def body(uow: UnitOfWork) -> list[str]:
        org = demo.seed_demo_organisation(uow)
        branch_ids = {b.code: b.id for b in org.branches}
        existing = {o.username for o in uow.security.list_operators()}
        lines = [f"演示中心：{org.centre_name}，{len(org.branches)} 个管理部，{len(org.banks)} 家受托银行"]
        lines.append("演示操作员（密码 + 动态口令，动态口令用 `anju demo-totp 用户名` 查看）：")
        for username, name, role, password, secret, branch in DEMO_OPERATORS:
            if username not in existing:
                auth.seed_operator(
                    uow,
                    username=username,
                    display_name=name,
                    roles={role},
                    branch_id=branch_ids.get(branch) if branch else None,
                    all_branches=branch is None,
                    password=password,
                    totp_secret=secret,
                )
            lines.append(f"  {username:<11} {password:<14} TOTP 密钥 {secret}")
        lines.extend(demo_collection.seed_demo_collection(uow))
        lines.extend(_seed_demo_hall(uow, branch_ids.get("01")))
        return lines

    return run(uow_factory, body)


# The demo unit hall account: the first unit of the head office (单位账号 printed by `anju demo`).
DEMO_HALL_PASSWORD = "Danwei#2026"  # noqa: S105 - the demo database only, printed and in README
DEMO_HALL_PHONE = "13800138000"


def _seed_demo_hall(uow: UnitOfWork, branch_id: int | None) -> list[str]:
    first = uow.units.search(branch_id=branch_id, text=None, status=None, limit=1, offset=0)
    if not first:
        return []
    unit_no = first[0].unit_account_no
    if not uow.hall.accounts_of_unit(first[0].id):
        hall_auth.seed_unit_account(
            uow, unit_no, handler_name="演示经办人", phone=DEMO_HALL_PHONE, password=DEMO_HALL_PASSWORD
        )
    return [
        f"单位网厅（/hall）：单位账号 {unit_no}，密码 {DEMO_HALL_PASSWORD}，"
        f"短信验证码用 `anju sms inbox {DEMO_HALL_PHONE}` 查看（短信模拟器）"
    ]


def demo_totp_code(username: str, now_utc: datetime) -> str:
    for name, _display, _role, _password, secret, _branch in DEMO_OPERATORS:
        if name == username:
            return totp_now(secret, now_utc)
    raise NotFound("not_found", what=f"演示操作员 {username}")


def is_initialised(uow_factory: UnitOfWorkFactory) -> bool:
    def body(uow: UnitOfWork) -> bool:
        try:
            calendar.current_business_date(uow)
        except NotFound:
            return False
        return True

    return read(uow_factory, body)
