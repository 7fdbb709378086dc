"""GMV at stake: each next move's estimate, its ranking and its words.

The rule (steps.scoring.stake): base GMV × (m − 1) × s, with m the factor's multiplier from
the indicator's shortfall from target (up to ×1.5) and s the indicator's share of the
factor among the card's measured indicators that move it.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import attrs
import pytest

import steps
from steps.cli import main
from steps.io.exports import import_exports
from steps.sample import sample_dataset
from steps.scoring.indicators import Direction, LinearBenchmark, PeerBenchmark
from steps.scoring.messages import builtin_catalogue
from steps.scoring.results import Recommendation, SubjectKind
from steps.scoring.stake import CAP, estimate, factor_ratio, monthly_gmv_fen, rank_moves
from tests.io.exports_fixtures import douyin_bundle, kuaishou_bundle
from tests.scoring.support import make_brand

#: The explanation shape a next move must never be: "X: v unit against target Y, floor Z → N/100".
RAW = re.compile(r"→ \d+/100|得分 \d+/100|against target [^()]*floor|对照目标")
SAMPLE = sample_dataset()


def test_the_factor_grows_with_the_shortfall_up_to_the_cap() -> None:
    higher = LinearBenchmark(floor=1.0, target=3.0)
    assert factor_ratio(3.0, higher) == 1.0
    assert factor_ratio(4.0, higher) == 1.0
    assert factor_ratio(1.5, higher) == pytest.approx(1 + (CAP - 1) * 0.5)
    assert factor_ratio(0.0, higher) == CAP
    lower = LinearBenchmark(floor=20.0, target=2.0)  # a cost per fan: lower is better
    assert factor_ratio(1.0, lower) == 1.0
    assert factor_ratio(4.0, lower) == pytest.approx(1 + (CAP - 1) * 0.5)
    assert factor_ratio(163.8, lower) == pytest.approx(1 + (CAP - 1) * (1 - 2 / 163.8))
    assert factor_ratio(0.3, LinearBenchmark(floor=1.0, target=0.0)) == CAP
    # a target at or below zero on a higher-is-better indicator has no ratio
    assert factor_ratio(-2.0, LinearBenchmark(floor=-5.0, target=0.0)) is None
    peers = PeerBenchmark((1.0, 2.0, 4.0), Direction.HIGHER_IS_BETTER)
    assert factor_ratio(1.0, peers) == pytest.approx(1 + (CAP - 1) * 0.5)  # median 2


def test_a_brand_move_scales_thirty_days_of_its_self_broadcast_gmv() -> None:
    brand = make_brand("b", ["s1", "s2", "s3"])  # 3 × ¥300 in a 31-day window
    assert monthly_gmv_fen(brand) == (90_000 * 30 + 15) // 31
    assert monthly_gmv_fen(attrs.evolve(brand, streams=())) is None
    # an open window is closed by the streams' dates (days 0..2: three days)
    opened = attrs.evolve(brand, window_start=None, window_end=None)
    assert monthly_gmv_fen(opened) == 90_000 * 30 // 3
    assert date(2024, 5, 1) == brand.window_start


def test_the_estimate_is_whole_fen_and_says_its_basis() -> None:
    catalogue = builtin_catalogue()
    stake = estimate(
        value=1.5, benchmark=LinearBenchmark(1.0, 3.0), moves=("uv",), base_fen=1_000_000,
        stream=False, language="en", catalogue=catalogue, share=0.5,
    )  # fmt: skip
    assert stake.fen == round(1_000_000 * 0.25 * 0.5) == 125_000
    assert stake.factor == "uv"
    assert "viewers (UV) ×1.25" in stake.basis
    assert "50%" in stake.basis
    none = estimate(
        value=1.5, benchmark=LinearBenchmark(1.0, 3.0), moves=(), base_fen=1_000_000,
        stream=False, language="zh", catalogue=catalogue,
    )  # fmt: skip
    assert none.fen is None
    assert none.factor is None
    assert "因子" in none.basis
    no_gmv = estimate(
        value=1.5, benchmark=LinearBenchmark(1.0, 3.0), moves=("aov",), base_fen=None,
        stream=True, language="en", catalogue=catalogue,
    )  # fmt: skip
    assert no_gmv.fen is None
    assert no_gmv.factor == "aov"
    assert "GMV" in no_gmv.basis


def test_moves_rank_by_stake_unestimated_last_and_never_repeat_an_action() -> None:
    moves = [
        Recommendation("a", "S", "x", gmv_at_stake_fen=100),
        Recommendation("b", "S", "y"),
        Recommendation("c", "T", "z", gmv_at_stake_fen=900),
        Recommendation("d", "T", "z", gmv_at_stake_fen=50),  # same indicator as c
        Recommendation("e", "P", "w", gmv_at_stake_fen=500),  # same advice as a
        Recommendation("f", "P", None),
    ]
    ranked = rank_moves(moves, ["do x", None, "do z", "do z", "do x", None])
    assert [m.text for m in ranked] == ["c", "e", "b", "f"]
    assert [m.text for m in rank_moves(moves, limit=2)] == ["c", "e"]


def test_a_recommendation_holds_whole_non_negative_fen() -> None:
    with pytest.raises(ValueError, match="whole number of fen"):
        Recommendation("x", gmv_at_stake_fen=-1)
    with pytest.raises(ValueError, match="whole number of fen"):
        Recommendation("x", gmv_at_stake_fen=1.5)  # type: ignore[arg-type]


def _cards(results: steps.ScoreResults) -> list[steps.ScoreCard]:
    return [card for card in results.cards if card.recommendations]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_score_json_carries_the_stake_sorted_and_round_trips(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, language: str
) -> None:
    path = tmp_path / "sample.json"
    steps.dump(SAMPLE, path)
    assert main(["score", str(path), "--format", "json", "--lang", language]) == 0
    text = capsys.readouterr().out
    results = steps.ScoreResults.from_json(text)
    assert results.to_json() == text  # the reader keeps every field of a move
    estimated = 0
    for card in _cards(results):
        moves = card.recommendations
        keys = [(m.gmv_at_stake_fen is None, -(m.gmv_at_stake_fen or 0)) for m in moves]
        assert keys == sorted(keys), (card.scorer, card.subject_id)
        assert len({m.indicator for m in moves if m.indicator}) == len(
            [m for m in moves if m.indicator]
        )
        for move in moves:
            assert move.stake_basis
            assert not RAW.search(move.text), move.text
            if move.gmv_at_stake_fen is not None:
                estimated += 1
                assert move.factor
                if card.subject_kind is SubjectKind.STREAM:
                    stream = next(
                        s
                        for b in SAMPLE.brands
                        for s in b.streams
                        if s.stream_id == card.subject_id
                    )
                    assert move.gmv_at_stake_fen <= stream.gmv_fen * (CAP - 1)
    assert estimated > 0
    document = steps.ScoreResults.from_json(text).to_dict()
    first = next(c for c in document["cards"] if c.get("recommendations"))
    assert any("gmv_at_stake_fen" in m for m in first["recommendations"])


def _first_moves(results: steps.ScoreResults) -> dict[str, Recommendation]:
    """Each brand's first next move: the top of its brand cards' moves by GMV at stake."""
    out: dict[str, Recommendation] = {}
    for brand in SAMPLE.brands:
        moves = [
            m
            for c in results.cards
            if c.subject_kind is SubjectKind.BRAND and c.brand_id == brand.brand_id
            for m in c.recommendations
        ]
        out[brand.brand_id] = rank_moves(moves)[0]
    return out


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_sample_brands_first_moves_differ_and_none_is_a_benchmark_sentence(
    language: str,
) -> None:
    results = steps.score(SAMPLE, context=steps.ScoringContext(language=language))
    first = _first_moves(results)
    assert len({(m.component, m.indicator) for m in first.values()}) == len(SAMPLE.brands)
    assert all(m.gmv_at_stake_fen for m in first.values())
    douyin = [results.card("douyin-interest-brand", b.brand_id) for b in SAMPLE.brands]
    assert len({c.recommendations[0].indicator for c in douyin}) == len(SAMPLE.brands)
    for card in results.cards:
        for move in card.recommendations:
            assert not RAW.search(move.text), move.text
            if language == "zh":
                assert "at stake" not in move.text
                assert "target" not in move.text


@pytest.mark.parametrize("bundle", [kuaishou_bundle, douyin_bundle])
def test_moves_on_imported_back_office_exports_carry_their_stake(
    tmp_path: Path, bundle: object
) -> None:
    files = bundle(tmp_path)  # type: ignore[operator]
    dataset = import_exports(
        list(files.values()), brand_id="b01", brand_name="品牌", category="beauty"
    ).dataset
    results = steps.score(dataset, context=steps.ScoringContext(language="zh"))
    moves = [m for c in results.cards for m in c.recommendations]
    assert moves
    assert any(m.gmv_at_stake_fen for m in moves)
    for move in moves:
        assert not RAW.search(move.text), move.text
        if move.gmv_at_stake_fen is not None:
            assert "约 ¥" in move.text
        else:
            assert "无法估算" in move.text


def test_the_stake_page_quotes_the_sample_brands_first_moves() -> None:
    page = (Path(__file__).parents[2] / "docs" / "stake.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- first-moves:start -->\n(.*?)<!-- first-moves:end -->", page, re.S)
    assert match
    first = _first_moves(steps.score(SAMPLE))
    assert match.group(1) == "".join(f"- {b}: {m.text}\n" for b, m in first.items())
