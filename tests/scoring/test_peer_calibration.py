"""Peer percentiles are calibrated: an indicator at the p-th peer percentile scores p ± 2,
ties included; peers group by lifecycle stage; a withheld card gives no peer values."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import steps
from steps.domain.model import Dataset
from steps.plugins.steps_brand import StepsScorer
from steps.scoring.batch import normalise_column
from steps.scoring.contract import ScoringContext
from steps.scoring.indicators import Direction, PeerBenchmark
from steps.scoring.peers import PeerBenchmarks, card_stage, measure_peers
from steps.scoring.results import ScoreCard

STEPS = StepsScorer()
#: "peers stage:growth: 20 comparable" → the group key and its size.
SOURCE = re.compile(r"^peers(?: (?P<group>\S+))?: (?P<count>\d+) comparable$")


def percentile(peers: np.ndarray, value: float, direction: Direction) -> float:
    """The value's peer percentile as docs/benchmarks.md defines it, counted with numpy:
    100 when no peer is better, 0 when no peer is worse (and one is better), else the share
    of peers it beats with ties counted half."""
    better_than = peers < value if direction is Direction.HIGHER_IS_BETTER else peers > value
    worse_than = peers > value if direction is Direction.HIGHER_IS_BETTER else peers < value
    if not worse_than.any():
        return 100.0
    if not better_than.any():
        return 0.0
    return 100.0 * (better_than.mean() + (peers == value).mean() / 2)


# --------------------------------------------------------------------------- the rule


def test_a_value_tied_at_the_top_scores_100_not_50() -> None:
    everyone = PeerBenchmark((0.4, 0.4, 0.4, 0.4))
    assert everyone.normalise(0.4) == 100.0
    capped = PeerBenchmark((0.1, 0.2, 0.3, 1.0, 1.0, 1.0))
    assert capped.normalise(1.0) == 100.0
    assert capped.normalise(0.3) == pytest.approx(100 * (2 + 0.5) / 6)  # mid-rank inside
    assert capped.normalise(0.1) == 0.0  # as bad as the worst peer
    assert PeerBenchmark((0.0, 0.0, 0.0, 0.5)).normalise(0.0) == 0.0  # tied at the bottom
    assert PeerBenchmark((0.0, 0.0, 0.0, 0.5)).normalise(0.2) == pytest.approx(75.0)


def test_lower_is_better_mirrors_the_rule() -> None:
    costs = PeerBenchmark((2.0, 2.0, 3.0, 4.0, 9.0), direction=Direction.LOWER_IS_BETTER)
    assert costs.normalise(2.0) == 100.0  # the cheapest, tied
    assert costs.normalise(9.0) == 0.0
    assert costs.normalise(3.0) == pytest.approx(100 * (2 + 0.5) / 5)
    assert costs.normalise(1.0) == 100.0
    assert costs.normalise(10.0) == 0.0


@given(
    st.lists(st.integers(0, 6), min_size=1, max_size=30),
    st.lists(st.integers(-1, 7), min_size=1, max_size=10),
    st.sampled_from(list(Direction)),
)
def test_columns_normalise_peers_as_one_value_does(
    peers: list[int], values: list[int], direction: Direction
) -> None:
    benchmark = PeerBenchmark(tuple(map(float, peers)), direction=direction)
    column = normalise_column(benchmark, np.array(values, dtype=np.float64)).tolist()
    assert column == [benchmark.normalise(float(v)) for v in values]
    expected = [percentile(np.array(peers, dtype=float), v, direction) for v in values]
    assert column == pytest.approx(expected, abs=1e-9)


# --------------------------------------------------------------------------- calibration


@pytest.fixture(scope="module")
def population() -> Dataset:
    """Sixty generated brands: five categories, three tiers, twenty brands per stage."""
    return steps.generate(brands=60, seed=5)


@pytest.mark.parametrize("group_by", [("category", "tier", "stage"), ("stage",)])
def test_an_indicator_at_the_pth_peer_percentile_scores_p(
    population: Dataset, group_by: tuple[str, ...]
) -> None:
    measured = measure_peers(population, [STEPS], group_by=group_by, min_group_size=5)
    peers = measured.peers
    context = ScoringContext(peers=peers)
    checked = tied = top_ties = 0
    used: Counter[str] = Counter()
    for brand in population.brands:
        card = STEPS.score(brand, context)
        stage = card.notes["stage"]
        for result in card.indicators():
            found = SOURCE.match(result.benchmark_source)
            if result.value is None or found is None:
                continue
            group = found["group"] or "*"
            key = f"steps.{result.key}"
            values = np.array(peers.values[key][group])
            assert len(values) == int(found["count"]) >= 5
            if group_by == ("stage",):
                # The brand's own stage group whenever it holds enough values, else everyone.
                own = peers.values[key].get(f"stage:{stage}", ())
                assert group == (f"stage:{stage}" if len(own) >= 5 else "*")
            used[group.rsplit("/", 1)[-1].split(":")[0]] += 1
            direction = peers.directions[key]
            expected = percentile(values, result.value, direction)
            assert result.score == pytest.approx(expected, abs=2), (brand.brand_id, key)
            checked += 1
            ties = int((values == result.value).sum())
            tied += ties > 1
            best = values.max() if direction is Direction.HIGHER_IS_BETTER else values.min()
            top_ties += ties > 1 and result.value == best
    assert checked > 1_000
    assert tied > 100
    assert top_ties > 20
    if group_by == ("stage",):
        assert used["stage"] > checked / 2


def test_peers_group_by_the_stage_the_steps_card_notes(population: Dataset) -> None:
    results = steps.score(population, ["steps"])
    stages = {c.brand_id: c.notes["stage"] for c in results.cards}
    peers = measure_peers(population, [STEPS], group_by=("stage",), min_group_size=5).peers
    groups = peers.values["steps.talent_gmv_share"]
    for stage in ("launch", "growth", "mature"):
        want = sorted(
            c.indicator("talent_gmv_share").value
            for c in results.cards
            if stages[c.brand_id] == stage and c.indicator("talent_gmv_share").value is not None
        )
        assert list(groups[f"stage:{stage}"]) == pytest.approx(want)
    # A lookup without a stage (a scorer that does not know it) takes the wider group.
    found = peers.lookup("steps", "talent_gmv_share", category="beauty", tier="L1")
    assert found is not None
    assert found.label == "peers"
    staged = peers.lookup("steps", "talent_gmv_share", category=None, tier=None, stage="growth")
    assert staged is not None
    assert staged.label == "peers stage:growth"


def test_a_small_stage_group_falls_back_to_category_and_tier() -> None:
    samples = [
        ("s", "x", "beauty", "L1", float(v), "growth" if v < 3 else "mature") for v in range(8)
    ]
    peers = PeerBenchmarks.from_values(samples, min_group_size=5)
    # growth holds 3 values, under the minimum: category and tier (8 values) judge instead.
    found = peers.lookup("s", "x", category="beauty", tier="L1", stage="growth")
    assert found is not None
    assert found.label == "peers category:beauty/tier:L1"
    assert len(peers.values["s.x"]["category:beauty/tier:L1/stage:mature"]) == 5
    found = peers.lookup("s", "x", category="beauty", tier="L1", stage="mature")
    assert found is not None
    assert found.label == "peers category:beauty/tier:L1/stage:mature"
    # A brand without a tier still gets its category and stage group.
    peers = PeerBenchmarks.from_values(
        [("s", "x", "food", None, float(v), "launch") for v in range(5)], min_group_size=5
    )
    assert set(peers.values["s.x"]) == {"*", "category:food", "category:food/stage:launch"}


def test_a_withheld_card_gives_no_peer_values(population: Dataset) -> None:
    brands = population.brands[:10]
    confidences = [STEPS.score(b, ScoringContext()).confidence for b in brands]
    # A minimum between the brands' confidences: the brands below it are withheld.
    minimum = sorted(confidences)[5]
    strict = ScoringContext(options={"steps.min_confidence": minimum})
    measured = measure_peers(brands, [STEPS], context=strict)
    withheld = sum(1 for c in confidences if c < minimum)
    assert 0 < withheld < len(brands)
    assert measured.withheld == withheld
    counted = len(measured.peers.values["steps.talent_gmv_share"]["*"])
    assert counted == len(brands) - withheld
    everyone = measure_peers(brands, [STEPS], context=ScoringContext())
    assert everyone.withheld == 0
    assert len(everyone.peers.values["steps.talent_gmv_share"]["*"]) == len(brands)


def test_card_stage_reads_the_brand_cards_stage_note(population: Dataset) -> None:
    cards = steps.score(Dataset(brands=population.brands[:1])).cards
    stage = card_stage(cards)
    assert stage in {"launch", "growth", "mature"}
    assert stage == next(c.notes["stage"] for c in cards if c.scorer == "steps")
    others: list[ScoreCard] = [c for c in cards if c.scorer != "steps"]
    assert card_stage(others) is None
