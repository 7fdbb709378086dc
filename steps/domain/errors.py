"""The one exception type for invalid data, and the problems it carries."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

__all__ = ["InvalidDataError", "Problem", "join_path"]


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


class InvalidDataError(ValueError):
    """Raised for any invalid input: a model object built with bad values, or a file
    that does not load.  ``problems`` lists *every* problem found, each with its path.
    """

    problems: tuple[Problem, ...]

    def __init__(self, problems: Iterable[Problem], source: str | None = None) -> None:
        self.problems = tuple(problems)
        self.source = source
        super().__init__(self.problems)

    def under(self, prefix: str) -> InvalidDataError:
        return InvalidDataError((p.under(prefix) for p in self.problems), self.source)

    def __str__(self) -> str:
        where = f" in {self.source}" if self.source else ""
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''}{where}:"
        return "\n".join([head, *(f"  {p}" for p in self.problems)])

    def __reduce__(self) -> tuple[type[InvalidDataError], tuple[tuple[Problem, ...], str | None]]:
        return (InvalidDataError, (self.problems, self.source))
