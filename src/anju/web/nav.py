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
            NavItem("手工凭证", "/ledger/vouchers/new", P.LEDGER_POST_MANUAL),
            NavItem("试算平衡", "/ledger/trial-balance", P.LEDGER_VIEW),
        ),
    ),
    NavSection(
        "安全审计",
        (
            NavItem("审计日志", "/audit", P.AUDIT_VIEW),
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
