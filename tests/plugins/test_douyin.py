"""Tests for the Douyin interest scorers (steps.plugins.douyin): per stream and FACT per brand."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import attrs
import pluggy
import pytest
from hypothesis import given

from steps.domain.enums import Platform, Section, TrafficSource
from steps.domain.model import (
    Account,
    Brand,
    Dataset,
    Order,
    SectionCoverage,
    ShortVideo,
    Stream,
    TalentCollab,
)
from steps.plugins import BUILTIN_PLUGINS, douyin
from steps.plugins._support import brand_weeks, indicator_table
from steps.plugins.douyin import (
    BRAND_COMPONENTS,
    FUNNEL_STEPS,
    STREAM_COMPONENTS,
    DouyinBrandScorer,
    DouyinStreamScorer,
    fact_components,
)
from steps.scoring import hookspecs
from steps.scoring.contract import BrandScorer, ScoringContext, StreamScorer
from steps.scoring.indicators import Origin
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

STREAM = DouyinStreamScorer()
BRAND = DouyinBrandScorer()
CONTEXT = ScoringContext()


def _at(day: int) -> datetime:
    return datetime(2022, 3, day, 20, tzinfo=UTC)


# --------------------------------------------------------------------------- stream, by hand


def funnel_stream() -> Stream:
    return Stream(
        stream_id="s1",
        account_id="acc",
        started_at=_at(1),
        duration_seconds=7200,
        uv=20_000,
        watch_seconds=20_000 * 90,
        orders=400,
        buyers=350,
        gmv_fen=1_234_500,
        exposure=100_000,
        views=50_000,
        product_exposure_uv=12_000,
        product_click_uv=1_800,
        orders_created=500,
        uv_by_source={TrafficSource.PUBLIC_NATURAL: 10_000, TrafficSource.SHORT_VIDEO: 2_000},
        comments=1_000,
        likes=8_000,
        shares=1_000,
    )


def test_gpm_is_gmv_per_thousand_views_by_hand() -> None:
    brand = minimal_brand(funnel_stream(), platform=Platform.DOUYIN)
    card = STREAM.score(subjects_of(brand)[0], CONTEXT)
    check_card(card, STREAM_COMPONENTS)
    gpm = card.indicator("gpm")
    # 12,345 CNY over 50,000 views: 246.9 CNY per thousand views (not gifts per minute).
    assert gpm.value == pytest.approx(246.9)
    assert gpm.unit == "CNY per 1,000 views"
    assert "千次观看成交金额" in gpm.name_zh
    assert gpm.score == pytest.approx((246.9 - 100) / 700 * 100)
    assert card.indicator("uv_value").value == pytest.approx(12_345 / 20_000)
    assert card.indicator("entry_rate").value == pytest.approx(0.2)
    assert card.indicator("feed_share").value == pytest.approx(0.5)
    assert card.indicator("short_video_share").value == pytest.approx(0.1)
    assert card.indicator("avg_watch_minutes").value == pytest.approx(1.5)
    assert card.indicator("interaction_rate").value == pytest.approx(0.5)
    # No short videos recorded at all: content output is unknown, not zero.
    assert card.indicator("content_output").value is None
    assert "engagement.content_output: needs brand.short_videos" in card.missing[0]


def _funnel(card: ScoreCard) -> list[float | None]:
    rates = [card.notes.get(f"funnel.{step}") for step in FUNNEL_STEPS]
    return [None if rate is None else float(rate) for rate in rates]


def test_funnel_steps_and_overall_by_hand() -> None:
    stream = funnel_stream()
    card = STREAM.score(subjects_of(minimal_brand(stream))[0], CONTEXT)
    assert _funnel(card) == pytest.approx([0.2, 0.6, 0.15, 0.2778, 0.8])
    assert card.indicator("entry_rate").value == pytest.approx(0.2)
    assert card.indicator("create_rate").value == pytest.approx(500 / 1800)
    assert card.indicator("funnel_conversion").value == pytest.approx(400 / 100_000)
    assert card.notes["funnel.click"] == "0.1500"
    unknown = attrs.evolve(stream, orders_created=None)
    card = STREAM.score(subjects_of(minimal_brand(unknown))[0], CONTEXT)
    assert card.indicator("funnel_conversion").value is None
    assert card.indicator("pay_rate").value is None
    assert "funnel.pay" not in card.notes


@given(brand_with_stream())
def test_overall_conversion_is_the_product_of_the_steps(drawn: tuple[Brand, Stream]) -> None:
    brand, stream = drawn
    card = STREAM.score(with_stream(brand, stream), CONTEXT)
    overall = card.indicator("funnel_conversion").value
    keys = ("entry_rate", "product_exposure_rate", "click_rate", "create_rate", "pay_rate")
    rates = [card.indicator(key).value for key in keys]
    if any(r is None for r in rates):
        assert overall is None
    else:
        assert stream.exposure
        assert overall == pytest.approx(stream.orders / stream.exposure, rel=1e-9)
        assert overall == pytest.approx(math.prod(r for r in rates if r is not None), rel=1e-12)


def test_content_output_counts_the_accounts_videos_per_week() -> None:
    brand = fact_brand()
    assert brand_weeks(brand) == 4.0
    cards = STREAM.score_many(subjects_of(brand), CONTEXT)
    # One video of each account inside the four-week window (v3 lies outside it).
    assert [c.indicator("content_output").value for c in cards] == pytest.approx([0.25] * 4)


def test_empty_stream_scores_with_zero_confidence() -> None:
    card = STREAM.score(subjects_of(minimal_brand(empty_stream()))[0], CONTEXT)
    check_card(card, STREAM_COMPONENTS)
    assert card.score == 0.0
    assert card.confidence == 0.0
    assert not any(i.available for i in card.indicators())


@given(strategies.brands(max_streams=3, max_short_videos=3))
def test_stream_cards_keep_the_invariants(brand: Brand) -> None:
    subjects = subjects_of(brand)
    cards = STREAM.score_many(subjects, CONTEXT)
    for subject, card in zip(subjects, cards, strict=True):
        check_card(card, STREAM_COMPONENTS)
        check_measures(subject, STREAM_COMPONENTS)


@given(strategies.datasets(max_brands=3, max_streams=3))
def test_stream_score_many_equals_score(dataset: Dataset) -> None:
    subjects = [s for brand in dataset.brands for s in subjects_of(brand)]
    subjects = subjects[1::2] + subjects[::2]
    assert STREAM.score_many(subjects, CONTEXT) == [STREAM.score(s, CONTEXT) for s in subjects]


# --------------------------------------------------------------------------- FACT, by hand


def fact_brand() -> Brand:
    accounts = tuple(
        Account(account_id=a, platform=Platform.DOUYIN, name=a.upper()) for a in ("a1", "a2")
    )

    def stream(
        sid: str,
        account: str,
        day: int,
        exposure: int | None,
        gmv: int,
        *,
        campaign: str | None = None,
    ) -> Stream:
        return Stream(
            stream_id=sid,
            account_id=account,
            started_at=_at(day),
            duration_seconds=3600,
            uv=1000,
            watch_seconds=60_000,
            orders=10,
            buyers=10,
            gmv_fen=gmv,
            exposure=exposure,
            campaign=campaign,
        )

    def collab(cid: str, talent: str, followers: int, gmv: int, reached: int) -> TalentCollab:
        return TalentCollab(
            collab_id=cid,
            talent_id=talent,
            talent_name=talent,
            platform=Platform.DOUYIN,
            talent_followers=followers,
            started_on=date(2022, 3, 5),
            ended_on=date(2022, 3, 6),
            streams=1,
            gmv_fen=gmv,
            commission_fen=gmv // 5,
            orders=10,
            buyers=10,
            audience_reached=reached,
        )

    return Brand(
        brand_id="fact",
        name="FACT brand",
        category="beauty",
        window_start=date(2022, 3, 1),
        window_end=date(2022, 3, 28),
        accounts=accounts,
        streams=(
            stream("s1", "a1", 2, 100_000, 1_000_000),
            stream("s2", "a1", 8, 50_000, 500_000, campaign="3.8 女王节"),
            stream("s3", "a2", 9, None, 200_000),
            stream("s4", "a2", 10, 150_000, 900_000, campaign="  "),
        ),
        short_videos=(
            ShortVideo("v1", "a1", _at(1), views=20_000),
            ShortVideo("v2", "a2", _at(3), views=30_000),
            ShortVideo("v3", "a1", datetime(2022, 4, 15, tzinfo=UTC), views=999),
        ),
        talent_collabs=(
            collab("c1", "t1", 8_000_000, 2_000_000, 400_000),
            collab("c2", "t2", 100_000, 400_000, 0),
            collab("c3", "t2", 100_000, 100_000, 100_000),
        ),
    )


FACT_VALUES = {
    "field_gmv_share": 2.6 / 5.1,
    "field_accounts": 2.0,
    "field_width": 350_000 / 4,
    "field_depth": 2_400_000 * 1000 / 350_000 / 100,
    "alliance_gmv_share": 2.5 / 5.1,
    "alliance_talents": 2.0,
    "alliance_width": 500_000 / 4,
    "alliance_depth": 2_100_000 * 1000 / 500_000 / 100,
    "campaign_gmv_share": 0.5 / 2.6,
    "campaign_width": 50_000 / 125_000,
    "campaign_depth": 10 / 7.6,
    "top_kol_gmv_share": 2.0 / 5.1,
    "top_kol_width": 400_000 / 4,
    "top_kol_depth": 50.0,
}


def test_fact_values_by_hand() -> None:
    card = BRAND.score(fact_brand(), CONTEXT)
    check_card(card, BRAND_COMPONENTS)
    assert [c.key for c in card.components] == ["F", "A", "C", "T"]
    values = {i.key: i.value for i in card.indicators()}
    assert set(values) == set(FACT_VALUES)
    for key, expected in FACT_VALUES.items():
        assert values[key] == pytest.approx(expected, rel=1e-12), key
    assert card.confidence == 1.0
    assert card.notes == {"top_kol_followers": "5000000", "weeks": "4.00"}


def test_fact_plus_width_times_depth_gives_back_gmv() -> None:
    card = BRAND.score(fact_brand(), CONTEXT)
    value = {i.key: i.value or 0.0 for i in card.indicators()}
    weeks = 4
    # Field: width × weeks × depth / 1000 = GMV (CNY) of the streams that record exposure.
    assert value["field_width"] * weeks * value["field_depth"] / 1000 == pytest.approx(24_000)
    assert value["alliance_width"] * weeks * value["alliance_depth"] / 1000 == pytest.approx(21_000)
    assert value["top_kol_width"] * weeks * value["top_kol_depth"] / 1000 == pytest.approx(20_000)
    # Campaign: exposure uplift × conversion uplift = GMV-per-stream uplift.
    gmv_uplift = 500_000 / ((1_000_000 + 900_000) / 2)
    assert value["campaign_width"] * value["campaign_depth"] == pytest.approx(gmv_uplift)


def test_top_kol_threshold_is_an_option() -> None:
    brand = fact_brand()
    low = ScoringContext(options={"douyin-interest-brand.top_kol_followers": 50_000})
    card = BRAND.score(brand, low)
    assert card.indicator("top_kol_gmv_share").value == pytest.approx(1.0 - 2.6 / 5.1)
    assert card.notes["top_kol_followers"] == "50000"
    assert "≥ 50,000 followers" in next(
        i.formula
        for c in BRAND.components(brand, low)
        for i in c.indicators
        if i.key == "top_kol_depth"
    )
    for bad in (0, -5, "many", True, 1.5):
        with pytest.raises(ValueError, match="top_kol_followers"):
            BRAND.score(
                brand, ScoringContext(options={"douyin-interest-brand.top_kol_followers": bad})
            )
    with pytest.raises(ValueError, match="positive integer"):
        fact_components(0)


def test_unrecorded_talent_reach_is_missing_not_zero() -> None:
    brand = fact_brand()
    unreached = attrs.evolve(
        brand,
        talent_collabs=tuple(attrs.evolve(c, audience_reached=0) for c in brand.talent_collabs),
    )
    card = BRAND.score(unreached, CONTEXT)
    for key in ("alliance_width", "alliance_depth", "top_kol_width", "top_kol_depth"):
        assert card.indicator(key).value is None, key
    assert card.confidence < 1.0
    # A recorded reach that includes no big talent is a measured zero for Top-KOL width.
    small = attrs.evolve(
        brand,
        talent_collabs=tuple(attrs.evolve(c, talent_followers=10) for c in brand.talent_collabs),
    )
    assert BRAND.score(small, CONTEXT).indicator("top_kol_width").value == 0.0


def test_empty_brand_scores_zero_with_zero_confidence() -> None:
    card = BRAND.score(Brand(brand_id="e", name="", category=""), CONTEXT)
    check_card(card, BRAND_COMPONENTS)
    assert card.score == 0.0
    assert card.confidence == 0.0
    assert card.recommendations == ()


@given(strategies.brands(max_streams=3, max_collabs=3, max_short_videos=3))
def test_brand_cards_keep_the_invariants(brand: Brand) -> None:
    card = BRAND.score(brand, CONTEXT)
    check_card(card, BRAND_COMPONENTS)
    check_measures(brand, BRAND_COMPONENTS)


def test_every_indicator_is_documented_and_benchmarked() -> None:
    check_definitions(STREAM_COMPONENTS, "douyin-interest")
    check_definitions(BRAND_COMPONENTS, "douyin-interest-brand")


def test_every_indicator_says_where_it_comes_from() -> None:
    check_provenance(STREAM_COMPONENTS, "douyin-interest.md")
    check_provenance(BRAND_COMPONENTS, "douyin-interest.md")
    # FACT and FACT+ are Douyin's published frameworks, not the article's.
    for component in BRAND_COMPONENTS:
        for indicator in component.indicators:
            assert indicator.provenance is not None
            assert indicator.provenance.origin is Origin.PUBLISHED, indicator.key
    demand = next(c for c in STREAM_COMPONENTS if c.key == "demand")
    quotes = {i.key: i.provenance.quote for i in demand.indicators if i.provenance}
    assert quotes["first_time_buyer_share"] == "发现用户隐藏的消费需求"
    assert douyin.WEIGHTS.origin is Origin.ASSUMPTION
    assert STREAM.weights_provenance is BRAND.weights_provenance is douyin.WEIGHTS
    assert [c.key for c in BRAND_COMPONENTS] == ["F", "A", "C", "T"]


def test_registers_both_scorers_through_the_hook() -> None:
    assert "steps.plugins.douyin" in BUILTIN_PLUGINS
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    pm.register(douyin)
    registered: list[object] = []
    pm.hook.steps_register_scorers(register=registered.append)
    stream_scorer, brand_scorer = registered
    assert isinstance(stream_scorer, StreamScorer)
    assert stream_scorer.name == "douyin-interest"
    assert isinstance(brand_scorer, BrandScorer)
    assert brand_scorer.name == "douyin-interest-brand"


# --------------------------------------------------------------------------- docs


def test_doc_tables_match_the_definitions() -> None:
    assert doc_block("douyin-interest.md", "stream-indicators") == indicator_table(
        STREAM_COMPONENTS
    )
    assert doc_block("douyin-interest.md", "brand-indicators") == indicator_table(BRAND_COMPONENTS)


def test_doc_worked_examples_match_the_sample() -> None:
    from steps.sample import sample_dataset

    brand = sample_dataset().brands[0]
    subject = subjects_of(brand)[0]
    stream_card = STREAM.score(subject, CONTEXT)
    assert doc_block("douyin-interest.md", "stream-example") == example_block(
        stream_card, brand, subject.stream.stream_id
    )
    brand_card = BRAND.score(brand, CONTEXT)
    assert doc_block("douyin-interest.md", "brand-example") == example_block(
        brand_card, brand, brand.brand_id
    )


# --------------------------------------------------------------------------- hidden demand


def _paid(oid: str, buyer: str, amount: int, source: TrafficSource | None, day: int = 1) -> Order:
    placed = (
        datetime(2022, 3, day, 20, 30, tzinfo=UTC) if day else datetime(2022, 1, 20, tzinfo=UTC)
    )
    return Order(
        order_id=oid,
        buyer_key=buyer,
        placed_at=placed,
        amount_fen=amount,
        stream_id="s1" if day else None,
        traffic_source=source,
    )


DEMAND_ORDERS = (
    _paid("o0", "X", 100, None, day=0),  # X bought in January, away from any stream
    _paid("o1", "X", 500, TrafficSource.PRIVATE),
    _paid("o2", "Y", 300, TrafficSource.PUBLIC_NATURAL),
    _paid("o3", "Z", 200, None),
    _paid("o4", "W", 400, TrafficSource.SHORT_VIDEO),
    _paid("o5", "W", 100, TrafficSource.PRIVATE),
)


def test_hidden_demand_by_hand() -> None:
    brand = attrs.evolve(minimal_brand(funnel_stream()), orders=DEMAND_ORDERS)
    card = STREAM.score(subjects_of(brand)[0], CONTEXT)
    check_card(card, STREAM_COMPONENTS)
    # X returning; Y, Z and W new to the brand
    assert card.indicator("first_time_buyer_share").value == pytest.approx(0.75)
    # Of X, Y and W (Z records no source), only Y came from outside the private domain.
    assert card.indicator("non_follower_buyer_share").value == pytest.approx(1 / 3)
    # 0.75 against floor 0.2, target 0.6: 100; 1/3 against floor 0.2, target 0.7: 26.67
    assert card.component("demand").score == pytest.approx((100 + (1 / 3 - 0.2) / 0.5 * 100) / 2)


def test_hidden_demand_is_unknown_without_orders_or_history() -> None:
    stream = funnel_stream()
    keys = ("first_time_buyer_share", "non_follower_buyer_share")
    card = STREAM.score(subjects_of(minimal_brand(stream))[0], CONTEXT)
    assert [card.indicator(k).value for k in keys] == [None, None]
    assert card.component("demand").score is None
    assert "demand" not in {r.component for r in card.recommendations}
    # Without January, the details begin on the stream's day: new buyers cannot be told
    # from returning ones, while the traffic sources still say who came from where.
    recent = attrs.evolve(minimal_brand(stream), orders=DEMAND_ORDERS[1:])
    card = STREAM.score(subjects_of(recent)[0], CONTEXT)
    assert card.indicator("first_time_buyer_share").value is None
    assert card.indicator("non_follower_buyer_share").value == pytest.approx(1 / 3)
    # No order records its source: not available, not 0.
    unsourced = attrs.evolve(
        minimal_brand(stream),
        orders=tuple(attrs.evolve(o, traffic_source=None) for o in DEMAND_ORDERS),
    )
    card = STREAM.score(subjects_of(unsourced)[0], CONTEXT)
    assert card.indicator("non_follower_buyer_share").value is None
    assert card.indicator("first_time_buyer_share").value == pytest.approx(0.75)


# --------------------------------------------------------------------------- FACT, unknown


def test_shares_need_both_channels() -> None:
    """A live-session export alone says nothing of talents: the Field's share of GMV is
    unknown there, not 100%."""
    brand = attrs.evolve(fact_brand(), talent_collabs=())
    card = BRAND.score(brand, CONTEXT)
    check_card(card, BRAND_COMPONENTS)
    for key in ("field_gmv_share", "alliance_gmv_share", "alliance_talents", "top_kol_gmv_share"):
        assert card.indicator(key).value is None, key
    assert card.component("A").score is None
    assert {r.component for r in card.recommendations} <= {"F", "C"}
    # Talent collaborations provided, and there were none: a measured 0 and a known share.
    declared = attrs.evolve(
        brand, coverage=(*brand.covered(), SectionCoverage(Section.TALENT_COLLABS))
    )
    card = BRAND.score(declared, CONTEXT)
    assert card.indicator("field_gmv_share").value == 1.0
    assert card.indicator("alliance_talents").value == 0.0
    assert card.indicator("alliance_gmv_share").value == 0.0


def test_campaign_share_needs_tagged_streams() -> None:
    brand = fact_brand()
    untagged = attrs.evolve(
        brand, streams=tuple(attrs.evolve(s, campaign=None) for s in brand.streams)
    )
    card = BRAND.score(untagged, CONTEXT)
    assert card.indicator("campaign_gmv_share").value is None
    assert card.component("C").score is None


def test_content_output_needs_short_videos_provided() -> None:
    stream = funnel_stream()
    videos = (ShortVideo("v1", "acc", _at(1)), ShortVideo("v2", "acc", _at(2)))
    brand = attrs.evolve(minimal_brand(stream), short_videos=videos)
    value = STREAM.score(subjects_of(brand)[0], CONTEXT).indicator("content_output").value
    assert value == pytest.approx(2.0)  # two videos over a window of one week (at least)
    assert (
        STREAM.score(subjects_of(minimal_brand(stream))[0], CONTEXT)
        .indicator("content_output")
        .value
        is None
    )
