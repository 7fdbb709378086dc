"""The frame functions' annotations name what they return, backend by backend.

Each overload of :func:`steps.frames.results_to_frame` and
:func:`steps.frames.dataset_to_frames` for one backend literal is called with that backend, and
what comes back must be an instance of the annotated type; the same for
``ScoreResults.to_pandas``, ``to_polars`` and ``to_arrow``.  The annotations name the frame
libraries only for type checkers (they are not imported at run time), so they are resolved here
with the libraries imported.
"""

from __future__ import annotations

import typing
from typing import Any, Literal, get_args, get_origin

import pytest

import steps
from steps import frames
from steps.scoring.engine import ScoreResults

pd = pytest.importorskip("pandas")
pl = pytest.importorskip("polars")
pa = pytest.importorskip("pyarrow")

NAMESPACE = {**vars(frames), "pd": pd, "pl": pl, "pa": pa}


@pytest.fixture(scope="module")
def results() -> ScoreResults:
    return steps.score(steps.sample_dataset(), ["steps", "trust"])


def _hints(function: Any) -> dict[str, Any]:
    return typing.get_type_hints(function, globalns=NAMESPACE, localns=NAMESPACE)


def _per_backend(function: Any) -> dict[str, Any]:
    """``{backend: return annotation}`` of the overloads taking one backend literal."""
    found = {}
    for overload in typing.get_overloads(function):
        hints = _hints(overload)
        backend = hints["backend"]
        if get_origin(backend) is Literal and len(get_args(backend)) == 1:
            found[get_args(backend)[0]] = hints["return"]
    return found


def test_there_is_an_overload_per_backend() -> None:
    assert set(_per_backend(frames.results_to_frame)) == set(frames.BACKENDS)
    assert set(_per_backend(frames.dataset_to_frames)) == set(frames.BACKENDS)
    assert get_args(frames.Backend) == frames.BACKENDS


@pytest.mark.parametrize("backend", frames.BACKENDS)
def test_results_to_frame_returns_the_annotated_type(results: ScoreResults, backend: str) -> None:
    expected = _per_backend(frames.results_to_frame)[backend]
    assert isinstance(expected, type)
    assert isinstance(frames.results_to_frame(results, backend), expected)  # type: ignore[call-overload]


@pytest.mark.parametrize("backend", frames.BACKENDS)
def test_dataset_to_frames_returns_the_annotated_type(backend: str) -> None:
    annotation = _per_backend(frames.dataset_to_frames)[backend]
    assert get_origin(annotation) is dict
    key, value = get_args(annotation)
    assert key is str
    tables = frames.dataset_to_frames(steps.sample_dataset(), backend)  # type: ignore[call-overload]
    assert tables
    assert all(isinstance(table, value) for table in tables.values())


@pytest.mark.parametrize("method", ["to_pandas", "to_polars", "to_arrow"])
def test_score_results_methods_return_the_annotated_type(
    results: ScoreResults, method: str
) -> None:
    from steps.scoring import engine

    hints = typing.get_type_hints(
        getattr(ScoreResults, method), globalns={**vars(engine), "pd": pd, "pl": pl, "pa": pa}
    )
    assert isinstance(hints["return"], type)
    assert isinstance(getattr(results, method)(), hints["return"])


def test_the_default_backend_is_pandas(results: ScoreResults) -> None:
    assert isinstance(frames.results_to_frame(results), pd.DataFrame)
    assert _hints(frames.results_to_frame)["backend"] == frames.Backend
