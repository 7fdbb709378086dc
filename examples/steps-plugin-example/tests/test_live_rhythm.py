"""Tests of the live-rhythm scorer, the way a plugin author writes them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import steps
from hypothesis import given, settings
from steps.domain import Account, Brand, Dataset, Platform, Stream
from steps.scoring import ScoringContext, StreamSubject
from steps.testing import brands
from steps.testing.plugins import isolated_host

import steps_plugin_example
from steps_plugin_example.rhythm import LiveRhythm, streams_per_week


def _stream(stream_id: str, day: int, *, uv: int = 1000, minutes: float = 2.0) -> Stream:
    return Stream(
        stream_id=stream_id,
        account_id="acc",
        started_at=datetime(2024, 5, 1, 20, tzinfo=UTC) + timedelta(days=day),
        duration_seconds=3 * 3600,
        uv=uv,
        watch_seconds=int(uv * minutes * 60),
        orders=10,
        buyers=8,
        gmv_fen=100_000,
    )


def _brand(*streams: Stream) -> Brand:
    return Brand(
        brand_id="brand",
        name="Example",
        category="beauty",
        window_start=date(2024, 5, 1),
        window_end=date(2024, 5, 14),
        accounts=(Account(account_id="acc", platform=Platform.KUAISHOU, name="Example"),),
        streams=streams,
    )


def test_the_plugin_registers_live_rhythm(steps_host):
    host = steps_host(steps_plugin_example)
    assert [record.name for record in host.scorers()] == ["live-hold", "live-rhythm"]


def test_every_stream_gets_a_card(steps_host):
    dataset = Dataset(brands=(_brand(_stream("s1", 0), _stream("s2", 3)),))
    results = steps.score(dataset, host=steps_host(steps_plugin_example))
    assert results.ok, results.errors
    assert [card.subject_id for card in results.for_scorer("live-rhythm")] == ["s1", "s2"]


def test_cadence_is_streams_per_week_of_the_window():
    brand = _brand(*(_stream(f"s{i}", i) for i in range(6)))  # 6 streams in two weeks
    assert streams_per_week(brand) == {"acc": pytest.approx(3.0)}


def test_batch_and_single_scoring_agree():
    brand = _brand(_stream("s1", 0, minutes=0.4), _stream("s2", 1, minutes=5))
    subjects = [StreamSubject(s, brand, brand.accounts[0]) for s in brand.streams]
    scorer, context = LiveRhythm(), ScoringContext()
    assert scorer.score_many(subjects, context) == [scorer.score(s, context) for s in subjects]


def test_weak_holding_gets_advice():
    brand = _brand(_stream("s1", 0, minutes=0.4))
    card = LiveRhythm().score(StreamSubject(brand.streams[0], brand, None), ScoringContext())
    assert card.indicator("watch_minutes_per_viewer").score == 0
    assert any(r.indicator == "watch_minutes_per_viewer" for r in card.recommendations)


@settings(max_examples=30, deadline=None)
@given(brands())
def test_never_fails_on_a_valid_brand(brand):
    # A Hypothesis test cannot take a function-scoped fixture: build the host directly.
    results = steps.score(Dataset(brands=(brand,)), host=isolated_host(steps_plugin_example))
    assert results.ok, results.errors
    assert len(results.for_scorer("live-rhythm")) == len(brand.streams)
    assert len(results.for_scorer("live-hold")) == len(brand.streams)
