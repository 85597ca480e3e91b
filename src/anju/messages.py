"""The one zh-CN message catalogue, keyed by error code.

Every code raised anywhere must have a line here (a test checks it). Placeholders are the error's
detail fields, e.g. ``{value}``. Keep each section for the module that owns the codes.
"""

from __future__ import annotations

from typing import Any

MESSAGES: dict[str, str] = {
    # --- kernel: money, dates, identifiers -------------------------------------------------
    "invalid_amount": "金额格式不正确：{value}（应为以元为单位、最多两位小数的数字，如 1234.56）",
    "amount_out_of_range": "金额超出允许范围：{value}",
    "amount_must_be_positive": "金额必须大于零",
    "invalid_rate": "比例或利率格式不正确：{value}",
    "invalid_year_month": "年月格式不正确：{value}（应为 YYYYMM，如 202407）",
    "invalid_date": "日期格式不正确：{value}（应为 YYYY-MM-DD）",
    "invalid_resident_id": "身份证号码不正确：{reason}",
    "invalid_business_number": "{kind}编号不正确：{value}",
    "invalid_credit_code": "统一社会信用代码不正确：{value}",
    "invalid_phone": "手机号码不正确",
    "invalid_bank_card": "银行卡号不正确",
    "text_too_long": "{field}过长（最多 {max} 个字符）",
    "required_field": "{field}不能为空",
    # --- persistence and idempotency -------------------------------------------------------
    "transient_conflict": "系统繁忙，请稍后重试",
    "unsafe_durability": "数据库持久化设置不安全，系统拒绝启动：{problems}",
    "idempotency_key_required": "缺少幂等键（Idempotency-Key 请求头）",
    "idempotency_key_invalid": "幂等键格式不正确",
    "idempotency_key_reused": "该幂等键已用于内容不同的请求，请更换幂等键",
    "idempotency_in_flight": "相同的请求正在处理中，请稍后查询结果",
    "duplicate_source_ref": "该业务（{source} {source_ref}）已经记账，不能重复记账",
    "not_found": "未找到{what}",
    # --- ledger ----------------------------------------------------------------------------
    "voucher_unbalanced": "凭证借贷不平衡：借方 {debit}，贷方 {credit}",
    "voucher_too_few_postings": "凭证至少需要两条分录",
    "posting_amount_not_positive": "分录金额必须大于零",
    "unknown_gl_account": "会计科目 {code} 不存在",
    "gl_account_not_postable": "会计科目 {code} 不是末级科目，不能直接记账",
    "gl_account_requires_subledger": "会计科目 {code} 须通过明细账户记账",
    "ledger_account_not_found": "账户不存在：{account}",
    "ledger_account_closed": "账户已销户，不能记账：{account}",
    "insufficient_balance": "余额不足：账户 {account} 可用余额 {balance} 元",
    "voucher_already_reversed": "凭证 {voucher_no} 已被冲销，不能重复冲销",
    "voucher_is_reversal": "冲销凭证不能再次冲销",
    "voucher_not_found": "凭证不存在：{voucher_no}",
    "ledger_immutable": "会计凭证和分录不可修改或删除，错账请用红字冲销",
    "reversal_reason_required": "冲销必须填写原因",
    # --- business date and end of day ------------------------------------------------------
    "business_date_not_initialised": "会计日期尚未初始化",
    "eod_date_mismatch": "日终处理的日期 {given} 与当前会计日期 {current} 不符",
    "eod_step_failed": "日终步骤“{step}”失败：{reason}",
    # --- policy ----------------------------------------------------------------------------
    "policy_not_in_force": "{date} 没有生效的政策参数",
    "policy_invalid": "政策参数不正确：{field}：{reason}",
    "policy_effective_date_past": "新政策的生效日期 {date} 不能早于当前会计日期 {current}",
    "policy_version_exists": "生效日期为 {date} 的政策版本已存在，请使用新的生效日期",
    # --- organisation ----------------------------------------------------------------------
    "branch_code_exists": "管理部编码 {code} 已存在",
    "bank_code_exists": "受托银行编码 {code} 已存在",
    "centre_bank_account_exists": "专户账号 {account_no} 已存在",
    "outside_branch_scope": "无权办理其他管理部的业务",
    # --- security: authentication, sessions, roles, audit ----------------------------------
    "login_failed": "用户名、密码或动态口令不正确",
    "account_locked": "连续登录失败次数过多，账户已锁定，请 {minutes} 分钟后再试",
    "account_disabled": "账户已停用",
    "totp_required": "请输入动态口令",
    "totp_reused": "动态口令已使用过，请等待下一个口令",
    "password_expired": "密码已超过 {days} 天未修改，请先修改密码",
    "password_too_weak": "密码不符合要求：至少 {min_length} 位，且包含大写字母、小写字母、数字、符号中的至少三类",
    "password_reused": "新密码不能与当前密码相同",
    "session_expired": "登录已超时，请重新登录",
    "not_authenticated": "请先登录",
    "csrf_failed": "页面已过期或请求来源不可信，请刷新页面后重试",
    "permission_denied": "您没有“{permission}”权限",
    "separation_of_duties": "系统管理员、安全管理员、审计管理员三种职责不能由同一账户兼任",
    "username_exists": "用户名 {username} 已存在",
    "unknown_role": "角色 {role} 不存在",
    "audit_chain_broken": "审计日志链校验失败：第 {seq} 条记录被篡改或缺失",
    "crypto_self_test_failed": "密码算法自检失败（{algorithm}），系统拒绝启动",
    "key_missing": "缺少密钥：{name}",
    "unmask_reason_required": "查看完整个人信息须填写查询原因",
}

_FALLBACK = "操作失败（错误代码：{code}）"


class _Missing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def message_for(code: str, details: dict[str, Any] | None = None) -> str:
    """The Chinese text for an error code, with its details filled in."""
    template = MESSAGES.get(code)
    if template is None:
        return _FALLBACK.format(code=code)
    return template.format_map(_Missing(details or {}))
