"""``steps gmv FILE``: what drove the GMV change between two periods, by factor and segment.


    steps gmv brands.jsonl --from 2021-08-01..2021-08-31 --to 2021-09-01..2021-09-30 \\
        --by account --lang zh

covers self-broadcast streams (the brands' own accounts; talent GMV is shown beside it, not
attributed).  Each brand's streams on each platform are attributed under that platform's
identity (Kuaishou's five factors, Douyin's FACT+, else the traditional one; ``--identity``
sets one for all), one section each, with pooled totals only for the brands that share an
identity.  Each section prints the factor table (value before and after, change,
contribution in yuan, share of ΔGMV), the largest positive driver and the largest drag,
UV by traffic source and the top segments.  Periods select streams by the date of
``started_at`` (in the stream's own UTC offset), both ends inclusive.  ``--format json``
prints the same for machines (money in fen).

Exit status: 0 on success, 1 when the file is invalid, a period holds no self-broadcast
stream, or the data cannot be attributed (a missing input, negative values), 2 for bad
arguments (a malformed or reversed range, an unknown identity or brand, a dimension that
does not fit the identity).  Overlapping periods are a warning on stderr.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

import attrs

from steps.cli._language import add_language_argument
from steps.cli._output import say, stdout, warn
from steps.cli._periods import USAGE_ERROR, UsageError, parse_period

if TYPE_CHECKING:
    from collections.abc import Sequence

    from steps.domain.enums import Platform
    from steps.domain.model import Brand, ShortVideo, Stream
    from steps.gmv.attribution import Attribution, Method, SegmentChange, UVBySourceChange
    from steps.gmv.identities import Identity
    from steps.gmv.periods import CalendarPeriod
    from steps.gmv.scope import BuyerBasis, IdentityChoice

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
        description="Compare self-broadcast GMV between two periods and split the change "
        "exactly among the factors of each platform's GMV identity (LMDI, multiplicative "
        "LMDI or Shapley), optionally by segment too. Periods are START..END dates "
        "(inclusive) matched against each stream's started_at date.",
    )
    parser.add_argument("file", help="dataset file (.json, .jsonl)")
    parser.add_argument(
        "--identity",
        default=None,
        help="identity key for every brand: traditional, kuaishou, kuaishou-content-views, "
        "funnel, douyin-fact-plus, "
        "or one a plugin registers (default: each platform's own: kuaishou for Kuaishou, "
        "douyin-fact-plus for Douyin, traditional for the rest)",
    )
    parser.add_argument(
        "--from", dest="period_from", required=True, metavar="START..END",
        help="the base period, e.g. 2021-08-01..2021-08-31 (a single date is one day)",
    )  # fmt: skip
    parser.add_argument(
        "--to", dest="period_to", required=True, metavar="START..END",
        help="the comparison period, e.g. 2021-09-01..2021-09-30",
    )  # fmt: skip
    parser.add_argument(
        "--brand",
        action="append",
        dest="brands",
        metavar="ID",
        help="brand id (repeat for several; default: every brand in the file)",
    )
    parser.add_argument("--by", choices=_DIMENSIONS, help="also attribute by segment")
    parser.add_argument("--method", choices=_METHODS, default="lmdi", help="default: lmdi")
    parser.add_argument(
        "--top", type=_top, default=10, help="segments to show (default 10; 0 for none)"
    )
    add_language_argument(parser, "the text")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except UsageError as error:
        warn(f"steps gmv: {error}")
        return USAGE_ERROR


@attrs.frozen
class _Section:
    """One brand's streams on one platform, attributed under one identity."""

    brand: Brand
    platform: Platform
    streams: tuple[tuple[Stream, ...], tuple[Stream, ...]]
    choice: IdentityChoice
    basis: BuyerBasis
    result: Attribution
    sources: UVBySourceChange
    talent_fen: tuple[int, int]
    #: The short videos of each period on the platform, or ``None`` when the brand did not
    #: provide its short videos.
    videos: tuple[tuple[ShortVideo, ...], tuple[ShortVideo, ...]] | None = None
    #: Segments by traffic source were asked for but the platform's identity cannot split
    #: UV by source (it does not start with UV).
    no_source_split: bool = False


@attrs.frozen
class _Pooled:
    brands: tuple[str, ...]
    identity: Identity
    distinct: bool
    result: Attribution


def _run(args: argparse.Namespace) -> int:
    import json

    from steps.gmv.attribution import attribute, uv_by_source_change
    from steps.gmv.decompose import AttributionError
    from steps.gmv.periods import CalendarPeriod, in_period, overlap, talent_gmv_fen
    from steps.gmv.scope import buyer_basis, choose_identity, streams_by_platform
    from steps.gmv.text import message
    from steps.io.files import load

    lang = args.lang
    start0, end0 = parse_period(args.period_from, "--from")
    start1, end1 = parse_period(args.period_to, "--to")
    periods = (CalendarPeriod(start0, end0), CalendarPeriod(start1, end1))
    identity = _identity(args.identity) if args.identity is not None else None
    dataset = load(args.file)
    brands = _brands(dataset, args.brands)
    shared = overlap((start0, end0), (start1, end1))
    warnings = []
    if shared is not None:
        warnings.append(message("gmv.overlap", lang, start=shared[0], end=shared[1]))
    for warning in warnings:
        warn(warning)

    sections: list[_Section] = []
    skipped: list[dict[str, str]] = []
    missing_side = [False, False]
    for brand in brands:
        for platform, streams in streams_by_platform(brand).items():
            pair = tuple(tuple(s for s in streams if in_period(s, p)) for p in periods)
            s0, s1 = pair
            empty = [i for i, side in enumerate(pair) if not side]
            if empty:
                missing_side[empty[0]] = True
                skipped.append(
                    {"brand_id": brand.brand_id, "platform": platform.value,
                     "period": ("from", "to")[empty[0]]}
                )  # fmt: skip
                continue
            choice = choose_identity(platform, [s0, s1], identity=identity)
            videos = _period_videos(brand, platform, periods)
            basis = buyer_basis(brand.orders, [s0, s1])
            buyers = (basis.buyers[0], basis.buyers[1]) if basis.distinct else None
            # an identity chosen per platform may not start with UV: its section says so
            # instead of failing the others
            no_split = identity is None and args.by == "traffic_source"
            no_split = no_split and not choice.identity.uv_first
            try:
                result = attribute(
                    choice.identity, s0, s1, method=args.method,
                    by=None if no_split else args.by, buyers=buyers, short_videos=videos,
                )  # fmt: skip
            except ValueError as error:
                if isinstance(error, AttributionError):
                    warn(f"steps gmv: {brand.brand_id}: {error}")
                    return _DATA_ERROR
                raise UsageError(str(error)) from None
            collabs = [c for c in brand.talent_collabs if c.platform == platform]
            sections.append(
                _Section(
                    brand, platform, (s0, s1), choice, basis, result,
                    uv_by_source_change(s0, s1),
                    (talent_gmv_fen(collabs, periods[0]), talent_gmv_fen(collabs, periods[1])),
                    videos, no_split,
                )
            )  # fmt: skip
    if not sections:
        side = 0 if missing_side[0] or not missing_side[1] else 1
        which = message(("gmv.base_period", "gmv.comparison_period")[side], lang)
        who = message("gmv.who", lang, brands=", ".join(b.brand_id for b in brands))
        warn(
            "steps gmv: "
            + message("gmv.no_streams", lang, which=which, period=periods[side].label, who=who)
        )
        return _DATA_ERROR
    try:
        pooled = _pool(sections, args.method)
    except AttributionError as error:
        warn(f"steps gmv: {error}")
        return _DATA_ERROR
    if args.format == "json":
        document = _document(
            args, periods=periods, sections=sections, pooled=pooled, skipped=skipped,
            warnings=warnings,
        )  # fmt: skip
        print(json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False), file=stdout())
    else:
        say(_report(args, periods=periods, sections=sections, pooled=pooled, skipped=skipped))
    return 0


def _period_videos(
    brand: Brand, platform: Platform, periods: Sequence[Any]
) -> tuple[tuple[ShortVideo, ...], tuple[ShortVideo, ...]] | None:
    """The brand's short videos on ``platform`` posted in each period (their own date), or
    ``None`` when the brand did not provide its short videos: then their views are unknown,
    not zero."""
    from steps.gmv.scope import period_videos

    first, second = (period_videos(brand, platform, p.start, p.end) for p in periods[:2])
    if first is None or second is None:
        return None
    return first, second


def _brands(dataset: Any, wanted: Sequence[str] | None) -> list[Brand]:
    if not wanted:
        return list(dataset.brands)
    out = []
    for brand_id in dict.fromkeys(wanted):
        try:
            out.append(dataset.brand(brand_id))
        except KeyError as error:
            raise UsageError(error.args[0]) from None
    return out


def _identity(key: str) -> Identity:
    from steps.scoring.plugins import default_host

    records = default_host().identities()
    for record in records:
        if record.key == key:
            return record.identity
    known = ", ".join(r.key for r in records) or "none"
    raise UsageError(f"unknown identity {key!r} (known: {known})")


def _pool(sections: Sequence[_Section], method: Method) -> list[_Pooled]:
    """Pooled totals for the sections that share an identity (two or more)."""
    from steps.gmv.attribution import attribute

    groups: dict[str, list[_Section]] = {}
    for section in sections:
        groups.setdefault(section.choice.identity.key, []).append(section)
    out = []
    for group in groups.values():
        if len(group) < 2:
            continue
        s0 = [s for section in group for s in section.streams[0]]
        s1 = [s for section in group for s in section.streams[1]]
        distinct = all(section.basis.distinct for section in group)
        buyers = None
        if distinct:
            # buyer keys are pseudonyms of one brand: brands share no buyer
            buyers = (
                sum(section.basis.buyers[0] for section in group),
                sum(section.basis.buyers[1] for section in group),
            )
        videos = None
        if all(section.videos is not None for section in group):
            videos = tuple(
                [v for section in group if section.videos is not None for v in section.videos[i]]
                for i in (0, 1)
            )
        result = attribute(
            group[0].choice.identity, s0, s1, method=method, buyers=buyers,
            short_videos=(videos[0], videos[1]) if videos is not None else None,
        )  # fmt: skip
        brands = tuple(dict.fromkeys(section.brand.brand_id for section in group))
        out.append(_Pooled(brands, group[0].choice.identity, distinct, result))
    return out


# ------------------------------------------------------------------------------ output


def _names(section: _Section, by: str | None) -> dict[str, str]:
    """Display names of account and product segments."""
    brand = section.brand
    if by == "account":
        return {a.account_id: a.name for a in brand.accounts}
    if by == "product":
        return {p.product_id: p.name for p in brand.products}
    return {}


def _product_note(identity: Identity, lang: str) -> str:
    from steps.gmv.text import factor_name, message

    moved = [f for f in identity.factors if {"orders", "gmv_fen"} & set(f.inputs)]
    separator = message("core.list_separator", lang)
    factors = separator.join(factor_name(f, lang) for f in moved)
    return message("gmv.product_note", lang, factors=factors)


def _identity_dict(identity: Identity, lang: str) -> dict[str, Any]:
    from steps.gmv.text import formula_text, identity_name

    return {
        "key": identity.key,
        "name": identity.name,
        "name_zh": identity.name_zh,
        "display_name": identity_name(identity, lang),
        "formula": identity.formula(),
        "display_formula": formula_text(identity, lang),
    }


def _attribution_dict(
    result: Attribution, args: argparse.Namespace, names: dict[str, str]
) -> dict[str, Any]:
    from steps.gmv.text import factor_name, segment_label

    lang = args.lang
    document = result.to_dict(top=args.top, lang=lang)
    by_key = {f.key: f for f in result.identity.factors}
    for entry in document["factors"]:
        entry["display_name"] = factor_name(by_key[entry["key"]], lang)
    segments = document["segments"]
    if segments is not None:
        segments["dimension"] = args.by
        for entry in segments["top"]:
            entry["name"] = names.get(entry["label"])
            entry["display_label"] = segment_label(entry["label"], args.by, names, lang)
            driver = entry["driver"]
            entry["driver_name"] = factor_name(by_key[driver], lang) if driver else None
    return document


def _document(
    args: argparse.Namespace,
    *,
    periods: tuple[CalendarPeriod, CalendarPeriod],
    sections: Sequence[_Section],
    pooled: Sequence[_Pooled],
    skipped: Sequence[dict[str, str]],
    warnings: Sequence[str],
) -> dict[str, Any]:
    from steps.gmv.text import buyers_text, factor_name, message, method_name

    lang = args.lang
    return {
        "file": args.file,
        "scope": "self_broadcast",
        "scope_text": message("gmv.scope", lang),
        "periods": {"from": periods[0].label, "to": periods[1].label},
        "method": args.method,
        "method_name": method_name(args.method, lang),
        "warnings": list(warnings),
        "sections": [
            {
                "brand_id": s.brand.brand_id,
                "brand_name": s.brand.name,
                "platform": s.platform.value,
                "identity": _identity_dict(s.choice.identity, lang),
                "identity_fallback": (
                    {
                        "wanted": s.choice.wanted.key,
                        "missing": list(s.choice.missing),
                        "reason": s.choice.reason,
                    }
                    if s.choice.wanted is not None
                    else None
                ),
                "streams": {"from": len(s.streams[0]), "to": len(s.streams[1])},
                "buyers": {
                    "definition": s.basis.definition,
                    "from": s.basis.buyers[0],
                    "to": s.basis.buyers[1],
                    "itemised_orders": s.basis.itemised,
                    "orders": s.basis.orders,
                    "text": buyers_text(s.basis, lang),
                },
                "talent_gmv_fen": {"from": s.talent_fen[0], "to": s.talent_fen[1]},
                "attribution": _attribution_dict(s.result, args, _names(s, args.by)),
                "uv_by_source": s.sources.to_dict(lang),
                "product_note": (
                    _product_note(s.choice.identity, lang) if args.by == "product" else None
                ),
                "segments_note": (
                    message(
                        "gmv.no_source_split",
                        lang,
                        factor=factor_name(s.choice.identity.factors[0], lang),
                    )
                    if s.no_source_split
                    else None
                ),
            }
            for s in sections
        ],
        "pooled": [
            {
                "brands": list(p.brands),
                "identity": _identity_dict(p.identity, lang),
                "buyers": "distinct" if p.distinct else "per_stream",
                "attribution": _attribution_dict(p.result, args, {}),
            }
            for p in pooled
        ],
        "skipped": list(skipped),
    }


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> list[str]:
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


def factor_table(result: Attribution, lang: str) -> list[str]:
    """The factor table of an attribution: value before and after, change, contribution
    in yuan, share of ΔGMV (and the index for the multiplicative method)."""
    from steps.gmv.text import factor_name, message, percent, unit_text, value_text, yuan

    def column(key: str) -> str:
        return message(f"gmv.column.{key}", lang)

    multiplicative = result.method == "multiplicative"
    keys = ["factor", "unit", "before", "after", "change", "contribution", "share"]
    headers = [column(k) for k in (*keys, *(["index"] if multiplicative else []))]
    rows = []
    for f in result.factors:
        row = [
            factor_name(f, lang),
            unit_text(f.unit, lang),
            value_text(f.before, f.unit, lang),
            value_text(f.after, f.unit, lang),
            percent(f.change, lang, signed=True),
            yuan(f.contribution_fen, signed=True),
            percent(f.share, lang),
        ]
        if multiplicative:
            row.append(f"{f.index:.4f}" if f.index is not None else "")
        rows.append(row)
    total = [
        column("total"),
        column("yuan"),
        yuan(result.gmv_before_fen),
        yuan(result.gmv_after_fen),
        percent(result.change, lang, signed=True),
        yuan(result.delta_fen, signed=True),
        "100.0%" if result.delta_fen else message("gmv.none", lang),
    ]
    if multiplicative:
        ratio = result.gmv_after_fen / result.gmv_before_fen if result.gmv_before_fen else None
        total.append(f"{ratio:.4f}" if ratio is not None else "")
    rows.append(total)
    return text_table(headers, rows, left=2)


def _report(
    args: argparse.Namespace,
    *,
    periods: tuple[CalendarPeriod, CalendarPeriod],
    sections: Sequence[_Section],
    pooled: Sequence[_Pooled],
    skipped: Sequence[dict[str, str]],
) -> str:
    from steps.gmv.text import (
        buyers_text,
        fallback_text,
        formula_text,
        identity_name,
        message,
        method_name,
        money,
        platform_name,
    )

    lang = args.lang
    lines = [
        message("gmv.title", lang),
        message(
            "gmv.periods", lang, before=periods[0].label, after=periods[1].label,
            method=method_name(args.method, lang),
        ),
        message("gmv.scope", lang),
    ]  # fmt: skip
    for s in sections:
        result, identity = s.result, s.choice.identity
        head = message(
            "gmv.section", lang, brand=f"{s.brand.brand_id} {s.brand.name}",
            platform=platform_name(s.platform, lang), identity=identity_name(identity, lang),
        )  # fmt: skip
        lines += ["", head, formula_text(identity, lang)]
        fallback = fallback_text(s.choice, lang)
        if fallback is not None:
            lines.append(fallback)
        streams = message("gmv.streams", lang, before=len(s.streams[0]), after=len(s.streams[1]))
        lines += [f"{streams} · {buyers_text(s.basis, lang)}", result.summary(lang), ""]
        lines += factor_table(result, lang)
        lines += ["", s.sources.sentence(lang)]
        if any(c.platform == s.platform for c in s.brand.talent_collabs):
            talent = message(
                "gmv.talent", lang, before=money(s.talent_fen[0], lang),
                after=money(s.talent_fen[1], lang),
            )  # fmt: skip
        else:
            talent = message("gmv.talent_none", lang)
        lines.append(talent)
        lines += _segments(args, s)
    for p in pooled:
        head = message(
            "gmv.pooled", lang, brands=message("core.list_separator", lang).join(p.brands),
            identity=identity_name(p.identity, lang),
        )  # fmt: skip
        lines += ["", head, formula_text(p.identity, lang)]
        if not p.distinct:
            lines.append(message("gmv.buyers_mixed", lang))
        lines += [p.result.summary(lang), ""]
        lines += factor_table(p.result, lang)
    if skipped:
        lines.append("")
    for entry in skipped:
        side = 0 if entry["period"] == "from" else 1
        which = message(("gmv.base_period", "gmv.comparison_period")[side], lang)
        lines.append(
            message(
                "gmv.skipped", lang, brand=entry["brand_id"],
                platform=platform_name(entry["platform"], lang), which=which,
                period=periods[side].label,
            )
        )  # fmt: skip
    return "\n".join(lines)


def _segments(args: argparse.Namespace, section: _Section) -> list[str]:
    from steps.gmv.text import factor_name, message, yuan

    lang = args.lang
    result = section.result
    if section.no_source_split:
        first = factor_name(result.identity.factors[0], lang)
        return ["", message("gmv.no_source_split", lang, factor=first)]
    matrix = result.segments
    if matrix is None or args.top <= 0:
        return []
    top = result.top_segments(args.top)
    lines = [
        "",
        message(
            "gmv.segments", lang, shown=len(top), count=len(matrix),
            dimension=message(f"gmv.dimension.{args.by}", lang),
        ),
    ]  # fmt: skip
    if args.by == "product":
        lines.append(_product_note(result.identity, lang))
    lines += _segment_table(top, _names(section, args.by), result.identity, args.by, lang)
    by_key = {f.key: f for f in result.identity.factors}
    separator = message("core.list_separator", lang)
    totals = separator.join(
        f"{factor_name(by_key[key], lang)} {yuan(int(v), signed=True)}"
        for key, v in zip(matrix.factor_keys, matrix.column_totals_fen, strict=True)
    )
    lines.append(message("gmv.column_totals", lang, totals=totals))
    return lines


def _segment_table(
    top: Sequence[SegmentChange],
    names: dict[str, str],
    identity: Identity,
    by: str | None,
    lang: str,
) -> list[str]:
    from steps.gmv.text import factor_name, message, percent, segment_label, yuan

    def column(key: str) -> str:
        return message(f"gmv.column.{key}", lang)

    by_key = {f.key: f for f in identity.factors}
    headers = [
        column("segment"), column("gmv_before"), column("gmv_after"), column("delta"),
        column("share"), *(factor_name(f, lang) for f in identity.factors), column("driver"),
    ]  # fmt: skip
    rows = []
    for s in top:
        rows.append(
            [
                segment_label(s.label, by, names, lang),
                yuan(round(s.gmv_before)),
                yuan(round(s.gmv_after)),
                yuan(s.delta_fen, signed=True),
                percent(s.share, lang),
                *(yuan(c, signed=True) for c in s.contributions_fen),
                factor_name(by_key[s.driver], lang) if s.driver else "-",
            ]
        )
    return text_table(headers, rows)
