"""``steps validate FILE``: load a file and report every problem with its path."""

from __future__ import annotations

import argparse
from typing import Any

from steps.domain.enums import Section
from steps.domain.model import Brand


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "validate",
        help="check a dataset file and list every problem",
        description="Load FILE (.json or .jsonl) and report every problem with its path. "
        "Exits 0 when the file is valid, 1 when it is not.",
    )
    parser.add_argument("file", help="dataset file (.json, .jsonl)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from steps.cli._output import say
    from steps.io.files import load

    dataset = load(args.file)
    streams = sum(len(b.streams) for b in dataset.brands)
    say(f"{args.file}: valid ({len(dataset.brands)} brands, {streams} streams)")
    for brand in dataset.brands:
        say(f"  {brand.brand_id}: {coverage_text(brand)}")
    return 0


def coverage_text(brand: Brand) -> str:
    """What the brand's data covers: each provided section with its records and dates, then
    the sections not provided (and whether coverage was declared or inferred)."""
    held = brand.held()
    provided = []
    for entry in brand.covered():
        dates = ""
        if entry.start is not None or entry.end is not None:
            dates = f" {entry.start or '…'}..{entry.end or '…'}"
        provided.append(f"{entry.section.value} ({held[entry.section]}{dates})")
    missing = [s.value for s in Section if not brand.provided(s)]
    how = "declared" if brand.coverage is not None else "inferred from the records"
    text = f"provided {', '.join(provided) or 'nothing'}"
    if missing:
        text += f"; not provided: {', '.join(missing)}"
    return f"{text} (coverage {how})"
