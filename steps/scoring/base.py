"""Base classes for scorers built from components of indicators.

A methodology scorer declares its components (each a tuple of indicators with weights and
default benchmarks); the base class measures, normalises, weighs and explains, and turns the
weakest indicators into recommendations.  Built-in scorers use these bases; a third party
may too, or implement the protocols of `steps.scoring.contract` directly.

Text follows ``context.language``: explanations come from the built-in catalogue, and an
indicator's advice is the message ``"<scorer name>.<indicator key>.advice"`` of the scorer's
catalogue (`MethodologyScorer.messages` in front of the built-in one) or, where the
catalogue has none, the indicator's inline ``advice``, as written.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from typing import Any, ClassVar, Generic, Literal, TypeVar

from steps.domain import metrics
from steps.domain.enums import LifecycleStage
from steps.domain.model import Brand
from steps.scoring import stake
from steps.scoring.contract import ScoringContext, StreamSubject
from steps.scoring.indicators import (
    Benchmark,
    Component,
    Evaluation,
    Indicator,
    LinearBenchmark,
    PeerBenchmark,
    evaluate,
)
from steps.scoring.messages import Catalogue, catalogue_for, display_name
from steps.scoring.results import IndicatorResult, Recommendation, ScoreCard, SubjectKind
from steps.scoring.units import bound, quantity

__all__ = ["BrandMethodology", "MethodologyScorer", "StreamMethodology"]

S = TypeVar("S")

#: An indicator scoring below this is a candidate for a recommendation.
ADVICE_THRESHOLD = 60.0
_STAGES = frozenset(stage.value for stage in LifecycleStage)


def _lead(advice: str, language: str) -> str:
    """``advice`` to follow a colon: its first letter lower-cased in English, unless the
    first word is an acronym (``ROI``) or a name in capitals."""
    if language == "en" and len(advice) > 1 and advice[0].isupper() and advice[1].islower():
        return advice[0].lower() + advice[1:]
    return advice


def benchmark_phrase(benchmark: Benchmark, unit: str, catalogue: Catalogue, language: str) -> str:
    """What a next move quotes of a benchmark: ``target 3×``, ``target ¥2 per new fan,
    lower is better``, ``peer median 42%`` (the benchmark's own words for another kind)."""
    if isinstance(benchmark, LinearBenchmark):
        key = "core.move.target_lower" if benchmark.target < benchmark.floor else "core.move.target"
        return catalogue.text(key, language, target=bound(benchmark.target, unit, language))
    if isinstance(benchmark, PeerBenchmark):
        median = bound(benchmark.median, unit, language)
        return catalogue.text("core.move.peers", language, median=median)
    return benchmark.describe()


def move_text(
    result: IndicatorResult,
    benchmark: Benchmark,
    advice: str,
    catalogue: Catalogue,
    language: str,
) -> str:
    """A next move in words: where the indicator stands, then what to do, e.g.
    ``Paid-traffic ROI is 1.62× (target 3×): move paid budget to …``."""
    value = 0.0 if result.value is None else result.value  # only measured ones give moves
    status = catalogue.text(
        "core.move.status",
        language,
        name=display_name(result.name, result.name_zh, language),
        value=quantity(value, result.unit, language),
        benchmark=benchmark_phrase(benchmark, result.unit, catalogue, language),
    )
    if not advice:
        return status + catalogue.text("core.full_stop", language)
    return catalogue.text("core.move.then", language, status=status, advice=_lead(advice, language))


#: The benchmarks `MethodologyScorer.next_moves` resolved for the subject it is
#: advising, by indicator key (a move is built and then estimated: one lookup serves both).
_RESOLVED: ContextVar[dict[str, Benchmark] | None] = ContextVar("steps_resolved", default=None)
_DEFINITIONS: dict[int, tuple[object, dict[tuple[str, str], Indicator[Any]]]] = {}


def _definitions(components: Sequence[Component[S]]) -> dict[tuple[str, str], Indicator[S]]:
    """``(component key, indicator key)`` → indicator, kept per components object (a
    scorer's components are usually one constant tuple, advised on every stream)."""
    cached = _DEFINITIONS.get(id(components))
    if cached is not None and cached[0] is components:
        return cached[1]
    found = {(c.key, i.key): i for c in components for i in c.indicators}
    if len(_DEFINITIONS) > 256:
        _DEFINITIONS.clear()
    _DEFINITIONS[id(components)] = (components, found)
    return found


def _component_weight(evaluation: Evaluation, key: str) -> float:
    for component in evaluation.components:
        if component.key == key:
            return component.weight
    return 0.0


class MethodologyScorer(ABC, Generic[S]):
    """Shared machinery; subclass `BrandMethodology` or `StreamMethodology`."""

    name: ClassVar[str]
    version: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str]
    #: How many recommendations a card carries at most.
    max_recommendations: ClassVar[int] = 3
    #: The scorer's own messages, looked up before the built-in catalogue (``None``: the
    #: built-in catalogue only).  See "Languages" in docs/plugins.md.
    messages: ClassVar[Catalogue | None] = None
    #: The confidence below which the engine withholds a card's score (a number in [0, 1];
    #: ``None``: not declared, the built-in default applies).  The option
    #: ``<scorer>.min_confidence`` overrides it; see `steps.scoring.confidence`.
    min_confidence: ClassVar[float | None] = None

    @abstractmethod
    def components(self, subject: S, context: ScoringContext) -> Sequence[Component[S]]:
        """The components to score ``subject`` on."""

    def component_weights(self, subject: S, context: ScoringContext) -> Mapping[str, float] | None:
        """Nominal component weights (default: equal)."""
        return None

    def notes(self, subject: S, context: ScoringContext) -> Mapping[str, str]:
        """Labels to show beside the score."""
        return {}

    def catalogue(self) -> Catalogue:
        """`messages` in front of the built-in catalogue."""
        return catalogue_for(self.messages)

    def message(self, key: str, language: str, /, **params: object) -> str:
        """The message ``key`` of `catalogue` in ``language``, filled with ``params``."""
        return self.catalogue().text(key, language, **params)

    def advice_for(self, indicator: Indicator[S], language: str) -> str:
        """The indicator's advice in ``language``: the catalogue's
        ``"<scorer name>.<indicator key>.advice"``, else the indicator's inline ``advice``
        (empty: no advice)."""
        key = f"{self.name}.{indicator.key}.advice"
        catalogue = self.catalogue()
        if key in catalogue:
            return catalogue.text(key, language)
        return indicator.advice

    @abstractmethod
    def _brand(self, subject: S) -> Brand: ...

    @abstractmethod
    def _subject_id(self, subject: S) -> str: ...

    def _platform(self, subject: S) -> str | None:
        """The platform whose default benchmarks judge ``subject``: its brand's main
        platform (a stream methodology takes the stream's account's)."""
        platform = metrics.main_platform(self._brand(subject))
        return platform.value if platform else None

    def peer_stage(self, subject: S, context: ScoringContext) -> str | None:
        """The brand's lifecycle stage for peer groups (``None``: not known, the peers of
        the brand's category and tier judge it): by default the ``stage`` note of
        `notes` when it names a `LifecycleStage` (the
        STEPS scorer notes it).  Asked once per card, and only when peers are given."""
        stage = self.notes(subject, context).get("stage")
        return stage if stage in _STAGES else None

    def resolve_benchmark(
        self,
        subject: S,
        indicator: Indicator[S],
        context: ScoringContext,
        *,
        stage: str | None = None,
    ) -> Benchmark:
        brand = self._brand(subject)
        return context.benchmark_for(
            self.name,
            indicator,
            platform=self._platform(subject),
            category=brand.category,
            tier=brand.tier,
            stage=stage,
        )

    def _resolve(self, subject: S, indicator: Indicator[S], context: ScoringContext) -> Benchmark:
        """The benchmark the card judged ``indicator`` against (for the few indicators a
        next move quotes), resolved once per move while `next_moves` runs."""
        memo = _RESOLVED.get()
        if memo is not None and indicator.key in memo:
            return memo[indicator.key]
        stage = self.peer_stage(subject, context) if context.peers is not None else None
        if stage is None:
            found = self.resolve_benchmark(subject, indicator, context)
        else:
            found = self.resolve_benchmark(subject, indicator, context, stage=stage)
        if memo is not None:
            memo[indicator.key] = found
        return found

    def _stake_base(self, subject: S) -> tuple[int | None, bool]:
        """The GMV a move's stake scales, in fen, and whether it is one stream's: the
        brand's self-broadcast GMV over the next 30 days (`stake.monthly_gmv_fen`)."""
        return stake.monthly_gmv_fen(self._brand(subject)), False

    def next_moves(
        self, subject: S, evaluation: Evaluation, context: ScoringContext
    ) -> list[Recommendation]:
        """The card's next moves: `recommendations`, each with its GMV at stake
        (`steps.scoring.stake`), ranked by it (moves without an estimate last), no two
        on the same indicator or with the same advice, at most `max_recommendations`.
        Estimates are made for these few moves only."""
        token = _RESOLVED.set({})
        try:
            moves = self.recommendations(subject, evaluation, context)
            if not moves:
                return []
            return self._staked_moves(subject, evaluation, context, moves)
        finally:
            _RESOLVED.reset(token)

    def _staked_moves(
        self,
        subject: S,
        evaluation: Evaluation,
        context: ScoringContext,
        moves: Sequence[Recommendation],
    ) -> list[Recommendation]:
        language = context.language
        catalogue = self.catalogue()
        definitions = _definitions(self.components(subject, context))
        results = {(c.key, r.key): r for c in evaluation.components for r in c.indicators}
        base: tuple[int | None, bool] | None = None
        totals: dict[str, float] = {}
        out: list[Recommendation] = []
        actions: list[str | None] = []
        for move in moves:
            key = (move.component or "", move.indicator or "")
            definition = definitions.get(key)
            result = results.get(key)
            if move.indicator is None or definition is None or result is None:
                estimate = stake.Stake(None, None, catalogue.text("stake.no_indicator", language))
                actions.append(None)
            else:
                if base is None:
                    base = self._stake_base(subject)
                    totals = stake.factor_shares(
                        (definitions[(c.key, r.key)].moves[0], c.weight * r.weight)
                        for c in evaluation.components
                        for r in c.indicators
                        if r.score is not None
                        and (c.key, r.key) in definitions
                        and definitions[(c.key, r.key)].moves
                    )
                weight = result.weight * _component_weight(evaluation, key[0])
                total = totals.get(definition.moves[0], 0.0) if definition.moves else 0.0
                estimate = stake.estimate(
                    value=result.value,
                    benchmark=self._resolve(subject, definition, context),
                    moves=definition.moves,
                    base_fen=base[0],
                    stream=base[1],
                    language=language,
                    catalogue=catalogue,
                    share=weight / total if total > 0 else 1.0,
                )
                # the advice's template names the action (no need to fill it)
                advice = catalogue.template(f"{self.name}.{definition.key}.advice", language)
                actions.append(advice or definition.advice or None)
            out.append(stake.staked(move, estimate, language, catalogue))
        return stake.rank_moves(out, actions, self.max_recommendations)

    def recommendations(
        self, subject: S, evaluation: Evaluation, context: ScoringContext
    ) -> list[Recommendation]:
        """The candidate moves: the lowest-scoring indicators that have advice, weakest
        first, weighted by how much of the card they could still add.  `next_moves`
        estimates, ranks and trims them."""
        components = {c.key: c for c in self.components(subject, context)}
        language = context.language
        catalogue = self.catalogue()
        candidates: list[tuple[float, Recommendation]] = []
        for component in evaluation.components:
            definitions = {i.key: i for i in components[component.key].indicators}
            for result in component.indicators:
                definition = definitions.get(result.key)
                if result.score is None or definition is None:
                    continue
                if result.score >= ADVICE_THRESHOLD:
                    continue
                advice = self.advice_for(definition, language)
                if not advice:
                    continue
                headroom = component.weight * result.weight * (100.0 - result.score)
                priority = 1 if result.score < 30 else 2
                candidates.append(
                    (
                        -headroom,
                        Recommendation(
                            text=move_text(
                                result,
                                self._resolve(subject, definition, context),
                                advice,
                                catalogue,
                                language,
                            ),
                            component=component.key,
                            indicator=result.key,
                            priority=priority,
                        ),
                    )
                )
        candidates.sort(key=lambda item: (item[0], item[1].indicator or ""))
        return [r for _, r in candidates]

    def _card(self, subject: S, context: ScoringContext, kind: SubjectKind) -> ScoreCard:
        components = self.components(subject, context)
        stage = self.peer_stage(subject, context) if context.peers is not None else None
        resolve = (
            (lambda indicator: self.resolve_benchmark(subject, indicator, context))
            if stage is None  # an override of resolve_benchmark need not take a stage
            else (
                lambda indicator: self.resolve_benchmark(subject, indicator, context, stage=stage)
            )
        )
        evaluation = evaluate(
            subject,
            components,
            resolve,
            component_weights=self.component_weights(subject, context),
            language=context.language,
        )
        return ScoreCard(
            scorer=self.name,
            scorer_version=self.version,
            subject_kind=kind,
            subject_id=self._subject_id(subject),
            brand_id=self._brand(subject).brand_id,
            score=evaluation.score,
            confidence=evaluation.confidence,
            components=evaluation.components,
            missing=evaluation.missing,
            recommendations=tuple(self.next_moves(subject, evaluation, context)),
            notes=self.notes(subject, context),
        )


class BrandMethodology(MethodologyScorer[Brand]):
    """A brand scorer built from components of ``Indicator[Brand]``."""

    subject: ClassVar[Literal[SubjectKind.BRAND]] = SubjectKind.BRAND

    def _brand(self, subject: Brand) -> Brand:
        return subject

    def _subject_id(self, subject: Brand) -> str:
        return subject.brand_id

    def score(self, subject: Brand, context: ScoringContext) -> ScoreCard:
        return self._card(subject, context, SubjectKind.BRAND)


class StreamMethodology(MethodologyScorer[StreamSubject]):
    """A stream scorer built from components of ``Indicator[StreamSubject]``."""

    subject: ClassVar[Literal[SubjectKind.STREAM]] = SubjectKind.STREAM

    def _brand(self, subject: StreamSubject) -> Brand:
        return subject.brand

    def _subject_id(self, subject: StreamSubject) -> str:
        return subject.stream.stream_id

    def _platform(self, subject: StreamSubject) -> str | None:
        if subject.account is not None:
            return subject.account.platform.value
        return super()._platform(subject)

    def _stake_base(self, subject: StreamSubject) -> tuple[int | None, bool]:
        """A stream's move is worth its share of the next stream like this one."""
        return subject.stream.gmv_fen, True

    def score(self, subject: StreamSubject, context: ScoringContext) -> ScoreCard:
        return self._card(subject, context, SubjectKind.STREAM)
