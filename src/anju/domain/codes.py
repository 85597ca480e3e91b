"""Code tables the collection data uses (data-standard.md §4): national standards and the HPF
standard's own codes. Small, fixed, and checked at the counter so a wrong code never reaches the
national data platform export.
"""

from __future__ import annotations

from typing import Final

from anju.errors import RuleViolation


class CodeRuleViolation(RuleViolation):
    """A code given by a caller is not in its code table."""


# 单位经济类型 DWJJLX, GB/T 12402-2000 (top level 100/200/300 and their sub-types).
ECONOMIC_TYPES: Final[dict[str, str]] = {
    "100": "内资企业",
    "110": "国有",
    "120": "集体",
    "130": "股份合作",
    "140": "联营",
    "150": "有限责任公司",
    "160": "股份有限公司",
    "170": "私营",
    "190": "其他内资",
    "200": "港澳台商投资",
    "210": "港澳台合资经营",
    "220": "港澳台合作经营",
    "230": "港澳台独资经营",
    "240": "港澳台投资股份有限公司",
    "290": "其他港澳台投资",
    "300": "外商投资",
    "310": "中外合资经营",
    "320": "中外合作经营",
    "330": "外资",
    "340": "外商投资股份有限公司",
    "390": "其他外商投资",
}

# 单位所属行业 DWSSHY, GB/T 4754-2017: the 20 sections and the divisions (2 digits) in each.
INDUSTRY_SECTIONS: Final[dict[str, tuple[str, int, int]]] = {
    "A": ("农、林、牧、渔业", 1, 5),
    "B": ("采矿业", 6, 12),
    "C": ("制造业", 13, 43),
    "D": ("电力、热力、燃气及水生产和供应业", 44, 46),
    "E": ("建筑业", 47, 50),
    "F": ("批发和零售业", 51, 52),
    "G": ("交通运输、仓储和邮政业", 53, 60),
    "H": ("住宿和餐饮业", 61, 62),
    "I": ("信息传输、软件和信息技术服务业", 63, 65),
    "J": ("金融业", 66, 69),
    "K": ("房地产业", 70, 70),
    "L": ("租赁和商务服务业", 71, 72),
    "M": ("科学研究和技术服务业", 73, 75),
    "N": ("水利、环境和公共设施管理业", 76, 79),
    "O": ("居民服务、修理和其他服务业", 80, 82),
    "P": ("教育", 83, 83),
    "Q": ("卫生和社会工作", 84, 85),
    "R": ("文化、体育和娱乐业", 86, 90),
    "S": ("公共管理、社会保障和社会组织", 91, 96),
    "T": ("国际组织", 97, 97),
}

# 单位隶属关系 DWLSGX, GB/T 12404-1997.
SUBORDINATIONS: Final[dict[str, str]] = {
    "10": "中央",
    "20": "省",
    "40": "地（市）",
    "50": "县（区）",
    "60": "街道、镇、乡",
    "61": "街道",
    "62": "镇",
    "63": "乡",
    "70": "居民、村民委员会",
    "90": "其他",
}

# 性别 XINGBIE, GB/T 2261.1-2003.
GENDERS: Final[dict[str, str]] = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}

# 婚姻状况 HYZK, GB/T 2261.2-2003.
MARITAL_STATUSES: Final[dict[str, str]] = {
    "10": "未婚",
    "20": "已婚",
    "21": "初婚",
    "22": "再婚",
    "23": "复婚",
    "30": "丧偶",
    "40": "离婚",
    "90": "未说明",
}

# 个人证件类型 ZJLX (JGJ/T 320).
ID_TYPES: Final[dict[str, str]] = {
    "01": "居民身份证",
    "02": "军官证",
    "03": "护照",
    "04": "外国人永久居留证",
    "99": "其他",
}

# 单位销户原因 DWXHYY: the standard names the table but its values were not seen (data-standard.md
# §4.1); these are the usual grounds (条例第十四条: merger, split, dissolution, bankruptcy).
UNIT_CLOSE_REASONS: Final[dict[str, str]] = {
    "01": "单位注销",
    "02": "单位破产",
    "03": "单位合并或分立",
    "04": "单位撤销或被吊销",
    "99": "其他",
}

# Personal account closing reasons (XHYY) this slice sets; withdrawals use the TQYY codes.
MEMBER_CLOSE_MERGED: Final = "99"  # closed because merged into the person's other account


def _check(table: dict[str, str], code: str, what: str) -> str:
    value = code.strip()
    if value not in table:
        raise CodeRuleViolation("code_not_in_table", what=what, value=value[:10])
    return value


def check_economic_type(code: str) -> str:
    return _check(ECONOMIC_TYPES, code, "单位经济类型（GB/T 12402）")


def check_subordination(code: str) -> str:
    return _check(SUBORDINATIONS, code, "单位隶属关系（GB/T 12404）")


def check_marital_status(code: str) -> str:
    return _check(MARITAL_STATUSES, code, "婚姻状况（GB/T 2261.2）")


def check_unit_close_reason(code: str) -> str:
    return _check(UNIT_CLOSE_REASONS, code, "单位销户原因")


def industry_section(code: str) -> str | None:
    """The GB/T 4754 section (A–T) of a code: "I", "65", "651", "6510" or "I65" (letter + digits)."""
    value = code.strip().upper()
    if value in INDUSTRY_SECTIONS:
        return value
    letter, digits = (value[0], value[1:]) if value[:1].isalpha() else ("", value)
    if not (2 <= len(digits) <= 4 - len(letter) and digits.isascii() and digits.isdigit()):
        return None
    division = int(digits[:2])
    for section, (_name, low, high) in INDUSTRY_SECTIONS.items():
        if low <= division <= high:
            return section if letter in ("", section) else None
    return None


def check_industry(code: str) -> str:
    """A section letter (A–T), or a GB/T 4754 code whose division exists (with its letter, if given)."""
    value = code.strip().upper()
    if industry_section(value) is None:
        raise CodeRuleViolation("code_not_in_table", what="单位所属行业（GB/T 4754）", value=value[:10])
    return value


def industry_label(code: str) -> str:
    section = industry_section(code)
    return INDUSTRY_SECTIONS[section][0] if section else code
