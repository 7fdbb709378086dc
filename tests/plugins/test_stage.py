"""Tests for the STAGE per-stream scorer (steps.plugins.stage)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import pluggy
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from steps.domain.enums import Platform, ProductRole, Section, TrafficSource
from steps.domain.fields import MAX_COUNT, MAX_MONEY_FEN
from steps.domain.model import (
    Account,
    Brand,
    Dataset,
    Order,
    Product,
    RunOfShow,
    SectionCoverage,
    ShortVideo,
    ShowSegment,
    Stream,
    StreamProduct,
)
from steps.plugins import BUILTIN_PLUGINS, stage
from steps.plugins._support import indicator_table
from steps.plugins.stage import COMPONENTS, StageScorer
from steps.scoring import hookspecs
from steps.scoring.contract import ScoringContext, StreamScorer
from steps.scoring.indicators import BenchmarkOverrides, LinearBenchmark, Origin
from steps.scoring.results import ScoreCard
from steps.testing import strategies
from tests.plugins.support import (
    brand_with_stream,
    check_card,
    check_definitions,
    check_measures,
    check_provenance,
    doc_block,
    empty_stream,
    example_block,
    minimal_brand,
    subjects_of,
    with_stream,
)

SCORER = StageScorer()
CONTEXT = ScoringContext()


# --------------------------------------------------------------------------- a worked stream


def worked_brand() -> Brand:
    """A two-hour stream whose every indicator is computed by hand in the tests below."""
    products = (
        Product("p1", "引流款 9.9", "beauty", 990, 1990, ProductRole.TRAFFIC),
        Product("p2", "爆款精华", "beauty", 9900, 12900, ProductRole.HERO),
        Product("p3", "利润款套装", "beauty", 19900, None, ProductRole.PROFIT),
        Product("p4", "second hero", "beauty", 5900, 5900, ProductRole.HERO),
    )
    stream = Stream(
        stream_id="s1",
        account_id="acc",
        started_at=datetime(2022, 3, 1, 20, tzinfo=UTC),
        duration_seconds=7200,
        uv=1000,
        watch_seconds=180_000,
        orders=60,
        buyers=50,
        gmv_fen=3_000_000,
        exposure=5000,
        views=1500,
        first_minutes_uv=300,
        uv_by_source={
            TrafficSource.PAID: 200,
            TrafficSource.PUBLIC_NATURAL: 500,
            TrafficSource.PRIVATE: 300,
        },
        gmv_by_source={TrafficSource.PAID: 900_000},
        comments=500,
        likes=1000,
        shares=100,
        paid_spend_fen=300_000,
        reservations=100,
        reserved_attendees=40,
        preheat_videos=2,
        preheat_video_views=800,
        coupons_issued=200,
        coupons_used=80,
        giveaways=6,
        hosts=2,
        products=(
            StreamProduct(
                "p1",
                explain_count=3,
                explain_seconds=600,
                orders=20,
                gmv_fen=500_000,
                stock_units=100,
                units_sold=100,
            ),
            StreamProduct(
                "p2",
                explain_count=5,
                explain_seconds=1800,
                orders=30,
                gmv_fen=2_000_000,
                stock_units=50,
                units_sold=30,
            ),
            StreamProduct("p3", explain_count=2, explain_seconds=900, orders=10, gmv_fen=500_000),
            StreamProduct("p4", stock_units=10, units_sold=0),
        ),
        plan=RunOfShow(
            segments=(
                ShowSegment("open", 1800, 2100, 100_000, 150_000),
                ShowSegment("hero", 3600, 3300, 150_000, 120_000),
                ShowSegment("close", 1800, 1800, 50_000, 30_000),
            ),
            gmv_target_fen=4_000_000,
            planned_paid_uv_share=0.25,
            planned_returning_share=0.5,
        ),
    )
    return Brand(
        brand_id="b",
        name="Brand",
        category="beauty",
        accounts=(Account(account_id="acc", platform=Platform.KUAISHOU, name="Acc"),),
        products=products,
        streams=(stream,),
        orders=worked_orders(),
        short_videos=(
            video("v1", datetime(2022, 2, 27, 10, tzinfo=UTC), "s1"),
            video("v2", datetime(2022, 2, 27, 18, tzinfo=UTC), "s1"),  # same day as v1
            video("v3", datetime(2022, 3, 1, 8, tzinfo=UTC), "s1"),
            video("v4", datetime(2022, 2, 20, 12, tzinfo=UTC), "s1"),  # 9 days before: out
            video("v5", datetime(2022, 3, 1, 21, tzinfo=UTC), "s1"),  # after the start: out
            video("v6", datetime(2022, 2, 28, 12, tzinfo=UTC)),  # linked to no stream
        ),
    )


def video(video_id: str, posted: datetime, stream_id: str | None = None) -> ShortVideo:
    return ShortVideo(video_id, "acc", posted, for_stream_id=stream_id)


def order(
    order_id: str,
    buyer: str,
    at: datetime,
    amount: int,
    product: str | None,
    *,
    stream: str | None = "s1",
    refunded: int = 0,
    source: TrafficSource | None = None,
) -> Order:
    return Order(
        order_id=order_id,
        buyer_key=buyer,
        placed_at=at,
        amount_fen=amount,
        product_id=product,
        stream_id=stream,
        refunded_fen=refunded,
        traffic_source=source,
    )


#: During the worked stream (which starts 2022-03-01 20:00 UTC).
DURING = datetime(2022, 3, 1, 20, 30, tzinfo=UTC)


def worked_orders() -> tuple[Order, ...]:
    """Order details reaching 45 days before the stream.  Its paid orders: buyers A and B are
    returning (A bought on 15 January, B on 25 February), C and E are new; D's order was
    refunded in full (not paid)."""
    return (
        order("o0", "A", datetime(2022, 1, 15, 12, tzinfo=UTC), 10_000, "p2", stream=None),
        order("o1", "B", datetime(2022, 2, 25, 12, tzinfo=UTC), 2_000, "p1", stream=None),
        order("o2", "A", DURING, 9_900, "p2", source=TrafficSource.PRIVATE),
        order("o3", "B", DURING, 990, "p1"),  # B bought p1 4 days before: a repeat
        order("o4", "C", DURING, 990, "p1", source=TrafficSource.PUBLIC_NATURAL),
        order("o5", "C", DURING + timedelta(minutes=10), 19_900, "p3", source=TrafficSource.PAID),
        order("o6", "D", DURING, 9_900, "p2", refunded=9_900),
        order("o7", "E", DURING, 19_900, "p3", source=TrafficSource.SHORT_VIDEO),
    )


WORKED = {
    "plan_completeness": 1.0,
    "segment_adherence": 1 - 600 / 7200,
    "products_per_hour": 3 / 2,
    "explain_share": 3300 / 7200,
    "hosts": 2.0,
    "target_attainment": 0.75,
    "spend_to_target": 300_000 / 4_000_000,
    "paid_roi": 3.0,
    "paid_share_gap": 0.05,
    "spend_pacing": 1 - (1 / 6 + 1 / 10 + 1 / 15) / 2,
    "tier_coverage": 1.0,
    "price_spread": 19900 / 990,
    "discount_depth": ((1 - 990 / 1990) + (1 - 9900 / 12900)) / 2,
    "hit_concentration": 2 / 3,
    # paid: A 9,900 + B 990 (returning) of 9,900 + 990 + 990 + 19,900 + 19,900
    "audience_mix_gap": 0.5 - 10_890 / 51_680,
    # new buyers bought {p1, p3}, returning {p2, p1}: p2 and p3 by one group only, of 3
    "fan_assortment_split": 2 / 3,
    # o3 repeats p1 within 7 days, of the 5 paid orders naming a product
    "repeat_product_share": 0.2,
    # p1 sold out (100 of 100); p2 and p4 did not; p3 records no stock
    "sold_out_share": 1 / 3,
    # heroes p2 (explained) and p4 (not)
    "heroes_explained": 0.5,
    "coupon_use_rate": 0.4,
    "giveaways_per_hour": 3.0,
    "avg_watch_minutes": 3.0,
    "interaction_rate": 1.6,
    "conversion_rate": 0.05,
    "preheat_videos": 2.0,
    # videos on 27 February (two) and 1 March: two days
    "preheat_rhythm": 2.0,
    "preheat_views_per_viewer": 0.8,
    "reservations_per_viewer": 0.1,
    "reserved_attendance": 0.04,
    "first_minutes_share": 0.3,
}


def test_worked_stream_values_by_hand() -> None:
    brand = worked_brand()
    card = SCORER.score(subjects_of(brand)[0], CONTEXT)
    check_card(card, COMPONENTS)
    values = {i.key: i.value for i in card.indicators()}
    assert set(values) == set(WORKED)
    for key, expected in WORKED.items():
        assert values[key] == pytest.approx(expected, rel=1e-12), key
    assert card.confidence == 1.0
    assert card.missing == ()


def test_worked_stream_scores_by_hand() -> None:
    card = SCORER.score(subjects_of(worked_brand())[0], CONTEXT)
    # products per hour: 1.5 against floor 1, target 6 -> 10 points
    assert card.indicator("products_per_hour").score == pytest.approx(10.0)
    # paid ROI 3 meets its target; spend ratio 7.5% is under the 10% target: both 100
    assert card.indicator("paid_roi").score == pytest.approx(100.0)
    assert card.indicator("spend_to_target").score == pytest.approx(100.0)
    # GMV 75% of target against floor 0.5, target 1 -> 50
    assert card.indicator("target_attainment").score == pytest.approx(50.0)
    # paid share 20% vs planned 25%: gap 0.05 against floor 0.2, target 0.02 -> 83.33
    assert card.indicator("paid_share_gap").score == pytest.approx(0.15 / 0.18 * 100)
    # pacing 0.8333 against floor 0.6, target 0.9 -> 77.78
    assert card.indicator("spend_pacing").score == pytest.approx((5 / 6 - 0.6) / 0.3 * 100)
    # buyer mix 0.2893 off plan against floor 0.3, target 0.05 -> 4.29
    mix = (0.3 - (0.5 - 10_890 / 51_680)) / 0.25 * 100
    assert card.indicator("audience_mix_gap").score == pytest.approx(mix)
    traffic = card.component("traffic")
    expected = (50 + 100 + 100 + 0.15 / 0.18 * 100 + (5 / 6 - 0.6) / 0.3 * 100 + mix) / 6
    assert traffic.score == pytest.approx(expected)
    # lower is better: a fifth of orders repeating an item (floor 0.3, target 0.05) -> 40;
    # a third of the stocked items sold out (floor 0.5, target 0) -> 33.33
    assert card.indicator("repeat_product_share").score == pytest.approx(40.0)
    assert card.indicator("sold_out_share").score == pytest.approx(100 / 3)
    # two of the three targeted days of warm-up -> 66.67; half the heroes explained -> 0
    assert card.indicator("preheat_rhythm").score == pytest.approx(200 / 3)
    assert card.indicator("heroes_explained").score == 0.0
    # equal component weights
    assert [c.weight for c in card.components] == pytest.approx([0.2] * 5)
    assert card.score == pytest.approx(math.fsum(c.score or 0 for c in card.components) / 5)


def _planned(*segments: ShowSegment) -> ScoreCard:
    brand = worked_brand()
    stream = attrs.evolve(brand.streams[0], plan=RunOfShow(segments=segments))
    return SCORER.score(with_stream(brand, stream), CONTEXT)


def test_timing_adherence_and_pacing_by_hand() -> None:
    segments = (
        ShowSegment("a", 600, 900, 10, 0),
        ShowSegment("b", 600, None, 10, 20),
        ShowSegment("c", 600, 300),
    )
    card = _planned(*segments)
    # only a and c are timed: |900-600| + |300-600| over 1200 planned
    assert card.indicator("segment_adherence").value == pytest.approx(0.5)
    # a and b have both spends: planned 50/50, actual 0/100 -> distance 0.5
    assert card.indicator("spend_pacing").value == pytest.approx(0.5)
    # floored, never negative
    assert _planned(ShowSegment("x", 60, 600)).indicator("segment_adherence").value == 0.0
    assert _planned(ShowSegment("x", 60)).indicator("segment_adherence").value is None
    assert _planned(ShowSegment("x", 0, 10)).indicator("segment_adherence").value is None
    assert _planned(ShowSegment("x", 1, 1, 0, 0)).indicator("spend_pacing").value is None
    assert _planned().indicator("spend_pacing").value is None


def test_lineup_uses_explained_products_else_all_listed() -> None:
    brand = worked_brand()
    stream = brand.streams[0]
    # Nothing explained: the whole listed line-up counts (p4 is a second hero item).
    unexplained = attrs.evolve(
        stream,
        products=tuple(
            attrs.evolve(p, explain_count=0, explain_seconds=0) for p in stream.products
        ),
    )
    card = SCORER.score(subjects_of(attrs.evolve(brand, streams=(unexplained,)))[0], CONTEXT)
    assert card.indicator("tier_coverage").value == 1.0
    assert card.indicator("price_spread").value == pytest.approx(19900 / 990)
    assert card.indicator("products_per_hour").value == 0.0
    # Only p2 and p4 (both hero) explained.
    heroes = tuple(
        attrs.evolve(p, explain_count=1 if p.product_id in {"p2", "p4"} else 0)
        for p in stream.products
    )
    card = SCORER.score(
        subjects_of(attrs.evolve(brand, streams=(attrs.evolve(stream, products=heroes),)))[0],
        CONTEXT,
    )
    assert card.indicator("tier_coverage").value == pytest.approx(1 / 3)
    assert card.indicator("tier_coverage").score == 0.0


def test_recommendations_one_per_weak_part_with_numbers() -> None:
    brand = worked_brand()
    plan = brand.streams[0].plan
    assert plan is not None
    stream = attrs.evolve(
        brand.streams[0],
        reservations=10,
        reserved_attendees=2,
        paid_spend_fen=900_000,
        plan=attrs.evolve(
            plan,
            segments=(ShowSegment("open", 1800, 3600), ShowSegment("hero", 5400, 3600)),
        ),
    )
    card = SCORER.score(subjects_of(attrs.evolve(brand, streams=(stream,)))[0], CONTEXT)
    check_card(card, COMPONENTS)
    by_part = {r.component: r for r in card.recommendations}
    assert set(by_part) >= {"script", "traffic", "warmup"}
    # ROI 1.0 (900,000 / 900,000): the concrete numbers are quoted.
    assert by_part["traffic"].indicator == "paid_roi"
    assert "9,000 CNY" in by_part["traffic"].text
    assert by_part["traffic"].priority == 1
    assert by_part["warmup"].indicator in {"reservations_per_viewer", "reserved_attendance"}
    assert "10 reservations for 1,000 viewers" in by_part["warmup"].text or (
        "20% of the 10 reservers came" in by_part["warmup"].text
    )
    # Ordered by the GMV each puts at stake (the stream's GMV scaled through its factor).
    stakes = [r.gmv_at_stake_fen for r in card.recommendations]
    assert all(isinstance(fen, int) for fen in stakes)
    assert stakes == sorted(stakes, reverse=True)  # type: ignore[type-var]
    assert all(r.factor for r in card.recommendations)


def test_notes_keep_the_attendance_rate() -> None:
    card = SCORER.score(subjects_of(worked_brand())[0], CONTEXT)
    assert card.notes["reservation_attendance_rate"] == "0.4000"
    assert card.notes["paid_uv_share"] == "0.2000"


# --------------------------------------------------------------------------- empty and minimal


def test_empty_stream_scores_with_low_confidence() -> None:
    card = SCORER.score(subjects_of(minimal_brand(empty_stream()))[0], CONTEXT)
    check_card(card, COMPONENTS)
    available = {i.key for i in card.indicators() if i.available}
    # Nothing recorded and no plans provided: nothing is available, not even the plan.
    assert available == set()
    assert card.score == 0.0
    assert card.confidence == 0.0
    assert len(card.missing) == len(WORKED)
    # Where plans were provided, a stream without one had none: plan_completeness is 0.
    planned = attrs.evolve(
        minimal_brand(empty_stream()),
        coverage=(SectionCoverage(Section.STREAMS), SectionCoverage(Section.PLANS)),
    )
    card = SCORER.score(subjects_of(planned)[0], CONTEXT)
    assert {i.key for i in card.indicators() if i.available} == {"plan_completeness"}
    assert card.indicator("plan_completeness").value == 0.0
    # plan_completeness: 1 of 4 weight points of script
    assert card.confidence == pytest.approx(0.2 * 1 / 4)
    assert all(": needs " in m for m in card.missing)


def test_stream_of_a_brand_without_products_or_platform() -> None:
    brand = Brand(
        brand_id="b",
        name="",
        category="",
        accounts=(Account(account_id="acc", platform=Platform.OTHER, name=""),),
        streams=(attrs.evolve(empty_stream(), duration_seconds=60, uv=1, watch_seconds=60),),
    )
    card = SCORER.score(subjects_of(brand)[0], CONTEXT)
    check_card(card, COMPONENTS)
    assert card.indicator("avg_watch_minutes").value == 1.0


# --------------------------------------------------------------------------- properties


@given(strategies.brands(max_streams=3, max_products=4))
def test_every_card_keeps_the_invariants(brand: Brand) -> None:
    subjects = subjects_of(brand)
    cards = SCORER.score_many(subjects, CONTEXT)
    assert len(cards) == len(subjects)
    for subject, card in zip(subjects, cards, strict=True):
        check_card(card, COMPONENTS)
        check_measures(subject, COMPONENTS)
        assert card.subject_id == subject.stream.stream_id
        assert card.brand_id == brand.brand_id


@given(strategies.datasets(max_brands=3, max_streams=3))
def test_score_many_equals_score(dataset: Dataset) -> None:
    # A batch mixing brands, in an interleaved order.
    subjects = [s for brand in dataset.brands for s in subjects_of(brand)]
    subjects = subjects[::2] + subjects[1::2]
    assert SCORER.score_many(subjects, CONTEXT) == [SCORER.score(s, CONTEXT) for s in subjects]


@given(brand_with_stream(), st.integers(1, 10**6))
def test_more_reservations_never_lower_warmup(drawn: tuple[Brand, Stream], extra: int) -> None:
    brand, stream = drawn
    if stream.reservations is None:  # recorded, at the least it can be
        stream = attrs.evolve(stream, reservations=stream.reserved_attendees or 0)
    more = attrs.evolve(stream, reservations=min(MAX_COUNT, (stream.reservations or 0) + extra))
    before = SCORER.score(with_stream(brand, stream), CONTEXT)
    after = SCORER.score(with_stream(brand, more), CONTEXT)
    warm_before, warm_after = before.component("warmup"), after.component("warmup")
    assert (warm_before.score is None) == (warm_after.score is None)
    if warm_before.score is not None and warm_after.score is not None:
        assert warm_after.score >= warm_before.score - 1e-9
    assert after.score >= before.score - 1e-9


def test_score_many_builds_each_brands_context_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from steps.scoring import batch

    built: list[str] = []
    original = batch.brand_facts

    def counting(brand: Brand, streams: Any = None) -> batch.BrandFacts:
        built.append(brand.brand_id)
        return original(brand, streams)

    monkeypatch.setattr(batch, "brand_facts", counting)
    one = worked_brand()
    stream = one.streams[0]
    many = attrs.evolve(
        one, streams=tuple(attrs.evolve(stream, stream_id=f"s{i}") for i in range(50))
    )
    other = attrs.evolve(many, brand_id="other")
    subjects = subjects_of(many) + subjects_of(other) + subjects_of(many)[:3]
    cards = SCORER.score_many(subjects, CONTEXT)
    assert len(cards) == 103
    assert built == ["b", "other"]
    assert cards[0] == cards[100] == SCORER.score(subjects[0], CONTEXT)


def _recorded_paid_split(stream: Stream) -> Stream:
    """The stream with a recorded GMV split (PAID present) and at least one order."""
    orders = max(1, stream.orders)
    created = stream.orders_created
    return attrs.evolve(
        stream,
        orders=orders,
        orders_created=None if created is not None and created < orders else created,
        gmv_by_source={
            **stream.gmv_by_source,
            TrafficSource.PAID: stream.gmv_by_source.get(TrafficSource.PAID, 0),
        },
    )


@given(brand_with_stream(), st.integers(1, 10**9))
def test_more_paid_gmv_never_lowers_traffic(drawn: tuple[Brand, Stream], extra: int) -> None:
    brand, stream = drawn
    stream = _recorded_paid_split(stream)
    extra = min(extra, MAX_MONEY_FEN - stream.gmv_fen)
    assume(extra > 0)
    sources = dict(stream.gmv_by_source)
    sources[TrafficSource.PAID] += extra
    more = attrs.evolve(stream, gmv_fen=stream.gmv_fen + extra, gmv_by_source=sources)
    before = SCORER.score(with_stream(brand, stream), CONTEXT)
    after = SCORER.score(with_stream(brand, more), CONTEXT)
    t_before, t_after = before.component("traffic"), after.component("traffic")
    if t_before.score is not None:
        assert t_after.score is not None
        assert t_after.score >= t_before.score - 1e-9
    roi_before, roi_after = before.indicator("paid_roi"), after.indicator("paid_roi")
    assert roi_after.available == roi_before.available
    if roi_before.value is not None:
        assert roi_after.value is not None
        assert roi_after.value > roi_before.value
    assert after.score >= before.score - 1e-9


@given(brand_with_stream(), st.integers(1, 10**9))
def test_more_paid_gmv_within_the_same_total_never_lowers_traffic(
    drawn: tuple[Brand, Stream], extra: int
) -> None:
    brand, stream = drawn
    stream = _recorded_paid_split(stream)
    split = sum(stream.gmv_by_source.values())
    stream = attrs.evolve(stream, gmv_fen=max(stream.gmv_fen, split + 1))
    room = stream.gmv_fen - sum(stream.gmv_by_source.values())
    sources = dict(stream.gmv_by_source)
    sources[TrafficSource.PAID] += min(extra, room)
    before = SCORER.score(with_stream(brand, stream), CONTEXT)
    after = SCORER.score(with_stream(brand, attrs.evolve(stream, gmv_by_source=sources)), CONTEXT)
    t_before, t_after = before.component("traffic"), after.component("traffic")
    if t_before.score is not None:
        assert t_after.score is not None
        assert t_after.score >= t_before.score - 1e-9


# --------------------------------------------------------------------------- benchmarks


def test_every_indicator_is_documented_and_benchmarked() -> None:
    assert [c.key for c in COMPONENTS] == ["script", "traffic", "goods", "welfare", "warmup"]
    check_definitions(COMPONENTS, "stage")


def test_every_indicator_says_where_it_comes_from() -> None:
    check_provenance(COMPONENTS, "stage.md")
    origins = {i.key: i.provenance.origin for c in COMPONENTS for i in c.indicators if i.provenance}
    # The practices the article names come from the article, with its words.
    for key in (
        "audience_mix_gap",
        "fan_assortment_split",
        "repeat_product_share",
        "sold_out_share",
        "heroes_explained",
        "preheat_rhythm",
    ):
        assert origins[key] is Origin.ARTICLE, key
    # The product tiers are not the article's: the tier indicator cites the words it does
    # say (a designed product structure) and its note says the tiers are common practice.
    tiers = next(i for c in COMPONENTS for i in c.indicators if i.key == "tier_coverage")
    assert tiers.provenance is not None
    assert tiers.provenance.quote == "设计直播产品结构"
    assert "not the article's" in tiers.provenance.note
    assert stage.WEIGHTS.origin is Origin.ASSUMPTION
    assert SCORER.weights_provenance is stage.WEIGHTS


def test_an_indicator_without_provenance_fails_the_check() -> None:
    bare = attrs.evolve(COMPONENTS[0].indicators[0], provenance=None)
    component = attrs.evolve(COMPONENTS[0], indicators=(bare,))
    with pytest.raises(AssertionError, match="no provenance"):
        check_provenance([component], "stage.md")
    invented = attrs.evolve(
        COMPONENTS[0].indicators[0],
        provenance=attrs.evolve(COMPONENTS[0].indicators[0].provenance, quote="引流款"),
    )
    with pytest.raises(AssertionError, match="引流款"):
        check_provenance([attrs.evolve(COMPONENTS[0], indicators=(invented,))], "stage.md")


def test_platform_defaults_and_user_overrides_apply() -> None:
    brand = worked_brand()
    douyin = attrs.evolve(
        brand, accounts=(Account(account_id="acc", platform=Platform.DOUYIN, name="Acc"),)
    )
    kuaishou_card = SCORER.score(subjects_of(brand)[0], CONTEXT)
    douyin_card = SCORER.score(subjects_of(douyin)[0], CONTEXT)
    # 3 minutes: the Kuaishou target is 3, Douyin's is 2: both at 100, with different targets.
    assert "target 3" in kuaishou_card.indicator("avg_watch_minutes").benchmark
    assert "target 2" in douyin_card.indicator("avg_watch_minutes").benchmark
    override = ScoringContext(
        benchmarks=BenchmarkOverrides(
            {"stage.paid_roi": {"kuaishou": LinearBenchmark(2.0, 6.0, "ours")}}
        )
    )
    card = SCORER.score(subjects_of(brand)[0], override)
    assert card.indicator("paid_roi").score == pytest.approx(25.0)
    assert card.indicator("paid_roi").benchmark_source == "ours"


# --------------------------------------------------------------------------- plugin


def test_registers_through_the_hook_like_a_third_party() -> None:
    assert "steps.plugins.stage" in BUILTIN_PLUGINS
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    pm.register(stage)
    registered: list[object] = []
    pm.hook.steps_register_scorers(register=registered.append)
    assert len(registered) == 1
    scorer = registered[0]
    assert isinstance(scorer, StreamScorer)
    assert scorer.name == "stage"


# --------------------------------------------------------------------------- docs


def test_doc_table_matches_the_definitions() -> None:
    assert doc_block("stage.md", "indicators") == indicator_table(COMPONENTS)


def test_doc_worked_example_matches_the_sample() -> None:
    from steps.sample import sample_dataset

    brand = sample_dataset().brands[0]
    subject = subjects_of(brand)[0]
    card = SCORER.score(subject, CONTEXT)
    assert doc_block("stage.md", "example") == example_block(card, brand, subject.stream.stream_id)


def test_a_stream_is_judged_by_its_accounts_platform_on_every_path() -> None:
    from steps.columnar import StreamTable
    from steps.scoring.engine import score_table

    stream = worked_brand().streams[0]  # 3 minutes per viewer
    watch = 120_000  # 2 minutes per viewer: Douyin's target, 60 points on Kuaishou's
    brand = attrs.evolve(
        worked_brand(),
        accounts=(
            Account(account_id="acc", platform=Platform.KUAISHOU, name="K"),
            Account(account_id="dy", platform=Platform.DOUYIN, name="D"),
        ),
        streams=(
            attrs.evolve(stream, stream_id="k1", watch_seconds=watch),
            attrs.evolve(stream, stream_id="k2", watch_seconds=watch),
            attrs.evolve(stream, stream_id="d1", account_id="dy", watch_seconds=watch),
        ),
        orders=(),
        short_videos=(),
    )
    by_object = {
        s.stream.stream_id: SCORER.score(s, CONTEXT).indicator("avg_watch_minutes").score
        for s in subjects_of(brand)
    }
    assert by_object == pytest.approx({"k1": 60.0, "k2": 60.0, "d1": 100.0})
    dataset = Dataset(brands=(brand,))
    table = StreamTable.from_dataset(dataset)
    cards = score_table(table, dataset, "stage", CONTEXT).to_results().cards
    assert {c.subject_id: c.indicator("avg_watch_minutes").score for c in cards} == by_object


# --------------------------------------------------------------------------- buyers, stock, warm-up

#: The indicators read from the order details.
BUYER_KEYS = ("audience_mix_gap", "fan_assortment_split", "repeat_product_share")


def _values(brand: Brand, index: int = 0) -> dict[str, float | None]:
    card = SCORER.score(subjects_of(brand)[index], CONTEXT)
    check_card(card, COMPONENTS)
    return {i.key: i.value for i in card.indicators()}


def _declared(brand: Brand, **dated: date) -> Brand:
    """The brand declaring the sections it holds, with a start date for some."""
    return attrs.evolve(
        brand,
        coverage=tuple(
            SectionCoverage(c.section, start=dated.get(c.section.value)) for c in brand.covered()
        ),
    )


def test_buyers_are_unknown_without_order_details_or_history() -> None:
    brand = worked_brand()
    values = _values(attrs.evolve(brand, orders=()))
    assert [values[k] for k in BUYER_KEYS] == [None, None, None]
    # The details begin 4 days before the stream (o0 left out): A would look new, so the
    # buyers are not split, and nothing is said about them.
    late = attrs.evolve(brand, orders=brand.orders[1:])
    card = SCORER.score(subjects_of(late)[0], CONTEXT)
    assert [card.indicator(k).value for k in BUYER_KEYS] == [None, None, None]
    assert not {r.indicator for r in card.recommendations} & set(BUYER_KEYS)
    # Declared coverage saying the details start on 1 January: A is new, B returning.
    values = _values(_declared(late, orders=date(2022, 1, 1)))
    assert values["audience_mix_gap"] == pytest.approx(0.5 - 990 / 51_680)
    # new {p2, p1, p3} against returning {p1}
    assert values["fan_assortment_split"] == pytest.approx(2 / 3)
    assert values["repeat_product_share"] == pytest.approx(0.2)


def test_buyer_mix_needs_the_planned_share() -> None:
    brand = worked_brand()
    stream = brand.streams[0]
    assert stream.plan is not None
    unplanned = attrs.evolve(stream, plan=attrs.evolve(stream.plan, planned_returning_share=None))
    values = _values(with_stream(brand, unplanned).brand)
    assert values["audience_mix_gap"] is None
    assert values["fan_assortment_split"] == pytest.approx(2 / 3)


def test_assortment_split_needs_both_groups() -> None:
    brand = worked_brand()
    # Only new buyers (A and B's earlier orders dropped, the details dated from 1 January).
    only_new = _declared(attrs.evolve(brand, orders=brand.orders[2:]), orders=date(2022, 1, 1))
    values = _values(only_new)
    assert values["fan_assortment_split"] is None
    assert values["audience_mix_gap"] == pytest.approx(0.5)  # no returning GMV: a real 0
    assert values["repeat_product_share"] == 0.0


def test_same_items_for_both_groups_split_nothing() -> None:
    later = DURING + timedelta(days=1)
    orders = (
        order("h0", "R", datetime(2022, 1, 10, tzinfo=UTC), 100, "p1", stream=None),
        order("h1", "R", DURING, 100, "p1"),
        order("h2", "N", DURING, 100, "p1"),
        order("h3", "N", later, 100, "p2", stream=None),  # after the stream, not in it
    )
    values = _values(attrs.evolve(worked_brand(), orders=orders))
    assert values["fan_assortment_split"] == 0.0
    # R bought p1 51 days before: not within the week
    assert values["repeat_product_share"] == 0.0


def test_sold_out_share_needs_recorded_stock() -> None:
    brand = worked_brand()
    stream = brand.streams[0]
    unstocked = attrs.evolve(
        stream,
        products=tuple(attrs.evolve(p, stock_units=None) for p in stream.products),
    )
    assert _values(with_stream(brand, unstocked).brand)["sold_out_share"] is None
    # Stock topped up during the stream: units sold above the first stock is sold out too.
    topped = attrs.evolve(
        stream,
        products=tuple(
            attrs.evolve(p, stock_units=5, units_sold=7) if p.product_id == "p2" else p
            for p in stream.products
        ),
    )
    assert _values(with_stream(brand, topped).brand)["sold_out_share"] == pytest.approx(2 / 3)


def test_warmup_rhythm_is_unknown_without_links() -> None:
    brand = worked_brand()
    unlinked = attrs.evolve(
        brand, short_videos=tuple(attrs.evolve(v, for_stream_id=None) for v in brand.short_videos)
    )
    assert _values(unlinked)["preheat_rhythm"] is None
    assert _values(attrs.evolve(brand, short_videos=()))["preheat_rhythm"] is None
    # A second stream with no video of its own, in a brand that links videos: 0 days.
    second = attrs.evolve(
        brand.streams[0], stream_id="s2", started_at=datetime(2022, 3, 5, 20, tzinfo=UTC)
    )
    two = attrs.evolve(brand, streams=(*brand.streams, second))
    assert _values(two, 1)["preheat_rhythm"] == 0.0
    # Short videos declared from 25 February: 4 days before the stream is too short a look.
    recent = attrs.evolve(
        brand, short_videos=tuple(v for v in brand.short_videos if v.video_id != "v4")
    )
    assert _values(_declared(recent, short_videos=date(2022, 2, 25)))["preheat_rhythm"] is None
    assert _values(_declared(brand, short_videos=date(2022, 2, 20)))["preheat_rhythm"] == 2.0


def test_warmup_days_follow_the_streams_offset() -> None:
    brand = worked_brand()
    china = timezone(timedelta(hours=8))
    # 27 February 18:00 UTC is 28 February 02:00 in China: three days there.
    stream = attrs.evolve(brand.streams[0], started_at=datetime(2022, 3, 2, 4, tzinfo=china))
    assert _values(with_stream(brand, stream).brand)["preheat_rhythm"] == 3.0


def test_selling_points_need_a_hero_item() -> None:
    brand = worked_brand()
    roleless = attrs.evolve(
        brand, products=tuple(attrs.evolve(p, role=None) for p in brand.products)
    )
    values = _values(roleless)
    assert values["heroes_explained"] is None
    assert values["tier_coverage"] is None


def test_history_indicators_on_every_path(tmp_path: Path) -> None:
    """The order and video indicators read from a JSON Lines file (whose catalog holds the
    orders and videos but no streams), chunk by chunk, equal the per-object card's."""
    from steps.columnar import read_jsonl
    from steps.io.files import dump
    from steps.scoring.batch import TableCatalog
    from steps.scoring.engine import score_table

    brand = worked_brand()
    second = attrs.evolve(
        brand.streams[0], stream_id="s2", started_at=datetime(2022, 3, 5, 20, tzinfo=UTC)
    )
    brand = attrs.evolve(brand, streams=(*brand.streams, second))
    want = {s.stream.stream_id: SCORER.score(s, CONTEXT) for s in subjects_of(brand)}
    path = tmp_path / "worked.jsonl"
    dump(Dataset(brands=(brand,)), path)
    source = read_jsonl(path, chunk_rows=1)
    catalog = TableCatalog(source.catalog)
    keys = (*BUYER_KEYS, "preheat_rhythm", "sold_out_share", "heroes_explained")
    for chunk in source.chunks():
        for card in score_table(chunk, catalog, "stage", CONTEXT).to_results().cards:
            expected = want[card.subject_id]
            for key in keys:
                assert card.indicator(key).value == expected.indicator(key).value, key
            assert card.score == pytest.approx(expected.score, abs=1e-9)
    assert want["s1"].indicator("fan_assortment_split").value == pytest.approx(2 / 3)
    assert want["s2"].indicator("preheat_rhythm").value == 0.0
