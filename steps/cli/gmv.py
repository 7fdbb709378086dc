"""``steps gmv FILE``: what drove the GMV change between two periods, by factor and segment.

::

    steps gmv brands.jsonl --identity kuaishou \\
        --from 2021-08-01..2021-08-31 --to 2021-09-01..2021-09-30 --by account

prints the factor table (value before and after, change, contribution in yuan, share of
ΔGMV), UV by traffic source in a sentence, and the top segments.  Periods select streams
by the date of ``started_at`` (in the stream's own UTC offset), both ends inclusive.
``--format json`` prints the same for machines (money in fen).

Exit status: 0 on success, 1 when the file is invalid or the data cannot be attributed
(a missing input, negative values), 2 for bad arguments (a malformed or reversed range,
an unknown identity or brand, a dimension that does not fit the identity).
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING, Any

from steps.cli._output import say, stdout, warn
from steps.cli._periods import USAGE_ERROR, UsageError, parse_period

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from steps.domain.model import Brand, Stream
    from steps.gmv.attribution import Attribution, SegmentChange, UVBySourceChange

#: Kept in step with steps.gmv.attribution (not imported: ``steps --help`` stays light).
_METHODS = ("lmdi", "shapley", "multiplicative")
_DIMENSIONS = ("account", "traffic_source", "product", "stream")
_DATA_ERROR = 1


def _top(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "gmv",
        help="attribute a GMV change to factors (UV, watch time, conversion ...) and segments",
        description="Compare GMV between two periods and split the change exactly among the "
        "factors of a GMV identity (LMDI, multiplicative LMDI or Shapley), optionally by "
        "segment too. Periods are START..END dates (inclusive) matched against each "
        "stream's started_at date.",
    )
    parser.add_argument("file", help="dataset file (.json, .jsonl)")
    parser.add_argument(
        "--identity",
        default="kuaishou",
        help="identity key: traditional, kuaishou (default), funnel, douyin-fact-plus, or "
        "one a plugin registers",
    )
    parser.add_argument(
        "--from", dest="period_from", required=True, metavar="START..END",
        help="the base period, e.g. 2021-08-01..2021-08-31 (a single date is one day)",
    )  # fmt: skip
    parser.add_argument(
        "--to", dest="period_to", required=True, metavar="START..END",
        help="the comparison period, e.g. 2021-09-01..2021-09-30",
    )  # fmt: skip
    parser.add_argument("--brand", help="brand id (default: every brand in the file)")
    parser.add_argument("--by", choices=_DIMENSIONS, help="also attribute by segment")
    parser.add_argument("--method", choices=_METHODS, default="lmdi", help="default: lmdi")
    parser.add_argument(
        "--top", type=_top, default=10, help="segments to show (default 10; 0 for none)"
    )
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except UsageError as error:
        warn(f"steps gmv: {error}")
        return USAGE_ERROR


def _run(args: argparse.Namespace) -> int:
    import json

    from steps.gmv.attribution import attribute, uv_by_source_change
    from steps.gmv.decompose import AttributionError
    from steps.io.files import load

    period0 = parse_period(args.period_from, "--from")
    period1 = parse_period(args.period_to, "--to")
    identity = _identity(args.identity)
    dataset = load(args.file)
    if args.brand is not None:
        try:
            brands: Sequence[Brand] = (dataset.brand(args.brand),)
        except KeyError as error:
            raise UsageError(error.args[0]) from None
    else:
        brands = dataset.brands
    streams = [(b, s) for b in brands for s in b.streams]
    selected = [
        [s for _, s in streams if start <= s.started_at.date() <= end]
        for start, end in (period0, period1)
    ]
    by = _segment_key(args.by, brands)
    try:
        result = attribute(identity, selected[0], selected[1], method=args.method, by=by)
    except ValueError as error:
        if isinstance(error, AttributionError):
            warn(f"steps gmv: {error}")
            return _DATA_ERROR
        raise UsageError(str(error)) from None
    sources = uv_by_source_change(selected[0], selected[1])
    names = _names(args.by, brands)
    if args.format == "json":
        document = _document(
            args, brands=brands, periods=(period0, period1), selected=selected, result=result,
            sources=sources, names=names,
        )  # fmt: skip
        print(json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False), file=stdout())
    else:
        report = _report(
            args, brands=brands, periods=(period0, period1), selected=selected, result=result,
            sources=sources, names=names,
        )  # fmt: skip
        say(report)
    return 0


def _identity(key: str) -> Any:
    from steps.scoring.plugins import default_host

    records = default_host().identities()
    for record in records:
        if record.key == key:
            return record.identity
    known = ", ".join(r.key for r in records) or "none"
    raise UsageError(f"unknown identity {key!r} (known: {known})")


def _segment_key(by: str | None, brands: Sequence[Brand]) -> str | Callable[[Stream], str] | None:
    """The dimension, or for several brands a key that keeps their ids apart."""
    if by not in ("account", "stream") or len(brands) <= 1:
        return by
    owner = {id(s): b.brand_id for b in brands for s in b.streams}
    field = "account_id" if by == "account" else "stream_id"

    def key(stream: Stream) -> str:
        return f"{owner[id(stream)]}/{getattr(stream, field)}"

    return key


def _names(by: str | None, brands: Sequence[Brand]) -> dict[str, str]:
    """Display names of account and product segments."""
    several = len(brands) > 1
    names: dict[str, str] = {}
    for brand in brands:
        if by == "account":
            for account in brand.accounts:
                label = f"{brand.brand_id}/{account.account_id}" if several else account.account_id
                names[label] = account.name
        elif by == "product":
            for product in brand.products:
                names.setdefault(product.product_id, product.name)
    return names


# ------------------------------------------------------------------------------ output


def _period_text(period: tuple[date, date]) -> str:
    start, end = period
    return f"{start}..{end}"


def _document(
    args: argparse.Namespace,
    *,
    brands: Sequence[Brand],
    periods: tuple[tuple[date, date], tuple[date, date]],
    selected: list[list[Stream]],
    result: Attribution,
    sources: UVBySourceChange,
    names: dict[str, str],
) -> dict[str, Any]:
    period0, period1 = periods
    attribution = result.to_dict(top=args.top)
    segments = attribution["segments"]
    if segments is not None:
        segments["dimension"] = args.by
        for entry in segments["top"]:
            entry["name"] = names.get(entry["label"])
    return {
        "file": args.file,
        "brands": [b.brand_id for b in brands],
        "periods": {
            "from": {"period": _period_text(period0), "streams": len(selected[0])},
            "to": {"period": _period_text(period1), "streams": len(selected[1])},
        },
        "attribution": attribution,
        "uv_by_source": sources.to_dict(),
    }


def _value(value: float, unit: str) -> str:
    if "fen" in unit:
        return f"{value / 100:,.2f}"
    if unit in ("viewers", "exposures", "orders", "buyers"):
        return f"{value:,.0f}"
    return f"{value:.4g}"


def _unit(unit: str) -> str:
    return unit.replace("fen", "yuan")


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.1%}"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> list[str]:
    """Rows under headers; the first ``left`` columns left-aligned, the rest right."""
    from steps.report.text import display_width

    widths = [max(display_width(r[i]) for r in (headers, *rows)) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        parts = []
        for i, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            pad = " " * (width - display_width(cell))
            parts.append(cell + pad if i < left else pad + cell)
        return "  ".join(parts).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def _report(
    args: argparse.Namespace,
    *,
    brands: Sequence[Brand],
    periods: tuple[tuple[date, date], tuple[date, date]],
    selected: list[list[Stream]],
    result: Attribution,
    sources: UVBySourceChange,
    names: dict[str, str],
) -> str:
    from steps.gmv.attribution import format_yuan

    period0, period1 = periods
    identity = result.identity
    who = ", ".join(b.brand_id for b in brands) or "(no brands)"
    lines = [
        f"GMV attribution: {identity.name} ({identity.name_zh}), identity {identity.key!r}, "
        f"method {result.method}",
        f"{identity.formula()}",
        f"brand {who}: {_period_text(period0)} ({len(selected[0])} streams) → "
        f"{_period_text(period1)} ({len(selected[1])} streams)",
        result.summary(),
        "",
    ]
    multiplicative = result.method == "multiplicative"
    headers = ["factor", "unit", "before", "after", "change", "contribution (yuan)", "share"]
    if multiplicative:
        headers.append("index")
    rows = []
    for f in result.factors:
        row = [
            f"{f.name} {f.name_zh}",
            _unit(f.unit),
            _value(f.before, f.unit),
            _value(f.after, f.unit),
            _percent(f.change),
            format_yuan(f.contribution_fen, signed=True),
            "n/a" if f.share is None else f"{f.share:.1%}",
        ]
        if multiplicative:
            row.append(f"{f.index:.4f}" if f.index is not None else "")
        rows.append(row)
    total = [
        "GMV (total)",
        "yuan",
        format_yuan(result.gmv_before_fen),
        format_yuan(result.gmv_after_fen),
        _percent(result.change),
        format_yuan(result.delta_fen, signed=True),
        "100.0%" if result.delta_fen else "n/a",
    ]
    if multiplicative:
        ratio = result.gmv_after_fen / result.gmv_before_fen if result.gmv_before_fen else None
        total.append(f"{ratio:.4f}" if ratio is not None else "")
    rows.append(total)
    lines += _table(headers, rows, left=2)
    lines += ["", sources.sentence()]
    matrix = result.segments
    if matrix is not None and args.top > 0:
        top = result.top_segments(args.top)
        lines += [
            "",
            f"Top {len(top)} of {len(matrix)} segments by {args.by} (largest |ΔGMV| "
            "first; contributions in yuan):",
        ]
        lines += _segment_table(top, names, matrix.factor_keys)
        totals = ", ".join(
            f"{key} {format_yuan(int(v), signed=True)}"
            for key, v in zip(matrix.factor_keys, matrix.column_totals_fen, strict=True)
        )
        lines += [
            f"Factor totals over all segments: {totals} (these add segment by segment, so "
            "they differ from the factor table by the mix between segments).",
        ]
    for period, option in ((0, "--from"), (1, "--to")):
        if not selected[period]:
            lines.append(f"note: no streams in the {option} period")
    return "\n".join(lines)


def _segment_table(
    top: Sequence[SegmentChange], names: dict[str, str], keys: Sequence[str]
) -> list[str]:
    from steps.gmv.attribution import format_yuan
    from steps.report.escape import escape_control

    headers = ["segment", "GMV before", "GMV after", "ΔGMV", "share", *keys, "driver"]
    rows = []
    for s in top:
        label = f"{s.label} {names[s.label]}" if s.label in names else s.label
        label = escape_control(label)
        rows.append(
            [
                label,
                f"{s.gmv_before / 100:,.2f}",
                f"{s.gmv_after / 100:,.2f}",
                format_yuan(s.delta_fen, signed=True),
                "n/a" if s.share is None else f"{s.share:.1%}",
                *(format_yuan(c, signed=True) for c in s.contributions_fen),
                s.driver or "-",
            ]
        )
    return _table(headers, rows)
