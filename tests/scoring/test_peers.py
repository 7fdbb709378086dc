"""Tests for peer benchmarks (steps.scoring.peers)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import steps
from steps.domain.enums import Platform
from steps.domain.errors import InvalidDataError
from steps.domain.model import Account, Brand, Dataset, Stream, TalentCollab
from steps.plugins.steps_brand import StepsScorer
from steps.scoring.base import StreamMethodology
from steps.scoring.contract import PeerLookup, ScoringContext, StreamSubject
from steps.scoring.indicators import Component, Direction, Indicator, LinearBenchmark
from steps.scoring.peers import (
    PeerBenchmarks,
    build_peers,
    describe_peers,
    group_key,
    load_peers,
    peers_command,
    save_peers,
)

STEPS = StepsScorer()


# --------------------------------------------------------------------------- a population


def population_brand(index: int, self_gmv: int, talent_gmv: int, spend: int, fans: int) -> Brand:
    """A brand with one stream and one talent collaboration: its self-broadcast share of GMV
    is ``self_gmv / (self_gmv + talent_gmv)`` and its cost per new fan ``spend / fans``."""
    day = datetime(2022, 3, 1, 20, tzinfo=UTC)
    return Brand(
        brand_id=f"b{index}",
        name=f"brand {index}",
        category="food" if index % 2 else "beauty",
        tier="L1",
        accounts=(Account("a", Platform.KUAISHOU, "account"),),
        streams=(
            Stream(
                stream_id="s",
                account_id="a",
                started_at=day,
                duration_seconds=7200,
                uv=10_000,
                watch_seconds=600_000,
                orders=100,
                buyers=90,
                gmv_fen=self_gmv,
                paid_spend_fen=spend,
                new_followers=fans,
            ),
        ),
        talent_collabs=(
            TalentCollab(
                collab_id="c",
                talent_id="t",
                talent_name="达人",
                platform=Platform.KUAISHOU,
                talent_followers=1_000,
                started_on=day.date(),
                ended_on=day.date(),
                streams=1,
                gmv_fen=talent_gmv,
                commission_fen=talent_gmv // 5,
                orders=10,
                buyers=10,
            ),
        ),
    )


@pytest.fixture(scope="module")
def population() -> list[Brand]:
    """400 brands whose GMV, spend and fans are drawn from log-normal distributions."""
    rng = np.random.default_rng(2021)
    size = 400
    self_gmv = rng.lognormal(14, 1.0, size).astype(np.int64) + 1
    talent_gmv = rng.lognormal(14, 1.0, size).astype(np.int64) + 1
    spend = rng.lognormal(12, 0.8, size).astype(np.int64) + 1
    fans = rng.integers(50, 5_000, size)
    return [
        population_brand(i, int(a), int(b), int(c), int(d))
        for i, (a, b, c, d) in enumerate(zip(self_gmv, talent_gmv, spend, fans, strict=True))
    ]


@pytest.fixture(scope="module")
def peers(population: list[Brand]) -> PeerBenchmarks:
    # Each brand has one stream and one talent: its STEPS card rests on too little of its
    # weight to be scored, and a withheld card gives no peer values. These tests are about
    # the peers of its indicators, so the minimum is lifted.
    measured = ScoringContext(options={"steps.min_confidence": 0})
    return PeerBenchmarks.from_dataset(
        population, [STEPS], group_by=("category", "tier"), context=measured
    )


def value_of(brand: Brand, key: str) -> float:
    value = STEPS.score(brand, ScoringContext()).indicator(key).value
    assert value is not None
    return value


def at_percentile(brands: Sequence[Brand], key: str, percentile: float) -> Brand:
    """The brand whose value is nearest the given percentile of the population."""
    values = np.array([value_of(b, key) for b in brands])
    target = np.percentile(values, percentile)
    return brands[int(np.argmin(np.abs(values - target)))]


def test_a_value_at_the_80th_percentile_scores_about_80(
    population: list[Brand], peers: PeerBenchmarks
):
    beauty = [b for b in population if b.category == "beauty"]
    brand = at_percentile(beauty, "talent_gmv_share", 80)
    card = STEPS.score(brand, ScoringContext(peers=peers))
    result = card.indicator("talent_gmv_share")
    assert result.score == pytest.approx(80, abs=2)
    assert result.benchmark_source == f"peers category:beauty/tier:L1: {len(beauty)} comparable"


def test_lower_is_better_follows_the_default_benchmark(
    population: list[Brand], peers: PeerBenchmarks
):
    # The default cost per new fan has its target below its floor: lower is better.
    assert peers.directions["steps.cost_per_new_fan"] is Direction.LOWER_IS_BETTER
    assert peers.directions["steps.talent_gmv_share"] is Direction.HIGHER_IS_BETTER
    food = [b for b in population if b.category == "food"]
    brand = at_percentile(food, "cost_per_new_fan", 80)
    result = STEPS.score(brand, ScoringContext(peers=peers)).indicator("cost_per_new_fan")
    assert result.score == pytest.approx(20, abs=2)


@given(
    st.lists(st.floats(-1e6, 1e6), min_size=20, max_size=200, unique=True),
    st.floats(5, 95),
)
def test_the_percentile_of_distinct_values_is_their_score(values: list[float], percentile: float):
    peers = PeerBenchmarks.from_values(
        [("x", "v", "c", "t", v) for v in values], group_by=("category", "tier")
    )
    benchmark = peers.lookup("x", "v", category="c", tier="t")
    assert benchmark is not None
    ordered = sorted(values)
    rank = round(percentile / 100 * (len(ordered) - 1))
    expected = 100 * (rank + 0.5) / len(ordered)  # mid-rank: half of itself counts as below
    assert benchmark.normalise(ordered[rank]) == pytest.approx(expected)


def test_a_numpy_population_scores_its_own_percentiles():
    rng = np.random.default_rng(7)
    values = rng.lognormal(0, 1, 5_000)
    peers = PeerBenchmarks.from_values([("s", "x", "c", None, float(v)) for v in values])
    benchmark = peers.lookup("s", "x", category="c", tier=None)
    assert benchmark is not None
    for percentile in (10, 50, 80, 95):
        assert benchmark.normalise(float(np.percentile(values, percentile))) == pytest.approx(
            percentile, abs=2
        )


# --------------------------------------------------------------------------- groups


def test_groups_fall_back_when_too_small():
    samples = [("s", "x", "beauty", "L1", float(v)) for v in range(5)]
    samples += [("s", "x", "beauty", "L2", float(v)) for v in range(3)]
    samples += [("s", "x", "food", "L1", float(v)) for v in range(2)]
    peers = PeerBenchmarks.from_values(samples, min_group_size=5)

    def source(category: str | None, tier: str | None) -> str | None:
        found = peers.lookup("s", "x", category=category, tier=tier)
        return None if found is None else found.source

    assert source("beauty", "L1") == "peers category:beauty/tier:L1: 5 comparable"
    assert source("beauty", "L2") == "peers category:beauty: 8 comparable"
    assert source("beauty", None) == "peers category:beauty: 8 comparable"
    assert source("food", "L1") == "peers: 10 comparable"
    assert source("unknown", "L1") == "peers: 10 comparable"
    assert source(None, None) == "peers: 10 comparable"
    assert peers.lookup("s", "other", category="beauty", tier="L1") is None
    assert peers.lookup("other", "x", category="beauty", tier="L1") is None


def test_a_population_smaller_than_the_minimum_leaves_the_default():
    peers = PeerBenchmarks.from_values([("steps", "paid_roi", "c", "t", 2.0)] * 4)
    assert peers.lookup("steps", "paid_roi", category="c", tier="t") is None
    sample = steps.generate(brands=3, seed=2021).brands[1]
    card = STEPS.score(sample, ScoringContext(peers=peers))
    assert card.indicator("paid_roi").benchmark_source.startswith("assumption:")


def test_group_by_category_only_and_nothing():
    samples = [("s", "x", "beauty", f"L{v % 2}", float(v)) for v in range(10)]
    by_category = PeerBenchmarks.from_values(samples, group_by=("category",))
    found = by_category.lookup("s", "x", category="beauty", tier="L1")
    assert found is not None
    assert found.source == "peers category:beauty: 10 comparable"
    everyone = PeerBenchmarks.from_values(samples, group_by=())
    found = everyone.lookup("s", "x", category="beauty", tier="L1")
    assert found is not None
    assert found.source == "peers: 10 comparable"
    with pytest.raises(ValueError, match="group_by"):
        PeerBenchmarks.from_values(samples, group_by=("platform",))
    with pytest.raises(ValueError, match="min_group_size"):
        PeerBenchmarks.from_values(samples, min_group_size=0)


def test_group_keys():
    assert group_key(category="beauty", tier="L1") == "category:beauty/tier:L1"
    assert group_key(category="beauty") == "category:beauty"
    assert group_key() == "*"


def test_non_finite_values_are_dropped():
    samples = [("s", "x", "c", "t", v) for v in (1.0, 2.0, math.nan, math.inf, 3.0, 4.0, 5.0)]
    peers = PeerBenchmarks.from_values(samples)
    assert peers.values["s.x"]["*"] == (1.0, 2.0, 3.0, 4.0, 5.0)


# --------------------------------------------------------------------------- stream scorers


def _uv(subject: StreamSubject) -> float | None:
    return float(subject.stream.uv)


class ViewersScorer(StreamMethodology):
    """A one-indicator stream scorer (lower is better, to check the direction)."""

    name = "viewers"
    version = "1"
    title = "viewers"
    description = "viewers"

    def components(
        self, subject: StreamSubject, context: ScoringContext
    ) -> Sequence[Component[StreamSubject]]:
        indicator = Indicator[StreamSubject](
            key="uv",
            name="UV",
            name_zh="观看人数",
            unit="viewers",
            measure=_uv,
            defaults={"*": LinearBenchmark(1_000, 0, "test")},
        )
        return (Component("V", "viewers", "观看", (indicator,)),)


def test_stream_scorers_are_measured_over_every_stream():
    dataset = steps.generate(brands=3, seed=2021)
    peers = PeerBenchmarks.from_dataset(dataset, [ViewersScorer()])
    everyone = peers.values["viewers.uv"]["*"]
    streams = [s for b in dataset.brands for s in b.streams]
    assert len(everyone) == len(streams)
    assert sorted(everyone) == sorted(float(s.uv) for s in streams)
    assert peers.directions["viewers.uv"] is Direction.LOWER_IS_BETTER
    first = dataset.brands[0]
    assert len(peers.values["viewers.uv"][group_key(category=first.category)]) == len(first.streams)


def test_brand_scorers_are_measured_over_every_brand():
    dataset = steps.generate(brands=6, seed=3)
    peers = build_peers(dataset, [STEPS])
    assert len(peers.values["steps.talent_gmv_share"]["*"]) == 6
    assert "steps.repurchase_rate" in peers.indicators()
    lookup: PeerLookup = peers  # the contract's protocol
    assert lookup.lookup("steps", "talent_gmv_share", category=None, tier=None) is not None


# --------------------------------------------------------------------------- files


def test_save_and_load_round_trip(tmp_path: Path, peers: PeerBenchmarks):
    path = tmp_path / "peers.json"
    save_peers(peers, path)
    again = load_peers(path)
    assert again.to_dict() == peers.to_dict()
    assert again.group_by == peers.group_by
    assert again.min_group_size == peers.min_group_size
    assert dict(again.directions) == dict(peers.directions)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "steps-peers"
    assert set(data["indicators"]["steps.talent_gmv_share"]["groups"]) == {
        "*",
        "category:beauty",
        "category:beauty/tier:L1",
        "category:food",
        "category:food/tier:L1",
    }


def test_a_bad_peers_file_reports_every_problem_with_its_path(tmp_path: Path):
    path = tmp_path / "peers.json"
    path.write_text(
        json.dumps(
            {
                "format": "steps-peers",
                "version": 1,
                "group_by": ["category", "brand"],
                "extra": 1,
                "indicators": {
                    "steps.paid_roi": {
                        "direction": "sideways",
                        "groups": {"*": [1.0, "2", True]},
                    },
                    "nodot": {"groups": []},
                },
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(InvalidDataError) as caught:
        load_peers(path)
    found = {(p.path, p.message.split(" ")[0]) for p in caught.value.problems}
    assert ("extra", "unknown") in found
    assert ("group_by", "must") in found
    assert ('indicators["steps.paid_roi"].direction', "must") in found
    assert ('indicators["steps.paid_roi"].groups["*"][1]', "must") in found
    assert ('indicators["steps.paid_roi"].groups["*"][2]', "must") in found
    assert ('indicators["nodot"]', "must") in found
    assert ('indicators["nodot"].groups', "must") in found
    assert caught.value.source == str(path)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{not json", "not valid JSON"),
        (
            '{"format": "steps-peers", "version": 1, "indicators": {"a.b": {"groups": '
            '{"*": [NaN]}}}}',
            "not valid JSON",
        ),
        ("[]", "must be a JSON object"),
        ('{"format": "other", "version": 2, "indicators": {}}', "must be 'steps-peers'"),
    ],
)
def test_unreadable_peers_files_are_refused(tmp_path: Path, text: str, problem: str):
    path = tmp_path / "peers.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidDataError, match=problem):
        load_peers(path)


def test_a_missing_peers_file_is_an_invalid_data_error(tmp_path: Path):
    with pytest.raises(InvalidDataError, match="cannot read"):
        load_peers(tmp_path / "absent.json")


def test_the_peers_command_writes_a_file_and_reports(tmp_path: Path):
    data = tmp_path / "brands.json"
    steps.dump(steps.generate(brands=6, seed=5), data)
    output = tmp_path / "peers.json"
    report = peers_command(data, output, [STEPS], min_group_size=2)
    assert output.exists()
    peers = load_peers(output)
    assert report.startswith(f"wrote {output}: {len(peers.indicators())} indicators over 6 brands")
    assert len(peers.indicators()) > 20
    assert peers.min_group_size == 2
    assert describe_peers(peers)[0].startswith("steps.active_matrix_accounts: 6 values")


def test_peers_from_a_dataset_object_or_brands_agree():
    dataset = steps.generate(brands=4, seed=11)
    assert isinstance(dataset, Dataset)
    one = PeerBenchmarks.from_dataset(dataset, [STEPS]).to_dict()
    two = PeerBenchmarks.from_dataset(list(dataset.brands), [STEPS]).to_dict()
    assert one == two


def test_the_documented_peers_file_loads(tmp_path: Path):
    doc = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"
    blocks = re.findall(r"```json\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
    (example,) = (b for b in blocks if "steps-peers" in b)
    peers = PeerBenchmarks.from_dict(json.loads(example))
    found = peers.lookup("steps", "repurchase_rate", category="beauty", tier="L1")
    assert found is not None
    assert found.source == "peers: 7 comparable"  # the beauty groups are below 5 values
