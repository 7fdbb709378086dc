"""Indicators, benchmarks and the arithmetic that turns them into an explained score card.

An `Indicator` is a named, documented function of a subject (a brand or a stream)
with a unit, a default benchmark and a weight inside its component.  A `Benchmark`
normalises a value to 0–100: piecewise-linear between a floor (scores 0) and a target
(scores 100), or (`PeerBenchmark`) the value's percentile among comparable peers.

`evaluate` applies a list of components to one subject and returns the card's parts.
Its arithmetic is the contract every built-in scorer keeps, and plugin authors may reuse it:

* an indicator whose value is missing is *not available*: its weight is removed and the
  remaining indicators of its component are re-weighted; never a silent zero;
* a component with no available indicator is not available either, likewise re-weighted;
* an indicator's contribution is ``component weight × indicator weight × indicator score``;
  the overall score is the sum of the contributions, so they add up to it by construction;
* confidence is the share of the nominal weight whose inputs were available.

Explanations are written in the language asked for (``language="zh"``) from the message
catalogue (`steps.scoring.messages`): `explanation_text`, `unavailable_text`
and `describe_benchmark` are the sentences both `evaluate` and the columnar path
(`steps.scoring.batch`) use, so that they agree word for word.
"""

from __future__ import annotations

import bisect
import functools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

import attrs

from steps.scoring.messages import builtin_catalogue, display_name, join, text
from steps.scoring.results import ComponentResult, IndicatorResult
from steps.scoring.units import bound, lower_is_better, quantity

if TYPE_CHECKING:
    from steps.scoring.batch import Measured, StreamColumns

__all__ = [
    "Benchmark",
    "BenchmarkOverrides",
    "Component",
    "Direction",
    "Evaluation",
    "Indicator",
    "LinearBenchmark",
    "Origin",
    "PeerBenchmark",
    "Provenance",
    "describe_benchmark",
    "evaluate",
    "explanation_text",
    "missing_note",
    "needs_text",
    "unavailable_text",
    "unit_text",
]

S = TypeVar("S")
S_contra = TypeVar("S_contra", contravariant=True)


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher"
    LOWER_IS_BETTER = "lower"


class Origin(StrEnum):
    """Where an indicator, a weight or a threshold comes from."""

    #: The source article says it; `Provenance.quote` is the Chinese phrase it implements.
    ARTICLE = "article"
    #: A published figure; `Provenance.citation` names the docs page that cites it.
    PUBLISHED = "published"
    #: The library's own modelling choice, said plainly in `Provenance.note`.
    ASSUMPTION = "assumption"


@attrs.frozen
class Provenance:
    """Where something the scorers use comes from: the article (with the phrase it
    implements), a published source (cited on a docs page that ships), or an assumption of
    ours (said as such).  Shown by ``steps scorers --format json``, the scorer pages and the
    report."""

    origin: Origin = attrs.field(converter=Origin)
    note: str
    #: The article's words this implements (``origin`` article).
    quote: str | None = None
    #: The docs page (and anchor) citing the published source (``origin`` published).
    citation: str | None = None

    def __attrs_post_init__(self) -> None:
        if not self.note.strip():
            raise ValueError("a provenance needs a note")
        if self.origin is Origin.ARTICLE and not self.quote:
            raise ValueError("an article provenance needs the article's words (quote)")
        if self.origin is Origin.PUBLISHED and not self.citation:
            raise ValueError("a published provenance needs a citation (a docs page)")


class Benchmark(Protocol):
    """What a value is judged against."""

    @property
    def source(self) -> str:
        """Where the benchmark comes from: a citation, ``peers: …``, or ``assumption: …``."""
        ...

    def normalise(self, value: float) -> float:
        """The value's score in [0, 100]."""
        ...

    def describe(self) -> str:
        """A short human description, e.g. ``target 0.70, floor 0.30``."""
        ...


def _finite(_: Any, attribute: attrs.Attribute[Any], value: float) -> None:
    if not math.isfinite(value):
        raise ValueError(f"{attribute.name} must be finite, got {value}")


@attrs.frozen
class LinearBenchmark:
    """Piecewise-linear: ``floor`` scores 0, ``target`` scores 100, linear between, clamped.

    A target below the floor means lower is better (a refund rate, a cost per fan).
    """

    floor: float = attrs.field(validator=_finite)
    target: float = attrs.field(validator=_finite)
    source: str = "assumption"

    def __attrs_post_init__(self) -> None:
        if self.floor == self.target:
            raise ValueError(f"floor and target must differ, both are {self.floor}")

    def normalise(self, value: float) -> float:
        position = (value - self.floor) / (self.target - self.floor)
        return 100.0 * min(1.0, max(0.0, position))

    def describe(self, language: str = "en", unit: str | None = None) -> str:
        """``target 70%, floor 30%`` (values in ``unit``, through
        `steps.scoring.units.quantity`; plain numbers without one), and ``lower is
        better`` where the target lies below the floor."""
        return _linear_description(self.floor, self.target, language, unit)


_shown = bound


@functools.lru_cache(maxsize=4096)
def _linear_description(floor: float, target: float, language: str, unit: str | None) -> str:
    # Cached because every indicator of every card describes its benchmark, and the
    # benchmarks are few.
    key = (
        "core.benchmark.linear_lower" if lower_is_better(floor, target) else "core.benchmark.linear"
    )
    return text(
        key, language, target=_shown(target, unit, language), floor=_shown(floor, unit, language)
    )


def _sorted_finite(values: Iterable[float]) -> tuple[float, ...]:
    return tuple(sorted(v for v in values if math.isfinite(v)))


@attrs.frozen
class PeerBenchmark:
    """The value's percentile among peers: a score of 80 reads "better than 80% of
    comparable subjects".

    The rule, for ``n`` peer values (the direction says which end is better):

    * a value no peer beats (as good as the best peer or better, ties included) scores 100;
    * a value that beats no peer, while some peer beats it, scores 0;
    * any other value scores the share of peers it beats, ties counted half (mid-rank):
      ``100 × (worse + equal / 2) / n``.

    So a value tied at the top scores 100 however many peers share it (a population where
    every peer has the same value gives its value 100), one tied at the bottom 0, and in
    between a value at the p-th mid-rank percentile scores p (docs/benchmarks.md, "Peers").
    """

    values: tuple[float, ...] = attrs.field(converter=_sorted_finite)
    direction: Direction = Direction.HIGHER_IS_BETTER
    label: str = "peers"

    def __attrs_post_init__(self) -> None:
        if not self.values:
            raise ValueError("a peer benchmark needs at least one finite peer value")

    @property
    def source(self) -> str:
        return f"{self.label}: {len(self.values)} comparable"

    def normalise(self, value: float) -> float:
        count = len(self.values)
        below = bisect.bisect_left(self.values, value)
        at_or_below = bisect.bisect_right(self.values, value)
        if self.direction is Direction.LOWER_IS_BETTER:
            worse, better = count - at_or_below, below
        else:
            worse, better = below, count - at_or_below
        if better == 0:
            return 100.0
        if worse == 0:
            return 0.0
        return 100.0 * (worse + (at_or_below - below) / 2) / count

    @property
    def median(self) -> float:
        return self.values[len(self.values) // 2]

    def describe(self, language: str = "en", unit: str | None = None) -> str:
        median = _shown(self.median, unit, language)
        return text("core.benchmark.peers", language, median=median, count=len(self.values))


def _factor_keys(value: Iterable[str]) -> tuple[str, ...]:
    keys = (value,) if isinstance(value, str) else tuple(value)
    if not all(isinstance(k, str) and k for k in keys):
        raise ValueError(f"moves must be factor keys (non-empty strings), got {keys!r}")
    return keys


@attrs.frozen
class Indicator(Generic[S_contra]):
    """A measured quantity of a subject, its default benchmarks and its weight.

    An indicator is defined once, in one of two ways:

    * ``columns``, a function of a `StreamColumns` view that
      returns the indicator of every row of a table at once (``(values, available)``); this is
      how stream indicators scale, and a single stream is the same computation over a table
      of one row (`ColumnStreamMethodology`);
    * ``measure``, a function of one subject that returns the value or ``None`` when its
      inputs are missing (then ``inputs`` names them).

    ``defaults`` maps a platform value (``"kuaishou"``) or ``"*"`` to the default benchmark.
    ``advice`` is the next move to suggest when the indicator scores low, as written (the
    built-in indicators leave it empty: their advice is the catalogue's
    ``"<scorer>.<key>.advice"``, in every language; see
    `advice_for`).
    """

    key: str
    name: str
    name_zh: str
    unit: str
    defaults: Mapping[str, Benchmark] = attrs.field(kw_only=True)
    measure: Callable[[S_contra], float | None] | None = attrs.field(default=None, kw_only=True)
    columns: Callable[[StreamColumns], Measured] | None = attrs.field(default=None, kw_only=True)
    weight: float = attrs.field(default=1.0, kw_only=True)
    inputs: tuple[str, ...] = attrs.field(default=(), kw_only=True)
    formula: str = attrs.field(default="", kw_only=True)
    advice: str = attrs.field(default="", kw_only=True)
    #: Where the indicator comes from (the built-in indicators all say).
    provenance: Provenance | None = attrs.field(default=None, kw_only=True)
    #: The factors of a GMV identity the indicator moves, most direct first: keys of the
    #: built-in identities' factors (``"uv"``, ``"minutes_per_viewer"``,
    #: ``"buyers_per_minute"``, ``"orders_per_buyer"``, ``"aov"``, ``"exposure"``,
    #: ``"seeding_rate"``, ...).  A plan's levers (`steps.gmv.levers`) and a next move's
    #: GMV at stake (`steps.scoring.stake`) read it; empty: it moves none we can name.
    moves: tuple[str, ...] = attrs.field(default=(), kw_only=True, converter=_factor_keys)

    def __attrs_post_init__(self) -> None:
        if self.measure is None and self.columns is None:
            raise ValueError(f"indicator {self.key}: give measure or columns")
        if not (math.isfinite(self.weight) and self.weight > 0):
            raise ValueError(f"indicator {self.key}: weight must be > 0, got {self.weight}")
        if "*" not in self.defaults:
            raise ValueError(f"indicator {self.key}: defaults need a '*' (any platform) entry")

    def default_benchmark(self, platform: str | None) -> Benchmark:
        if platform is not None and platform in self.defaults:
            return self.defaults[platform]
        return self.defaults["*"]


@attrs.frozen
class Component(Generic[S_contra]):
    """A group of indicators scored together (a STEPS pillar, a STAGE part)."""

    key: str
    name: str
    name_zh: str
    indicators: tuple[Indicator[S_contra], ...]

    def __attrs_post_init__(self) -> None:
        keys = [i.key for i in self.indicators]
        if len(set(keys)) != len(keys):
            raise ValueError(f"component {self.key}: duplicate indicator keys in {keys}")


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@attrs.frozen
class BenchmarkOverrides:
    """User benchmarks that replace the defaults, keyed by ``"scorer.indicator"``.

    Each key maps a scope to a benchmark.  A scope is ``"*"``, a platform (``"douyin"``), a
    category (``"category:beauty"``) or both (``"douyin/category:beauty"``); the most specific
    scope that matches wins.
    """

    entries: Mapping[str, Mapping[str, Benchmark]] = attrs.field(factory=dict, converter=_frozen)

    def lookup(
        self, scorer: str, indicator: str, *, platform: str | None, category: str | None
    ) -> Benchmark | None:
        scopes = self.entries.get(f"{scorer}.{indicator}")
        if not scopes:
            return None
        candidates = []
        if platform and category:
            candidates.append(f"{platform}/category:{category}")
        if category:
            candidates.append(f"category:{category}")
        if platform:
            candidates.append(platform)
        candidates.append("*")
        for scope in candidates:
            if scope in scopes:
                return scopes[scope]
        return None


BenchmarkResolver = Callable[[Indicator[Any]], Benchmark]


@attrs.frozen
class Evaluation:
    """The parts of a card that `evaluate` computes."""

    score: float
    confidence: float
    components: tuple[ComponentResult, ...]
    missing: tuple[str, ...]


def _clamp_score(value: float) -> float:
    return min(100.0, max(0.0, value))


def _describes_itself(benchmark: Benchmark) -> bool:
    """Whether ``describe`` is one of ours, which takes a language (a subclass that
    overrides it, or any other benchmark, describes itself in its own words)."""
    method = getattr(type(benchmark), "describe", None)
    return method is not LinearBenchmark.describe and method is not PeerBenchmark.describe


def describe_benchmark(benchmark: Benchmark, language: str = "en", unit: str | None = None) -> str:
    """``benchmark.describe()`` in ``language``: the built-in benchmarks from the catalogue,
    their values in ``unit`` when given (``target 70%, floor 30%``), any other benchmark as
    it describes itself."""
    if _describes_itself(benchmark):
        return benchmark.describe()
    return benchmark.describe(language, unit)  # type: ignore[call-arg]


@functools.lru_cache(maxsize=1024)
def unit_text(unit: str, language: str = "en") -> str:
    """A unit as explanations show it: the catalogue's ``unit."<unit>"`` (the units of the
    built-in indicators), else the unit as written."""
    return builtin_catalogue().optional(f"unit.{unit}", language) or unit


def needs_text(indicator: Indicator[Any], language: str = "en") -> str:
    """What an unavailable indicator needs, as a list in ``language``."""
    return _needs(tuple(indicator.inputs), language)


@functools.lru_cache(maxsize=4096)
def _needs(inputs: tuple[str, ...], language: str) -> str:
    catalogue = builtin_catalogue()
    names = [catalogue.optional(f"input.{name}", language) or name for name in inputs]
    return join(names, language) if names else text("core.its_inputs", language)


def explanation_text(
    indicator: Indicator[Any], value: float, score: float, benchmark: str, language: str = "en"
) -> str:
    """The one-line explanation of an available indicator: its value in its unit
    (`steps.scoring.units.quantity`), the ``benchmark`` (already described) and the
    score."""
    template, name, unit = _explanation_parts(
        indicator.name, indicator.name_zh, indicator.unit, language
    )
    params = {
        "name": name,
        "value": quantity(value, indicator.unit, language),
        "unit": unit,
        "benchmark": benchmark,
        "score": f"{score:.0f}",
    }
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError, TypeError):
        return text("core.explanation", language, **params)  # warns or raises as documented


@functools.lru_cache(maxsize=4096)
def _explanation_parts(name: str, name_zh: str, unit: str, language: str) -> tuple[str, str, str]:
    """What an indicator's explanation takes from the catalogue, looked up once (every card
    explains every indicator)."""
    template = builtin_catalogue().template("core.explanation", language) or ""
    return template, display_name(name, name_zh, language), unit_text(unit, language)


def unavailable_text(indicator: Indicator[Any], language: str = "en") -> str:
    """The explanation of an indicator that could not be measured."""
    return _unavailable(indicator.name, indicator.name_zh, tuple(indicator.inputs), language)


@functools.lru_cache(maxsize=4096)
def _unavailable(name: str, name_zh: str, inputs: tuple[str, ...], language: str) -> str:
    return text(
        "core.not_available",
        language,
        name=display_name(name, name_zh, language),
        needs=_needs(inputs, language),
    )


def missing_note(path: str, indicator: Indicator[Any], language: str = "en") -> str:
    """A line of ``ScoreCard.missing``: ``component.indicator`` and what it needs."""
    return text("core.missing", language, path=path, needs=needs_text(indicator, language))


def evaluate(
    subject: S,
    components: Sequence[Component[S]],
    resolve: BenchmarkResolver,
    *,
    component_weights: Mapping[str, float] | None = None,
    explain: Callable[[Indicator[S], float, float, Benchmark], str] | None = None,
    language: str = "en",
) -> Evaluation:
    """Measure ``subject`` on every indicator and assemble the weighted breakdown.

    Explanations, benchmark descriptions and missing-data notes are written in
    ``language`` (``"en"`` or ``"zh"``; pass ``context.language``); ``explain``, when
    given, writes the explanation of each available indicator instead.

    ``component_weights`` gives each component's nominal weight (default: equal).
    ``resolve`` picks the benchmark for an indicator (user override, peers or default).
    A measure that raises is a bug in the scorer and propagates; the engine reports it.
    """
    weights = {c.key: (component_weights or {}).get(c.key, 1.0) for c in components}
    if any(not math.isfinite(w) or w < 0 for w in weights.values()) or not any(weights.values()):
        raise ValueError(f"component weights must be finite, >= 0 and not all 0: {weights}")
    total_weight = math.fsum(weights.values())

    measured: list[list[tuple[Indicator[S], float | None, float | None, Benchmark]]] = []
    missing: list[str] = []
    available_nominal = 0.0
    for component in components:
        rows = []
        indicator_total = math.fsum(i.weight for i in component.indicators)
        for indicator in component.indicators:
            benchmark = resolve(indicator)
            if indicator.measure is None:
                raise TypeError(
                    f"indicator {indicator.key} is defined over columns: score it with a "
                    "table scorer (steps.scoring.batch.ColumnStreamMethodology)"
                )
            value = indicator.measure(subject)
            if value is not None and not math.isfinite(value):
                value = None
            score = None if value is None else _clamp_score(benchmark.normalise(value))
            if score is None:
                missing.append(
                    missing_note(f"{component.key}.{indicator.key}", indicator, language)
                )
            else:
                available_nominal += (
                    weights[component.key] / total_weight * indicator.weight / indicator_total
                )
            rows.append((indicator, value, score, benchmark))
        measured.append(rows)

    active = {
        c.key: weights[c.key]
        for c, rows in zip(components, measured, strict=True)
        if any(score is not None for _, _, score, _ in rows) and weights[c.key] > 0
    }
    active_total = math.fsum(active.values())

    results: list[ComponentResult] = []
    for component, rows in zip(components, measured, strict=True):
        component_weight = active[component.key] / active_total if component.key in active else 0.0
        available_weight = math.fsum(i.weight for i, _, s, _ in rows if s is not None)
        indicators: list[IndicatorResult] = []
        for indicator, value, score, benchmark in rows:
            weight = indicator.weight / available_weight if score is not None else 0.0
            contribution = component_weight * weight * score if score is not None else 0.0
            described = describe_benchmark(benchmark, language, indicator.unit)
            if score is not None and value is not None:
                line = (
                    explain(indicator, value, score, benchmark)
                    if explain
                    else explanation_text(indicator, value, score, described, language)
                )
            else:
                line = unavailable_text(indicator, language)
            indicators.append(
                IndicatorResult(
                    key=indicator.key,
                    name=indicator.name,
                    name_zh=indicator.name_zh,
                    component=component.key,
                    value=value,
                    unit=indicator.unit,
                    score=score,
                    weight=weight,
                    contribution=_clamp_score(contribution),
                    benchmark=described,
                    benchmark_source=benchmark.source,
                    explanation=line,
                    missing=() if score is not None else indicator.inputs,
                )
            )
        component_score = (
            _clamp_score(math.fsum(r.weight * r.score for r in indicators if r.score is not None))
            if component.key in active
            else None
        )
        results.append(
            ComponentResult(
                key=component.key,
                name=component.name,
                name_zh=component.name_zh,
                score=component_score,
                weight=component_weight,
                contribution=_clamp_score(math.fsum(r.contribution for r in indicators)),
                indicators=tuple(indicators),
            )
        )
    score = _clamp_score(math.fsum(r.contribution for r in results))
    return Evaluation(
        score=score,
        confidence=min(1.0, max(0.0, available_nominal)),
        components=tuple(results),
        missing=tuple(missing),
    )
