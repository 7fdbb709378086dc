"""Where the command line's output goes, and how it is made safe for a terminal.

While a command runs, `sys.stdout` is standard *error*: whatever a plugin prints (at
import, while registering or while scoring) goes there, so that it can never corrupt the
JSON, CSV or JSON Lines a command writes on standard output.  The command itself writes its
output with `say` (text for people: control characters escaped, see
`steps.report.escape.escape_control`) or to `stdout` (data, written as is).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import IO, Any, cast

from steps.report.escape import escape_control

__all__ = ["StdoutError", "commands_stdout", "say", "stdout", "warn"]


class StdoutError(OSError):
    """Standard output could not be written (a full disk, a closed terminal)."""


class _Guarded:
    """Standard output, its write errors raised as `StdoutError` (so that the command
    line can tell them from the errors of a file it writes).  Everything else is the
    stream's own."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as error:
            raise StdoutError(error.errno, error.strerror) from error

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as error:
            raise StdoutError(error.errno, error.strerror) from error

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


_stdout: list[IO[str]] = []


def stdout() -> IO[str]:
    """The command's real standard output (`sys.stdout` outside `commands_stdout`)."""
    return _stdout[-1] if _stdout else sys.stdout


@contextlib.contextmanager
def commands_stdout() -> Iterator[IO[str]]:
    """Run a command: `stdout` is the standard output, `sys.stdout` (what
    ``print()`` writes to) is standard error."""
    real = cast(IO[str], _Guarded(sys.stdout))
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
    """`say` on standard error."""
    say(text, file=sys.stderr)
