"""``steps import``: read a merchant back-office export (CSV/Excel) into a dataset file."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "import",
        help="import a Kuaishou/Douyin live-session export (CSV, Excel)",
        description="Read a live-session list exported from a merchant back office, map its "
        "columns with a mapping profile, and write a dataset file. Prints what could and "
        "could not be mapped.",
    )
    parser.add_argument("file", nargs="?", help="the export (.csv, .xlsx)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--profile", help="a bundled mapping profile (see --list-profiles)")
    source.add_argument("--mapping", help="your own mapping profile (TOML)")
    source.add_argument("--list-profiles", action="store_true", help="list bundled profiles")
    parser.add_argument("--brand-id", default="brand")
    parser.add_argument("--brand-name", default="Imported brand")
    parser.add_argument("--category", default="unknown")
    parser.add_argument("-o", "--output", help="dataset file to write (.json, .jsonl)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from steps.cli._output import say, warn
    from steps.domain.errors import InvalidDataError, Problem
    from steps.io.exports import builtin_profiles, load_profile, read_export
    from steps.io.files import dump
    from steps.io.output import check_output

    profiles = builtin_profiles()
    if args.list_profiles:
        for name, profile in profiles.items():
            say(f"{name}\t{profile.platform.value}\t{profile.description}")
        return 0
    if args.mapping:
        profile = load_profile(args.mapping)
    elif args.profile in profiles:
        profile = profiles[args.profile]
    else:
        known = ", ".join(profiles)
        raise InvalidDataError(
            [Problem("--profile", f"unknown profile {args.profile!r} (known: {known})")]
        )
    if not args.file:
        raise InvalidDataError([Problem("file", "give the export file to read")])
    if not args.output:
        raise InvalidDataError([Problem("-o", "give the dataset file to write")])
    check_output(args.output, inputs=[args.file, args.mapping])
    result = read_export(
        args.file,
        profile,
        brand_id=args.brand_id,
        brand_name=args.brand_name,
        category=args.category,
    )
    dump(result.dataset, args.output)
    for line in result.report.lines():
        warn(line)
    warn(f"wrote {args.output}")
    return 0
