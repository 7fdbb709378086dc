"""Derived metrics: hand-computed values, ``None`` on zero or missing denominators, never NaN."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given

from steps.domain import (
    Account,
    Brand,
    Order,
    Platform,
    Stream,
    TalentCollab,
    TrafficSource,
    metrics,
)
from steps.testing import brands, streams

CST = timezone(timedelta(hours=8))
T0 = datetime(2021, 11, 11, 20, 0, tzinfo=CST)


def stream(**overrides: Any) -> Stream:
    values: dict[str, Any] = {
        "stream_id": "s1",
        "account_id": "a1",
        "started_at": T0,
        "duration_seconds": 7_200,  # two hours
        "uv": 4_000,
        "watch_seconds": 1_440_000,  # 24,000 minutes: 6 minutes a viewer
        "orders": 500,
        "buyers": 400,
        "gmv_fen": 12_500_000,  # 125,000 yuan
        "views": 10_000,
        "exposure": 50_000,
        "comments": 1_000,
        "likes": 6_000,
        "shares": 200,
        "reservations": 800,
        "reserved_attendees": 200,
    }
    return Stream(**(values | overrides))


def empty_stream(**overrides: Any) -> Stream:
    values: dict[str, Any] = {
        "stream_id": "s0",
        "account_id": "a1",
        "started_at": T0,
        "duration_seconds": 0,
        "uv": 0,
        "watch_seconds": 0,
        "orders": 0,
        "buyers": 0,
        "gmv_fen": 0,
    }
    return Stream(**(values | overrides))


def order(order_id: str, buyer_key: str) -> Order:
    return Order(order_id=order_id, buyer_key=buyer_key, placed_at=T0, amount_fen=100)


def collab(collab_id: str, gmv_fen: int, platform: Platform = Platform.DOUYIN) -> TalentCollab:
    return TalentCollab(
        collab_id=collab_id,
        talent_id="t",
        talent_name="达人",
        platform=platform,
        talent_followers=1,
        started_on=date(2021, 11, 1),
        ended_on=date(2021, 11, 11),
        streams=1,
        gmv_fen=gmv_fen,
        commission_fen=0,
        orders=1 if gmv_fen else 0,
        buyers=0,
    )


def test_ratio() -> None:
    assert metrics.ratio(1, 4) == 0.25
    assert metrics.ratio(0, 4) == 0.0
    assert metrics.ratio(1, 0) is None
    assert metrics.ratio(0, 0) is None
    assert metrics.ratio(0.0, 0.0) is None
    assert metrics.ratio(None, 4) is None
    assert metrics.ratio(1, None) is None


def test_stream_metrics_by_hand() -> None:
    s = stream()
    assert metrics.watch_minutes(s) == 24_000
    assert metrics.conversion_rate(s) == 0.1  # 400 buyers / 4,000 viewers
    assert metrics.aov_fen(s) == 25_000  # 12,500,000 fen / 500 orders = 250 yuan
    assert metrics.orders_per_buyer(s) == 1.25  # 500 / 400
    assert metrics.avg_watch_minutes(s) == 6  # 24,000 minutes / 4,000 viewers
    assert metrics.gpm_fen(s) == 1_250_000  # 12,500,000 × 1000 / 10,000 views
    assert metrics.uv_value_fen(s) == 3_125  # 12,500,000 / 4,000
    assert metrics.entry_rate(s) == 0.08  # 4,000 / 50,000
    assert metrics.interaction_rate(s) == 1.8  # (1,000 + 6,000 + 200) / 4,000; may exceed 1
    assert metrics.reservation_attendance_rate(s) == 0.25  # 200 / 800


def test_stream_metrics_are_none_on_zero_denominators() -> None:
    s = empty_stream()
    assert metrics.watch_minutes(s) == 0
    for metric in (
        metrics.conversion_rate,
        metrics.aov_fen,
        metrics.orders_per_buyer,
        metrics.avg_watch_minutes,
        metrics.gpm_fen,
        metrics.uv_value_fen,
        metrics.entry_rate,
        metrics.interaction_rate,
        metrics.reservation_attendance_rate,
    ):
        assert metric(s) is None, metric.__name__
    assert metrics.entry_rate(empty_stream(exposure=0)) is None
    assert metrics.gpm_fen(empty_stream(views=0)) is None


def test_metrics_of_missing_inputs_are_none_not_zero() -> None:
    s = stream(views=None, exposure=None, reserved_attendees=None)
    assert metrics.gpm_fen(s) is None
    assert metrics.entry_rate(s) is None
    assert metrics.reservation_attendance_rate(s) is None
    # Zero numerators with a real denominator are zero, not None.
    quiet = stream(orders=0, buyers=0, gmv_fen=0, comments=0, likes=0, shares=0)
    assert metrics.conversion_rate(quiet) == 0
    assert metrics.gpm_fen(quiet) == 0
    assert metrics.interaction_rate(quiet) == 0
    assert metrics.aov_fen(quiet) is None  # no orders


def test_uv_share_and_public_uv() -> None:
    split = {
        TrafficSource.PRIVATE: 1_000,
        TrafficSource.PUBLIC_NATURAL: 1_500,
        TrafficSource.SHORT_VIDEO: 500,
        TrafficSource.PAID: 800,
    }
    s = stream(uv_by_source=split)
    assert metrics.uv_share(s, TrafficSource.PRIVATE) == 0.25
    assert metrics.uv_share(s, TrafficSource.PAID, TrafficSource.PRIVATE) == 0.45
    assert metrics.uv_share(s, TrafficSource.TALENT) == 0  # recorded split, no talent UV
    assert metrics.uv_share(s) == 0
    assert metrics.public_uv(s) == 2_000  # natural + short video
    # Without a split the share is unknown, not zero.
    assert metrics.uv_share(stream(), TrafficSource.PRIVATE) is None
    assert metrics.public_uv(stream()) is None
    assert metrics.public_uv(stream(uv_by_source={TrafficSource.PAID: 5})) == 0
    # A split on a stream without viewers has no share.
    assert metrics.uv_share(empty_stream(uv_by_source={TrafficSource.PAID: 0})) is None


def test_gmv_share_from_counts_only_streams_with_a_split() -> None:
    with_split = stream(
        gmv_fen=1_000_000, gmv_by_source={TrafficSource.PAID: 250_000, TrafficSource.TALENT: 100}
    )
    other = stream(stream_id="s2", gmv_fen=3_000_000, gmv_by_source={TrafficSource.PAID: 0})
    without = stream(stream_id="s3", gmv_fen=9_000_000)
    assert metrics.gmv_share_from([with_split, without], TrafficSource.PAID) == 0.25
    assert metrics.gmv_share_from([with_split, other], TrafficSource.PAID) == 250_000 / 4_000_000
    assert metrics.gmv_share_from(
        [with_split], TrafficSource.PAID, TrafficSource.TALENT
    ) == pytest.approx(0.2501)
    assert metrics.gmv_share_from([without], TrafficSource.PAID) is None
    assert metrics.gmv_share_from([], TrafficSource.PAID) is None
    assert metrics.gmv_share_from(iter([with_split]), TrafficSource.PAID) == 0.25
    zero = empty_stream(gmv_by_source={TrafficSource.PAID: 0})
    assert metrics.gmv_share_from([zero], TrafficSource.PAID) is None


def test_paid_roi() -> None:
    a = stream(paid_spend_fen=100_000, gmv_by_source={TrafficSource.PAID: 300_000})
    b = stream(stream_id="s2", paid_spend_fen=50_000, gmv_by_source={TrafficSource.PRIVATE: 10_000})
    no_split = stream(stream_id="s3", paid_spend_fen=1_000_000)
    no_spend = stream(stream_id="s4", gmv_by_source={TrafficSource.PAID: 999_999})
    assert metrics.paid_roi([a]) == 3.0
    assert metrics.paid_roi([a, b]) == 2.0  # 300,000 / 150,000
    assert metrics.paid_roi([a, no_split, no_spend]) == 3.0  # both ignored
    assert metrics.paid_roi([no_spend]) is None
    assert metrics.paid_roi([]) is None


def test_brand_totals() -> None:
    brand = Brand(
        brand_id="b",
        name="",
        category="",
        accounts=(Account(account_id="a1", platform=Platform.KUAISHOU, name=""),),
        streams=(stream(gmv_fen=1_000), stream(stream_id="s2", gmv_fen=2_500)),
        talent_collabs=(collab("c1", 7_000), collab("c2", 0)),
    )
    assert metrics.self_broadcast_gmv_fen(brand) == 3_500
    assert metrics.talent_gmv_fen(brand) == 7_000
    empty = Brand(brand_id="e", name="", category="")
    assert metrics.self_broadcast_gmv_fen(empty) == 0
    assert metrics.talent_gmv_fen(empty) == 0
    assert isinstance(metrics.self_broadcast_gmv_fen(brand), int)


def test_buyer_order_counts_and_repurchase_rate() -> None:
    orders = [
        order("o1", "u1"),
        order("o2", "u1"),
        order("o3", "u2"),
        order("o4", "u3"),
        order("o5", "u3"),
        order("o6", "u3"),
        order("o7", "u4"),
    ]
    assert metrics.buyer_order_counts(orders) == Counter({"u1": 2, "u2": 1, "u3": 3, "u4": 1})
    assert metrics.repurchase_rate(orders) == 0.5  # u1 and u3 of four buyers
    assert metrics.repurchase_rate(iter(orders)) == 0.5
    assert metrics.repurchase_rate([order("o1", "u1")]) == 0
    assert metrics.repurchase_rate([]) is None


def test_main_platform() -> None:
    ks = Account(account_id="ks", platform=Platform.KUAISHOU, name="")
    dy = Account(account_id="dy", platform=Platform.DOUYIN, name="")
    dy2 = Account(account_id="dy2", platform=Platform.DOUYIN, name="")
    two_on_ks = Brand(
        brand_id="b",
        name="",
        category="",
        accounts=(dy, ks),
        streams=(
            stream(stream_id="1", account_id="ks"),
            stream(stream_id="2", account_id="ks"),
            stream(stream_id="3", account_id="dy"),
        ),
    )
    assert metrics.main_platform(two_on_ks) is Platform.KUAISHOU
    # No streams: the accounts vote; a tie goes to the platform declared first.
    assert metrics.main_platform(
        Brand(brand_id="b", name="", category="", accounts=(dy, dy2, ks))
    ) is (Platform.DOUYIN)
    assert metrics.main_platform(Brand(brand_id="b", name="", category="", accounts=(dy, ks))) is (
        Platform.KUAISHOU
    )
    assert metrics.main_platform(Brand(brand_id="b", name="", category="", accounts=(ks, dy))) is (
        Platform.KUAISHOU
    )
    # No accounts: the talents vote.
    talents = Brand(
        brand_id="b",
        name="",
        category="",
        talent_collabs=(collab("c1", 0, Platform.TAOBAO_LIVE),),
    )
    assert metrics.main_platform(talents) is Platform.TAOBAO_LIVE
    assert metrics.main_platform(Brand(brand_id="b", name="", category="")) is None


def _finite_or_none(value: float | None) -> bool:
    return value is None or (isinstance(value, int | float) and math.isfinite(value))


STREAM_METRICS = (
    metrics.conversion_rate,
    metrics.aov_fen,
    metrics.orders_per_buyer,
    metrics.avg_watch_minutes,
    metrics.gpm_fen,
    metrics.uv_value_fen,
    metrics.entry_rate,
    metrics.interaction_rate,
    metrics.reservation_attendance_rate,
    metrics.public_uv,
    lambda s: metrics.uv_share(s, *TrafficSource),
)


@given(streams(["a1"], ["p1", "p2"]))
def test_stream_metrics_are_never_nan(s: Stream) -> None:
    assert math.isfinite(metrics.watch_minutes(s))
    for metric in STREAM_METRICS:
        assert _finite_or_none(metric(s)), metric
    # Relations the model guarantees show up as bounded rates.
    shares = (
        metrics.conversion_rate(s),
        metrics.entry_rate(s),
        metrics.uv_share(s, *TrafficSource),
        metrics.reservation_attendance_rate(s),
    )
    assert all(value is None or 0 <= value <= 1 for value in shares), shares


@given(brands())
def test_brand_metrics_are_never_nan(brand: Brand) -> None:
    for sources in ((TrafficSource.PAID,), tuple(TrafficSource)):
        share = metrics.gmv_share_from(brand.streams, *sources)
        assert share is None or 0 <= share <= 1
    assert _finite_or_none(metrics.paid_roi(brand.streams))
    assert metrics.self_broadcast_gmv_fen(brand) == sum(s.gmv_fen for s in brand.streams)
    assert metrics.talent_gmv_fen(brand) >= 0
    rate = metrics.repurchase_rate(brand.orders)
    assert (rate is None) == (not brand.orders)
    assert rate is None or 0 <= rate <= 1
    platform = metrics.main_platform(brand)
    assert (platform is None) == (not brand.accounts and not brand.talent_collabs)
