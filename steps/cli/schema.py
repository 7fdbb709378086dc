"""``steps schema``: print the JSON Schema of the data format."""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "schema",
        help="print the JSON Schema of the data format",
        description="Print the JSON Schema (draft 2020-12) of a dataset document, or of one "
        "JSON Lines record with --format jsonl.",
    )
    parser.add_argument("--format", choices=("json", "jsonl"), default="json")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from steps.cli._output import stdout
    from steps.io.schema import json_schema

    print(json.dumps(json_schema(args.format), ensure_ascii=False, indent=2), file=stdout())
    return 0
