"""Caps count what is actually read, and a broken file costs a bounded list of problems.

* Files that report a size of 0 (``/dev/zero``, a named pipe, a ``/proc`` file) are read
  through the same caps as regular files, by every loader: a dataset (``.json``; ``.jsonl``
  lines are capped one by one), a benchmark profile, a peers file, a mapping profile, an
  export (CSV and Excel).  The caps are made small here so that reaching them is quick.
* A loader keeps at most :data:`~steps.domain.errors.MAX_PROBLEMS` problems and stops
  looking once it has them: a 3 MB JSON document of a million empty orders, a JSON Lines
  file of a hundred thousand empty records and an export of thousands of bad rows each
  give a thousand problems, the last lines of the report saying that there were more.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from steps.domain.errors import MAX_PROBLEMS, InvalidDataError, Problem
from steps.io import exports, files
from steps.io.exports import builtin_profiles, load_profile, read_export
from steps.io.files import load, load_jsonl, read_capped
from steps.scoring import benchmarks
from steps.scoring.benchmarks import load_benchmarks
from steps.scoring.peers import load_peers

CAP = 64 * 1024


def _loaders() -> dict[str, tuple[str, Callable[[Path], object], str]]:
    """Loader name → (file suffix, call, the module attribute of its cap)."""
    profile = builtin_profiles()["kuaishou-live-sessions"]

    def export(path: Path) -> object:
        return read_export(path, profile, brand_id="b", brand_name="n", category="c")

    return {
        "dataset": (".json", load, "files.MAX_FILE_BYTES"),
        "peers": (".json", load_peers, "files.MAX_FILE_BYTES"),
        "benchmarks-toml": (".toml", load_benchmarks, "benchmarks.MAX_BENCHMARK_BYTES"),
        "benchmarks-json": (".json", load_benchmarks, "benchmarks.MAX_BENCHMARK_BYTES"),
        "profile": (".toml", load_profile, "exports.MAX_PROFILE_BYTES"),
        "export-csv": (".csv", export, "exports.MAX_EXPORT_BYTES"),
        "export-xlsx": (".xlsx", export, "exports.MAX_EXPORT_BYTES"),
    }


LOADERS = sorted(_loaders())
MODULES = {"files": files, "benchmarks": benchmarks, "exports": exports}


@pytest.fixture
def small_caps(monkeypatch: pytest.MonkeyPatch) -> None:
    for _, _, cap in _loaders().values():
        module, name = cap.split(".")
        monkeypatch.setattr(MODULES[module], name, CAP)


def _refused(call: Callable[[], object]) -> Problem:
    with pytest.raises(InvalidDataError) as caught:
        call()
    [problem] = caught.value.problems
    return problem


@pytest.mark.usefixtures("small_caps")
@pytest.mark.parametrize("loader", LOADERS)
def test_dev_zero_is_read_up_to_the_cap(tmp_path: Path, loader: str) -> None:
    suffix, call, _ = _loaders()[loader]
    path = tmp_path / f"zero{suffix}"
    path.symlink_to("/dev/zero")  # reports a size of 0, never ends
    problem = _refused(lambda: call(path))
    assert problem.message == f"file is {CAP + 1} bytes or more; the limit is {CAP}"


def test_dev_zero_as_json_lines_is_refused_at_its_first_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "MAX_LINE_BYTES", CAP)
    path = tmp_path / "zero.jsonl"
    path.symlink_to("/dev/zero")
    problem = _refused(lambda: load(path))
    assert (problem.line, problem.message) == (1, f"line longer than {CAP} bytes")


@contextlib.contextmanager
def _writer(fifo: Path, data: bytes) -> Iterator[None]:
    """A thread writing ``data`` into ``fifo`` (as much of it as the reader takes)."""

    def write() -> None:
        with contextlib.suppress(BrokenPipeError), open(fifo, "wb") as stream:
            stream.write(data)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    try:
        yield
    finally:
        thread.join(timeout=60)
        assert not thread.is_alive()


@pytest.mark.usefixtures("small_caps")
@pytest.mark.parametrize("loader", LOADERS)
def test_a_named_pipe_is_read_up_to_the_cap(tmp_path: Path, loader: str) -> None:
    suffix, call, _ = _loaders()[loader]
    fifo = tmp_path / f"pipe{suffix}"
    os.mkfifo(fifo)
    with _writer(fifo, b"#" * (CAP * 4)):
        problem = _refused(lambda: call(fifo))
    assert problem.message == f"file is {CAP + 1} bytes or more; the limit is {CAP}"


@pytest.mark.usefixtures("small_caps")
def test_a_named_pipe_under_the_cap_is_read_whole(tmp_path: Path) -> None:
    document = {"schema_version": "1.0", "brands": []}
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with _writer(fifo, json.dumps(document).encode()):
        assert load(fifo).brands == ()


@pytest.mark.parametrize("loader", ["dataset", "peers", "benchmarks-json", "profile"])
def test_a_proc_file_is_read_for_what_it_holds(tmp_path: Path, loader: str) -> None:
    suffix, call, _ = _loaders()[loader]
    path = tmp_path / f"status{suffix}"
    path.symlink_to("/proc/self/status")  # reports 0 bytes, holds a few hundred
    problem = _refused(lambda: call(path))
    assert problem.message.startswith("not valid")


def test_read_capped_reads_at_most_one_byte_more_than_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "exact"
    path.write_bytes(b"x" * 10)
    assert read_capped(path, 10) == b"x" * 10
    with pytest.raises(InvalidDataError, match="file is 10 bytes; the limit is 9"):
        read_capped(path, 9)  # a regular file: refused from its size, unread


# -- a bounded list of problems ----------------------------------------------------------------


def _million_empty_orders(path: Path) -> None:
    with path.open("w", encoding="utf-8") as stream:
        stream.write('{"schema_version":"1.0","brands":[{"brand_id":"b","name":"n",')
        stream.write('"category":"c","orders":[')
        stream.write(",".join(["{}"] * 1_000_000))
        stream.write("]}]}")


def test_a_million_empty_orders_cost_a_thousand_problems(tmp_path: Path) -> None:
    path = tmp_path / "orders.json"
    _million_empty_orders(path)
    assert path.stat().st_size > 3_000_000
    with pytest.raises(InvalidDataError) as caught:
        load(path)
    error = caught.value
    assert len(error.problems) == MAX_PROBLEMS
    assert error.stopped
    assert error.problems[0].path.startswith("brands[0].orders[0].")
    assert str(error).splitlines()[0] == f"{MAX_PROBLEMS:,} problems or more in {path}:"
    assert str(error).splitlines()[-1] == f"  … checking stopped after {MAX_PROBLEMS:,}"
    assert len(str(error)) < 200_000


def test_json_lines_of_empty_records_stop_at_the_cap(tmp_path: Path) -> None:
    lines = ['{"record": "header", "schema_version": "1.0"}'] + ["{}"] * 100_000
    with pytest.raises(InvalidDataError) as caught:
        load_jsonl(iter_bytes("\n".join(lines)))
    error = caught.value
    assert len(error.problems) == MAX_PROBLEMS
    assert error.stopped
    assert error.problems[-1].line == MAX_PROBLEMS + 1


def iter_bytes(text: str) -> Any:
    import io

    return io.BytesIO(text.encode("utf-8"))


def test_an_export_of_many_bad_rows_stops_at_the_cap(tmp_path: Path) -> None:
    header = (
        "直播ID,快手号,直播开始时间,直播时长,观看人数,人均观看时长,成交金额,成交订单数,成交人数"
    )
    bad = "s{n},a,not a date,1小时,many,1分,¥1,2,1"
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([header, *(bad.format(n=n) for n in range(5_000))]), "utf-8")
    profile = builtin_profiles()["kuaishou-live-sessions"]
    with pytest.raises(InvalidDataError) as caught:
        read_export(path, profile, brand_id="b", brand_name="n", category="c")
    error = caught.value
    assert len(error.problems) == MAX_PROBLEMS
    assert error.stopped


def test_an_error_counts_the_problems_it_does_not_keep() -> None:
    error = InvalidDataError((Problem(f"x[{i}]", "bad") for i in range(2_500)), "f.json")
    assert len(error.problems) == MAX_PROBLEMS
    assert error.omitted == 1_500
    lines = str(error).splitlines()
    assert lines[0] == "2,500 problems in f.json:"
    assert lines[-1] == "  … and 1,500 more"
    again = error.under("brands[0]")
    assert (again.omitted, again.problems[0].path) == (1_500, "brands[0].x[0]")
    import pickle

    copy = pickle.loads(pickle.dumps(error))  # noqa: S301  # our own object, just made
    assert (copy.problems, copy.omitted, copy.stopped) == (error.problems, 1_500, False)
