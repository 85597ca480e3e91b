"""The counter's (柜面) left navigation: what each entry needs, so the nav hides what an actor
cannot use. A test checks each entry against the permission its route declares."""

from __future__ import annotations

from dataclasses import dataclass

from anju.domain.security import Actor
from anju.domain.security import Permission as P


@dataclass(frozen=True, slots=True)
class NavItem:
    label: str
    href: str
    permission: str


@dataclass(frozen=True, slots=True)
class NavSection:
    label: str
    items: tuple[NavItem, ...]


NAV: tuple[NavSection, ...] = (
    NavSection("首页", (NavItem("首页", "/", P.AUTHENTICATED),)),
    NavSection("驾驶舱", (NavItem("驾驶舱", "/dashboard", P.DASHBOARD_VIEW),)),
    NavSection(
        "组织机构",
        (
            NavItem("管理部", "/org/branches", P.ORG_VIEW),
            NavItem("受托银行", "/org/banks", P.ORG_VIEW),
            NavItem("专户", "/org/bank-accounts", P.ORG_VIEW),
        ),
    ),
    NavSection("政策参数", (NavItem("政策参数", "/policy", P.POLICY_VIEW),)),
    NavSection(
        "会计核算",
        (
            NavItem("科目表", "/ledger/chart", P.LEDGER_VIEW),
            NavItem("凭证", "/ledger/vouchers", P.LEDGER_VIEW),
            NavItem("手工凭证", "/accounting/vouchers/new", P.LEDGER_POST_MANUAL),
            NavItem("试算平衡", "/ledger/trial-balance", P.LEDGER_VIEW),
            # accounting (issue 9)
            NavItem("制单与复核", "/accounting/vouchers", P.LEDGER_VIEW),
            NavItem("月结与年结", "/accounting/periods", P.LEDGER_VIEW),
            NavItem("账簿与报表", "/accounting/reports", P.REPORTS_VIEW),
            NavItem("增值收益", "/accounting/value-added", P.REPORTS_VIEW),
            NavItem("资金管理", "/accounting/funds", P.REPORTS_VIEW),
        ),
    ),
    NavSection("系统运行", (NavItem("批处理", "/batch/runs", P.BATCH_VIEW),)),
    NavSection(
        "归集业务",
        (
            NavItem("单位", "/units", P.COLLECTION_VIEW),
            NavItem("单位登记开户", "/units/new", P.COLLECTION_MANAGE),
            NavItem("个人账户", "/members", P.COLLECTION_VIEW),
            NavItem("个人账户设立", "/members/new", P.COLLECTION_MANAGE),
            NavItem("账户合并", "/members/merge", P.COLLECTION_MANAGE),
            NavItem("办件", "/cases", P.COLLECTION_VIEW),
            NavItem("网厅申请", "/hall-requests", P.COLLECTION_VIEW),  # unit web hall requests (issue 10)
            NavItem("汇缴", "/remittance", P.COLLECTION_VIEW),
            NavItem("柜面收款", "/remittance/payments/new", P.COLLECTION_MANAGE),
            NavItem("欠缴与催缴", "/remittance/arrears", P.COLLECTION_VIEW),
            NavItem("缓缴与降低比例", "/remittance/deferrals", P.COLLECTION_VIEW),
        ),
    ),
    # withdrawals (提取, issue 7)
    NavSection(
        "提取业务",
        (
            NavItem("提取业务", "/withdrawals", P.WITHDRAWAL_VIEW),
            NavItem("受理提取申请", "/withdrawals/new", P.WITHDRAWAL_MANAGE),
            NavItem("职工授权与约定提取", "/withdrawals/person", P.WITHDRAWAL_VIEW),
            NavItem("客户管理与原因配置", "/withdrawals/admin", P.WITHDRAWAL_VIEW),
        ),
    ),
    # housing loans (个人住房贷款, issue 8)
    NavSection(
        "贷款业务",
        (
            NavItem("贷款查询", "/loans", P.LOAN_VIEW),
            NavItem("受理贷款申请", "/loans/new", P.LOAN_MANAGE),
            NavItem("开发商与楼盘准入", "/loans/developers", P.LOAN_VIEW),
        ),
    ),
    NavSection(
        "单证与批量业务",
        (
            NavItem("打印单证", "/documents", P.COLLECTION_VIEW),
            NavItem("汇缴清册 Excel", "/sheets/rosters", P.COLLECTION_VIEW),
            NavItem("基数与比例调整", "/sheets/wage-base", P.COLLECTION_VIEW),
        ),
    ),
    NavSection(
        "银行结算",
        (
            NavItem("结算概况", "/bank", P.BANK_VIEW),
            NavItem("银行指令", "/bank/instructions", P.BANK_VIEW),
            NavItem("银行来账", "/bank/notices", P.BANK_VIEW),
            NavItem("对账", "/bank/reconciliations", P.BANK_VIEW),
            NavItem("专户资金调拨", "/bank/transfers/new", P.BANK_TRANSFER),
        ),
    ),
    NavSection(
        "安全审计",
        (
            NavItem("审计日志", "/audit", P.AUDIT_VIEW),
            NavItem("我的操作记录", "/audit/mine", P.AUTHENTICATED),
            NavItem("操作员", "/operators", P.OPERATORS_VIEW),
        ),
    ),
)


def nav_for(actor: Actor | None) -> list[NavSection]:
    """The sections and entries this actor may open; empty sections are left out."""
    if actor is None:
        return []
    visible = []
    for section in NAV:
        items = tuple(item for item in section.items if actor.has(item.permission))
        if items:
            visible.append(NavSection(section.label, items))
    return visible


def active_href(path: str) -> str:
    """The nav entry a page belongs to: the longest href that prefixes the path."""
    best = "/"
    for section in NAV:
        for item in section.items:
            href = item.href
            if href != "/" and (path == href or path.startswith(href + "/")) and len(href) > len(best):
                best = href
    return best
