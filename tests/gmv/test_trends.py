"""Trends: periods, exact attribution of each change, 环比 / 同比, STEPS pillars per period."""

from __future__ import annotations

import math
from datetime import date

import attrs
import pytest

import steps
from steps.domain.model import Dataset
from steps.gmv.periods import CalendarPeriod, period_of, periods_between, restrict
from steps.gmv.trends import Trend, trend
from steps.testing.plugins import isolated_host
from tests.gmv.support import douyin_brand, kuaishou_brand, with_order_details


def check_exact(series: Trend) -> None:
    """Every change's contributions add up to it, to the fen; all of them add up to the
    change from the first period to the last."""
    total = 0
    for p in series.periods:
        for change in (p.previous, p.year_ago):
            if change is not None:
                assert sum(change.contributions_fen) == change.delta_fen
                assert change.delta_fen == change.gmv_after_fen - change.gmv_before_fen
                assert math.fsum(change.contributions) == pytest.approx(
                    change.delta_fen, abs=1e-6 * max(1, abs(change.delta_fen))
                )
        if p.previous is not None:
            total += sum(p.previous.contributions_fen)
    assert total == series.periods[-1].gmv_fen - series.periods[0].gmv_fen


def test_calendar_periods() -> None:
    week = period_of(date(2021, 8, 11), "week")
    assert (week.start, week.end, week.label) == (date(2021, 8, 9), date(2021, 8, 15), "2021-W32")
    month = period_of(date(2021, 2, 11), "month")
    assert (month.start, month.end, month.label) == (date(2021, 2, 1), date(2021, 2, 28), "2021-02")
    assert month.next().label == "2021-03"
    assert month.previous().label == "2021-01"
    assert month.year_ago() == period_of(date(2020, 2, 1), "month")
    assert week.year_ago() is not None
    assert week.year_ago().label == "2020-W32"  # type: ignore[union-attr]
    # 2020 has an ISO week 53, 2019 has none
    assert period_of(date(2020, 12, 31), "week").year_ago() is None
    assert [p.label for p in periods_between(date(2021, 8, 1), date(2021, 9, 30), "month")] == [
        "2021-08",
        "2021-09",
    ]
    assert CalendarPeriod(date(2021, 8, 1), date(2021, 8, 10)).next() == CalendarPeriod(
        date(2021, 8, 11), date(2021, 8, 20)
    )
    with pytest.raises(ValueError, match="before it starts"):
        CalendarPeriod(date(2021, 8, 2), date(2021, 8, 1))


def test_restrict_keeps_the_period_and_spreads_collaborations() -> None:
    brand = steps.sample_dataset().brand("b01")
    august = period_of(date(2021, 8, 1), "month")
    september = august.next()
    a, b = restrict(brand, august), restrict(brand, september)
    assert all(s.started_at.month == 8 for s in a.streams)
    assert len(a.streams) + len(b.streams) == len(brand.streams)
    assert (a.window_start, a.window_end) == (august.start, august.end)
    assert all(o.placed_at.month == 8 for o in a.orders)
    # a collaboration across both months is split by its days; the GMV adds up to within a
    # fen per collaboration
    spread = sum(c.gmv_fen for c in a.talent_collabs) + sum(c.gmv_fen for c in b.talent_collabs)
    assert abs(spread - sum(c.gmv_fen for c in brand.talent_collabs)) <= len(brand.talent_collabs)


@pytest.mark.parametrize("by", ["week", "month"])
def test_sample_changes_add_up_to_the_fen(by: str) -> None:
    dataset = steps.sample_dataset()
    for brand in dataset.brands:
        series = trend(dataset, brand.brand_id, by=by, scores=False)  # type: ignore[arg-type]
        check_exact(series)
        assert sum(p.gmv_fen for p in series.periods) == sum(s.gmv_fen for s in brand.streams)
        assert sum(p.streams for p in series.periods) == len(brand.streams)
        for p in series.periods:
            # the factors multiply back to the period's GMV
            assert math.prod(p.factors) == pytest.approx(p.gmv_fen, rel=1e-9, abs=1e-6)


def test_generated_brands_of_both_platforms() -> None:
    dataset = steps.generate(6, seed=11)
    identities = set()
    for brand in dataset.brands:
        series = trend(dataset, brand.brand_id, by="week", scores=False)
        identities.add((series.platform, series.identity.key))
        check_exact(series)
    assert {key for _, key in identities} == {"kuaishou", "douyin-fact-plus"}


def test_year_over_year_and_a_gap() -> None:
    # one stream a week from August 2020 to September 2021, with two empty weeks
    brand = kuaishou_brand(first=date(2020, 8, 3), weeks=60)
    brand = attrs.evolve(
        brand, streams=tuple(s for s in brand.streams if s.stream_id not in {"ks-s020", "ks-s021"})
    )
    series = trend(brand, by="month", scores=False)
    check_exact(series)
    by_label = {p.label: p for p in series.periods}
    assert by_label["2020-08"].year_ago is None
    august = by_label["2021-08"]
    assert august.year_ago is not None
    assert august.year_ago.base == "2020-08"
    assert august.year_ago.gmv_before_fen == by_label["2020-08"].gmv_fen
    assert august.year_ago.change == pytest.approx(august.gmv_fen / by_label["2020-08"].gmv_fen - 1)
    # a week without streams is a period of zeros, and the series still adds up
    weekly = trend(brand, by="week", scores=False)
    check_exact(weekly)
    empty = [p for p in weekly.periods if p.streams == 0]
    assert len(empty) == 2
    assert all(p.gmv_fen == 0 and p.factors == (0.0,) * 5 for p in empty)


def test_distinct_buyers_in_every_period() -> None:
    brand = with_order_details(kuaishou_brand())
    series = trend(brand, by="month", scores=False)
    assert series.buyers.distinct
    for p in series.periods:
        ids = {s.stream_id for s in brand.streams if p.period.contains(s.started_at.date())}
        assert p.buyers == len({o.buyer_key for o in brand.orders if o.stream_id in ids})
    check_exact(series)


def test_pillars_are_the_public_scores_of_each_period() -> None:
    dataset = steps.sample_dataset()
    series = trend(dataset, "b00", by="week")
    assert series.stage == steps.score(dataset, ["steps"]).card("steps", "b00").notes["stage"]
    unavailable = 0
    for p in series.periods:
        restricted = restrict(dataset.brand("b00"), p.period)
        context = steps.ScoringContext(options={"steps.stage": series.stage})
        card = steps.score(Dataset(brands=(restricted,)), ["steps"], context).card("steps", "b00")
        assert p.steps_score == card.score
        assert [(x.key, x.score) for x in p.pillars] == [(c.key, c.score) for c in card.components]
        unavailable += sum(1 for x in p.pillars if x.score is None)
    # unknown stays unknown: some pillar of some week has no data, and is None, not 0
    assert unavailable > 0


def test_without_the_scorer_the_trend_stands() -> None:
    host = isolated_host()  # no scorer at all
    series = trend(steps.sample_dataset(), "b00", by="month", host=host)
    assert all(p.pillars == () and p.steps_score is None for p in series.periods)
    assert all(p.pillars_note for p in series.periods)
    check_exact(series)


def test_a_brand_on_two_platforms_needs_one_chosen() -> None:
    ks, dy = kuaishou_brand("both"), douyin_brand("dyb")
    brand = attrs.evolve(ks, accounts=ks.accounts + dy.accounts, streams=ks.streams + dy.streams)
    with pytest.raises(ValueError, match=r"several platforms \(kuaishou, douyin\)"):
        trend(brand, scores=False)
    assert trend(brand, platform="douyin", scores=False).identity.key == "douyin-fact-plus"
    assert trend(brand, platform="kuaishou", scores=False).identity.key == "kuaishou"
    with pytest.raises(ValueError, match="neither a window nor streams"):
        trend(attrs.evolve(ks, streams=(), window_start=None, window_end=None), scores=False)
