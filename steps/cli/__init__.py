"""The ``steps`` command line: a thin layer over the public API.

Each command lives in its own module with a ``register(subparsers)`` function.  Modules import
their heavy dependencies inside the command, so ``steps --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
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
    from steps.cli._output import StdoutError, commands_stdout, warn
    from steps.report.escape import escape_control

    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    try:
        with commands_stdout() as stdout:
            code: int = args.run(args)
            stdout.flush()  # a full disk or a closed pipe shows here, not at exit
    except InvalidDataError as error:
        # One line per problem, whatever its path or message holds (a key with a newline).
        lines = [escape_control(line) for line in error.lines()]
        warn("\n".join([f"steps {args.command}: {lines[0]}", *lines[1:]]))
        return 1
    except BrokenPipeError:
        # The reader went away (``steps ... | head``): not an error of ours.
        _discard_stdout()
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        warn(f"steps {args.command}: interrupted")
        return 130
    except StdoutError as error:
        _discard_stdout()
        warn(f"steps {args.command}: cannot write to standard output: {_os_error_text(error)}")
        return 1
    except OSError as error:  # an output that cannot be written (OutputError), a full disk
        warn(f"steps {args.command}: {escape_control(_os_error_text(error))}")
        return 1
    return code


def _os_error_text(error: OSError) -> str:
    from steps.io.output import OutputError

    if isinstance(error, OutputError):
        return str(error)
    reason = error.strerror or str(error) or type(error).__name__
    return f"{reason}: {error.filename!r}" if error.filename else reason


def _discard_stdout() -> None:
    """Point standard output at ``/dev/null``: what is still buffered for it can never be
    written, and the interpreter's final flush must not fail again."""
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError):  # not a real file (a test's capture)
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, fd)
    os.close(null)
