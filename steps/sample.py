"""Seeded synthetic brands: realistic, valid data for tests, examples and benchmarks.

No public stream-level dataset of live commerce exists, so this module draws plausible
brands from a seeded `numpy.random.default_rng`.  Only published *aggregate* figures
anchor the draws (the Sources page of the documentation gives each one's source); every other
parameter is an assumption, chosen to look like a live-commerce dashboard and marked as such
below:

* Kuaishou repurchase rate: 65% on average in 2020, above 70% in September 2021 (the
  article).  A mature Kuaishou brand's orders have a repurchase rate drawn in [0.65, 0.70].
* Private-domain traffic converts over 4x public traffic (industry press, 2021): private UV
  converts 4x in the per-source GMV split.
* Public-domain traffic is about 70% of Kuaishou live traffic (industry press): a growth
  brand's UV is about 70% public (natural, short video and paid).
* 45% of Kuaishou users live in first- and second-tier cities (the article): Kuaishou
  audience profiles put about 45% in tier 1, new tier 1 and tier 2.
* The brand's distribution through talents reaching 100w+ (1,000,000 CNY) precedes a
  stronger start of self-broadcast (the article): a large growth brand (``scale=20``) sells
  well beyond it through talents, two or three of whom sell 1,000,000 CNY each.
* Trust-buy (信任购) launched in November 2021: enrolment is 0 before then.
* The number of streamers has an inverted-U effect on sales (Chen, Dou & Xiao 2023): a
  mature brand works with fewer talents than a growth brand.
* About 80% of Kuaishou repurchases come through the follow page (industry press, 2021):
  a repeat buyer's orders take the private-domain share of a stream's buyers first.

Brand ``i`` has lifecycle stage ``(launch, growth, mature)[i % 3]``, platform Kuaishou for
``i // 3`` even and Douyin for ``i // 3`` odd, and category
``(beauty, apparel, food, jewellery, home)[i % 5]`` (see `brand_spec`):

* **launch** lives on talents (85-95% of GMV through talent distribution), one
  self-broadcast account streaming at most twice a week, weak private domain, low
  repurchase, no or a tiny fan group;
* **growth** builds self-broadcast: two or three matrix accounts streaming four or five
  times a week (brand level), GMV per stream rising over each account's first streams
  (cold start), moderate paid traffic at a decent ROI, talent distribution past 100w+
  when large;
* **mature** runs a strong private domain: repurchase near the published 65-70%, a large
  active fan group, most UV and GMV from the private domain, channel-exclusive SKUs with a
  higher price, near-daily streams;
* **Douyin** brands (interest e-commerce) take most UV from the recommendation feed and
  short videos, post more short videos and repurchase less; a Douyin launch brand buys no
  paid traffic yet (its campaign report is provided and empty).

Every brand declares its `coverage`: the sections it holds,
with the window's dates for the dated ones (a section provided and empty is listed too,
such as the fan groups of a launch account without one).

Two paths produce the same data for the same arguments: `generate` builds a
`Dataset` (validated), and `iter_records` yields the JSON
Lines records of `steps.io.files` without building model objects, which
`write_jsonl` writes for files of millions of streams.

**Order details are complete.**  With ``orders=True`` (the default) every order of every
stream and talent collaboration is an `Order`: a stream's orders
number its ``orders``, come from ``buyers`` distinct buyers, add up to its ``gmv_fen`` and
their refunds to its ``refund_fen``, to the fen; a collaboration's orders likewise number
its ``orders`` and ``buyers`` and add up to its ``gmv_fen``.  The products of a stream's
orders follow its explained products (``products[].orders`` and ``gmv_fen`` exactly; the
rest go to products it did not explain).  Buyers are pseudonymous keys drawn from one pool
per brand, so that the share of buyers with two or more paid orders in the window follows
the stage's repurchase rate; orders carry the buyer's traffic source (a stream's buyers are
split by its ``gmv_by_source``) and fan-group membership (matching the account's
``fan_group.member_buyers`` and ``member_repeat_buyers`` where the buyers allow).

**Size.**  A brand has as many orders as its streams and talents sold.  At ``scale=1`` (the
default) the brands are small merchants of their stage, a few hundred to a few thousand
viewers a stream: the three default brands sell about 16,000 orders over 61 days.
``scale`` multiplies every brand's audience (viewers, followers, talents' and videos'
reach) and so its orders, GMV and talent GMV; ``scale=20`` makes large brands (a mature one
draws about 150,000 viewers a stream) with some 300,000 orders for three brands, which take
seconds to build and hundreds of megabytes.  ``orders=False`` (``--no-orders``) leaves the
order details out: the choice for files of many streams.

Paid campaigns (`PaidCampaign`) are one a streaming day: a day's
campaigns spend what its streams' ``paid_spend_fen`` add up to and are credited with their
``gmv_by_source[paid]``, so the campaigns' ROI is the streams'.

``sections`` or ``shape`` (see `SHAPES`) keep part of the data, shaped like the
exports a merchant back office produces: ``shape="kuaishou-live-export"`` holds only what a
Kuaishou live-session list holds (streams with its columns; no plans, products, orders,
talents, fan groups, trust signals or short videos), and declares that coverage.

With ``streams_per_brand`` larger than the stage's cadence allows in ``days``, the window
grows (at most to `MAX_WINDOW_DAYS`); beyond that the brand streams several times a
day on more matrix accounts, one stream per account per day.
"""

from __future__ import annotations

import functools
import json
import math
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta, timezone
from queue import Queue
from typing import IO, Any, Final, NamedTuple

import attrs
import numpy as np
import numpy.typing as npt

from steps._shapes import SHAPES, Shape
from steps.domain.enums import (
    AgeBand,
    CityTier,
    LifecycleStage,
    Platform,
    ProductRole,
    Section,
    TrafficSource,
    TrustSignalKind,
)
from steps.domain.model import Account, Brand, Dataset, Order, Stream

__all__ = [
    "CATEGORIES",
    "MAX_SCALE",
    "MAX_WINDOW_DAYS",
    "SHAPES",
    "BrandSpec",
    "Shape",
    "brand_spec",
    "generate",
    "iter_records",
    "sample_dataset",
    "write_jsonl",
]

Record = dict[str, Any]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Categories brands cycle through.
CATEGORIES: Final = ("beauty", "apparel", "food", "jewellery", "home")
#: The longest window a brand is stretched to when asked for many streams.
MAX_WINDOW_DAYS: Final = 730
#: The largest ``scale`` accepted (a thousand times the default audience).
MAX_SCALE: Final = 1000.0
#: The audience of a brand at ``scale=1`` as a share of its stage profile's, which describes
#: a large brand of the stage: the default brands are small merchants, whose complete order
#: details stay small (thousands of orders, not hundreds of thousands); ``scale=20`` gives
#: the profiles' sizes.
_SMALL_MERCHANT: Final = 0.05
#: Streams drawn together (bounds memory for brands with a million streams).
_CHUNK: Final = 4096
_SCHEMA_VERSION: Final = "1.0"  # steps.io.files.SCHEMA_VERSION, kept here to import lazily
_TZ: Final = timezone(timedelta(hours=8))
_TRUST_BUY_LAUNCH: Final = date(2021, 11, 1)
_HUNDRED_W_FEN: Final = 100_000_000  # 1,000,000 CNY: a "100w+" talent
_STAGES: Final = (LifecycleStage.LAUNCH, LifecycleStage.GROWTH, LifecycleStage.MATURE)
_SOURCES: Final = (
    TrafficSource.PRIVATE,
    TrafficSource.PUBLIC_NATURAL,
    TrafficSource.SHORT_VIDEO,
    TrafficSource.PAID,
    TrafficSource.TALENT,
)
_SOURCE_KEYS: Final = tuple(s.value for s in _SOURCES)
_PAID: Final = _SOURCES.index(TrafficSource.PAID)
# GMV per viewer by source, relative to public natural: private converts over 4x public
# (industry press, 2021); paid and talent-sent viewers a little better than natural (assumption).
_CONVERSION: Final = np.array([4.0, 1.0, 1.0, 1.5, 1.2])


class BrandSpec(NamedTuple):
    """What brand ``index`` of a generated dataset is."""

    stage: LifecycleStage
    platform: Platform
    category: str


def brand_spec(index: int) -> BrandSpec:
    """Stage, platform and category of brand ``index`` (they cycle; see the module doc)."""
    platform = Platform.KUAISHOU if (index // 3) % 2 == 0 else Platform.DOUYIN
    return BrandSpec(_STAGES[index % 3], platform, CATEGORIES[index % len(CATEGORIES)])


#: Every section, in the order a brand's coverage lists them.
ALL_SECTIONS: Final = tuple(Section)
# Sections whose records carry dates: their coverage gives the window's dates.
_DATED: Final = frozenset(
    {
        Section.STREAMS,
        Section.PLANS,
        Section.STREAM_PRODUCTS,
        Section.ORDERS,
        Section.TALENT_COLLABS,
        Section.FAN_GROUPS,
        Section.SHORT_VIDEOS,
        Section.PAID_CAMPAIGNS,
    }
)
# The sections that live inside another one's records, and what they need.
_NEEDS: Final = {
    Section.PLANS: (Section.STREAMS,),
    Section.STREAM_PRODUCTS: (Section.STREAMS, Section.PRODUCTS),
}


# Parts of a record that belong to another section: left out when it is not held.
_NESTED: Final = {
    "brand": (("audience", Section.AUDIENCE),),
    "account": (("fan_group", Section.FAN_GROUPS), ("audience", Section.AUDIENCE)),
    "stream": (("plan", Section.PLANS), ("products", Section.STREAM_PRODUCTS)),
    "talent_collab": (("audience", Section.AUDIENCE), ("product_ids", Section.PRODUCTS)),
    "paid_campaign": (("stream_id", Section.STREAMS),),
}


def _required(cls: type) -> frozenset[str]:
    names = {f.name for f in attrs.fields(cls) if f.default is attrs.NOTHING}
    return frozenset(names | {"record", "brand_id", "coverage"})


# The fields a shape keeps whatever its columns: a record cannot be built without them.
_REQUIRED: Final = {
    "brand": _required(Brand),
    "account": _required(Account),
    "stream": _required(Stream),
}


def _sections_of(
    shape: str | None, sections: Iterable[Section | str] | None, orders: bool
) -> tuple[frozenset[Section], Shape | None]:
    """The sections a generated dataset holds, and its shape; ``ValueError`` for an unknown
    shape or section, both given, or a section without the one it lives in."""
    if shape is not None and sections is not None:
        raise ValueError("give shape or sections, not both")
    chosen: Shape | None = None
    if shape is not None:
        if shape not in SHAPES:
            raise ValueError(f"unknown shape {shape!r}: shapes are {', '.join(SHAPES)}")
        chosen = SHAPES[shape]
        held = set(chosen.sections)
    elif sections is not None:
        if isinstance(sections, str):
            raise ValueError("sections must be a collection of section names, not one string")
        held = set()
        for item in sections:
            try:
                held.add(Section(item))
            except ValueError:
                names = ", ".join(s.value for s in Section)
                raise ValueError(f"unknown section {item!r}: sections are {names}") from None
    else:
        held = set(Section)
    if not orders:
        held.discard(Section.ORDERS)
    for section, needs in _NEEDS.items():
        missing = [n.value for n in needs if section in held and n not in held]
        if missing:
            raise ValueError(f"section {section.value} needs {' and '.join(missing)} as well")
    return frozenset(held), chosen


@attrs.frozen
class _Segment:
    name: str
    time: float  # mean share of the stream's time
    spend: float  # mean share of the paid spend


@attrs.frozen
class _Profile:
    """Parameters of a lifecycle stage (assumptions unless the module doc cites them).
    Audience sizes (followers, viewers) are a large brand's of the stage: ``scale=20``."""

    tier: str  # merchant tier label (同层 peers), synthetic
    streams_per_week: tuple[float, float]  # brand-level cadence
    accounts: tuple[int, int]
    main_followers: float  # median followers of the main account
    fan_group: float | None  # chance of a fan group on an account (None: always)
    fan_members: tuple[float, float]  # members per follower
    fan_active: tuple[float, float]
    member_gmv_share: tuple[float, float]
    uv_median: float  # UV of a warmed-up stream
    uv_sigma: float
    ramp_floor: float  # cold start: the first stream's UV as a share of the warmed-up UV
    ramp_streams: float  # streams for the ramp to close by 1/e
    cvr: float  # buyers / UV at an average source mix
    repeat_in_stream: float  # extra orders per buyer within a stream
    aov_factor: float  # multiplies the category's order value
    hours: tuple[float, float]
    hosts: tuple[int, int]
    watch_seconds: float  # median watch time per viewer
    follow_rate: float
    fan_join_rate: float
    reservation_rate: tuple[float, float]
    preheat_videos: float
    giveaways: float
    coupon_rate: tuple[float, float]
    plan_share: float
    segments: tuple[_Segment, ...]
    roi: float  # paid GMV / paid spend, median
    talent_share: tuple[float, float]  # talent GMV / (talent + self-broadcast GMV)
    talents: tuple[int, int]
    big_talents: tuple[int, int]  # talents placed at 100w+ (others may get there too)
    repurchase: tuple[float, float]
    repeat_channels: float  # streams and talents a repeat buyer buys in, on average
    catalog: tuple[int, int]
    exclusive_share: float
    products_per_stream: tuple[int, int]
    refund_rate: float
    videos_per_week: float  # short videos per account
    experience: tuple[float, float]  # store experience score, 0-100


_OPEN, _TRAFFIC, _HERO, _PROFIT, _CLOSE = (
    _Segment("开场暖场", 0.10, 0.30),
    _Segment("福利引流", 0.20, 0.30),
    _Segment("爆款讲解", 0.35, 0.30),
    _Segment("利润款讲解", 0.25, 0.10),
    _Segment("返场收尾", 0.10, 0.0),
)

#: Every `_Profile` parameter, stage by stage: launch, growth, mature (`_STAGES`).
_BY_STAGE: Final[dict[str, tuple[Any, Any, Any]]] = {
    "tier": ("L1", "L3", "L5"),
    "streams_per_week": ((1.4, 1.9), (4.0, 5.0), (6.3, 6.8)),
    "accounts": ((1, 1), (2, 3), (3, 4)),
    "main_followers": (20_000, 300_000, 2_000_000),
    "fan_group": (0.4, None, None),
    "fan_members": ((0.001, 0.003), (0.01, 0.02), (0.06, 0.1)),
    "fan_active": ((0.15, 0.3), (0.35, 0.5), (0.55, 0.7)),
    "member_gmv_share": ((0.01, 0.04), (0.1, 0.2), (0.35, 0.5)),
    "uv_median": (5_000, 50_000, 150_000),
    "uv_sigma": (0.8, 0.7, 0.6),
    "ramp_floor": (0.6, 0.3, 1.0),
    "ramp_streams": (5, 8, 1),
    "cvr": (0.012, 0.015, 0.02),
    "repeat_in_stream": (0.05, 0.12, 0.2),
    "aov_factor": (0.9, 1.0, 1.15),
    "hours": ((2.0, 3.0), (3.0, 5.0), (4.0, 6.0)),
    "hosts": ((1, 1), (1, 2), (2, 3)),
    "watch_seconds": (70, 100, 140),
    "follow_rate": (0.02, 0.03, 0.01),
    "fan_join_rate": (0.0005, 0.002, 0.005),
    "reservation_rate": ((0.005, 0.02), (0.01, 0.04), (0.03, 0.08)),
    "preheat_videos": (0.8, 2, 3),
    "giveaways": (2, 4, 6),
    "coupon_rate": ((0.01, 0.04), (0.03, 0.08), (0.05, 0.12)),
    "plan_share": (0.7, 0.85, 0.95),
    "segments": (
        (_OPEN, _TRAFFIC, _Segment("主推讲解", 0.6, 0.4), _CLOSE),
        (_OPEN, _TRAFFIC, _HERO, _PROFIT, _CLOSE),
        (_OPEN, _Segment("老粉专享", 0.15, 0.0), _TRAFFIC, _HERO, _PROFIT, _CLOSE),
    ),
    "roi": (1.8, 3.0, 4.0),
    "talent_share": ((0.87, 0.93), (0.45, 0.55), (0.12, 0.22)),
    "talents": ((6, 10), (10, 16), (4, 8)),
    "big_talents": ((0, 0), (2, 3), (1, 2)),
    "repurchase": ((0.10, 0.22), (0.35, 0.50), (0.65, 0.70)),
    "repeat_channels": (2.3, 2.8, 3.6),
    "catalog": ((8, 12), (15, 25), (25, 35)),
    "exclusive_share": (0.0, 0.1, 0.3),
    "products_per_stream": ((3, 5), (4, 6), (4, 6)),
    "refund_rate": (0.12, 0.1, 0.08),
    "videos_per_week": (1.5, 3, 4),
    "experience": ((80, 88), (85, 92), (90, 97)),
}
_PROFILES: Final = {
    stage: _Profile(**{name: values[i] for name, values in _BY_STAGE.items()})
    for i, stage in enumerate(_STAGES)
}

# Mean UV mix by source (private, public natural, short video, paid, talent).  Kuaishou's
# growth brand is ~70% public including paid (industry press); the rest are assumptions.  A
# Douyin launch brand lives on the recommendation feed and talents and buys no traffic yet.
_UV_MIX: Final = {
    (Platform.KUAISHOU, LifecycleStage.LAUNCH): (0.10, 0.45, 0.10, 0.15, 0.20),
    (Platform.KUAISHOU, LifecycleStage.GROWTH): (0.25, 0.35, 0.10, 0.25, 0.05),
    (Platform.KUAISHOU, LifecycleStage.MATURE): (0.50, 0.28, 0.07, 0.12, 0.03),
    (Platform.DOUYIN, LifecycleStage.LAUNCH): (0.05, 0.60, 0.25, 0.0, 0.10),
    (Platform.DOUYIN, LifecycleStage.GROWTH): (0.10, 0.45, 0.20, 0.22, 0.03),
    (Platform.DOUYIN, LifecycleStage.MATURE): (0.18, 0.42, 0.22, 0.16, 0.02),
}
_MIX_CONCENTRATION: Final = 60.0


@attrs.frozen
class _PlatformStyle:
    uv: float  # multiplies UV
    entry_rate: tuple[float, float]  # exposure -> entry
    watch: float  # multiplies watch time
    videos: float  # multiplies short-video output
    preheat: float  # extra preheat videos
    repurchase: float  # multiplies the repurchase target
    city_tiers: tuple[float, ...]  # mean audience shares by city tier


_STYLES: Final = {
    # 45% of Kuaishou users in tier 1 / new tier 1 / tier 2 cities (the article).
    Platform.KUAISHOU: _PlatformStyle(
        1.0, (0.08, 0.2), 1.0, 1.0, 0.0, 1.0, (0.10, 0.17, 0.18, 0.20, 0.18, 0.17)
    ),
    Platform.DOUYIN: _PlatformStyle(
        1.3, (0.04, 0.12), 0.7, 2.0, 1.5, 0.75, (0.14, 0.20, 0.20, 0.18, 0.15, 0.13)
    ),
}
_AGE_BANDS: Final = (0.02, 0.18, 0.27, 0.28, 0.17, 0.08)


@attrs.frozen
class _Category:
    aov_yuan: float  # order value of a hero item, CNY (assumption)
    female: float
    items: tuple[str, ...]
    brands: tuple[str, ...]  # fictional names


_CATEGORIES: Final = {
    "beauty": _Category(
        150,
        0.8,
        ("精华液", "面霜", "口红", "面膜", "卸妆油", "防晒霜"),
        ("青禾美妆", "澜悦", "素颜集"),
    ),
    "apparel": _Category(
        180,
        0.7,
        ("T恤", "连衣裙", "牛仔裤", "卫衣", "外套", "衬衫"),
        ("云织服饰", "布言", "北纬衣橱"),
    ),
    "food": _Category(
        60,
        0.6,
        ("坚果礼盒", "牛肉干", "螺蛳粉", "挂耳咖啡", "蜂蜜", "辣酱"),
        ("山野小厨", "禾田记", "味道工坊"),
    ),
    "jewellery": _Category(
        900,
        0.65,
        ("金手镯", "珍珠项链", "翡翠吊坠", "银耳钉", "黄金戒指", "玉手串"),
        ("玉见珠宝", "金曜", "拾光饰"),
    ),
    "home": _Category(
        220,
        0.55,
        ("四件套", "收纳盒", "香薰", "保温杯", "炒锅", "抱枕"),
        ("栖木家居", "安居良品", "小满生活"),
    ),
}
_TALENT_NAMES: Final = (
    ("小", "阿", "大", "老", "甜", "酷"),
    ("鹿", "橙", "七", "米", "糖", "叶", "鱼", "九"),
)
# Campaign days (month, first day, last day, label).
_CAMPAIGNS: Final = (
    (6, 1, 18, "618"),
    (8, 16, 18, "818"),
    (11, 1, 11, "双11"),
    (12, 10, 12, "双12"),
)
_MINUTES: Final = tuple(f"{m // 60:02d}:{m % 60:02d}:00+08:00" for m in range(24 * 60))
_ROLE_TRAFFIC, _ROLE_HERO, _ROLE_PROFIT = 0, 1, 2
_ROLE_VALUES: Final = (ProductRole.TRAFFIC.value, ProductRole.HERO.value, ProductRole.PROFIT.value)
_ROLE_PRICE: Final = np.array([0.35, 0.9, 1.4])  # price relative to the hero order value
_ROLE_SHARE: Final = np.array([0.7, 3.0, 1.5])  # weight in a stream's GMV
_ROLE_PICK: Final = np.array([2.0, 4.0, 1.0])  # weight when picking a stream's products


def _u(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    return float(rng.uniform(bounds[0], bounds[1]))


def _ui(rng: np.random.Generator, bounds: tuple[int, int]) -> int:
    return int(rng.integers(bounds[0], bounds[1] + 1))


def _floor(values: npt.NDArray[Any]) -> IntArray:
    result: IntArray = np.floor(values).astype(np.int64)
    return result


def _shares(rng: np.random.Generator, mean: Sequence[float], known: float) -> list[float]:
    """Dirichlet shares around ``mean``, scaled to ``known`` and floored to 4 decimals, so
    that they add up to at most 1."""
    draw = rng.dirichlet(np.asarray(mean) * 50) * known
    result: list[float] = (np.floor(draw * 10_000) / 10_000).tolist()
    return result


def _split(totals: IntArray, group: IntArray, weight: FloatArray) -> IntArray:
    """Integer amounts in proportion to ``weight`` that add up to ``totals[g]`` exactly over
    each group ``g`` (each within one unit of its share)."""
    if not len(group):
        return np.zeros(0, dtype=np.int64)
    top = np.zeros(len(totals))
    np.maximum.at(top, group, weight)
    # Integer weights (16 bits) keep the arithmetic exact: totals * weight stays < 2**63.
    scaled = np.maximum(1, np.round(weight / top[group] * 2**16)).astype(np.int64)
    sums = np.bincount(group, weights=scaled, minlength=len(totals)).astype(np.int64)
    amount: IntArray = totals[group] * scaled // sums[group]
    short = totals - np.bincount(group, weights=amount, minlength=len(totals)).astype(np.int64)
    order = np.argsort(group, kind="stable")
    ranked = group[order]
    rank = np.arange(len(group)) - np.searchsorted(ranked, ranked)
    amount[order] += rank < short[ranked]
    return amount


@functools.cache
def _clock() -> tuple[str, ...]:
    """``HH:MM:SS+08:00`` for every second of a day."""
    return tuple(f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+08:00" for s in range(86_400))


def _repeat_share(rate: float, within: float) -> float:
    """The share of buyers who must buy in two or more streams (or talents) for ``rate``
    of them to have repurchased, when ``within`` of the others bought twice in one."""
    return min(0.95, max(0.0, (rate - within) / (1 - within)))


def _audience(rng: np.random.Generator, platform: Platform, female: float) -> Record:
    tiers = _shares(rng, _STYLES[platform].city_tiers, _u(rng, (0.9, 1.0)))
    ages = _shares(rng, _AGE_BANDS, _u(rng, (0.9, 1.0)))
    return {
        "city_tiers": {t.value: s for t, s in zip(CityTier, tiers, strict=True)},
        "age_bands": {a.value: s for a, s in zip(AgeBand, ages, strict=True)},
        "female_share": round(min(1.0, max(0.0, female + float(rng.normal(0, 0.05)))), 3),
    }


class _Streams(NamedTuple):
    """Per-stream arrays a brand needs before its records: schedule, traffic and GMV."""

    day: IntArray
    minute: IntArray
    account: IntArray
    duration: IntArray
    uv: IntArray
    mix: FloatArray  # (n, 5) UV share by source
    buyers: IntArray
    orders: IntArray
    gmv: IntArray


class _Chunk(NamedTuple):
    """Up to `_CHUNK` streams as flat columns, ready to render as dicts or as text."""

    numbers: list[int]  # _STREAM_WIDTH a stream: number, account number, _STREAM_KEYS
    started: list[str]
    products: list[int]  # _PRODUCT_WIDTH a product: catalogue number, _PRODUCT_KEYS
    offsets: list[int]  # stream j's products are [offsets[j], offsets[j + 1]) (in products)
    has_plan: list[bool]
    plan_numbers: list[int]  # per stream and segment, _SEGMENT_KEYS; then the GMV target
    plan_shares: list[float]  # planned_paid_uv_share
    campaigns: list[str | None]


class _Videos(NamedTuple):
    rows: list[tuple[str, str, str, int, int]]  # the values of _VIDEO_KEYS


_VIDEO_KEYS: Final = ("video_id", "account_id", "posted_at", "views", "likes")


class _Orders(NamedTuple):
    """A brand's order details as columns, in the order of their ids (by time placed)."""

    placed: list[str]
    buyer: list[str]
    amount: list[int]
    quantity: list[int]
    product: list[str | None]
    stream: list[str | None]
    collab: list[str | None]
    refunded: list[int]
    source: list[str | None]
    member: list[bool | None]


_STREAM_KEYS_HEAD: Final = (
    "duration_seconds",
    "uv",
    "watch_seconds",
    "orders",
    "buyers",
    "gmv_fen",
    "exposure",
    "views",
    "peak_concurrent",
    "first_minutes_uv",
)
_STREAM_KEYS_TAIL: Final = (
    "comments",
    "likes",
    "shares",
    "new_followers",
    "fan_group_joins",
    "product_exposure_uv",
    "product_click_uv",
    "orders_created",
    "refund_fen",
    "paid_spend_fen",
    "reservations",
    "reserved_attendees",
    "preheat_videos",
    "preheat_video_views",
    "coupons_issued",
    "coupons_used",
    "giveaways",
    "hosts",
)
_PRODUCT_KEYS: Final = (
    "explain_count",
    "explain_seconds",
    "exposures",
    "clicks",
    "orders",
    "gmv_fen",
)
_SEGMENT_KEYS: Final = (
    "planned_seconds",
    "actual_seconds",
    "planned_spend_fen",
    "actual_spend_fen",
)
_STREAM_KEYS: Final = (
    *_STREAM_KEYS_HEAD,
    *(f"uv_by_source.{key}" for key in _SOURCE_KEYS),
    *(f"gmv_by_source.{key}" for key in _SOURCE_KEYS),
    *_STREAM_KEYS_TAIL,
)
_STREAM_WIDTH: Final = 2 + len(_STREAM_KEYS)
_PRODUCT_WIDTH: Final = 1 + len(_PRODUCT_KEYS)


def _json(text: str) -> str:
    """A JSON string literal as `write_jsonl` writes it (ASCII, non-ASCII characters
    escaped), safe inside a %-template."""
    return json.dumps(text, ensure_ascii=True).replace("%", "%%")


def _ints(keys: Sequence[str]) -> str:
    return ",".join(f'"{key}":%d' for key in keys)


_STREAM_TEMPLATE: Final = (
    '","started_at":"%s",'
    + _ints(_STREAM_KEYS_HEAD)
    + ',"uv_by_source":{'
    + _ints(_SOURCE_KEYS)
    + "}"
    + ',"gmv_by_source":{'
    + _ints(_SOURCE_KEYS)
    + "},"
    + _ints(_STREAM_KEYS_TAIL)
    + ',"products":['
)
_PRODUCT_TEMPLATE: Final = '-p%02d",' + _ints(_PRODUCT_KEYS) + "}"  # after {"product_id":"b00
_SEGMENT_TEMPLATE: Final = "," + _ints(_SEGMENT_KEYS) + "}"
_VIDEO_TEMPLATE: Final = (
    '{"record":"short_video","brand_id":"%s","video_id":"%s","account_id":"%s",'
    '"posted_at":"%s","views":%d,"likes":%d}'
)


class _Options(NamedTuple):
    """The arguments every brand of one dataset shares, checked."""

    seed: int
    streams: int | None  # streams per brand (None: the stage's cadence)
    start: date
    days: int
    sections: frozenset[Section]
    shape: Shape | None
    scale: float


class _Brand:
    """One brand: draws its parameters and core arrays, then yields its records."""

    def __init__(self, index: int, options: _Options) -> None:
        seed, streams, start, days = options.seed, options.streams, options.start, options.days
        self.index = index
        spec = brand_spec(index)
        if options.shape is not None and options.shape.platform is not None:
            spec = spec._replace(platform=options.shape.platform)
        self.spec = spec
        self.profile = _PROFILES[self.spec.stage]
        self.style = _STYLES[self.spec.platform]
        self.category = _CATEGORIES[self.spec.category]
        self.id = f"b{index:02d}"
        self.sections = options.sections
        self.shape = options.shape
        self.scale = options.scale * _SMALL_MERCHANT
        self.with_orders = Section.ORDERS in options.sections
        # Independent generators per purpose: leaving out orders (or campaigns, or any
        # section) changes nothing else.
        seeds = np.random.SeedSequence([seed, index]).spawn(6)
        self.rng = np.random.default_rng(seeds[0])
        self.rng_streams = np.random.default_rng(seeds[1])
        self.rng_detail = np.random.default_rng(seeds[2])
        self.rng_orders = np.random.default_rng(seeds[3])
        self.rng_videos = np.random.default_rng(seeds[4])
        self.rng_campaigns = np.random.default_rng(seeds[5])
        rng, profile = self.rng, self.profile

        cadence = _u(rng, profile.streams_per_week)
        if streams is None:
            streams = max(1, round(days / 7 * cadence))
            window = days
        else:
            window = min(MAX_WINDOW_DAYS, max(days, math.ceil(streams * 7 / cadence)))
        self.n = streams
        self.window = window
        self.start = start
        self.end = start + timedelta(days=window - 1)
        self.dates = [(start + timedelta(days=d)) for d in range(window)]
        self.n_accounts = max(_ui(rng, profile.accounts), math.ceil(streams / window))
        self.stretch = window / days  # talents grow with a stretched window
        self.talent_share = _u(rng, profile.talent_share)
        self.repurchase = _u(rng, profile.repurchase) * self.style.repurchase
        self.slots_per_buyer = self._slots_per_buyer()
        self.refund_rate = profile.refund_rate * _u(rng, (0.7, 1.3))
        self.aov_fen = self.category.aov_yuan * 100 * profile.aov_factor
        self.name = self.category.brands[index // len(CATEGORIES) % len(self.category.brands)]
        if index >= len(CATEGORIES) * len(self.category.brands):
            self.name += f" {index // (len(CATEGORIES) * len(self.category.brands)) + 1}"
        self.account_ids = [f"{self.id}-a{a + 1}" for a in range(self.n_accounts)]
        self.fan_targets: dict[int, tuple[int, int]] = {}  # account: member (repeat) buyers
        self._catalog()
        self.core = self._core()
        # Per-stream columns kept from the stream chunks for the campaigns and the orders.
        self.kept: dict[str, list[npt.NDArray[Any]]] = {}

    def _slots_per_buyer(self) -> float:
        """How many streams and talents a distinct buyer buys in, on average, for the
        brand's repurchase rate: a buyer who bought twice in one stream has repurchased
        already; the others who repurchase buy in ``repeat_channels`` of them."""
        within = 1 - math.exp(-self.profile.repeat_in_stream)
        repeat = _repeat_share(self.repurchase, within)
        return 1 - repeat + repeat * self.profile.repeat_channels

    # -- catalogue ---------------------------------------------------------------------

    def _catalog(self) -> None:
        rng, profile = self.rng, self.profile
        n = _ui(rng, profile.catalog)
        roles = np.full(n, _ROLE_PROFIT, dtype=np.int64)
        n_traffic = max(1, round(n * 0.25))
        n_hero = max(1, round(n * 0.25))
        roles[:n_traffic] = _ROLE_TRAFFIC
        roles[n_traffic : n_traffic + n_hero] = _ROLE_HERO
        rng.shuffle(roles)
        exclusive = rng.random(n) < profile.exclusive_share
        price = self.aov_fen * _ROLE_PRICE[roles] * rng.lognormal(0, 0.2, n)
        price *= np.where(exclusive, 1.3, 1.0)  # channel-exclusive SKUs: higher order value
        self.price = np.maximum(_floor(price / 100) * 100 - 10, 90)  # e.g. 129.90 CNY
        self.list_price = (self.price * rng.uniform(1.1, 1.8, n)).astype(np.int64) // 100 * 100
        self.list_price = np.maximum(self.list_price, self.price)
        self.roles = roles
        self.exclusive = exclusive
        self.product_ids = [f"{self.id}-p{j:02d}" for j in range(n)]

    # -- core arrays -------------------------------------------------------------------

    def _schedule(self) -> tuple[IntArray, IntArray, IntArray]:
        rng, n, window = self.rng_streams, self.n, self.window
        if n <= window:
            day = np.sort(rng.choice(window, n, replace=False)).astype(np.int64)
            weights = np.array([3.0] + [1.0] * (self.n_accounts - 1))
            account = rng.choice(self.n_accounts, n, p=weights / weights.sum()).astype(np.int64)
            minute = 18 * 60 + 15 * rng.integers(0, 9, n)  # 18:00-20:00
            return day, minute, account
        counts = np.full(window, n // window, dtype=np.int64)
        counts[rng.choice(window, n % window, replace=False)] += 1
        day = np.repeat(np.arange(window, dtype=np.int64), counts)
        slot = np.arange(n, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
        per_day = int(counts.max())
        offset = rng.integers(0, self.n_accounts, window)
        account = (slot + offset[day]) % self.n_accounts  # one stream per account per day
        gap = 16 * 60 // per_day  # streams spread over 08:00-24:00
        minute = 8 * 60 + slot * gap + rng.integers(0, max(1, gap // 4), n)
        return day, minute.astype(np.int64), account.astype(np.int64)

    def _core(self) -> _Streams:
        rng, profile, n = self.rng_streams, self.profile, self.n
        day, minute, account = self._schedule()
        # Each account's stream number, for the cold-start ramp.
        order = np.lexsort((np.arange(n), account))
        grouped = account[order]
        starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
        sizes = np.diff(np.r_[starts, n])
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n) - np.repeat(starts, sizes)
        ramp = 1 - (1 - profile.ramp_floor) * np.exp(-rank / profile.ramp_streams)
        # Matrix accounts draw less than the main account.
        reach = np.where(account == 0, 1.0, 0.5)
        median = profile.uv_median * self.scale * self.style.uv * ramp * reach
        least = max(5, round(50 * self.scale))
        uv = np.maximum(least, _floor(median * rng.lognormal(0, profile.uv_sigma, n)))
        mix_mean = np.asarray(_UV_MIX[(self.spec.platform, self.spec.stage)])
        used = mix_mean > 0  # a source a brand does not use gets no viewers
        mix = np.zeros((n, len(mix_mean)))
        mix[:, used] = rng.dirichlet(mix_mean[used] * _MIX_CONCENTRATION, n)
        lift = (mix @ _CONVERSION) / (mix_mean @ _CONVERSION)
        cvr = np.minimum(0.2, profile.cvr * lift * rng.lognormal(0, 0.25, n))
        buyers = rng.binomial(uv, cvr).astype(np.int64)
        orders = buyers + rng.poisson(buyers * profile.repeat_in_stream).astype(np.int64)
        aov = self.aov_fen * rng.lognormal(0, 0.15, n)
        gmv = _floor(orders * aov)
        hours = rng.uniform(profile.hours[0], profile.hours[1], n)
        duration = _floor(hours * 60) * 60
        return _Streams(day, minute, account, duration, uv, mix, buyers, orders, gmv)

    # -- records -----------------------------------------------------------------------

    def _parts(self) -> Iterator[Record | _Chunk | _Videos | _Orders]:
        """The brand's records in order, those of the sections it holds; streams, videos
        and orders come as columns to render.  Every draw is made whatever the sections,
        so that a section left out changes nothing in the others."""
        held = self.sections
        yield self._brand_record()
        yield from self._accounts()
        products = list(self._products())
        if Section.PRODUCTS in held:
            yield from products
        for chunk in self._streams():
            if Section.STREAMS in held:
                yield chunk
        collabs = self._collabs()
        if Section.TALENT_COLLABS in held:
            yield from collabs
        if self.with_orders:
            yield self._order_columns(collabs)
        if Section.PAID_CAMPAIGNS in held:
            yield from self._paid_campaigns()
        trust = list(self._trust_signals())
        if Section.TRUST_SIGNALS in held:
            yield from trust
        if Section.SHORT_VIDEOS in held:
            yield self._short_videos()

    @functools.cached_property
    def _whole_streams(self) -> bool:
        """Whether stream records are kept whole (then written from templates)."""
        return (
            Section.PLANS in self.sections
            and Section.STREAM_PRODUCTS in self.sections
            and (self.shape is None or "stream" not in self.shape.fields)
        )

    def _trim(self, record: Record) -> Record:
        """``record`` without what the sections and the shape leave out (in place)."""
        kind, held = record["record"], self.sections
        for key, section in _NESTED.get(kind, ()):
            if section not in held:
                record.pop(key, None)
        if self.shape is not None:
            kept = self.shape.fields.get(kind)
            if kept is not None:
                required = _REQUIRED[kind]
                for key in [k for k in record if k not in required and k not in kept]:
                    del record[key]
        return record

    def records(self) -> Iterator[Record]:
        """The brand's records as plain dicts."""
        for part in self.model_parts():
            if isinstance(part, _Orders):
                yield from self._order_dicts(part)
            else:
                yield part

    def model_parts(self) -> Iterator[Record | _Orders]:
        """The brand's records as plain dicts, but its orders as columns (for
        `order_objects`)."""
        for part in self._parts():
            if isinstance(part, _Chunk):
                if self._whole_streams:
                    yield from self._stream_dicts(part)
                else:
                    yield from map(self._trim, self._stream_dicts(part))
            elif isinstance(part, _Videos):
                for row in part.rows:
                    video = dict(zip(_VIDEO_KEYS, row, strict=True))
                    yield {"record": "short_video", "brand_id": self.id, **video}
            elif isinstance(part, _Orders):
                yield part
            else:
                yield self._trim(part)

    def order_objects(self, columns: _Orders) -> tuple[Order, ...]:
        """The orders as model objects, equal to what the loader makes of their records."""
        sources: dict[str | None, TrafficSource | None] = {s.value: s for s in _SOURCES}
        sources[None] = None
        c = columns
        return tuple(
            Order(
                order_id=oid,
                buyer_key=c.buyer[j],
                placed_at=datetime.fromisoformat(c.placed[j]),
                amount_fen=c.amount[j],
                quantity=c.quantity[j],
                product_id=c.product[j],
                stream_id=c.stream[j],
                collab_id=c.collab[j],
                refunded_fen=c.refunded[j],
                traffic_source=sources[c.source[j]],
                fan_group_member=c.member[j],
            )
            for j, oid in enumerate(self._order_ids(len(c.placed)))
        )

    def lines(self, encode: Callable[[Record], str]) -> Iterator[tuple[str, list[str]]]:
        """(kind, JSON texts) of the brand's records, in batches: what ``encode`` makes of
        `records`, with streams, videos and orders formatted directly for speed."""
        for part in self._parts():
            if isinstance(part, _Chunk):
                if self._whole_streams:
                    yield "stream", self._stream_lines(part)
                else:
                    yield "stream", [encode(self._trim(r)) for r in self._stream_dicts(part)]
            elif isinstance(part, _Videos):
                yield "short_video", [_VIDEO_TEMPLATE % (self.id, *row) for row in part.rows]
            elif isinstance(part, _Orders):
                for lo in range(0, len(part.placed), _CHUNK):
                    yield "order", self._order_lines(part, lo, min(len(part.placed), lo + _CHUNK))
            else:
                yield part["record"], [encode(self._trim(part))]

    def _brand_record(self) -> Record:
        return {
            "record": "brand",
            "brand_id": self.id,
            "name": self.name,
            "category": self.spec.category,
            "tier": self.profile.tier,
            "window_start": self.start.isoformat(),
            "window_end": self.end.isoformat(),
            "audience": _audience(self.rng, self.spec.platform, self.category.female),
            "coverage": self._coverage(),
        }

    def _coverage(self) -> list[Record]:
        """The sections provided, dated with the window where their records carry dates;
        the order details run to the day the last stream ends (after midnight, at times)."""
        start, end = self.start.isoformat(), self.end.isoformat()
        core = self.core
        last = int(((core.day * 86_400 + core.minute * 60 + core.duration - 1) // 86_400).max())
        orders_end = (self.start + timedelta(days=max(self.window - 1, last))).isoformat()
        entries: list[Record] = []
        for section in ALL_SECTIONS:
            if section not in self.sections:
                continue
            entry: Record = {"section": section.value}
            if section in _DATED:
                entry["start"] = start
                entry["end"] = orders_end if section is Section.ORDERS else end
            entries.append(entry)
        return entries

    def _accounts(self) -> Iterator[Record]:
        rng, profile, core = self.rng, self.profile, self.core
        gmv = np.bincount(core.account, weights=core.gmv, minlength=self.n_accounts)
        buyers = np.bincount(core.account, weights=core.buyers, minlength=self.n_accounts)
        for a in range(self.n_accounts):
            main = a == 0
            followers = profile.main_followers * self.scale * rng.lognormal(0, 0.3)
            if not main:
                followers *= rng.uniform(0.1, 0.4)
            if self.spec.stage is LifecycleStage.MATURE:
                opened = self.start - timedelta(days=int(rng.integers(700, 1500)))
            elif self.spec.stage is LifecycleStage.GROWTH:
                opened = self.start - timedelta(days=int(rng.integers(0, 15)))
            else:
                opened = self.start - timedelta(days=int(rng.integers(0, 31)))
            suffix = "官方旗舰店" if main else f"福利号{a}"
            record: Record = {
                "record": "account",
                "brand_id": self.id,
                "account_id": self.account_ids[a],
                "platform": self.spec.platform.value,
                "name": f"{self.name}{suffix}",
                "followers": int(followers),
                "opened_on": opened.isoformat(),
            }
            has_group = profile.fan_group is None or rng.random() < profile.fan_group
            if has_group:
                members = max(1, int(followers * _u(rng, profile.fan_members)))
                member_gmv = int(gmv[a] * _u(rng, profile.member_gmv_share))
                # Members are a share of the account's distinct buyers (its streams' buyer
                # counts over the buyers' expected streams each), and repurchase more.
                distinct = buyers[a] / self.slots_per_buyer
                member_buyers = int(distinct * _u(rng, profile.member_gmv_share) * 0.8)
                repeat = self.repurchase * rng.uniform(1.05, 1.2)
                member_repeat = int(member_buyers * min(0.95, repeat))
                self.fan_targets[a] = (member_buyers, member_repeat)
                record["fan_group"] = {
                    "members": members,
                    "active_members": int(members * _u(rng, profile.fan_active)),
                    "new_members": int(members * rng.uniform(0.05, 0.3)),
                    "member_gmv_fen": member_gmv,
                    "member_buyers": member_buyers,
                    "member_repeat_buyers": member_repeat,
                }
            record["audience"] = _audience(rng, self.spec.platform, self.category.female)
            yield record

    def _products(self) -> Iterator[Record]:
        items = self.category.items
        for j, pid in enumerate(self.product_ids):
            role = int(self.roles[j])
            exclusive = bool(self.exclusive[j])
            name = f"{items[j % len(items)]} {'特供' if exclusive else '款'}{j + 1:02d}"
            record: Record = {
                "record": "product",
                "brand_id": self.id,
                "product_id": pid,
                "name": name,
                "category": self.spec.category,
                "price_fen": int(self.price[j]),
                "list_price_fen": int(self.list_price[j]),
                "role": _ROLE_VALUES[role],
            }
            if exclusive:
                record["channel_exclusive"] = True
            yield record

    def _streams(self) -> Iterator[_Chunk]:
        width = max(6, len(str(self.n)))
        dates = [d.isoformat() + "T" for d in self.dates]
        campaigns = [_campaign(d) for d in self.dates]
        for lo in range(0, self.n, _CHUNK):
            yield self._stream_chunk(lo, min(self.n, lo + _CHUNK), width, dates, campaigns)

    def _stream_chunk(
        self, lo: int, hi: int, width: int, dates: list[str], campaigns: list[str | None]
    ) -> _Chunk:
        rng, profile, style, core = self.rng_detail, self.profile, self.style, self.core
        m = hi - lo
        uv = core.uv[lo:hi]
        buyers = core.buyers[lo:hi]
        orders = core.orders[lo:hi]
        gmv = core.gmv[lo:hi]
        duration = core.duration[lo:hi]
        mix = core.mix[lo:hi]
        # Traffic and funnel.
        uv_src = _floor(uv[:, None] * mix * rng.uniform(0.97, 1.0, (m, 1)))
        gmv_mix = mix * _CONVERSION
        gmv_mix /= gmv_mix.sum(axis=1, keepdims=True)
        gmv_src = _floor(gmv[:, None] * gmv_mix * rng.uniform(0.97, 1.0, (m, 1)))
        exposure = np.ceil(uv / rng.uniform(*style.entry_rate, m)).astype(np.int64)
        views = _floor(uv * rng.uniform(1.2, 2.2, m))
        watch_per = profile.watch_seconds * style.watch * rng.lognormal(0, 0.3, m)
        watch = np.minimum(_floor(uv * watch_per), uv * duration)
        peak = np.minimum(uv, _floor(uv * rng.uniform(0.02, 0.06, m)) + 1)
        first = _floor(uv * rng.uniform(0.03, 0.15, m))
        clicks = np.maximum(rng.binomial(uv, rng.uniform(0.08, 0.3, m) * 0.65), buyers)
        product_uv = np.maximum(rng.binomial(uv, rng.uniform(0.45, 0.85, m)), clicks)
        created = orders + rng.binomial(orders, rng.uniform(0.05, 0.25, m))
        refund = _floor(gmv * np.minimum(0.6, self.refund_rate * rng.lognormal(0, 0.3, m)))
        roi = profile.roi * rng.lognormal(0, 0.25, m)
        spend = np.where(
            gmv_src[:, _PAID] > 0, _floor(gmv_src[:, _PAID] / roi), uv_src[:, _PAID] * 50
        )
        comments = _floor(uv * rng.uniform(0.05, 0.2, m))
        likes = _floor(uv * rng.uniform(2.0, 8.0, m))
        shares = _floor(uv * rng.uniform(0.005, 0.02, m))
        follows = rng.binomial(uv, profile.follow_rate * rng.uniform(0.5, 1.5, m))
        joins = rng.binomial(uv, profile.fan_join_rate * rng.uniform(0.5, 1.5, m))
        reservations = _floor(uv * rng.uniform(*profile.reservation_rate, m))
        attendees = rng.binomial(reservations, rng.uniform(0.25, 0.6, m))
        preheat = rng.poisson(profile.preheat_videos + style.preheat, m)
        reach = profile.uv_median * self.scale / 20 * style.uv
        preheat_views = _floor(preheat * reach * rng.lognormal(0, 0.8, m))
        coupons = _floor(uv * rng.uniform(*profile.coupon_rate, m))
        used = rng.binomial(coupons, rng.uniform(0.1, 0.4, m))
        giveaways = rng.poisson(profile.giveaways, m)
        hosts = rng.integers(profile.hosts[0], profile.hosts[1] + 1, m)
        numbers = np.column_stack(
            (
                np.arange(lo + 1, hi + 1),
                core.account[lo:hi] + 1,
                duration,
                uv,
                watch,
                orders,
                buyers,
                gmv,
                exposure,
                views,
                peak,
                first,
                uv_src,
                gmv_src,
                comments,
                likes,
                shares,
                follows,
                joins,
                product_uv,
                clicks,
                created,
                refund,
                spend,
                reservations,
                attendees,
                preheat,
                preheat_views,
                coupons,
                used,
                giveaways,
                hosts,
            )
        ).astype(np.int64)
        products, offsets = self._stream_products(m, gmv, orders, product_uv)
        self._keep(
            spend=spend,
            paid_gmv=gmv_src[:, _PAID],
            paid_uv=uv_src[:, _PAID],
            follows=follows,
        )
        if self.with_orders:
            self._keep(refund=refund, gmv_src=gmv_src)
        has_plan, plan_numbers, plan_shares = self._plans(
            m, duration, spend, gmv, uv_src[:, _PAID] / np.maximum(uv, 1)
        )
        day = core.day[lo:hi].tolist()
        minute = core.minute[lo:hi].tolist()
        return _Chunk(
            numbers=numbers.ravel().tolist(),
            started=[dates[d] + _MINUTES[t] for d, t in zip(day, minute, strict=True)],
            products=products,
            offsets=offsets,
            has_plan=has_plan,
            plan_numbers=plan_numbers,
            plan_shares=plan_shares,
            campaigns=[campaigns[d] for d in day],
        )

    def _stream_products(
        self, m: int, gmv: IntArray, orders: IntArray, product_uv: IntArray
    ) -> tuple[list[int], list[int]]:
        """The products explained in ``m`` streams, flat (`_PRODUCT_WIDTH` numbers
        each), and each stream's offset into them."""
        rng, profile = self.rng_detail, self.profile
        n_catalog = len(self.product_ids)
        low, high = profile.products_per_stream
        count = rng.integers(min(low, n_catalog), min(high, n_catalog) + 1, m)
        # Weighted sampling without replacement (Efraimidis-Spirakis): the largest keys win.
        keys = rng.random((m, n_catalog)) ** (1 / _ROLE_PICK[self.roles])
        ranked = np.argsort(-keys, axis=1)[:, : int(count.max())]
        chosen = np.arange(ranked.shape[1]) < count[:, None]
        stream = np.repeat(np.arange(m), count)
        product = ranked[chosen]
        role = self.roles[product]
        weight = _ROLE_SHARE[role] * rng.gamma(2.0, 1.0, len(product))
        total = np.bincount(stream, weights=weight, minlength=m)
        coverage = rng.uniform(0.85, 0.98, m)  # the rest: items sold but not explained
        share = coverage[stream] * weight / total[stream]
        # Orders split by GMV share over price (cheap items sell more units), floored so
        # that products' orders (and GMV) add up to at most the stream's; a product that
        # sold no order has no GMV.
        units = share / self.price[product]
        units *= coverage[stream] / np.bincount(stream, weights=units, minlength=m)[stream]
        p_orders = _floor(orders[stream] * units)
        p_gmv = np.where(p_orders > 0, _floor(gmv[stream] * share), 0)
        explains = np.where(
            role == _ROLE_HERO, rng.integers(2, 7, len(product)), rng.integers(1, 4, len(product))
        )
        seconds = explains * rng.integers(90, 301, len(product))
        exposures = _floor(product_uv[stream] * rng.uniform(0.2, 0.9, len(product)))
        clicks = _floor(exposures * rng.uniform(0.05, 0.25, len(product)))
        numbers = np.column_stack(
            (product, explains, seconds, exposures, clicks, p_orders, p_gmv)
        ).astype(np.int64)
        if self.with_orders:
            self._keep(
                product_count=count, product=product, product_orders=p_orders, product_gmv=p_gmv
            )
        offsets: list[int] = np.r_[0, np.cumsum(count)].tolist()
        return numbers.ravel().tolist(), offsets

    def _keep(self, **columns: npt.NDArray[Any]) -> None:
        for name, values in columns.items():
            self.kept.setdefault(name, []).append(np.asarray(values, dtype=np.int64))

    def _kept(self, name: str) -> IntArray:
        parts = self.kept.get(name, [])
        if not parts:
            return np.zeros(0, dtype=np.int64)
        joined: IntArray = np.concatenate(parts)
        return joined

    def _plans(
        self, m: int, duration: IntArray, spend: IntArray, gmv: IntArray, paid_share: FloatArray
    ) -> tuple[list[bool], list[int], list[float]]:
        rng, profile = self.rng_detail, self.profile
        segments = profile.segments
        has_plan = rng.random(m) < profile.plan_share
        time_mean = np.array([s.time for s in segments])
        time_mean /= time_mean.sum()
        planned_total = duration * rng.uniform(0.9, 1.1, m)
        planned = _floor(planned_total[:, None] * rng.dirichlet(time_mean * 40, m) / 60) * 60
        actual = _floor(planned * rng.uniform(0.75, 1.25, planned.shape))
        spend_mean = np.array([s.spend for s in segments]) + 0.01
        spend_mean /= spend_mean.sum()
        spend_split = rng.dirichlet(spend_mean * 30, m)
        planned_spend = _floor(spend[:, None] * rng.uniform(0.8, 1.2, (m, 1)) * spend_split)
        actual_spend = _floor(spend[:, None] * rng.dirichlet(spend_mean * 30, m))
        target = _floor(gmv * rng.uniform(0.7, 1.4, m) / 10_000) * 10_000  # whole 100 CNY
        planned_paid = np.round(np.clip(paid_share * rng.uniform(0.8, 1.2, m), 0, 1), 4)
        # Per stream: planned and actual seconds, planned and actual spend of each segment,
        # then the GMV target.
        table = np.stack((planned, actual, planned_spend, actual_spend), axis=2).reshape(m, -1)
        table = np.column_stack((table, target)).astype(np.int64)
        return has_plan.tolist(), table.ravel().tolist(), planned_paid.tolist()

    # -- rendering: plain dicts (iter_records) or JSON text (write_jsonl), same content --

    def _stream_dicts(self, chunk: _Chunk) -> Iterator[Record]:
        bid, names = self.id, [s.name for s in self.profile.segments]
        ids, width = self.product_ids, len(_PRODUCT_KEYS)
        flat = chunk.products
        products = [
            {
                "product_id": ids[flat[k]],
                **dict(zip(_PRODUCT_KEYS, flat[k + 1 : k + 1 + width], strict=True)),
            }
            for k in range(0, len(flat), _PRODUCT_WIDTH)
        ]
        digits = max(6, len(str(self.n)))
        n_seg, seg_width = len(names), len(_SEGMENT_KEYS)
        plan_width = n_seg * seg_width + 1
        numbers, offsets, plan_numbers = chunk.numbers, chunk.offsets, chunk.plan_numbers
        for j, started in enumerate(chunk.started):
            row = numbers[j * _STREAM_WIDTH : (j + 1) * _STREAM_WIDTH]
            values = row[2:]
            record: Record = {
                "record": "stream",
                "brand_id": bid,
                "stream_id": f"{bid}-s{row[0]:0{digits}d}",
                "account_id": f"{bid}-a{row[1]}",
                "started_at": started,
                **dict(zip(_STREAM_KEYS_HEAD, values[:10], strict=True)),
                "uv_by_source": dict(zip(_SOURCE_KEYS, values[10:15], strict=True)),
                "gmv_by_source": dict(zip(_SOURCE_KEYS, values[15:20], strict=True)),
                **dict(zip(_STREAM_KEYS_TAIL, values[20:], strict=True)),
                "products": products[offsets[j] : offsets[j + 1]],
            }
            if chunk.has_plan[j]:
                plan = plan_numbers[j * plan_width : (j + 1) * plan_width]
                record["plan"] = {
                    "segments": [
                        {
                            "name": name,
                            **dict(
                                zip(
                                    _SEGMENT_KEYS,
                                    plan[k * seg_width : (k + 1) * seg_width],
                                    strict=True,
                                )
                            ),
                        }
                        for k, name in enumerate(names)
                    ],
                    "gmv_target_fen": plan[-1],
                    "planned_paid_uv_share": chunk.plan_shares[j],
                }
            campaign = chunk.campaigns[j]
            if campaign is not None:
                record["campaign"] = campaign
            yield record

    def _stream_lines(self, chunk: _Chunk) -> list[str]:
        """The same records as `_stream_dicts`, formatted directly with %-templates:
        byte for byte what the JSON encoder writes for them, several times faster."""
        digits = max(6, len(str(self.n)))
        head = (
            '{"record":"stream","brand_id":'
            + _json(self.id)
            + f',"stream_id":"{self.id}-s%0{digits}d","account_id":"{self.id}-a%d'
            + _STREAM_TEMPLATE
        )
        product = '{"product_id":"' + self.id.replace("%", "%%") + _PRODUCT_TEMPLATE
        plan = (
            ',"plan":{"segments":['
            + ",".join(
                '{"name":' + _json(s.name) + _SEGMENT_TEMPLATE for s in self.profile.segments
            )
            + '],"gmv_target_fen":%d,"planned_paid_uv_share":%r}'
        )
        templates: dict[tuple[int, bool, str | None], str] = {}

        def template(count: int, has_plan: bool, campaign: str | None) -> str:
            text = head + ",".join([product] * count) + "]"
            if has_plan:
                text += plan
            if campaign is not None:
                text += ',"campaign":' + _json(campaign)
            templates[count, has_plan, campaign] = text + "}"
            return text + "}"

        numbers, flat, offsets = chunk.numbers, chunk.products, chunk.offsets
        plan_numbers, plan_shares = chunk.plan_numbers, chunk.plan_shares
        plan_width = len(self.profile.segments) * len(_SEGMENT_KEYS) + 1
        lines: list[str] = []
        for j, (started, has_plan, campaign) in enumerate(
            zip(chunk.started, chunk.has_plan, chunk.campaigns, strict=True)
        ):
            base = j * _STREAM_WIDTH
            first, last = offsets[j], offsets[j + 1]
            key = (last - first, has_plan, campaign)
            text = templates.get(key) or template(*key)
            values = [
                numbers[base],
                numbers[base + 1],
                started,
                *numbers[base + 2 : base + _STREAM_WIDTH],
                *flat[first * _PRODUCT_WIDTH : last * _PRODUCT_WIDTH],
            ]
            if has_plan:
                values += plan_numbers[j * plan_width : (j + 1) * plan_width]
                values.append(plan_shares[j])
            lines.append(text % tuple(values))
        return lines

    def _collabs(self) -> list[Record]:
        rng, profile = self.rng, self.profile
        self_gmv = int(self.core.gmv.sum())
        share = self.talent_share
        total = self_gmv * share / (1 - share)
        count = max(1, round(_ui(rng, profile.talents) * self.stretch))
        big = min(_ui(rng, profile.big_talents), count)
        while big and total < big * 1.25 * _HUNDRED_W_FEN / 0.8:
            big -= 1  # not enough talent GMV for that many 100w+ talents
        big_gmv = rng.uniform(1.0, 1.5, big) * _HUNDRED_W_FEN
        rest = max(0.0, total - big_gmv.sum())
        small = count - big
        small_gmv = rest * rng.dirichlet(np.full(small, 1.5)) if small else np.zeros(0)
        gmv = _floor(np.r_[big_gmv, small_gmv])
        order = rng.permutation(count)
        gmv = gmv[order]
        commission = _floor(gmv * rng.uniform(0.1, 0.3, count))
        aov = self.aov_fen * 0.9 * rng.lognormal(0, 0.15, count)
        orders = np.where(gmv > 0, np.maximum(1, _floor(gmv / aov)), 0)
        buyers = np.maximum(_floor(orders / rng.uniform(1.02, 1.2, count)), np.minimum(orders, 1))
        followers = _floor(rng.lognormal(math.log(800_000 * self.scale), 1.0, count))
        followers = np.maximum(followers, max(1_000, round(10_000 * self.scale)))
        talent_streams = rng.integers(1, 6, count)
        reached = _floor(talent_streams * followers * rng.uniform(0.05, 0.3, count))
        new_followers = _floor(reached * rng.uniform(0.002, 0.01, count))
        first = rng.integers(0, self.window, count)
        length = rng.integers(0, 15, count)
        heroes = [j for j in range(len(self.product_ids)) if self.roles[j] != _ROLE_PROFIT]
        records: list[Record] = []
        width = max(2, len(str(count)))
        for j in range(count):
            started = self.dates[int(first[j])]
            ended = min(self.end, started + timedelta(days=int(length[j])))
            chosen = rng.choice(len(heroes), min(len(heroes), _ui(rng, (1, 4))), replace=False)
            names = _TALENT_NAMES
            nickname = names[0][int(rng.integers(len(names[0])))]
            nickname += names[1][int(rng.integers(len(names[1])))]
            talent = int(rng.integers(0, 16**8))
            records.append(
                {
                    "record": "talent_collab",
                    "brand_id": self.id,
                    "collab_id": f"{self.id}-c{j + 1:0{width}d}",
                    "talent_id": f"t_{talent:08x}",
                    "talent_name": f"{nickname}{j + 1}",
                    "platform": self.spec.platform.value,
                    "talent_followers": int(followers[j]),
                    "started_on": started.isoformat(),
                    "ended_on": ended.isoformat(),
                    "streams": int(talent_streams[j]),
                    "gmv_fen": int(gmv[j]),
                    "commission_fen": int(commission[j]),
                    "orders": int(orders[j]),
                    "buyers": int(buyers[j]),
                    "audience_reached": int(reached[j]),
                    "new_followers_for_brand": int(new_followers[j]),
                    "product_ids": [self.product_ids[heroes[int(k)]] for k in sorted(chosen)],
                    "audience": _audience(rng, self.spec.platform, self.category.female),
                }
            )
        return records

    # -- order details -----------------------------------------------------------------

    def _order_columns(self, collabs: list[Record]) -> _Orders:
        """Every order of the brand's streams and talent collaborations (module doc)."""
        rng, core = self.rng_orders, self.core
        c_orders = np.array([c["orders"] for c in collabs], dtype=np.int64)
        c_buyers = np.array([c["buyers"] for c in collabs], dtype=np.int64)
        buyers = np.r_[core.buyers, c_buyers]
        orders = np.r_[core.orders, c_orders]
        slots = int(buyers.sum())
        if slots == 0:
            return _Orders([], [], [], [], [], [], [], [], [], [])
        channels = len(buyers)
        # A slot is one buyer of one channel (a stream, then a collaboration); channel c
        # holds slots [first[c], first[c] + buyers[c]).  The orders beyond a channel's
        # buyers go to its buyers at random: a buyer may order twice in one stream.
        first = np.cumsum(buyers) - buyers
        extra = orders - buyers
        extra_channel = np.repeat(np.arange(channels), extra)
        extra_slot = first[extra_channel] + _floor(
            rng.random(len(extra_channel)) * buyers[extra_channel]
        )
        per_slot = 1 + np.bincount(extra_slot, minlength=slots)
        slot_channel, slot_buyer, distinct = self._buyers(buyers, per_slot)
        slot_source = self._slot_sources(buyers, first, slot_channel, slot_buyer)
        # Orders, grouped by channel (a channel's orders are contiguous, in channel order).
        order_slot = np.repeat(np.arange(slots), per_slot)
        channel = slot_channel[order_slot]
        buyer = slot_buyer[order_slot]
        source = slot_source[order_slot]
        product, group, totals = self._order_products(channel, orders, collabs)
        quantity = rng.choice(3, len(channel), p=[0.8, 0.15, 0.05]) + 1
        price = np.where(product >= 0, self.price[np.maximum(product, 0)], int(self.aov_fen))
        weight = quantity * price * rng.uniform(0.85, 1.0, len(channel))
        amount = _split(totals, group, weight)
        refunded = self._refunds(channel, amount, orders)
        placed = self._order_times(channel, collabs)
        order = np.lexsort((rng.random(len(channel)), channel, placed))
        member = self._members(channel[order], buyer[order], amount[order], refunded[order])
        return self._order_table(
            placed=placed[order],
            buyer=self._buyer_keys(distinct)[buyer[order]],
            amount=amount[order],
            quantity=quantity[order],
            product=product[order],
            channel=channel[order],
            refunded=refunded[order],
            source=source[order],
            member=member,
            collabs=collabs,
        )

    def _buyers(self, buyers: IntArray, per_slot: IntArray) -> tuple[IntArray, IntArray, int]:
        """Who each slot's buyer is, so that the share of distinct buyers with two or more
        orders comes near the brand's repurchase rate: repeat buyers take slots in several
        channels (at most one in each), weighted by the channels' buyers; the others are
        new.  Returns each slot's channel and buyer (slots in channel order, a channel's
        repeat buyers first) and the number of distinct buyers."""
        rng, slots, channels = self.rng_orders, len(per_slot), len(buyers)
        within = np.count_nonzero(per_slot >= 2) / slots
        # Refunded in full, an order is no purchase: aim a little higher to land on the rate.
        target = min(0.95, self.repurchase / (1 - self.refund_rate) ** 1.5)
        share = _repeat_share(target, within)
        mean = self.profile.repeat_channels
        distinct = max(1, round(slots / (1 - share + share * mean)))
        repeaters = max(0, min(round(share * distinct), slots - distinct))
        singles = distinct - repeaters
        if repeaters:
            weights = rng.exponential(1.0, repeaters)
            more = rng.multinomial(slots - singles - 2 * repeaters, weights / weights.sum())
            taken = np.minimum(2 + more, channels)
            rep = np.repeat(np.arange(repeaters), taken)
            cumulative = np.cumsum(buyers) / slots
            chan = np.searchsorted(cumulative, rng.random(len(rep)), side="right")
            chan = np.minimum(chan, channels - 1)
            # At most one slot of a buyer in a channel, and no more than its buyers.
            _, once = np.unique(rep * channels + chan, return_index=True)
            rep, chan = rep[once], chan[once]
            by_channel = np.lexsort((rng.random(len(chan)), chan))
            rep, chan = rep[by_channel], chan[by_channel]
            rank = np.arange(len(chan)) - np.searchsorted(chan, chan)
            fits = rank < buyers[chan]
            rep, chan = rep[fits], chan[fits]
            kept, rep = np.unique(rep, return_inverse=True)
            known = len(kept)
        else:
            rep = chan = np.zeros(0, dtype=np.int64)
            known = 0
        fresh = buyers - np.bincount(chan, minlength=channels)
        slot_channel = np.r_[chan, np.repeat(np.arange(channels), fresh)]
        slot_buyer = np.r_[rep, known + np.arange(int(fresh.sum()))]
        several = np.bincount(slot_buyer)[slot_buyer] >= 2
        order = np.lexsort((rng.random(slots), ~several, slot_channel))
        return slot_channel[order], slot_buyer[order], known + int(fresh.sum())

    def _slot_sources(
        self, buyers: IntArray, first: IntArray, slot_channel: IntArray, slot_buyer: IntArray
    ) -> IntArray:
        """Each slot's traffic source (an index into the sources; ``len`` of them for
        unattributed): a stream's buyers split by its GMV split by source, repeat buyers
        first (they come back through the follow page, private domain, first); a talent's
        buyers come through the talent."""
        n = self.n
        source = np.full(len(slot_channel), _SOURCES.index(TrafficSource.TALENT), dtype=np.int64)
        gmv_src = self._kept("gmv_src").reshape(n, len(_SOURCES))
        gmv = np.maximum(self.core.gmv, 1)
        bounds = _floor(buyers[:n, None] * np.cumsum(gmv_src, axis=1) / gmv[:, None])
        streams = slot_channel < n
        chan = slot_channel[streams]
        rank = np.arange(len(slot_channel))[streams] - first[chan]
        source[streams] = (bounds[chan] <= rank[:, None]).sum(axis=1)
        return source

    def _order_products(
        self, channel: IntArray, orders: IntArray, collabs: list[Record]
    ) -> tuple[IntArray, IntArray, IntArray]:
        """Each order's product (a catalogue index, -1 for none), amount group, and each
        group's total: a stream's explained products take their ``orders`` and ``gmv_fen``,
        its other orders share the rest among products it did not explain; a talent's orders
        share its GMV among the products it carried."""
        rng, n, core = self.rng_orders, self.n, self.core
        count, entry_product = self._kept("product_count"), self._kept("product")
        entry_orders, entry_gmv = self._kept("product_orders"), self._kept("product_gmv")
        entries, n_catalog = len(entry_product), len(self.product_ids)
        entry_stream = np.repeat(np.arange(n), count)
        explained = np.bincount(entry_stream, weights=entry_orders, minlength=n).astype(np.int64)
        other = core.orders - explained
        stream_of = np.r_[np.repeat(entry_stream, entry_orders), np.repeat(np.arange(n), other)]
        entry_of = np.r_[np.repeat(np.arange(entries), entry_orders), np.full(int(other.sum()), -1)]
        shuffled = np.lexsort((rng.random(len(stream_of)), stream_of))
        entry = entry_of[shuffled]  # the streams' orders, stream by stream
        in_stream = len(entry)
        product = np.full(len(channel), -1, dtype=np.int64)
        group = np.empty(len(channel), dtype=np.int64)
        has_entry = entry >= 0
        product[:in_stream][has_entry] = entry_product[entry[has_entry]]
        group[:in_stream] = np.where(has_entry, entry, entries + channel[:in_stream])
        # Orders of products a stream did not explain: one it did not, by role weight.
        shown = np.zeros((n, n_catalog), dtype=bool)
        shown[entry_stream, entry_product] = True
        rest = np.flatnonzero(~has_entry)
        rest_stream = channel[rest]
        pick = _ROLE_PICK[self.roles] / _ROLE_PICK[self.roles].sum()
        choice = np.full(len(rest), -1, dtype=np.int64)
        pending = np.arange(len(rest))
        for _ in range(4):
            drawn = rng.choice(n_catalog, len(pending), p=pick)
            free = ~shown[rest_stream[pending], drawn]
            choice[pending[free]] = drawn[free]
            pending = pending[~free]
            if not len(pending):
                break
        if len(pending):  # every draw was explained: the first product it did not explain
            unshown = ~shown[rest_stream[pending]]
            choice[pending] = np.where(unshown.any(axis=1), unshown.argmax(axis=1), -1)
        product[rest] = choice
        # Talents' orders: one of the products each carried.
        c_index = channel[in_stream:] - n
        carried = [
            [self.product_ids.index(pid) for pid in c["product_ids"]] or [-1] for c in collabs
        ]
        sizes = np.array([len(c) for c in carried], dtype=np.int64)
        flat = np.array([j for c in carried for j in c], dtype=np.int64)
        offsets = np.cumsum(sizes) - sizes
        product[in_stream:] = flat[
            offsets[c_index] + _floor(rng.random(len(c_index)) * sizes[c_index])
        ]
        group[in_stream:] = entries + channel[in_stream:]
        c_gmv = np.array([c["gmv_fen"] for c in collabs], dtype=np.int64)
        other_gmv = core.gmv - np.bincount(entry_stream, weights=entry_gmv, minlength=n).astype(
            np.int64
        )
        totals = np.r_[entry_gmv, other_gmv, c_gmv]
        return product, group, totals

    def _refunds(self, channel: IntArray, amount: IntArray, orders: IntArray) -> IntArray:
        """Refunds: a stream's add up to its ``refund_fen`` (orders refunded in full in a
        random order, then one in part); a talent's orders are refunded in full at the
        brand's refund rate."""
        rng, n = self.rng_orders, self.n
        refunded = np.zeros(len(channel), dtype=np.int64)
        in_stream = int(orders[:n].sum())
        if in_stream:
            refund = self._kept("refund")
            chan = channel[:in_stream]
            order = np.lexsort((rng.random(in_stream), chan))
            shuffled = amount[:in_stream][order]
            running = np.cumsum(shuffled)
            start = np.cumsum(orders[:n]) - orders[:n]
            before = running - shuffled
            before -= np.r_[0, running][start[chan[order]]]
            part = np.clip(refund[chan[order]] - before, 0, shuffled)
            refunded[order] = part
        talent = rng.random(len(channel) - in_stream) < self.refund_rate
        refunded[in_stream:] = np.where(talent, amount[in_stream:], 0)
        return refunded

    def _order_times(self, channel: IntArray, collabs: list[Record]) -> IntArray:
        """When each order was placed, in seconds from the window's first midnight: during
        its stream, or on an evening of its collaboration."""
        rng, core, n = self.rng_orders, self.core, self.n
        placed = np.empty(len(channel), dtype=np.int64)
        streams = channel < n
        chan = channel[streams]
        begin = core.day[chan] * 86_400 + core.minute[chan] * 60
        placed[streams] = begin + _floor(rng.random(len(chan)) * core.duration[chan])
        c_first = np.array(
            [(date.fromisoformat(c["started_on"]) - self.start).days for c in collabs],
            dtype=np.int64,
        )
        c_span = (
            np.array(
                [(date.fromisoformat(c["ended_on"]) - self.start).days + 1 for c in collabs],
                dtype=np.int64,
            )
            - c_first
        )
        talent = channel[~streams] - n
        day = c_first[talent] + _floor(rng.random(len(talent)) * c_span[talent])
        placed[~streams] = day * 86_400 + 19 * 3_600 + _floor(rng.random(len(talent)) * 5 * 3_600)
        return placed

    def _members(
        self, channel: IntArray, buyer: IntArray, amount: IntArray, refunded: IntArray
    ) -> IntArray:
        """Fan-group membership of each order (1 member, 0 not, -1 unknown: a talent's
        order).  On an account with a fan group, ``member_buyers`` of its buyers are
        members, ``member_repeat_buyers`` of them with two or more paid orders there, as far
        as its buyers allow."""
        rng, n = self.rng_orders, self.n
        member = np.where(channel < n, 0, -1)
        account = np.where(channel < n, self.core.account[np.minimum(channel, n - 1)], -1)
        paid = (amount > 0) & (refunded < amount)
        for a, (wanted, wanted_repeat) in sorted(self.fan_targets.items()):
            mine = account == a
            if not mine.any():
                continue
            people, counts = np.unique(buyer[mine], return_inverse=True)
            paid_orders = np.bincount(counts, weights=paid[mine], minlength=len(people))
            repeat = people[paid_orders >= 2]
            once = people[paid_orders == 1]
            chosen = rng.choice(repeat, min(wanted_repeat, wanted, len(repeat)), replace=False)
            rest = min(wanted - len(chosen), len(once))
            chosen = np.r_[chosen, rng.choice(once, rest, replace=False)]
            member[mine] = np.isin(buyer[mine], chosen)
        return member

    def _buyer_keys(self, count: int) -> npt.NDArray[np.str_]:
        """``count`` distinct pseudonymous buyer keys (``u_`` and 12 hex digits)."""
        rng = self.rng_orders
        keys = rng.integers(0, 2**48, count)
        while True:
            _, once = np.unique(keys, return_index=True)
            if len(once) == count:
                break
            again = np.setdiff1d(np.arange(count), once)
            keys[again] = rng.integers(0, 2**48, len(again))
        return np.array([f"u_{key:012x}" for key in keys.tolist()])

    def _order_table(
        self,
        *,
        placed: IntArray,
        buyer: npt.NDArray[np.str_],
        amount: IntArray,
        quantity: IntArray,
        product: IntArray,
        channel: IntArray,
        refunded: IntArray,
        source: IntArray,
        member: IntArray,
        collabs: list[Record],
    ) -> _Orders:
        """The columns as the records' values, each order's references kept only where the
        section they name is held."""
        held, n = self.sections, self.n
        day, second = np.divmod(placed, 86_400)
        days = [
            (self.start + timedelta(days=d)).isoformat() + "T" for d in range(int(day.max()) + 1)
        ]
        clock = _clock()
        placed_text = [
            days[d] + clock[s] for d, s in zip(day.tolist(), second.tolist(), strict=True)
        ]
        digits = max(6, len(str(n)))
        streams = [f"{self.id}-s{s + 1:0{digits}d}" for s in range(n)]
        channels = channel.tolist()
        if Section.STREAMS in held:
            stream_ids = [streams[c] if c < n else None for c in channels]
        else:
            stream_ids = [None] * len(channels)
        if Section.TALENT_COLLABS in held:
            ids = [c["collab_id"] for c in collabs]
            collab_ids = [ids[c - n] if c >= n else None for c in channels]
        else:
            collab_ids = [None] * len(channels)
        if Section.PRODUCTS in held:
            pids = self.product_ids
            products = [pids[j] if j >= 0 else None for j in product.tolist()]
        else:
            products = [None] * len(channels)
        values = [*_SOURCE_KEYS, None]
        return _Orders(
            placed=placed_text,
            buyer=buyer.tolist(),
            amount=amount.tolist(),
            quantity=quantity.tolist(),
            product=products,
            stream=stream_ids,
            collab=collab_ids,
            refunded=refunded.tolist(),
            source=[values[j] for j in source.tolist()],
            member=[None if m < 0 else m == 1 for m in member.tolist()],
        )

    def _order_ids(self, count: int) -> list[str]:
        width = max(6, len(str(count)))
        return [f"{self.id}-o{j + 1:0{width}d}" for j in range(count)]

    def _order_dicts(self, columns: _Orders) -> Iterator[Record]:
        for j, oid in enumerate(self._order_ids(len(columns.placed))):
            record: Record = {
                "record": "order",
                "brand_id": self.id,
                "order_id": oid,
                "buyer_key": columns.buyer[j],
                "placed_at": columns.placed[j],
                "amount_fen": columns.amount[j],
                "quantity": columns.quantity[j],
            }
            if columns.product[j] is not None:
                record["product_id"] = columns.product[j]
            if columns.stream[j] is not None:
                record["stream_id"] = columns.stream[j]
            if columns.collab[j] is not None:
                record["collab_id"] = columns.collab[j]
            record["refunded_fen"] = columns.refunded[j]
            if columns.source[j] is not None:
                record["traffic_source"] = columns.source[j]
            if columns.member[j] is not None:
                record["fan_group_member"] = columns.member[j]
            yield record

    def _order_lines(self, columns: _Orders, lo: int, hi: int) -> list[str]:
        """Orders ``lo`` to ``hi`` as `_order_dicts` renders them, formatted directly
        (ids and keys are ASCII letters, digits and hyphens: nothing to escape)."""
        head = '{"record":"order","brand_id":' + _json(self.id)
        head += ',"order_id":"%s","buyer_key":"%s","placed_at":"%s","amount_fen":%d,"quantity":%d'
        templates: dict[tuple[bool, bool, bool, bool, bool | None], str] = {}
        ids = self._order_ids(len(columns.placed))
        lines: list[str] = []
        for j in range(lo, hi):
            product, stream, collab = columns.product[j], columns.stream[j], columns.collab[j]
            source, member = columns.source[j], columns.member[j]
            key = (
                product is not None,
                stream is not None,
                collab is not None,
                source is not None,
                member,
            )
            text = templates.get(key)
            if text is None:
                text = head
                text += ',"product_id":"%s"' if key[0] else ""
                text += ',"stream_id":"%s"' if key[1] else ""
                text += ',"collab_id":"%s"' if key[2] else ""
                text += ',"refunded_fen":%d'
                text += ',"traffic_source":"%s"' if key[3] else ""
                if member is not None:
                    text += ',"fan_group_member":' + ("true" if member else "false")
                templates[key] = text = text + "}"
            values: list[object] = [
                ids[j],
                columns.buyer[j],
                columns.placed[j],
                columns.amount[j],
                columns.quantity[j],
            ]
            values += [v for v in (product, stream, collab) if v is not None]
            values.append(columns.refunded[j])
            if source is not None:
                values.append(source)
            lines.append(text % tuple(values))
        return lines

    # -- paid campaigns ----------------------------------------------------------------

    def _paid_campaigns(self) -> Iterator[Record]:
        """One campaign a streaming day with paid spend: it spends what the day's streams'
        ``paid_spend_fen`` add up to and is credited with their ``gmv_by_source[paid]``;
        it names the stream (and its account) when the day had one."""
        rng, core = self.rng_campaigns, self.core
        spend = self._kept("spend")
        bought = np.flatnonzero(spend > 0)
        if not len(bought):
            return
        days, index = np.unique(core.day[bought], return_inverse=True)

        def total(values: IntArray) -> list[int]:
            summed: list[int] = np.bincount(index, weights=values[bought]).astype(np.int64).tolist()
            return summed

        paid_gmv, paid_uv = self._kept("paid_gmv"), self._kept("paid_uv")
        gmv = np.maximum(core.gmv, 1)
        uv = np.maximum(core.uv, 1)
        orders = _floor(core.orders * paid_gmv / gmv)
        followers = _floor(self._kept("follows") * paid_uv / uv)
        streams = np.bincount(index)
        single = np.full(len(days), -1, dtype=np.int64)
        single[index] = bought  # the day's stream, when it had one
        clicks = total(paid_uv)
        rate = rng.uniform(0.01, 0.04, len(days))
        impressions = np.ceil(np.asarray(clicks) / rate).astype(np.int64).tolist()
        ad = "磁力金牛" if self.spec.platform is Platform.KUAISHOU else "巨量千川"
        digits = max(6, len(str(self.n)))
        width = max(3, len(str(len(days))))
        for j, (day, spent, credited, sold, reached, followed) in enumerate(
            zip(
                days.tolist(),
                total(spend),
                total(paid_gmv),
                total(orders),
                impressions,
                total(followers),
                strict=True,
            )
        ):
            on = self.dates[day]
            record: Record = {
                "record": "paid_campaign",
                "brand_id": self.id,
                "campaign_id": f"{self.id}-pc{j + 1:0{width}d}",
                "started_on": on.isoformat(),
                "ended_on": on.isoformat(),
                "spend_fen": spent,
                "gmv_fen": credited,
                "orders": sold,
                "impressions": max(reached, clicks[j]),
                "clicks": clicks[j],
                "new_followers": followed,
            }
            if streams[j] == 1:
                s = int(single[j])
                record["account_id"] = self.account_ids[int(core.account[s])]
                record["stream_id"] = f"{self.id}-s{s + 1:0{digits}d}"
            record["name"] = f"{ad}·直播推广 {on.month:02d}-{on.day:02d}"
            yield record

    def _trust_signals(self) -> Iterator[Record]:
        rng, stage, platform = self.rng, self.spec.stage, self.spec.platform
        observed = self.end.isoformat()
        mature = stage is LifecycleStage.MATURE
        launch = stage is LifecycleStage.LAUNCH
        signals: list[tuple[TrustSignalKind, float]] = []
        if platform is Platform.KUAISHOU:
            # Trust-buy (信任购) launched in November 2021: nobody is enrolled before.
            enrolled = not launch and self.end >= _TRUST_BUY_LAUNCH
            signals.append((TrustSignalKind.TRUST_BUY, 1.0 if enrolled else 0.0))
            if self.spec.category == "jewellery":
                signals.append((TrustSignalKind.JEWELLERY_APPRAISAL, 1.0))
            if mature:
                signals.append((TrustSignalKind.TRUST_CARD, 1.0))
        signals.append((TrustSignalKind.REFUND_WITHOUT_RETURN, 0.0 if launch else 1.0))
        signals.append((TrustSignalKind.IP_PROTECTION, 1.0))
        signals.append(
            (TrustSignalKind.STORE_EXPERIENCE_SCORE, round(_u(rng, self.profile.experience), 1))
        )
        signals.append((TrustSignalKind.COMPLAINT_RATE, round(_u(rng, (0.001, 0.01)), 4)))
        signals.append((TrustSignalKind.REFUND_RATE, round(self.refund_rate, 4)))
        signals.append((TrustSignalKind.NEGATIVE_REVIEW_RATE, round(_u(rng, (0.005, 0.03)), 4)))
        signals.append((TrustSignalKind.ON_TIME_SHIPPING_RATE, round(_u(rng, (0.9, 0.995)), 4)))
        for kind, value in signals:
            yield {
                "record": "trust_signal",
                "brand_id": self.id,
                "kind": kind.value,
                "value": value,
                "observed_on": observed,
                "source": "synthetic",
            }

    def _short_videos(self) -> _Videos:
        rng = self.rng_videos
        rate = self.profile.videos_per_week * self.style.videos / 7
        count = int(rng.poisson(rate * self.window * self.n_accounts))
        day = np.sort(rng.integers(0, self.window, count))
        minute = rng.integers(9 * 60, 23 * 60, count)
        account = rng.integers(0, self.n_accounts, count)
        median = 5_000 * self.scale * self.style.uv * self.style.videos
        views = _floor(rng.lognormal(math.log(median), 1.2, count))
        likes = rng.binomial(views, rng.uniform(0.01, 0.05, count))
        width = max(4, len(str(count)))
        dates = [d.isoformat() + "T" for d in self.dates]
        prefix, ids = f"{self.id}-v", self.account_ids
        return _Videos(
            [
                (f"{prefix}{j + 1:0{width}d}", ids[a], dates[d] + _MINUTES[mi], v, lk)
                for j, (d, mi, a, v, lk) in enumerate(
                    zip(
                        day.tolist(),
                        minute.tolist(),
                        account.tolist(),
                        views.tolist(),
                        likes.tolist(),
                        strict=True,
                    )
                )
            ]
        )


def _campaign(day: date) -> str | None:
    for month, first, last, label in _CAMPAIGNS:
        if day.month == month and first <= day.day <= last:
            return label
    return None


def _options(  # noqa: PLR0917 - the three entry points pass their arguments on as they are
    brands: int,
    seed: int,
    streams_per_brand: int | None,
    start: date,
    days: int,
    orders: bool,
    scale: float,
    shape: str | None,
    sections: Iterable[Section | str] | None,
) -> _Options:
    """The arguments checked (`ValueError` names the first bad one) and resolved."""
    if brands < 0:
        raise ValueError(f"brands must be >= 0, got {brands}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    if streams_per_brand is not None and streams_per_brand < 1:
        raise ValueError(f"streams_per_brand must be >= 1, got {streams_per_brand}")
    if days < 1:
        raise ValueError(f"days must be >= 1, got {days}")
    if not (isinstance(scale, int | float) and 0 < scale <= MAX_SCALE):
        raise ValueError(f"scale must be > 0 and <= {MAX_SCALE:g}, got {scale!r}")
    if start > date.max - timedelta(days=max(days, MAX_WINDOW_DAYS) + 1500):
        raise ValueError(f"start {start} is too late")
    held, chosen = _sections_of(shape, sections, orders)
    return _Options(seed, streams_per_brand, start, days, held, chosen, float(scale))


def iter_records(
    brands: int = 3,
    seed: int = 0,
    *,
    streams_per_brand: int | None = None,
    start: date = date(2021, 8, 1),
    days: int = 61,
    orders: bool = True,
    scale: float = 1.0,
    shape: str | None = None,
    sections: Iterable[Section | str] | None = None,
) -> Iterator[Record]:
    """The JSON Lines records of a synthetic dataset (header first), as plain dicts.

    The same data as `generate` with the same arguments, without building model
    objects: memory stays bounded by one brand's per-stream arrays (and its orders, when
    they are generated), whatever the size.  Bad arguments raise `ValueError` at
    the call, not at the first record.
    """
    options = _options(brands, seed, streams_per_brand, start, days, orders, scale, shape, sections)

    def records() -> Iterator[Record]:
        yield {"record": "header", "schema_version": _SCHEMA_VERSION}
        for index in range(brands):
            yield from _Brand(index, options).records()

    return records()


def generate(
    brands: int = 3,
    seed: int = 0,
    *,
    streams_per_brand: int | None = None,
    start: date = date(2021, 8, 1),
    days: int = 61,
    orders: bool = True,
    scale: float = 1.0,
    shape: str | None = None,
    sections: Iterable[Section | str] | None = None,
) -> Dataset:
    """A seeded synthetic `Dataset` of ``brands`` brands.

    Brand ``i`` is described by `brand_spec`.  By default each brand streams at its
    stage's cadence over ``days`` days from ``start`` (about 14, 39 and 57 streams for the
    launch, growth and mature brands over 61 days); ``streams_per_brand`` fixes the count.

    ``orders=False`` leaves out the order details (which are complete: see the module doc,
    and mind their number).  ``scale`` multiplies every brand's audience (viewers,
    followers, talents' and videos' reach), and so its orders, GMV and talent GMV: ``1`` is
    a small merchant of its stage, ``20`` a large brand.  ``sections`` keeps
    only the sections named (`Section` members or values);
    ``shape`` makes a dataset shaped like one back-office export (see `SHAPES`).
    Either way the brands' ``coverage`` lists what they hold.

    The same arguments give the same data, equal to loading what `write_jsonl`
    writes.
    """
    from steps.io.converter import structure
    from steps.io.files import RECORD_FIELDS

    options = _options(brands, seed, streams_per_brand, start, days, orders, scale, shape, sections)
    built: list[Brand] = []
    for index in range(brands):
        brand = _Brand(index, options)
        body: Record = {}
        columns: _Orders | None = None
        for part in brand.model_parts():
            if isinstance(part, _Orders):
                columns = part
                continue
            kind = part.pop("record")
            if kind == "brand":
                body = part
            else:
                del part["brand_id"]
                body.setdefault(RECORD_FIELDS[kind], []).append(part)
        if columns is None:
            built.append(structure(body, Brand))
        else:
            # Orders are built directly (they are most of the records): the brand is checked
            # once with them, the orders each on construction.
            body["orders"] = []
            empty = structure(body, Brand)
            built.append(attrs.evolve(empty, orders=brand.order_objects(columns)))
    return Dataset(brands=tuple(built))


def write_jsonl(
    path: str | os.PathLike[str],
    brands: int = 3,
    seed: int = 0,
    *,
    streams_per_brand: int | None = None,
    start: date = date(2021, 8, 1),
    days: int = 61,
    orders: bool = True,
    scale: float = 1.0,
    shape: str | None = None,
    sections: Iterable[Section | str] | None = None,
) -> dict[str, int]:
    """Write the records of `iter_records` to a JSON Lines file, atomically.

    Streams, orders and short videos are formatted straight from the generator's columns
    (byte for byte what `json` writes for the records), and a second thread writes
    while the next lines are made, so a million streams take well under a minute of CPU.
    Lines are pure ASCII (Chinese text as ``\\uXXXX`` escapes, which readers decode to the
    same strings): the text then takes the fast paths of joining and encoding.

    The file is about 2 KB a stream without orders, so more than about 900,000 streams
    exceed the loader's `MAX_FILE_BYTES`; such files are for
    streaming readers and benchmarks (write them with ``orders=False``: complete order
    details add about 250 bytes an order, and a default brand sells hundreds to thousands
    of orders a stream).

    Returns the number of records written by kind (``{"brand": 3, "stream": 106, ...}``).
    """
    from steps.io.files import atomic_writer

    options = _options(brands, seed, streams_per_brand, start, days, orders, scale, shape, sections)
    counts: dict[str, int] = {}
    header = _ENCODE({"record": "header", "schema_version": _SCHEMA_VERSION}) + "\n"
    texts = (
        text for index in range(brands) for text in _brand_texts(_Brand(index, options), counts)
    )
    with atomic_writer(path) as stream:
        stream.write(header)
        _write_behind(stream, texts)
    return counts


_ENCODE: Final = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), allow_nan=False).encode


def _brand_texts(brand: _Brand, counts: dict[str, int]) -> Iterator[str]:
    """The brand as JSON Lines text, in batches of a few thousand lines; counts the
    records by kind into ``counts``."""
    batch: list[str] = []
    for kind, lines in brand.lines(_ENCODE):
        counts[kind] = counts.get(kind, 0) + len(lines)
        batch.extend(lines)
        if len(batch) >= 4096:
            batch.append("")
            yield "\n".join(batch)
            batch.clear()
    if batch:
        batch.append("")
        yield "\n".join(batch)


def _write_behind(stream: IO[str], texts: Iterator[str]) -> None:
    """Write ``texts`` to ``stream`` from a second thread, so that the disk works (without
    the GIL) while the next text is generated.  A failure on either side stops both and
    is raised here."""
    queue: Queue[str | None] = Queue(maxsize=4)
    failures: list[BaseException] = []

    def drain() -> None:
        try:
            while (text := queue.get()) is not None:
                stream.write(text)
        except BaseException as error:  # re-raised by the producer below
            failures.append(error)
            while queue.get() is not None:
                pass

    writer = threading.Thread(target=drain, name="steps-sample-writer", daemon=True)
    writer.start()
    try:
        for text in texts:
            if failures:
                break
            queue.put(text)
    finally:
        queue.put(None)
        writer.join()
    if failures:
        raise failures[0]


@functools.cache
def sample_dataset() -> Dataset:
    """The bundled sample (``steps/data/sample.json``): ``generate(brands=3, seed=2021)``.

    Regenerate it with ``steps sample --brands 3 --seed 2021 -o steps/data/sample.json``.
    """
    from importlib.resources import files

    from steps.io.files import loads

    resource = files("steps") / "data" / "sample.json"
    return loads(resource.read_bytes(), source="steps/data/sample.json")
