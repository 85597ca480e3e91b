"""Demo collection data for `anju init --demo`: a handful of units and about fifty members with
realistic names, valid generated resident ID numbers and declared wages. Small and deterministic
(a seeded generator), idempotent (nothing is added once any unit exists). The synthetic city for
benchmarks is a different, much larger generator.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Final

from anju.domain.security import Actor
from anju.ids import credit_code_check_char, make_resident_id
from anju.money import Money, Rate
from anju.services import members, units
from anju.services.members import MemberOpening
from anju.services.ports import UnitOfWork
from anju.services.units import UnitRegistration

SEED: Final = 20260701

# (name, economic type, industry, branch, bank, unit % , member %, payday, headcount)
DEMO_UNITS: Final = (
    ("安居市第一人民医院", "110", "Q84", "01", "102", "12", "12", 10, 14),
    ("安居智联软件有限公司", "150", "I65", "01", "105", "10", "10", 15, 12),
    ("安居市实验中学", "110", "P83", "02", "103", "12", "12", 5, 9),
    ("中原精工机械股份有限公司", "160", "C34", "03", "104", "8", "8", 20, 10),
    ("安平县鑫达商贸有限公司", "170", "F52", "04", "102", "5", "5", 25, 6),
)

SURNAMES: Final = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_MALE: Final = (
    "伟",
    "强",
    "磊",
    "军",
    "勇",
    "杰",
    "涛",
    "斌",
    "浩",
    "宇",
    "鹏",
    "超",
    "建国",
    "志强",
    "文博",
    "子豪",
    "俊杰",
    "海洋",
    "明辉",
    "晓东",
)
GIVEN_FEMALE: Final = (
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "艳",
    "娟",
    "霞",
    "婷",
    "雪",
    "慧",
    "颖",
    "秀英",
    "桂兰",
    "雨涵",
    "欣怡",
    "梓涵",
    "晓燕",
    "丽华",
    "思琪",
)
# Districts of the demo city (GB/T 2260 codes of 郑州市, the default centre code 410100).
REGIONS: Final = ("410102", "410103", "410104", "410105", "410108", "410122", "410181")


def _credit_code(n: int) -> str:
    body = f"91410100MA4{n:06d}"
    return body + credit_code_check_char(body)


def _resident_id(rng: random.Random, female: bool) -> str:
    born = date(1966, 1, 1) + timedelta(days=rng.randrange(36 * 365))
    sequence = rng.randrange(0, 500) * 2 + (0 if female else 1)  # the 17th digit: odd is male
    body = f"{rng.choice(REGIONS)}{born:%Y%m%d}{sequence:03d}"
    return make_resident_id(body).reveal()


def _wage(rng: random.Random) -> Money:
    """Mostly between the floor and the cap; a few below or above, to show the clamping."""
    percentile = rng.randrange(100)  # integers only: no float anywhere near money
    if percentile < 8:
        return Money.yuan(rng.randrange(1500, 2000))
    if percentile >= 94:
        return Money.yuan(rng.randrange(28000, 45000))
    return Money.yuan(rng.randrange(30, 200) * 100 + rng.choice((0, 50)))


def seed_demo_collection(uow: UnitOfWork) -> list[str]:
    """Add the demo units and members (needs the demo organisation, chart, date and policy)."""
    if uow.units.count(branch_id=None, text=None, status=None):
        return ["演示单位：已存在"]
    system = Actor.system("demo")
    rng = random.Random(SEED)  # noqa: S311 - deterministic demo data, not a secret
    used: set[str] = set()
    opened = 0
    for index, (name, econ, industry, branch, bank, unit_pct, member_pct, payday, heads) in enumerate(
        DEMO_UNITS, 1
    ):
        unit = units.register_unit(
            uow,
            system,
            UnitRegistration(
                name=name,
                credit_code=_credit_code(index),
                economic_type=econ,
                industry=industry,
                address=f"安居市建设路 {index * 10} 号",
                handler_name=rng.choice(SURNAMES) + rng.choice(GIVEN_FEMALE),
                handler_phone=f"139{rng.randrange(10**8):08d}",
                bank_code=bank,
                unit_ratio=Rate.percent(unit_pct),
                member_ratio=Rate.percent(member_pct),
                payday=payday,
                branch_code=branch,
            ),
        )
        for _ in range(heads):
            female = rng.randrange(2) == 0
            rid = _resident_id(rng, female)
            if rid in used:
                continue
            used.add(rid)
            person = rng.choice(SURNAMES) + rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
            members.open_member_account(
                uow,
                system,
                MemberOpening(
                    unit_account_no=unit.unit_account_no,
                    resident_id=rid,
                    name=person,
                    wage_base=_wage(rng),
                    phone=f"13{rng.randrange(5, 9)}{rng.randrange(10**8):08d}",
                ),
            )
            opened += 1
    return [f"演示单位：{len(DEMO_UNITS)} 个单位，{opened} 个个人账户"]
