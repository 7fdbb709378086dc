"""Period arguments shared by the commands that compare two windows (``gmv``, ``report``)."""

from __future__ import annotations

from datetime import date

__all__ = ["USAGE_ERROR", "UsageError", "parse_period"]

#: Exit status for arguments that are well-formed for argparse but mean nothing.
USAGE_ERROR = 2


class UsageError(Exception):
    """An argument the command cannot use; the message says which and why."""


def parse_period(text: str, option: str) -> tuple[date, date]:
    """``"2021-08-01..2021-08-31"`` (or one date) → inclusive ``(start, end)``."""
    start_text, sep, end_text = text.partition("..")
    if not sep:
        end_text = start_text
    try:
        start = date.fromisoformat(start_text.strip())
        end = date.fromisoformat(end_text.strip())
    except ValueError:
        raise UsageError(
            f"{option}: {text!r} is not a period: use START..END with ISO dates, "
            "e.g. 2021-08-01..2021-08-31"
        ) from None
    if end < start:
        raise UsageError(f"{option}: {text!r} ends ({end}) before it starts ({start})")
    return start, end
