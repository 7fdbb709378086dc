"""``live-rhythm``: does a stream belong to a steady live rhythm that keeps its viewers?

Two components, equally weighted:

* ``cadence`` (直播节奏): how often the stream's account goes live (streams per week over the
  brand's window) and how long this stream stayed on air;
* ``holding`` (留人): average watch minutes per viewer (人均观看时长).

The weekly cadence is a property of the account, not of one stream.  ``score`` computes it
for the one account it needs; ``score_many`` (which the engine prefers) computes it once per
account for all of a brand's streams.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, ClassVar, Literal

import attrs
from steps.domain import Brand, metrics
from steps.scoring import (
    Benchmark,
    Component,
    Indicator,
    LinearBenchmark,
    Recommendation,
    ScoreCard,
    ScoringContext,
    StreamSubject,
    SubjectKind,
    evaluate,
)

__all__ = ["LiveRhythm", "RhythmInputs", "streams_per_week"]


@attrs.frozen
class RhythmInputs:
    """What the indicators measure: the stream, and its account's weekly cadence."""

    subject: StreamSubject
    streams_per_week: float | None


def _weeks(brand: Brand, days: Sequence[date]) -> float:
    """The brand's window in weeks (or the span of the streams when there is no window),
    at least one week, so a single stream is not read as a daily habit."""
    if brand.window_start is not None and brand.window_end is not None:
        span = (brand.window_end - brand.window_start).days + 1
    else:
        span = (max(days) - min(days)).days + 1
    return max(span, 7) / 7


def streams_per_week(brand: Brand) -> Mapping[str, float]:
    """Streams per week of each of the brand's accounts that streamed."""
    counts = Counter(stream.account_id for stream in brand.streams)
    if not counts:
        return {}
    weeks = _weeks(brand, [stream.started_at.date() for stream in brand.streams])
    return {account_id: count / weeks for account_id, count in counts.items()}


def _cadence(inputs: RhythmInputs) -> float | None:
    return inputs.streams_per_week


def _hours_on_air(inputs: RhythmInputs) -> float | None:
    seconds = inputs.subject.stream.duration_seconds
    return seconds / 3600 if seconds > 0 else None


def _watch_minutes(inputs: RhythmInputs) -> float | None:
    return metrics.avg_watch_minutes(inputs.subject.stream)


STREAMS_PER_WEEK: Indicator[RhythmInputs] = Indicator(
    key="streams_per_week",
    name="Streams per week",
    name_zh="周开播场次",
    unit="streams/week",
    measure=_cadence,
    defaults={"*": LinearBenchmark(floor=1.0, target=5.0, source="assumption: 5 a week")},
    weight=2.0,
    inputs=("streams.started_at", "streams.account_id"),
    formula="streams of the account / weeks of the brand's window",
    advice="Go live on a fixed schedule, at least five times a week.",
)
HOURS_ON_AIR: Indicator[RhythmInputs] = Indicator(
    key="hours_on_air",
    name="Hours on air",
    name_zh="单场直播时长",
    unit="h",
    measure=_hours_on_air,
    defaults={"*": LinearBenchmark(floor=1.0, target=4.0, source="assumption: 4 h a stream")},
    inputs=("streams.duration_seconds",),
    formula="duration_seconds / 3600",
    advice="Stay on air longer: the feed needs time to find the room.",
)
WATCH_MINUTES: Indicator[RhythmInputs] = Indicator(
    key="watch_minutes_per_viewer",
    name="Watch minutes per viewer",
    name_zh="人均观看时长",
    unit="min",
    measure=_watch_minutes,
    defaults={
        "*": LinearBenchmark(floor=0.5, target=3.0, source="assumption: 3 min"),
        "douyin": LinearBenchmark(floor=0.5, target=2.0, source="assumption: 2 min on Douyin"),
    },
    inputs=("streams.watch_seconds", "streams.uv"),
    formula="watch_seconds / 60 / uv",
    advice="Hold viewers: a reason to stay every few minutes (a draw, a price reveal).",
)
COMPONENTS: tuple[Component[RhythmInputs], ...] = (
    Component("cadence", "Cadence", "直播节奏", (STREAMS_PER_WEEK, HOURS_ON_AIR)),
    Component("holding", "Holding viewers", "留人", (WATCH_MINUTES,)),
)
ADVICE = {i.key: i.advice for c in COMPONENTS for i in c.indicators}


class LiveRhythm:
    """The ``live-rhythm`` stream scorer."""

    name: ClassVar[str] = "live-rhythm"
    version: ClassVar[str] = "0.1.0"
    subject: ClassVar[Literal[SubjectKind.STREAM]] = SubjectKind.STREAM
    title: ClassVar[str] = "Live rhythm"
    description: ClassVar[str] = (
        "How steadily the stream's account goes live, and how well the stream holds viewers."
    )

    def score(self, subject: StreamSubject, context: ScoringContext) -> ScoreCard:
        cadence = streams_per_week(subject.brand).get(subject.stream.account_id)
        return self._card(RhythmInputs(subject, cadence), context)

    def score_many(
        self, subjects: Sequence[StreamSubject], context: ScoringContext
    ) -> list[ScoreCard]:
        # The engine passes the streams of one brand: one cadence computation for all
        # (keyed by brand all the same, so that any list of subjects is scored right).
        cadences: dict[str, Mapping[str, float]] = {}
        cards = []
        for subject in subjects:
            brand = subject.brand
            if brand.brand_id not in cadences:
                cadences[brand.brand_id] = streams_per_week(brand)
            cadence = cadences[brand.brand_id].get(subject.stream.account_id)
            cards.append(self._card(RhythmInputs(subject, cadence), context))
        return cards

    def _card(self, inputs: RhythmInputs, context: ScoringContext) -> ScoreCard:
        subject = inputs.subject
        platform = subject.account.platform.value if subject.account else None

        def resolve(indicator: Indicator[Any]) -> Benchmark:
            # A user's override first, then peers, then the indicator's default.
            return context.benchmark_for(
                self.name, indicator, platform=platform, category=subject.brand.category
            )

        evaluation = evaluate(inputs, COMPONENTS, resolve)
        advice = [
            Recommendation(
                text=ADVICE[result.key], component=result.component, indicator=result.key
            )
            for component in evaluation.components
            for result in component.indicators
            if result.score is not None and result.score < 50
        ]
        return ScoreCard(
            scorer=self.name,
            scorer_version=self.version,
            subject_kind=SubjectKind.STREAM,
            subject_id=subject.stream.stream_id,
            brand_id=subject.brand.brand_id,
            score=evaluation.score,
            confidence=evaluation.confidence,
            components=evaluation.components,
            missing=evaluation.missing,
            recommendations=tuple(advice),
        )
