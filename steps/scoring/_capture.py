"""Capturing what scorers warn, safely when runs share a process with other threads.

``warnings.catch_warnings`` swaps process-wide state (the filters and the function that shows
a warning) for the time of the ``with`` block.  Two runs capturing at once in two threads
would each restore the other's state on the way out: warnings would land in the wrong run's
results, or escape to the caller's filters (and there become errors under ``-W error``).
Every capture therefore holds one process-wide lock; it is re-entrant, so a scorer may run a
nested scoring in its own thread.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["captured_warnings"]

_CAPTURE_LOCK = threading.RLock()


@contextmanager
def captured_warnings() -> Iterator[list[warnings.WarningMessage]]:
    """Record every warning raised in the block (each one, not only the first of its place),
    while no other thread captures."""
    with _CAPTURE_LOCK, warnings.catch_warnings(record=True) as log:
        warnings.simplefilter("always")
        yield log
