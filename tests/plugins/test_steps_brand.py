"""Tests for the STEPS brand scorer (steps.plugins.steps_brand)."""

from __future__ import annotations

import math
import os
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import attrs
import pluggy
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import steps
from steps.domain.enums import LifecycleStage, Platform, ProductRole, TrafficSource
from steps.domain.fields import MAX_COUNT, MAX_MONEY_FEN
from steps.domain.model import (
    Account,
    Brand,
    FanGroup,
    Order,
    Product,
    Stream,
    StreamProduct,
    TalentCollab,
)
from steps.plugins import BUILTIN_PLUGINS, steps_brand
from steps.plugins.steps_brand import (
    COMPONENTS,
    FOCUS_WEIGHT,
    HUNDRED_W_FEN,
    PILLARS,
    STAGE_WEIGHTS,
    StepsScorer,
    all_indicators,
    brand_facts,
    indicator_table,
    infer_stage,
    stage_weights_table,
    weakest_pillar,
    worked_example,
)
from steps.scoring import hookspecs
from steps.scoring.contract import BrandScorer, ScoringContext
from steps.scoring.indicators import BenchmarkOverrides, LinearBenchmark
from steps.scoring.messages import LANGUAGES, builtin_catalogue
from steps.scoring.results import ComponentResult, ScoreCard
from steps.testing import strategies

SCORER = StepsScorer()
CONTEXT = ScoringContext()
DOC = Path(__file__).resolve().parents[2] / "docs" / "scorers" / "steps.md"
TZ = UTC
TOLERANCE = 1e-9
#: A placeholder of a move template left unfilled.
UNFILLED = re.compile(r"\{(value|benchmark|[a-z]+_[a-z_]+|heroes|hero|tool|talents|exclusive)\}")


def score(brand: Brand, context: ScoringContext = CONTEXT) -> ScoreCard:
    return SCORER.score(brand, context)


def pillar(card: ScoreCard, key: str) -> float | None:
    return card.component(key).score


def check_card(card: ScoreCard) -> None:
    """The invariants every STEPS card keeps."""
    assert math.isfinite(card.score)
    assert 0.0 <= card.score <= 100.0
    assert 0.0 <= card.confidence <= 1.0
    assert [c.key for c in card.components] == list(PILLARS)
    total = math.fsum(c.contribution for c in card.components)
    assert math.isclose(total, card.score, abs_tol=TOLERANCE)
    for component in card.components:
        assert component.score is None or 0.0 <= component.score <= 100.0
        parts = math.fsum(i.contribution for i in component.indicators)
        assert math.isclose(parts, component.contribution, abs_tol=TOLERANCE)
        for indicator in component.indicators:
            assert indicator.score is None or 0.0 <= indicator.score <= 100.0
            assert indicator.value is None or math.isfinite(indicator.value)
            if indicator.value is None:
                assert indicator.score is None
                assert indicator.missing
    assert card.notes["stage"] in {s.value for s in LifecycleStage}
    assert card.notes["stage_source"] in {"inferred", "override"}
    assert card.notes["weakest_pillar"] in {*PILLARS, "none"}
    for recommendation in card.recommendations:
        assert recommendation.text
        assert not UNFILLED.search(recommendation.text), recommendation.text


# --------------------------------------------------------------------------- builders

START = date(2022, 3, 1)


def at(day: int, hour: int = 20, minute: int = 0) -> datetime:
    moment = datetime(START.year, START.month, START.day, hour, minute, tzinfo=TZ)
    return moment + timedelta(days=day)


def stream(
    stream_id: str,
    day: int,
    *,
    account_id: str = "a1",
    gmv: int = 1_000_000,
    hours: float = 2.0,
    hour: int = 20,
    **fields: object,
) -> Stream:
    values: dict[str, object] = {
        "stream_id": stream_id,
        "account_id": account_id,
        "started_at": at(day, hour),
        "duration_seconds": int(hours * 3600),
        "uv": 10_000,
        "watch_seconds": 10_000 * 60,
        "orders": 100 if gmv else 0,
        "buyers": 90 if gmv else 0,
        "gmv_fen": gmv,
    }
    values.update(fields)
    return Stream(**values)  # type: ignore[arg-type]


def account(account_id: str = "a1", **fields: object) -> Account:
    values: dict[str, object] = {
        "account_id": account_id,
        "platform": Platform.KUAISHOU,
        "name": f"account {account_id}",
    }
    values.update(fields)
    return Account(**values)  # type: ignore[arg-type]


def collab(
    collab_id: str, gmv: int, *, talent: str | None = None, **fields: object
) -> TalentCollab:
    values: dict[str, object] = {
        "collab_id": collab_id,
        "talent_id": talent or f"t-{collab_id}",
        "talent_name": f"达人{collab_id}",
        "platform": Platform.KUAISHOU,
        "talent_followers": 100_000,
        "started_on": START,
        "ended_on": START + timedelta(days=6),
        "streams": 2,
        "gmv_fen": gmv,
        "commission_fen": gmv // 5,
        "orders": 10 if gmv else 0,
        "buyers": 10 if gmv else 0,
    }
    values.update(fields)
    return TalentCollab(**values)  # type: ignore[arg-type]


def brand(**fields: object) -> Brand:
    values: dict[str, object] = {"brand_id": "b", "name": "测试品牌", "category": "beauty"}
    values.update(fields)
    return Brand(**values)  # type: ignore[arg-type]


def measure(key: str, subject: Brand) -> float | None:
    (indicator,) = (i for i in all_indicators() if i.key == key)
    return indicator.measure(subject)


# --------------------------------------------------------------------------- definitions


def test_the_five_pillars_in_acronym_order():
    assert PILLARS == ("S", "T", "E", "P", "SS")
    assert [c.name_zh for c in COMPONENTS] == [
        "品牌自播",
        "公域流量加持",
        "达人分销",
        "私域运营",
        "渠道特供",
    ]


def test_every_indicator_is_documented_with_defaults_per_platform():
    keys = [i.key for i in all_indicators()]
    assert len(keys) == len(set(keys)), "indicator keys must be unique across the scorer"
    for indicator in all_indicators():
        assert re.fullmatch(r"[a-z0-9_]+", indicator.key)
        assert indicator.name
        assert indicator.name_zh
        assert indicator.unit
        assert indicator.formula
        assert indicator.inputs
        assert not indicator.advice, "advice belongs in the message catalogue"
        for language in LANGUAGES:
            advice = builtin_catalogue().template(f"steps.{indicator.key}.advice", language)
            assert advice is not None, (indicator.key, language)
            assert advice.endswith((".", "。")), (indicator.key, language)
        assert set(indicator.defaults) == {"kuaishou", "douyin", "*"}
        for benchmark in indicator.defaults.values():
            assert isinstance(benchmark, LinearBenchmark)
            assert benchmark.source
            cited = not benchmark.source.startswith("assumption: ")
            if cited:  # a citation names where the number comes from
                assert re.search(r"article|press|Kuaishou|Chen", benchmark.source)


def test_published_figures_are_cited_where_they_apply():
    (repurchase,) = (i for i in all_indicators() if i.key == "repurchase_rate")
    kuaishou = repurchase.defaults["kuaishou"]
    assert isinstance(kuaishou, LinearBenchmark)
    assert kuaishou.target == 0.70
    assert "Kuaishou e-commerce, Sept 2021 (article)" in kuaishou.source
    (public,) = (i for i in all_indicators() if i.key == "public_uv_share")
    assert "70% of Kuaishou live traffic" in public.defaults["kuaishou"].source


def test_stage_weights_sum_to_one_and_follow_the_methodology():
    for weights in STAGE_WEIGHTS.values():
        assert set(weights) == set(PILLARS)
        assert math.isclose(sum(weights.values()), 1.0)
    launch = STAGE_WEIGHTS[LifecycleStage.LAUNCH]
    growth = STAGE_WEIGHTS[LifecycleStage.GROWTH]
    mature = STAGE_WEIGHTS[LifecycleStage.MATURE]
    assert sorted(launch, key=launch.__getitem__)[-2:] == ["T", "E"]
    assert set(sorted(growth, key=growth.__getitem__)[-2:]) == {"S", "T"}
    assert sorted(mature, key=mature.__getitem__)[-2:] == ["SS", "P"]


def test_the_scorer_satisfies_the_brand_protocol():
    assert isinstance(SCORER, BrandScorer)
    assert SCORER.name == "steps"


def test_the_plugin_registers_the_scorer():
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    pm.register(steps_brand)
    registered: list[object] = []
    pm.hook.steps_register_scorers(register=registered.append)
    assert len(registered) == 1
    assert isinstance(registered[0], StepsScorer)
    assert "steps.plugins.steps_brand" in BUILTIN_PLUGINS


def test_the_builtin_is_found_by_the_plugin_host():
    from steps.scoring.plugins import PluginHost, make_plugin_manager

    host = PluginHost(make_plugin_manager(load_entrypoints=False, block=(), allow=()))
    assert isinstance(host.scorer("steps").scorer, StepsScorer)


# --------------------------------------------------------------------------- properties

SMALL_BRANDS = strategies.brands(max_streams=6, max_orders=8, max_collabs=3)


@given(SMALL_BRANDS)
def test_any_brand_gets_a_valid_card(subject: Brand):
    check_card(score(subject))


@given(SMALL_BRANDS, st.sampled_from(list(LifecycleStage)))
def test_any_stage_override_gives_a_valid_card(subject: Brand, stage: LifecycleStage):
    card = score(subject, ScoringContext(options={"steps.stage": stage.value}))
    check_card(card)
    assert card.notes["stage"] == stage.value
    assert card.notes["stage_source"] == "override"


@given(SMALL_BRANDS, st.data())
def test_adding_repeat_orders_never_lowers_the_private_domain(subject: Brand, data):
    assume(subject.orders)
    base = data.draw(st.sampled_from(subject.orders))
    extra = data.draw(st.integers(1, 3))
    taken = {o.order_id for o in subject.orders}
    new = tuple(
        Order(
            order_id=_fresh(f"repeat{n}", taken),
            buyer_key=base.buyer_key,
            placed_at=base.placed_at,
            amount_fen=base.amount_fen,
        )
        for n in range(extra)
    )
    richer = attrs.evolve(subject, orders=subject.orders + new)
    before, after = score(subject), score(richer)
    rate_before = measure("repurchase_rate", subject)
    rate_after = measure("repurchase_rate", richer)
    assert rate_before is not None
    assert rate_after is not None
    assert rate_after >= rate_before
    p_before, p_after = pillar(before, "P"), pillar(after, "P")
    assert p_before is not None
    assert p_after is not None
    assert p_after >= p_before - TOLERANCE


def _fresh(base: str, taken: set[str]) -> str:
    name = base
    while name in taken:
        name += "x"
    taken.add(name)
    return name


def _replace_stream(subject: Brand, index: int, new: Stream) -> Brand:
    streams = (*subject.streams[:index], new, *subject.streams[index + 1 :])
    return attrs.evolve(subject, streams=streams)


@given(SMALL_BRANDS, st.data())
def test_more_paid_gmv_never_lowers_public_traffic(subject: Brand, data):
    assume(subject.streams)
    index = data.draw(st.integers(0, len(subject.streams) - 1))
    old = subject.streams[index]
    assume(old.gmv_fen < MAX_MONEY_FEN)
    # Make the stream a paid one with a GMV split, so that its ROI is measured.
    paid = attrs.evolve(
        old,
        paid_spend_fen=max(old.paid_spend_fen or 0, 1),
        gmv_by_source=dict(old.gmv_by_source) or {TrafficSource.PAID: 0},
    )
    base = _replace_stream(subject, index, paid)
    added = data.draw(st.integers(1, min(MAX_MONEY_FEN - old.gmv_fen, 10**9)))
    by_source = dict(paid.gmv_by_source)
    by_source[TrafficSource.PAID] = by_source.get(TrafficSource.PAID, 0) + added
    orders = max(old.orders, 1)
    created = None if old.orders_created is None else max(old.orders_created, orders)
    richer = _replace_stream(
        base,
        index,
        attrs.evolve(
            paid,
            gmv_fen=old.gmv_fen + added,
            gmv_by_source=by_source,
            orders=orders,
            orders_created=created,
        ),
    )
    roi_before = measure("paid_roi", base)
    roi_after = measure("paid_roi", richer)
    assert roi_before is not None
    assert roi_after is not None
    assert roi_after > roi_before
    t_before, t_after = pillar(score(base), "T"), pillar(score(richer), "T")
    assert t_before is not None
    assert t_after is not None
    assert t_after >= t_before - TOLERANCE


@given(SMALL_BRANDS, st.data())
def test_more_reservations_never_lower_any_pillar(subject: Brand, data):
    assume(subject.streams)
    index = data.draw(st.integers(0, len(subject.streams) - 1))
    old = subject.streams[index]
    if old.reservations is None:  # recorded, at the least it can be
        old = attrs.evolve(old, reservations=old.reserved_attendees or 0)
        subject = _replace_stream(subject, index, old)
    assert old.reservations is not None
    assume(old.reservations < MAX_COUNT)
    more = data.draw(st.integers(1, min(MAX_COUNT - old.reservations, 10**6)))
    new = attrs.evolve(old, reservations=old.reservations + more)
    before, after = score(subject), score(_replace_stream(subject, index, new))
    for key in PILLARS:
        old_score, new_score = pillar(before, key), pillar(after, key)
        if old_score is not None:
            assert new_score is not None
            assert new_score >= old_score - TOLERANCE


@given(SMALL_BRANDS)
def test_values_are_never_nan_and_missing_is_never_zero(subject: Brand):
    card = score(subject)
    for indicator in card.indicators():
        if indicator.value is None:
            assert any(m.split(":")[0].endswith(f".{indicator.key}") for m in card.missing)


# --------------------------------------------------------------------------- small brands


def test_an_empty_brand_scores_zero_with_zero_confidence():
    card = score(brand())
    check_card(card)
    assert card.score == 0.0
    assert card.confidence == 0.0
    assert all(c.score is None for c in card.components)
    assert card.notes["stage"] == "launch"
    assert card.notes["weakest_pillar"] == "none"
    assert len(card.missing) == len(all_indicators())


def test_a_minimal_brand_scores_with_low_confidence():
    minimal = brand(accounts=(account(),), streams=(stream("s1", 0),))
    card = score(minimal)
    check_card(card)
    assert card.confidence < 0.7
    assert card.missing
    assert measure("repurchase_rate", minimal) is None  # no orders: unknown, not zero
    assert "P.repurchase_rate: needs orders[].buyer_key" in card.missing


def test_weekly_rates_use_the_window_or_else_the_span_of_stream_dates():
    streams = (stream("s1", 0, hours=2), stream("s2", 7, hours=3), stream("s3", 7, hour=8))
    windowed = brand(
        window_start=START,
        window_end=START + timedelta(days=27),
        accounts=(account(),),
        streams=streams,
    )
    # Four weeks; streams on two distinct days; 2 + 3 + 2 hours.
    assert measure("streaming_days_per_week", windowed) == pytest.approx(2 / 4)
    assert measure("streaming_hours_per_week", windowed) == pytest.approx(7 / 4)
    open_window = attrs.evolve(windowed, window_start=None, window_end=None)
    # Eight days from the first to the last stream: 8 / 7 weeks.
    assert measure("streaming_days_per_week", open_window) == pytest.approx(2 / (8 / 7))
    single = brand(accounts=(account(),), streams=(stream("s1", 0),))
    assert measure("streaming_days_per_week", single) == pytest.approx(1.0)  # at least a week
    assert measure("streaming_days_per_week", brand()) is None


def test_a_window_without_streams_measures_zero_cadence():
    talent_only = brand(
        window_start=START,
        window_end=START + timedelta(days=13),
        talent_collabs=(collab("c1", 5_000_000),),
    )
    assert measure("streaming_days_per_week", talent_only) == 0.0
    assert measure("self_gmv_share", talent_only) == 0.0
    assert measure("talent_gmv_share", talent_only) == 1.0
    assert measure("active_matrix_accounts", talent_only) == 0.0


def test_100w_plus_talents_need_a_million_yuan():
    talents = brand(
        talent_collabs=(
            collab("c1", HUNDRED_W_FEN, talent="big"),
            collab("c2", HUNDRED_W_FEN - 1, talent="almost"),
            collab("c3", HUNDRED_W_FEN // 2, talent="split"),
            collab("c4", HUNDRED_W_FEN // 2, talent="split"),
        )
    )
    assert HUNDRED_W_FEN == 1_000_000 * 100
    assert measure("talents_100w_plus", talents) == 2.0
    assert measure("talent_count", talents) == 3.0


def test_schedule_regularity_counts_streams_in_the_usual_slot():
    hours = [20, 20, 21, 20, 9, 20]  # 21:00 is within an hour of 20:00, 9:00 is not
    streams = tuple(stream(f"s{i}", i, hour=h) for i, h in enumerate(hours))
    subject = brand(accounts=(account(),), streams=streams)
    assert measure("schedule_regularity", subject) == pytest.approx(5 / 6)
    midnight = tuple(stream(f"m{i}", i, hour=h) for i, h in enumerate([23, 0, 23, 0]))
    assert measure("schedule_regularity", brand(accounts=(account(),), streams=midnight)) == 1.0


def test_hero_explanations_count_heroes_absent_from_a_stream_as_zero():
    products = (
        Product("h1", "爆款", "beauty", 9900, role=ProductRole.HERO),
        Product("h2", "主推", "beauty", 5900, role=ProductRole.HERO),
        Product("x", "利润款", "beauty", 19900, role=ProductRole.PROFIT),
    )
    streams = (
        stream(
            "s1",
            0,
            products=(StreamProduct("h1", explain_count=4), StreamProduct("x", explain_count=9)),
        ),
        stream("s2", 1, products=(StreamProduct("h1", explain_count=2),)),
        stream("s3", 2),  # no product records: not counted
    )
    subject = brand(accounts=(account(),), products=products, streams=streams)
    assert measure("hero_explains_per_stream", subject) == pytest.approx((4 + 0 + 2 + 0) / 4)


def test_cold_start_compares_the_later_and_earlier_first_streams_of_a_new_account():
    gmvs = [100, 100, 300, 300]
    streams = tuple(stream(f"s{i}", i, gmv=g * 100) for i, g in enumerate(gmvs))
    new = brand(accounts=(account(opened_on=START),), streams=streams)
    assert measure("cold_start_growth", new) == pytest.approx(3.0)
    old = brand(accounts=(account(opened_on=START - timedelta(days=365)),), streams=streams)
    assert measure("cold_start_growth", old) is None  # its cold start is not in the data


def test_lower_costs_per_fan_score_higher():
    cheap = brand(
        accounts=(account(),),
        streams=(stream("s1", 0, paid_spend_fen=20_000, new_followers=100),),
    )
    dear = brand(
        accounts=(account(),),
        streams=(stream("s1", 0, paid_spend_fen=200_000, new_followers=100),),
    )
    assert measure("cost_per_new_fan", cheap) == pytest.approx(2.0)
    assert measure("cost_per_new_fan", dear) == pytest.approx(20.0)
    assert score(cheap).indicator("cost_per_new_fan").score == 100.0
    assert score(dear).indicator("cost_per_new_fan").score == 0.0


def test_exclusive_items_raise_special_supply():
    products = (
        Product("r", "常规款", "beauty", 10_000),
        Product("x", "快手特供", "beauty", 15_000, channel_exclusive=True),
    )
    streams = (
        stream(
            "s1",
            0,
            gmv=250_000,
            products=(
                StreamProduct("r", orders=10, gmv_fen=100_000),
                StreamProduct("x", orders=10, gmv_fen=150_000),
            ),
        ),
    )
    subject = brand(accounts=(account(),), products=products, streams=streams)
    assert measure("exclusive_sku_share", subject) == 0.5
    assert measure("exclusive_gmv_share", subject) == pytest.approx(0.6)
    assert measure("exclusive_aov_ratio", subject) == pytest.approx(1.5)


def test_fan_group_measures():
    fans = FanGroup(members=1_000, active_members=400, new_members=100)
    subject = brand(
        window_start=START,
        window_end=START + timedelta(days=13),
        accounts=(account(followers=20_000, fan_group=fans),),
    )
    assert measure("fan_group_size", subject) == pytest.approx(0.05)
    assert measure("fan_group_activity", subject) == pytest.approx(0.4)
    assert measure("fan_group_growth", subject) == pytest.approx(0.1 / 2)


# --------------------------------------------------------------------------- stage


def test_a_brand_without_self_broadcast_is_at_launch():
    inference = infer_stage(brand(talent_collabs=(collab("c1", 5_000_000),)))
    assert inference.stage is LifecycleStage.LAUNCH
    assert "no self-broadcast" in inference.reason


def test_an_invalid_stage_option_is_refused():
    with pytest.raises(ValueError, match=r"steps\.stage must be one of launch, growth, mature"):
        score(brand(), ScoringContext(options={"steps.stage": "teenage"}))


def test_the_stage_option_changes_the_weights_and_keeps_the_evidence():
    sample = steps.generate(brands=3, seed=2021).brands[0]
    inferred = score(sample)
    forced = score(sample, ScoringContext(options={"steps.stage": LifecycleStage.MATURE}))
    assert inferred.notes["stage"] == "launch"
    assert forced.notes["stage"] == "mature"
    assert forced.notes["stage_source"] == "override"
    assert forced.notes["stage_evidence"] == inferred.notes["stage_evidence"]
    weights = {c.key: c.weight for c in forced.components}
    assert weights["P"] > weights["E"]


def test_the_weakest_pillar_is_the_lowest_focus_pillar():
    def result(key: str, value: float | None) -> ComponentResult:
        return ComponentResult(key, key, key, score=value, weight=0.2, contribution=0.0)

    weights = STAGE_WEIGHTS[LifecycleStage.LAUNCH]
    cards = [result("S", 40), result("T", 50), result("E", 70), result("P", 5), result("SS", 0)]
    chosen = weakest_pillar(cards, weights)
    assert chosen is not None
    assert chosen.key == "S"  # P and SS weigh less than FOCUS_WEIGHT at launch
    assert weights["P"] < FOCUS_WEIGHT
    only_p = [result("S", None), result("T", None), result("E", None), result("P", 5)]
    chosen = weakest_pillar(only_p, weights)
    assert chosen is not None
    assert chosen.key == "P"
    assert weakest_pillar([result("S", None)], weights) is None


@pytest.fixture(scope="module")
def lifecycle() -> list[ScoreCard]:
    """The sample generator's lifecycle brands: 0 launch, 1 growth, 2 mature (Kuaishou)."""
    return [score(b) for b in steps.generate(brands=3, seed=2021).brands]


def test_the_sample_stages_are_inferred(lifecycle: list[ScoreCard]):
    assert [c.notes["stage"] for c in lifecycle] == ["launch", "growth", "mature"]
    assert all(c.notes["stage_source"] == "inferred" for c in lifecycle)
    for card in lifecycle:
        check_card(card)
        assert card.confidence > 0.9


def test_the_sample_weakest_pillars_follow_the_methodology(lifecycle: list[ScoreCard]):
    launch, growth, mature = lifecycle
    assert launch.notes["weakest_pillar"] in {"S", "P"}
    scores = {c.key: c.score or 0.0 for c in mature.components}
    top = sorted(scores, key=scores.__getitem__, reverse=True)
    assert "P" in top[:3], scores
    assert mature.notes["weakest_pillar"] != "P"
    assert len({c.notes["weakest_pillar"] for c in lifecycle}) >= 2
    # The launch brand lives on talents; the mature one on its private domain.
    assert launch.indicator("talent_gmv_share").value > 0.8  # type: ignore[operator]
    assert (mature.component("P").score or 0) > (launch.component("P").score or 0) + 40
    assert (growth.component("S").score or 0) > (launch.component("S").score or 0)


def test_the_launch_next_move_names_the_talent_hits(lifecycle: list[ScoreCard]):
    sample = steps.generate(brands=3, seed=2021).brands[0]
    facts = brand_facts(sample)
    move = lifecycle[0].recommendations[0]
    assert move.component == lifecycle[0].notes["weakest_pillar"] == "S"
    assert re.match(r"Talent GMV is \d+% of total", move.text)
    assert "no self-broadcast account streams more than twice a week" in move.text
    for product_id in facts.talent_hits:
        assert facts.product_label(product_id) in move.text


def test_every_move_template_fills_from_the_sample():
    from steps.plugins.steps_brand import _MoveFacts

    catalogue = builtin_catalogue()
    keys = {i.key for i in all_indicators()}
    moves = {k.split(".")[1] for k in catalogue.keys("en") if k.endswith(".situation")}
    assert moves
    assert moves <= keys
    for subject in steps.generate(brands=3, seed=2021).brands:
        for language in LANGUAGES:
            facts = _MoveFacts(brand_facts(subject), language)
            params = {**facts.params(), "value": "1", "benchmark": "target 1, floor 0"}
            for key in sorted(moves):
                for part in ("situation", "move"):
                    filled = catalogue.text(f"steps.{key}.{part}", language, **params)
                    assert not UNFILLED.search(filled)
                    assert filled


def test_user_benchmarks_override_the_defaults():
    sample = steps.generate(brands=3, seed=2021).brands[2]
    overrides = BenchmarkOverrides(
        {"steps.repurchase_rate": {"kuaishou": LinearBenchmark(0.9, 0.95, "our cohort")}}
    )
    card = score(sample, ScoringContext(benchmarks=overrides))
    result = card.indicator("repurchase_rate")
    assert result.benchmark_source == "our cohort"
    assert result.score == 0.0


# --------------------------------------------------------------------------- documentation


def _block(name: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"<!-- {name}:start -->\n(.*?)<!-- {name}:end -->", text, re.S)
    assert match, f"{DOC.name} has no {name} block"
    return match.group(1)


def _generated() -> dict[str, str]:
    return {
        "indicators": indicator_table(),
        "stage-weights": stage_weights_table(),
        "stage-rule": f"{steps_brand.STAGE_RULE}.\n",
        "example": worked_example(steps.sample_dataset().brands),
    }


def regenerate_docs() -> None:
    """Rewrite the generated blocks of docs/scorers/steps.md (``STEPS_REGENERATE_DOCS=1``)."""
    text = DOC.read_text(encoding="utf-8")
    for name, body in _generated().items():
        start, end = f"<!-- {name}:start -->\n", f"<!-- {name}:end -->"
        head, _, rest = text.partition(start)
        _, _, tail = rest.partition(end)
        text = head + start + body + end + tail
    DOC.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("name", ["indicators", "stage-weights", "stage-rule", "example"])
def test_the_documentation_is_up_to_date(name: str):
    if os.environ.get("STEPS_REGENERATE_DOCS") == "1":
        regenerate_docs()
    assert _block(name) == _generated()[name], (
        f"docs/scorers/steps.md block {name!r} is stale: run "
        "STEPS_REGENERATE_DOCS=1 pytest tests/plugins/test_steps_brand.py"
    )


def test_the_worked_example_states_the_sample_numbers():
    text = _block("example")
    for card in (score(b) for b in steps.sample_dataset().brands):
        assert f"Score **{card.score:.1f}**" in text
        assert f"Stage: **{card.notes['stage']}**" in text
        assert f"Weakest pillar for the stage: **{card.notes['weakest_pillar']}**" in text
        for component in card.components:
            if component.score is not None:
                assert f"| {component.score:.1f} |" in text
        assert card.recommendations[0].text in text
