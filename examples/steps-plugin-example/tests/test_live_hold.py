"""Tests of the live-hold scorer: one definition over columns, one stream or a whole table."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import steps
from steps.columnar import StreamTable
from steps.domain import Account, Brand, Dataset, Platform, Stream
from steps.scoring import ScoringContext, StreamSubject
from steps.scoring.engine import score_table

import steps_plugin_example
from steps_plugin_example.hold import LiveHold


def _stream(stream_id: str, day: int, **fields: object) -> Stream:
    values: dict[str, object] = {
        "stream_id": stream_id,
        "account_id": "acc",
        "started_at": datetime(2024, 5, 1, 20, tzinfo=UTC) + timedelta(days=day),
        "duration_seconds": 3 * 3600,
        "uv": 1000,
        "watch_seconds": 1000 * 120,
        "orders": 10,
        "buyers": 8,
        "gmv_fen": 100_000,
    }
    return Stream(**(values | fields))  # type: ignore[arg-type]


def _brand(*streams: Stream, platform: Platform = Platform.KUAISHOU) -> Brand:
    return Brand(
        brand_id="brand",
        name="Example",
        category="beauty",
        window_start=date(2024, 5, 1),
        window_end=date(2024, 5, 14),
        accounts=(Account(account_id="acc", platform=platform, name="Example"),),
        streams=streams,
    )


def test_values_by_hand():
    brand = _brand(
        _stream("s1", 0, first_minutes_uv=150, comments=100, likes=400, shares=0, views=1500)
    )
    card = LiveHold().score(
        StreamSubject(brand.streams[0], brand, brand.accounts[0]), ScoringContext()
    )
    assert card.indicator("watch_minutes_per_viewer").value == pytest.approx(2.0)
    assert card.indicator("opening_share").value == pytest.approx(0.15)
    assert card.indicator("interactions_per_viewer").value == pytest.approx(0.5)
    assert card.notes["views_per_viewer"] == "1.5000"


def test_what_was_not_recorded_is_not_available():
    brand = _brand(_stream("s1", 0))  # no first-minutes count, no interactions recorded
    card = LiveHold().score(
        StreamSubject(brand.streams[0], brand, brand.accounts[0]), ScoringContext()
    )
    assert card.indicator("opening_share").value is None
    assert card.indicator("interactions_per_viewer").value is None
    assert card.component("engagement").score is None
    assert card.confidence < 1


def test_one_stream_and_a_whole_table_give_the_same_cards(steps_host):
    brand = _brand(*(_stream(f"s{i}", i, first_minutes_uv=50 * i) for i in range(5)))
    dataset = Dataset(brands=(brand,))
    host = steps_host(steps_plugin_example)
    one_by_one = [
        LiveHold().score(StreamSubject(s, brand, brand.accounts[0]), ScoringContext())
        for s in brand.streams
    ]
    table = score_table(StreamTable.from_dataset(dataset), dataset, "live-hold", host=host)
    assert table.ok
    assert list(table.to_results().cards) == [
        # Cards made from columns carry no recommendations (they need the subjects).
        _without_advice(card)
        for card in one_by_one
    ]
    whole = steps.score(dataset, ["live-hold"], host=host)
    assert list(whole.for_scorer("live-hold")) == one_by_one


def test_a_douyin_stream_is_judged_by_douyin_benchmarks():
    brand = _brand(_stream("s1", 0), platform=Platform.DOUYIN)  # 2 minutes per viewer
    card = LiveHold().score(
        StreamSubject(brand.streams[0], brand, brand.accounts[0]), ScoringContext()
    )
    assert card.indicator("watch_minutes_per_viewer").score == pytest.approx(100.0)


def _without_advice(card):
    import attrs

    return attrs.evolve(card, recommendations=())
