"""Plans: a GMV target as factor targets that multiply back to it, with their levers."""

from __future__ import annotations

import math
from datetime import date

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import steps
from steps.gmv.levers import PARTS, lever_table
from steps.gmv.periods import period_of
from steps.gmv.plans import PlanError, parse_amount_fen, plan
from steps.plugins import douyin, stage, steps_brand, trust
from tests.gmv.support import douyin_brand, kuaishou_brand, with_order_details

SAMPLE = steps.sample_dataset()
SEPTEMBER = period_of(date(2021, 9, 1), "month")
INDICATORS = {
    f"{scorer}.{indicator.key}"
    for scorer, components in (
        ("steps", steps_brand.COMPONENTS),
        ("stage", stage.COMPONENTS),
        ("douyin-interest", douyin.STREAM_COMPONENTS),
        ("douyin-interest-brand", douyin.BRAND_COMPONENTS),
        ("trust", trust.COMPONENTS),
    )
    for component in components
    for indicator in component.indicators
}


def test_amounts_in_yuan() -> None:
    assert parse_amount_fen("500万") == 500 * 10_000 * 100
    assert parse_amount_fen("1.2亿") == 120_000_000 * 100
    assert parse_amount_fen("¥3,000,000") == 3_000_000 * 100
    assert parse_amount_fen("80万元") == 800_000 * 100
    assert parse_amount_fen("12345.67") == 1_234_567
    for bad in ("abc", "0", "-5万", "万"):
        with pytest.raises(ValueError, match="must be"):
            parse_amount_fen(bad)


def test_the_latest_complete_month_and_equal_shares() -> None:
    result = plan(SAMPLE, "b00", target_fen=parse_amount_fen("50万"), levers=False)
    assert result.base == SEPTEMBER  # the window ends on 30 September
    assert result.target_period == period_of(date(2021, 10, 1), "month")
    brand = SAMPLE.brand("b00")
    assert result.current_gmv_fen == sum(
        s.gmv_fen for s in brand.streams if s.started_at.month == 9
    )
    assert result.identity.key == "kuaishou"
    assert result.product() == pytest.approx(result.target_gmv_fen, rel=1e-9)
    # five free factors, equal weights: each grows by the fifth root of the ratio
    ratio = (result.target_gmv_fen / result.current_gmv_fen) ** (1 / 5)
    for f in result.factors:
        assert f.target / f.current == pytest.approx(ratio, rel=1e-12)
        assert f.share == pytest.approx(0.2)
    assert math.prod(f.current for f in result.factors) == pytest.approx(
        result.current_gmv_fen, rel=1e-9
    )


@settings(max_examples=60, deadline=None)
@given(
    target=st.integers(1, 10**13),
    held=st.sets(st.sampled_from(["uv", "minutes_per_viewer", "buyers_per_minute", "aov"])),
    weights=st.dictionaries(
        st.sampled_from(["minutes_per_viewer", "orders_per_buyer", "aov"]),
        st.floats(0.1, 10),
    ),
)
def test_targets_multiply_back_to_the_target(
    target: int, held: set[str], weights: dict[str, float]
) -> None:
    result = plan(SAMPLE, "b02", target_fen=target, hold=held, weights=weights, levers=False)
    assert abs(result.product() / target - 1) <= 1e-9
    free = [f for f in result.factors if not f.held]
    assert sum(f.share for f in free) == pytest.approx(1.0)
    for f in result.factors:
        if f.held:
            assert f.target == f.current
            assert f.share == 0
        else:
            # the log growth of each free factor is its weight's share of ln(T / G0)
            weight = weights.get(f.key, 1.0)
            share = weight / sum(weights.get(g.key, 1.0) for g in free)
            assert math.log(f.target / f.current) == pytest.approx(
                result.log_ratio * share, rel=1e-9, abs=1e-12
            )


def test_a_douyin_brand_plans_along_fact_plus() -> None:
    result = plan(douyin_brand(), target_fen=parse_amount_fen("20万"), period="week")
    assert result.identity.key == "douyin-fact-plus"
    assert [f.key for f in result.factors] == [
        "exposure", "seeding_rate", "conversion", "aov_per_buyer",
    ]  # fmt: skip
    assert abs(result.product() / result.target_gmv_fen - 1) <= 1e-9
    # without a window the data cover 2 August to 27 September, the day of the last stream:
    # week 39 runs on to 3 October, so the latest whole week is week 38
    assert result.base.label == "2021-W38"


def test_distinct_buyers_carry_into_the_plan() -> None:
    brand = with_order_details(kuaishou_brand())
    brand = attrs.evolve(brand, window_start=date(2021, 8, 1), window_end=date(2021, 9, 30))
    result = plan(brand, target_fen=10**8, levers=False)
    assert result.base == SEPTEMBER
    assert result.buyers.distinct
    orders = next(f for f in result.factors if f.key == "orders_per_buyer")
    ids = {s.stream_id for s in brand.streams if result.base.contains(s.started_at.date())}
    distinct = len({o.buyer_key for o in brand.orders if o.stream_id in ids})
    assert orders.current == pytest.approx(
        sum(s.orders for s in brand.streams if s.stream_id in ids) / distinct
    )


def test_refusals() -> None:
    with pytest.raises(PlanError, match="unknown factor"):
        plan(SAMPLE, "b00", target_fen=10**8, hold=["viewers"], levers=False)
    with pytest.raises(PlanError, match="every factor is held"):
        plan(SAMPLE, "b00", target_fen=10**8, hold=["uv", "minutes_per_viewer",
             "buyers_per_minute", "orders_per_buyer", "aov"], levers=False)  # fmt: skip
    with pytest.raises(PlanError, match="positive"):
        plan(SAMPLE, "b00", target_fen=0, levers=False)
    with pytest.raises(PlanError, match="no self-broadcast GMV in 2020-01"):
        plan(SAMPLE, "b00", target_fen=10**8, base=period_of(date(2020, 1, 1), "month"))
    with pytest.raises(PlanError, match=">= 0"):
        plan(SAMPLE, "b00", target_fen=10**8, weights={"aov": -1}, levers=False)
    short = attrs.evolve(
        kuaishou_brand(first=date(2021, 8, 3), weeks=1),
        window_start=date(2021, 8, 3),
        window_end=date(2021, 8, 5),
    )
    with pytest.raises(PlanError, match="covers no whole week"):
        plan(short, target_fen=10**8, period="week")
    # the current GMV as the target: every factor stays where it is
    same = plan(SAMPLE, "b00", target_fen=plan(SAMPLE, "b00", target_fen=1, levers=False)
                .current_gmv_fen, levers=False)  # fmt: skip
    assert all(f.target == pytest.approx(f.current) for f in same.factors)


def test_the_lever_table_names_real_indicators_of_every_factor() -> None:
    from steps.gmv.identities import BUILTIN_IDENTITIES

    for identity in BUILTIN_IDENTITIES:
        factors = lever_table(identity.factor_keys, identity.key)
        assert tuple(factors) == identity.factor_keys, identity.key
        for keys in factors.values():
            assert keys
            assert set(keys) <= INDICATORS, set(keys) - INDICATORS


def test_levers_are_read_from_the_indicators_declarations() -> None:
    """The lever table is the indicators' own ``moves``: a declared factor lists the
    indicator, a coarser factor lists the indicators of its parts, and nothing else."""
    from steps.gmv.identities import KUAISHOU, TRADITIONAL
    from steps.plugins.steps_brand import all_indicators

    declared = {f"steps.{i.key}": i.moves for i in all_indicators()}
    kuaishou = lever_table(KUAISHOU.factor_keys, KUAISHOU.key)
    for factor, keys in kuaishou.items():
        mine = {k for k in keys if k.startswith("steps.")}
        assert mine == {k for k, moves in declared.items() if factor in moves}, factor
    assert "steps.repurchase_rate" in kuaishou["orders_per_buyer"]
    assert "steps.repurchase_rate" not in kuaishou["uv"]
    traditional = lever_table(TRADITIONAL.factor_keys, TRADITIONAL.key)
    assert set(kuaishou["orders_per_buyer"]) | set(kuaishou["aov"]) == set(
        traditional["aov_per_buyer"]
    )
    assert PARTS["traditional"]["cvr"] == ("buyers_per_minute", "minutes_per_viewer")


def test_levers_are_scored_on_the_base_period_weakest_first() -> None:
    result = plan(SAMPLE, "b00", target_fen=parse_amount_fen("50万"))
    from steps.gmv.periods import restrict

    september = steps.Dataset(brands=(restrict(SAMPLE.brand("b00"), SEPTEMBER),))
    card = steps.score(september, ["steps"]).card("steps", "b00")
    by_key = {f"steps.{i.key}": i for c in card.components for i in c.indicators}
    repurchase = next(f for f in result.factors if f.key == "orders_per_buyer")
    assert [lever.key for lever in repurchase.levers][:1] != []
    for lever in repurchase.levers:
        if lever.scorer == "steps":
            assert lever.score == by_key[lever.key].score
            assert lever.name == by_key[lever.key].name
    scores = [lever.score for lever in repurchase.levers if lever.score is not None]
    assert scores == sorted(scores)
    # unscored levers come last
    flags = [lever.score is None for lever in repurchase.levers]
    assert flags == sorted(flags)
    watch = next(f for f in result.factors if f.key == "minutes_per_viewer")
    streamed = [lever for lever in watch.levers if lever.scorer == "stage"]
    assert streamed
    assert all(lever.streams for lever in streamed if lever.score is not None)
