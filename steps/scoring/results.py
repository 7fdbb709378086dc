"""What a scorer returns: score cards broken down into components and indicators.

A `ScoreCard` explains itself: each indicator says which value was measured, against
which benchmark, with what weight, how much it contributed, and in one line what it means.
Contributions add up to the overall score; ``confidence`` is the share of the card's nominal
weight whose inputs were available, and ``missing`` lists what was not.

A card whose confidence is below its scorer's minimum has no score (``score`` is ``None``):
``withheld`` says why and ``provide`` what data would produce one (see
`steps.scoring.confidence`).  Its components and indicators stay as measured.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Any

import attrs

__all__ = [
    "ComponentResult",
    "IndicatorResult",
    "Recommendation",
    "ScoreCard",
    "ScoreError",
    "SubjectKind",
]


class SubjectKind(StrEnum):
    """What a scorer scores."""

    BRAND = "brand"
    STREAM = "stream"


def _finite_or_none(_: Any, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None and not math.isfinite(value):
        raise ValueError(f"{attribute.name} must be finite, got {value}")


def _score_range(_: Any, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None and not (math.isfinite(value) and 0.0 <= value <= 100.0):
        raise ValueError(f"{attribute.name} must lie in [0, 100], got {value}")


def _unit_range(_: Any, attribute: attrs.Attribute[Any], value: float) -> None:
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise ValueError(f"{attribute.name} must lie in [0, 1], got {value}")


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _frozen_map(value: Mapping[str, str]) -> Mapping[str, str]:
    return value if isinstance(value, MappingProxyType) else MappingProxyType(dict(value))


@attrs.frozen
class IndicatorResult:
    """One measured indicator of a card.

    ``score`` is the value normalised to 0–100 against ``benchmark`` (``None`` when the value
    is not available); ``weight`` is the indicator's share of its component (0–1) and
    ``contribution`` its points in the card's overall score.
    """

    key: str
    name: str
    name_zh: str
    component: str
    value: float | None = attrs.field(validator=_finite_or_none)
    unit: str
    score: float | None = attrs.field(validator=_score_range)
    weight: float = attrs.field(validator=_unit_range)
    contribution: float = attrs.field(validator=_score_range)
    benchmark: str
    benchmark_source: str
    explanation: str
    missing: tuple[str, ...] = ()

    @property
    def available(self) -> bool:
        return self.score is not None


@attrs.frozen
class ComponentResult:
    """A component of a card (a STEPS pillar, a STAGE part): the weighted mean of its
    available indicators."""

    key: str
    name: str
    name_zh: str
    score: float | None = attrs.field(validator=_score_range)
    weight: float = attrs.field(validator=_unit_range)
    contribution: float = attrs.field(validator=_score_range)
    indicators: tuple[IndicatorResult, ...] = ()


def _fen_or_none(_: Any, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and (type(value) is not int or value < 0):
        raise ValueError(f"{attribute.name} must be a whole number of fen >= 0, got {value!r}")


@attrs.frozen
class Recommendation:
    """A next move a person can act on, tied to the component (and indicator) it improves.

    ``gmv_at_stake_fen`` estimates the GMV the move would add by closing its indicator's gap
    to target, through the GMV identity with the other factors held (``factor`` is the
    factor it moves, ``stake_basis`` the period and the assumption); ``None`` when it
    cannot be estimated, and ``stake_basis`` then says why (`steps.scoring.stake`).
    """

    text: str
    component: str | None = None
    indicator: str | None = None
    priority: int = attrs.field(default=2, validator=attrs.validators.in_((1, 2, 3)))
    gmv_at_stake_fen: int | None = attrs.field(default=None, validator=_fen_or_none)
    factor: str | None = None
    stake_basis: str | None = None


@attrs.frozen
class ScoreCard:
    """One scorer's verdict on one subject (a brand, or a stream of a brand).

    ``score`` is ``None`` when the score was withheld: the card's confidence is below its
    scorer's minimum (`steps.scoring.confidence`).  ``withheld`` then gives the
    reason, in the language the card was scored in, and ``provide`` what data would
    produce a score: the `Section` values of the sections its
    unavailable indicators need (``"talent_collabs"``), and the stream fields they need
    (``"streams[].comments"``) where the section holding them is the streams."""

    scorer: str
    scorer_version: str
    subject_kind: SubjectKind
    subject_id: str
    brand_id: str
    score: float | None = attrs.field(validator=_score_range)
    confidence: float = attrs.field(validator=_unit_range)
    components: tuple[ComponentResult, ...] = ()
    missing: tuple[str, ...] = ()
    recommendations: tuple[Recommendation, ...] = ()
    #: Labels a scorer wants to show beside the score (e.g. the inferred lifecycle stage).
    notes: Mapping[str, str] = attrs.field(factory=dict, converter=_frozen_map)
    #: Why the card has no score (``None``: it has one).
    withheld: str | None = None
    #: What data would produce the withheld score (empty when the card has a score).
    provide: tuple[str, ...] = attrs.field(default=(), converter=_strings)

    def __attrs_post_init__(self) -> None:
        if self.score is None and not self.withheld:
            raise ValueError("a card without a score needs the reason it was withheld")
        if self.score is not None and (self.withheld is not None or self.provide):
            raise ValueError("a card with a score has no withheld reason and nothing to provide")

    @property
    def scored(self) -> bool:
        """Whether the card has a score (``False``: it was withheld)."""
        return self.score is not None

    def component(self, key: str) -> ComponentResult:
        for component in self.components:
            if component.key == key:
                return component
        raise KeyError(f"{self.scorer} has no component {key!r}")

    def indicators(self) -> Iterator[IndicatorResult]:
        for component in self.components:
            yield from component.indicators

    def indicator(self, key: str) -> IndicatorResult:
        for indicator in self.indicators():
            if indicator.key == key:
                return indicator
        raise KeyError(f"{self.scorer} has no indicator {key!r}")

    @property
    def weakest_component(self) -> ComponentResult | None:
        """The available component with the lowest score (ties: the heavier one first)."""
        scored = [c for c in self.components if c.score is not None]
        if not scored:
            return None
        return min(scored, key=lambda c: (c.score, -c.weight))

    def _repr_html_(self) -> str:
        from steps.frames import card_html

        return card_html(self)


@attrs.frozen
class ScoreError:
    """A scorer that failed on one subject: which plugin, what it raised or returned."""

    scorer: str
    plugin: str
    subject_kind: SubjectKind
    subject_id: str
    brand_id: str
    error_type: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.scorer} (plugin {self.plugin}) failed on {self.subject_kind.value} "
            f"{self.subject_id!r}: {self.error_type}: {self.message}"
        )
