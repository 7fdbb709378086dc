"""Shared machinery of the built-in STAGE, Douyin-interest and trust scorers (private).

* :func:`linear` builds an indicator's default benchmarks for every platform the built-ins
  ship defaults for (``"kuaishou"``, ``"douyin"`` and ``"*"``), each with its source;
* :class:`BrandIndex` holds the per-brand lookups a stream scorer needs (the main platform,
  products by id, content output per account), computed once per brand;
* :class:`IndexedStreamMethodology` scores a batch of streams reusing that per-brand work, and
  scores a single stream through the very same path, so ``score_many`` and ``score`` agree;
* :func:`per_component_recommendations` turns the weakest indicator of each component into
  a concrete recommendation, with a data-derived detail where the scorer supplies one, in
  the context's language (the sentences are in the message catalogue);
* :func:`money` shows an amount the way details quote it;
* :func:`indicator_table` renders the Markdown table the scorer pages document.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar

import attrs

from steps.domain import metrics
from steps.domain.model import Brand, Product
from steps.scoring.base import ADVICE_THRESHOLD, MethodologyScorer, StreamMethodology
from steps.scoring.contract import PeerLookup, ScoringContext, StreamSubject
from steps.scoring.indicators import (
    Benchmark,
    Component,
    Evaluation,
    Indicator,
    LinearBenchmark,
)
from steps.scoring.messages import display_name
from steps.scoring.results import Recommendation, ScoreCard, SubjectKind

__all__ = [
    "PLATFORMS",
    "BrandIndex",
    "Detail",
    "IndexedStreamMethodology",
    "IndexedSubject",
    "brand_weeks",
    "index_of",
    "indicator_table",
    "linear",
    "money",
    "per_component_recommendations",
    "videos_per_week",
    "window_dates",
    "yuan",
]

S = TypeVar("S")

#: The platforms every built-in indicator ships a default benchmark for.
PLATFORMS: tuple[str, ...] = ("kuaishou", "douyin", "*")

Spec = tuple[float, float, str]


def linear(
    floor: float,
    target: float,
    source: str,
    *,
    kuaishou: Spec | None = None,
    douyin: Spec | None = None,
) -> Mapping[str, Benchmark]:
    """Default benchmarks for every platform in :data:`PLATFORMS`: ``(floor, target,
    source)`` for any platform, overridden for Kuaishou or Douyin where they differ."""
    star = LinearBenchmark(floor, target, source)
    return MappingProxyType(
        {
            "kuaishou": LinearBenchmark(*kuaishou) if kuaishou else star,
            "douyin": LinearBenchmark(*douyin) if douyin else star,
            "*": star,
        }
    )


def yuan(fen: float) -> float:
    """Fen to yuan (CNY)."""
    return fen / 100


def money(value: float) -> str:
    """An amount in yuan as recommendations quote it: grouped whole yuan from 100 up,
    two decimals below."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"


# --------------------------------------------------------------------------- time windows


def window_dates(brand: Brand) -> tuple[date, date] | None:
    """The brand's analysis window; open ends are closed by the dates of its data."""
    start, end = brand.window_start, brand.window_end
    if start is not None and end is not None:
        return start, end
    days = [s.started_at.date() for s in brand.streams]
    days += [v.posted_at.date() for v in brand.short_videos]
    for collab in brand.talent_collabs:
        days += [collab.started_on, collab.ended_on]
    if start is not None:
        days.append(start)
    if end is not None:
        days.append(end)
    if not days:
        return None
    return (start or min(days)), (end or max(days))


def brand_weeks(brand: Brand) -> float | None:
    """Length of the brand's window in weeks, at least one week: the window's inclusive
    days / 7 (a window left open is closed by the earliest and latest dates in the data).
    ``None`` when there is neither a window nor any dated record."""
    window = window_dates(brand)
    if window is None:
        return None
    start, end = window
    days = (end - start).days + 1
    return max(days, 7) / 7


def videos_per_week(brand: Brand, account_id: str | None = None) -> float | None:
    """Short videos (短视频) posted per week within the window, by one account (or all).

    ``None`` when the brand records no short videos at all: an empty list cannot tell
    "posted none" from "not exported", and unknown is not zero.
    """
    if not brand.short_videos:
        return None
    weeks = brand_weeks(brand)
    if weeks is None:
        return None
    window = window_dates(brand)
    assert window is not None  # noqa: S101  # brand_weeks returned a value
    start, end = window
    posted = sum(
        1
        for v in brand.short_videos
        if (account_id is None or v.account_id == account_id) and start <= v.posted_at.date() <= end
    )
    return posted / weeks


# --------------------------------------------------------------------------- per-brand index


def _frozen(mapping: Mapping[Any, Any]) -> Mapping[Any, Any]:
    return MappingProxyType(dict(mapping))


@attrs.frozen
class BrandIndex:
    """Per-brand lookups a stream scorer needs, computed once per brand."""

    platform: str | None
    category: str
    tier: str | None
    products: Mapping[str, Product] = attrs.field(converter=_frozen)
    content_output: Mapping[str, float | None] = attrs.field(converter=_frozen)

    @classmethod
    def build(cls, brand: Brand) -> BrandIndex:
        platform = metrics.main_platform(brand)
        accounts = {a.account_id for a in brand.accounts} | {s.account_id for s in brand.streams}
        return cls(
            platform=platform.value if platform is not None else None,
            category=brand.category,
            tier=brand.tier,
            products={p.product_id: p for p in brand.products},
            content_output={a: videos_per_week(brand, a) for a in sorted(accounts)},
        )


@attrs.frozen
class IndexedSubject(StreamSubject):
    """A stream subject carrying its brand's precomputed :class:`BrandIndex`."""

    index: BrandIndex = attrs.field(eq=False, repr=False)


def index_of(subject: StreamSubject) -> BrandIndex:
    """The subject's brand index: the carried one, else built now (a direct call of an
    indicator's ``measure`` on a plain :class:`StreamSubject`)."""
    if isinstance(subject, IndexedSubject):
        return subject.index
    return BrandIndex.build(subject.brand)


@attrs.frozen(eq=False)
class _MemoPeers:
    """A peer lookup that answers each question once per batch."""

    peers: PeerLookup
    _memo: dict[tuple[str, str, str | None, str | None], Benchmark | None] = attrs.field(
        factory=dict, init=False
    )

    def lookup(
        self, scorer: str, indicator: str, *, category: str | None, tier: str | None
    ) -> Benchmark | None:
        key = (scorer, indicator, category, tier)
        if key not in self._memo:
            self._memo[key] = self.peers.lookup(scorer, indicator, category=category, tier=tier)
        return self._memo[key]


class IndexedStreamMethodology(StreamMethodology):
    """A stream methodology whose indicators read per-brand lookups from a
    :class:`BrandIndex`.  ``score`` is ``score_many`` of one subject, so both give exactly
    the same card; a batch builds each brand's index once and asks peers each question once.
    """

    def resolve_benchmark(
        self, subject: StreamSubject, indicator: Indicator[StreamSubject], context: ScoringContext
    ) -> Benchmark:
        index = index_of(subject)
        return context.benchmark_for(
            self.name,
            indicator,
            platform=index.platform,
            category=index.category,
            tier=index.tier,
        )

    def score(self, subject: StreamSubject, context: ScoringContext) -> ScoreCard:
        return self.score_many((subject,), context)[0]

    def score_many(
        self, subjects: Sequence[StreamSubject], context: ScoringContext
    ) -> list[ScoreCard]:
        """One card per subject, in order; each brand's lookups are computed once."""
        if context.peers is not None and not isinstance(context.peers, _MemoPeers):
            context = attrs.evolve(context, peers=_MemoPeers(context.peers))
        # Keyed by identity: the subjects keep their brands alive for the whole call.
        indexes: dict[int, BrandIndex] = {}
        cards = []
        for subject in subjects:
            index = indexes.get(id(subject.brand))
            if index is None:
                index = indexes[id(subject.brand)] = index_of(subject)
            indexed = IndexedSubject(subject.stream, subject.brand, subject.account, index)
            cards.append(self._card(indexed, context, SubjectKind.STREAM))
        return cards


# --------------------------------------------------------------------------- recommendations


#: A recommendation's detail from the data: the subject and the language → a sentence, or
#: ``None`` when the data does not hold it.
Detail = Callable[[S, str], str | None]


def per_component_recommendations(
    scorer: MethodologyScorer[S],
    subject: S,
    evaluation: Evaluation,
    components: Sequence[Component[S]],
    details: Mapping[str, Detail[S]],
    *,
    limit: int,
    language: str,
) -> list[Recommendation]:
    """For each component, its weakest available indicator scoring below
    :data:`~steps.scoring.base.ADVICE_THRESHOLD` becomes a recommendation: what was measured
    against which benchmark, a detail from the data (``details[indicator key]``) and the
    indicator's advice (:meth:`~steps.scoring.base.MethodologyScorer.advice_for`), in
    ``language``.  Ordered by the points the fix could add to the card, at most ``limit``."""
    definitions = {(c.key, i.key): i for c in components for i in c.indicators}
    advice: dict[tuple[str, str], str] = {}

    def advice_of(key: tuple[str, str]) -> str:
        # Looked up only for the weak indicators: most of a card's never need advice.
        if key not in advice:
            definition = definitions.get(key)
            advice[key] = scorer.advice_for(definition, language) if definition else ""
        return advice[key]

    candidates: list[tuple[float, str, Recommendation]] = []
    for component in evaluation.components:
        weak = [
            (result.score, index, result)
            for index, result in enumerate(component.indicators)
            if result.score is not None
            and result.score < ADVICE_THRESHOLD
            and advice_of((component.key, result.key))
        ]
        if not weak:
            continue
        score, _, result = min(weak, key=lambda item: (item[0], item[1]))
        detail_of = details.get(result.key)
        detail = detail_of(subject, language) if detail_of is not None else None
        opening = scorer.message(
            "core.component_says",
            language,
            component=display_name(component.name, component.name_zh, language),
            explanation=result.explanation,
        )
        text = opening
        for part in (detail, advice[(component.key, result.key)]):
            if part:
                text = scorer.message("core.then", language, first=text, second=part)
        headroom = component.weight * result.weight * (100.0 - score)
        candidates.append(
            (
                -headroom,
                f"{component.key}.{result.key}",
                Recommendation(
                    text=text,
                    component=component.key,
                    indicator=result.key,
                    priority=1 if score < 30 else 2,
                ),
            )
        )
    candidates.sort(key=lambda item: (item[0], item[1]))
    return [r for _, _, r in candidates[:limit]]


class PerComponentAdvice(MethodologyScorer[S]):
    """A methodology whose recommendations are :func:`per_component_recommendations`: one
    per weak component, with the sentences of :attr:`details` from the data."""

    #: The detail of each indicator's recommendation, by indicator key (none: no detail).
    details: ClassVar[Mapping[str, Detail[Any]]] = MappingProxyType({})

    def recommendations(
        self, subject: S, evaluation: Evaluation, context: ScoringContext
    ) -> list[Recommendation]:
        return per_component_recommendations(
            self,
            subject,
            evaluation,
            self.components(subject, context),
            self.details,
            limit=self.max_recommendations,
            language=context.language,
        )


# --------------------------------------------------------------------------- documentation


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _num(value: float) -> str:
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:g}"


def _benchmark_cell(benchmark: Benchmark) -> str:
    if isinstance(benchmark, LinearBenchmark):
        better = "lower" if benchmark.target < benchmark.floor else "higher"
        return f"floor {_num(benchmark.floor)} → target {_num(benchmark.target)} ({better})"
    return benchmark.describe()


def indicator_table(components: Iterable[Component[Any]]) -> str:
    """The Markdown tables documenting ``components``: one row per indicator with its
    formula, unit, weight and inputs, then its default benchmarks with their sources (one
    row per distinct benchmark; ``all`` when Kuaishou, Douyin and any platform share one)."""
    lines: list[str] = []
    for component in components:
        lines += [
            f"### `{component.key}`: {component.name} ({component.name_zh})",
            "",
            "| Indicator | Formula | Unit | Weight | Needs |",
            "|---|---|---|---|---|",
        ]
        for i in component.indicators:
            lines.append(
                f"| `{i.key}` {_cell(i.name)} ({_cell(i.name_zh)}) | `{_cell(i.formula)}` "
                f"| {_cell(i.unit)} | {_num(i.weight)} | {_cell(', '.join(i.inputs))} |"
            )
        lines += [
            "",
            "| Indicator | Platform | Default benchmark | Source |",
            "|---|---|---|---|",
        ]
        for i in component.indicators:
            # Platforms sharing one benchmark share a row, in the order kuaishou, douyin, *.
            groups: dict[str, list[str]] = {}
            cells: dict[str, tuple[str, str]] = {}
            for platform in sorted(i.defaults, key=lambda p: (p == "*", p != "kuaishou", p)):
                benchmark = i.defaults[platform]
                cell = (_cell(_benchmark_cell(benchmark)), _cell(benchmark.source))
                key = "\x00".join(cell)
                groups.setdefault(key, []).append(platform)
                cells[key] = cell
            for key, platforms in groups.items():
                where = "all" if set(platforms) == set(PLATFORMS) else ", ".join(platforms)
                lines.append(f"| `{i.key}` | {where} | {cells[key][0]} | {cells[key][1]} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
