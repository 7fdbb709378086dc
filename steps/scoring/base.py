"""Base classes for scorers built from components of indicators.

A methodology scorer declares its components (each a tuple of indicators with weights and
default benchmarks); the base class measures, normalises, weighs and explains, and turns the
weakest indicators into recommendations.  Built-in scorers use these bases; a third party
may too, or implement the protocols of :mod:`steps.scoring.contract` directly.

Text follows ``context.language``: explanations come from the built-in catalogue, and an
indicator's advice is the message ``"<scorer name>.<indicator key>.advice"`` of the scorer's
catalogue (:attr:`MethodologyScorer.messages` in front of the built-in one) or, where the
catalogue has none, the indicator's inline ``advice``, as written.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import ClassVar, Generic, Literal, TypeVar

from steps.domain import metrics
from steps.domain.enums import LifecycleStage
from steps.domain.model import Brand
from steps.scoring.contract import ScoringContext, StreamSubject
from steps.scoring.indicators import Benchmark, Component, Evaluation, Indicator, evaluate
from steps.scoring.messages import Catalogue, catalogue_for
from steps.scoring.results import Recommendation, ScoreCard, SubjectKind

__all__ = ["BrandMethodology", "MethodologyScorer", "StreamMethodology"]

S = TypeVar("S")

#: An indicator scoring below this is a candidate for a recommendation.
ADVICE_THRESHOLD = 60.0
_STAGES = frozenset(stage.value for stage in LifecycleStage)


def _sentence(explanation: str, advice: str, catalogue: Catalogue, language: str) -> str:
    """The explanation and the advice as two sentences."""
    explanation = explanation.rstrip()
    if explanation and explanation[-1] not in ".!?。!?":
        explanation += catalogue.text("core.full_stop", language)
    return catalogue.text("core.then", language, first=explanation, second=advice)


class MethodologyScorer(ABC, Generic[S]):
    """Shared machinery; subclass :class:`BrandMethodology` or :class:`StreamMethodology`."""

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
    #: ``<scorer>.min_confidence`` overrides it; see :mod:`steps.scoring.confidence`.
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
        """:attr:`messages` in front of the built-in catalogue."""
        return catalogue_for(self.messages)

    def message(self, key: str, language: str, /, **params: object) -> str:
        """The message ``key`` of :meth:`catalogue` in ``language``, filled with ``params``."""
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
        :meth:`notes` when it names a :class:`~steps.domain.enums.LifecycleStage` (the
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

    def recommendations(
        self, subject: S, evaluation: Evaluation, context: ScoringContext
    ) -> list[Recommendation]:
        """The lowest-scoring indicators that have advice, weakest first, weighted by how
        much of the card they could still add."""
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
                            text=_sentence(result.explanation, advice, catalogue, language),
                            component=component.key,
                            indicator=result.key,
                            priority=priority,
                        ),
                    )
                )
        candidates.sort(key=lambda item: (item[0], item[1].indicator or ""))
        return [r for _, r in candidates[: self.max_recommendations]]

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
            recommendations=tuple(self.recommendations(subject, evaluation, context)),
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

    def score(self, subject: StreamSubject, context: ScoringContext) -> ScoreCard:
        return self._card(subject, context, SubjectKind.STREAM)
