"""The exports of two merchants, one on each platform, shaped like their back offices' files.

青禾美妆 sells on Kuaishou (September 2021), 山茶记 on Douyin (October 2021).  Each has six
exports: live sessions, order details, products, talent results, fan groups and paid
campaigns.  The CSV files are in ``tests/fixtures/exports`` in the encodings the back offices
use (UTF-8 with and without a byte-order mark, GB18030); the Excel ones are written here with
openpyxl, at test time, from the rows below (text cells where the back office writes text,
such as ``25.1万``, numbers where it writes numbers).

What the exports hold that an import must handle:

* derived columns (千次观看成交金额, 观看-成交转化率, 客单价, 商品曝光-点击率, 佣金率, 活跃率,
  点击率, 支付ROI) consistent with their parts within the rounding of the cells;
* 万 units, ``¥`` and thousands separators, durations as ``3小时30分`` and ``02:30:00``;
* order details with people's columns (收货人, 联系电话 masked) that are never mapped, an
  unpaid order, a full refund, a partial refund, a talent's order, an order naming a stream
  the live-session list does not hold and one naming a product the product list does not;
  on Douyin a checkout of two products is two rows (sub-orders) of one order;
* a talent with two rows (one per product), a talent naming a product the list lacks;
* paid campaigns with a row a day, one campaign over two days (and two streams);
* columns no model field takes (平均在线人数, 库存, 商品状态).
"""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path
from typing import Any

import pytest

FOLDER = Path(__file__).resolve().parents[1] / "fixtures" / "exports"

KUAISHOU_CSV = {
    "live_sessions": FOLDER / "kuaishou_live_sessions.csv",  # UTF-8 with BOM, current style
    "orders": FOLDER / "kuaishou_orders.csv",  # GB18030
    "products": FOLDER / "kuaishou_products.csv",  # UTF-8
    "fan_groups": FOLDER / "kuaishou_fan_groups.csv",  # GB18030
}
DOUYIN_CSV = {
    "orders": FOLDER / "douyin_orders.csv",  # GB18030, a row per sub-order
    "talents": FOLDER / "douyin_talents.csv",  # UTF-8 with BOM
    "fan_groups": FOLDER / "douyin_fan_groups.csv",  # UTF-8
}

#: 快手小店 分销: talent results (Excel).
KUAISHOU_TALENTS: list[list[Any]] = [
    [
        "达人ID", "达人昵称", "达人粉丝数", "合作开始日期", "合作结束日期", "带货场次",
        "分销成交金额", "预估佣金", "坑位费", "成交订单数", "成交人数", "触达人数", "商品ID",
        "佣金率", "客单价",
    ],
    [
        "ks_tal_01", "小鹿爱美妆", "125.3万", "2021-09-01", "2021-09-15", 3, "1,052,300.00",
        "210,460.00", "30,000.00", 9820, 8760, "86.4万", "p1001,p1004", "20.00%", "120.13",
    ],
    [
        "ks_tal_02", "阿青好物", "38.6万", "2021-09-05", "2021-09-12", 2, "186,520.00",
        "37,304.00", "5,000.00", 2105, 1930, "21.3万", "p1002", "20.00%", "96.64",
    ],
    [
        "ks_tal_03", "甜甜的小店", "8.2万", "2021-09-08", "2021-09-12", 1, "23,850.50",
        "4,770.10", "0.00", 265, 251, "3.1万", "p1003、p1099", "20.00%", "95.02",
    ],
]  # fmt: skip

#: 磁力金牛 计划报表: a row per campaign and day (Excel).
KUAISHOU_CAMPAIGNS: list[list[Any]] = [
    [
        "日期", "计划ID", "计划名称", "快手号", "直播ID", "花费", "成交金额", "成交订单数",
        "曝光数", "点击数", "点击率", "涨粉数", "支付ROI",
    ],
    [
        "2021-09-01", "jn-5001", "9月1日直播间引流", "ks_qh01", "ks-210901", "12,000.00",
        "52,800.00", 612, "18.5万", 9620, "5.20%", 410, 4.40,
    ],
    [
        "2021-09-01", "jn-5002", "粉丝团拉新", "ks_qh01", "ks-210901", "9,000.00", "31,500.00",
        355, "12.2万", 6100, "5.00%", 520, 3.50,
    ],
    [
        "2021-09-08", "jn-5003", "日常直播加热", "ks_qh01", "ks-210908", "14,000.00",
        "61,600.00", 703, "21.0万", 10500, "5.00%", 560, 4.40,
    ],
    [
        "2021-09-10", "jn-5003", "日常直播加热", "ks_qh01", "ks-210910", "13,500.00",
        "56,700.00", 660, "19.8万", 9900, "5.00%", 505, 4.20,
    ],
    [
        "2021-09-12", "jn-5004", "福利社加热", "ks_qh02", "ks-210912", "5,000.00", "15,000.00",
        190, "8.6万", 3870, "4.50%", 150, 3.00,
    ],
]  # fmt: skip

#: 抖音电商罗盘 直播列表, current header style (Excel): 累计观看时长 beside 人均观看时长.
DOUYIN_SESSIONS: list[list[Any]] = [
    [
        "直播间ID", "抖音号", "账号昵称", "直播开始时间", "直播时长", "直播间曝光人数",
        "直播间观看人数", "直播间观看次数", "累计观看时长", "人均观看时长", "平均在线人数",
        "最高在线人数", "评论次数", "点赞次数", "分享次数", "涨粉人数", "新加团人数",
        "直播间商品曝光人数", "直播间商品点击人数", "直播间成交金额", "直播间成交订单数",
        "直播间成交人数", "千次观看成交金额", "商品曝光-点击率", "客单价", "千川消耗",
    ],
    [
        7012345000101, "dy_sc01", "山茶记官方旗舰店", "2021-10-01 19:00:00", "04:00:00", "86.2万",
        "25.1万", "31.4万", "7808小时53分", "1分52秒", 3105, 4210, 12000, "18.3万", 2310, 2310,
        560, "9.8万", "2.1万", "100,000.00", 2980, 2710, 318.47, "21.43%", 36.90, "18,500.00",
    ],
    [
        7012345000157, "dy_sc01", "山茶记官方旗舰店", "2021-10-03 19:30:00", "03:30:00", "64.0万",
        "18.7万", "22.9万", "5194小时27分", "1分40秒", 2405, 3320, 8800, "12.6万", 1650, 1650,
        402, "7.1万", "1.5万", "86,420.00", 2205, 2031, 377.38, "21.13%", 42.55, "--",
    ],
    [
        7012345000212, "dy_sc02", "山茶记好物分享", "2021-10-05 20:00:00", "02:30:00", "22.4万",
        "6.3万", "7.5万", "1015小时00分", "58秒", 610, 1180, 2100, "3.3万", 420, 420, 96,
        "2.2万", 4800, "30,950.00", 702, 655, 412.67, "21.82%", 47.25, "6,000.00",
    ],
    [
        7012345000288, "dy_sc01", "山茶记官方旗舰店", "2021-10-07 19:00:00", "04:00:00", "90.5万",
        "26.8万", "33.0万", "8784小时27分", "1分58秒", 3302, 4480, 12900, "19.6万", 2480, 2480,
        610, "10.5万", "2.3万", "112,300.00", 3120, 2860, 340.30, "21.90%", 39.27, "20,000.00",
    ],
    [
        7012345000341, "dy_sc01", "山茶记官方旗舰店", "2021-10-09 19:00:00", "04:00:00", "88.1万",
        "25.9万", "32.2万", "8273小时37分", "1分55秒", 3190, 4350, 12500, "18.9万", 2390, 2390,
        590, "10.1万", "2.2万", "108,760.00", 3010, 2790, 337.76, "21.78%", 38.98, "19,200.00",
    ],
]  # fmt: skip

#: 抖店 商品列表 (Excel): ids and prices typed as numbers.
DOUYIN_PRODUCTS: list[list[Any]] = [
    ["商品ID", "商品名称", "商品类目", "售价", "划线价", "是否渠道专供", "库存", "商品状态"],
    [3301, "山茶记山茶花精华水", "美妆>护肤>精华", 139.0, 199.0, "否", 2200, "在售"],
    [3302, "山茶记氨基酸洁面乳", "美妆>护肤>洁面", 79.0, 99.0, "否", 4100, "在售"],
    [3303, "山茶记茶萃面霜", "美妆>护肤>面霜", 99.0, 129.0, "否", 1800, "在售"],
    [3304, "【抖音专供】山茶记焕颜礼盒", "美妆>护肤>套装", 299.0, 459.0, "是", 600, "在售"],
    [3305, "山茶记旅行装", "美妆>护肤>套装", 59.0, 69.0, "是", 900, "已下架"],
]

#: 巨量千川 计划数据: a row per campaign and day (Excel).
DOUYIN_CAMPAIGNS: list[list[Any]] = [
    [
        "日期", "计划ID", "计划名称", "抖音号", "消耗", "整体成交金额", "整体成交订单数",
        "展示次数", "点击次数", "点击率", "涨粉量", "整体支付ROI",
    ],
    [
        "2021-10-01", "qc-8801", "大促直播间成交", "dy_sc01", 18500.0, 74000.0, 2105, 1520000,
        45600, "3.00%", 1210, 4.00,
    ],
    [
        "2021-10-05", "qc-8802", "好物号拉新", "dy_sc02", 6000.0, 15000.0, 420, 510000, 15300,
        "3.00%", 380, 2.50,
    ],
    [
        "2021-10-07", "qc-8801", "大促直播间成交", "dy_sc01", 20000.0, 84000.0, 2390, 1680000,
        50400, "3.00%", 1305, 4.20,
    ],
    [
        "2021-10-09", "qc-8801", "大促直播间成交", "dy_sc01", 19200.0, 78720.0, 2250, 1610000,
        48300, "3.00%", 1250, 4.10,
    ],
]  # fmt: skip


#: Whether Excel files can be written and read here (the ``excel`` extra is installed).
HAS_EXCEL = importlib.util.find_spec("openpyxl") is not None


def workbook(rows: list[list[Any]], title: str = "Sheet1") -> bytes:
    """An .xlsx holding ``rows`` on its one sheet, cells as given; the test is skipped where
    the ``excel`` extra is not installed."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def kuaishou_bundle(folder: Path) -> dict[str, Path]:
    """The six exports of 青禾美妆 (Kuaishou): four CSV fixtures, two workbooks written here."""
    paths = dict(KUAISHOU_CSV)
    for name, rows in (("talents", KUAISHOU_TALENTS), ("paid_campaigns", KUAISHOU_CAMPAIGNS)):
        path = folder / f"kuaishou_{name}.xlsx"
        path.write_bytes(workbook(rows))
        paths[name] = path
    return paths


def douyin_bundle(folder: Path) -> dict[str, Path]:
    """The six exports of 山茶记 (Douyin): three CSV fixtures, three workbooks written here."""
    paths = dict(DOUYIN_CSV)
    for name, rows in (
        ("live_sessions", DOUYIN_SESSIONS),
        ("products", DOUYIN_PRODUCTS),
        ("paid_campaigns", DOUYIN_CAMPAIGNS),
    ):
        path = folder / f"douyin_{name}.xlsx"
        path.write_bytes(workbook(rows))
        paths[name] = path
    return paths
