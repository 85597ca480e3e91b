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
    "ledger_account_kind_mismatch": "会计科目 {code} 不能开立“{kind}”类明细账户",
    "ledger_account_not_zero": "账户 {account} 余额为 {balance} 元，不能销户",
    "ledger_account_wrong_gl": "账户 {account} 不属于会计科目 {code}",
    "invalid_side": "借贷方向不正确：{value}（应为借或贷）",
    "chart_invalid": "会计科目表有误：{problems}",
    "balance_update_lost": "余额更新异常：应更新 {expected} 个账户，实际 {updated} 个",
    "gl_balance_missing": "会计科目 {code} 缺少总账余额记录",
    # ledger check (check_ledger) findings
    "check_voucher_unbalanced": "凭证 {voucher_no} 借贷不平衡或分录不全：借方 {debit}，贷方 {credit}，分录 {lines} 条",
    "check_ledger_unbalanced": "全部分录借贷不平衡：借方合计 {debit}，贷方合计 {credit}",
    "check_account_balance_mismatch": "账户 {account} 余额 {balance} 与分录累计 {expected} 不符",
    "check_balance_below_floor": "账户 {account} 余额 {balance} 低于下限 {floor}",
    "check_duplicate_source_ref": "业务 {source} {source_ref} 记账 {count} 次",
    "check_reversed_twice": "凭证 {voucher_no} 被冲销 {count} 次",
    "check_reversal_of_reversal": "冲销凭证 {voucher_no} 冲销的是另一张冲销凭证",
    "check_gl_balance_mismatch": "会计科目 {code} 总账余额 {gl_balance} 与明细账合计 {subledger_total} 不符",
    # --- batch jobs -------------------------------------------------------------------------
    "batch_run_not_running": "批处理 {run_id} 已不在运行状态（可能已被其他进程完成或停止）",
    "unknown_batch_job": "批处理作业 {name} 不存在",
    # --- business date and end of day ------------------------------------------------------
    "business_date_not_initialised": "会计日期尚未初始化",
    "eod_date_mismatch": "日终处理的日期 {given} 与当前会计日期 {current} 不符",
    "eod_step_failed": "日终步骤“{step}”失败：{reason}",
    "business_date_already_initialised": "会计日期已经初始化为 {current}，不能重新设置",
    # --- policy ----------------------------------------------------------------------------
    "policy_not_in_force": "{date} 没有生效的政策参数",
    "policy_invalid": "政策参数不正确：{field}：{reason}",
    "policy_effective_date_past": "新政策的生效日期 {date} 不能早于当前会计日期 {current}",
    "policy_version_exists": "生效日期为 {date} 的政策版本已存在，请使用新的生效日期",
    "policy_toml_invalid": "政策参数文件不是有效的 TOML：{reason}",
    "policy_rate_not_found": "{date} 没有适用的{what}，请检查政策参数",
    "policy_immutable": "政策参数版本一经导入不可修改或删除，如需调整请导入新的版本",
    "policy_content_tampered": "生效日期为 {effective_date} 的政策参数内容与其 SM3 校验值不符，可能已被篡改",
    "withdrawal_reason_unknown": "提取原因代码 {code} 不存在",
    "contribution_ratio_out_of_bounds": "{party}缴存比例 {ratio}% 超出允许范围 {min}%–{max}%（依据：{source}）",
    "contribution_ratio_not_integer": "{party}缴存比例只能取整数百分比，{ratio}% 不符合规定（依据：{source}）",
    # --- organisation ----------------------------------------------------------------------
    "branch_code_exists": "管理部编码 {code} 已存在",
    "head_office_exists": "中心本部已存在（编码 {code}），只能设置一个",
    "org_code_invalid": "{what}格式不正确：{value}",
    "bank_account_purpose_invalid": "专户性质不正确：{value}（应为归集户、贷款户、增值收益户或结算户）",
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
    "password_change_required": "首次登录须先修改初始密码",
    "password_contains_username": "密码不能包含用户名",
    "old_password_incorrect": "原密码不正确",
    "invalid_username": "用户名不正确：须以小写字母开头，由 3 至 32 位小写字母、数字或 _ . - 组成",
    "operator_not_found": "操作员 {username} 不存在",
    "self_modification_forbidden": "不能修改自己账户的角色、状态或锁定，请由其他安全管理员办理",
    "totp_secret_invalid": "动态口令密钥格式不正确",
    "key_invalid": "密钥格式不正确：{name}（应为 64 位十六进制字符）",
    "key_file_unsafe": "密钥文件 {name} 的权限 {mode} 过宽，只允许属主读写（chmod 600）",
    "key_file_exists": "密钥文件已存在，拒绝覆盖：{path}",
    "decryption_failed": "数据解密失败（{context}）：密文被篡改或密钥不符",
    # --- HTTP API and web shell (api/, web/, http/) ------------------------------------------
    "validation_error": "请求内容不正确，请检查标出的字段",
    "internal_error": "系统内部错误，请稍后重试或联系系统管理员（错误编号 {request_id}）",
    "login_rate_limited": "登录尝试过于频繁，请 {seconds} 秒后再试",
    "method_not_allowed": "不支持该请求方式",
    "bad_request": "请求无效",
    "field_required": "必须填写",
    "field_invalid": "格式不正确",
    "field_not_string": "应为文本（字符串）",
    "field_not_integer": "应为整数",
    "field_not_boolean": "应为 true 或 false",
    "field_not_date": "日期格式应为 YYYY-MM-DD",
    "field_not_list": "应为列表",
    "field_not_object": "应为对象",
    "field_too_short": "过短（至少 {min_length} 个字符）",
    "field_too_long": "过长（最多 {max_length} 个字符）",
    "field_too_few_items": "至少需要 {min_length} 项",
    "field_too_many_items": "最多允许 {max_length} 项",
    "field_out_of_range": "超出允许范围",
    "field_not_allowed": "不允许提交该字段",
    "field_not_in_choices": "应为以下之一：{expected}",
    "field_amount_format": '金额须为字符串形式的元金额，最多两位小数，如 "1234.56"（不接受数字、科学计数法或全角数字）',
    "request_body_invalid_json": "请求内容不是有效的 JSON",
    "password_mismatch": "两次输入的新密码不一致",
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
