"""Shared machinery of the built-in STEPS, STAGE, Douyin-interest and trust scorers (private).

* `linear` builds an indicator's default benchmarks for every platform the built-ins
  ship defaults for (``"kuaishou"``, ``"douyin"`` and ``"*"``), each with its source;
  `assumed` the same for numbers that are the library's own choice;
* `per_component_recommendations` turns the weakest indicator of each component into
  a concrete recommendation, with a data-derived detail where the scorer supplies one, in
  the context's language (the sentences are in the message catalogue);
* `avg_watch_minutes` and `per_viewer` are stream indicators both stream scorers read;
* `money` shows an amount the way details quote it;
* `article`, `published` and `assumption` say where an indicator comes from
  (`Provenance`);
* `indicator_table` renders the Markdown table the scorer pages document.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar

from steps.domain.model import Brand
from steps.scoring.base import ADVICE_THRESHOLD, MethodologyScorer, move_text
from steps.scoring.batch import Measured, StreamColumns, ratio
from steps.scoring.contract import ScoringContext
from steps.scoring.indicators import (
    Benchmark,
    Component,
    Evaluation,
    Indicator,
    LinearBenchmark,
    Origin,
    Provenance,
)
from steps.scoring.results import Recommendation

__all__ = [
    "ASSUME",
    "PLATFORMS",
    "SOURCES_PAGE",
    "Detail",
    "article",
    "assumed",
    "assumption",
    "avg_watch_minutes",
    "brand_weeks",
    "indicator_table",
    "indicator_value",
    "linear",
    "money",
    "per_component_recommendations",
    "per_viewer",
    "published",
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
    """Default benchmarks for every platform in `PLATFORMS`: ``(floor, target,
    source)`` for any platform, overridden for Kuaishou or Douyin where they differ."""
    star = LinearBenchmark(floor, target, source)
    return MappingProxyType(
        {
            "kuaishou": LinearBenchmark(*kuaishou) if kuaishou else star,
            "douyin": LinearBenchmark(*douyin) if douyin else star,
            "*": star,
        }
    )


#: How a benchmark source says its numbers are the library's own choice.
ASSUME = "assumption: "


def assumed(
    floor: float,
    target: float,
    note: str,
    *,
    kuaishou: Spec | None = None,
    douyin: Spec | None = None,
) -> Mapping[str, Benchmark]:
    """`linear` for numbers of our own choosing: each source (the overrides' too) is the
    note said as an assumption (`ASSUME`)."""

    def ours(spec: Spec | None) -> Spec | None:
        return None if spec is None else (spec[0], spec[1], ASSUME + spec[2])

    return linear(floor, target, ASSUME + note, kuaishou=ours(kuaishou), douyin=ours(douyin))


#: The docs page that cites the published sources of the built-in scorers.
SOURCES_PAGE = "sources.md"


def article(quote: str, note: str) -> Provenance:
    """From the source article: ``quote`` is the Chinese phrase the indicator implements."""
    return Provenance(Origin.ARTICLE, note, quote=quote)


def published(anchor: str, note: str) -> Provenance:
    """From a published source, cited on the sources page under ``anchor``."""
    return Provenance(Origin.PUBLISHED, note, citation=f"{SOURCES_PAGE}#{anchor}")


def assumption(note: str) -> Provenance:
    """The library's own modelling choice, said as such."""
    return Provenance(Origin.ASSUMPTION, note)


def yuan(fen: float) -> float:
    """Fen to yuan (CNY)."""
    return fen / 100


def money(value: float) -> str:
    """An amount in yuan as recommendations quote it: grouped whole yuan from 100 up,
    two decimals below."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"


# --------------------------------------------------------------------------- stream columns


def avg_watch_minutes(c: StreamColumns) -> Measured:
    """Minutes watched per viewer."""
    return ratio(c("watch_seconds") / 60, c("uv"))


def per_viewer(column: str) -> Callable[[StreamColumns], Measured]:
    """The indicator ``column / uv``, known where ``column`` is recorded (``has_<column>``)."""

    def columns(c: StreamColumns) -> Measured:
        return ratio(c(column), c("uv"), c(f"has_{column}"))

    columns.__name__ = f"{column}_per_viewer"
    return columns


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


# --------------------------------------------------------------------------- recommendations


#: A recommendation's detail from the data: the subject, its evaluation (the measured
#: indicators) and the language → a sentence, or ``None`` when the data does not hold it.
Detail = Callable[[S, Evaluation, str], str | None]


def indicator_value(evaluation: Evaluation, key: str) -> float | None:
    """The measured value of the indicator ``key`` in ``evaluation`` (``None``: not
    available, or no such indicator)."""
    for component in evaluation.components:
        for result in component.indicators:
            if result.key == key:
                return result.value
    return None


def per_component_recommendations(
    scorer: MethodologyScorer[S],
    subject: S,
    evaluation: Evaluation,
    components: Sequence[Component[S]],
    details: Mapping[str, Detail[S]],
    *,
    limit: int | None = None,
    language: str,
    benchmark_of: Callable[[Indicator[S]], Benchmark],
) -> list[Recommendation]:
    """For each component, its weakest available indicator scoring below
    `ADVICE_THRESHOLD` becomes a recommendation: where the
    indicator stands against its target (``benchmark_of`` gives the benchmark), a detail
    from the data (``details[indicator key]``) and the indicator's advice
    (`advice_for`), in ``language``.  Ordered by
    the points the fix could add to the card, at most ``limit`` (``None``: all)."""
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
        detail = detail_of(subject, evaluation, language) if detail_of is not None else None
        action = advice[(component.key, result.key)]
        if detail:
            action = scorer.message("core.then", language, first=detail, second=action)
        definition = definitions[(component.key, result.key)]
        text = move_text(result, benchmark_of(definition), action, scorer.catalogue(), language)
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
    """A methodology whose recommendations are `per_component_recommendations`: one
    per weak component, with the sentences of `details` from the data."""

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
            language=context.language,
            benchmark_of=lambda indicator: self._resolve(subject, indicator, context),
        )


# --------------------------------------------------------------------------- documentation


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _num(value: float) -> str:
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:g}"


def _origin_cell(indicator: Indicator[Any]) -> str:
    provenance = indicator.provenance
    if provenance is None:
        return "not said"
    if provenance.origin is Origin.ARTICLE:
        head = f"article 「{provenance.quote}」"
    elif provenance.origin is Origin.PUBLISHED and provenance.citation:
        head = f"published ([source](../{provenance.citation}))"
    else:
        head = "assumption"
    return f"{head}: {_cell(provenance.note)}"


def _benchmark_cell(benchmark: Benchmark) -> str:
    if isinstance(benchmark, LinearBenchmark):
        better = "lower" if benchmark.target < benchmark.floor else "higher"
        return f"floor {_num(benchmark.floor)} → target {_num(benchmark.target)} ({better})"
    return benchmark.describe()


def indicator_table(components: Iterable[Component[Any]]) -> str:
    """The Markdown tables documenting ``components``: one row per indicator with its
    formula, unit, weight and inputs, then where each comes from (its provenance), then its
    default benchmarks with their sources (one row per distinct benchmark; ``all`` when
    Kuaishou, Douyin and any platform share one)."""
    lines: list[str] = []
    for component in components:
        lines += [
            f"### `{component.key}`: {component.name} ({component.name_zh})",
            "",
            "| Indicator | Formula | Unit | Weight | Needs | Moves (GMV factor) |",
            "|---|---|---|---|---|---|",
        ]
        for i in component.indicators:
            moves = ", ".join(f"`{m}`" for m in i.moves) or "—"
            lines.append(
                f"| `{i.key}` {_cell(i.name)} ({_cell(i.name_zh)}) | `{_cell(i.formula)}` "
                f"| {_cell(i.unit)} | {_num(i.weight)} | {_cell(', '.join(i.inputs))} "
                f"| {moves} |"
            )
        lines += ["", "| Indicator | Where it comes from |", "|---|---|"]
        lines += [f"| `{i.key}` | {_origin_cell(i)} |" for i in component.indicators]
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
