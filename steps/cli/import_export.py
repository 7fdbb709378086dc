"""``steps import``: read merchant back-office exports (CSV/Excel) into one dataset file."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from datetime import date
from typing import Any

from steps.domain.errors import InvalidDataError, Problem


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "import",
        help="import Kuaishou/Douyin back-office exports (CSV, Excel) into one dataset",
        description="Read exports of a merchant back office (live sessions, order details, "
        "products, talent results, fan groups, paid campaigns), map each with a mapping "
        "profile named or detected from its headers, and write one dataset file. Prints, "
        "per file, the profile used, the columns used and ignored and the rows read, then "
        "what the dataset covers.",
    )
    parser.add_argument("file", nargs="*", help="the exports (.csv, .xlsx)")
    parser.add_argument(
        "--profile",
        action="append",
        default=[],
        metavar="[FILE=]NAME",
        help="read FILE (every file not otherwise named, without FILE=) with a bundled "
        "profile; repeatable",
    )
    parser.add_argument(
        "--mapping",
        action="append",
        default=[],
        metavar="[FILE=]TOML",
        help="read FILE (every file not otherwise named, without FILE=) with your own "
        "mapping profile; repeatable",
    )
    parser.add_argument(
        "--period",
        action="append",
        default=[],
        metavar="[FILE=]START..END",
        help="the dates FILE (every file, without FILE=) covers, YYYY-MM-DD..YYYY-MM-DD; "
        "repeatable",
    )
    parser.add_argument(
        "--list-profiles", action="store_true", help="list the bundled profiles and exit"
    )
    parser.add_argument("--brand-id", default="brand")
    parser.add_argument("--brand-name", default="Imported brand")
    parser.add_argument("--category", default="unknown")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="treat warnings (derived columns that do not match, references left out) as errors",
    )
    parser.add_argument("-o", "--output", help="dataset file to write (.json, .jsonl)")
    parser.set_defaults(run=run)


def _same(a: str, b: str) -> bool:
    return os.path.normpath(a) == os.path.normpath(b)


def _split(option: str, value: str, files: Sequence[str]) -> tuple[str | None, str]:
    """``FILE=VALUE`` → (the file as given among ``files``, VALUE); a value without a file
    (or whose part before ``=`` names none of them) → (None, value)."""
    position = value.find("=")
    while position > 0:
        named = next((f for f in files if _same(f, value[:position])), None)
        if named is not None:
            return named, value[position + 1 :]
        position = value.find("=", position + 1)
    if "=" in value and option != "--mapping":
        head = value.rpartition("=")[0]
        raise InvalidDataError([Problem(option, f"{head!r} is not one of the files to import")])
    return None, value


def _per_file(option: str, values: Sequence[str], files: Sequence[str]) -> dict[str | None, str]:
    """Each file's value of a repeatable ``[FILE=]VALUE`` option; ``None``: the files not
    named.  A file (or the files not named) given two values is a problem."""
    chosen: dict[str | None, str] = {}
    for raw in values:
        file, value = _split(option, raw, files)
        if file in chosen:
            whom = "the files not named" if file is None else repr(file)
            raise InvalidDataError([Problem(option, f"given twice for {whom}")])
        chosen[file] = value
    return chosen


def _period(text: str) -> tuple[date, date]:
    start, dots, end = text.partition("..")
    try:
        period = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        period = None
    if not dots or period is None or period[1] < period[0]:
        raise InvalidDataError(
            [
                Problem(
                    "--period", f"must be START..END such as 2021-09-01..2021-09-30, got {text!r}"
                )
            ]
        )
    return period


def run(args: argparse.Namespace) -> int:
    from steps.cli._output import say, warn
    from steps.cli.validate import coverage_text
    from steps.io.exports import (
        ExportFile,
        MappingProfile,
        builtin_profiles,
        import_exports,
        load_profile,
    )
    from steps.io.files import dump
    from steps.io.output import check_output
    from steps.report.escape import escape_control

    profiles = builtin_profiles()
    if args.list_profiles:
        for name, profile in profiles.items():
            say(f"{name}\t{profile.platform.value}\t{profile.section.value}\t{profile.description}")
        return 0
    files: list[str] = args.file
    if not files:
        raise InvalidDataError([Problem("file", "give the exports to read")])
    if not args.output:
        raise InvalidDataError([Problem("-o", "give the dataset file to write")])
    if len({os.path.normpath(f) for f in files}) != len(files):
        raise InvalidDataError([Problem("file", "a file is given twice")])
    named = _per_file("--profile", args.profile, files)
    mappings = _per_file("--mapping", args.mapping, files)
    periods = {f: _period(p) for f, p in _per_file("--period", args.period, files).items()}
    both = [f for f in named if f in mappings]
    if both:
        whom = "the files not named" if both[0] is None else repr(both[0])
        raise InvalidDataError(
            [Problem("--profile", f"and --mapping both given for {whom}: give one")]
        )
    unknown = sorted(p for p in named.values() if p not in profiles)
    if unknown:
        known = ", ".join(profiles)
        raise InvalidDataError(
            [Problem("--profile", f"unknown profile {unknown[0]!r} (known: {known})")]
        )
    check_output(args.output, inputs=[*files, *mappings.values()])
    loaded = {path: load_profile(path) for path in dict.fromkeys(mappings.values())}

    def profile_of(file: str) -> MappingProfile | None:
        for key in (file, None):
            if key in named:
                return profiles[named[key]]
            if key in mappings:
                return loaded[mappings[key]]
        return None

    exports = [ExportFile(f, profile_of(f), periods.get(f, periods.get(None))) for f in files]
    result = import_exports(
        exports,
        brand_id=args.brand_id,
        brand_name=args.brand_name,
        category=args.category,
        strict=args.strict,
    )
    dump(result.dataset, args.output)
    for name, report in result.files:
        first, *rest = report.lines()
        warn(f"{escape_control(name)}: {first}")
        for line in rest:
            warn(f"  {line}")
    for brand in result.dataset.brands:
        warn(f"dataset: {coverage_text(brand)}")
    warn(f"wrote {args.output}")
    return 0
