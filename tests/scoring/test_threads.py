"""``steps.score`` from several threads at once: the results of a single-threaded run.

The engine captures what scorers warn with :func:`warnings.catch_warnings`, which changes
process-wide state; runs in other threads must neither lose those warnings nor see them
turned into errors.  The scorer below warns on every subject and sleeps between warnings, so
that the threads interleave inside the capture.
"""

from __future__ import annotations

import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import attrs

import steps
from steps.scoring import ScoreCard, ScoringContext, SubjectKind
from steps.scoring.engine import ScoreResults
from steps.scoring.plugins import PluginHost, default_host
from steps.testing.plugins import isolated_host
from tests.scoring.support import Plugin, card_for, ids_of

THREADS = 8


@attrs.define(eq=False)
class Chatty:
    """Warns twice on every subject (once with the subject's id), yielding the GIL between."""

    name: str = "chatty"
    subject: SubjectKind = SubjectKind.STREAM
    version: str = "1.0"
    title: str = "Chatty"
    description: str = "Warns about every stream."

    def score(self, subject: Any, context: ScoringContext) -> ScoreCard:
        subject_id, brand_id = ids_of(subject)
        warnings.warn("thin data", UserWarning, stacklevel=1)
        time.sleep(0.0005)
        warnings.warn(f"no plan for {subject_id}", RuntimeWarning, stacklevel=1)
        return card_for(self.name, self.subject, subject_id, brand_id, float(len(subject_id)))


def _in_threads(run: Any) -> list[Any]:
    """``run()`` in :data:`THREADS` threads released together; their answers."""
    start = threading.Barrier(THREADS)

    def task(_: int) -> Any:
        start.wait()
        return run()

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(task, range(THREADS)))


def test_scoring_from_eight_threads_gives_the_single_threaded_results() -> None:
    dataset = steps.sample_dataset()
    host = isolated_host(Plugin("chatty-plugin", Chatty()), builtins=True)
    alone = steps.score(dataset, host=host)
    streams = sum(len(b.streams) for b in dataset.brands)
    chatty = {w.message: w.count for w in alone.warnings if w.scorer == "chatty"}
    assert chatty["thin data"] == streams  # the warnings are there to be lost
    assert len(chatty) == streams + 1
    assert alone.ok

    together = _in_threads(lambda: steps.score(dataset, host=host))
    assert all(isinstance(r, ScoreResults) for r in together)
    for results in together:
        assert results == alone


def test_the_default_host_is_built_once_when_threads_ask_for_it_together() -> None:
    default_host.cache_clear()
    try:
        hosts = _in_threads(default_host)
    finally:
        default_host.cache_clear()
    assert all(isinstance(h, PluginHost) for h in hosts)
    assert len({id(h) for h in hosts}) == 1
    assert default_host() is not hosts[0]  # cleared: the next call builds afresh
