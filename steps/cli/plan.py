"""``steps plan FILE --brand B --target-gmv AMOUNT``: a GMV target as factor targets.


    steps plan brands.json --brand b00 --target-gmv 500万 --period month --hold uv --lang zh

Starts from the latest complete month (or week) of the brand's self-broadcast streams and
splits the target among the factors of the platform's identity, proportionally in log space
(``--hold F`` pins a factor, ``--weight F=W`` weighs one), with the levers that serve each
factor: the indicators that move it, scored on the base period.  See ``docs/plans.md``.

Exit status: 0 on success, 1 when the file is invalid or the target cannot be planned (no
GMV in the base period, every factor held), 2 for bad arguments (an unknown brand or factor,
an amount that does not parse).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from steps.cli._language import add_language_argument
from steps.cli._output import say, stdout, warn
from steps.cli._periods import USAGE_ERROR, UsageError, parse_period

if TYPE_CHECKING:
    from steps.gmv.plans import FactorTarget, Lever, Plan

_DATA_ERROR = 1
#: Scorers named by their methodology's code in both languages.
_CODES = {"steps": "STEPS", "stage": "STAGE"}


def _weight(text: str) -> tuple[str, float]:
    key, sep, number = text.partition("=")
    try:
        value = float(number)
    except ValueError:
        value = float("nan")
    if not sep or not key.strip() or not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be FACTOR=WEIGHT with a weight >= 0, got {text!r}")
    return key.strip(), value


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "plan",
        help="turn a GMV target into factor targets (UV, watch time, conversion ...) and levers",
        description="Decompose a GMV target for the period after the latest complete one into "
        "targets for the factors of the brand's platform identity, proportionally in log "
        "space, and name the indicators that move each factor.",
    )
    parser.add_argument("file", help="dataset file (.json, .jsonl)")
    parser.add_argument("--brand", required=True, metavar="ID", help="brand id")
    parser.add_argument(
        "--target-gmv",
        required=True,
        metavar="AMOUNT",
        help="GMV target in yuan: 5000000, 500万, 1.2亿, ¥5,000,000",
    )
    parser.add_argument(
        "--period", choices=("month", "week"), default="month",
        help="plan a month (default) or a week; the base is the latest complete one",
    )  # fmt: skip
    parser.add_argument(
        "--base", metavar="START..END", help="the base period instead of the latest complete one"
    )
    parser.add_argument(
        "--hold", action="append", default=[], metavar="FACTOR",
        help="keep a factor at its base value (a factor key, e.g. uv; repeat for several)",
    )  # fmt: skip
    parser.add_argument(
        "--weight", action="append", default=[], type=_weight, metavar="FACTOR=W",
        help="weigh a factor's share of the growth (default 1 each; repeat for several)",
    )  # fmt: skip
    parser.add_argument(
        "--platform", help="the platform to plan for, when the brand streams on several"
    )
    parser.add_argument("--identity", help="an identity key instead of the platform's own")
    add_language_argument(parser, "the text")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except UsageError as error:
        warn(f"steps plan: {error}")
        return USAGE_ERROR


def _run(args: argparse.Namespace) -> int:
    import json

    from steps.domain.enums import Platform
    from steps.gmv.plans import PlanError, parse_amount_fen, plan
    from steps.io.files import load

    try:
        target = parse_amount_fen(args.target_gmv)
    except ValueError as error:
        raise UsageError(f"--target-gmv: {error}") from None
    base = parse_period(args.base, "--base") if args.base else None
    if args.platform is not None and args.platform not in {p.value for p in Platform}:
        known = ", ".join(p.value for p in Platform)
        raise UsageError(f"--platform: unknown platform {args.platform!r} (known: {known})")
    identity = None
    if args.identity is not None:
        from steps.cli.gmv import _identity

        identity = _identity(args.identity)
    dataset = load(args.file)
    try:
        brand = dataset.brand(args.brand)
    except KeyError as error:
        raise UsageError(error.args[0]) from None
    try:
        result = plan(
            brand, target_fen=target, period=args.period, hold=args.hold,
            weights=dict(args.weight), base=base, platform=args.platform, identity=identity,
            lang=args.lang,
        )  # fmt: skip
    except PlanError as error:
        if "unknown factor" in str(error):
            raise UsageError(str(error)) from None
        warn(f"steps plan: {error}")
        return _DATA_ERROR
    except ValueError as error:  # several platforms, none chosen
        raise UsageError(str(error)) from None
    if args.format == "json":
        document = _document(result, args.lang)
        print(json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False), file=stdout())
    else:
        say(render_text(result, args.lang))
    return 0


def _document(result: Plan, lang: str) -> dict[str, Any]:
    from steps.gmv.text import factor_name, formula_text, identity_name

    document = result.to_dict()
    document["identity"]["display_name"] = identity_name(result.identity, lang)
    document["identity"]["display_formula"] = formula_text(result.identity, lang)
    for entry, factor in zip(document["factors"], result.factors, strict=True):
        entry["display_name"] = factor_name(factor, lang)
    return document


def _lever_line(lever: Lever, lang: str) -> list[str]:
    from steps.gmv.text import message

    name = (lever.name_zh if lang == "zh" and lever.name_zh else lever.name) or lever.key
    scorer = _CODES.get(lever.scorer) or message(f"plan.scorer.{lever.scorer}", lang)
    score = (
        message("plan.unscored", lang)
        if lever.score is None
        else message("plan.score", lang, score=f"{lever.score:.0f}")
    )
    if lever.streams is not None:
        line = message(
            "plan.lever_streams", lang, name=name, scorer=scorer, score=score,
            streams=lever.streams,
        )  # fmt: skip
    else:
        line = message("plan.lever", lang, name=name, scorer=scorer, score=score)
    lines = [line]
    if lever.advice:
        lines.append(message("plan.lever_advice", lang, advice=lever.advice))
    return lines


def _factor_levers(factor: FactorTarget, lang: str) -> list[str]:
    from steps.gmv.text import factor_name, message, percent

    name = factor_name(factor, lang)
    if factor.held:
        return [message("plan.lever_held", lang, factor=name)]
    change = percent(factor.change, lang, signed=True)
    lines = [message("plan.lever_factor", lang, factor=name, change=change)]
    if not factor.levers:
        lines.append(message("plan.no_levers", lang))
    for lever in factor.levers:
        lines += _lever_line(lever, lang)
    return lines


def render_text(result: Plan, lang: str) -> str:
    """The plan in words and a table: base, target, rule, factor targets, levers."""
    from steps.cli.gmv import text_table
    from steps.gmv.text import (
        buyers_text,
        factor_name,
        fallback_text,
        formula_text,
        identity_name,
        message,
        money,
        percent,
        platform_name,
        unit_text,
        value_text,
    )

    def column(key: str) -> str:
        return message(f"plan.column.{key}", lang)

    identity = result.identity
    lines = [
        message(
            "plan.title", lang, brand=f"{result.brand_id} {result.brand_name}",
            platform=platform_name(result.platform, lang),
            identity=identity_name(identity, lang),
        ),
        formula_text(identity, lang),
        message("plan.scope", lang),
    ]  # fmt: skip
    fallback = fallback_text(result.choice, lang)
    if fallback is not None:
        lines.append(fallback)
    lines.append(buyers_text(result.buyers, lang))
    current = money(result.current_gmv_fen, lang)
    if result.base_rule == "latest_complete":
        kind = message(f"trend.{result.base.kind}", lang)
        lines.append(
            message("plan.base_latest", lang, base=result.base.label, kind=kind, current=current)
        )
    else:
        lines.append(message("plan.base_given", lang, base=result.base.label, current=current))
    lines.append(
        message(
            "plan.target", lang, period=result.target_period.label,
            target=money(result.target_gmv_fen, lang),
            change=percent(result.change, lang, signed=True),
        )
    )  # fmt: skip
    free = [f for f in result.factors if not f.held]
    separator = message("core.list_separator", lang)
    if len({result.weights[f.key] for f in free}) <= 1:
        weights = message("plan.equal_weights", lang)
    else:
        weights = separator.join(
            message("plan.weight", lang, factor=factor_name(f, lang), weight=result.weights[f.key])
            for f in free
        )
    lines.append(message("plan.rule", lang, ratio=f"{result.log_ratio:.4f}", weights=weights))
    held = [factor_name(f, lang) for f in result.factors if f.held]
    if held:
        lines.append(message("plan.held", lang, factors=separator.join(held)))
    headers = [column(k) for k in ("factor", "unit", "current", "target", "change", "share")]
    rows = [
        [
            factor_name(f, lang),
            unit_text(f.unit, lang),
            value_text(f.current, f.unit, lang),
            value_text(f.target, f.unit, lang),
            percent(f.change, lang, signed=True),
            percent(f.share, lang),
        ]
        for f in result.factors
    ]
    lines += ["", *text_table(headers, rows, left=2)]
    lines.append(
        message(
            "plan.product", lang, product=money(result.product(), lang),
            target=money(result.target_gmv_fen, lang),
        )
    )  # fmt: skip
    lines += ["", message("plan.levers", lang)]
    for factor in result.factors:
        lines += _factor_levers(factor, lang)
    return "\n".join(lines)
