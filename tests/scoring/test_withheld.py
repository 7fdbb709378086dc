"""A card below its scorer's minimum confidence has no score: the engine withholds it on
every path, says why and what data would produce it, and keeps the measured parts."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, ClassVar

import attrs
import numpy as np
import pytest

import steps
from steps.columnar.table import StreamTable
from steps.domain import Dataset, Section
from steps.io.exports import builtin_profiles, read_export
from steps.scoring import ScoreCard, ScoringContext, SubjectKind, hookimpl
from steps.scoring.confidence import (
    BUILTIN_MIN_CONFIDENCE,
    DEFAULT_MIN_CONFIDENCE,
    insufficient_text,
    min_confidence,
    provide_from,
    section_of,
)
from steps.scoring.engine import BAD_MINIMUM, ScoreResults, score, score_table
from steps.testing import isolated_host

from .support import make_dataset

FIXTURES = Path(__file__).parent.parent / "fixtures"

#: What the trust card asks for on a live-session list alone.
TRUST_ASKS = "provide order details, fan-group members, trust signals"


@pytest.fixture(scope="module")
def live_sessions() -> Dataset:
    """What a merchant has after importing one Kuaishou live-session export (直播明细): the
    streams' counts, nothing else."""
    profile = builtin_profiles()["kuaishou-live-sessions"]
    imported = read_export(
        FIXTURES / "kuaishou_sessions.csv",
        profile,
        brand_id="b1",
        brand_name="品牌",
        category="beauty",
    )
    return imported.dataset


@pytest.fixture(scope="module")
def live_results(live_sessions: Dataset) -> ScoreResults:
    return score(live_sessions)


# --------------------------------------------------------------------------- the card


def test_a_card_without_a_score_must_say_why() -> None:
    base: dict[str, Any] = {
        "scorer": "x",
        "scorer_version": "1",
        "subject_kind": SubjectKind.BRAND,
        "subject_id": "b",
        "brand_id": "b",
        "confidence": 0.1,
    }
    with pytest.raises(ValueError, match="needs the reason"):
        ScoreCard(score=None, **base)
    with pytest.raises(ValueError, match="no withheld reason"):
        ScoreCard(score=50.0, withheld="why", **base)
    with pytest.raises(ValueError, match="no withheld reason"):
        ScoreCard(score=50.0, provide=("orders",), **base)
    card = ScoreCard(score=None, withheld="insufficient data", provide=["orders"], **base)
    assert card.provide == ("orders",)
    assert not card.scored


# --------------------------------------------------------------------------- a real export


def test_a_live_session_export_withholds_what_it_cannot_support(
    live_results: ScoreResults,
) -> None:
    assert live_results.ok
    by_scorer = {c.scorer: c for c in live_results.cards if c.subject_kind is SubjectKind.BRAND}
    trust = by_scorer["trust"]
    assert trust.score is None
    assert trust.confidence < 0.5
    assert trust.provide == ("orders", "fan_groups", "trust_signals")
    assert trust.withheld == (
        f"insufficient data: confidence {trust.confidence:.0%} is below the minimum of 50% "
        "for trust; provide order details, fan-group members, trust signals"
    )
    # The parts that were measured stay on the card, as measured.
    measured = [i for i in trust.indicators() if i.score is not None]
    assert measured
    assert all(0 <= i.score <= 100 for i in measured if i.score is not None)
    # STEPS keeps the pillars it measured and marks the others unavailable, not 0; its
    # overall score would rest on a fifth of its weight.
    steps_card = by_scorer["steps"]
    assert steps_card.score is None
    assert steps_card.confidence < BUILTIN_MIN_CONFIDENCE["steps"].value
    assert steps_card.component("S").score is not None
    assert steps_card.component("E").score is None
    assert "talent_collabs" in steps_card.provide
    # Douyin interest per stream needs the product funnel and the buyers, which a Kuaishou
    # live-session list does not carry: withheld too, asking for the funnel.
    interest = [c for c in live_results.cards if c.scorer == "douyin-interest"]
    assert interest
    assert all(c.score is None and "streams[].product_click_uv" in c.provide for c in interest)
    stage_cards = [c for c in live_results.cards if c.scorer == "stage"]
    assert len(stage_cards) == 3
    assert all(c.score is None for c in stage_cards)
    assert {"plans", "stream_products", "products"} <= set(stage_cards[0].provide)
    # Fields every stream has are never asked for.
    assert not {"streams[].uv", "streams[].gmv_fen", "streams"} & set(stage_cards[0].provide)
    assert insufficient_text(trust) == f"insufficient data — {TRUST_ASKS}"
    assert insufficient_text(trust, "zh") == "数据不足 — 请提供订单明细、粉丝团成员、信任指标"


def test_json_says_score_null_with_the_reason(live_results: ScoreResults) -> None:
    data = json.loads(live_results.to_json())
    trust = next(c for c in data["cards"] if c["scorer"] == "trust")
    assert trust["score"] is None
    assert trust["withheld"].startswith("insufficient data: confidence 6%")
    assert trust["provide"] == ["orders", "fan_groups", "trust_signals"]
    full = json.loads(score(steps.sample_dataset(), ["douyin-interest"]).to_json())
    scored = full["cards"][0]
    assert scored["score"] is not None
    assert "withheld" not in scored  # at its default, omitted
    assert "provide" not in scored
    assert ScoreResults.from_json(live_results.to_json()) == live_results


def test_rows_have_an_empty_score_and_the_reason(live_results: ScoreResults) -> None:
    rows = [r for r in live_results.to_rows() if r["scorer"] == "trust"]
    assert {r["score"] for r in rows} == {None}
    assert {r["withheld"] for r in rows} == {live_results.card("trust", "b1").withheld}
    # The indicators measured keep their scores.
    assert any(r["indicator_score"] is not None for r in rows)


def test_the_chinese_reason_comes_from_the_catalogue(live_sessions: Dataset) -> None:
    results = score(live_sessions, ["trust"], ScoringContext(language="zh"))
    card = results.card("trust", "b1")
    assert card.withheld is not None
    assert card.withheld.startswith("数据不足:置信度 6% 低于 trust 的最低要求 50%")
    assert card.withheld.endswith(";请提供订单明细、粉丝团成员、信任指标")


# --------------------------------------------------------------------------- the minimum


def test_the_option_overrides_the_minimum(live_sessions: Dataset) -> None:
    lenient = ScoringContext(options={"trust.min_confidence": "0.05"})
    assert score(live_sessions, ["trust"], lenient).card("trust", "b1").score is not None
    strict = ScoringContext(options={"steps.min_confidence": 1})
    assert score(live_sessions, ["steps"], strict).card("steps", "b1").score is None
    never = ScoringContext(options={"stage.min_confidence": 0})
    assert all(c.score is not None for c in score(live_sessions, ["stage"], never).cards)


@pytest.mark.parametrize("value", ["abc", "1.5", -0.1, float("nan"), True])
def test_a_bad_minimum_option_is_refused_before_scoring(live_sessions: Dataset, value: Any) -> None:
    context = ScoringContext(options={"trust.min_confidence": value})
    with pytest.raises(ValueError, match=r"option trust\.min_confidence must be a number in"):
        score(live_sessions, ["trust"], context)


def test_the_builtin_minimums_apply_to_the_builtin_scorers() -> None:
    host = isolated_host(builtins=True)
    for record in host.scorers():
        want = BUILTIN_MIN_CONFIDENCE[record.name].value
        assert min_confidence(record.scorer, record.name, {}) == want
    assert DEFAULT_MIN_CONFIDENCE == 0.5


class _Thin:
    """A third-party brand scorer whose cards rest on a third of their weight."""

    name = "thin"
    version = "1"
    subject = SubjectKind.BRAND
    title = "Thin"
    description = "A scorer with little data."
    confidence = 0.3

    def score(self, subject: Any, context: ScoringContext) -> ScoreCard:
        return ScoreCard(
            scorer=self.name,
            scorer_version=self.version,
            subject_kind=SubjectKind.BRAND,
            subject_id=subject.brand_id,
            brand_id=subject.brand_id,
            score=70.0,
            confidence=self.confidence,
        )


class _Lenient(_Thin):
    name = "lenient"
    min_confidence: ClassVar[float] = 0.2


class _Broken(_Thin):
    name = "broken"
    min_confidence: ClassVar[str] = "low"


class _OwnReason(_Thin):
    name = "own-reason"

    def score(self, subject: Any, context: ScoringContext) -> ScoreCard:
        return attrs.evolve(super().score(subject, context), score=None, withheld="not today")


class _Plugin:
    __name__ = "thin-plugin"

    @hookimpl
    def steps_register_scorers(self, register: Any) -> None:
        for scorer in (_Thin(), _Lenient(), _Broken(), _OwnReason()):
            register(scorer)


def test_third_party_scorers_are_held_to_a_minimum() -> None:
    results = score(make_dataset(), host=isolated_host(_Plugin()))
    assert results.ok
    thin = results.card("thin", "b2")
    assert thin.score is None
    assert thin.withheld == (
        "insufficient data: confidence 30% is below the minimum of 50% for thin"
    )
    assert thin.provide == ()  # a card without indicators names nothing to provide
    assert insufficient_text(thin) == "insufficient data"
    assert results.card("lenient", "b2").score == 70.0
    # A minimum that is not a number in [0, 1] is reported and the default applies.
    assert results.card("broken", "b2").score is None
    warned = [w for w in results.warnings if w.category == BAD_MINIMUM]
    assert [w.scorer for w in warned] == ["broken"]
    assert "'low'" in warned[0].message
    assert results.card("own-reason", "b2").withheld == "not today"


def test_a_card_without_a_score_or_a_reason_is_an_error() -> None:
    class Silent(_Thin):
        name = "silent"

        def score(self, subject: Any, context: ScoringContext) -> ScoreCard:
            card = super().score(subject, context)
            object.__setattr__(card, "score", None)  # escapes the card's own check
            return card

    class Plugin:
        __name__ = "silent-plugin"

        @hookimpl
        def steps_register_scorers(self, register: Any) -> None:
            register(Silent())

    results = score(make_dataset(), host=isolated_host(Plugin()))
    assert not results.cards
    assert {e.message for e in results.errors} == {
        "a card without a score must say why in withheld"
    }


# --------------------------------------------------------------------------- every path


def test_tables_withhold_as_the_cards_do(live_sessions: Dataset) -> None:
    brand = live_sessions.brands[0]
    table = StreamTable.from_streams([brand], [(0, s) for s in brand.streams])
    tabled = score_table(table, live_sessions, ["stage", "douyin-interest"])
    assert tabled.ok
    stage = tabled.scores["stage"]
    assert stage.withheld.tolist() == [True, True, True]
    assert stage.min_confidence == BUILTIN_MIN_CONFIDENCE["stage"].value
    per_object = score(live_sessions, ["stage", "douyin-interest"])
    assert tabled.to_results().cards == tuple(
        attrs.evolve(c, recommendations=()) for c in per_object.cards
    )
    # The score columns (chunked runs, Spark) say the same without building the cards.
    reasons = [None if r is None else r[0] for r in stage.withheld_reasons()]
    assert reasons == [c.withheld for c in tabled.to_results().cards if c.scorer == "stage"]
    columns = stage.to_columns()
    assert isinstance(columns["score"], np.ma.MaskedArray)
    assert columns["score"].mask.all()
    assert columns["withheld"].all()
    assert not any(math.isnan(v) for v in np.ma.getdata(columns["score"]).tolist())


def test_frames_carry_a_null_score_and_the_reason(live_results: ScoreResults) -> None:
    pytest.importorskip("polars")
    frame = live_results.to_polars()
    trust = frame.filter(frame["scorer"] == "trust")
    assert trust["score"].null_count() == len(trust)
    assert trust["withheld"].null_count() == 0
    assert not frame["score"].is_nan().any()


# --------------------------------------------------------------------------- what to provide


@pytest.mark.parametrize(
    ("item", "kind", "want"),
    [
        ("talent_collabs[].gmv_fen", SubjectKind.BRAND, Section.TALENT_COLLABS),
        ("trust_signals[kind=refund_rate]", SubjectKind.BRAND, Section.TRUST_SIGNALS),
        ("streams[].products[].gmv_fen", SubjectKind.BRAND, Section.STREAM_PRODUCTS),
        ("products[].channel_exclusive", SubjectKind.BRAND, Section.PRODUCTS),
        ("accounts[].fan_group.members", SubjectKind.BRAND, Section.FAN_GROUPS),
        ("streams[].paid_spend_fen", SubjectKind.BRAND, "streams[].paid_spend_fen"),
        ("streams[].uv", SubjectKind.BRAND, Section.STREAMS),
        ("plan.segments[].planned_seconds", SubjectKind.STREAM, Section.PLANS),
        ("products[].explain_seconds", SubjectKind.STREAM, Section.STREAM_PRODUCTS),
        ("brand.products[].role", SubjectKind.STREAM, Section.PRODUCTS),
        ("comments", SubjectKind.STREAM, "streams[].comments"),
        ("uv", SubjectKind.STREAM, Section.STREAMS),
        ("a brand window or dated records", SubjectKind.BRAND, None),
        ("at least 2 priced products", SubjectKind.STREAM, None),
    ],
)
def test_inputs_name_the_section_to_provide(
    item: str, kind: SubjectKind, want: Section | str | None
) -> None:
    assert section_of(item, kind) == want


def test_provide_lists_sections_first_and_streams_only_alone() -> None:
    inputs = [("uv", "comments"), ("plan.gmv_target_fen", "gmv_fen"), ("at least 2 x",)]
    assert provide_from(inputs, SubjectKind.STREAM) == (
        "plans",
        "streams[].comments",
        "at least 2 x",
    )
    assert provide_from([("uv", "duration_seconds")], SubjectKind.STREAM) == ("streams",)
    assert provide_from([], SubjectKind.BRAND) == ()


def test_the_sample_loses_no_score() -> None:
    """The bundled sample has every section a scorer needs: nothing is withheld."""
    results = steps.score(steps.sample_dataset())
    assert all(c.score is not None for c in results.cards)


def test_results_read_back_refuse_a_card_without_a_score_or_a_reason() -> None:
    from steps.domain import InvalidDataError

    card = {
        "scorer": "x",
        "scorer_version": "1",
        "subject_kind": "brand",
        "subject_id": "b",
        "brand_id": "b",
        "score": None,
        "confidence": 0.1,
    }
    data = {"scorers": [], "errors": [], "warnings": [], "cards": [card]}
    with pytest.raises(InvalidDataError, match=r"cards\[0\]: a card without a score needs"):
        ScoreResults.from_dict(data)
    card["withheld"] = "insufficient data"
    assert ScoreResults.from_dict(data).cards[0].score is None
