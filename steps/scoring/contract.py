"""The typed contract between the engine and a scorer, checked by mypy in plugin code.

A scorer is any object with the attributes and the ``score`` method of `BrandScorer`
(subject: a `Brand`) or `StreamScorer` (subject: a
`StreamSubject`, a stream with the brand and account it belongs to).  Inheriting is not
required; the protocols are structural.  A scorer may also offer ``score_many(subjects,
context)``, returning one card per subject in order, to score a batch at once; the engine
uses it when present.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from types import MappingProxyType
from typing import Any, Literal, Protocol, TypeAlias, runtime_checkable

import attrs

from steps.domain.model import Account, Brand, Stream
from steps.scoring.indicators import (
    Benchmark,
    BenchmarkOverrides,
    Indicator,
)
from steps.scoring.results import ScoreCard, SubjectKind

__all__ = [
    "BrandScorer",
    "PeerLookup",
    "Scorer",
    "ScoringContext",
    "StreamScorer",
    "StreamSubject",
]


@attrs.frozen
class StreamSubject:
    """A stream, with the brand and the account it belongs to."""

    stream: Stream
    brand: Brand
    account: Account | None

    @property
    def subject_id(self) -> str:
        return self.stream.stream_id


class PeerLookup(Protocol):
    """Peer benchmarks: the population of comparable subjects for an indicator.

    ``stage`` (the brand's lifecycle stage) is passed only when the scorer knows it, so a
    lookup written without it keeps working."""

    def lookup(
        self, scorer: str, indicator: str, *, category: str | None, tier: str | None
    ) -> Benchmark | None: ...


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@attrs.frozen
class ScoringContext:
    """What a scorer may consult besides its subject.

    ``options`` are keyed ``"scorer.option"`` (e.g. ``"steps.stage": "launch"`` to override
    the inferred lifecycle stage).  ``language`` is ``"en"`` or ``"zh"``: the language of the
    explanations, advice and notes a scorer writes (`steps.scoring.messages`).
    """

    benchmarks: BenchmarkOverrides = attrs.field(factory=BenchmarkOverrides)
    peers: PeerLookup | None = None
    options: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen)
    language: Literal["en", "zh"] = "en"
    as_of: date | None = None

    def option(self, scorer: str, name: str, default: Any = None) -> Any:
        return self.options.get(f"{scorer}.{name}", default)

    def benchmark_for(
        self,
        scorer: str,
        indicator: Indicator[Any],
        *,
        platform: str | None,
        category: str | None,
        tier: str | None = None,
        stage: str | None = None,
    ) -> Benchmark:
        """The benchmark to judge ``indicator`` by: a user override first, then peers (of
        the brand's category, tier and, when given, lifecycle stage), then the indicator's
        default for the platform."""
        chosen = self.benchmarks.lookup(scorer, indicator.key, platform=platform, category=category)
        if chosen is None and self.peers is not None:
            if stage is None:
                chosen = self.peers.lookup(scorer, indicator.key, category=category, tier=tier)
            else:
                lookup: Any = self.peers.lookup  # takes stage: PeerBenchmarks does
                chosen = lookup(scorer, indicator.key, category=category, tier=tier, stage=stage)
        return chosen if chosen is not None else indicator.default_benchmark(platform)


@runtime_checkable
class BrandScorer(Protocol):
    """Scores a brand over its window."""

    @property
    def name(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def subject(self) -> Literal[SubjectKind.BRAND]: ...
    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str: ...

    def score(self, subject: Brand, context: ScoringContext) -> ScoreCard: ...


@runtime_checkable
class StreamScorer(Protocol):
    """Scores one stream."""

    @property
    def name(self) -> str: ...
    @property
    def version(self) -> str: ...
    @property
    def subject(self) -> Literal[SubjectKind.STREAM]: ...
    @property
    def title(self) -> str: ...
    @property
    def description(self) -> str: ...

    def score(self, subject: StreamSubject, context: ScoringContext) -> ScoreCard: ...


Scorer: TypeAlias = BrandScorer | StreamScorer


class BatchBrandScorer(BrandScorer, Protocol):
    def score_many(
        self, subjects: Sequence[Brand], context: ScoringContext
    ) -> Sequence[ScoreCard]: ...


class BatchStreamScorer(StreamScorer, Protocol):
    def score_many(
        self, subjects: Sequence[StreamSubject], context: ScoringContext
    ) -> Sequence[ScoreCard]: ...
