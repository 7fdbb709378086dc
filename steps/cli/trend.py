"""``steps trend FILE``: self-broadcast GMV week by week or month by month.


    steps trend brands.json --brand b00 --by week --lang zh
    steps trend brands.json --by month --format csv > trend.csv

For each brand (and each platform it streams on, under that platform's identity): GMV, the
identity's factors and the STEPS pillars per period, the change on the period before (环比)
and on the same period a year back (同比) where the data reaches it, and each period's change
attributed to the factors (additive LMDI, exact to the fen).  See ``docs/trends.md``.

Exit status: 0 on success, 1 when the file is invalid or no brand has a period to follow,
2 for bad arguments (an unknown brand).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from steps.cli._language import add_language_argument
from steps.cli._output import say, stdout, warn
from steps.cli._periods import USAGE_ERROR, UsageError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from steps.domain.enums import Platform
    from steps.gmv.trends import Trend

_DATA_ERROR = 1
#: The methodology whose pillars a trend follows, by its name (a code in both languages).
_SCORER = "STEPS"


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "trend",
        help="GMV, its factors and the STEPS pillars week by week or month by month",
        description="Follow each brand's self-broadcast GMV period by period: the factors of "
        "its platform's identity, the STEPS pillars scored on each period's data, the change "
        "on the period before and on the same period a year back, and each change attributed "
        "exactly to the factors.",
    )
    parser.add_argument("file", help="dataset file (.json, .jsonl)")
    parser.add_argument(
        "--brand",
        action="append",
        dest="brands",
        metavar="ID",
        help="brand id (repeat for several; default: every brand in the file)",
    )
    parser.add_argument(
        "--by", choices=("week", "month"), default="week", help="period length (default: week)"
    )
    add_language_argument(parser, "the text")
    parser.add_argument("--format", choices=("text", "json", "csv"), default="text")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except UsageError as error:
        warn(f"steps trend: {error}")
        return USAGE_ERROR


def _run(args: argparse.Namespace) -> int:
    import json

    from steps.gmv.decompose import AttributionError
    from steps.gmv.scope import streams_by_platform
    from steps.gmv.text import message
    from steps.gmv.trends import trend
    from steps.io.files import load

    lang = args.lang
    dataset = load(args.file)
    brands = list(dataset.brands)
    if args.brands:
        try:
            brands = [dataset.brand(b) for b in dict.fromkeys(args.brands)]
        except KeyError as error:
            raise UsageError(error.args[0]) from None
    trends: list[Trend] = []
    notes: list[str] = []
    for brand in brands:
        platforms: list[Platform | None] = [*streams_by_platform(brand)] or [None]
        for platform in platforms:
            try:
                trends.append(trend(brand, by=args.by, platform=platform, lang=lang))
            except AttributionError as error:
                warn(f"steps trend: {brand.brand_id}: {error}")
                return _DATA_ERROR
            except ValueError:
                notes.append(message("trend.no_data", lang, brand=brand.brand_id))
    for note in notes:
        warn(note)
    if not trends:
        return _DATA_ERROR
    if args.format == "json":
        document = {
            "file": args.file,
            "by": args.by,
            "scope": "self_broadcast",
            "trends": [_trend_dict(t, lang) for t in trends],
        }
        print(json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False), file=stdout())
    elif args.format == "csv":
        stdout().write(render_csv(trends, lang))
    else:
        say(render_text(trends, lang))
    return 0


def _trend_dict(series: Trend, lang: str) -> dict[str, Any]:
    from steps.gmv.text import factor_name, formula_text, identity_name

    document = series.to_dict()
    document["identity"]["display_name"] = identity_name(series.identity, lang)
    document["identity"]["display_formula"] = formula_text(series.identity, lang)
    document["factor_names"] = {f.key: factor_name(f, lang) for f in series.identity.factors}
    return document


# ------------------------------------------------------------------------------ text


def _signed_percent(value: float | None, lang: str) -> str:
    from steps.gmv.text import percent

    return percent(value, lang, signed=True)


def render_text(trends: Sequence[Trend], lang: str) -> str:
    """The trends as tables: GMV and the factors, the attributed changes, STEPS."""
    from steps.cli.gmv import text_table
    from steps.gmv.text import (
        buyers_text,
        factor_name,
        fallback_text,
        formula_text,
        identity_name,
        message,
        money,
        platform_name,
        value_text,
        yuan,
    )

    def column(key: str) -> str:
        return message(f"trend.column.{key}", lang)

    by = message(f"trend.{trends[0].by}", lang)
    lines = [message("trend.title", lang, by=by)]
    for series in trends:
        identity = series.identity
        head = message(
            "gmv.section", lang, brand=f"{series.brand_id} {series.brand_name}",
            platform=platform_name(series.platform, lang),
            identity=identity_name(identity, lang),
        )  # fmt: skip
        lines += ["", head, formula_text(identity, lang)]
        fallback = fallback_text(series.choice, lang)
        if fallback is not None:
            lines.append(fallback)
        lines.append(buyers_text(series.buyers, lang))
        uv_column = not identity.uv_first
        year_column = any(p.year_ago is not None for p in series.periods)
        headers = [
            column("period"), column("streams"), column("gmv"), column("previous"),
            *([column("year_ago")] if year_column else []),
            *([column("uv")] if uv_column else []),
            *(factor_name(f, lang) for f in identity.factors), column("talent"),
        ]  # fmt: skip
        rows = []
        for p in series.periods:
            year = _signed_percent(p.year_ago.change if p.year_ago else None, lang)
            rows.append(
                [
                    p.label + ("" if p.complete else "*"),
                    f"{p.streams:,}",
                    yuan(p.gmv_fen),
                    _signed_percent(p.previous.change if p.previous else None, lang),
                    *([year] if year_column else []),
                    *([f"{p.uv:,}"] if uv_column else []),
                    *(
                        value_text(v, f.unit, lang)
                        for v, f in zip(p.factors, identity.factors, strict=True)
                    ),
                    yuan(p.talent_gmv_fen),
                ]
            )
        lines += ["", message("trend.factors", lang), *text_table(headers, rows)]
        if any(not p.complete for p in series.periods):
            lines.append(message("trend.partial", lang))
        changes = [p for p in series.periods if p.previous is not None]
        if changes:
            headers = [
                column("period"), column("delta"),
                *(factor_name(f, lang) for f in identity.factors),
            ]  # fmt: skip
            rows = [
                [
                    p.label,
                    yuan(p.previous.delta_fen, signed=True),
                    *(yuan(c, signed=True) for c in p.previous.contributions_fen),
                ]
                for p in changes
                if p.previous is not None
            ]
            lines += ["", message("trend.changes", lang), *text_table(headers, rows)]
            first, last = series.periods[0], series.periods[-1]
            delta = last.gmv_fen - first.gmv_fen
            lines.append(
                message(
                    "trend.total", lang, first=first.label, last=last.label,
                    before=money(first.gmv_fen, lang), after=money(last.gmv_fen, lang),
                    change=_signed_percent(delta / first.gmv_fen if first.gmv_fen else None, lang),
                    delta=money(delta, lang, signed=True),
                )
            )  # fmt: skip
        lines += _scores(series, lang)
    return "\n".join(lines)


def _scores(series: Trend, lang: str) -> list[str]:
    from steps.cli.gmv import text_table
    from steps.gmv.text import message

    keys = series.pillar_keys
    if not keys:
        return ["", message("trend.no_scores", lang, scorer=_SCORER)]
    na = message("gmv.none", lang)
    names: dict[str, str] = {}
    for p in series.periods:
        for pillar in p.pillars:
            names.setdefault(pillar.key, pillar.name_zh if lang == "zh" else pillar.name)
    headers = [message("trend.column.period", lang), _SCORER, *keys]
    rows = []
    for p in series.periods:
        cells = [p.label, na if p.steps_score is None else f"{p.steps_score:.0f}"]
        for key in keys:
            found = p.pillar(key)
            score = found.score if found is not None else None
            cells.append(na if score is None else f"{score:.0f}")
        rows.append(cells)
    legend = message("core.list_separator", lang).join(
        message("trend.legend_item", lang, key=key, name=names[key]) for key in keys
    )
    lines = ["", message("trend.scores", lang, scorer=_SCORER, na=na), *text_table(headers, rows)]
    lines.append(message("trend.legend", lang, pillars=legend))
    if series.stage:
        stage = _stage_name(series.stage, lang)
        lines.append(message("trend.stage", lang, scorer=_SCORER, stage=stage))
    return lines


def _stage_name(stage: str, lang: str) -> str:
    from steps.scoring.messages import builtin_catalogue

    shown = builtin_catalogue().template(f"steps.stage_name.{stage}", lang)
    return shown if shown is not None else stage


# ------------------------------------------------------------------------------ csv


def render_csv(trends: Sequence[Trend], lang: str) -> str:
    """One row per brand, platform and period; headers and words in ``lang``, money in
    fen, shares as fractions."""
    import io

    from steps.frames import write_csv
    from steps.gmv.text import factor_name, identity_name, message, platform_name
    from steps.gmv.trends import PILLAR_SCORER

    def head(name: str, **values: object) -> str:
        return message(f"trend.csv.{name}", lang, **values)

    # the machine name in English ("steps_score"), the methodology's name in Chinese
    steps = head("steps", scorer=_SCORER if lang == "zh" else PILLAR_SCORER)
    factors: dict[str, str] = {}
    pillars: dict[str, str] = {}
    for series in trends:
        for f in series.identity.factors:
            factors.setdefault(f.key, factor_name(f, lang) if lang == "zh" else f.key)
        for p in series.periods:
            for x in p.pillars:
                pillars.setdefault(x.key, f"{x.key} {x.name_zh}" if lang == "zh" else x.key)
    columns = [
        head("brand"), head("platform"), head("identity"), head("period"), head("start"),
        head("end"), head("complete"), head("streams"), head("gmv"), head("uv"), head("buyers"),
        head("buyers_definition"), *(head("factor", key=name) for name in factors.values()),
        head("talent"), head("previous_delta"), head("previous_change"),
        *(head("contribution", key=name) for name in factors.values()),
        head("year_ago_delta"), head("year_ago_change"), steps,
        *(head("pillar", key=name) for name in pillars.values()),
    ]  # fmt: skip
    rows = []
    for series in trends:
        keys = series.identity.factor_keys
        for p in series.periods:
            row: dict[str, Any] = {
                head("brand"): series.brand_id,
                head("platform"): (
                    platform_name(series.platform, lang)
                    if lang == "zh"
                    else (series.platform.value if series.platform else None)
                ),
                head("identity"): (
                    identity_name(series.identity, lang) if lang == "zh" else series.identity.key
                ),
                head("period"): p.label,
                head("start"): p.period.start.isoformat(),
                head("end"): p.period.end.isoformat(),
                head("complete"): head("yes") if p.complete else head("no"),
                head("streams"): p.streams,
                head("gmv"): p.gmv_fen,
                head("uv"): p.uv,
                head("buyers"): p.buyers,
                head("buyers_definition"): head(series.buyers.definition),
                head("talent"): p.talent_gmv_fen,
                steps: p.steps_score,
            }
            for key, value in zip(keys, p.factors, strict=True):
                row[head("factor", key=factors[key])] = value
            if p.previous is not None:
                row[head("previous_delta")] = p.previous.delta_fen
                row[head("previous_change")] = p.previous.change
                for key, fen in zip(keys, p.previous.contributions_fen, strict=True):
                    row[head("contribution", key=factors[key])] = fen
            if p.year_ago is not None:
                row[head("year_ago_delta")] = p.year_ago.delta_fen
                row[head("year_ago_change")] = p.year_ago.change
            for x in p.pillars:
                row[head("pillar", key=pillars[x.key])] = x.score
            rows.append(row)
    buffer = io.StringIO()
    write_csv(rows, buffer, columns)
    return buffer.getvalue()
