"""Word lists for synthetic people and employers: Chinese names, unit names, addresses, region codes.

The frequencies are rough (the common surnames of a Chinese city, percent of people); what matters
is that a page of members or units looks like a real centre's and that search by name finds many.
Everything here is fictional: no list holds a real person, company or ID number.
"""

from __future__ import annotations

from typing import Final

# (surname, weight ~ percent of the population)
SURNAMES: Final[tuple[tuple[str, float], ...]] = (
    ("王", 7.1), ("李", 7.0), ("张", 6.7), ("刘", 5.4), ("陈", 4.6), ("杨", 3.1), ("黄", 2.2),
    ("赵", 2.0), ("吴", 1.9), ("周", 1.8), ("徐", 1.3), ("孙", 1.2), ("马", 1.2), ("朱", 1.1),
    ("胡", 1.0), ("郭", 0.97), ("何", 0.93), ("高", 0.88), ("林", 0.87), ("罗", 0.86), ("郑", 0.83),
    ("梁", 0.8), ("谢", 0.58), ("宋", 0.55), ("唐", 0.54), ("许", 0.53), ("韩", 0.5), ("冯", 0.49),
    ("邓", 0.48), ("曹", 0.46), ("彭", 0.45), ("曾", 0.44), ("肖", 0.43), ("田", 0.42), ("董", 0.41),
    ("袁", 0.4), ("潘", 0.39), ("于", 0.38), ("蒋", 0.37), ("蔡", 0.36), ("余", 0.35), ("杜", 0.34),
    ("叶", 0.33), ("程", 0.32), ("苏", 0.31), ("魏", 0.3), ("吕", 0.29), ("丁", 0.28), ("任", 0.27),
    ("沈", 0.26), ("姚", 0.25), ("卢", 0.24), ("姜", 0.23), ("崔", 0.22), ("钟", 0.21), ("谭", 0.2),
    ("陆", 0.19), ("汪", 0.18), ("范", 0.17), ("金", 0.16), ("石", 0.15), ("廖", 0.14), ("贾", 0.13),
    ("夏", 0.12), ("韦", 0.11), ("付", 0.1), ("方", 0.1), ("白", 0.09), ("邹", 0.09), ("孟", 0.08),
    ("熊", 0.08), ("秦", 0.08), ("邱", 0.07), ("江", 0.07), ("尹", 0.07), ("薛", 0.06), ("闫", 0.06),
    ("段", 0.06), ("雷", 0.05), ("侯", 0.05), ("龙", 0.05), ("史", 0.05), ("欧阳", 0.02), ("司马", 0.005),
)  # fmt: skip

MALE_CHARS: Final = (
    "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林阳峰建国文志海东亮成晨博轩睿昊然宏毅"
)
FEMALE_CHARS: Final = "芳娜敏静丽艳娟霞秀英玲燕萍红婷雪琳洁梅慧晶颖倩莉欣怡佳悦雅琪梦瑶彤淑兰凤云丹璐"
NEUTRAL_CHARS: Final = "子思一嘉诗雨晓春秋永新安金宜泽书"

# Resident ID region codes (GB/T 2260): mostly the city itself, then the province, then elsewhere.
# The city's outer districts only: services/demo_collection.py draws its people from the central
# ones and bench/bulk_members.py numbers its people in 金水 (410105), so an ID made here can never
# be one of theirs (the blind index is unique).
LOCAL_REGIONS: Final = ("410106", "410182", "410183", "410184", "410185")
PROVINCE_REGIONS: Final = ("410302", "410402", "410503", "410602", "410702", "411002", "411102", "411302")
OTHER_REGIONS: Final = ("130102", "140105", "320102", "340102", "370102", "420102", "510104", "610113")

DISTRICTS: Final = ("中原区", "二七区", "金水区", "管城区", "惠济区", "高新区", "经开区", "安平县")
ROADS: Final = (
    "人民路", "建设路", "东风路", "文化路", "花园路", "黄河路", "紫荆山路", "大学路", "农业路",
    "中州大道", "经三路", "纬五路", "商都路", "航海路", "陇海路", "嵩山路", "桐柏路", "丰产路",
)  # fmt: skip

MOBILE_PREFIXES: Final = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153",
    "155", "156", "157", "158", "159", "166", "176", "177", "180", "181", "182", "183", "185", "186",
    "187", "188", "189", "191", "198", "199",
)  # fmt: skip

# Trade-name characters: two make a 字号 (恒达, 华兴 ...).
BRAND_CHARS: Final = (
    "恒达华兴宏远金鼎鑫源博创瑞丰中原嘉禾天成永盛新元弘毅"
    "信正泰万通盛世东方凯旋汇锦程明德龙腾航昌润福和业卓越飞高科银河星海"
)


# Enterprise kinds: (industry code GB/T 4754, what the name says it does)
ENTERPRISE_TRADES: Final[tuple[tuple[str, str], ...]] = (
    ("3411", "机械制造"), ("1391", "食品"), ("1711", "纺织"), ("3971", "电子科技"), ("2614", "化工"),
    ("3021", "建材"), ("4710", "建筑工程"), ("4811", "市政工程"), ("5211", "商贸"), ("5212", "百货"),
    ("5251", "医药连锁"), ("5990", "物流"), ("5430", "运输"), ("6211", "餐饮管理"), ("6110", "酒店管理"),
    ("6510", "软件"), ("6520", "信息技术"), ("6450", "网络科技"), ("6640", "金融服务"),
    ("7010", "房地产开发"), ("7020", "物业服务"), ("7243", "商务咨询"), ("7262", "人力资源服务"),
    ("7482", "工程设计"),
    ("7452", "检测技术"), ("8010", "家政服务"), ("8111", "汽车维修"), ("8710", "文化传媒"),
)  # fmt: skip

# (GB/T 12402 economic type, organisation form in the name, weight)
ENTERPRISE_FORMS: Final[tuple[tuple[str, str, float], ...]] = (
    ("170", "有限公司", 40.0),
    ("150", "有限责任公司", 25.0),
    ("160", "股份有限公司", 10.0),
    ("110", "集团有限公司", 6.0),
    ("120", "有限公司", 3.0),
    ("310", "有限公司", 4.0),
    ("330", "有限公司", 2.0),
    ("230", "有限公司", 2.0),
)

# Public employers: (credit-code prefix 11 机关 / 12 事业单位, industry, name pattern with {n}/{d}, weight)
PUBLIC_EMPLOYERS: Final[tuple[tuple[str, str, str, float], ...]] = (
    ("12", "8331", "安居市第{n}中学", 2.0),
    ("12", "8321", "安居市{d}实验小学", 2.0),
    ("12", "8411", "安居市第{n}人民医院", 1.0),
    ("12", "8423", "安居市{d}社区卫生服务中心", 1.5),
    ("11", "9221", "安居市{d}人民政府", 0.3),
    ("11", "9224", "安居市{d}{road}街道办事处", 1.0),
    ("11", "9221", "安居市{d}市场监督管理局", 0.5),
    ("12", "9110", "安居市{d}公共资源交易中心", 0.3),
)

PAYDAYS: Final = (5, 10, 15, 20, 25, 28, 1, 8, 12)
PAYDAY_WEIGHTS: Final = (25, 30, 15, 10, 8, 4, 3, 3, 2)

# Integer contribution ratios (percent) and how often units choose them; the same for both parties.
RATIOS: Final = (12, 10, 8, 7, 6, 5)
RATIO_WEIGHTS: Final = (45, 12, 10, 5, 3, 25)
