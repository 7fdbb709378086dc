"""The ``steps`` command line: a thin layer over the public API.

Each command lives in its own module with a ``register(subparsers)`` function.  Modules import
their heavy dependencies inside the command, so ``steps --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from steps.domain.errors import InvalidDataError

__all__ = ["main"]

#: Command modules, in the order ``--help`` lists them.
COMMANDS = (
    "demo",
    "validate",
    "schema",
    "sample",
    "scorers",
    "score",
    "compare",
    "peers",
    "gmv",
    "trend",
    "plan",
    "import_export",
    "report",
)


def build_parser() -> argparse.ArgumentParser:
    from steps import __version__

    parser = argparse.ArgumentParser(
        prog="steps",
        description="Analyse live-stream e-commerce brands: STEPS, STAGE, Douyin interest, trust.",
    )
    parser.add_argument("--version", action="version", version=f"steps {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"steps.cli.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        code: int = args.run(args)
    except InvalidDataError as error:
        print(f"steps {args.command}: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (``steps ... | head``): not an error of ours.
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print(f"steps {args.command}: interrupted", file=sys.stderr)
        return 130
    return code
