"""Where the command line's output goes, and how it is made safe for a terminal.

While a command runs, :data:`sys.stdout` is standard *error*: whatever a plugin prints (at
import, while registering or while scoring) goes there, so that it can never corrupt the
JSON, CSV or JSON Lines a command writes on standard output.  The command itself writes its
output with :func:`say` (text for people: control characters escaped, see
:func:`steps.report.escape.escape_control`) or to :func:`stdout` (data, written as is).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import IO

from steps.report.escape import escape_control

__all__ = ["commands_stdout", "say", "stdout", "warn"]

_stdout: list[IO[str]] = []


def stdout() -> IO[str]:
    """The command's real standard output (:data:`sys.stdout` outside :func:`commands_stdout`)."""
    return _stdout[-1] if _stdout else sys.stdout


@contextlib.contextmanager
def commands_stdout() -> Iterator[IO[str]]:
    """Run a command: :func:`stdout` is the standard output, :data:`sys.stdout` (what
    ``print()`` writes to) is standard error."""
    real = sys.stdout
    _stdout.append(real)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield real
    finally:
        _stdout.pop()


def say(text: str = "", *, file: IO[str] | None = None) -> None:
    """Print ``text`` (lines for people) to the command's output, or to ``file``, with its
    control characters escaped (newlines and tabs kept)."""
    print(escape_control(text, keep="\t\n"), file=file if file is not None else stdout())


def warn(text: str) -> None:
    """:func:`say` on standard error."""
    say(text, file=sys.stderr)
