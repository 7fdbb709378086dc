"""One self-contained HTML report per dataset: STEPS, Douyin interest, trust, GMV, STAGE.


    from steps.report.html import build_report, write_report
    write_report("report.html", dataset, lang="zh")       # or: steps report FILE -o report.html

Per brand the report shows

* a **STEPS radar**: the five pillar scores (0–100) against the emphasis of the brand's
  lifecycle stage (the stage's pillar weights, scaled so that the heaviest pillar reaches
  100), with the stage, its evidence, the weakest pillar and the next moves;
* the **Douyin interest view** beside it: a second radar of the FACT matrix (Field, Alliance,
  Campaign, Top-KOL) and the mean per-stream interest score;
* a **GMV attribution waterfall** per platform the brand streams on, of its
  self-broadcast streams under that platform's identity (Kuaishou's five factors: UV ×
  minutes per viewer × buyers per watch-minute × orders per buyer × AOV; Douyin's FACT+)
  attributed with the additive LMDI, the first half of the brand's window against the
  second half (or the periods given), so the bars sum exactly to the change; the talent
  GMV of the same periods beside it;
* a **GMV trend**: self-broadcast GMV per week or month as a chart (talent GMV as a line
  for context) and a table of its change on the period before and a year back, the
  identity's factors and the STEPS pillars scored on each period's data;
* the **trust card**: every trust indicator with its value, score and benchmark;
* a **STAGE table**: one row per stream, each of the five parts scored, the weakest part
  highlighted;
* a **generic section** for every other scorer that ran (a third party's plugin): a brand
  card's score, confidence or why it was withheld, its indicators and its next moves; a
  stream scorer's cards as a table of the brand's streams, with each stream's parts and its
  next move or what data it lacks.

A scorer that failed (or is not installed) is named in the brand's section instead of its
chart; a GMV attribution that cannot be computed says why.

Why Plotly: it is actively maintained, has radar charts (``Scatterpolar``) and waterfall
charts (``go.Waterfall``) built in, and ships its whole JavaScript bundle inside the Python
package (`plotly.offline.get_plotlyjs`), so the report embeds it once and opens offline
from a file: no CDN, no server, no network.

Safety.  Every string that comes from the data or from a plugin (brand, account and product
names, ids, recommendation texts, indicator names) is escaped with `html.escape`, in
the page and in chart labels (Plotly renders ``&lt;`` as ``<``, so a brand named
``<script>`` shows as text).  The chart data is JSON inside a ``<script
type="application/json">`` block with ``<``, ``>``, ``&``, U+2028 and U+2029 written as
``\\uXXXX`` escapes (so no ``</script>`` or ``<!--`` can occur in it).  A Content Security
Policy allows no network access at all and only the report's own scripts (by hash), so
even an injection that escaped the escaping could neither run nor phone home.

For tests the page records its own health on ``<body>``: ``data-charts-expected``,
``data-charts-rendered`` (after every chart has been drawn), ``data-errors`` (uncaught
errors and failed charts, listed in ``#steps-errors``) and ``data-external-requests``
(resources fetched over the network, from the Resource Timing API).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import os
import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias

import attrs

from steps.scoring.messages import builtin_catalogue
from steps.scoring.messages import text as catalogue_text

if TYPE_CHECKING:
    from steps.domain.model import Brand, Dataset, Stream
    from steps.gmv.attribution import Attribution
    from steps.gmv.trends import Trend
    from steps.scoring.engine import ScoreResults, ScorerInfo
    from steps.scoring.plugins import PluginHost
    from steps.scoring.results import ComponentResult, IndicatorResult, ScoreCard, ScoreError

__all__ = [
    "BRAND_SCORERS",
    "FONT_FAMILY",
    "LANGUAGES",
    "STREAM_SCORERS",
    "Period",
    "ReportSummary",
    "build_report",
    "default_periods",
    "json_for_script",
    "write_report",
]

Lang: TypeAlias = Literal["en", "zh"]
#: An inclusive date range.
Period: TypeAlias = tuple[date, date]

#: The languages of the report's labels.
LANGUAGES: Final = ("en", "zh")
#: The chart (and page) font: CJK fonts first so that Chinese renders when one is installed.
FONT_FAMILY: Final = "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
#: Brand scorers the report shows, and the stream scorers.
BRAND_SCORERS: Final = ("steps", "douyin-interest-brand", "trust")
STREAM_SCORERS: Final = ("stage", "douyin-interest")
#: At most this many streams per brand get a row in the STAGE table (the latest ones).
MAX_STREAM_ROWS: Final = 500

_EMPTY: Final = "—"

#: Display names of the scorers the report shows.
_COLOURS: Final = {
    "score": "#1f6fb2",
    "score_fill": "rgba(31, 111, 178, 0.25)",
    "stage": "#e07b39",
    "stage_fill": "rgba(224, 123, 57, 0.10)",
    "douyin": "#7b3fa0",
    "douyin_fill": "rgba(123, 63, 160, 0.25)",
    "up": "#2a9d8f",
    "down": "#d1495b",
    "total": "#5c677d",
}


# --------------------------------------------------------------------------- escaping


def _e(text: object) -> str:
    """HTML-escape any value for element content and quoted attributes."""
    return html.escape(str(text), quote=True)


def _plot_text(text: object) -> str:
    """A string for a Plotly label: Plotly reads a small HTML subset in labels (``<b>``,
    ``<a href>``) and decodes entities, so escaping shows the text exactly as written."""
    return html.escape(str(text), quote=False)


_SCRIPT_UNSAFE: Final = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_SCRIPT_UNSAFE_RE: Final = re.compile("[<>&\u2028\u2029]")


def json_for_script(text: str) -> str:
    """JSON text made safe to embed in a ``<script>`` element.

    ``<``, ``>``, ``&``, U+2028 and U+2029 only occur inside JSON strings, where their
    ``\\uXXXX`` escapes mean the same: the result parses to the same value, and contains no
    ``</script>``, ``<!--`` or line separator (a stricter form of escaping ``</`` as
    ``<\\/``).
    """
    return _SCRIPT_UNSAFE_RE.sub(lambda m: _SCRIPT_UNSAFE[m.group(0)], text)


def _csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


# --------------------------------------------------------------------------- formatting


class _Words:
    """The report's own words in one language: the ``report.html`` messages of the
    built-in catalogue."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang

    def __call__(self, key: str, **values: object) -> str:
        return catalogue_text(f"report.html.{key}", self.lang, **values)

    def name(self, item: ComponentResult | IndicatorResult) -> str:
        if self.lang == "zh" and item.name_zh.strip():
            return item.name_zh
        return item.name

    def scorer(self, name: str) -> str:
        key = f"report.html.scorer.{name}"
        return catalogue_text(key, self.lang) if key in builtin_catalogue() else name

    def stage(self, value: str) -> str:
        return self(value) if value in ("launch", "growth", "mature") else value


def _yuan(fen: float, lang: Lang) -> str:
    # Chinese counts in 万; English in full, thousands separated.
    amount = fen / 100
    if lang != "zh":
        return f"¥{amount:,.0f}"
    if abs(amount) >= 1_000_000:
        return f"¥{amount / 10_000:,.0f}万"
    if abs(amount) >= 10_000:
        return f"¥{amount / 10_000:,.1f}万"
    return f"¥{amount:,.0f}"


def _signed_yuan(fen: float, lang: Lang) -> str:
    text = _yuan(abs(fen), lang)
    return ("+" if fen >= 0 else "−") + text


def _number(value: float) -> str:
    magnitude = abs(value)
    if magnitude >= 100 or value == int(value):
        return f"{value:,.0f}"
    if magnitude >= 1:
        return f"{value:,.2f}"
    return f"{value:.3g}"


def _value_text(value: float | None, unit: str, words: _Words) -> str:
    from steps.scoring.indicators import unit_text

    if value is None:
        return words("na")
    if unit == "share" or unit.startswith("share of "):
        return f"{value:.1%}"
    if unit.startswith("enrolled (1)"):
        return words("yes") if value >= 0.5 else words("no")
    return f"{_number(value)} {unit_text(unit, words.lang)}".strip()


def _score_text(value: float | None) -> str:
    return _EMPTY if value is None else f"{value:.0f}"


def _withheld(card: ScoreCard, words: _Words) -> str:
    """What the report shows instead of a withheld score: "insufficient data — provide …"."""
    from steps.report.text import withheld_text

    return withheld_text(card, words.lang)


def _withheld_notice(card: ScoreCard, words: _Words) -> str:
    """The notice a withheld card shows instead of its chart: what to provide, and (on
    hover) the reason with its confidence and minimum."""
    return (
        f'<p class="notice warning withheld" role="status" title="{_e(card.withheld or "")}">'
        f"{_e(_withheld(card, words))}</p>"
    )


def _components_table(card: ScoreCard, words: _Words) -> str:
    """The card's parts and their scores (a part not measured shows —)."""
    rows = "".join(
        f"<tr><td>{_e(c.key)} · {_e(words.name(c))}</td>"
        f'<td class="num">{_score_text(c.score)}</td></tr>'
        for c in card.components
    )
    return f'<table class="compact"><tbody>{rows}</tbody></table>'


# --------------------------------------------------------------------------- periods


def default_periods(brand: Brand) -> tuple[Period, Period] | None:
    """The first and the second half of the brand's window (``window_start..window_end``,
    each end falling back to the first or last stream date); the second half gets the odd
    day.  ``None`` when the window cannot be split (no window, or a single day)."""
    days = sorted(stream.started_at.date() for stream in brand.streams)
    start = brand.window_start or (days[0] if days else None)
    end = brand.window_end or (days[-1] if days else None)
    if start is None or end is None or end <= start:
        return None
    length = (end - start).days + 1
    middle = start + timedelta(days=length // 2)
    return (start, middle - timedelta(days=1)), (middle, end)


def _period_text(period: Period) -> str:
    start, end = period
    return start.isoformat() if start == end else f"{start.isoformat()}..{end.isoformat()}"


def _in_period(stream: Stream, period: Period) -> bool:
    return period[0] <= stream.started_at.date() <= period[1]


# --------------------------------------------------------------------------- figures


def _plotly() -> Any:
    import plotly.graph_objects as go  # type: ignore[import-untyped,unused-ignore]

    return go


def _layout(**extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "font": {"family": FONT_FAMILY, "size": 13, "color": "#222"},
        "margin": {"l": 60, "r": 60, "t": 40, "b": 40},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "template": "plotly_white",
        "height": 440,
        "legend": {"orientation": "h", "x": 0.5, "xanchor": "center", "y": -0.12},
    }
    layout.update(extra)
    return layout


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _wrap_label(text: str, width: int = 12, cjk_width: int = 8) -> str:
    """A chart label broken into lines of about ``width`` columns (``cjk_width`` for text
    with CJK characters, each counting two), each escaped, joined by Plotly's ``<br>``.

    Lines break at spaces and between CJK characters, never inside a Latin word."""
    width = cjk_width if any(map(_wide, text)) else width
    # Tokens: a Latin word (a run of narrow characters) or one CJK character, each with
    # whether a space came before it.
    tokens: list[tuple[str, bool]] = []
    spaced = False
    for match in re.finditer(r"\s+|[^\s]", text):
        char = match.group(0)
        if char.isspace():
            spaced = True
            continue
        if tokens and not spaced and not _wide(char) and not _wide(tokens[-1][0][-1]):
            tokens[-1] = (tokens[-1][0] + char, tokens[-1][1])
        else:
            tokens.append((char, spaced))
        spaced = False
    lines: list[str] = []
    line, used = "", 0
    for token, space_before in tokens:
        size = sum(2 if _wide(c) else 1 for c in token)
        gap = 1 if line and space_before else 0
        if line and used + gap + size > width:
            lines.append(line)
            line, used, gap = "", 0, 0
        line += " " * gap + token
        used += gap + size
    if line:
        lines.append(line)
    return "<br>".join(_plot_text(part) for part in lines)


def _closed(values: list[Any]) -> list[Any]:
    return [*values, values[0]] if values else values


def _polar(count: int) -> dict[str, Any]:
    """First pillar at the top, clockwise; the radial ticks between the last and the first
    pillar, where no label or line covers them."""
    angle = 90 + 180 / max(count, 1)
    return {
        "angularaxis": {"rotation": 90, "direction": "clockwise"},
        "radialaxis": {
            "range": [0, 100],
            "tickvals": [20, 40, 60, 80, 100],
            "angle": angle,
            "tickangle": angle,  # relative to the axis: this keeps the labels horizontal
            "tickfont": {"size": 10, "color": "#777"},
        },
    }


def _radar_label(component: ComponentResult, words: _Words) -> str:
    label = f"{component.key} · {words.name(component)}"
    if component.score is None:  # drawn at 0, but not measured
        label += f" ({words('na')})"
    return _wrap_label(label, width=18, cjk_width=16)


def _stage_weights(card: ScoreCard) -> dict[str, float]:
    """The pillar weights of the brand's stage: the card's ``stage_weights`` note
    (``"S 0.20, T 0.30, ..."``), else the weights its components carry."""
    weights: dict[str, float] = {}
    for part in card.notes.get("stage_weights", "").split(","):
        key, _, number = part.strip().rpartition(" ")
        try:
            weight = float(number)
        except ValueError:
            continue
        if key and math.isfinite(weight) and weight >= 0:
            weights[key] = weight
    keys = {c.key for c in card.components}
    if not weights or not keys <= weights.keys():
        weights = {c.key: c.weight for c in card.components}
    return weights


def _steps_figure(card: ScoreCard, words: _Words) -> Any:
    go = _plotly()
    components = list(card.components)
    theta = _closed([_radar_label(c, words) for c in components])
    scores = _closed([c.score if c.score is not None else 0.0 for c in components])
    weights = _stage_weights(card)
    heaviest = max(weights.values(), default=0.0)
    emphasis = _closed(
        [weights.get(c.key, 0.0) / heaviest * 100 if heaviest > 0 else 0.0 for c in components]
    )
    stage = words.stage(card.notes.get("stage", ""))
    figure = go.Figure(
        data=[
            go.Scatterpolar(
                r=emphasis,
                theta=theta,
                name=_plot_text(words("stage_trace", stage=stage)),
                mode="lines",
                line={"color": _COLOURS["stage"], "dash": "dash", "width": 2},
                fill="toself",
                fillcolor=_COLOURS["stage_fill"],
            ),
            go.Scatterpolar(
                r=scores,
                theta=theta,
                name=_plot_text(words("steps_trace")),
                mode="lines+markers",
                line={"color": _COLOURS["score"], "width": 3},
                marker={"size": 7},
                fill="toself",
                fillcolor=_COLOURS["score_fill"],
            ),
        ],
        layout=_layout(
            polar=_polar(len(components)),
            margin={"l": 90, "r": 90, "t": 40, "b": 40},
            showlegend=True,
        ),
    )
    return figure


def _douyin_figure(card: ScoreCard, words: _Words) -> Any:
    go = _plotly()
    components = list(card.components)
    figure = go.Figure(
        data=[
            go.Scatterpolar(
                r=_closed([c.score if c.score is not None else 0.0 for c in components]),
                theta=_closed([_radar_label(c, words) for c in components]),
                name=_plot_text(words("douyin_trace")),
                mode="lines+markers",
                line={"color": _COLOURS["douyin"], "width": 3},
                marker={"size": 7},
                fill="toself",
                fillcolor=_COLOURS["douyin_fill"],
            )
        ],
        layout=_layout(
            polar=_polar(len(components)),
            margin={"l": 90, "r": 90, "t": 40, "b": 40},
            showlegend=True,
        ),
    )
    return figure


def _waterfall_figure(
    result: Attribution, periods: tuple[Period, Period], words: _Words, title: str
) -> Any:
    from steps.gmv.text import factor_name, unit_text, value_text

    go = _plotly()
    lang = words.lang
    zh = lang == "zh"
    labels = [
        _wrap_label(words("gmv_before")),
        *(_wrap_label(factor_name(f, lang)) for f in result.factors),
        _wrap_label(words("gmv_after")),
    ]
    values = [
        result.gmv_before_fen / 100,
        *(f.contribution_fen / 100 for f in result.factors),
        result.gmv_after_fen / 100,
    ]
    texts = [
        _yuan(result.gmv_before_fen, lang),
        *(_signed_yuan(f.contribution_fen, lang) for f in result.factors),
        _yuan(result.gmv_after_fen, lang),
    ]
    hover = [
        _plot_text(f"{_period_text(periods[0])}: {_yuan(result.gmv_before_fen, lang)}"),
        *(
            _plot_text(
                f"{value_text(f.before, f.unit, lang)} → {value_text(f.after, f.unit, lang)} "
                f"{unit_text(f.unit, lang)}: {_signed_yuan(f.contribution_fen, lang)}"
            )
            for f in result.factors
        ),
        _plot_text(f"{_period_text(periods[1])}: {_yuan(result.gmv_after_fen, lang)}"),
    ]
    figure = go.Figure(
        data=[
            go.Waterfall(
                x=labels,
                y=values,
                measure=["absolute", *("relative" for _ in result.factors), "total"],
                text=texts,
                hovertext=hover,
                hoverinfo="x+text",
                textposition="outside",
                cliponaxis=False,
                connector={"line": {"color": "#999", "width": 1}},
                increasing={"marker": {"color": _COLOURS["up"]}},
                decreasing={"marker": {"color": _COLOURS["down"]}},
                totals={"marker": {"color": _COLOURS["total"]}},
                showlegend=False,
            )
        ],
        layout=_layout(
            title={"text": _plot_text(title), "x": 0, "xanchor": "left", "font": {"size": 14}},
            yaxis={"title": {"text": "CNY" if not zh else "元"}, "tickformat": ",.0f"},
            xaxis={"tickangle": 0, "automargin": True, "tickfont": {"size": 12}},
            margin={"l": 70, "r": 30, "t": 60, "b": 60},
            height=480,
            showlegend=False,
        ),
    )
    return figure


def _trend_figure(series: Trend, words: _Words) -> Any:
    """Self-broadcast GMV per period as bars (partly covered periods paler), talent GMV
    as a line beside them for context."""
    from steps.gmv.text import message, percent

    go = _plotly()
    lang = words.lang
    labels = [p.label for p in series.periods]
    colours = [_COLOURS["score"] if p.complete else _COLOURS["score_fill"] for p in series.periods]
    hover = []
    for p in series.periods:
        text = f"{p.label}: {_yuan(p.gmv_fen, lang)}"
        if p.previous is not None:
            text += f" ({message('trend.column.previous', lang)} "
            text += f"{percent(p.previous.change, lang, signed=True)})"
        if not p.complete:
            text += " · " + message("trend.partial", lang).lstrip("* ")
        hover.append(_plot_text(text))
    figure = go.Figure(
        data=[
            go.Bar(
                x=labels,
                y=[p.gmv_fen / 100 for p in series.periods],
                name=_plot_text(message("gmv.scope_short", lang)),
                marker={"color": colours},
                hovertext=hover,
                hoverinfo="text",
            ),
            go.Scatter(
                x=labels,
                y=[p.talent_gmv_fen / 100 for p in series.periods],
                name=_plot_text(message("trend.column.talent", lang)),
                mode="lines+markers",
                line={"color": _COLOURS["stage"], "dash": "dot", "width": 2},
                hoverinfo="x+y",
            ),
        ],
        layout=_layout(
            yaxis={"title": {"text": "CNY" if lang != "zh" else "元"}, "tickformat": ",.0f"},
            xaxis={"type": "category", "automargin": True},
            margin={"l": 70, "r": 30, "t": 30, "b": 60},
            height=380,
            showlegend=True,
        ),
    )
    return figure


# --------------------------------------------------------------------------- the data


@attrs.frozen
class ReportSummary:
    """What `write_report` wrote."""

    path: str
    brands: int
    charts: int
    cards: int
    errors: int
    bytes: int


@attrs.define
class _Page:
    """The page being built: the figures to draw, in order."""

    words: _Words
    figures: list[tuple[str, str]] = attrs.field(factory=list)  # (element id, figure JSON)

    def chart(self, figure: Any, label: str) -> str:
        chart_id = f"chart-{len(self.figures)}"
        text: str = figure.to_json(validate=False, pretty=False)
        self.figures.append((chart_id, text))
        return f'<div class="chart" id="{chart_id}" role="img" aria-label="{_e(label)}"></div>'


@attrs.frozen
class _BrandCards:
    """One brand's cards and failures, by scorer."""

    brand: Brand
    cards: Mapping[str, ScoreCard]
    stream_cards: Mapping[str, Mapping[str, ScoreCard]]  # scorer → stream id → card
    errors: Mapping[str, tuple[ScoreError, ...]]  # scorer → errors (brand and streams)


def _by_brand(results: ScoreResults, brand: Brand) -> _BrandCards:
    from steps.scoring.results import SubjectKind

    cards: dict[str, ScoreCard] = {}
    streams: dict[str, dict[str, ScoreCard]] = {}
    for card in results.cards:
        if card.brand_id != brand.brand_id:
            continue
        if card.subject_kind is SubjectKind.BRAND:
            cards[card.scorer] = card
        else:
            streams.setdefault(card.scorer, {})[card.subject_id] = card
    errors: dict[str, list[ScoreError]] = {}
    for error in results.errors:
        if error.brand_id == brand.brand_id:
            errors.setdefault(error.scorer, []).append(error)
    return _BrandCards(
        brand,
        cards,
        {k: dict(v) for k, v in streams.items()},
        {k: tuple(v) for k, v in errors.items()},
    )


def _error_text(error: ScoreError) -> str:
    return f"{error.error_type}: {error.message}"


def _notice(text: str, kind: str = "error") -> str:
    return f'<p class="notice {kind}" role="status">{_e(text)}</p>'


def _missing_card(scorer: str, data: _BrandCards, installed: frozenset[str], words: _Words) -> str:
    """The notice shown instead of a brand card."""
    errors = [e for e in data.errors.get(scorer, ()) if e.subject_id == data.brand.brand_id]
    if errors:
        return _notice(words("failed", scorer=words.scorer(scorer), error=_error_text(errors[0])))
    if scorer not in installed:
        return _notice(words("not_installed", scorer=words.scorer(scorer)), "warning")
    return _notice(words("no_card", scorer=words.scorer(scorer)), "warning")


# --------------------------------------------------------------------------- sections


def _brand_header(brand: Brand, data: _BrandCards, index: int, words: _Words) -> str:
    platforms = sorted(
        {a.platform.value for a in brand.accounts}
        | {c.platform.value for c in brand.talent_collabs}
    )
    if brand.window_start or brand.window_end:
        window = f"{brand.window_start or '…'}..{brand.window_end or '…'}"
    else:
        window = words("no_window")
    from steps.report.summary import category_name, coverage_lines, platform_name
    from steps.scoring.messages import join

    platforms_text = join((platform_name(p, words.lang) for p in platforms), words.lang)
    gmv = sum(s.gmv_fen for s in brand.streams)
    facts = [
        f"{words('category')}: {category_name(brand.category, words.lang)}",
        f"{words('platforms')}: {platforms_text or _EMPTY}",
        f"{words('window')}: {window}",
        f"{len(brand.streams)} {words('streams')}",
        f"{words('gmv_total')}: {_yuan(gmv, words.lang)}",
    ]
    coverage = "".join(f"<li>{_e(line)}</li>" for line in coverage_lines(brand, lang=words.lang))
    kpis: list[str] = []
    for scorer, label in (
        ("steps", "steps_score"),
        ("douyin-interest-brand", "douyin_score"),
        ("trust", "trust_score"),
    ):
        card = data.cards.get(scorer)
        value = _EMPTY if card is None or card.score is None else f"{card.score:.0f}"
        title = "" if card is None else f' title="{_e(words("confidence"))} {card.confidence:.2f}"'
        note = (
            f'<span class="kpi-note">{_e(_withheld(card, words))}</span>'
            if card is not None and card.score is None
            else ""
        )
        kpis.append(
            f'<div class="kpi"{title}><span class="kpi-value">{_e(value)}</span>'
            f'<span class="kpi-label">{_e(words(label))}</span>{note}</div>'
        )
    return (
        f'<h2 id="brand-{index}"><span class="brand-name">{_e(brand.name)}</span> '
        f'<span class="muted">({_e(brand.brand_id)})</span></h2>'
        f'<p class="facts">{" · ".join(_e(f) for f in facts)}</p>'
        f'<ul class="coverage">{coverage}</ul>'
        f'<div class="kpis">{"".join(kpis)}</div>'
    )


def _steps_section(data: _BrandCards, page: _Page, installed: frozenset[str], words: _Words) -> str:
    card = data.cards.get("steps")
    parts = [f"<h3>{_e(words('steps_title'))}</h3>"]
    if card is None or not card.components:
        parts.append(_missing_card("steps", data, installed, words))
        return f'<div class="panel">{"".join(parts)}</div>'
    if card.score is None:
        # No radar: a radar of a withheld card reads as a brand at zero.
        parts.append(_withheld_notice(card, words))
        parts.append(_components_table(card, words))
    else:
        parts.append(page.chart(_steps_figure(card, words), words("steps_title")))
    from steps.report.text import stage_source

    notes = card.notes
    details: list[str] = []
    if "stage" in notes:
        details.append(
            f"<li><b>{_e(words('stage'))}</b>: {_e(words.stage(notes['stage']))}"
            + (
                f" ({_e(stage_source(notes['stage_source'], words.lang))})"
                if notes.get("stage_source")
                else ""
            )
            + "</li>"
        )
    if notes.get("stage_reason"):
        details.append(f"<li>{_e(words('stage_reason'))}: {_e(notes['stage_reason'])}</li>")
    if notes.get("stage_evidence"):
        details.append(f"<li>{_e(words('stage_evidence'))}: {_e(notes['stage_evidence'])}</li>")
    weakest_key = notes.get("weakest_pillar")
    weakest = next((c for c in card.components if c.key == weakest_key), None)
    if weakest is None:
        weakest = card.weakest_component
    if weakest is not None:
        details.append(
            f"<li><b>{_e(words('weakest_pillar'))}</b>: "
            f'<span class="weak">{_e(weakest.key)} · {_e(words.name(weakest))} '
            f"({_score_text(weakest.score)})</span></li>"
        )
    if details:
        parts.append(f'<ul class="notes">{"".join(details)}</ul>')
    if card.recommendations:
        moves = "".join(
            f'<li class="priority-{r.priority}">{_e(r.text)}</li>' for r in card.recommendations
        )
        parts.append(f'<h4>{_e(words("next_moves"))}</h4><ol class="moves">{moves}</ol>')
    return f'<div class="panel">{"".join(parts)}</div>'


def _douyin_section(
    data: _BrandCards, page: _Page, installed: frozenset[str], words: _Words
) -> str:
    card = data.cards.get("douyin-interest-brand")
    parts = [f"<h3>{_e(words('douyin_title'))}</h3>"]
    if card is None or not card.components:
        parts.append(_missing_card("douyin-interest-brand", data, installed, words))
    else:
        if card.score is None:
            parts.append(_withheld_notice(card, words))
        else:
            parts.append(page.chart(_douyin_figure(card, words), words("douyin_title")))
        parts.append(_components_table(card, words))
    stream_cards = data.stream_cards.get("douyin-interest", {})
    scored = [c.score for c in stream_cards.values() if c.score is not None]
    if scored:
        mean = sum(scored) / len(scored)
        parts.append(
            f'<p class="muted">{_e(words("douyin_streams"))}: <b>{mean:.0f}</b> '
            f"({len(scored)} {_e(words('streams'))})</p>"
        )
    withheld = [c for c in stream_cards.values() if c.score is None]
    if withheld:
        parts.append(
            f'<p class="muted withheld">{_e(words("streams_withheld", count=len(withheld)))}: '
            f"{_e(_withheld(withheld[0], words))}</p>"
        )
    return f'<div class="panel">{"".join(parts)}</div>'


def _trust_section(data: _BrandCards, installed: frozenset[str], words: _Words) -> str:
    card = data.cards.get("trust")
    parts = [f"<h3>{_e(words('trust_title'))}</h3>"]
    if card is None:
        parts.append(_missing_card("trust", data, installed, words))
        return f'<div class="panel">{"".join(parts)}</div>'
    if card.score is None:
        parts.append(_withheld_notice(card, words))
        parts.append(f'<p class="muted">{_e(words("confidence"))} {card.confidence:.2f}</p>')
    else:
        parts.append(
            f'<p><span class="big">{card.score:.0f}</span> {_e(words("trust_score"))} · '
            f"{_e(words('confidence'))} {card.confidence:.2f}</p>"
        )
    parts.append(_indicator_table(card, words, "trust"))
    return f'<div class="panel">{"".join(parts)}</div>'


def _indicator_table(card: ScoreCard, words: _Words, kind: str) -> str:
    """Every indicator of the card, grouped by part: value, score and benchmark with where the
    benchmark comes from (the article, a published source or an assumption), the explanation
    on hover."""
    from steps.report.text import source_text

    head = "".join(f"<th>{_e(words(k))}</th>" for k in ("indicator", "value", "score", "benchmark"))
    rows: list[str] = []
    for component in card.components:
        rows.append(
            f'<tr class="group"><th colspan="3">{_e(words.name(component))}</th>'
            f'<th class="num">{_score_text(component.score)}</th></tr>'
        )
        for indicator in component.indicators:
            value = _value_text(indicator.value, indicator.unit, words)
            if indicator.missing:
                value += f" ({words('missing')}: {', '.join(indicator.missing)})"
            rows.append(
                f'<tr title="{_e(indicator.explanation)}"><td>{_e(words.name(indicator))}</td>'
                f"<td>{_e(value)}</td>"
                f'<td class="num">{_score_text(indicator.score)}</td>'
                f'<td class="small">{_e(indicator.benchmark)}'
                f'<div class="source">{_e(source_text(indicator.benchmark_source, words.lang))}'
                "</div></td></tr>"
            )
    return (
        f'<table class="{kind}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _gmv_section(
    brand: Brand, periods: tuple[Period, Period] | None, page: _Page, words: _Words
) -> str:
    """One waterfall per platform the brand streams on, each under that platform's
    identity, titled with its scope (self-broadcast streams) and the talent GMV beside it."""
    from steps.gmv.attribution import attribute
    from steps.gmv.periods import CalendarPeriod, talent_gmv_fen
    from steps.gmv.scope import buyer_basis, choose_identity, streams_by_platform
    from steps.gmv.text import (
        buyers_text,
        fallback_text,
        identity_name,
        message,
        method_name,
        money,
        platform_name,
    )

    lang = words.lang
    parts = [f"<h3>{_e(words('gmv_title'))}</h3>"]
    chosen = periods if periods is not None else default_periods(brand)
    groups = streams_by_platform(brand)
    if chosen is None or not groups:
        parts.append(_notice(words("gmv_no_streams"), "warning"))
        return f'<div class="panel">{"".join(parts)}</div>'
    parts.append(f'<p class="muted">{_e(message("gmv.scope", lang))}</p>')
    for platform, streams in groups.items():
        before = [s for s in streams if _in_period(s, chosen[0])]
        after = [s for s in streams if _in_period(s, chosen[1])]
        if len(groups) > 1:
            parts.append(f"<h4>{_e(platform_name(platform, lang))}</h4>")
        choice = choose_identity(platform, [before, after])
        caption = words(
            "gmv_caption",
            identity=identity_name(choice.identity, lang),
            method=method_name("lmdi", lang),
            before=_period_text(chosen[0]),
            after=_period_text(chosen[1]),
        )
        parts.append(f'<p class="muted">{_e(caption)}</p>')
        if not before or not after:
            key = "gmv_one_empty" if before or after else "gmv_no_streams"
            parts.append(_notice(words(key), "warning"))
            continue
        basis = buyer_basis(brand.orders, [before, after])
        try:
            result = attribute(
                choice.identity, before, after, method="lmdi",
                buyers=(basis.buyers[0], basis.buyers[1]) if basis.distinct else None,
            )  # fmt: skip
            title = message(
                "gmv.waterfall_title", lang, identity=identity_name(choice.identity, lang)
            )
            figure = _waterfall_figure(result, chosen, words, title)
        except Exception as error:  # a report shows what it cannot compute, it does not crash
            parts.append(_notice(words("gmv_failed", error=f"{type(error).__name__}: {error}")))
            continue
        parts.append(page.chart(figure, title))
        parts.append(f'<p class="sentence">{_e(result.summary(lang))}</p>')
        collabs = [c for c in brand.talent_collabs if c.platform == platform]
        talent = message(
            "gmv.talent", lang,
            before=money(talent_gmv_fen(collabs, CalendarPeriod(*chosen[0])), lang),
            after=money(talent_gmv_fen(collabs, CalendarPeriod(*chosen[1])), lang),
        )  # fmt: skip
        notes = [buyers_text(basis, lang), talent]
        fallback = fallback_text(choice, lang)
        if fallback is not None:
            notes.insert(0, fallback)
        parts.append(f'<ul class="notes">{"".join(f"<li>{_e(n)}</li>" for n in notes)}</ul>')
    return f'<div class="panel">{"".join(parts)}</div>'


def _cell(tag: str, text: str, numeric: bool) -> str:
    kind = ' class="num"' if numeric else ""
    return f"<{tag}{kind}>{_e(text)}</{tag}>"


def _trend_by(brand: Brand) -> Literal["week", "month"]:
    """Months when the data spans three or more of them, else weeks."""
    from steps.gmv.periods import coverage, periods_between

    span = coverage(brand)
    if span is not None and len(periods_between(span[0], span[1], "month")) >= 3:
        return "month"
    return "week"


def _trend_section(
    brand: Brand,
    page: _Page,
    words: _Words,
    host: PluginHost | None,
    by: Literal["week", "month"] | None,
) -> str:
    """GMV per period as a chart, and a table of GMV, its change, the factors and the
    STEPS pillars per period (`steps.gmv.trends.trend`)."""
    from steps.gmv.scope import streams_by_platform
    from steps.gmv.text import (
        factor_name,
        identity_name,
        message,
        percent,
        platform_name,
        value_text,
    )
    from steps.gmv.trends import trend

    lang = words.lang
    chosen_by = by if by is not None else _trend_by(brand)
    heading = message("trend.report_title", lang, by=message(f"trend.{chosen_by}", lang))
    parts = [f"<h3>{_e(heading)}</h3>"]
    groups = list(streams_by_platform(brand))
    if not groups:
        parts.append(_notice(words("no_streams"), "warning"))
        return f'<div class="panel wide">{"".join(parts)}</div>'
    na = message("gmv.none", lang)
    for platform in groups:
        try:
            series = trend(brand, by=chosen_by, platform=platform, lang=lang, host=host)
        except Exception as error:  # a report shows what it cannot compute
            parts.append(_notice(words("gmv_failed", error=f"{type(error).__name__}: {error}")))
            continue
        identity = series.identity
        caption = f"{platform_name(platform, lang)} · {identity_name(identity, lang)}"
        parts.append(f'<p class="muted">{_e(caption)}</p>')
        parts.append(page.chart(_trend_figure(series, words), heading))
        year = any(p.year_ago is not None for p in series.periods)
        pillars = series.pillar_keys
        head = [
            message("trend.column.period", lang), message("trend.column.gmv", lang),
            message("trend.column.previous", lang),
            *([message("trend.column.year_ago", lang)] if year else []),
            *(factor_name(f, lang) for f in identity.factors), "STEPS", *pillars,
        ]  # fmt: skip
        rows = []
        for p in series.periods:
            cells = [
                p.label + ("" if p.complete else "*"),
                f"{p.gmv_fen / 100:,.2f}",
                percent(p.previous.change if p.previous else None, lang, signed=True),
            ]
            if year:
                cells.append(percent(p.year_ago.change if p.year_ago else None, lang, signed=True))
            pairs = zip(p.factors, identity.factors, strict=True)
            cells += [value_text(v, f.unit, lang) for v, f in pairs]
            cells.append(na if p.steps_score is None else f"{p.steps_score:.0f}")
            for key in pillars:
                found = p.pillar(key)
                score = found.score if found is not None else None
                cells.append(na if score is None else f"{score:.0f}")
            row = "".join(_cell("td", c, i > 0) for i, c in enumerate(cells))
            rows.append(f"<tr>{row}</tr>")
        header = "".join(_cell("th", h, i > 0) for i, h in enumerate(head))
        parts.append(
            '<div class="scroll"><table class="trend"><thead><tr>'
            + header
            + "</tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table></div>"
        )
        if any(not p.complete for p in series.periods):
            parts.append(f'<p class="muted">{_e(message("trend.partial", lang))}</p>')
    return f'<div class="panel wide">{"".join(parts)}</div>'


def _stage_section(data: _BrandCards, installed: frozenset[str], words: _Words) -> str:
    brand = data.brand
    parts = [f"<h3>{_e(words('stage_title'))}</h3>"]
    if not brand.streams:
        parts.append(_notice(words("no_streams"), "warning"))
        return f'<div class="panel wide">{"".join(parts)}</div>'
    stage_cards = data.stream_cards.get("stage", {})
    interest_cards = data.stream_cards.get("douyin-interest", {})
    for scorer in STREAM_SCORERS:
        errors = [e for e in data.errors.get(scorer, ()) if e.subject_id != brand.brand_id]
        if errors:
            parts.append(
                _notice(
                    words(
                        "failed_streams",
                        scorer=words.scorer(scorer),
                        count=len(errors),
                        error=f"{errors[0].subject_id}: {_error_text(errors[0])}",
                    )
                )
            )
        elif scorer not in installed:
            parts.append(_notice(words("not_installed", scorer=words.scorer(scorer)), "warning"))
    failed = {e.subject_id for e in data.errors.get("stage", ())}
    # The parts, in the order of the first card (every STAGE card has the same parts).
    columns: list[ComponentResult] = []
    for first in stage_cards.values():
        columns = list(first.components)
        break
    streams = sorted(brand.streams, key=lambda s: (s.started_at, s.stream_id))
    total = len(streams)
    if total > MAX_STREAM_ROWS:
        streams = streams[-MAX_STREAM_ROWS:]
        parts.append(_notice(words("more_streams", shown=MAX_STREAM_ROWS, total=total), "info"))
    parts.append(f'<p class="muted">{_e(words("stage_hint"))}</p>')
    unscored = [c for c in stage_cards.values() if c.score is None]
    if unscored:
        parts.append(
            _notice(
                f"{words('streams_withheld', count=len(unscored))}: "
                f"{_withheld(unscored[0], words)}",
                "warning",
            )
        )
    accounts = {a.account_id: a.name for a in brand.accounts}
    head = [
        f"<th>{_e(words('stream'))}</th>",
        f"<th>{_e(words('account'))}</th>",
        f"<th>{_e(words('started'))}</th>",
        f'<th class="num">{_e(words("gmv"))}</th>',
        f'<th class="num">{_e(words("stage_score"))}</th>',
        *(f'<th class="num" title="{_e(words.name(c))}">{_e(words.name(c))}</th>' for c in columns),
        f"<th>{_e(words('weakest_part'))}</th>",
    ]
    if interest_cards:
        head.append(f'<th class="num">{_e(words("interest"))}</th>')
    rows: list[str] = []
    for stream in streams:
        card = stage_cards.get(stream.stream_id)
        cells = [
            f"<td>{_e(stream.stream_id)}</td>",
            f"<td>{_e(accounts.get(stream.account_id, stream.account_id))}</td>",
            f"<td>{_e(stream.started_at.strftime('%Y-%m-%d %H:%M'))}</td>",
            f'<td class="num">{_e(_yuan(stream.gmv_fen, words.lang))}</td>',
        ]
        if card is None:
            status = words("failed_cell") if stream.stream_id in failed else _EMPTY
            cells.append(f'<td class="num failed">{_e(status)}</td>')
            cells.extend(f'<td class="num">{_EMPTY}</td>' for _ in columns)
            cells.append(f"<td>{_EMPTY}</td>")
        else:
            weakest = card.weakest_component
            by_key = {c.key: c for c in card.components}
            if card.score is None:
                cells.append(
                    f'<td class="num withheld" title="{_e(_withheld(card, words))}">{_EMPTY}</td>'
                )
            else:
                cells.append(f'<td class="num"><b>{card.score:.0f}</b></td>')
            for column in columns:
                part = by_key.get(column.key)
                score = part.score if part is not None else None
                if weakest is not None and part is not None and part.key == weakest.key:
                    cells.append(
                        f'<td class="num weakest" data-weakest="{_e(part.key)}">'
                        f"▼ {_score_text(score)}</td>"
                    )
                else:
                    cells.append(f'<td class="num">{_score_text(score)}</td>')
            cells.append(
                f'<td class="weak">{_e(words.name(weakest))}</td>'
                if weakest is not None
                else f"<td>{_EMPTY}</td>"
            )
        if interest_cards:
            interest = interest_cards.get(stream.stream_id)
            title = (
                f' title="{_e(_withheld(interest, words))}"'
                if interest is not None and interest.score is None
                else ""
            )
            cells.append(
                f'<td class="num"{title}>{_score_text(interest.score if interest else None)}</td>'
            )
        rows.append(f"<tr>{''.join(cells)}</tr>")
    parts.append(
        '<div class="scroll"><table class="stage"><thead><tr>'
        + "".join(head)
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></div>"
    )
    return f'<div class="panel wide">{"".join(parts)}</div>'


# --------------------------------------------------------------------------- other scorers


def _other_scorers(results: ScoreResults) -> list[ScorerInfo]:
    """The scorers that ran which the report has no layout of its own for (a third party's,
    or a built-in added later), in the order they ran: each gets a generic section."""
    laid_out = {*BRAND_SCORERS, *STREAM_SCORERS}
    return [info for info in results.scorers if info.name not in laid_out]


def _other_head(info: ScorerInfo, words: _Words) -> list[str]:
    title = info.title.strip()
    # The name too: it is what `--scorer` and the other outputs call the scorer.
    heading = f"{title} ({info.name})" if title and title != info.name else info.name
    hint = words("other_hint", scorer=info.name, version=info.version, plugin=info.plugin)
    return [f"<h3>{_e(heading)}</h3>", f'<p class="muted">{_e(hint)}</p>']


def _moves(card: ScoreCard, words: _Words) -> str:
    if not card.recommendations:
        return ""
    moves = "".join(
        f'<li class="priority-{r.priority}">{_e(r.text)}</li>' for r in card.recommendations
    )
    return f'<h4>{_e(words("next_moves"))}</h4><ol class="moves">{moves}</ol>'


def _other_section(
    info: ScorerInfo, data: _BrandCards, installed: frozenset[str], words: _Words
) -> str:
    """A scorer's section when the report has no layout of its own for it: a brand card as
    its score, confidence (or why it was withheld), indicator table and next moves; a
    stream scorer as a table of the brand's streams."""
    from steps.scoring.results import SubjectKind

    if info.subject is SubjectKind.STREAM:
        return _other_stream_section(info, data, words)
    parts = _other_head(info, words)
    card = data.cards.get(info.name)
    if card is None:
        parts.append(_missing_card(info.name, data, installed, words))
        return f'<div class="panel other" data-scorer="{_e(info.name)}">{"".join(parts)}</div>'
    if card.score is None:
        parts.append(_withheld_notice(card, words))
        parts.append(f'<p class="muted">{_e(words("confidence"))} {card.confidence:.2f}</p>')
    else:
        parts.append(
            f'<p><span class="big">{card.score:.0f}</span> · '
            f"{_e(words('confidence'))} {card.confidence:.2f}</p>"
        )
    if card.components:
        parts.append(_indicator_table(card, words, "other"))
    parts.append(_moves(card, words))
    return f'<div class="panel other" data-scorer="{_e(info.name)}">{"".join(parts)}</div>'


def _other_stream_section(info: ScorerInfo, data: _BrandCards, words: _Words) -> str:
    brand = data.brand
    parts = _other_head(info, words)
    wrap = f'<div class="panel wide other" data-scorer="{_e(info.name)}">'
    errors = data.errors.get(info.name, ())
    if errors:
        parts.append(
            _notice(
                words(
                    "failed_streams",
                    scorer=info.name,
                    count=len(errors),
                    error=f"{errors[0].subject_id}: {_error_text(errors[0])}",
                )
            )
        )
    if not brand.streams:
        parts.append(_notice(words("no_streams"), "warning"))
        return wrap + "".join(parts) + "</div>"
    cards = data.stream_cards.get(info.name, {})
    scored = [c.score for c in cards.values() if c.score is not None]
    if scored:
        parts.append(
            f'<p class="muted">{_e(words("other_streams"))}: '
            f"<b>{sum(scored) / len(scored):.0f}</b> ({len(scored)} {_e(words('streams'))})</p>"
        )
    withheld = [c for c in cards.values() if c.score is None]
    if withheld:
        parts.append(
            _notice(
                f"{words('streams_withheld', count=len(withheld))}: "
                f"{_withheld(withheld[0], words)}",
                "warning",
            )
        )
    # A third party's cards need not all have the same parts: every part any card has, in
    # the order they first appear.
    columns: dict[str, ComponentResult] = {}
    for each in cards.values():
        for component in each.components:
            columns.setdefault(component.key, component)
    streams = sorted(brand.streams, key=lambda s: (s.started_at, s.stream_id))
    total = len(streams)
    if total > MAX_STREAM_ROWS:
        streams = streams[-MAX_STREAM_ROWS:]
        parts.append(_notice(words("more_streams", shown=MAX_STREAM_ROWS, total=total), "info"))
    failed = {e.subject_id for e in errors}
    head = [
        f"<th>{_e(words('stream'))}</th>",
        f"<th>{_e(words('started'))}</th>",
        f'<th class="num">{_e(words("score"))}</th>',
        f'<th class="num">{_e(words("confidence"))}</th>',
        *(f'<th class="num">{_e(words.name(c))}</th>' for c in columns.values()),
        f"<th>{_e(words('other_note'))}</th>",
    ]
    rows: list[str] = []
    for stream in streams:
        card = cards.get(stream.stream_id)
        cells = [
            f"<td>{_e(stream.stream_id)}</td>",
            f"<td>{_e(stream.started_at.strftime('%Y-%m-%d %H:%M'))}</td>",
        ]
        if card is None:
            status = words("failed_cell") if stream.stream_id in failed else _EMPTY
            cells.append(f'<td class="num failed">{_e(status)}</td>')
            cells.extend(f'<td class="num">{_EMPTY}</td>' for _ in range(len(columns) + 1))
            cells.append(f"<td>{_EMPTY}</td>")
        else:
            by_key = {c.key: c for c in card.components}
            cells.append(
                f'<td class="num withheld">{_EMPTY}</td>'
                if card.score is None
                else f'<td class="num"><b>{card.score:.0f}</b></td>'
            )
            cells.append(f'<td class="num">{card.confidence:.2f}</td>')
            cells.extend(
                f'<td class="num">{_score_text(by_key[k].score if k in by_key else None)}</td>'
                for k in columns
            )
            if card.score is None:
                note = _withheld(card, words)
            else:
                note = card.recommendations[0].text if card.recommendations else _EMPTY
            cells.append(f'<td class="small">{_e(note)}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    parts.append(
        '<div class="scroll"><table class="other"><thead><tr>'
        + "".join(head)
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></div>"
    )
    return wrap + "".join(parts) + "</div>"


# --------------------------------------------------------------------------- the page

_CSS: Final = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px; background: #f4f5f7; color: #222;
  font: 14px/1.5 %(font)s; }
header h1 { margin: 0 0 4px; font-size: 26px; }
header p { margin: 0; color: #555; }
nav { margin: 12px 0 20px; }
nav a { margin-right: 14px; color: #1f6fb2; text-decoration: none; }
section.brand { background: #fff; border-radius: 10px; padding: 18px 22px; margin: 0 0 28px;
  box-shadow: 0 1px 3px rgba(0,0,0,.08); }
section.brand h2 { margin: 0 0 4px; font-size: 22px; }
h3 { margin: 0 0 8px; font-size: 17px; }
h4 { margin: 12px 0 4px; font-size: 14px; }
.muted { color: #666; font-weight: normal; }
.facts { margin: 0 0 10px; color: #444; }
.kpis { display: flex; gap: 14px; margin: 0 0 14px; flex-wrap: wrap; }
.kpi { background: #eef3f9; border-radius: 8px; padding: 8px 16px; min-width: 120px; }
.kpi-value { display: block; font-size: 26px; font-weight: 700; color: #1f4e79; }
.kpi-label { color: #555; font-size: 12px; }
.kpi-note { display: block; color: #7a5400; font-size: 12px; max-width: 260px; }
ul.coverage { margin: 0 0 10px; padding-left: 18px; color: #444; font-size: 13px; }
td.withheld { color: #7a5400; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 18px; margin-bottom: 18px; }
.panel { border: 1px solid #e3e6ea; border-radius: 8px; padding: 12px 14px; min-width: 0; }
.panel.wide { grid-column: 1 / -1; }
.chart { width: 100%%; min-height: 420px; }
.notice { padding: 8px 12px; border-radius: 6px; margin: 6px 0; }
.notice.error { background: #fdecee; color: #8a1c2b; border: 1px solid #f3b7c0; }
.notice.warning { background: #fff6e0; color: #7a5400; border: 1px solid #f0d595; }
.notice.info { background: #eef3f9; color: #1f4e79; border: 1px solid #c6d7ea; }
ul.notes { margin: 6px 0; padding-left: 18px; color: #333; }
ol.moves { margin: 4px 0; padding-left: 20px; }
ol.moves li { margin-bottom: 4px; }
ol.moves li.priority-1::marker { color: #d1495b; font-weight: 700; }
.weak { color: #b0283b; font-weight: 600; }
.big { font-size: 26px; font-weight: 700; color: #1f4e79; }
.sentence { margin: 6px 0 0; }
table { border-collapse: collapse; width: 100%%; }
th, td { padding: 4px 8px; border-bottom: 1px solid #eceef1; text-align: left;
  vertical-align: top; }
thead th { background: #f7f8fa; position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.small { font-size: 12px; color: #555; }
td .source { font-size: 11px; color: #777; margin-top: 2px; }
tr.group th { background: #f2f5f9; }
table.compact { width: auto; margin-top: 4px; }
td.weakest { background: #fde2e5; color: #9b1c2e; font-weight: 700; }
td.failed { color: #9b1c2e; }
.scroll { max-height: 640px; overflow: auto; }
footer { color: #666; font-size: 12px; margin-top: 8px; }
#steps-errors { background: #fdecee; color: #8a1c2b; padding: 8px; white-space: pre-wrap; }
@media (max-width: 1000px) { .grid { grid-template-columns: 1fr; } }
""" % {"font": FONT_FAMILY}  # noqa: UP031  # CSS braces would need doubling in an f-string

#: Runs first: collects uncaught errors, failed resource loads (in the capture phase) and
#: anything the Content Security Policy blocked (a request the page tried to make).
_HOOK_JS: Final = """window.__stepsErrors = [];
window.addEventListener("error", function (event) {
  var target = event.target;
  if (target && target !== window && (target.src || target.href)) {
    window.__stepsErrors.push("resource failed: " + (target.src || target.href));
  } else {
    window.__stepsErrors.push(String(event.message || event.error || "error"));
  }
}, true);
document.addEventListener("securitypolicyviolation", function (event) {
  window.__stepsErrors.push("blocked by the page's policy: " + event.violatedDirective +
    " " + event.blockedURI);
});
window.addEventListener("unhandledrejection", function (event) {
  window.__stepsErrors.push("unhandled rejection: " + String(event.reason));
});
"""

#: Runs last: draws every chart and records the outcome on <body>.
_RENDER_JS: Final = """(function () {
  "use strict";
  var errors = window.__stepsErrors || (window.__stepsErrors = []);
  var body = document.body;
  var specs = [];
  try {
    specs = JSON.parse(document.getElementById("steps-figures").textContent);
  } catch (error) {
    errors.push("figures: " + String(error));
  }
  var config = {displaylogo: false, responsive: true, showLink: false,
    modeBarButtonsToRemove: ["sendDataToCloud"]};
  var rendered = 0;
  function fail(element, error) {
    errors.push(String(error && error.stack || error));
    if (element) {
      element.textContent = body.getAttribute("data-chart-failed");
      element.className += " failed";
    }
  }
  var jobs = specs.map(function (spec) {
    var element = document.getElementById(spec.id);
    try {
      if (!window.Plotly) { throw new Error("Plotly is not loaded"); }
      return Promise.resolve(
        window.Plotly.newPlot(element, spec.figure.data, spec.figure.layout, config)
      ).then(function () { rendered += 1; }, function (error) { fail(element, error); });
    } catch (error) {
      fail(element, error);
      return Promise.resolve();
    }
  });
  Promise.all(jobs).then(function () {
    var external = 0;
    if (window.performance && performance.getEntriesByType) {
      external = performance.getEntriesByType("resource").filter(function (entry) {
        return /^(https?|wss?|ftp):/i.test(entry.name);
      }).length;
    }
    body.setAttribute("data-external-requests", String(external));
    body.setAttribute("data-charts-rendered", String(rendered));
    body.setAttribute("data-errors", String(errors.length));
    if (errors.length) {
      var box = document.getElementById("steps-errors");
      box.textContent = errors.join("\\n");
      box.hidden = false;
    }
  });
})();
"""


def _plotly_bundle() -> str:
    import plotly.offline  # type: ignore[import-untyped,unused-ignore]

    bundle: str = plotly.offline.get_plotlyjs()
    # Defensive: the bundle contains none of these today, but they would end its <script>.
    bundle = re.sub(r"</(script)", r"<\\/\1", bundle, flags=re.IGNORECASE)
    return bundle.replace("\r\n", "\n").replace("\r", "\n")


def _installed(host: PluginHost | None) -> frozenset[str]:
    from steps.scoring.plugins import default_host

    chosen = host if host is not None else default_host()
    return frozenset(record.name for record in chosen.scorers())


def _run_scorers(
    dataset: Dataset, brands: Sequence[str] | None, host: PluginHost | None, lang: Lang
) -> ScoreResults:
    """Run every installed scorer on the chosen brands, explaining in ``lang``: those of
    `BRAND_SCORERS` and `STREAM_SCORERS` have sections of their own, every
    other one a generic section."""
    from steps.domain.model import Dataset as _Dataset
    from steps.scoring.contract import ScoringContext
    from steps.scoring.engine import score
    from steps.scoring.plugins import default_host

    if brands is not None:
        dataset = _Dataset(brands=tuple(dataset.brand(b) for b in brands))
    chosen = host if host is not None else default_host()
    return score(dataset, None, ScoringContext(language=lang), host=chosen)


def build_report(
    dataset: Dataset,
    *,
    results: ScoreResults | None = None,
    lang: Lang = "en",
    periods: tuple[Period, Period] | None = None,
    brands: Sequence[str] | None = None,
    host: PluginHost | None = None,
    source: str | None = None,
    trend_by: Literal["week", "month"] | None = None,
) -> str:
    """The report as one HTML document (a string).

    Args:
        dataset: the brands to report on.
        results: score results to show; by default every installed scorer is run on
            ``dataset``.
        lang: ``"en"`` or ``"zh"``: the language of every label.
        periods: the two periods of the GMV attribution (inclusive dates), the same for
            every brand; by default each brand's window split in halves
            (`default_periods`).
        brands: brand ids to include (default: all, in dataset order).
        host: the plugin host to run scorers from (default: the process-wide one).
        source: a name for the data (e.g. the file name), shown in the header.
        trend_by: the periods of the trend section, ``"week"`` or ``"month"``; by default
            months when a brand's data spans three or more, else weeks.

    Raises:
        ValueError: an unknown language.
        KeyError: a brand id that is not in the dataset.
        ImportError: plotly is not installed (``pip install 'steps-commerce[report]'``).
    """
    from steps import __version__

    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r} (known: {', '.join(LANGUAGES)})")
    words = _Words(lang)
    bundle = _plotly_bundle()  # first: fail early without plotly
    chosen = [dataset.brand(b) for b in brands] if brands is not None else list(dataset.brands)
    if results is None:
        results = _run_scorers(dataset, brands, host, lang)
    try:
        installed = _installed(host) | {info.name for info in results.scorers}
    except Exception:  # a broken plugin host: show what the results hold
        installed = frozenset(info.name for info in results.scorers)

    page = _Page(words)
    others = _other_scorers(results)
    sections: list[str] = []
    for index, brand in enumerate(chosen):
        data = _by_brand(results, brand)
        sections.append(
            f'<section class="brand" aria-labelledby="brand-{index}">'
            + _brand_header(brand, data, index, words)
            + '<div class="grid">'
            + _steps_section(data, page, installed, words)
            + _douyin_section(data, page, installed, words)
            + _gmv_section(brand, periods, page, words)
            + _trust_section(data, installed, words)
            + _trend_section(brand, page, words, host, trend_by)
            + _stage_section(data, installed, words)
            + "".join(_other_section(info, data, installed, words) for info in others)
            + "</div></section>"
        )
    contents = "".join(
        f'<a href="#brand-{i}">{_e(brand.name)}</a>' for i, brand in enumerate(chosen)
    )
    figures = json_for_script(
        "["
        + ",".join(
            f'{{"id":{json.dumps(chart_id)},"figure":{figure}}}'
            for chart_id, figure in page.figures
        )
        + "]"
    )
    footer = _footer(results, words, __version__, source)
    hook, render = _HOOK_JS, _RENDER_JS
    csp = (
        "default-src 'none'; "
        f"script-src {_csp_hash(hook)} {_csp_hash(bundle)} {_csp_hash(render)}; "
        "style-src 'unsafe-inline'; img-src data: blob:; font-src data:; "
        "base-uri 'none'; form-action 'none'"
    )
    html_lang = "zh-CN" if lang == "zh" else "en"
    subtitle = words("subtitle")
    if source:
        subtitle += " · " + words("source", source=source)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_e(csp)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{_e(words('title'))}</title>\n"
        f"<style>{_CSS}</style>\n"
        f"<script>{hook}</script>\n"
        "</head>\n"
        f'<body data-charts-expected="{len(page.figures)}" '
        f'data-chart-failed="{_e(words("chart_failed"))}">\n'
        f"<header><h1>{_e(words('title'))}</h1><p>{_e(subtitle)}</p></header>\n"
        f'<nav aria-label="{_e(words("contents"))}">{contents}</nav>\n'
        + "\n".join(sections)
        + f"\n{footer}\n"
        '<pre id="steps-errors" hidden></pre>\n'
        f'<script type="application/json" id="steps-figures">{figures}</script>\n'
        f"<script>{bundle}</script>\n"
        f"<script>{render}</script>\n"
        "</body>\n</html>\n"
    )


def _footer(results: ScoreResults, words: _Words, version: str, source: str | None) -> str:
    scorers = ", ".join(f"{s.name} {s.version} ({s.plugin})" for s in results.scorers)
    parts = [
        f"<p>{_e(words('generated', version=version))} · {_e(words('scorers'))}: "
        f"{_e(scorers or _EMPTY)}</p>"
    ]
    if results.warnings:
        items = "".join(f"<li>{_e(str(w))}</li>" for w in results.warnings)
        parts.append(
            f"<details><summary>{_e(words('warnings'))} ({len(results.warnings)})</summary>"
            f"<ul>{items}</ul></details>"
        )
    return f"<footer>{''.join(parts)}</footer>"


def write_report(
    path: str | os.PathLike[str],
    dataset: Dataset,
    *,
    results: ScoreResults | None = None,
    lang: Lang = "en",
    periods: tuple[Period, Period] | None = None,
    brands: Sequence[str] | None = None,
    host: PluginHost | None = None,
    source: str | None = None,
    trend_by: Literal["week", "month"] | None = None,
) -> ReportSummary:
    """Build the report (see `build_report`) and write it to ``path`` atomically."""
    from steps.io.files import atomic_writer

    if results is None:
        results = _run_scorers(dataset, brands, host, lang)
    text = build_report(
        dataset, results=results, lang=lang, periods=periods, brands=brands, host=host,
        source=source, trend_by=trend_by,
    )  # fmt: skip
    with atomic_writer(path) as stream:
        stream.write(text)
    shown = len(brands) if brands is not None else len(dataset.brands)
    return ReportSummary(
        path=os.fspath(path),
        brands=shown,
        charts=_count_charts(text),
        cards=len(results.cards),
        errors=len(results.errors),
        bytes=len(text.encode("utf-8")),
    )


def _count_charts(text: str) -> int:
    match = re.search(r'data-charts-expected="(\d+)"', text)
    return int(match.group(1)) if match else 0
