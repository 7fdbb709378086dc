"""Stream builders and strategies shared by the GMV identity, attribution and CLI tests."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import attrs
from hypothesis import strategies as st

from steps.domain.enums import Platform, TrafficSource
from steps.domain.model import Account, Brand, Dataset, Order, ShortVideo, Stream

CST = timezone(timedelta(hours=8))
#: Codes a Chinese text may carry as they are: the metrics' and methodologies' names, and
#: the STEPS pillars' letters.
CODES = frozenset({"GMV", "UV", "ROI", "GPM", "STEPS", "STAGE", "FACT", "SS"})


def english_words(text: str, dataset: Dataset) -> list[str]:
    """Latin words of ``text`` once the dataset's ids and names and the allowed codes are
    taken out: what a Chinese reader would find in English."""
    ids: set[str] = set()
    for brand in dataset.brands:
        ids |= {brand.brand_id, brand.name}
        ids |= {a.account_id for a in brand.accounts} | {a.name for a in brand.accounts}
        ids |= {s.stream_id for s in brand.streams}
        ids |= {p.product_id for p in brand.products} | {p.name for p in brand.products}
        ids |= {c.talent_name for c in brand.talent_collabs}
    for name in sorted(ids, key=len, reverse=True):
        text = text.replace(name, " ")
    return [w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in CODES]


#: The five-factor case of tests/gmv/test_decompose.py and docs/gmv.md, as one stream per
#: period: UV, watch minutes, buyers, orders, GMV in yuan.
FIVE_BEFORE = (1000, 5000, 100, 110, 11_000)
FIVE_AFTER = (1200, 7200, 180, 216, 19_440)
#: Its factor values (AOV in fen) and the additive LMDI contributions in fen.
FIVE_X0 = (1000.0, 5.0, 0.02, 1.1, 10_000.0)
FIVE_X1 = (1200.0, 6.0, 0.025, 1.2, 9_000.0)


def make_stream(
    stream_id: str,
    *,
    account: str = "a1",
    day: date = date(2021, 8, 1),
    uv: int = 1000,
    watch_minutes: int = 5000,
    buyers: int = 100,
    orders: int = 110,
    gmv_yuan: int = 11_000,
    **fields: Any,
) -> Stream:
    """A valid stream started at 20:00 China time on ``day``; money given in yuan."""
    duration = max(3600, -(-watch_minutes * 60 // max(uv, 1)))
    return Stream(
        stream_id=stream_id,
        account_id=account,
        started_at=datetime.combine(day, time(20), CST),
        duration_seconds=duration,
        uv=uv,
        watch_seconds=watch_minutes * 60,
        buyers=buyers,
        orders=orders,
        gmv_fen=gmv_yuan * 100,
        **fields,
    )


def make_video(
    video_id: str, account: str = "a1", views: int | None = 500, *, day: date = date(2021, 8, 1)
) -> ShortVideo:
    """A short video posted at noon China time on ``day``."""
    return ShortVideo(
        video_id=video_id,
        account_id=account,
        posted_at=datetime.combine(day, time(12), CST),
        views=views,
    )


def five_factor_streams() -> tuple[list[Stream], list[Stream]]:
    """The worked example: one stream in August, one in September, with UV by source."""
    uv0, w0, b0, o0, g0 = FIVE_BEFORE
    uv1, w1, b1, o1, g1 = FIVE_AFTER
    before = make_stream(
        "aug", day=date(2021, 8, 10), uv=uv0, watch_minutes=w0, buyers=b0, orders=o0,
        gmv_yuan=g0,
        uv_by_source={
            TrafficSource.PRIVATE: 500, TrafficSource.PAID: 200,
            TrafficSource.PUBLIC_NATURAL: 300,
        },
    )  # fmt: skip
    after = make_stream(
        "sep", day=date(2021, 9, 10), uv=uv1, watch_minutes=w1, buyers=b1, orders=o1,
        gmv_yuan=g1,
        uv_by_source={
            TrafficSource.PRIVATE: 440, TrafficSource.PAID: 260,
            TrafficSource.SHORT_VIDEO: 50, TrafficSource.PUBLIC_NATURAL: 450,
        },
    )  # fmt: skip
    return [before], [after]


@st.composite
def positive_streams(
    draw: st.DrawFn, *, accounts: tuple[str, ...] = ("a1", "a2", "a3"), prefix: str = "s"
) -> Stream:
    """Streams whose every count is positive, so that every built-in identity is defined:
    buyers <= uv, orders >= buyers, GMV >= 1 fen per order, exposure >= uv, views >= uv,
    a funnel."""
    uv = draw(st.integers(1, 10**7))
    duration = draw(st.integers(60, 6 * 3600))
    watch = draw(st.integers(1, uv * duration))
    buyers = draw(st.integers(1, uv))
    orders = draw(st.integers(buyers, buyers * 5))
    gmv = draw(st.integers(orders, orders * 10**6))
    exposure = draw(st.integers(uv, uv * 50))
    product_uv = draw(st.integers(1, uv))
    clicks = draw(st.integers(1, product_uv))
    created = draw(st.integers(orders, orders * 2))
    views = draw(st.integers(uv, uv * 3))
    day = draw(st.dates(date(2021, 8, 1), date(2021, 9, 30)))
    number = draw(st.integers(0, 10**9))
    return Stream(
        stream_id=f"{prefix}{number}",
        account_id=draw(st.sampled_from(accounts)),
        started_at=datetime.combine(day, time(20), CST),
        duration_seconds=duration,
        uv=uv,
        watch_seconds=watch,
        buyers=buyers,
        orders=orders,
        gmv_fen=gmv,
        exposure=exposure,
        product_exposure_uv=product_uv,
        product_click_uv=clicks,
        orders_created=created,
        views=views,
    )


def stream_lists(
    prefix: str, min_size: int = 1, max_size: int = 6
) -> st.SearchStrategy[list[Stream]]:
    """Lists of positive streams with distinct ids."""
    return st.lists(
        positive_streams(prefix=prefix),
        min_size=min_size,
        max_size=max_size,
        unique_by=lambda s: s.stream_id,
    )


# -- whole brands: one on Kuaishou, one on Douyin --------------------------------------------


def weekly_streams(
    prefix: str,
    account: str,
    first: date,
    weeks: int,
    *,
    douyin: bool = False,
    exposure: bool = True,
) -> list[Stream]:
    """One stream a week from ``first``, with counts that move from week to week (no two
    weeks alike) so that every factor changes; Douyin streams carry the funnel FACT+
    reads (exposure, product clicks) unless ``exposure`` is false."""
    out = []
    for i in range(weeks):
        uv = 1_000 + 97 * i + (i % 3) * 150
        buyers = 40 + 3 * i + (i % 4) * 5
        orders = buyers + 4 + i % 5
        extra: dict[str, Any] = {}
        if douyin and exposure:
            extra = {
                "exposure": uv * (8 + i % 3),
                "product_exposure_uv": uv // 2,
                "product_click_uv": uv // (4 + i % 2),
            }
        out.append(
            make_stream(
                f"{prefix}{i:03d}", account=account, day=first + timedelta(weeks=i), uv=uv,
                watch_minutes=uv * (3 + i % 4), buyers=buyers, orders=orders,
                gmv_yuan=orders * (80 + 7 * (i % 6)), **extra,
            )
        )  # fmt: skip
    return out


def kuaishou_brand(
    brand_id: str = "ks", *, first: date = date(2021, 8, 2), weeks: int = 9
) -> Brand:
    return Brand(
        brand_id=brand_id,
        name="快手茶饮",
        category="food",
        accounts=(Account(account_id=f"{brand_id}-a", platform=Platform.KUAISHOU, name="茶饮号"),),
        streams=tuple(weekly_streams(f"{brand_id}-s", f"{brand_id}-a", first, weeks)),
    )


def douyin_brand(
    brand_id: str = "dy",
    *,
    first: date = date(2021, 8, 2),
    weeks: int = 9,
    exposure: bool = True,
) -> Brand:
    streams = weekly_streams(
        f"{brand_id}-s", f"{brand_id}-a", first, weeks, douyin=True, exposure=exposure
    )
    return Brand(
        brand_id=brand_id,
        name="抖音美妆",
        category="beauty",
        accounts=(Account(account_id=f"{brand_id}-a", platform=Platform.DOUYIN, name="美妆号"),),
        streams=tuple(streams),
    )


def with_order_details(brand: Brand, *, pool: int = 200) -> Brand:
    """The brand with order details that itemise every order of every stream: buyer keys
    drawn in turn from a pool, so that buyers come back across streams, and each stream's
    ``buyers`` set to its own distinct buyers.  Amounts share the stream's GMV out."""
    streams, orders = [], []
    turn = 0
    for stream in brand.streams:
        keys = []
        for _ in range(stream.orders):
            keys.append(f"u{turn % pool:04d}")
            turn += 7
        share, rest = divmod(stream.gmv_fen, stream.orders)
        for j, key in enumerate(keys):
            orders.append(
                Order(
                    order_id=f"{stream.stream_id}-o{j}",
                    buyer_key=key,
                    placed_at=stream.started_at + timedelta(minutes=5 + j),
                    amount_fen=share + (rest if j == 0 else 0),
                    stream_id=stream.stream_id,
                )
            )
        streams.append(attrs.evolve(stream, buyers=len(set(keys))))
    return attrs.evolve(brand, streams=tuple(streams), orders=tuple(orders))
