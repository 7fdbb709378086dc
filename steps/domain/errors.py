"""The one exception type for invalid data, and the problems it carries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

import attrs

__all__ = ["MAX_PROBLEMS", "InvalidDataError", "Problem", "join_path"]


def join_path(prefix: str, path: str) -> str:
    """Join two path fragments: ``join_path("brands[0]", "gmv_fen") == "brands[0].gmv_fen"``."""
    if not prefix:
        return path
    if not path:
        return prefix
    if path.startswith("["):
        return prefix + path
    return f"{prefix}.{path}"


@attrs.frozen
class Problem:
    """One thing wrong with the input: where (a path such as
    ``brands[0].streams[12].gmv_fen``) and why."""

    path: str
    message: str
    #: The line of a JSON Lines file the problem was found on, when it came from one.
    line: int | None = None

    def under(self, prefix: str) -> Problem:
        return Problem(join_path(prefix, self.path), self.message, self.line)

    def at_line(self, line: int) -> Problem:
        return Problem(self.path, self.message, line)

    def __str__(self) -> str:
        text = f"{self.path}: {self.message}" if self.path else self.message
        return f"line {self.line}: {text}" if self.line is not None else text


#: The most problems one `InvalidDataError` keeps: a broken file of millions of
#: records would otherwise hold (and print) millions of them.  The rest are counted.
MAX_PROBLEMS: Final = 1_000


class InvalidDataError(ValueError):
    """Raised for any invalid input: a model object built with bad values, or a file
    that does not load.  ``problems`` lists every problem found, each with its path, up to
    `MAX_PROBLEMS`; ``omitted`` counts the ones found beyond those, and ``stopped``
    says that checking stopped early (a loader that has found `MAX_PROBLEMS` problems
    does not look for more).
    """

    problems: tuple[Problem, ...]

    def __init__(
        self,
        problems: Iterable[Problem],
        source: str | None = None,
        *,
        omitted: int = 0,
        stopped: bool = False,
    ) -> None:
        kept: list[Problem] = []
        beyond = 0
        for problem in problems:
            if len(kept) < MAX_PROBLEMS:
                kept.append(problem)
            else:
                beyond += 1
        self.problems = tuple(kept)
        self.source = source
        self.omitted = omitted + beyond
        self.stopped = stopped
        super().__init__(self.problems)

    def under(self, prefix: str) -> InvalidDataError:
        return InvalidDataError(
            (p.under(prefix) for p in self.problems),
            self.source,
            omitted=self.omitted,
            stopped=self.stopped,
        )

    def lines(self) -> list[str]:
        """The report, a line each: a head line naming the source, each problem, then how
        many more there were (or that checking stopped)."""
        where = f" in {self.source}" if self.source else ""
        count = len(self.problems) + self.omitted
        more = "" if not self.stopped else " or more"
        head = f"{count:,} problem{'s' if count != 1 or more else ''}{more}{where}:"
        lines = [head, *(f"  {p}" for p in self.problems)]
        if self.omitted:
            lines.append(f"  … and {self.omitted:,} more")
        if self.stopped:
            lines.append(f"  … checking stopped after {count:,}")
        return lines

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def __reduce__(
        self,
    ) -> tuple[Any, tuple[tuple[Problem, ...], str | None, int, bool]]:
        return (_rebuild, (self.problems, self.source, self.omitted, self.stopped))


def _rebuild(
    problems: tuple[Problem, ...], source: str | None, omitted: int, stopped: bool
) -> InvalidDataError:
    return InvalidDataError(problems, source, omitted=omitted, stopped=stopped)
